//! Node placement: the planner decided which node every replica runs on;
//! the pod spec says the same to the scheduler. Nodes are told apart by the
//! labels the Terraform node pools set (`hplc.dev/node`, `hplc.dev/role`),
//! and the selector admits exactly the nodes the plan used, so a replica
//! added by an autoscaler lands where the capacity check counted room.

use std::collections::HashMap;

use crate::emit::kube::labels;
use crate::emit::yaml::{list, map, n, s, Value};
use crate::emit::Context;
use crate::model::{NodeId, ServiceId};

/// The plan's nodes by service and the platform's nodes by role, gathered
/// once (in one pass over the placements) for every service's pod spec.
pub struct Nodes<'a> {
    /// Sorted and without repeats.
    by_service: Vec<Vec<NodeId>>,
    by_role: HashMap<&'a str, Vec<NodeId>>,
    count: usize,
}

impl<'a> Nodes<'a> {
    pub fn new(context: &Context<'a>) -> Nodes<'a> {
        let platform = context.platform;
        let mut by_service = vec![Vec::new(); platform.services.len()];
        for placement in &context.plan.placements {
            by_service[placement.service].push(placement.node);
        }
        for nodes in &mut by_service {
            nodes.sort_unstable();
            nodes.dedup();
        }
        let mut by_role: HashMap<&str, Vec<NodeId>> = HashMap::new();
        for (id, node) in platform.nodes.iter().enumerate() {
            by_role.entry(node.role.as_str()).or_default().push(id);
        }
        Nodes {
            by_service,
            by_role,
            count: platform.nodes.len(),
        }
    }
}

/// `nodeSelector`, `affinity` and `topologySpreadConstraints` of the pod
/// spec of a service, as far as it needs them.
pub fn pod_fields<'a>(
    context: &Context<'a>,
    nodes: &Nodes,
    id: ServiceId,
) -> Vec<(&'static str, Value<'a>)> {
    let platform = context.platform;
    let service = &platform.services[id];
    let planned = &nodes.by_service[id];
    let with_role = nodes
        .by_role
        .get(service.placement.node_role.as_str())
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut fields = Vec::new();
    if planned.is_empty() || planned.len() == nodes.count {
        // Every node (a daemon without a role): nothing to select.
    } else if planned.len() == 1 {
        let node = &platform.nodes[planned[0]];
        fields.push(("nodeSelector", map([(labels::NODE, s(&node.k8s_name))])));
    } else if !service.placement.node_role.is_empty() && planned.as_slice() == with_role {
        fields.push((
            "nodeSelector",
            map([(labels::ROLE, s(&service.placement.node_role))]),
        ));
    } else {
        let names = planned.iter().map(|n| s(&platform.nodes[*n].k8s_name));
        let term = map([(
            "matchExpressions",
            list([map([
                ("key", s(labels::NODE)),
                ("operator", s("In")),
                ("values", list(names)),
            ])]),
        )]);
        let required = map([("nodeSelectorTerms", list([term]))]);
        fields.push((
            "affinity",
            map([(
                "nodeAffinity",
                map([("requiredDuringSchedulingIgnoredDuringExecution", required)]),
            )]),
        ));
    }
    if service.placement.spread && service.replicas.limit > 1 && !service.placement.daemon {
        // One replica per node as long as nodes are free, then evenly: a
        // node failure takes at most its share of the replicas.
        fields.push((
            "topologySpreadConstraints",
            list([map([
                ("maxSkew", n(1)),
                ("topologyKey", s("kubernetes.io/hostname")),
                ("whenUnsatisfiable", s("DoNotSchedule")),
                (
                    "labelSelector",
                    map([("matchLabels", labels::pods(service))]),
                ),
            ])]),
        ));
    }
    fields
}

/// The same placement as one `affinity` (for a custom resource whose
/// operator takes an affinity and nothing else): the nodes as a required
/// node affinity, the spread as a required anti-affinity between the
/// service's pods, one per node. `None` where it may run anywhere.
pub fn affinity<'a>(context: &Context<'a>, nodes: &Nodes, id: ServiceId) -> Option<Value<'a>> {
    let service = &context.platform.services[id];
    let mut affinity: Vec<(&str, Value)> = Vec::new();
    for (field, value) in pod_fields(context, nodes, id) {
        match (field, value) {
            ("nodeSelector", Value::Map(selected)) => {
                let terms = selected.into_iter().map(|(key, value)| {
                    map([
                        ("key", Value::Str(key)),
                        ("operator", s("In")),
                        ("values", list([value])),
                    ])
                });
                let term = map([("matchExpressions", list(terms))]);
                let required = map([("nodeSelectorTerms", list([term]))]);
                affinity.push((
                    "nodeAffinity",
                    map([("requiredDuringSchedulingIgnoredDuringExecution", required)]),
                ));
            }
            ("affinity", Value::Map(entries)) => {
                affinity.extend(entries.into_iter().filter_map(|(key, value)| {
                    (key == "nodeAffinity").then_some(("nodeAffinity", value))
                }));
            }
            ("topologySpreadConstraints", _) => {
                let term = map([
                    ("topologyKey", s("kubernetes.io/hostname")),
                    (
                        "labelSelector",
                        map([("matchLabels", labels::pods(service))]),
                    ),
                ]);
                affinity.push((
                    "podAntiAffinity",
                    map([(
                        "requiredDuringSchedulingIgnoredDuringExecution",
                        list([term]),
                    )]),
                ));
            }
            _ => {}
        }
    }
    (!affinity.is_empty()).then(|| map(affinity))
}
