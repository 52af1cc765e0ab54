//! The Grafana backend: `grafana/` of the output (the dashboards of seed
//! 000 §7.2 and the provisioning of data sources and dashboards), and, in
//! the scraper's namespace under `k8s/`, the dashboards as ConfigMaps for
//! Grafana's sidecar and the alerting and recording rules as a
//! PrometheusRule. See docs/backends/grafana.md.

mod configmaps;
pub mod dashboards;
pub mod layout;
pub mod schema;

use super::{Context, Output};
use crate::model::Derived;

pub fn emit(context: &Context, output: &mut Output) {
    let dashboards = dashboards::all(context);
    for (slug, dashboard) in &dashboards {
        let json = serde_json::to_string_pretty(dashboard).expect("dashboards serialise") + "\n";
        output.add(format!("grafana/dashboards/{slug}.json"), json);
    }
    // Grafana's dashboard sidecar loads them from ConfigMaps in its own
    // namespace: Grafana is the component whose chart gets the data
    // sources.
    let Some(grafana) = context.platform.deployed().map(|(_, svc)| svc).find(|svc| {
        svc.chart()
            .is_some_and(|c| c.derive.iter().any(|(d, _, _)| *d == Derived::Datasources))
    }) else {
        return;
    };
    let namespace = &context.platform.namespace_of(grafana).k8s_name;
    output.append(
        super::kube::namespace_file(namespace),
        &configmaps::dashboards(context, namespace, &dashboards),
    );
}
