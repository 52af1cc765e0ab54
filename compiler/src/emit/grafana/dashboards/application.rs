//! Application performance (seed 000 §7.2, dashboard 2): request rate,
//! errors and latency (RED) of every HTTP service, read from the recording
//! rules of `rules.rs` so that services with different metric names share
//! panels; then a row per service with its replicas and the services it
//! needs.

use super::{deployed, Board, SELECTED_TARGETS};
use crate::emit::grafana::layout::{Chart, Spec};
use crate::emit::grafana::promql::{named, target};
use crate::emit::grafana::rules::{red_series, LATENCY_QUANTILES};
use crate::emit::grafana::schema::Dashboard;
use crate::emit::Context;
use crate::graph::EdgeKind;
use crate::model::{Service, ServiceId};

pub fn build(context: &Context) -> Dashboard {
    let platform = context.platform;
    let http: Vec<(ServiceId, &Service)> =
        platform.services.iter().enumerate().filter(|(_, svc)| !svc.managed && svc.http_metrics.is_some()).collect();
    let mut board = Board::new(context, "application", http.iter().map(|(_, svc)| *svc).collect());
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
            .query(error_ratio("sum by (service)", &requests, &errors), "{{service}}")
            .width(12),
    );
    for (name, _) in LATENCY_QUANTILES.iter().filter(|(name, _)| *name != "p50") {
        board.add(
            Spec::new(format!("all/latency-{name}"), Chart::Timeseries, format!("Latency {name}"))
                .unit("s")
                .query(format!("max by (service) ({}{{{SELECTED_TARGETS}}})", red_series(platform, name)), "{{service}}")
                .width(12),
        );
    }
    for (id, service) in &http {
        service_row(context, &mut board, *id, service);
    }
    board.component_rows(&deployed(context));
    board.finish()
}

/// Failed requests as a share of all; zero, not missing, while nothing fails.
fn error_ratio(by: &str, requests: &str, errors: &str) -> String {
    format!("({by} ({errors}) or {by} ({requests}) * 0) / {by} ({requests})")
}

fn service_row(context: &Context, board: &mut Board, id: ServiceId, service: &Service) {
    let platform = context.platform;
    let key = &service.k8s_name;
    let (scraped, named) = (target(platform, service), named(platform, service));
    let requests = format!("{}{{{named}}}", red_series(platform, "requests"));
    let errors = format!("{}{{{named}}}", red_series(platform, "errors"));
    board.row(key, format!("{} ({})", service.name, service.kind));
    let replicas = service.replicas.request;
    let mut up = Spec::new(format!("{key}/up"), Chart::Stat, "Replicas up")
        .query(format!("sum(up{{{scraped}}})"), "")
        .base("red")
        .describe(format!("The source asks for {} to {} replicas.", service.replicas.request, service.replicas.limit));
    if replicas > 1 {
        up = up.threshold("yellow", 1.0);
    }
    // The single numbers fill one line, the curves the next.
    board.add(up.threshold("green", replicas as f64).width(8));
    board.add(Spec::new(format!("{key}/requests"), Chart::Stat, "Requests").unit("reqps").query(format!("sum({requests})"), "").width(8));
    board.add(
        Spec::new(format!("{key}/errors"), Chart::Stat, "Error ratio (5xx)")
            .unit("percentunit")
            .query(error_ratio("sum", &requests, &errors), "")
            .width(8),
    );
    if service.http_metrics.as_ref().is_some_and(|h| !h.latency.is_empty()) {
        let mut latency = Spec::new(format!("{key}/latency"), Chart::Timeseries, "Latency").unit("s").width(12);
        for (name, _) in LATENCY_QUANTILES {
            latency = latency.query(format!("max({}{{{named}}})", red_series(platform, name)), name);
        }
        board.add(latency);
    }
    let needed: Vec<String> = context
        .graph
        .edges_from(id)
        .filter(|e| e.kind == EdgeKind::Needs && context.graph.edges_to(e.to).any(|s| s.kind == EdgeKind::Scrape))
        .map(|e| format!("up{{{}}}", target(platform, &platform.services[e.to])))
        .collect();
    if !needed.is_empty() {
        board.add(
            Spec::new(format!("{key}/needs"), Chart::Timeseries, "Services it needs: targets up")
                .query(format!("sum by (service) ({})", needed.join(" or ")), "{{service}}")
                .describe("Every service the source says it needs, as Prometheus scrapes it.")
                .width(12),
        );
    }
}
