//! The five dashboards of seed 000 §7.2, one file each, and what they
//! share: the dashboard frame ([`Board`]: uid, template variables, rows of
//! panels) and the panels components declare in the stdlib.

mod application;
mod capacity;
mod cluster;
mod infrastructure;
mod security;

use super::layout::{Chart, Grid, Spec};
use super::promql;
use super::provisioning::PROMETHEUS;
use super::schema::{Annotation, Dashboard, DataSourceRef, List, TimeRange, Variable, VariableOption, SCHEMA_VERSION};
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
    Meta { slug: "cluster", title: "Cluster overview", description: "Nodes, pods and namespaces of the cluster (seed 000 §7.2)." },
    Meta { slug: "application", title: "Application performance", description: "Request rate, errors and latency (RED) of every HTTP service (seed 000 §7.2)." },
    Meta { slug: "infrastructure", title: "Infrastructure health", description: "The data services through their exporters' metrics (seed 000 §7.2)." },
    Meta { slug: "capacity", title: "Capacity and cost", description: "Live use against the compile-time plan and budget; thresholds are the plan's numbers (seed 000 §7.2)." },
    Meta { slug: "security", title: "Security", description: "Failed authentications, NetworkPolicy denials and certificate expiry (seed 000 §7.2)." },
];

/// A dashboard being built: its frame and a grid of panels.
pub struct Board<'a> {
    context: &'a Context<'a>,
    meta: &'static Meta,
    grid: Grid,
    /// The services the template variables offer.
    services: Vec<&'a Service>,
}

impl<'a> Board<'a> {
    /// The dashboard `slug` (of [`DASHBOARDS`]), whose variables
    /// `namespace` and `service` offer `services`.
    pub fn new(context: &'a Context<'a>, slug: &str, services: Vec<&'a Service>) -> Board<'a> {
        let meta = DASHBOARDS.iter().find(|m| m.slug == slug).expect("every dashboard is in DASHBOARDS");
        Board { context, meta, grid: Grid::new(PROMETHEUS), services }
    }

    pub fn row(&mut self, key: &str, title: impl Into<String>) {
        self.grid.row(key, title);
    }

    pub fn add(&mut self, spec: Spec) {
        self.grid.add(spec);
    }

    /// A row per service with panels for this dashboard, then the
    /// platform's own panels for it.
    pub fn component_rows(&mut self, services: &[&'a Service]) {
        self.component_rows_with(services, |_, spec| spec);
    }

    /// As [`Board::component_rows`], passing every panel of a service
    /// through `adjust` (to add the plan's thresholds).
    pub fn component_rows_with(&mut self, services: &[&'a Service], adjust: impl Fn(&Service, Spec) -> Spec) {
        for service in services {
            let specs = self.stdlib_specs(service);
            if specs.is_empty() {
                continue;
            }
            self.row(&service.k8s_name, format!("{} ({})", service.name, service.kind));
            for spec in specs {
                self.add(adjust(service, spec));
            }
        }
        self.platform_panels();
    }

    /// The panels the service's component declares for this dashboard,
    /// `$target` filled in.
    pub fn stdlib_specs(&self, service: &Service) -> Vec<Spec> {
        let platform = self.context.platform;
        service
            .panels
            .iter()
            .filter(|p| p.dashboard == self.meta.slug)
            .map(|panel| from_stdlib(&format!("{}/{}", service.k8s_name, panel.name), panel, promql::expand(&panel.expr, platform, service)))
            .collect()
    }

    /// A row of the panels the platform's `monitoring` declares for this
    /// dashboard, when there are any.
    pub fn platform_panels(&mut self) {
        let platform = self.context.platform;
        let own: Vec<&Panel> =
            platform.monitoring.iter().flat_map(|m| &m.panels).filter(|p| p.dashboard == self.meta.slug).collect();
        if own.is_empty() {
            return;
        }
        self.row("platform", format!("{} (platform)", platform.name));
        for panel in own {
            self.add(from_stdlib(&format!("platform/{}", panel.name), panel, panel.expr.clone()));
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
            description: format!("{} Generated by hplc from {}.", self.meta.description, self.context.origin(platform.span)),
            tags: vec!["hplc".into(), k8s_name(&platform.name), slug.to_string()],
            timezone: "utc",
            editable: false,
            graph_tooltip: 1,
            schema_version: SCHEMA_VERSION,
            version: 1,
            refresh: "30s",
            time: TimeRange { from: "now-6h", to: "now" },
            templating: List { list: variables(self.context, &self.services) },
            annotations: List { list: vec![built_in_annotations()] },
            panels: self.grid.finish(),
        }
    }
}

/// A panel a component declares in the stdlib.
fn from_stdlib(key: &str, panel: &Panel, expr: String) -> Spec {
    let legend = panel.legend.clone();
    Spec::new(key, Chart::named(&panel.chart), panel.title.clone()).unit(panel.unit.clone()).query(expr, legend)
}

/// The range of `rate()` on dashboards: Grafana picks it from the scrape
/// interval of the data source and the zoom.
pub const RATE: &str = "$__rate_interval";

/// The matchers of the template variables on scraped series.
pub const SELECTED_TARGETS: &str = "namespace=~\"$namespace\", service=~\"$service\"";
/// The matchers of the template variables on container series.
pub const SELECTED_CONTAINERS: &str = "namespace=~\"$namespace\", container=~\"$service\"";

/// `namespace` and `service`, listing what the dashboard covers: values the
/// platform knows at compile time, so they need no query.
fn variables(context: &Context, services: &[&Service]) -> Vec<Variable> {
    let mut namespaces: Vec<String> = services.iter().map(|svc| context.platform.namespace_of(svc).k8s_name.clone()).collect();
    namespaces.sort();
    namespaces.dedup();
    let names: Vec<String> = services.iter().map(|svc| svc.k8s_name.clone()).collect();
    vec![custom("namespace", "Namespace", &namespaces), custom("service", "Service", &names)]
}

fn custom(name: &str, label: &str, values: &[String]) -> Variable {
    let all = VariableOption { selected: true, text: "All".into(), value: "$__all".into() };
    let mut options = vec![all];
    options.extend(values.iter().map(|v| VariableOption { selected: false, text: v.clone(), value: v.clone() }));
    Variable {
        kind: "custom",
        name: name.into(),
        label: label.into(),
        query: values.join(","),
        multi: true,
        include_all: true,
        all_value: ".*",
        current: VariableOption { selected: true, text: "All".into(), value: "$__all".into() },
        options,
        hide: 0,
    }
}

fn built_in_annotations() -> Annotation {
    Annotation {
        name: "Annotations & Alerts",
        built_in: 1,
        datasource: DataSourceRef { kind: "grafana", uid: "-- Grafana --" },
        enable: true,
        hide: true,
        icon_color: "rgba(0, 211, 255, 1)",
        kind: "dashboard",
    }
}

/// The services a dashboard may show: all but those the cloud installs.
pub fn deployed<'a>(context: &'a Context) -> Vec<&'a Service> {
    context.platform.services.iter().filter(|svc| !svc.managed).collect()
}

/// Services with panels for the dashboard `slug`.
pub fn with_panels<'a>(context: &'a Context, slug: &str) -> Vec<&'a Service> {
    deployed(context).into_iter().filter(|svc| svc.panels.iter().any(|p| p.dashboard == slug)).collect()
}
