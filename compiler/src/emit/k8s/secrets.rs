//! Secrets as references only. Every secret a workload reads (its own, its
//! exporter's, its backup job's) becomes, in that workload's namespace, a
//! SealedSecret whose encrypted values are placeholders saying how to seal
//! the real ones with kubeseal, or an ExternalSecret that fetches them from
//! the platform's ClusterSecretStore. No value ever appears, and no object
//! of kind Secret is written: the controllers create them in the cluster.

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml::Value;

use super::labels;
use super::object::{list, map, metadata, object, s};
use crate::emit::Context;
use crate::model::{Platform, SecretRef};
use crate::source::Span;

/// One Secret a namespace needs: its store, keys and first user.
struct Needed {
    store: String,
    keys: BTreeSet<String>,
    span: Span,
}

/// Every secret reference of the platform's workloads, by namespace and
/// secret name.
fn needed(platform: &Platform) -> BTreeMap<(String, String), Needed> {
    let mut needed: BTreeMap<(String, String), Needed> = BTreeMap::new();
    for service in platform.services.iter().filter(|s| !s.managed) {
        let namespace = &platform.namespace_of(service).k8s_name;
        let mut refs: Vec<&SecretRef> = service.secrets.values().collect();
        refs.extend(service.exporter.iter().flat_map(|e| e.secrets.values()));
        refs.extend(service.backup.iter().flat_map(|b| b.secrets.values()));
        for secret in refs {
            let entry = needed.entry((namespace.clone(), secret.name.clone())).or_insert_with(|| Needed {
                store: secret.store.clone(),
                keys: BTreeSet::new(),
                span: service.span,
            });
            entry.keys.insert(secret.key.clone());
        }
    }
    needed
}

/// The reference objects of every namespace, by namespace.
pub fn by_namespace(context: &Context) -> BTreeMap<String, Vec<Value>> {
    let platform = context.platform;
    let mut objects: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for ((namespace, name), secret) in needed(platform) {
        let part_of = platform.name.replace('_', "-");
        let meta = metadata(context, &name, Some(&namespace), &[(labels::PART_OF, &part_of)], secret.span);
        let object = match secret.store.as_str() {
            "external" => external_secret(platform, meta, &name, &secret.keys),
            _ => sealed_secret(meta, &namespace, &name, &secret.keys),
        };
        objects.entry(namespace).or_default().push(object);
    }
    objects
}

fn sealed_secret(meta: Value, namespace: &str, name: &str, keys: &BTreeSet<String>) -> Value {
    let encrypted = keys.iter().map(|key| {
        let how = format!(
            "REPLACE WITH SEALED VALUE: printf %s \"$VALUE\" | kubeseal --raw --scope strict --namespace {namespace} --name {name} (key {key})"
        );
        (key.clone(), s(how))
    });
    let template = map([("metadata", map([("name", s(name)), ("namespace", s(namespace))])), ("type", s("Opaque"))]);
    object("bitnami.com/v1alpha1", "SealedSecret", meta, [("spec", map([("encryptedData", map(encrypted)), ("template", template)]))])
}

/// The store is a ClusterSecretStore named after the platform, which the
/// operator of the cluster sets up for its secret manager (OCI Vault, ...).
fn external_secret(platform: &Platform, meta: Value, name: &str, keys: &BTreeSet<String>) -> Value {
    let data = keys.iter().map(|key| map([("secretKey", s(key)), ("remoteRef", map([("key", s(name)), ("property", s(key))]))]));
    let spec = map([
        ("refreshInterval", s("1h")),
        ("secretStoreRef", map([("kind", s("ClusterSecretStore")), ("name", s(platform.name.replace('_', "-")))])),
        ("target", map([("name", s(name)), ("creationPolicy", s("Owner"))])),
        ("data", list(data)),
    ]);
    object("external-secrets.io/v1", "ExternalSecret", meta, [("spec", spec)])
}
