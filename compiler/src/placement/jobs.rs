//! The jobs a platform runs on a schedule (backups; their restores, run by
//! hand) counted where they run: a component's jobs run on its first
//! replica's node (emit/k8s/backup.rs selects it), so at a schedule that
//! node holds its steady requests plus every job that starts then. Jobs
//! with the same cron schedule are counted together; jobs of different
//! schedules are taken not to overlap (a dump of this size takes minutes),
//! and a restore, suspended, replaces no running job.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::{show, NodeId, Platform, ServiceId};

use super::{NodePlan, Placement};

/// The requests of a node while the jobs of one schedule run.
#[derive(Clone, Debug)]
pub struct Peak {
    pub node: NodeId,
    pub schedule: String,
    pub jobs: Vec<ServiceId>,
    /// The jobs' requests, and the node's with them.
    pub job_cpu: i64,
    pub job_memory: i64,
    pub cpu: i64,
    pub memory: i64,
}

/// Each node's highest peak, by CPU then memory (none where no job runs).
pub fn peaks(platform: &Platform, nodes: &[NodePlan], placements: &[Placement]) -> Vec<Peak> {
    let mut all: Vec<Peak> = Vec::new();
    for (id, service) in platform.deployed() {
        let Some(backup) = &service.backup else {
            continue;
        };
        let Some(node) = placements.iter().find(|p| p.service == id).map(|p| p.node) else {
            continue;
        };
        let at = match all
            .iter()
            .position(|p| p.node == node && p.schedule == backup.schedule)
        {
            Some(at) => at,
            None => {
                all.push(Peak {
                    node,
                    schedule: backup.schedule.clone(),
                    jobs: Vec::new(),
                    job_cpu: 0,
                    job_memory: 0,
                    cpu: 0,
                    memory: 0,
                });
                all.len() - 1
            }
        };
        let peak = &mut all[at];
        peak.jobs.push(id);
        peak.job_cpu += backup.cpu.request;
        peak.job_memory += backup.memory.request;
    }
    let mut highest: Vec<Peak> = Vec::new();
    for mut peak in all {
        let Some(plan) = nodes.iter().find(|n| n.node == peak.node) else {
            continue;
        };
        peak.cpu = plan.requested_cpu + peak.job_cpu;
        peak.memory = plan.requested_memory + peak.job_memory;
        match highest.iter_mut().find(|p| p.node == peak.node) {
            Some(p) if (peak.cpu, peak.memory) > (p.cpu, p.memory) => *p = peak,
            Some(_) => {}
            None => highest.push(peak),
        }
    }
    highest.sort_by_key(|p| p.node);
    highest
}

/// A node whose jobs do not fit beside its pods at their schedule: the
/// jobs would wait, and the dump not run.
pub fn check(
    platform: &Platform,
    nodes: &[NodePlan],
    placements: &[Placement],
    diagnostics: &mut Diagnostics,
) {
    for peak in peaks(platform, nodes, placements) {
        let Some(plan) = nodes.iter().find(|n| n.node == peak.node) else {
            continue;
        };
        let node = &platform.nodes[peak.node];
        let first = &platform.services[peak.jobs[0]];
        let span = first.backup.as_ref().map_or(first.span, |b| b.span);
        let over = [
            (
                Code::NodeCpuOver,
                "CPU",
                peak.cpu,
                plan.allocatable.cpu,
                show::cpu as fn(i64) -> String,
            ),
            (
                Code::NodeMemoryOver,
                "memory",
                peak.memory,
                plan.allocatable.memory,
                show::bytes as fn(i64) -> String,
            ),
        ];
        for (code, resource, requested, allocatable, shown) in over {
            if requested <= allocatable {
                continue;
            }
            diagnostics.push(
                Diagnostic::new(
                    code,
                    span,
                    format!(
                        "node `{}` asks {} of {} allocatable {resource} while its jobs run at `{}`",
                        node.name,
                        shown(requested),
                        shown(allocatable),
                        peak.schedule
                    ),
                )
                .label("this job runs on the node of its component")
                .help("lower the jobs' `cpu` and `memory` in the `backup`, give them another schedule, or make room on the node"),
            );
        }
    }
}
