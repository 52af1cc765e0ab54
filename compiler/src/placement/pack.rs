//! Packing replicas onto nodes, and the per-node capacity checks.

use super::allocatable::allocatable;
use super::roomiest::Roomiest;
use super::{NodePlan, Placement, PlacementIndex};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::{show, NodeId, Platform, PodGroup, Service, ServiceId};

/// A node on a shape the platform's cloud offers.
fn no_nodes_help(platform: &Platform) -> String {
    let provider = &platform.cloud.provider;
    match platform.shapes.iter().find(|s| &s.provider == provider) {
        Some(offer) => {
            let size = if offer.sized { " { cpu = ..., memory = ... }" } else { "" };
            format!(
                "declare a node on a shape of `{provider}`, such as `{}` ({}): `node system {{ shape = ...{size}, role = \"system\" }}`",
                offer.path, offer.name
            )
        }
        None => format!(
            "declare a node on a shape of `{provider}` (the loaded modules declare none: `use` the module of the cloud)"
        ),
    }
}

pub fn pack(platform: &Platform, diagnostics: &mut Diagnostics) -> (Vec<NodePlan>, Vec<Placement>) {
    let reservation = &platform.cloud.reservation;
    let mut plans: Vec<NodePlan> = platform
        .nodes
        .iter()
        .enumerate()
        .map(|(i, node)| NodePlan {
            node: i,
            allocatable: allocatable(node, reservation),
            requested_cpu: 0,
            requested_memory: 0,
            limit_cpu: 0,
            limit_memory: 0,
            pods: 0,
            local_storage: 0,
            local_storage_available: (node.boot_volume - platform.cloud.boot_volume_system).max(0),
        })
        .collect();
    let mut placements = Vec::new();
    // An existing cluster without declared nodes: its capacity is not
    // hplc's to check, and nothing is placed.
    if platform.nodes.is_empty() && platform.cloud.existing {
        return (plans, placements);
    }
    if platform.nodes.is_empty() {
        diagnostics.push(
            Diagnostic::new(
                Code::NoNodes,
                platform.span,
                format!("platform `{}` declares no nodes", platform.name),
            )
            .label("nothing to run on")
            .help(no_nodes_help(platform)),
        );
        return (plans, placements);
    }

    let place_group = |plans: &mut Vec<NodePlan>,
                       placements: &mut Vec<Placement>,
                       service: ServiceId,
                       replica: u32,
                       node: NodeId,
                       group: PodGroup,
                       local_storage: i64| {
        let plan = &mut plans[node];
        plan.requested_cpu += group.cpu.request;
        plan.requested_memory += group.memory.request;
        plan.limit_cpu += group.cpu.limit;
        plan.limit_memory += group.memory.limit;
        plan.pods += group.pods;
        plan.local_storage += local_storage;
        placements.push(Placement {
            service,
            replica,
            node,
            group,
        });
    };
    let place = |plans: &mut Vec<NodePlan>,
                 placements: &mut Vec<Placement>,
                 service: ServiceId,
                 replica: u32,
                 node: NodeId| {
        let s = &platform.services[service];
        let group = s.replica_group();
        place_group(
            plans,
            placements,
            service,
            replica,
            node,
            group,
            s.node_local_storage(),
        );
    };

    // Daemons: one pod on every node they select.
    for (id, service) in platform
        .services
        .iter()
        .enumerate()
        // A chart's DaemonSets are placed with its other per-node pods.
        .filter(|(_, s)| s.placement.daemon && s.chart().is_none())
    {
        let mut replica = 0;
        for (node_id, node) in platform.nodes.iter().enumerate() {
            if service.placement.node_role.is_empty() || service.placement.node_role == node.role {
                place(&mut plans, &mut placements, id, replica, node_id);
                replica += 1;
            }
        }
    }
    // What charts run on every node (their DaemonSets, which select no
    // node), numbered after the replicas.
    for (id, service) in platform.services.iter().enumerate() {
        let Some(group) = service.per_node_group() else {
            continue;
        };
        let first = service.replicas.limit.max(0) as u32;
        for node in 0..platform.nodes.len() {
            place_group(
                &mut plans,
                &mut placements,
                id,
                first + node as u32,
                node,
                group,
                0,
            );
        }
    }

    // The nodes each role may use, found once ("" is every node).
    let mut by_role: crate::types::FxHashMap<&str, Vec<NodeId>> = Default::default();
    by_role.insert("", (0..platform.nodes.len()).collect());
    for (id, node) in platform.nodes.iter().enumerate() {
        by_role.entry(node.role.as_str()).or_default().push(id);
    }

    let mut roomiest = Roomiest::new(platform, &plans);
    let mut order: Vec<ServiceId> = (0..platform.services.len())
        .filter(|s| !platform.services[*s].placement.daemon)
        .collect();
    // Each key once: it reads the service and sums its containers' CPU,
    // and 10,000 services sorted with keys made per comparison showed in
    // profiles. The id in the key makes the order total.
    order.sort_by_cached_key(|s| {
        let svc = &platform.services[*s];
        let group = if svc.placement.place.is_some() {
            0
        } else if svc.is_stateful() {
            1
        } else if svc.placement.spread || !svc.placement.node_role.is_empty() {
            2
        } else {
            3
        };
        (group, -svc.pod_cpu().request, *s)
    });

    for id in order {
        let service = &platform.services[id];
        let replicas = service.replicas.request.max(0) as u32;
        if let Some((node, _)) = service.placement.place {
            for replica in 0..replicas {
                place(&mut plans, &mut placements, id, replica, node);
            }
            roomiest.update(platform, &plans, node);
            continue;
        }
        let allowed: &[NodeId] = by_role
            .get(service.placement.node_role.as_str())
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        if allowed.is_empty() {
            let roles: Vec<String> = dedup(
                platform
                    .nodes
                    .iter()
                    .map(|n| format!("\"{}\"", n.role))
                    .collect(),
            );
            diagnostics.push(
                Diagnostic::new(Code::Unplaceable, service.span, format!("no node has the role \"{}\" that `{}` asks for", service.placement.node_role, service.name))
                    .label("cannot be placed")
                    .help(format!("the nodes' roles are {}; set `node_role` to one of them or pin it with `place`", roles.join(", "))),
            );
            continue;
        }
        if service.placement.spread && replicas as usize > allowed.len() {
            diagnostics.push(
                Diagnostic::new(
                    Code::Unplaceable,
                    service.replicas_span,
                    format!(
                    "`{}` spreads {replicas} replicas over nodes, but only {} node{} can take them",
                    service.name,
                    allowed.len(),
                    if allowed.len() == 1 { "" } else { "s" }
                ),
                )
                .label(format!("{replicas} replicas"))
                .help("lower the replicas, add nodes, or drop `spread`"),
            );
            continue;
        }
        let mut used: Vec<NodeId> = Vec::new();
        for replica in 0..replicas {
            let excluded: &[NodeId] = if service.placement.spread { &used } else { &[] };
            match best_fit(service, &plans, &roomiest, excluded) {
                Some(node) => {
                    place(&mut plans, &mut placements, id, replica, node);
                    roomiest.update(platform, &plans, node);
                    used.push(node);
                }
                None => {
                    let candidates: Vec<NodeId> = allowed
                        .iter()
                        .copied()
                        .filter(|n| !excluded.contains(n))
                        .collect();
                    diagnostics.push(unplaceable(platform, service, replica, &plans, &candidates));
                    break;
                }
            }
        }
    }
    (plans, placements)
}

