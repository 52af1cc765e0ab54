//! The plan, the budget and the cost estimate as Markdown, for the text
//! panel of the capacity dashboard: the numbers its thresholds come from.

use std::fmt::Write as _;

use crate::emit::Context;
use crate::model::show;

pub fn markdown(context: &Context) -> String {
    let (platform, plan) = (context.platform, context.plan);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Plan of `{}` (environment `{}`), computed by hplc from {}.\n",
        platform.name,
        platform.env,
        context.origin(platform.span)
    );
    out.push_str("| node | CPU requested / allocatable | memory requested / allocatable | pods |\n|---|---|---|---|\n");
    for node_plan in &plan.nodes {
        let (node, a) = (&platform.nodes[node_plan.node], &node_plan.allocatable);
        let _ = writeln!(
            out,
            "| {} | {} / {} | {} / {} | {} / {} |",
            node.name,
            show::cpu(node_plan.requested_cpu),
            show::cpu(a.cpu),
            show::bytes(node_plan.requested_memory),
            show::bytes(a.memory),
            node_plan.pods,
            a.max_pods
        );
    }
    match &plan.budget.budget {
        Some(name) => {
            let _ = writeln!(
                out,
                "\nBudget `{name}`:\n\n| | used | available |\n|---|---|---|"
            );
            for line in &plan.budget.lines {
                let available = line.available.map(|v| line.show(v)).unwrap_or_default();
                let _ = writeln!(
                    out,
                    "| {} | {} | {available} |",
                    line.dimension.replace('_', " "),
                    line.show(line.used)
                );
            }
        }
        None => out.push_str("\nNo budget: the platform is not checked against an allowance.\n"),
    }
    if let (None, Some(allowance)) = (&platform.budget, &platform.allowance) {
        let _ = writeln!(
            out,
            "\nBilled beyond the free allowance `{}` ({}), which is not a limit.",
            allowance.provenance.name, allowance.as_of
        );
    }
    let cost = &plan.cost;
    if !cost.lines.is_empty() {
        let _ = writeln!(
            out,
            "\nMonthly cost, list prices of {}:\n\n| item | list | billed |\n|---|---|---|",
            cost.prices
        );
        for line in &cost.lines {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                line.item,
                show::money(line.list),
                show::money(line.billed)
            );
        }
        let _ = writeln!(
            out,
            "| **total** | **{}** | **{}** |",
            show::money(cost.list_total),
            show::money(cost.billed_total)
        );
    }
    out
}
