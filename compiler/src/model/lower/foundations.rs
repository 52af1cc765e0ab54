//! Lowering of the cluster's foundations: the cloud's managed Kubernetes
//! (its versions and pod networks), the pod network and Kubernetes version
//! the platform runs, the spans of its trusted networks, and the names its
//! buckets take in the cloud.

use super::*;

impl Lowering<'_> {
    pub(super) fn kubernetes_service(&self, obj: ObjId) -> KubernetesService {
        KubernetesService {
            name: self.string(obj, "name"),
            version_format: self.string(obj, "version_format"),
            versions: self
                .get(obj, "versions")
                .as_list()
                .iter()
                .filter_map(Value::as_object)
                .map(|r| KubernetesRelease {
                    version: self.string(r, "version"),
                    released: self.string(r, "released"),
                    end_of_support: self.string(r, "end_of_support"),
                    supported: self.boolean(r, "supported"),
                    source: self.string(r, "source"),
                })
                .collect(),
            pod_network: self.pod_network(
                self.object(obj, "pod_network")
                    .expect("kubernetes_service.pod_network is required"),
            ),
            provenance: self.provenance(obj),
        }
    }

    pub(super) fn pod_network(&self, obj: ObjId) -> PodNetwork {
        PodNetwork {
            provider: self.string(obj, "provider"),
            name: self.string(obj, "name"),
            max_pods: self.int(obj, "max_pods"),
            pods_per_vnic: self.int(obj, "pods_per_vnic"),
            network_policy: self.string(obj, "network_policy"),
            provenance: self.provenance(obj),
        }
    }

    /// The platform's pod network, else its cloud's; a cloud without
    /// Kubernetes data gets one without limits of its own.
    pub(super) fn platform_pod_network(&self, obj: ObjId, cloud: &Cloud) -> (PodNetwork, Span) {
        let o = &self.world.objects[obj];
        if let Some(network) = self.object(obj, "pod_network") {
            return (
                self.pod_network(network),
                self.value_span(obj, "pod_network"),
            );
        }
        let network = match &cloud.kubernetes {
            Some(k) => k.pod_network.clone(),
            None => PodNetwork {
                provider: cloud.provider.clone(),
                name: String::new(),
                max_pods: 0,
                pods_per_vnic: 0,
                network_policy: String::new(),
                provenance: Provenance::default(),
            },
        };
        (network, o.name_span)
    }

    /// The platform's Kubernetes version, else the newest the cloud's
    /// service lists as supported.
    pub(super) fn kubernetes_version(&self, obj: ObjId, cloud: &Cloud) -> (String, Span) {
        let o = &self.world.objects[obj];
        let written = self.string(obj, "kubernetes_version");
        if !written.is_empty() {
            return (written, self.value_span(obj, "kubernetes_version"));
        }
        let newest = cloud
            .kubernetes
            .as_ref()
            .and_then(|k| k.versions.iter().find(|r| r.supported))
            .map(|r| r.version.clone())
            .unwrap_or_default();
        (newest, o.name_span)
    }

    /// Where each entry of `trusted_cidrs` is written: the list's items
    /// when the field is set to a list, else the whole value.
    pub(super) fn trusted_cidrs_spans(&self, obj: ObjId, count: usize) -> Vec<Span> {
        let whole = self.value_span(obj, "trusted_cidrs");
        let items: Vec<Span> = (self.whole_set(obj, "trusted_cidrs"))
            .map(|s| match &s.value.kind {
                crate::syntax::ast::ExprKind::List(items) => items.iter().map(|e| e.span).collect(),
                _ => Vec::new(),
            })
            .unwrap_or_default();
        (0..count)
            .map(|i| items.get(i).copied().unwrap_or(whole))
            .collect()
    }
}

/// Every backup names its bucket by the bucket's name in the cloud, the
/// one the Terraform backend creates: `Lowering::service` writes the name
/// in the source, which this replaces.
pub(super) fn backups_name_cloud_buckets(platform: &mut Platform) {
    let names: HashMap<String, String> = platform
        .buckets
        .iter()
        .map(|b| (b.k8s_name.clone(), b.cloud_name.clone()))
        .collect();
    for backup in platform
        .services
        .iter_mut()
        .filter_map(|s| s.backup.as_mut())
    {
        if let Some(name) = names.get(&backup.bucket) {
            backup.bucket = name.clone();
        }
    }
}
