//! Totals of the whole platform against its budget: OCPU, memory, block
//! storage (boot volumes included, every volume rounded up to its class
//! minimum), object storage and load balancers.

use serde::Serialize;

use super::Placement;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::{show, Platform};
use crate::source::Span;

#[derive(Clone, Debug, Serialize)]
pub struct BudgetUse {
    /// The budget's stdlib name, when the platform has one.
    pub budget: Option<String>,
    pub lines: Vec<BudgetLine>,
}

#[derive(Clone, Debug, Serialize)]
pub struct BudgetLine {
    /// `cpu`, `memory`, `block_storage`, `object_storage`, `load_balancers`.
    pub dimension: &'static str,
    /// In base units: millicores of OCPU, bytes, or a count.
    pub used: i64,
    pub available: Option<i64>,
    /// Largest first.
    pub consumers: Vec<Consumer>,
}

impl BudgetUse {
    /// The line of one dimension (`"block_storage"`).
    pub fn line(&self, dimension: &str) -> Option<&BudgetLine> {
        self.lines.iter().find(|l| l.dimension == dimension)
    }
}

impl BudgetLine {
    /// An amount of this dimension for people: `4 OCPU`, `200G`, `1`.
    pub fn show(&self, value: i64) -> String {
        match self.dimension {
            "cpu" => format!("{} OCPU", crate::types::units::decimal(value as i128, 3)),
            "load_balancers" => value.to_string(),
            _ => show::bytes(value),
        }
    }