/// The node of the service's role with the most CPU left after taking one
/// more pod of it, among those it fits on; the first declared on ties.
/// `excluded` holds the nodes a spreading service already uses.
fn best_fit(
    service: &Service,
    plans: &[NodePlan],
    roomiest: &Roomiest,
    excluded: &[NodeId],
) -> Option<NodeId> {
    let group = service.replica_group();
    let (cpu, memory) = (group.cpu.request, group.memory.request);
    let local = service.node_local_storage();
    for (free, node) in roomiest.nodes(&service.placement.node_role) {
        if free < cpu {
            // Roomiest first: no later node has the CPU either.
            return None;
        }
        let p = &plans[node];
        let fits = p.requested_memory + memory <= p.allocatable.memory
            && p.pods + group.pods <= p.allocatable.max_pods
            && p.local_storage + local <= p.local_storage_available;
        if fits && !excluded.contains(&node) {
            return Some(node);
        }
    }
    None
}

fn unplaceable(
    platform: &Platform,
    service: &Service,
    replica: u32,
    plans: &[NodePlan],
    candidates: &[NodeId],
) -> Diagnostic {
    let (cpu, memory) = (service.pod_cpu().request, service.pod_memory().request);
    let local = service.node_local_storage();
    let roomiest = candidates.iter().max_by_key(|n| {
        (
            plans[**n].allocatable.cpu - plans[**n].requested_cpu,
            std::cmp::Reverse(**n),
        )
    });
    // Say what is short on the node with the most room, not just that it is.
    let room = match roomiest {
        Some(n) => {
            let p = &plans[*n];
            let free_cpu = p.allocatable.cpu - p.requested_cpu;
            let free_memory = p.allocatable.memory - p.requested_memory;
            let free_local = p.local_storage_available - p.local_storage;
            let mut short = Vec::new();
            if cpu > free_cpu {
                short.push(format!("{} CPU free", show::cpu(free_cpu)));
            }
            if memory > free_memory {
                short.push(format!("{} memory free", show::bytes(free_memory)));
            }
            if p.pods >= p.allocatable.max_pods {
                short.push(format!("all {} pods taken", p.allocatable.max_pods));
            }
            if local > free_local {
                short.push(format!(
                    "{} of its boot volume free for node-local volumes",
                    show::bytes(free_local.max(0))
                ));
            }
            format!(
                "; the most room is on `{}`, with {}",
                platform.nodes[*n].name,
                short.join(", ")
            )
        }
        None => String::new(),
    };
    let needs = if local > 0 {
        format!(
            "{} CPU, {} memory and {} of node-local volumes",
            show::cpu(cpu),
            show::bytes(memory),
            show::bytes(local)
        )
    } else {
        format!("{} CPU and {} memory", show::cpu(cpu), show::bytes(memory))
    };
    Diagnostic::new(
        Code::Unplaceable,
        service.span,
        format!(
            "no node has room for replica {} of `{}`, which needs {needs}{room}",
            replica + 1,
            service.name,
        ),
    )
    .label("cannot be placed")
    .help("lower the requests or the volumes, lower the replicas, or add a node")
}

