//! Secrets as references only. Every secret a workload reads (its own, its
//! exporter's, its backup job's) becomes, in that workload's namespace, a
//! SealedSecret carrying the ciphertext of each key from the platform's
//! `sealed_values` (a key with none is left out, and `hplc check` warns
//! with the kubeseal command that seals it), or an ExternalSecret that
//! fetches them from the platform's ClusterSecretStore. No value ever
//! appears, and no object of kind Secret is written: the controllers create
//! them in the cluster.

use std::collections::{BTreeMap, BTreeSet};

use crate::emit::kube::secrets::{needed, sealed_value};

use crate::emit::kube::object::{metadata, object};
use crate::emit::kube::{argo, labels};
use crate::emit::yaml::{list, map, s, Value};
use crate::emit::Context;
use crate::model::Platform;

/// The reference objects of every namespace, by namespace.
pub fn by_namespace<'a>(context: &Context<'a>) -> BTreeMap<&'a str, Vec<Value<'a>>> {
    let platform = context.platform;
    let mut objects: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    for ((namespace, name), secret) in needed(platform) {
        let mut meta = metadata(
            context,
            name,
            Some(namespace),
            &[(labels::PART_OF, labels::part_of(platform))],
            secret.span,
        );
        if let Some(wave) = context.waves.secrets {
            argo::wave(&mut meta, wave);
        }
        let object = match secret.store {
            "external" => external_secret(platform, meta, name, &secret.keys),
            _ => sealed_secret(platform, meta, namespace, name, &secret.keys),
        };
        objects.entry(namespace).or_default().push(object);
    }
    if let Some((namespace, store)) = secret_store(context) {
        objects.entry(namespace).or_default().insert(0, store);
    }
    objects
}

/// The ClusterSecretStore every ExternalSecret names, for the cloud's
/// secret manager, beside the operator that reads it: OCI Vault, as the
/// nodes' instance principal (a BASIC cluster has no workload identity;
/// the Terraform tree lets the nodes' dynamic group read this vault's
/// secrets and no other). Only with a vault (the cluster's inputs).
fn secret_store<'a>(context: &Context<'a>) -> Option<(&'a str, Value<'a>)> {
    let platform = context.platform;
    let vault = platform.inputs.vault_id.as_deref()?;
    if platform.cloud.provider != "oci" {
        return None;
    }
    let (_, operator) = platform.deployed().find(|(_, service)| {
        service.chart().is_some_and(|chart| {
            chart
                .render
                .provides
                .iter()
                .any(|g| g == "external-secrets.io")
        })
    })?;
    if !needed(platform)
        .values()
        .any(|secret| secret.store == "external")
    {
        return None;
    }
    let mut meta = metadata(
        context,
        labels::part_of(platform),
        None,
        &[(labels::PART_OF, labels::part_of(platform))],
        operator.span,
    );
    if let Some(wave) = context.waves.secrets {
        argo::wave(&mut meta, wave);
    }
    let oracle = map([
        ("vault", s(vault)),
        ("region", s(platform.cloud.region.as_str())),
        ("principalType", s("InstancePrincipal")),
    ]);
    let store = object(
        "external-secrets.io/v1",
        "ClusterSecretStore",
        meta,
        [("spec", map([("provider", map([("oracle", oracle)]))]))],
    );
    Some((platform.namespace_of(operator).k8s_name.as_str(), store))
}

fn sealed_secret<'a>(
    platform: &'a Platform,
    meta: Value<'a>,
    namespace: &'a str,
    name: &'a str,
    keys: &BTreeSet<&'a str>,
) -> Value<'a> {
    let encrypted = keys.iter().filter_map(|key| {
        let sealed = sealed_value(platform, namespace, name, key)?;
        Some((*key, s(sealed.ciphertext.as_str())))
    });
    let template = map([
        (
            "metadata",
            map([("name", s(name)), ("namespace", s(namespace))]),
        ),
        ("type", s("Opaque")),
    ]);
    object(
        "bitnami.com/v1alpha1",
        "SealedSecret",
        meta,
        [(
            "spec",
            map([("encryptedData", map(encrypted)), ("template", template)]),
        )],
    )
}

/// The store is a ClusterSecretStore named after the platform, which the
/// operator of the cluster sets up for its secret manager (OCI Vault, ...).
fn external_secret<'a>(
    platform: &'a Platform,
    meta: Value<'a>,
    name: &'a str,
    keys: &BTreeSet<&'a str>,
) -> Value<'a> {
    // The property is a GJSON path into the secret's JSON, where a dot
    // goes one level down: a key's own dots are escaped
    // (`default_user\.conf`).
    let data = keys.iter().map(|key| {
        map([
            ("secretKey", s(*key)),
            (
                "remoteRef",
                map([("key", s(name)), ("property", s(key.replace('.', "\\.")))]),
            ),
        ])
    });
    let spec = map([
        ("refreshInterval", s("1h")),
        (
            "secretStoreRef",
            map([
                ("kind", s("ClusterSecretStore")),
                ("name", s(labels::part_of(platform))),
            ]),
        ),
        (
            "target",
            map([("name", s(name)), ("creationPolicy", s("Owner"))]),
        ),
        ("data", list(data)),
    ]);
    object(
        "external-secrets.io/v1",
        "ExternalSecret",
        meta,
        [("spec", spec)],
    )
}
