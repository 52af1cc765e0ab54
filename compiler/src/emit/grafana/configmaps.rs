//! The dashboards as ConfigMaps for Grafana's dashboard sidecar, which
//! loads every ConfigMap labelled `grafana_dashboard: "1"` into the folder
//! the dashboard provider reads (provisioning.rs).
//!
//! Kubernetes refuses a ConfigMap over 1 MiB, so each dashboard is its own
//! ConfigMap and its JSON is written compact, on one line: the readable
//! copy, for review, is `grafana/dashboards/<slug>.json`.

use std::borrow::Cow;

use super::schema::Dashboard;
use crate::emit::kube::object::{metadata, object};
use crate::emit::yaml::{documents, map, s};
use crate::emit::Context;

/// The label the sidecar watches for.
pub const SIDECAR_LABEL: (&str, Cow<str>) = ("grafana_dashboard", Cow::Borrowed("1"));

/// One ConfigMap per dashboard (by slug).
pub fn dashboards(context: &Context, namespace: &str, dashboards: &[(&str, Dashboard)]) -> String {
    let objects: Vec<_> = dashboards
        .iter()
        .map(|(slug, dashboard)| {
            let json = serde_json::to_string(dashboard).expect("dashboards serialise") + "\n";
            let meta = metadata(
                context,
                format!("grafana-dashboard-{slug}"),
                Some(namespace),
                &[SIDECAR_LABEL],
                context.platform.span,
            );
            object(
                "v1",
                "ConfigMap",
                meta,
                [("data", map([(format!("{slug}.json"), s(json))]))],
            )
        })
        .collect();
    documents(&objects)
}