/// Every node whose pods ask for more than it has, each reported with its
/// largest consumers.
pub fn check_nodes(
    platform: &Platform,
    plans: &[NodePlan],
    index: &PlacementIndex,
    placements: &[Placement],
    diagnostics: &mut Diagnostics,
) {
    for plan in plans {
        let here: Vec<&Placement> = index.by_node[plan.node]
            .iter()
            .map(|i| &placements[*i])
            .collect();
        let node = &platform.nodes[plan.node];
        let a = &plan.allocatable;
        let mut pods: Vec<(ServiceId, i64, i64)> = Vec::new();
        for p in &here {
            let (cpu, memory) = (p.group.cpu.request, p.group.memory.request);
            match pods.iter_mut().find(|(id, _, _)| *id == p.service) {
                Some(entry) => {
                    entry.1 += cpu;
                    entry.2 += memory;
                }
                None => pods.push((p.service, cpu, memory)),
            }
        }
        if plan.requested_cpu > a.cpu {
            let breakdown = format!(
                "{} capacity - {} kube-reserved - {} system-reserved",
                show::cpu(a.capacity_cpu),
                show::cpu(a.kube_reserved_cpu),
                show::cpu(a.system_reserved_cpu),
            );
            let over = Over {
                code: Code::NodeCpuOver,
                resource: "CPU",
                requested: plan.requested_cpu,
                allocatable: a.cpu,
                breakdown,
            };
            over.report(
                platform,
                node,
                &mut pods,
                |(_, cpu, _)| *cpu,
                |s| s.cpu_span,
                show::cpu,
                diagnostics,
            );
        }
        if plan.requested_memory > a.memory {
            let breakdown = format!(
                "{} capacity - {} kube-reserved - {} system-reserved - {} eviction threshold",
                show::bytes(a.capacity_memory),
                show::bytes(a.kube_reserved_memory),
                show::bytes(a.system_reserved_memory),
                show::bytes(a.eviction_memory),
            );
            let over = Over {
                code: Code::NodeMemoryOver,
                resource: "memory",
                requested: plan.requested_memory,
                allocatable: a.memory,
                breakdown,
            };
            over.report(
                platform,
                node,
                &mut pods,
                |(_, _, memory)| *memory,
                |s| s.memory_span,
                show::bytes,
                diagnostics,
            );
        }
        if plan.pods > a.max_pods {
            diagnostics.push(
                Diagnostic::new(
                    Code::NodePodsOver,
                    node.span,
                    format!(
                        "node `{}` runs {} pods; its shape and network allow {}",
                        node.name, plan.pods, a.max_pods
                    ),
                )
                .label(format!("{} pods", plan.pods))
                .help(match &node.network_limit {
                    Some(why) => format!("move replicas to another node or add a node; the pod network limits this node ({why}): a pod network without that limit (`oci.flannel`, 110 pods) lifts it"),
                    None => "move replicas to another node or add a node".to_string(),
                }),
            );
        }
        if plan.local_storage > plan.local_storage_available {
            let mut volumes: Vec<(String, i64, crate::source::Span)> = Vec::new();
            for p in &here {
                let s = &platform.services[p.service];
                for v in s.volumes.iter().filter(|v| v.class.node_local) {
                    volumes.push((format!("{}.{}", s.name, v.name), v.provisioned(), v.span));
                }
            }
            volumes.sort_by_key(|(n, size, _)| (-size, n.clone()));
            let mut d = Diagnostic::new(Code::LocalStorageOver, node.boot_volume_span, format!(
                "node-local volumes on `{}` need {}, but its {} boot volume has {} after the {} the system takes",
                node.name,
                show::bytes(plan.local_storage),
                show::bytes(node.boot_volume),
                show::bytes(plan.local_storage_available),
                show::bytes(platform.cloud.boot_volume_system),
            ))
            .label(format!("{} short", show::bytes(plan.local_storage - plan.local_storage_available)));
            for (name, size, span) in volumes.iter().take(3) {
                d = d.with_label(*span, format!("{name}: {}", show::bytes(*size)));
            }
            diagnostics.push(
                d.help("grow the boot volume, shrink the volumes, or place them on another node"),
            );
        }
    }
}

