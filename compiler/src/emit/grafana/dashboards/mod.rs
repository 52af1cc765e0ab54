//! The five dashboards of seed 000 §7.2, one file each, and what they
//! share: the dashboard frame ([`Board`]: uid, template variables, rows of
//! panels) and the panels components declare in the stdlib.

mod application;
mod capacity;
mod cluster;
mod infrastructure;
mod security;

use std::collections::HashMap;

use super::layout::{Chart, Grid, Spec};
use crate::emit::observe::datasources::{PROMETHEUS_KIND, PROMETHEUS_UID};
use crate::emit::observe::promql;

/// The Prometheus data source every panel and rule query reads.
const PROMETHEUS: DataSourceRef = DataSourceRef {
    kind: PROMETHEUS_KIND,
    uid: PROMETHEUS_UID,
};
use super::schema::{
    Annotation, Dashboard, DataSourceRef, List, TimeRange, Variable, VariableOption, SCHEMA_VERSION,
};
use crate::emit::Context;
use crate::model::{k8s_name, Panel, Service};

/// Grafana's limit on dashboard uids.
pub const UID_MAX: usize = 40;

/// Every dashboard, by file name (`cluster` is `cluster.json`).
pub fn all(context: &Context) -> Vec<(&'static str, Dashboard)> {
    vec![
        ("cluster", cluster::build(context)),
        ("application", application::build(context)),
        ("infrastructure", infrastructure::build(context)),
        ("capacity", capacity::build(context)),
        ("security", security::build(context)),
    ]
}

/// What a dashboard is, before its panels.
struct Meta {
    /// The file name, the end of the uid and the `dashboard` a stdlib panel
    /// names.
    slug: &'static str,
    title: &'static str,
    description: &'static str,
}

/// Every dashboard's file name (also the `dashboard` a stdlib panel names),
/// title and description.
const DASHBOARDS: [Meta; 5] = [
    Meta {
        slug: "cluster",
        title: "Cluster overview",
        description: "Nodes, pods and namespaces of the cluster.",
    },
    Meta {
        slug: "application",
        title: "Application performance",
        description: "Request rate, errors and latency (RED) of every HTTP service.",
    },
    Meta {
        slug: "infrastructure",
        title: "Infrastructure health",
        description: "The data services through their exporters' metrics.",
    },
    Meta {
        slug: "capacity",
        title: "Capacity and cost",
        description:
            "Live use against the compile-time plan and budget; thresholds are the plan's numbers.",
    },
    Meta {
        slug: "security",
        title: "Security",
        description: "Failed authentications, NetworkPolicy denials and certificate expiry.",
    },
];

/// What a dashboard's `namespace` and `service` variables list: Grafana
/// asks Prometheus for the values of a label on one series, so the
/// dashboard stays the same size however many services there are.
pub enum Scope {
    /// Scraped services: `service` of `up`.
    Targets,
    /// HTTP services: `service` of a recorded request series (rules.rs).
    Http(String),
    /// Containers: `container` of kube-state-metrics' container info,
    /// named after their service.
    Containers,
}

impl Scope {
    /// The series and the label whose values are the services.
    fn series(&self) -> (&str, &'static str) {
        match self {
            Scope::Targets => ("up", "service"),
            Scope::Http(series) => (series, "service"),
            Scope::Containers => ("kube_pod_container_info", "container"),
        }
    }
}

/// A dashboard being built: its frame and a grid of panels.
pub struct Board<'a> {
    context: &'a Context<'a>,
    meta: &'static Meta,
    grid: Grid,
    scope: Scope,
}

