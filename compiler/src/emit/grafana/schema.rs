//! Grafana's dashboard JSON (the classic model of `@grafana/schema`), as
//! ordered structs: fields serialise in declaration order, so the files read
//! top-down (`id`, `type`, `title` first) without serde_json's
//! `preserve_order`. Panel `options`, whose shape depends on the panel type,
//! are plain `serde_json::Value`s (their keys come out sorted).

use serde::Serialize;
use serde_json::Value;

/// Grafana 11.0 and later read this version without migrating it; the
/// platform runs Grafana 11.3 (stdlib components.hpl).
pub const SCHEMA_VERSION: u32 = 39;

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Dashboard {
    /// Always null: Grafana assigns database ids; `uid` is the stable name.
    pub id: Option<u32>,
    pub uid: String,
    pub title: String,
    pub description: String,
    pub tags: Vec<String>,
    pub timezone: &'static str,
    pub editable: bool,
    /// Shared crosshair across panels.
    pub graph_tooltip: u8,
    pub schema_version: u32,
    pub version: u32,
    pub refresh: &'static str,
    pub time: TimeRange,
    pub templating: List<Variable>,
    pub annotations: List<Annotation>,
    pub panels: Vec<Panel>,
}

#[derive(Serialize, Debug)]
pub struct TimeRange {
    pub from: &'static str,
    pub to: &'static str,
}

#[derive(Serialize, Debug)]
pub struct List<T> {
    pub list: Vec<T>,
}

/// A template variable whose values Grafana asks Prometheus for
/// (`label_values(...)`), so a dashboard does not grow with the platform.
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Variable {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub name: &'static str,
    pub label: &'static str,
    pub datasource: DataSourceRef,
    pub query: String,
    /// 1: when the dashboard loads.
    pub refresh: u8,
    /// 1: alphabetical.
    pub sort: u8,
    pub multi: bool,
    pub include_all: bool,
    pub all_value: &'static str,
    pub current: VariableOption,
    /// Always empty: Grafana fills it from the query.
    pub options: Vec<VariableOption>,
    pub hide: u8,
}

#[derive(Serialize, Debug)]
pub struct VariableOption {
    pub selected: bool,
    pub text: &'static str,
    pub value: &'static str,
}

/// The built-in annotations (alerts and annotations of the dashboard).
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Annotation {
    pub name: &'static str,
    pub built_in: u8,
    pub datasource: DataSourceRef,
    pub enable: bool,
    pub hide: bool,
    pub icon_color: &'static str,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct DataSourceRef {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub uid: &'static str,
}

#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct GridPos {
    pub h: u8,
    pub w: u8,
    pub x: u8,
    pub y: u32,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Panel {
    pub id: u32,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    pub grid_pos: GridPos,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub datasource: Option<DataSourceRef>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<Target>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_config: Option<FieldConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<Value>,
    /// Rows only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collapsed: Option<bool>,
    /// Rows only: the panels of a collapsed row (empty for an open row,
    /// whose panels follow it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub panels: Option<Vec<Panel>>,
    /// Rows only: the variable the row is repeated over, once per value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat: Option<&'static str>,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
/// A query; it goes to its panel's data source.
pub struct Target {
    pub ref_id: String,
    pub expr: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub legend_format: String,
    /// Tables show the latest value of each series.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub instant: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<&'static str>,
}

#[derive(Serialize, Debug)]
pub struct FieldConfig {
    pub defaults: FieldDefaults,
    pub overrides: Vec<Value>,
}

#[derive(Serialize, Debug)]
pub struct FieldDefaults {
    pub unit: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    pub thresholds: Thresholds,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom: Option<Value>,
}

#[derive(Serialize, Debug)]
pub struct Thresholds {
    pub mode: &'static str,
    pub steps: Vec<Step>,
}

/// One threshold step; the first has no value (it is the base colour).
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Step {
    pub color: &'static str,
    pub value: Option<f64>,
}
