//! Cluster-wide objects: the namespaces with their Pod Security Standard
//! labels, and the StorageClasses the platform itself provides (node-local
//! ones; the cloud's block storage class comes with the cluster).

use std::collections::BTreeMap;

use std::borrow::Cow;

use crate::emit::kube::labels;
use crate::emit::kube::object::{metadata, object};
use crate::emit::yaml::{s, Value};
use crate::emit::Context;
use crate::model::StorageClass;

pub fn namespaces<'a>(context: &Context<'a>) -> Vec<Value<'a>> {
    let platform = context.platform;
    let part_of = labels::part_of(platform);
    platform
        .namespaces
        .iter()
        .filter(|n| !n.managed)
        .map(|namespace| {
            // The safety checks refuse a namespace without a level.
            let level: Cow<str> =
                Cow::Borrowed(namespace.pod_security.as_deref().unwrap_or("restricted"));
            let labels = [
                (labels::PART_OF, part_of.clone()),
                ("pod-security.kubernetes.io/enforce", level.clone()),
                ("pod-security.kubernetes.io/audit", level.clone()),
                ("pod-security.kubernetes.io/warn", level),
            ];
            object(
                "v1",
                "Namespace",
                metadata(context, &namespace.k8s_name, None, &labels, namespace.span),
                [],
            )
        })
        .collect()
}

/// Node-local classes used by any volume, by name. Their volumes stay with
/// the node (WaitForFirstConsumer binds them where the pod is scheduled).
pub fn storage_classes<'a>(context: &Context<'a>) -> Vec<Value<'a>> {
    let platform = context.platform;
    let mut classes: BTreeMap<&str, &StorageClass> = BTreeMap::new();
    for (_, service) in platform.deployed() {
        for volume in service.volumes.iter().filter(|v| v.class.node_local) {
            classes
                .entry(volume.class.name.as_str())
                .or_insert(&volume.class);
        }
    }
    let part_of = [(labels::PART_OF, labels::part_of(platform))];
    classes
        .values()
        .map(|class| {
            let meta = metadata(context, &class.name, None, &part_of, class.provenance.span);
            object(
                "storage.k8s.io/v1",
                "StorageClass",
                meta,
                [
                    ("provisioner", s(&class.provisioner)),
                    ("reclaimPolicy", s("Delete")),
                    ("volumeBindingMode", s("WaitForFirstConsumer")),
                ],
            )
        })
        .collect()
}
