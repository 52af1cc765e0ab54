//! Capacity at the ceiling. The packer places every service's minimum
//! replicas; an autoscaler may ask for its maximum, and a Deployment's
//! rolling update runs a surge of new pods beside the old ones
//! (`rolling_surge` of the stdlib's `kubernetes_api`: Kubernetes' default
//! maxSurge). Each service's ceiling (maximum plus surge) must fit in the
//! room its nodes have left after the minimum of everything, counted one
//! service at a time: the nodes' CPU, memory, pods and node-local storage.

use std::collections::HashMap;

use super::{NodePlan, Placement};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::{show, Platform, Service};

pub fn check(
    platform: &Platform,
    nodes: &[NodePlan],
    placements: &[Placement],
    diagnostics: &mut Diagnostics,
) {
    // A node over its capacity already has no room, and says so
    // (E0601-E0605): the ceilings would only repeat it.
    let over = |n: &NodePlan| {
        let a = &n.allocatable;
        n.requested_cpu > a.cpu
            || n.requested_memory > a.memory
            || (a.max_pods > 0 && n.pods > a.max_pods)
            || n.local_storage > n.local_storage_available
    };
    if nodes.is_empty() || nodes.iter().any(over) {
        return;
    }
    let allowed = Allowed::new(platform, nodes);
    let mut placed_of = vec![0i64; platform.services.len()];
    for p in placements {
        placed_of[p.service] += 1;
    }
    for (id, service) in platform.deployed() {
        // Not even its minimum found room (E0604), or its maximum is not a
        // number Kubernetes holds (E1003): said already.
        let unplaced = placed_of[id] < service.replicas.request;
        let beyond = service.replicas.limit > platform.kubernetes_api.int32_max;
        if service.placement.daemon || unplaced || beyond {
            continue;
        }
        let placed = service.replicas.request.max(0);
        let maximum = service.replicas.limit.max(placed);
        let surge = surge(platform, service, maximum);
        let extra = maximum - placed + surge;
        if extra <= 0 {
            continue;
        }
        // Counting stops once the ceiling fits: most services fit on the
        // first nodes they may use, and a platform has thousands of both.
        let asks = Asks::of(service);
        let mut room = 0i64;
        for &node in allowed.of(service) {
            room = room.saturating_add(asks.room(&nodes[node]));
            if room >= extra {
                break;
            }
        }
        if room >= extra {
            continue;
        }
        let mut parts = Vec::new();
        if maximum > placed {
            parts.push(format!("its autoscaling maximum {maximum}"));
        }
        if surge > 0 {
            parts.push(format!("{surge} more during a rolling update"));
        }
        let group = service.replica_group();
        let storage = service.node_local_storage();
        let asks = format!(
            "a replica asks {} CPU and {} memory{}",
            show::cpu(group.cpu.request),
            show::bytes(group.memory.request),
            if storage > 0 {
                format!(" and {} of node-local storage", show::bytes(storage))
            } else {
                String::new()
            }
        );
        let help = if maximum > placed {
            let fitting = largest_fitting(platform, service, placed, room);
            format!("{asks}: lower the maximum to {fitting}, or add nodes")
        } else {
            format!("{asks}: leave room for the new pods of a rolling update beside the old ones, or add nodes")
        };
        diagnostics.push(
            Diagnostic::new(
                Code::CeilingOver,
                service.replicas_span,
                format!(
                    "at its ceiling `{}` runs {} replicas ({}), but its nodes have room for {} beyond the {placed} placed",
                    service.name,
                    placed.saturating_add(extra),
                    parts.join(" and "),
                    room
                ),
            )
            .label(format!("room for {} replicas", placed.saturating_add(room)))
            .help(help),
        );
    }
}

/// The largest autoscaling maximum whose ceiling fits `room` beyond the
/// `placed` replicas (at least `placed`).
fn largest_fitting(platform: &Platform, service: &Service, placed: i64, room: i64) -> i64 {
    let fits = |m: i64| m - placed + surge(platform, service, m) <= room;
    let (mut low, mut high) = (placed, placed.saturating_add(room));
    while low < high {
        let middle = low + (high - low + 1) / 2;
        if fits(middle) {
            low = middle;
        } else {
            high = middle - 1;
        }
    }
    low
}

/// The surge of a Deployment hplc writes at `replicas` (rounded up, as
/// Kubernetes does); a StatefulSet replaces its pods one at a time, without
/// a surge, and a chart's workloads update as the chart says.
fn surge(platform: &Platform, service: &Service, replicas: i64) -> i64 {
    if service.is_stateful() || service.chart().is_some() || replicas <= 0 {
        return 0;
    }
    let share = platform.kubernetes_api.rolling_surge;
    let hundredths = i128::from(replicas) * i128::from(share);
    i64::try_from((hundredths + 9_999) / 10_000).unwrap_or(i64::MAX)
}

/// The nodes a service's replicas may go to, as positions in the plans:
/// its pinned node, else the nodes of its role, else every node. Indexed
/// once, not scanned for every service.
struct Allowed<'a> {
    every: Vec<usize>,
    by_role: HashMap<&'a str, Vec<usize>>,
    by_node: Vec<Vec<usize>>,
}

impl<'a> Allowed<'a> {
    fn new(platform: &'a Platform, nodes: &[NodePlan]) -> Self {
        let mut by_role: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut by_node = vec![Vec::new(); platform.nodes.len()];
        for (position, plan) in nodes.iter().enumerate() {
            let role = platform.nodes[plan.node].role.as_str();
            by_role.entry(role).or_default().push(position);
            by_node[plan.node].push(position);
        }
        Allowed {
            every: (0..nodes.len()).collect(),
            by_role,
            by_node,
        }
    }

    fn of(&self, service: &Service) -> &[usize] {
        match service.placement.place {
            Some((pinned, _)) => self.by_node.get(pinned).map_or(&[], Vec::as_slice),
            None if service.placement.node_role.is_empty() => &self.every,
            None => self
                .by_role
                .get(service.placement.node_role.as_str())
                .map_or(&[], Vec::as_slice),
        }
    }
}

/// What one more replica of a service takes from a node.
struct Asks {
    cpu: i64,
    memory: i64,
    pods: i64,
    local_storage: i64,
}

impl Asks {
    fn of(service: &Service) -> Self {
        let group = service.replica_group();
        Asks {
            cpu: group.cpu.request,
            memory: group.memory.request,
            pods: group.pods,
            local_storage: service.node_local_storage(),
        }
    }

    /// How many more replicas fit on the node.
    fn room(&self, node: &NodePlan) -> i64 {
        let a = &node.allocatable;
        let fits = |free: i64, each: i64| {
            if each <= 0 {
                i64::MAX
            } else {
                (free / each).max(0)
            }
        };
        let mut room = fits(a.cpu - node.requested_cpu, self.cpu)
            .min(fits(a.memory - node.requested_memory, self.memory));
        if a.max_pods > 0 {
            room = room.min(fits(a.max_pods - node.pods, self.pods));
        }
        room.min(fits(
            node.local_storage_available - node.local_storage,
            self.local_storage,
        ))
    }
}
