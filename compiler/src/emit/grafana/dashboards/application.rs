//! Application performance (seed 000 §7.2, dashboard 2): request rate,
//! errors and latency (RED) of every HTTP service, read from the recording
//! rules of `rules.rs` so that services with different metric names share
//! panels; then one row repeated for each selected service with its
//! targets, requests, errors and latency.

use super::{deployed, Board, Scope, SELECTED_TARGETS};
use crate::emit::grafana::layout::{Chart, Spec};
use crate::emit::grafana::schema::Dashboard;
use crate::emit::observe::rules::{red_series, LATENCY_QUANTILES};
use crate::emit::Context;

pub fn build(context: &Context) -> Dashboard {
    let platform = context.platform;
    let mut board = Board::new(
        context,
        "application",
        Scope::Http(red_series(platform, "requests")),
    );
    let requests = format!("{}{{{SELECTED_TARGETS}}}", red_series(platform, "requests"));
    let errors = format!("{}{{{SELECTED_TARGETS}}}", red_series(platform, "errors"));
    board.row("all", "All HTTP services");
    board.add(
        Spec::new("all/requests", Chart::Timeseries, "Request rate")
            .unit("reqps")
            .query(format!("sum by (service) ({requests})"), "{{service}}")
            .width(12),
    );
    board.add(
        Spec::new("all/errors", Chart::Timeseries, "Error ratio (5xx)")
            .unit("percentunit")
            .query(
                error_ratio("sum by (service)", &requests, &errors),
                "{{service}}",
            )
            .width(12),
    );
    for (name, _) in LATENCY_QUANTILES.iter().filter(|(name, _)| *name != "p50") {
        board.add(
            Spec::new(
                format!("all/latency-{name}"),
                Chart::Timeseries,
                format!("Latency {name}"),
            )
            .unit("s")
            .query(
                format!(
                    "max by (service) ({}{{{SELECTED_TARGETS}}})",
                    red_series(platform, name)
                ),
                "{{service}}",
            )
            .width(12),
        );
    }
    service_row(context, &mut board, &requests, &errors);
    board.component_rows(&deployed(context));
    board.finish()
}

/// Failed requests as a share of all; zero, not missing, while nothing fails.
fn error_ratio(by: &str, requests: &str, errors: &str) -> String {
    format!("({by} ({errors}) or {by} ({requests}) * 0) / {by} ({requests})")
}

/// One row per selected service (`$service` is one name in each copy).
fn service_row(context: &Context, board: &mut Board, requests: &str, errors: &str) {
    let platform = context.platform;
    board.service_row("service", "$service");
    // An ingress controller's metrics are scraped from its `-metrics`
    // Service (k8s/services.rs), its RED series named after itself.
    let scraped = "namespace=~\"$namespace\", service=~\"${service}(-metrics)?\"";
    // The single numbers fill one line, the curves the next.
    board.add(
        Spec::new("service/up", Chart::Stat, "Targets up")
            .query(format!("sum(up{{{scraped}}})"), "")
            .base("red")
            .threshold("green", 1.0)
            .width(8),
    );
    board.add(
        Spec::new("service/requests", Chart::Stat, "Requests")
            .unit("reqps")
            .query(format!("sum({requests})"), "")
            .width(8),
    );
    board.add(
        Spec::new("service/errors", Chart::Stat, "Error ratio (5xx)")
            .unit("percentunit")
            .query(error_ratio("sum", requests, errors), "")
            .width(8),
    );
    let mut latency = Spec::new("service/latency", Chart::Timeseries, "Latency")
        .unit("s")
        .width(24);
    for (name, _) in LATENCY_QUANTILES {
        latency = latency.query(
            format!("max({}{{{SELECTED_TARGETS}}})", red_series(platform, name)),
            name,
        );
    }
    board.add(latency);
}