/// One resource of a node asked for beyond its allocatable.
struct Over {
    code: Code,
    resource: &'static str,
    requested: i64,
    allocatable: i64,
    /// How allocatable comes from capacity.
    breakdown: String,
}

impl Over {
    /// Reports it at the node, naming its three largest consumers of the
    /// resource (`pods` holds each service's CPU and memory requests there).
    #[allow(clippy::too_many_arguments)]
    fn report(
        self,
        platform: &Platform,
        node: &crate::model::Node,
        pods: &mut [(ServiceId, i64, i64)],
        amount: fn(&(ServiceId, i64, i64)) -> i64,
        span: fn(&Service) -> crate::source::Span,
        show: fn(i64) -> String,
        diagnostics: &mut Diagnostics,
    ) {
        pods.sort_by_key(|pod| (-amount(pod), pod.0));
        let mut d = Diagnostic::new(
            self.code,
            node.span,
            format!(
                "node `{}` is over its {}: {} requested, {} allocatable ({})",
                node.name,
                self.resource,
                show(self.requested),
                show(self.allocatable),
                self.breakdown,
            ),
        )
        .label(format!("{} over", show(self.requested - self.allocatable)));
        for pod in pods.iter().take(3) {
            let s = &platform.services[pod.0];
            d = d.with_label(
                span(s),
                format!("`{}` requests {} here", s.name, show(amount(pod))),
            );
        }
        let names: Vec<String> = pods
            .iter()
            .take(3)
            .map(|pod| format!("`{}` {}", platform.services[pod.0].name, show(amount(pod))))
            .collect();
        diagnostics.push(d.help(format!(
            "the largest requests are {}; lower them, move a service to another node, or give the node more {}",
            names.join(", "),
            self.resource
        )));
    }
}

fn dedup(mut items: Vec<String>) -> Vec<String> {
    items.sort();
    items.dedup();
    items
}
