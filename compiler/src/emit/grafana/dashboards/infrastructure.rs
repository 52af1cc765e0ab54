//! Infrastructure health (seed 000 §7.2, dashboard 3): a row per data
//! service (PostgreSQL, Redis, MinIO, RabbitMQ) with its scrape targets up
//! and the panels its component declares over its exporter's metrics.

use super::{with_panels, Board, SELECTED_TARGETS};
use crate::emit::grafana::layout::{Chart, Spec};
use crate::emit::grafana::promql::target;
use crate::emit::grafana::schema::Dashboard;
use crate::emit::Context;

pub fn build(context: &Context) -> Dashboard {
    let platform = context.platform;
    let services = with_panels(context, "infrastructure");
    let mut board = Board::new(context, "infrastructure", services.clone());
    board.row("overview", "Overview");
    board.add(
        Spec::new("overview/targets-up", Chart::Timeseries, "Scrape targets up")
            .query(format!("sum by (service) (up{{{SELECTED_TARGETS}}})"), "{{service}}")
            .describe("Targets of the data services below that answer Prometheus' scrapes."),
    );
    for service in &services {
        let key = &service.k8s_name;
        board.row(key, format!("{} ({})", service.name, service.kind));
        board.add(
            Spec::new(format!("{key}/up"), Chart::Stat, "Targets up")
                .query(format!("sum(up{{{}}})", target(platform, service)), "")
                .base("red")
                .threshold("green", service.replicas.request as f64)
                .describe(format!("The source asks for {} replicas.", service.replicas.request)),
        );
        for spec in board.stdlib_specs(service) {
            board.add(spec);
        }
    }
    board.platform_panels();
    board.finish()
}
