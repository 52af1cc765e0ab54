//! `hplc plan` renderings of one [`Plan`]: text for people, a stable JSON
//! document for tools (docs/plan-json.md), and SVG capacity bars.

use std::fmt::Write as _;

use serde::Serialize;

use super::{BudgetLine, Plan};
use crate::model::{show, Platform};

/// Version of the JSON document; bumped on any incompatible change.
pub const JSON_VERSION: u32 = 1;

pub fn text(platform: &Platform, plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "plan of `{}` (environment {}) on {} {}\n",
        platform.name, platform.env, platform.cloud.provider, platform.cloud.region
    );
    if platform.nodes.is_empty() && platform.cloud.existing {
        // Nothing was placed, so there are no requests to add up either.
        let _ = writeln!(
            out,
            "nodes: none declared on this existing cluster; capacity is not checked and no pod is counted"
        );
        return out;
    }
    let _ = writeln!(
        out,
        "nodes (requests against allocatable; limits for bursting)"
    );
    let peaks = super::jobs::peaks(platform, &plan.nodes, &plan.placements);
    for node_plan in &plan.nodes {
        let node = &platform.nodes[node_plan.node];
        let a = &node_plan.allocatable;
        let _ = writeln!(
            out,
            "  {:<16} {} {}, {} {}",
            node.name,
            node.shape.name,
            show::cpu(node.shape.cpu),
            show::bytes(node.shape.memory),
            node.role,
        );
        let _ = writeln!(
            out,
            "    cpu     {:>8} of {:>8}  {:>3}%   limits {}",
            show::cpu(node_plan.requested_cpu),
            show::cpu(a.cpu),
            show::percent(node_plan.requested_cpu, a.cpu),
            show::cpu(node_plan.limit_cpu),
        );
        let _ = writeln!(
            out,
            "    memory  {:>8} of {:>8}  {:>3}%   limits {}",
            show::bytes(node_plan.requested_memory),
            show::bytes(a.memory),
            show::percent(node_plan.requested_memory, a.memory),
            show::bytes(node_plan.limit_memory),
        );
        let _ = writeln!(
            out,
            "    pods    {:>8} of {:>8}",
            node_plan.pods, a.max_pods
        );
        let free = node_plan.headroom();
        let mut headroom = format!(
            "    free    {} CPU, {} memory, {} pods",
            show::cpu(free.cpu),
            show::bytes(free.memory),
            free.pods
        );
        if node_plan.local_storage_available > 0 {
            headroom.push_str(&format!(", {} node-local", show::bytes(free.local_storage)));
        }
        let _ = writeln!(out, "{headroom}");
        if node_plan.local_storage > 0 {
            let _ = writeln!(
                out,
                "    local   {:>8} of {:>8}  (node-local volumes on the boot volume)",
                show::bytes(node_plan.local_storage),
                show::bytes(node_plan.local_storage_available)
            );
        }
        let mut names: Vec<String> = Vec::new();
        for p in plan.placements_on(node_plan.node) {
            let s = &platform.services[p.service];
            let n = if s.replicas.request > 1 && !s.placement.daemon {
                format!("{}#{}", s.name, p.replica + 1)
            } else {
                s.name.clone()
            };
            names.push(n);
        }
        // Wrapped to stay readable in a terminal.
        let mut line = String::from("    runs    ");
        for (i, name) in names.iter().enumerate() {
            let piece = if i + 1 < names.len() {
                format!("{name}, ")
            } else {
                name.clone()
            };
            if line.len() + piece.len() > 100 && line.trim_end() != "runs" {
                let _ = writeln!(out, "{}", line.trim_end());
                line = String::from("            ");
            }
            line.push_str(&piece);
        }
        let _ = writeln!(out, "{}", line.trim_end());
        if let Some(peak) = peaks.iter().find(|p| p.node == node_plan.node) {
            let jobs: Vec<&str> = peak
                .jobs
                .iter()
                .map(|j| platform.services[*j].name.as_str())
                .collect();
            let _ = writeln!(
                out,
                "    jobs    peak at `{}` ({}'s backup): +{} CPU, +{} memory",
                peak.schedule,
                jobs.join("'s, "),
                show::cpu(peak.job_cpu),
                show::bytes(peak.job_memory),
            );
            let _ = writeln!(
                out,
                "            cpu {} of {} {:>3}%, memory {} of {} {:>3}%",
                show::cpu(peak.cpu),
                show::cpu(a.cpu),
                show::percent(peak.cpu, a.cpu),
                show::bytes(peak.memory),
                show::bytes(a.memory),
                show::percent(peak.memory, a.memory),
            );
        }
    }
    let _ = writeln!(out);
    let (minimum, ceiling) = (
        plan.requests(platform, false),
        plan.requests(platform, true),
    );
    let _ = writeln!(
        out,
        "requests of every pod (at the minimum replicas; at the autoscalers' maxima)"
    );
    let _ = writeln!(
        out,
        "  CPU             {:>10}   {:>10}\n  memory          {:>10}   {:>10}\n  pods            {:>10}   {:>10}",
        show::cpu(minimum.cpu),
        show::cpu(ceiling.cpu),
        show::bytes(minimum.memory),
        show::bytes(ceiling.memory),
        minimum.pods,
        ceiling.pods,
    );
    let _ = writeln!(out);
    match &platform.budget {
        Some(budget) => {
            let _ = writeln!(out, "budget `{}`: {}", budget.provenance.name, budget.name);
        }
        None => {
            let _ = writeln!(out, "totals (no budget)");
        }
    }
    for line in &plan.budget.lines {
        let available = match line.available {
            Some(a) => format!(
                " of {:>10}  {:>3}%",
                line.show(a),
                show::percent(line.used, a)
            ),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "  {:<15} {:>10}{available}",
            line.title(),
            line.show(line.used)
        );
    }
    let _ = writeln!(out);
    let cost = &plan.cost;
    if cost.lines.is_empty() {
        let _ = writeln!(out, "cost: the cloud has no price data in the stdlib");
    } else {
        let _ = writeln!(out, "monthly cost, list prices of {}", cost.prices);
        if let (None, Some(allowance)) = (&platform.budget, &platform.allowance) {
            let _ = writeln!(
                out,
                "  billed beyond the free allowance `{}` ({})",
                allowance.provenance.name, allowance.as_of
            );
        }
        for line in &cost.lines {
            let _ = writeln!(
                out,
                "  {:<28} {:>10}   billed {:>10}",
                line.item,
                show::money(line.list),
                show::money(line.billed)
            );
        }
        let _ = writeln!(
            out,
            "  {:<28} {:>10}   billed {:>10}",
            "total",
            show::money(cost.list_total),
            show::money(cost.billed_total)
        );
    }
    out
}

