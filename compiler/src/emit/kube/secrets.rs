//! The Secrets the platform's workloads read: every reference of a
//! workload (its own, its exporter's, its backup job's, its alert
//! receivers'), by namespace and Secret name. The Kubernetes backend writes
//! an object for each; the README says how to give each its values.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Platform, SecretRef};
use crate::source::Span;

/// One Secret a namespace needs: its store, keys and first user.
pub struct Needed<'a> {
    pub store: &'a str,
    pub keys: BTreeSet<&'a str>,
    /// The first service that reads it.
    pub span: Span,
}

/// Every secret reference of the platform's workloads, by namespace and
/// secret name.
pub fn needed(platform: &Platform) -> BTreeMap<(&str, &str), Needed<'_>> {
    let mut needed: BTreeMap<(&str, &str), Needed> = BTreeMap::new();
    for (_, service) in platform.deployed() {
        let namespace = &platform.namespace_of(service).k8s_name;
        let mut refs: Vec<&SecretRef> = service.pod.secrets.values().collect();
        refs.extend(service.pod.exporter.iter().flat_map(|e| e.secrets.values()));
        refs.extend(service.backup.iter().flat_map(|b| b.secrets.values()));
        refs.extend(crate::emit::observe::alerting::secrets(service));
        for secret in refs {
            let entry = needed
                .entry((namespace.as_str(), secret.name.as_str()))
                .or_insert_with(|| Needed {
                    store: &secret.store,
                    keys: BTreeSet::new(),
                    span: service.span,
                });
            entry.keys.insert(&secret.key);
        }
    }
    needed
}
