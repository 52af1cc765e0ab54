//! Nodes ordered by the CPU they have left, per role, so that the packer
//! finds the roomiest node a replica fits on without scanning every node for
//! every replica (which made placement quadratic on large platforms).

use std::cmp::Reverse;
use std::collections::BTreeSet;

use super::NodePlan;
use crate::model::{NodeId, Platform};
use crate::types::FxHashMap;

pub struct Roomiest {
    /// By role ("" holds every node): (free CPU, highest first; node, first
    /// declared first) — the packer's order of preference.
    /// (FxHash: looked up twice for every replica placed.)
    by_role: FxHashMap<String, BTreeSet<(Reverse<i64>, NodeId)>>,
    free: Vec<i64>,
}

impl Roomiest {
    pub fn new(platform: &Platform, plans: &[NodePlan]) -> Roomiest {
        let mut roomiest = Roomiest {
            by_role: FxHashMap::default(),
            free: plans.iter().map(free_cpu).collect(),
        };
        for (node, free) in roomiest.free.iter().enumerate() {
            for role in ["", platform.nodes[node].role.as_str()] {
                roomiest
                    .by_role
                    .entry(role.to_string())
                    .or_default()
                    .insert((Reverse(*free), node));
            }
        }
        roomiest
    }

    /// Takes a node's new load into account.
    pub fn update(&mut self, platform: &Platform, plans: &[NodePlan], node: NodeId) {
        let (old, new) = (self.free[node], free_cpu(&plans[node]));
        self.free[node] = new;
        for role in ["", platform.nodes[node].role.as_str()] {
            if let Some(set) = self.by_role.get_mut(role) {
                set.remove(&(Reverse(old), node));
                set.insert((Reverse(new), node));
            }
        }
    }

    /// The nodes of a role (every node for ""), roomiest first, with the CPU
    /// each has left.
    pub fn nodes(&self, role: &str) -> impl Iterator<Item = (i64, NodeId)> + '_ {
        self.by_role
            .get(role)
            .into_iter()
            .flat_map(|set| set.iter().map(|(Reverse(free), node)| (*free, *node)))
    }
}

fn free_cpu(plan: &NodePlan) -> i64 {
    plan.allocatable.cpu - plan.requested_cpu
}
