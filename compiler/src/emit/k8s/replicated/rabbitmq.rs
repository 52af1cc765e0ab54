//! A `rabbitmq` run by the RabbitMQ Cluster Operator (`cluster_api =
//! rabbitmq`): one `RabbitmqCluster` (rabbitmq.com/v1beta1) with the
//! component's nodes, image, requests and limits, volume and placement,
//! quorum queues by default. From it the operator makes the StatefulSet
//! `<name>-server`, the clients' Service `<name>` (amqp, management,
//! prometheus), the headless `<name>-nodes` for peer discovery, the Erlang
//! cookie; hplc writes none of them, and writes the PodDisruptionBudget
//! the operator leaves out. The default user's Secret
//! `<name>-default-user`, which the operator would write, comes from the
//! platform's store instead (`secretBackend.externalSecret`), since the
//! clients in other namespaces read the same login from their own copy;
//! under that name, which the operator's status and its own calls to the
//! management API read whatever the backend. Its pods carry `app.kubernetes.io/name: <name>`, the
//! label hplc's selectors use for the pods it writes (the operator drops
//! the resource's own `app.kubernetes.io/` labels). The clients' users
//! come from the kind's login script, which the StatefulSet's override
//! (a strategic merge patch the operator applies) runs in every node's
//! container after it has started, with the logins mounted.

use super::super::logins;
use super::super::placement::{affinity, Nodes};
use super::super::pod;
use super::super::scaling::disruption_budget;
use super::meta;
use crate::emit::kube::object::object;
use crate::emit::kube::quantity;
use crate::emit::yaml::{b, list, map, n, s, Value};
use crate::emit::Context;
use crate::model::{Service, ServiceId};

/// What the nodes are configured with besides the operator's defaults
/// (rabbitmq.conf): queues declared without a type are quorum queues,
/// replicated over the nodes (https://www.rabbitmq.com/docs/quorum-queues).
const CONFIG: &str = "default_queue_type = quorum\n";

/// The `RabbitmqCluster`, and the PodDisruptionBudget the operator does
/// not write (one node down at a time keeps the quorum of three).
pub fn objects<'a>(context: &Context<'a>, nodes: &Nodes, id: ServiceId) -> Vec<Value<'a>> {
    let mut objects = vec![cluster(context, nodes, id)];
    objects.extend(disruption_budget(context, id));
    objects
}

/// The `RabbitmqCluster`: the operator runs `replicas` nodes from it.
fn cluster<'a>(context: &Context<'a>, nodes: &Nodes, id: ServiceId) -> Value<'a> {
    let service = &context.platform.services[id];
    let replication = service.replication.as_ref().expect("a replicated service");
    let mut spec: Vec<(&'static str, Value)> = vec![
        ("replicas", n(service.replicas.request)),
        ("image", s(&service.pod.image)),
        ("resources", pod::resources(service.cpu, service.memory)),
        ("rabbitmq", map([("additionalConfig", s(CONFIG))])),
        // The default user from the platform's store, which its clients
        // read too, rather than one the operator makes up.
        (
            "secretBackend",
            map([(
                "externalSecret",
                map([("name", s(service.default_user_secret().unwrap_or_default()))]),
            )]),
        ),
    ];
    if let Some(volume) = service.volumes.first() {
        spec.push((
            "persistence",
            map([
                ("storageClassName", s(&volume.class.name)),
                ("storage", s(quantity::bytes(volume.provisioned()))),
            ]),
        ));
    }
    // The resource takes an affinity, not a node selector or spread.
    if let Some(affinity) = affinity(context, nodes, id) {
        spec.push(("affinity", affinity));
    }
    if let Some(patch) = logins_override(service, &replication.container) {
        spec.push(("override", patch));
    }
    object(
        "rabbitmq.com/v1beta1",
        "RabbitmqCluster",
        meta(context, service, replication.span),
        [("spec", map(spec))],
    )
}

/// The volume of the clients' logins in the operator's pods.
const LOGINS_VOLUME: &str = "hplc-logins";

/// `override`: the node's container (`container`) runs the kind's login
/// script after it has started, with the logins mounted where it reads
/// them; the operator's own lifecycle hook (`preStop`) and mounts stay,
/// as the patch merges into them.
fn logins_override<'a>(service: &'a Service, container: &'a str) -> Option<Value<'a>> {
    if !logins::mounted(service) {
        return None;
    }
    let node = map([
        ("name", s(container)),
        ("env", list(logins::env(service, pod::SECRETS_DIR))),
        ("lifecycle", logins::lifecycle(service)?),
        (
            "volumeMounts",
            list([map([
                ("name", s(LOGINS_VOLUME)),
                ("mountPath", s(pod::SECRETS_DIR)),
                ("readOnly", b(true)),
            ])]),
        ),
    ]);
    let pod = map([
        ("containers", list([node])),
        (
            "volumes",
            list([pod::secrets_volume_with(
                LOGINS_VOLUME,
                [],
                logins::sources(service),
            )]),
        ),
    ]);
    Some(map([(
        "statefulSet",
        map([("spec", map([("template", map([("spec", pod)]))]))]),
    )]))
}