#[derive(Serialize)]
struct JsonPlan<'a> {
    version: u32,
    platform: &'a str,
    environment: &'a str,
    provider: &'a str,
    region: &'a str,
    nodes: Vec<JsonNode<'a>>,
    /// Every pod's requests at the minimum replicas, and with each
    /// autoscaled service at its maximum.
    requests: super::Requests,
    requests_at_ceiling: super::Requests,
    budget: JsonBudget<'a>,
    cost: &'a super::Cost,
}

#[derive(Serialize)]
struct JsonNode<'a> {
    name: &'a str,
    shape: &'a str,
    role: &'a str,
    allocatable: &'a super::Allocatable,
    requests: Amounts,
    limits: Amounts,
    pods: i64,
    local_storage: i64,
    local_storage_available: i64,
    free: super::Headroom,
    replicas: Vec<JsonReplica<'a>>,
}

#[derive(Serialize)]
struct Amounts {
    cpu_millis: i64,
    memory_bytes: i64,
}

#[derive(Serialize)]
struct JsonReplica<'a> {
    service: &'a str,
    namespace: &'a str,
    replica: u32,
}

#[derive(Serialize)]
struct JsonBudget<'a> {
    name: Option<&'a str>,
    as_of: Option<&'a str>,
    lines: &'a [BudgetLine],
}

