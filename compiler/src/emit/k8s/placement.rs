//! Node placement: the planner decided which node every replica runs on;
//! the pod spec says the same to the scheduler. Nodes are told apart by the
//! labels the Terraform node pools set (`hplc.dev/node`, `hplc.dev/role`),
//! and the selector admits exactly the nodes the plan used, so a replica
//! added by an autoscaler lands where the capacity check counted room.

use std::collections::BTreeSet;

use serde_yaml::Value;

use super::labels;
use super::object::{list, map, n, s};
use crate::emit::Context;
use crate::model::{NodeId, ServiceId};

/// `nodeSelector`, `affinity` and `topologySpreadConstraints` of the pod
/// spec of a service, as far as it needs them.
pub fn pod_fields(context: &Context, id: ServiceId) -> Vec<(&'static str, Value)> {
    let platform = context.platform;
    let service = &platform.services[id];
    let planned: BTreeSet<NodeId> = context.plan.nodes_of(id).into_iter().collect();
    let mut fields = Vec::new();
    let all: BTreeSet<NodeId> = (0..platform.nodes.len()).collect();
    let with_role: BTreeSet<NodeId> = all.iter().copied().filter(|n| platform.nodes[*n].role == service.node_role).collect();
    if planned.is_empty() || planned == all {
        // Every node (a daemon without a role): nothing to select.
    } else if planned.len() == 1 {
        let node = &platform.nodes[*planned.iter().next().expect("one node")];
        fields.push(("nodeSelector", map([(labels::NODE, s(&node.k8s_name))])));
    } else if !service.node_role.is_empty() && planned == with_role {
        fields.push(("nodeSelector", map([(labels::ROLE, s(&service.node_role))])));
    } else {
        let names = planned.iter().map(|n| s(&platform.nodes[*n].k8s_name));
        let term = map([("matchExpressions", list([map([("key", s(labels::NODE)), ("operator", s("In")), ("values", list(names))])]))]);
        let required = map([("nodeSelectorTerms", list([term]))]);
        fields.push(("affinity", map([("nodeAffinity", map([("requiredDuringSchedulingIgnoredDuringExecution", required)]))])));
    }
    if service.spread && service.replicas.limit > 1 && !service.daemon {
        // One replica per node as long as nodes are free, then evenly: a
        // node failure takes at most its share of the replicas.
        fields.push((
            "topologySpreadConstraints",
            list([map([
                ("maxSkew", n(1)),
                ("topologyKey", s("kubernetes.io/hostname")),
                ("whenUnsatisfiable", s("DoNotSchedule")),
                ("labelSelector", map([("matchLabels", labels::selector(service))])),
            ])]),
        ));
    }
    fields
}
