//! The dashboards as ConfigMaps for Grafana's dashboard sidecar, which
//! loads every ConfigMap labelled `grafana_dashboard: "1"` into the folder
//! the dashboard provider reads (provisioning.rs).

use crate::emit::k8s::object::{documents, map, metadata, object, s};
use crate::emit::Context;

/// The label the sidecar watches for.
pub const SIDECAR_LABEL: (&str, &str) = ("grafana_dashboard", "1");

/// One ConfigMap per dashboard (`slug`, JSON text): each stays far below
/// the 1 MiB an object may hold.
pub fn dashboards(context: &Context, namespace: &str, dashboards: &[(&str, String)]) -> String {
    let objects: Vec<_> = dashboards
        .iter()
        .map(|(slug, json)| {
            let name = format!("grafana-dashboard-{slug}");
            let meta = metadata(context, &name, Some(namespace), &[SIDECAR_LABEL], context.platform.span);
            object("v1", "ConfigMap", meta, [("data", map([(format!("{slug}.json"), s(json.clone()))]))])
        })
        .collect();
    documents(&objects)
}