pub fn json(platform: &Platform, plan: &Plan) -> String {
    let document = JsonPlan {
        version: JSON_VERSION,
        platform: &platform.name,
        environment: &platform.env,
        provider: &platform.cloud.provider,
        region: &platform.cloud.region,
        nodes: plan
            .nodes
            .iter()
            .map(|n| {
                let node = &platform.nodes[n.node];
                JsonNode {
                    name: &node.name,
                    shape: &node.shape.name,
                    role: &node.role,
                    allocatable: &n.allocatable,
                    requests: Amounts {
                        cpu_millis: n.requested_cpu,
                        memory_bytes: n.requested_memory,
                    },
                    limits: Amounts {
                        cpu_millis: n.limit_cpu,
                        memory_bytes: n.limit_memory,
                    },
                    pods: n.pods,
                    local_storage: n.local_storage,
                    local_storage_available: n.local_storage_available,
                    free: n.headroom(),
                    replicas: plan
                        .placements_on(n.node)
                        .map(|p| {
                            let s = &platform.services[p.service];
                            JsonReplica {
                                service: &s.name,
                                namespace: &platform.namespace_of(s).name,
                                replica: p.replica,
                            }
                        })
                        .collect(),
                }
            })
            .collect(),
        requests: plan.requests(platform, false),
        requests_at_ceiling: plan.requests(platform, true),
        budget: JsonBudget {
            name: platform.budget.as_ref().map(|b| b.provenance.name.as_str()),
            as_of: platform.budget.as_ref().map(|b| b.as_of.as_str()),
            lines: &plan.budget.lines,
        },
        cost: &plan.cost,
    };
    let mut text = serde_json::to_string_pretty(&document).expect("plan serialises");
    text.push('\n');
    text
}

/// Capacity bars: one row a node (CPU and memory requests against
/// allocatable), one a budget dimension. Red past 100%, amber past 85%.
pub fn svg(platform: &Platform, plan: &Plan) -> String {
    const WIDTH: i64 = 720;
    const BAR: i64 = 360;
    const LABEL: i64 = 200;
    let mut rows: Vec<(String, i64, i64, String)> = Vec::new();
    for n in &plan.nodes {
        let node = &platform.nodes[n.node];
        let a = &n.allocatable;
        rows.push((
            format!("{} CPU", node.name),
            n.requested_cpu,
            a.cpu,
            format!("{} / {}", show::cpu(n.requested_cpu), show::cpu(a.cpu)),
        ));
        rows.push((
            format!("{} memory", node.name),
            n.requested_memory,
            a.memory,
            format!(
                "{} / {}",
                show::bytes(n.requested_memory),
                show::bytes(a.memory)
            ),
        ));
    }
    for line in &plan.budget.lines {
        if let Some(available) = line.available {
            rows.push((
                format!("budget {}", line.title()),
                line.used,
                available,
                format!("{} / {}", line.show(line.used), line.show(available)),
            ));
        }
    }
    let height = 40 + rows.len() as i64 * 28 + 10;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="Helvetica, Arial, sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        out,
        r#"  <rect width="{WIDTH}" height="{height}" fill="white"/>"#
    );
    let _ = writeln!(
        out,
        r#"  <text x="10" y="22" font-size="14" font-weight="bold">{} ({}): requests against allocatable and budget</text>"#,
        escape(&platform.name),
        escape(&platform.env)
    );
    for (i, (label, used, total, text)) in rows.iter().enumerate() {
        let y = 40 + i as i64 * 28;
        let percent = show::percent(*used, *total);
        let filled = (BAR * percent.min(100) / 100).max(0);
        let colour = if percent > 100 {
            "#d62728"
        } else if percent > 85 {
            "#ff9f1c"
        } else {
            "#2ca02c"
        };
        let _ = writeln!(
            out,
            r#"  <text x="10" y="{}">{}</text>"#,
            y + 14,
            escape(label)
        );
        let _ = writeln!(
            out,
            r##"  <rect x="{LABEL}" y="{y}" width="{BAR}" height="18" fill="#eeeeee"/>"##
        );
        let _ = writeln!(
            out,
            r#"  <rect x="{LABEL}" y="{y}" width="{filled}" height="18" fill="{colour}"/>"#
        );
        let _ = writeln!(
            out,
            r#"  <text x="{}" y="{}">{}% ({})</text>"#,
            LABEL + BAR + 8,
            y + 14,
            percent,
            escape(text)
        );
    }
    out.push_str("</svg>\n");
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
