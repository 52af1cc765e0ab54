//! Panels and where they go: a [`Spec`] says what a panel shows, a
//! [`Grid`] turns specs into Grafana panels with stable ids on a tidy
//! 24-column grid.
//!
//! Layout: every row header spans the grid; the panels of a row flow left
//! to right in lines; a line's panels are widened to fill all 24 columns and
//! share the height of the tallest, so no two panels overlap and no line
//! has a hole. A repeated row (one copy per value of a variable) is
//! collapsed: it holds its panels, laid out below it as if it were open,
//! and takes one line until someone opens it, so that a dashboard over
//! thousands of services stays cheap to load.
//!
//! Ids: a panel's id is a hash of its key (`application/health-api-server/
//! errors`), so it stays the same when other panels come and go and links
//! to a panel (`viewPanel=ID`) keep working.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::schema::{
    DataSourceRef, FieldConfig, FieldDefaults, GridPos, Panel, Step, Target, Thresholds,
};

pub const COLUMNS: u8 = 24;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chart {
    Timeseries,
    Stat,
    Gauge,
    Table,
    /// Markdown, no query.
    Text,
}

impl Chart {
    /// The chart of a stdlib `panel` (`chart` enum of the prelude).
    pub fn named(name: &str) -> Chart {
        match name {
            "stat" => Chart::Stat,
            "gauge" => Chart::Gauge,
            "table" => Chart::Table,
            _ => Chart::Timeseries,
        }
    }

    fn panel_type(self) -> &'static str {
        match self {
            Chart::Timeseries => "timeseries",
            Chart::Stat => "stat",
            Chart::Gauge => "gauge",
            Chart::Table => "table",
            Chart::Text => "text",
        }
    }

    /// Width and height when nothing else is asked: time series and tables
    /// three or two to a line, single numbers six to a line.
    fn size(self) -> (u8, u8) {
        match self {
            Chart::Timeseries => (8, 8),
            Chart::Table => (12, 8),
            Chart::Stat => (4, 4),
            Chart::Gauge => (4, 6),
            Chart::Text => (24, 8),
        }
    }
}

/// One query of a panel.
#[derive(Clone, Debug)]
pub struct Query {
    pub expr: String,
    pub legend: String,
}

/// What a panel shows.
#[derive(Clone, Debug)]
pub struct Spec {
    /// Unique within the dashboard; the source of the panel's id.
    pub key: String,
    pub chart: Chart,
    pub title: String,
    pub description: String,
    pub unit: String,
    pub queries: Vec<Query>,
    /// Ascending; the first step is the base colour.
    pub thresholds: Vec<Step>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Markdown of a text panel.
    pub text: String,
    pub width: Option<u8>,
}

impl Spec {
    pub fn new(key: impl Into<String>, chart: Chart, title: impl Into<String>) -> Spec {
        Spec {
            key: key.into(),
            chart,
            title: title.into(),
            description: String::new(),
            unit: "short".into(),
            queries: Vec::new(),
            thresholds: vec![Step {
                color: "green",
                value: None,
            }],
            min: None,
            max: None,
            text: String::new(),
            width: None,
        }
    }

    pub fn query(mut self, expr: impl Into<String>, legend: impl Into<String>) -> Spec {
        self.queries.push(Query {
            expr: expr.into(),
            legend: legend.into(),
        });
        self
    }

    pub fn unit(mut self, unit: impl Into<String>) -> Spec {
        self.unit = unit.into();
        self
    }

    pub fn describe(mut self, description: impl Into<String>) -> Spec {
        self.description = description.into();
        self
    }

    /// Adds a threshold step; steps must come in ascending order.
    pub fn threshold(mut self, color: &'static str, value: f64) -> Spec {
        self.thresholds.push(Step {
            color,
            value: Some(value),
        });
        self
    }

    /// The colour below the first threshold (green unless said).
    pub fn base(mut self, color: &'static str) -> Spec {
        self.thresholds[0].color = color;
        self
    }

    pub fn range(mut self, min: f64, max: f64) -> Spec {
        self.min = Some(min);
        self.max = Some(max);
        self
    }

    pub fn text(mut self, markdown: impl Into<String>) -> Spec {
        self.text = markdown.into();
        self
    }

    pub fn width(mut self, columns: u8) -> Spec {
        self.width = Some(columns.min(COLUMNS));
        self
    }
}

/// Places specs on the grid, row after row.
pub struct Grid {
    datasource: DataSourceRef,
    panels: Vec<Panel>,
    /// Specs of the current row not placed yet.
    pending: Vec<Spec>,
    /// The index in `panels` of the collapsed row being filled, if any.
    collapsed: Option<usize>,
    y: u32,
    ids: BTreeSet<u32>,
    keys: BTreeSet<String>,
}

