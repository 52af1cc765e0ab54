//! Capacity and cost (seed 000 §7.2, dashboard 4, "cost monitoring"): what
//! the platform uses, live, against what `hplc plan` computed at compile
//! time. The plan's numbers are the thresholds: yellow at what is
//! requested, red at what there is (allocatable, budget), for the platform
//! and for each node; the plan and the monthly cost estimate are written
//! out beside them. Each selected service's pods are drawn against the
//! requests and limits Kubernetes reports for them, in one row repeated
//! per service (the dashboard does not grow with the services).

use super::{deployed, Board, Scope, RATE, SELECTED_CONTAINERS};
use crate::emit::grafana::layout::{Chart, Spec};
use crate::emit::grafana::schema::Dashboard;
use crate::emit::observe::promql::{cores, cpu_usage, kube_label, memory_usage, ROOT_FILESYSTEM};
use crate::emit::observe::rules::NodeSeries;
use crate::emit::Context;
use crate::model::{show, Node, Service, NODE_LABEL};
use crate::placement::NodePlan;

mod plan_text;

pub fn build(context: &Context) -> Dashboard {
    let services = deployed(context);
    let mut board = Board::new(context, "capacity", Scope::Containers);
    totals(context, &mut board);
    budget(context, &mut board);
    board.row("nodes", "Nodes against the plan");
    for (node_plan, node) in context
        .plan
        .nodes
        .iter()
        .map(|p| (p, &context.platform.nodes[p.node]))
    {
        node_panels(context, &mut board, node, node_plan);
    }
    traffic(context, &mut board, &services);
    board.row("services", "Services against their requests and limits");
    board.add(
        Spec::new("services/cpu", Chart::Timeseries, "CPU by service (cores)")
            .query(
                format!(
                    "sum by (container) ({})",
                    cpu_usage(SELECTED_CONTAINERS, RATE)
                ),
                "{{container}}",
            )
            .width(12),
    );
    board.add(
        Spec::new("services/memory", Chart::Timeseries, "Memory by service")
            .unit("bytes")
            .query(
                format!("sum by (container) ({})", memory_usage(SELECTED_CONTAINERS)),
                "{{container}}",
            )
            .width(12),
    );
    service_panels(&mut board);
    board.row("plan", "The plan and its cost");
    board.add(
        Spec::new("plan/text", Chart::Text, "Plan, budget and monthly cost")
            .text(plan_text::markdown(context)),
    );
    board.finish()
}

/// Yellow from what the plan requests, red from what there is.
fn against(spec: Spec, planned: f64, available: f64) -> Spec {
    if planned < available {
        spec.threshold("yellow", planned)
            .threshold("red", available)
    } else {
        spec.threshold("red", available)
    }
}

