//! Cluster overview (seed 000 §7.2, dashboard 1): nodes ready, pods and what
//! each namespace uses, then the node exporter's panels (node CPU, memory,
//! disk, network) and kube-state-metrics' (pod status and distribution).

use super::{deployed, Board, Scope, RATE, SELECTED_CONTAINERS};
use crate::emit::grafana::layout::{Chart, Spec};
use crate::emit::grafana::schema::Dashboard;
use crate::emit::observe::promql::{cpu_usage, memory_usage};
use crate::emit::Context;

pub fn build(context: &Context) -> Dashboard {
    let services = deployed(context);
    let mut board = Board::new(context, "cluster", Scope::Containers);
    let nodes = context.platform.nodes.len();
    let planned_pods: i64 = context.plan.nodes.iter().map(|n| n.pods).sum();
    let containers = format!("container!=\"\", {SELECTED_CONTAINERS}");
    board.row("overview", "Overview");
    board.add(
        Spec::new("overview/nodes-ready", Chart::Stat, "Nodes ready")
            .query(
                "sum(kube_node_status_condition{condition=\"Ready\", status=\"true\"})",
                "",
            )
            .base("red")
            .threshold("green", nodes as f64)
            .describe(format!("The source declares {nodes} nodes.")),
    );
    board.add(
        Spec::new("overview/pods-running", Chart::Stat, "Pods running")
            .query(
                "sum(kube_pod_status_phase{phase=\"Running\", namespace=~\"$namespace\"})",
                "",
            )
            .describe(format!(
                "The plan places {planned_pods} pods, daemons and system pods included."
            )),
    );
    board.add(
        Spec::new("overview/pods-not-ready", Chart::Stat, "Pods not ready")
            .query(
                "sum(kube_pod_status_ready{condition=\"false\", namespace=~\"$namespace\"})",
                "",
            )
            .threshold("red", 1.0),
    );
    board.add(
        Spec::new(
            "overview/cpu-by-namespace",
            Chart::Timeseries,
            "CPU by namespace (cores)",
        )
        .query(
            format!("sum by (namespace) ({})", cpu_usage(&containers, RATE)),
            "{{namespace}}",
        ),
    );
    board.add(
        Spec::new(
            "overview/memory-by-namespace",
            Chart::Timeseries,
            "Memory by namespace",
        )
        .unit("bytes")
        .query(
            format!("sum by (namespace) ({})", memory_usage(&containers)),
            "{{namespace}}",
        ),
    );
    board.component_rows(&services);
    board.finish()
}