    /// The dimension's name in prose: `CPU`, `block storage`.
    pub fn title(&self) -> &'static str {
        match self.dimension {
            "cpu" => "CPU",
            "memory" => "memory",
            "block_storage" => "block storage",
            "object_storage" => "object storage",
            _ => "load balancers",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Consumer {
    pub name: String,
    pub amount: i64,
    /// What was asked, where rounding up made `amount` larger.
    pub asked: Option<i64>,
    #[serde(skip)]
    pub span: Span,
}

pub fn check(
    platform: &Platform,
    placements: &[Placement],
    diagnostics: &mut Diagnostics,
) -> BudgetUse {
    let cloud = &platform.cloud;
    let mut cpu = Vec::new();
    let mut memory = Vec::new();
    let mut block = Vec::new();
    for node in &platform.nodes {
        let ocpus = node.shape.cpu / node.shape.vcpus_per_ocpu.max(1);
        cpu.push(Consumer {
            name: format!("node {}", node.name),
            amount: ocpus,
            asked: None,
            span: node.shape_span,
        });
        memory.push(Consumer {
            name: format!("node {}", node.name),
            amount: node.shape.memory,
            asked: None,
            span: node.shape_span,
        });
        if node.boot_volume < cloud.boot_volume_min {
            diagnostics.push(
                Diagnostic::new(
                    Code::BootVolumeTooSmall,
                    node.boot_volume_span,
                    format!(
                        "the boot volume of `{}` is {}; {} boot volumes are at least {}",
                        node.name,
                        show::bytes(node.boot_volume),
                        cloud.provider,
                        show::bytes(cloud.boot_volume_min)
                    ),
                )
                .label("below the minimum")
                .help(format!(
                    "set `boot_volume = {}` or more",
                    show::bytes(cloud.boot_volume_min)
                )),
            );
        }
        if !cloud.boot_volume_billed {
            continue;
        }
        let boot = node.boot_volume.max(cloud.boot_volume_min);
        let asked = (boot != node.boot_volume).then_some(node.boot_volume);
        block.push(Consumer {
            name: format!("boot volume of {}", node.name),
            amount: boot,
            asked,
            span: node.boot_volume_span,
        });
    }
    for placement in placements {
        let service = &platform.services[placement.service];
        for volume in service.volumes.iter().filter(|v| !v.class.node_local) {
            let size = volume.provisioned();
            if volume.size > volume.class.max_size {
                diagnostics.push(
                    Diagnostic::new(
                        Code::VolumeTooLarge,
                        volume.span,
                        format!(
                            "volume `{}` of `{}` is {}; {} volumes are at most {}",
                            volume.name,
                            service.name,
                            show::bytes(volume.size),
                            volume.class.name,
                            show::bytes(volume.class.max_size)
                        ),
                    )
                    .label("too large")
                    .help("split the data over several volumes or choose another storage class"),
                );
            }
            if placement.replica == 0 && volume.size < volume.class.min_size {
                diagnostics.push(
                    Diagnostic::new(Code::VolumeRoundedUp, volume.span, format!(
                        "volume `{}` of `{}` asks for {}, but {} provisions at least {}",
                        volume.name,
                        service.name,
                        show::bytes(volume.size),
                        volume.class.name,
                        show::bytes(volume.class.min_size)
                    ))
                    .label(format!("provisioned and counted as {}", show::bytes(volume.class.min_size)))
                    .help(format!("write `size = {}` to say what is really used, or use a class with a smaller minimum", show::bytes(volume.class.min_size))),
                );
            }
            let name = if service.replicas.request > 1 || service.placement.daemon {
                format!(
                    "volume {}.{} (replica {})",
                    service.name,
                    volume.name,
                    placement.replica + 1
                )
            } else {
                format!("volume {}.{}", service.name, volume.name)
            };
            block.push(Consumer {
                name,
                amount: size,
                asked: (size != volume.size).then_some(volume.size),
                span: volume.span,
            });
        }
    }
    let object: Vec<Consumer> = platform
        .buckets
        .iter()
        .map(|b| Consumer {
            name: format!("bucket {}", b.name),
            amount: b.size,
            asked: None,
            span: b.span,
        })
        .collect();
    // The ingress controller's, and every service's own.
    let ingress = platform
        .services
        .iter()
        .filter(|s| s.roles.ingress)
        .map(|s| Consumer {
            name: format!("load balancer of {}", s.name),
            amount: 1,
            asked: None,
            span: s.span,
        });
    let own = platform.services.iter().filter_map(|s| {
        Some(Consumer {
            name: format!("load balancer of {}", s.name),
            amount: 1,
            asked: None,
            span: s.load_balancer.as_ref()?.span,
        })
    });
    let lbs: Vec<Consumer> = ingress.chain(own).collect();

    let budget = platform.budget.as_ref();
    if let Some(budget) = budget {
        superseded(budget, diagnostics);
    }
    let mut lines = vec![
        line("cpu", cpu, budget.map(|b| b.cpu)),
        line("memory", memory, budget.map(|b| b.memory)),
        line("block_storage", block, budget.map(|b| b.block_storage)),
        line("object_storage", object, budget.map(|b| b.object_storage)),
        line("load_balancers", lbs, budget.map(|b| b.load_balancers)),
    ];
    if let Some(budget) = budget {
        for line in &mut lines {
            over_budget(budget, line, diagnostics);
        }
    }
    BudgetUse {
        budget: budget.map(|b| b.provenance.name.clone()),
        lines,
    }
}

/// W0701: a dated allowance that a newer one replaces no longer describes
/// what the provider gives.
fn superseded(budget: &crate::model::Budget, diagnostics: &mut Diagnostics) {
    let Some(newer) = &budget.superseded_by else {
        return;
    };
    diagnostics.push(
        Diagnostic::new(
            Code::SupersededBudget,
            budget.span,
            format!(
                "the budget `{}` (as of {}) is superseded by `{}` (as of {})",
                budget.provenance.name, budget.as_of, newer.path, newer.as_of
            ),
        )
        .label(format!("superseded since {}", newer.as_of))
        .help(format!(
            "check the platform against the current allowance: `budget = {}`",
            newer.path
        )),
    );
}

fn line(
    dimension: &'static str,
    mut consumers: Vec<Consumer>,
    available: Option<i64>,
) -> BudgetLine {
    let used = consumers.iter().map(|c| c.amount).sum();
    consumers.sort_by(|a, b| b.amount.cmp(&a.amount).then_with(|| a.name.cmp(&b.name)));
    BudgetLine {
        dimension,
        used,
        available,
        consumers,
    }
}

fn over_budget(budget: &crate::model::Budget, line: &BudgetLine, diagnostics: &mut Diagnostics) {
    let Some(available) = line.available else {
        return;
    };
    if line.used <= available || line.consumers.is_empty() {
        return;
    }
    let code = match line.dimension {
        "cpu" => Code::BudgetCpu,
        "memory" => Code::BudgetMemory,
        "block_storage" => Code::BudgetBlockStorage,
        "object_storage" => Code::BudgetObjectStorage,
        _ => Code::BudgetLoadBalancers,
    };
    let what = line.title();
    let show = |v: i64| line.show(v);
    let rounded: Vec<&Consumer> = line
        .consumers
        .iter()
        .filter(|c| c.asked.is_some())
        .collect();
    let rounding = if rounded.is_empty() {
        String::new()
    } else {
        let asked: i64 = rounded.iter().map(|c| c.asked.unwrap_or_default()).sum();
        let counted: i64 = rounded.iter().map(|c| c.amount).sum();
        format!(
            "; {} of them rounded up to their minimum size ({} asked, {} counted)",
            rounded.len(),
            show(asked),
            show(counted)
        )
    };
    let largest = &line.consumers[0];
    let verb = if line.dimension == "load_balancers" {
        "are"
    } else {
        "is"
    };
    let consumers = match line.consumers.len() {
        1 => "1 consumer".to_string(),
        n => format!("{n} consumers"),
    };
    let mut d = Diagnostic::new(
        code,
        largest.span,
        format!(
            "{what} {verb} over budget: {} used of {} in `{}` ({consumers}{rounding})",
            show(line.used),
            show(available),
            budget.provenance.name,
        ),
    )
    .label(format!(
        "{}: {}, the largest",
        largest.name,
        show(largest.amount)
    ));
    for c in line.consumers.iter().skip(1).take(3) {
        if c.span.file == largest.span.file {
            d = d.with_label(c.span, format!("{}: {}", c.name, show(c.amount)));
        }
    }
    d = d.with_label(budget.span, format!("budget: {} {what}", show(available)));
    let names: Vec<String> = line
        .consumers
        .iter()
        .take(3)
        .map(|c| format!("{} ({})", c.name, show(c.amount)))
        .collect();
    diagnostics.push(d.help(format!(
        "{} more than the budget; the largest consumers are {}",
        show(line.used - available),
        names.join(", ")
    )));
}
