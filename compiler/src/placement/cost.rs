//! A monthly cost estimate from the price data of the stdlib: the list price
//! of what the platform uses, less what its budget or, without one, its
//! `allowance` (a free allowance either way) covers.

use serde::Serialize;

use super::budget::BudgetUse;
use crate::model::{Budget, Platform};

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
    let budget = platform.budget.as_ref().or(platform.allowance.as_ref());
    let used = |dimension: &str| usage.line(dimension).map(|l| l.used).unwrap_or(0);
    let mut lines = Vec::new();

    // Compute: a shape's own monthly price, else the provider's per-OCPU and
    // per-GiB rates. Free allowance applies to the rate-priced part.
    let fixed: i64 = platform.nodes.iter().map(|n| n.shape.price_month).sum();
    let rated = platform.nodes.iter().filter(|n| n.shape.price_month == 0);
    let (rated_ocpu, rated_memory) = rated.fold((0, 0), |(ocpu, memory), n| {
        (
            ocpu + n.shape.cpu / n.shape.vcpus_per_ocpu.max(1),
            memory + n.shape.memory,
        )
    });
    if fixed > 0 {
        lines.push(CostLine {
            item: "nodes (per-shape price)".into(),
            list: fixed,
            billed: fixed,
        });
    }
    if let Some(p) = pricing {
        let per_ocpu = |ocpu_millis: i64| (ocpu_millis as i128 * p.cpu_month as i128 / 1000) as i64;
        let per_gib = |rate: i64| move |bytes: i64| (bytes as i128 * rate as i128 / GIB) as i64;
        let free = |allowance: fn(&Budget) -> i64| budget.map(allowance).unwrap_or(0);
        lines.extend([
            priced("node OCPUs", rated_ocpu, free(|b| b.cpu), per_ocpu),
            priced(
                "node memory",
                rated_memory,
                free(|b| b.memory),
                per_gib(p.memory_gb_month),
            ),
            priced(
                "block storage",
                used("block_storage"),
                free(|b| b.block_storage),
                per_gib(p.block_gb_month),
            ),
            priced(
                "object storage",
                used("object_storage"),
                free(|b| b.object_storage),
                per_gib(p.object_gb_month),
            ),
            priced(
                "load balancers",
                used("load_balancers"),
                free(|b| b.load_balancers),
                |count| count * p.load_balancer_month,
            ),
            CostLine {
                item: "control plane".into(),
                list: p.control_plane_month,
                billed: p.control_plane_month,
            },
        ]);
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

/// The line of an item used in `used` units of which the allowance covers
/// `free`: the list price of all of it, the billed price of the rest.
fn priced(item: &str, used: i64, free: i64, price: impl Fn(i64) -> i64) -> CostLine {
    CostLine {
        item: item.into(),
        list: price(used),
        billed: price((used - free).max(0)),
    }
}