impl Grid {
    /// Queries go to `datasource`.
    pub fn new(datasource: DataSourceRef) -> Grid {
        Grid {
            datasource,
            panels: Vec::new(),
            pending: Vec::new(),
            collapsed: None,
            y: 0,
            ids: BTreeSet::new(),
            keys: BTreeSet::new(),
        }
    }

    /// Starts a row: a full-width header, then the panels added after it.
    pub fn row(&mut self, key: &str, title: impl Into<String>) {
        self.start_row(key, title.into(), None);
    }

    /// Starts a collapsed row repeated over `variable`: the panels added
    /// after it are its own.
    pub fn repeated_row(&mut self, key: &str, title: impl Into<String>, variable: &'static str) {
        self.start_row(key, title.into(), Some(variable));
    }

    fn start_row(&mut self, key: &str, title: String, repeat: Option<&'static str>) {
        self.flush();
        if let Some(row) = self.collapsed.take() {
            // Below a collapsed row comes the line after its header.
            self.y = self.panels[row].grid_pos.y + 1;
        }
        let id = self.id(&format!("row/{key}"));
        self.panels.push(Panel {
            id,
            kind: "row",
            title,
            description: String::new(),
            grid_pos: GridPos {
                h: 1,
                w: COLUMNS,
                x: 0,
                y: self.y,
            },
            datasource: None,
            targets: Vec::new(),
            field_config: None,
            options: None,
            collapsed: Some(repeat.is_some()),
            panels: Some(Vec::new()),
            repeat,
        });
        if repeat.is_some() {
            self.collapsed = Some(self.panels.len() - 1);
        }
        self.y += 1;
    }

    pub fn add(&mut self, spec: Spec) {
        self.pending.push(spec);
    }

    pub fn finish(mut self) -> Vec<Panel> {
        self.flush();
        self.panels
    }

    /// Where placed panels go: the collapsed row being filled, else the
    /// dashboard.
    fn sink(&mut self) -> &mut Vec<Panel> {
        match self.collapsed {
            Some(row) => self.panels[row].panels.get_or_insert_with(Vec::new),
            None => &mut self.panels,
        }
    }

    /// Lays out the pending specs in lines that fill the grid's width.
    fn flush(&mut self) {
        let specs = std::mem::take(&mut self.pending);
        let mut line: Vec<(Spec, u8, u8)> = Vec::new();
        let mut used = 0u8;
        for spec in specs {
            let (w, h) = spec.chart.size();
            let w = spec.width.unwrap_or(w);
            if used + w > COLUMNS {
                self.place_line(std::mem::take(&mut line));
                used = 0;
            }
            used += w;
            line.push((spec, w, h));
        }
        self.place_line(line);
    }

    fn place_line(&mut self, line: Vec<(Spec, u8, u8)>) {
        if line.is_empty() {
            return;
        }
        let used: u8 = line.iter().map(|(_, w, _)| w).sum();
        let spare = COLUMNS - used;
        let count = line.len() as u8;
        let height = line.iter().map(|(_, _, h)| *h).max().unwrap_or(8);
        let mut x = 0u8;
        for (i, (spec, w, _)) in line.into_iter().enumerate() {
            // The spare columns go out evenly; the last panel takes the rest.
            let extra = if i as u8 == count - 1 {
                spare - (spare / count) * (count - 1)
            } else {
                spare / count
            };
            let w = w + extra;
            let grid_pos = GridPos {
                h: height,
                w,
                x,
                y: self.y,
            };
            let panel = self.panel(spec, grid_pos);
            self.sink().push(panel);
            x += w;
        }
        self.y += u32::from(height);
    }

    fn panel(&mut self, spec: Spec, grid_pos: GridPos) -> Panel {
        let id = self.id(&spec.key);
        let is_text = spec.chart == Chart::Text;
        let targets = spec
            .queries
            .iter()
            .enumerate()
            .map(|(i, q)| Target {
                ref_id: ref_id(i),
                expr: q.expr.clone(),
                legend_format: q.legend.clone(),
                instant: spec.chart == Chart::Table,
                format: (spec.chart == Chart::Table).then_some("table"),
            })
            .collect();
        Panel {
            id,
            kind: spec.chart.panel_type(),
            title: spec.title.clone(),
            description: spec.description.clone(),
            grid_pos,
            datasource: (!is_text).then(|| self.datasource.clone()),
            targets,
            field_config: (!is_text).then(|| field_config(&spec)),
            options: Some(options(&spec)),
            collapsed: None,
            panels: None,
            repeat: None,
        }
    }