fn totals(context: &Context, board: &mut Board) {
    let nodes = &context.plan.nodes;
    let sum = |f: fn(&NodePlan) -> i64| nodes.iter().map(f).sum::<i64>();
    let (cpu_requested, cpu_allocatable) = (sum(|n| n.requested_cpu), sum(|n| n.allocatable.cpu));
    let (memory_requested, memory_allocatable) =
        (sum(|n| n.requested_memory), sum(|n| n.allocatable.memory));
    let (pods, max_pods) = (sum(|n| n.pods), sum(|n| n.allocatable.max_pods));
    let cpu_plan = format!(
        "The plan requests {} of {} allocatable.",
        show::cpu(cpu_requested),
        show::cpu(cpu_allocatable)
    );
    let memory_plan = format!(
        "The plan requests {} of {} allocatable.",
        show::bytes(memory_requested),
        show::bytes(memory_allocatable)
    );
    let cpu = |m: i64| m as f64 / 1000.0;
    board.row("totals", "The platform against the plan");
    let stats = [
        (
            "totals/cpu-used",
            "CPU in use (cores)",
            format!("sum({})", cpu_usage("container!=\"\"", RATE)),
            "short",
            cpu_plan.clone(),
        ),
        (
            "totals/cpu-requested",
            "CPU requested (cores)",
            req("cpu"),
            "short",
            cpu_plan,
        ),
        (
            "totals/memory-used",
            "Memory in use",
            format!("sum({})", memory_usage("container!=\"\"")),
            "bytes",
            memory_plan.clone(),
        ),
        (
            "totals/memory-requested",
            "Memory requested",
            req("memory"),
            "bytes",
            memory_plan,
        ),
    ];
    for (key, title, expr, unit, description) in stats {
        let (planned, available) = if unit == "bytes" {
            (memory_requested as f64, memory_allocatable as f64)
        } else {
            (cpu(cpu_requested), cpu(cpu_allocatable))
        };
        board.add(against(
            Spec::new(key, Chart::Stat, title)
                .unit(unit)
                .query(expr, "")
                .describe(description),
            planned,
            available,
        ));
    }
    board.add(against(
        Spec::new("totals/pods", Chart::Stat, "Pods running")
            .query("sum(kube_pod_status_phase{phase=\"Running\"})", "")
            .describe(format!(
                "The plan places {pods} pods; the nodes hold {max_pods}."
            )),
        pods as f64,
        max_pods as f64,
    ));
}

/// Requests of every running container for a resource (kube-state-metrics).
fn req(resource: &str) -> String {
    format!("sum(kube_pod_container_resource_requests{{resource=\"{resource}\"}})")
}

fn budget(context: &Context, board: &mut Board) {
    let platform = context.platform;
    let Some(budget) = &platform.budget else {
        return;
    };
    let line = |dimension: &str| context.plan.budget.line(dimension);
    board.row(
        "budget",
        format!("Budget {} ({})", budget.name, budget.as_of),
    );
    // Node capacity is counted in vCPUs; the budget in OCPUs.
    let per_ocpu: Vec<i64> = platform
        .nodes
        .iter()
        .map(|n| n.shape.vcpus_per_ocpu.max(1))
        .collect();
    if let (Some(first), Some(cpu)) = (per_ocpu.first(), line("cpu")) {
        if per_ocpu.iter().all(|v| v == first) {
            board.add(against(
                Spec::new("budget/cpu", Chart::Stat, "Node OCPUs")
                    .query(
                        format!("sum(kube_node_status_capacity{{resource=\"cpu\"}}) / {first}"),
                        "",
                    )
                    .describe(format!(
                        "The nodes of the source have {} OCPU; the budget allows {} OCPU.",
                        cores(cpu.used),
                        cores(budget.cpu)
                    )),
                cpu.used as f64 / 1000.0,
                budget.cpu as f64 / 1000.0,
            ));
        }
    }
    if let Some(memory) = line("memory") {
        board.add(against(
            Spec::new("budget/memory", Chart::Stat, "Node memory")
                .unit("bytes")
                .query("sum(kube_node_status_capacity{resource=\"memory\"})", "")
                .describe(format!(
                    "The nodes of the source have {}; the budget allows {}.",
                    show::bytes(memory.used),
                    show::bytes(budget.memory)
                )),
            memory.used as f64,
            budget.memory as f64,
        ));
    }
    if let Some(block) = line("block_storage") {
        let class = &platform.cloud.block.name;
        let boot =
            format!("sum(max by (instance) (node_filesystem_size_bytes{{{ROOT_FILESYSTEM}}}))");
        let claims = format!(
            "sum(kube_persistentvolumeclaim_resource_requests_storage_bytes * on (namespace, persistentvolumeclaim) group_left () kube_persistentvolumeclaim_info{{storageclass=\"{class}\"}})"
        );
        board.add(against(
            Spec::new("budget/block", Chart::Stat, "Block storage")
                .unit("bytes")
                .query(format!("{boot} + ({claims} or vector(0))"), "")
                .describe(format!(
                    "Boot volumes (their filesystems) and {class} claims. The plan counts {} (volumes rounded up to their minimum); the budget allows {}.",
                    show::bytes(block.used),
                    show::bytes(budget.block_storage)
                )),
            block.used as f64,
            budget.block_storage as f64,
        ));
    }
}

