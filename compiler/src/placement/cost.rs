//! A monthly cost estimate from the price data of the stdlib: the list price
//! of what the platform uses, less what its budget (a free allowance)
//! covers.

use serde::Serialize;

use super::budget::BudgetUse;
use crate::model::Platform;

#[derive(Clone, Debug, Serialize)]
pub struct Cost {
    pub currency: &'static str,
    /// The source of the prices, or empty when the cloud has none.
    pub prices: String,
    pub lines: Vec<CostLine>,
    /// Millionths of a dollar a month.
    pub list_total: i64,
    pub billed_total: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct CostLine {
    pub item: String,
    pub list: i64,
    /// What remains after the budget's allowance.
    pub billed: i64,
}

const GIB: i128 = 1 << 30;

pub fn estimate(platform: &Platform, usage: &BudgetUse) -> Cost {
    let pricing = platform.cloud.pricing.as_ref();
    let budget = platform.budget.as_ref();
    let used = |dimension: &str| usage.line(dimension).map(|l| l.used).unwrap_or(0);
    let mut lines = Vec::new();

    // Compute: a shape's own monthly price, else the provider's per-OCPU and
    // per-GiB rates. Free allowance applies to the rate-priced part.
    let fixed: i64 = platform.nodes.iter().map(|n| n.shape.price_month).sum();
    let rated_ocpu: i64 = platform
        .nodes
        .iter()
        .filter(|n| n.shape.price_month == 0)
        .map(|n| n.shape.cpu / n.shape.vcpus_per_ocpu.max(1))
        .sum();
    let rated_memory: i64 = platform
        .nodes
        .iter()
        .filter(|n| n.shape.price_month == 0)
        .map(|n| n.shape.memory)
        .sum();
    if fixed > 0 {
        lines.push(CostLine {
            item: "nodes (per-shape price)".into(),
            list: fixed,
            billed: fixed,
        });
    }
    if let Some(p) = pricing {
        let per_ocpu = |ocpu_millis: i64| (ocpu_millis as i128 * p.cpu_month as i128 / 1000) as i64;
        let per_gib = |bytes: i64, rate: i64| (bytes as i128 * rate as i128 / GIB) as i64;
        let free_cpu = budget.map(|b| b.cpu).unwrap_or(0);
        let free_memory = budget.map(|b| b.memory).unwrap_or(0);
        lines.push(CostLine {
            item: "node OCPUs".into(),
            list: per_ocpu(rated_ocpu),
            billed: per_ocpu((rated_ocpu - free_cpu).max(0)),
        });
        lines.push(CostLine {
            item: "node memory".into(),
            list: per_gib(rated_memory, p.memory_gb_month),
            billed: per_gib((rated_memory - free_memory).max(0), p.memory_gb_month),
        });
        let block = used("block_storage");
        let free_block = budget.map(|b| b.block_storage).unwrap_or(0);
        lines.push(CostLine {
            item: "block storage".into(),
            list: per_gib(block, p.block_gb_month),
            billed: per_gib((block - free_block).max(0), p.block_gb_month),
        });
        let object = used("object_storage");
        let free_object = budget.map(|b| b.object_storage).unwrap_or(0);
        lines.push(CostLine {
            item: "object storage".into(),
            list: per_gib(object, p.object_gb_month),
            billed: per_gib((object - free_object).max(0), p.object_gb_month),
        });
        let lbs = used("load_balancers");
        let free_lbs = budget.map(|b| b.load_balancers).unwrap_or(0);
        lines.push(CostLine {
            item: "load balancers".into(),
            list: lbs * p.load_balancer_month,
            billed: (lbs - free_lbs).max(0) * p.load_balancer_month,
        });
        lines.push(CostLine {
            item: "control plane".into(),
            list: p.control_plane_month,
            billed: p.control_plane_month,
        });
    }
    Cost {
        currency: "USD",
        prices: pricing
            .map(|p| format!("{} ({})", p.provenance.name, p.as_of))
            .unwrap_or_default(),
        list_total: lines.iter().map(|l| l.list).sum(),
        billed_total: lines.iter().map(|l| l.billed).sum(),
        lines,
    }
}
