//! Infrastructure health (seed 000 §7.2, dashboard 3): a row per data
//! component (PostgreSQL, Redis, RabbitMQ) with the panels it
//! declares over its exporter's metrics: for the one instance of a
//! component, with its scrape targets up; for a component with several,
//! over the instances the dashboard's variables select.

use super::{deployed, Board, Scope, SELECTED_TARGETS};
use crate::emit::grafana::layout::{Chart, Spec};
use crate::emit::grafana::schema::Dashboard;
use crate::emit::observe::promql::target;
use crate::emit::Context;

pub fn build(context: &Context) -> Dashboard {
    let platform = context.platform;
    let mut board = Board::new(context, "infrastructure", Scope::Targets);
    board.row("overview", "Overview");
    board.add(
        Spec::new(
            "overview/targets-up",
            Chart::Timeseries,
            "Scrape targets up",
        )
        .query(
            format!("sum by (service) (up{{{SELECTED_TARGETS}}})"),
            "{{service}}",
        )
        .describe("Targets that answer Prometheus' scrapes."),
    );
    let services = deployed(context);
    for group in board.components(&services) {
        let specs = board.component_row(&group);
        // The one instance of a component: its scrape targets up first.
        if let [service] = group.as_slice() {
            let key = &service.k8s_name;
            board.add(
                Spec::new(format!("{key}/up"), Chart::Stat, "Targets up")
                    .query(format!("sum(up{{{}}})", target(platform, service)), "")
                    .base("red")
                    .threshold("green", service.replicas.request as f64)
                    .describe(format!(
                        "The source asks for {} replicas.",
                        service.replicas.request
                    )),
            );
        }
        for spec in specs {
            board.add(spec);
        }
    }
    board.platform_panels();
    board.finish()
}
