//! The Secrets the platform's workloads read: every reference of a
//! workload (its own, its exporter's, its backup job's, its alert
//! receivers', its replicated cluster's logins and object storage), by
//! namespace and Secret name. The Kubernetes backend writes an object for
//! each; the README says how to give each its values.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{for_release, Platform, SealedValue, SecretRef};
use crate::source::Span;

/// One Secret a namespace needs: its store, keys and first user.
pub struct Needed<'a> {
    pub store: &'a str,
    pub keys: BTreeSet<&'a str>,
    /// The first service that reads it.
    pub span: Span,
    /// For each key, the first declaration of a secret that names it.
    pub declared: BTreeMap<&'a str, Span>,
}

/// Every secret reference of the platform's workloads, by namespace and
/// secret name.
pub fn needed(platform: &Platform) -> BTreeMap<(&str, &str), Needed<'_>> {
    let mut needed: BTreeMap<(&str, &str), Needed> = BTreeMap::new();
    for (_, service) in platform.deployed() {
        let namespace = &platform.namespace_of(service).k8s_name;
        for secret in references(service) {
            let entry = needed
                .entry((namespace.as_str(), secret.name.as_str()))
                .or_insert_with(|| Needed {
                    store: platform.secret_store.as_deref().unwrap_or(&secret.store),
                    keys: BTreeSet::new(),
                    span: service.span,
                    declared: BTreeMap::new(),
                });
            entry.keys.insert(&secret.key);
            entry.declared.entry(&secret.key).or_insert(secret.span);
        }
    }
    needed
}

/// The API group of the objects that give a store's Secrets their values
/// (ExternalSecret for `external`, SealedSecret for the rest): the chart
/// that serves it must run before they are applied.
pub fn api_group(store: &str) -> &'static str {
    match store {
        "external" => "external-secrets.io",
        _ => "bitnami.com",
    }
}

/// The API groups of the objects that give the platform's Secrets their
/// values (see `api_group`); empty when no workload reads a Secret.
pub fn api_groups(platform: &Platform) -> BTreeSet<&'static str> {
    needed(platform)
        .values()
        .map(|secret| api_group(secret.store))
        .collect()
}

/// The secrets one service reads: its own, its exporter's, its backup
/// job's, its clients' logins and its alert receivers'.
pub fn references(service: &crate::model::Service) -> Vec<&SecretRef> {
    let mut refs: Vec<&SecretRef> = Vec::new();
    // A RabbitmqCluster's pods are the operator's, with its own default
    // user: the instance's environment is not theirs.
    if service.default_user_secret().is_none() {
        refs.extend(service.pod.secrets.values());
    }
    refs.extend(service.pod.exporter.iter().flat_map(|e| e.secrets.values()));
    refs.extend(service.backup.iter().flat_map(|b| b.secrets.values()));
    refs.extend(service.replication.iter().flat_map(|r| &r.refs));
    // The clients' logins, where the server creates their roles itself.
    if service.pod.creates_logins() {
        refs.extend(service.logins.iter().flat_map(|l| [&l.username, &l.secret]));
    }
    refs.extend(receiver_secrets(service));
    refs
}

/// The sealed value of one key of the Secret `name` in `namespace` (its
/// Kubernetes name), from the platform's `sealed_values`.
pub fn sealed_value<'a>(
    platform: &'a Platform,
    namespace: &str,
    name: &str,
    key: &str,
) -> Option<&'a SealedValue> {
    platform.sealed_values.iter().find(|v| {
        platform.namespaces[v.namespace].k8s_name == namespace && v.name == name && v.key == key
    })
}

/// The Sealed Secrets controller's Service and namespace: the chart that
/// installs the `bitnami.com` API.
pub fn sealing_controller(platform: &Platform) -> Option<(String, String)> {
    platform.deployed().find_map(|(_, service)| {
        let chart = service.chart()?;
        if !chart.render.provides.iter().any(|g| g == "bitnami.com") {
            return None;
        }
        let rendered = chart.render.services.first()?;
        Some((
            for_release(&rendered.name, &service.k8s_name),
            platform.namespace_of(service).k8s_name.clone(),
        ))
    })
}

/// The sealing key a bootstrap installs before the Sealed Secrets
/// controller starts: a key pair the operator generated once and keeps
/// outside the cluster, so that the sealed values of the source open on
/// every cluster built from it, and a lost cluster loses no key.
pub struct SealingKey {
    /// The Secret's name: the chart's `secretName`, the one name its Role
    /// lets the controller read.
    pub name: String,
    pub namespace: String,
    /// The release that installs the controller.
    pub release: String,
}

/// The label the controller finds its keys by, and the value that makes
/// one a key it seals with (upstream's "bring your own certificates").
pub const SEALING_KEY_LABEL: (&str, &str) =
    ("sealedsecrets.bitnami.com/sealed-secrets-key", "active");

/// The platform's sealing key, when it seals Secrets: a controller is
/// installed and a Secret of the platform is sealed (not read from a
/// secret manager). The Secret's name is the chart's `secretName` value.
pub fn sealing_key(platform: &Platform) -> Option<SealingKey> {
    let sealed = needed(platform)
        .values()
        .any(|secret| secret.store != "external");
    if !sealed {
        return None;
    }
    platform.deployed().find_map(|(_, service)| {
        let chart = service.chart()?;
        if !chart.render.provides.iter().any(|g| g == "bitnami.com") {
            return None;
        }
        let crate::model::Data::Map(values) = &chart.values else {
            return None;
        };
        let Some(crate::model::Data::Str(name)) = values.get("secretName") else {
            return None;
        };
        Some(SealingKey {
            name: name.clone(),
            namespace: platform.namespace_of(service).k8s_name.clone(),
            release: service.k8s_name.clone(),
        })
    })
}

/// The command that seals a value, read on standard input, for the Secret
/// `name` in `namespace` with the platform's controller (strict scope).
pub fn kubeseal_command(platform: &Platform, namespace: &str, name: &str) -> String {
    let flags = sealing_controller(platform)
        .map(|(controller, at)| {
            format!(" --controller-name {controller} --controller-namespace {at}")
        })
        .unwrap_or_default();
    format!(
        "printf %s \"$VALUE\" | kubeseal --raw --from-file=/dev/stdin --scope strict{flags} --namespace {namespace} --name {name}"
    )
}

/// The secrets a service's alert receivers read, once each, by name.
pub fn receiver_secrets(service: &crate::model::Service) -> Vec<&SecretRef> {
    let mut found: Vec<&SecretRef> = Vec::new();
    for r in &service.roles.receivers {
        for secret in [&r.smtp_password, &r.slack_url, &r.webhook_url]
            .into_iter()
            .flatten()
        {
            if !found.iter().any(|f| f.name == secret.name) {
                found.push(secret);
            }
        }
    }
    found
}