/// CPU and memory of the pods on one node against the node's plan. The
/// node's series are recorded by Prometheus (rules.rs, [`NodeSeries`]),
/// labelled with the node's name in the source, which the node pools set
/// as `hplc.dev/node` and kube-state-metrics exports.
fn node_panels(context: &Context, board: &mut Board, node: &Node, plan: &NodePlan) {
    let on_node = |series: NodeSeries| {
        format!(
            "{}{{{}=\"{}\"}}",
            series.name(),
            kube_label(NODE_LABEL),
            node.k8s_name
        )
    };
    let origin = context.origin(node.span);
    let a = &plan.allocatable;
    board.add(against(
        Spec::new(
            format!("nodes/{}/cpu", node.k8s_name),
            Chart::Timeseries,
            format!("{}: CPU (cores)", node.name),
        )
        .query(on_node(NodeSeries::CpuUsage), "in use")
        .query(on_node(NodeSeries::CpuRequests), "requested")
        .describe(format!(
            "The plan requests {} of {} allocatable ({origin}).",
            show::cpu(plan.requested_cpu),
            show::cpu(a.cpu)
        ))
        .width(12),
        plan.requested_cpu as f64 / 1000.0,
        a.cpu as f64 / 1000.0,
    ));
    board.add(against(
        Spec::new(
            format!("nodes/{}/memory", node.k8s_name),
            Chart::Timeseries,
            format!("{}: memory", node.name),
        )
        .unit("bytes")
        .query(on_node(NodeSeries::MemoryUsage), "in use")
        .query(on_node(NodeSeries::MemoryRequests), "requested")
        .describe(format!(
            "The plan requests {} of {} allocatable ({origin}).",
            show::bytes(plan.requested_memory),
            show::bytes(a.memory)
        ))
        .width(12),
        plan.requested_memory as f64,
        a.memory as f64,
    ));
}

/// Panels components declare for this dashboard. Traffic through the
/// ingress controller is the cloud load balancer's, so its bandwidth is
/// drawn as the limit of the controller's bit-rate panels.
fn traffic<'a>(context: &Context, board: &mut Board<'a>, services: &[&'a Service]) {
    let bandwidth = context.platform.cloud.load_balancer_bandwidth as f64;
    board.component_rows_with(services, |service, spec| {
        let limited = service.roles.ingress && spec.unit == "bps" && bandwidth > 0.0;
        if limited {
            spec.threshold("red", bandwidth)
        } else {
            spec
        }
    });
}

/// One row per selected service: its pods against the requests and limits
/// kube-state-metrics reports for its container (`$service` is one name in
/// each copy of the row).
fn service_panels(board: &mut Board) {
    board.service_row("service", "$service: requests and limits");
    let declared = |kind: &str, resource: &str| {
        format!("max(kube_pod_container_resource_{kind}{{{SELECTED_CONTAINERS}, resource=\"{resource}\"}})")
    };
    board.add(
        Spec::new("service/cpu", Chart::Timeseries, "CPU (cores)")
            .query(
                format!("sum by (pod) ({})", cpu_usage(SELECTED_CONTAINERS, RATE)),
                "{{pod}}",
            )
            .query(declared("requests", "cpu"), "request")
            .query(declared("limits", "cpu"), "limit")
            .width(12),
    );
    board.add(
        Spec::new("service/memory", Chart::Timeseries, "Memory")
            .unit("bytes")
            .query(
                format!("sum by (pod) ({})", memory_usage(SELECTED_CONTAINERS)),
                "{{pod}}",
            )
            .query(declared("requests", "memory"), "request")
            .query(declared("limits", "memory"), "limit")
            .width(12),
    );
}