    /// The id of `key`: its hash in 1..=999999, the next free number on a
    /// collision. A key used twice is a bug in a dashboard.
    fn id(&mut self, key: &str) -> u32 {
        assert!(
            self.keys.insert(key.to_string()),
            "two panels with the key {key}"
        );
        let mut id = stable_id(key);
        while !self.ids.insert(id) {
            id = id % 999_999 + 1;
        }
        id
    }
}

/// FNV-1a of the key, folded into 1..=999999: short, stable ids.
pub fn stable_id(key: &str) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in key.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash % 999_999 + 1
}

/// `A`, `B`, ... `Z`, `AA`, ...
fn ref_id(index: usize) -> String {
    let letter = (b'A' + (index % 26) as u8) as char;
    if index < 26 {
        letter.to_string()
    } else {
        format!("{}{letter}", ref_id(index / 26 - 1))
    }
}

fn field_config(spec: &Spec) -> FieldConfig {
    // Time series draw their thresholds as lines: there they are plan and
    // alert numbers to compare the curve with, not colours of the curve.
    let custom = (spec.chart == Chart::Timeseries).then(|| {
        let mode = if spec.thresholds.len() > 1 {
            "line"
        } else {
            "off"
        };
        json!({ "thresholdsStyle": { "mode": mode }, "fillOpacity": 10, "showPoints": "never" })
    });
    FieldConfig {
        defaults: FieldDefaults {
            unit: spec.unit.clone(),
            min: spec.min,
            max: spec.max,
            thresholds: Thresholds {
                mode: "absolute",
                steps: spec.thresholds.clone(),
            },
            custom,
        },
        overrides: Vec::new(),
    }
}

fn options(spec: &Spec) -> Value {
    let last = json!({ "calcs": ["lastNotNull"], "fields": "", "values": false });
    match spec.chart {
        Chart::Timeseries => json!({
            "legend": { "displayMode": "list", "placement": "bottom", "showLegend": true, "calcs": [] },
            "tooltip": { "mode": "multi", "sort": "desc" }
        }),
        Chart::Stat => json!({
            "reduceOptions": last,
            "colorMode": "value",
            "graphMode": "area",
            "justifyMode": "auto",
            "orientation": "auto",
            "textMode": "auto"
        }),
        Chart::Gauge => {
            json!({ "reduceOptions": last, "showThresholdLabels": false, "showThresholdMarkers": true })
        }
        Chart::Table => json!({ "showHeader": true, "cellHeight": "sm" }),
        Chart::Text => json!({ "mode": "markdown", "content": spec.text }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> Grid {
        Grid::new(DataSourceRef {
            kind: "prometheus",
            uid: "prometheus",
        })
    }

    #[test]
    fn lines_fill_the_width_without_overlap() {
        let mut grid = grid();
        grid.row("a", "A");
        for i in 0..5 {
            grid.add(Spec::new(format!("t{i}"), Chart::Timeseries, "t").query("up", ""));
        }
        grid.add(Spec::new("s", Chart::Stat, "s").query("up", ""));
        let panels = grid.finish();
        let boxes: Vec<GridPos> = panels.iter().map(|p| p.grid_pos).collect();
        // The row, three time series of 8 on one line, then two of 8 and
        // the stat of 4, widened together to fill the second line.
        assert_eq!(
            boxes[0],
            GridPos {
                h: 1,
                w: 24,
                x: 0,
                y: 0
            }
        );
        assert_eq!(
            boxes[1..4]
                .iter()
                .map(|b| (b.x, b.w, b.y))
                .collect::<Vec<_>>(),
            vec![(0, 8, 1), (8, 8, 1), (16, 8, 1)]
        );
        let last_line: Vec<(u8, u8)> = boxes[4..].iter().map(|b| (b.x, b.w)).collect();
        assert_eq!(last_line.iter().map(|(_, w)| *w as u32).sum::<u32>(), 24);
        assert!(boxes[4..].iter().all(|b| b.y == 9 && b.h == 8));
    }

    #[test]
    fn ids_follow_keys_not_positions() {
        let mut a = grid();
        a.add(Spec::new("x", Chart::Stat, "x"));
        let mut b = grid();
        b.add(Spec::new("other", Chart::Stat, "o"));
        b.add(Spec::new("x", Chart::Stat, "x"));
        assert_eq!(a.finish()[0].id, b.finish()[1].id);
        assert_eq!(ref_id(0), "A");
        assert_eq!(ref_id(27), "AB");
    }
}