impl<'a> Board<'a> {
    /// The dashboard `slug` (of [`DASHBOARDS`]), whose variables
    /// `namespace` and `service` list what `scope` says.
    pub fn new(context: &'a Context<'a>, slug: &str, scope: Scope) -> Board<'a> {
        let meta = DASHBOARDS
            .iter()
            .find(|m| m.slug == slug)
            .expect("every dashboard is in DASHBOARDS");
        Board {
            context,
            meta,
            grid: Grid::new(PROMETHEUS),
            scope,
        }
    }

    pub fn row(&mut self, key: &str, title: impl Into<String>) {
        self.grid.row(key, title);
    }

    /// A collapsed row repeated for every selected service (`$service`).
    pub fn service_row(&mut self, key: &str, title: impl Into<String>) {
        self.grid.repeated_row(key, title, "service");
    }

    pub fn add(&mut self, spec: Spec) {
        self.grid.add(spec);
    }

    /// A row per component with panels for this dashboard, then the
    /// platform's own panels for it.
    pub fn component_rows(&mut self, services: &[&'a Service]) {
        self.component_rows_with(services, |_, spec| spec);
    }

    /// As [`Board::component_rows`], passing every panel through `adjust`
    /// (to add the plan's thresholds).
    pub fn component_rows_with(
        &mut self,
        services: &[&'a Service],
        adjust: impl Fn(&Service, Spec) -> Spec,
    ) {
        for group in self.components(services) {
            for spec in self.component_row(&group) {
                self.add(adjust(group[0], spec));
            }
        }
        self.platform_panels();
    }

    /// Starts the row of a component (a group of [`Board::components`])
    /// and returns the panels it declares for this dashboard.
    pub fn component_row(&mut self, group: &[&Service]) -> Vec<Spec> {
        let specs = self.stdlib_specs(group);
        let first = group[0];
        let title = match group {
            [service] => format!("{} ({})", service.name, service.kind),
            _ => format!(
                "{}: {} services (as selected by $namespace and $service)",
                first.kind,
                group.len()
            ),
        };
        self.row(&group_key(group), title);
        specs
    }

    /// `services` with panels for this dashboard, grouped by component:
    /// services whose panels are the same (the instances of one kind)
    /// share one row, in the order their first instance comes.
    pub fn components(&self, services: &[&'a Service]) -> Vec<Vec<&'a Service>> {
        let slug = self.meta.slug;
        let mut groups: Vec<Vec<&Service>> = Vec::new();
        let mut by_panels: HashMap<Vec<PanelKey>, usize> = HashMap::new();
        for service in services {
            let panels: Vec<PanelKey> = service
                .panels
                .iter()
                .filter(|p| p.dashboard == slug)
                .map(panel_key)
                .collect();
            if panels.is_empty() {
                continue;
            }
            match by_panels.get(&panels) {
                Some(&index) => groups[index].push(service),
                None => {
                    by_panels.insert(panels, groups.len());
                    groups.push(vec![service]);
                }
            }
        }
        groups
    }

    /// The panels a component declares for this dashboard. `$target` is
    /// the instance's own scrape target when it is the only one, else the
    /// targets the dashboard's variables select (the metrics are the
    /// component's own, so only its instances answer).
    fn stdlib_specs(&self, group: &[&Service]) -> Vec<Spec> {
        let first = group[0];
        let key = group_key(group);
        let target = match group {
            [service] => promql::target(self.context.platform, service),
            _ => SELECTED_TARGETS.to_string(),
        };
        first
            .panels
            .iter()
            .filter(|p| p.dashboard == self.meta.slug)
            .map(|panel| {
                from_stdlib(
                    &format!("{key}/{}", panel.name),
                    panel,
                    panel.expr.replace(promql::TARGET_PLACEHOLDER, &target),
                )
            })
            .collect()
    }

    /// A row of the panels the platform's `monitoring` declares for this
    /// dashboard, when there are any.
    pub fn platform_panels(&mut self) {
        let platform = self.context.platform;
        let own: Vec<&Panel> = platform
            .monitoring
            .iter()
            .flat_map(|m| &m.panels)
            .filter(|p| p.dashboard == self.meta.slug)
            .collect();
        if own.is_empty() {
            return;
        }
        self.row("platform", format!("{} (platform)", platform.name));
        for panel in own {
            self.add(from_stdlib(
                &format!("platform/{}", panel.name),
                panel,
                panel.expr.clone(),
            ));
        }
    }

    pub fn finish(self) -> Dashboard {
        let platform = self.context.platform;
        let prefix = format!("hplc-{}-", k8s_name(&platform.name));
        let slug = self.meta.slug;
        let room = UID_MAX.saturating_sub(slug.len());
        let uid = format!("{}{slug}", &prefix[..prefix.len().min(room)]);
        Dashboard {
            id: None,
            uid,
            title: format!("{} ({})", self.meta.title, platform.name),
            description: format!(
                "{} Generated by hplc from {}.",
                self.meta.description,
                self.context.origin(platform.span)
            ),
            tags: vec!["hplc".into(), k8s_name(&platform.name), slug.to_string()],
            timezone: "utc",
            editable: false,
            graph_tooltip: 1,
            schema_version: SCHEMA_VERSION,
            version: 1,
            refresh: "30s",
            time: TimeRange {
                from: "now-6h",
                to: "now",
            },
            templating: List {
                list: variables(&self.scope),
            },
            annotations: List {
                list: vec![built_in_annotations()],
            },
            panels: self.grid.finish(),
        }
    }
}

/// Everything that makes a stdlib panel what it is.
type PanelKey<'a> = [&'a str; 6];

fn panel_key(panel: &Panel) -> PanelKey<'_> {
    [
        &panel.name,
        &panel.title,
        &panel.expr,
        &panel.unit,
        &panel.legend,
        &panel.chart,
    ]
}

/// The key of a component's row, which its panels' keys start with: the
/// instance's name when it is the only one, else `kind/<kind>`.
fn group_key(group: &[&Service]) -> String {
    match group {
        [service] => service.k8s_name.clone(),
        _ => format!("kind/{}", group[0].kind),
    }
}

/// A panel a component declares in the stdlib.
fn from_stdlib(key: &str, panel: &Panel, expr: String) -> Spec {
    let legend = panel.legend.clone();
    Spec::new(key, Chart::named(&panel.chart), panel.title.clone())
        .unit(panel.unit.clone())
        .query(expr, legend)
}

/// The range of `rate()` on dashboards: Grafana picks it from the scrape
/// interval of the data source and the zoom.
pub const RATE: &str = "$__rate_interval";

/// The matchers of the template variables on scraped series.
pub const SELECTED_TARGETS: &str = "namespace=~\"$namespace\", service=~\"$service\"";
/// The matchers of the template variables on container series.
pub const SELECTED_CONTAINERS: &str = "namespace=~\"$namespace\", container=~\"$service\"";

/// `namespace`, then `service` within the selected namespaces.
fn variables(scope: &Scope) -> Vec<Variable> {
    let (series, label) = scope.series();
    vec![
        query(
            "namespace",
            "Namespace",
            format!("label_values({series}, namespace)"),
        ),
        query(
            "service",
            "Service",
            format!("label_values({series}{{namespace=~\"$namespace\"}}, {label})"),
        ),
    ]
}

fn query(name: &'static str, label: &'static str, query: String) -> Variable {
    let all = || VariableOption {
        selected: true,
        text: "All",
        value: "$__all",
    };
    Variable {
        kind: "query",
        name,
        label,
        datasource: PROMETHEUS,
        query,
        refresh: 1,
        sort: 1,
        multi: true,
        include_all: true,
        all_value: ".*",
        current: all(),
        options: Vec::new(),
        hide: 0,
    }
}

fn built_in_annotations() -> Annotation {
    Annotation {
        name: "Annotations & Alerts",
        built_in: 1,
        datasource: DataSourceRef {
            kind: "grafana",
            uid: "-- Grafana --",
        },
        enable: true,
        hide: true,
        icon_color: "rgba(0, 211, 255, 1)",
        kind: "dashboard",
    }
}

/// The services a dashboard may show: all but those the cloud installs.
pub fn deployed<'a>(context: &'a Context) -> Vec<&'a Service> {
    context.platform.deployed().map(|(_, svc)| svc).collect()
}
