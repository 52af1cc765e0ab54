//! The Grafana backend: `grafana/` of the output (the dashboards of seed
//! 000 §7.2 and the provisioning of data sources and dashboards), and, in
//! the scraper's namespace under `k8s/`, the dashboards as ConfigMaps for
//! Grafana's sidecar and the alerting and recording rules as a
//! PrometheusRule. See docs/backends/grafana.md.

mod configmaps;
pub mod dashboards;
pub mod layout;
pub mod provisioning;
pub mod schema;

use super::{Context, Output};

pub fn emit(context: &Context, output: &mut Output) {
    let dashboards = dashboards::all(context);
    for (slug, dashboard) in &dashboards {
        let json = serde_json::to_string_pretty(dashboard).expect("dashboards serialise") + "\n";
        output.add(format!("grafana/dashboards/{slug}.json"), json);
    }
    output.add(
        "grafana/provisioning/datasources/datasources.yaml",
        provisioning::datasources(context),
    );
    output.add(
        "grafana/provisioning/dashboards/dashboards.yaml",
        provisioning::dashboards(context),
    );
    // The Kubernetes side lives with the scraper, which loads the rules and
    // runs beside Grafana.
    let Some(scraper) = context
        .platform
        .deployed()
        .map(|(_, svc)| svc)
        .find(|svc| svc.roles.scraper)
    else {
        return;
    };
    let namespace = &context.platform.namespace_of(scraper).k8s_name;
    let file = super::kube::namespace_file(namespace);
    output.append(
        &file,
        &configmaps::dashboards(context, namespace, &dashboards),
    );
    if let Some(rules) = crate::emit::observe::rules::prometheus_rules(context, namespace) {
        output.append(file, &rules);
    }
}

/// `prometheus` -> `Prometheus`.
pub fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}
