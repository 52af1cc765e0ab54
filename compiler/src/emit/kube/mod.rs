//! What every backend that writes Kubernetes documents shares: objects as
//! ordered YAML with hplc's metadata, the names and labels of what is
//! generated for a service, and where a namespace's documents go. The
//! Kubernetes backend and the Grafana backend (its ConfigMaps and rules)
//! both build on it; it depends on neither.

pub mod address;
pub mod argo;
pub mod labels;
pub mod object;
pub mod quantity;
pub mod secrets;

/// `k8s/<namespace>.yaml`: everything generated into one namespace, by
/// every backend (the Grafana backend's ConfigMaps and rules too). One file
/// per namespace rather than per service keeps a large platform to
/// hundreds of files, not tens of thousands.
pub fn namespace_file(namespace: &str) -> String {
    format!("k8s/{namespace}.yaml")
}

/// The directory of the secret references (SealedSecrets, ExternalSecrets
/// and their ClusterSecretStore), a file per namespace: the bootstrap
/// applies it on its own, before the charts that read those Secrets.
pub const SECRETS_DIR: &str = "k8s/secrets/";

/// `k8s/secrets/<namespace>.yaml`.
pub fn secrets_file(namespace: &str) -> String {
    format!("{SECRETS_DIR}{namespace}.yaml")
}

/// The ClusterIssuer of the platform's TLS stage (`tls_stage`), which the
/// gateway names and the README cites.
pub fn issuer_name(platform: &crate::model::Platform) -> String {
    issuer_of_stage(platform, &platform.tls_stage)
}

/// `<platform>-acme` for production, `<platform>-acme-staging` for staging.
pub fn issuer_of_stage(platform: &crate::model::Platform, stage: &str) -> String {
    match stage {
        "production" => format!("{}-acme", labels::part_of(platform)),
        _ => format!("{}-acme-{stage}", labels::part_of(platform)),
    }
}
