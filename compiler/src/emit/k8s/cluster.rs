//! Cluster-wide objects: the namespaces with their Pod Security Standard
//! labels, and the StorageClasses the platform itself provides (node-local
//! ones, and the cloud's classes the cluster does not come with, such as
//! EKS's gp3; OKE's block storage class comes with the cluster).

use std::collections::BTreeMap;

use std::borrow::Cow;

use crate::emit::kube::object::{annotate, metadata, object};
use crate::emit::kube::{argo, labels};
use crate::emit::yaml::{map, s, Value};
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
            let mut meta = metadata(context, &namespace.k8s_name, None, &labels, namespace.span);
            // Every chart installs into a namespace: they come first.
            if !platform.gitops.is_empty() {
                argo::wave(&mut meta, context.waves.first);
            }
            object("v1", "Namespace", meta, [])
        })
        .collect()
}

/// Classes used by any volume that the cluster does not come with, by name:
/// node-local ones and those the stdlib marks `provided_by_cloud = false`.
/// Their volumes are bound where the pod is scheduled
/// (WaitForFirstConsumer): on its node, or in its zone.
pub fn storage_classes<'a>(context: &Context<'a>) -> Vec<Value<'a>> {
    let platform = context.platform;
    let mut classes: BTreeMap<&str, &StorageClass> = BTreeMap::new();
    for (_, service) in platform.deployed() {
        for volume in service
            .volumes
            .iter()
            .filter(|v| v.class.node_local || !v.class.provided_by_cloud)
        {
            classes
                .entry(volume.class.name.as_str())
                .or_insert(&volume.class);
        }
    }
    let part_of = [(labels::PART_OF, labels::part_of(platform))];
    classes
        .values()
        .map(|class| {
            let mut meta = metadata(context, &class.name, None, &part_of, class.provenance.span);
            for (key, value) in &class.annotations {
                annotate(&mut meta, key.as_str(), value.as_str());
            }
            let mut fields = vec![("provisioner", s(&class.provisioner))];
            if !class.parameters.is_empty() {
                fields.push((
                    "parameters",
                    map(class.parameters.iter().map(|(k, v)| (k.as_str(), s(v)))),
                ));
            }
            fields.extend([
                ("reclaimPolicy", s("Delete")),
                ("volumeBindingMode", s("WaitForFirstConsumer")),
            ]);
            object("storage.k8s.io/v1", "StorageClass", meta, fields)
        })
        .collect()
}
