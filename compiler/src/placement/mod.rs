//! Placement and capacity: where every replica runs, whether every node
//! holds what lands on it, whether the whole platform fits its budget, and
//! what it costs.
//!
//! The packing is deterministic and documented in docs/placement.md:
//! daemons go on every node they select; then pinned services, then
//! services with volumes, then role- or spread-constrained ones, then the
//! rest, larger CPU requests first, in declaration order on ties. Each
//! replica goes to the allowed node with the most CPU left after it, ties to
//! the node declared first. A node is never filled past its allocatable CPU,
//! memory or pod count by the packer; pinned replicas are placed as asked
//! and the node check reports any excess.

mod allocatable;
mod budget;
mod ceiling;
mod cost;
pub mod jobs;
mod pack;
pub mod report;
mod roomiest;

pub use allocatable::{allocatable, Allocatable};
pub use budget::{BudgetLine, BudgetUse, Consumer};
pub use cost::{Cost, CostLine};

use serde::Serialize;

use crate::diagnostics::Diagnostics;
use crate::model::{NodeId, Platform, PodGroup, ServiceId};

#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    pub nodes: Vec<NodePlan>,
    pub placements: Vec<Placement>,
    pub budget: BudgetUse,
    pub cost: Cost,
    #[serde(skip)]
    index: PlacementIndex,
}

/// Positions in `placements` by service and by node, in placement order,
/// built once: the checks and backends ask "where does this service run"
/// and "what runs here" for every service and node, and a scan of every
/// placement per question is quadratic on a large platform.
#[derive(Clone, Debug, Default)]
pub struct PlacementIndex {
    pub by_service: Vec<Vec<usize>>,
    pub by_node: Vec<Vec<usize>>,
}

impl PlacementIndex {
    fn new(placements: &[Placement], services: usize, nodes: usize) -> PlacementIndex {
        let mut index = PlacementIndex {
            by_service: vec![Vec::new(); services],
            by_node: vec![Vec::new(); nodes],
        };
        for (i, p) in placements.iter().enumerate() {
            index.by_service[p.service].push(i);
            index.by_node[p.node].push(i);
        }
        index
    }
}

/// One replica of a service on a node: one pod, or for a chart every pod
/// of the chart that goes with a replica; or what a chart runs on every
/// node.
#[derive(Clone, Debug, Serialize)]
pub struct Placement {
    pub service: ServiceId,
    /// 0-based replica number; daemons have one per node.
    pub replica: u32,
    pub node: NodeId,
    /// What it asks of the node.
    #[serde(skip)]
    pub group: PodGroup,
}

#[derive(Clone, Debug, Serialize)]
pub struct NodePlan {
    pub node: NodeId,
    pub allocatable: Allocatable,
    pub requested_cpu: i64,
    pub requested_memory: i64,
    pub limit_cpu: i64,
    pub limit_memory: i64,
    pub pods: i64,
    /// Node-local volumes carved from this node's boot volume.
    pub local_storage: i64,
    pub local_storage_available: i64,
}

/// What is left on a node after everything placed on it (negative when
/// over).
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Headroom {
    pub cpu: i64,
    pub memory: i64,
    pub pods: i64,
    pub local_storage: i64,
}

/// Requests added up over pods.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Requests {
    pub cpu: i64,
    pub memory: i64,
    pub pods: i64,
}

impl NodePlan {
    /// What the node has left: allocatable CPU and memory, pods under its
    /// `max_pods` (the lowest of the shape's, the reservation's and the pod
    /// network's), node-local storage on its boot volume.
    pub fn headroom(&self) -> Headroom {
        Headroom {
            cpu: self.allocatable.cpu - self.requested_cpu,
            memory: self.allocatable.memory - self.requested_memory,
            pods: self.allocatable.max_pods - self.pods,
            local_storage: self.local_storage_available - self.local_storage,
        }
    }
}

impl Plan {
    /// The requests of every pod placed; with `ceiling`, each autoscaled
    /// service counted at its maximum replicas rather than its minimum.
    pub fn requests(&self, platform: &Platform, ceiling: bool) -> Requests {
        let mut total = Requests::default();
        for p in &self.placements {
            let service = &platform.services[p.service];
            // The replicas beyond the first of an autoscaled service, at its
            // ceiling, stand for the ones up to its maximum.
            let scale = if ceiling && service.autoscaled() && p.replica == 0 {
                (service.replicas.limit - service.replicas.request.max(1) + 1).max(1)
            } else {
                1
            };
            total.cpu = total
                .cpu
                .saturating_add(p.group.cpu.request.saturating_mul(scale));
            total.memory = total
                .memory
                .saturating_add(p.group.memory.request.saturating_mul(scale));
            total.pods = total
                .pods
                .saturating_add(p.group.pods.saturating_mul(scale));
        }
        total
    }

    /// The nodes the replicas of `service` were placed on, by replica.
    pub fn nodes_of(&self, service: ServiceId) -> Vec<NodeId> {
        self.index.by_service[service]
            .iter()
            .map(|i| self.placements[*i].node)
            .collect()
    }

    /// The pods placed on `node`, in placement order.
    pub fn placements_on(&self, node: NodeId) -> impl Iterator<Item = &Placement> + '_ {
        self.index.by_node[node]
            .iter()
            .map(|i| &self.placements[*i])
    }
}

/// Places every replica, checks every node and the budget, estimates cost.
pub fn plan(platform: &Platform, diagnostics: &mut Diagnostics) -> Plan {
    let (nodes, placements) = pack::pack(platform, diagnostics);
    let index = PlacementIndex::new(&placements, platform.services.len(), platform.nodes.len());
    pack::check_nodes(platform, &nodes, &index, &placements, diagnostics);
    ceiling::check(platform, &nodes, &placements, diagnostics);
    jobs::check(platform, &nodes, &placements, diagnostics);
    let budget = budget::check(platform, &placements, diagnostics);
    let cost = cost::estimate(platform, &budget);
    Plan {
        nodes,
        placements,
        budget,
        cost,
        index,
    }
}
