//! Safety checks on the model: images pinned and runnable on the nodes' CPU
//! architecture, TLS on every public endpoint, a Pod Security level on
//! every namespace, no secret values in the source; the Kubernetes API
//! open only to real, trusted networks (`api_access`); no admin port
//! published (`admin_ports`); a sealed value for every key of every
//! SealedSecret (`secrets`); a backup path for every volume that holds
//! data (`backups`).

mod admin_ports;
mod api_access;
mod backups;

pub use backups::unprotected_volumes;
mod secrets;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::Platform;
use crate::placement::Plan;
use crate::source::Span;

/// The checks of where replicas run: a backup path for every volume, an
/// arm64 image where a replica lands on an arm64 node.
pub fn check_placed(platform: &Platform, plan: &Plan, diagnostics: &mut Diagnostics) {
    backups::check(platform, plan, diagnostics);
    for (id, service) in platform.deployed() {
        let mut nodes: Vec<&str> = plan
            .nodes_of(id)
            .into_iter()
            .filter(|n| platform.nodes[*n].shape.arch == "arm64")
            .map(|n| platform.nodes[n].name.as_str())
            .collect();
        if !service.pod.multi_arch && !nodes.is_empty() {
            nodes.dedup();
            diagnostics.push(
                Diagnostic::new(Code::NoArm64, service.pod.image_span, format!(
                    "`{}` is placed on the arm64 node{} {}, but its image is not known to have an arm64 variant",
                    service.name,
                    if nodes.len() == 1 { "" } else { "s" },
                    nodes.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                ))
                .label("no known linux/arm64 image")
                .help("if the image publishes linux/arm64, say so with `multi_arch = true`; otherwise build one or run it on an amd64 node"),
            );
        }
    }
}

/// The checks of the model alone, which need no placement: they run
/// while the replicas are being placed.
pub fn check_model(platform: &Platform, diagnostics: &mut Diagnostics) {
    api_access::check(platform, diagnostics);
    admin_ports::check(platform, diagnostics);
    secrets::check(platform, diagnostics);
    let mut workloads = vec![0usize; platform.namespaces.len()];
    for service in &platform.services {
        workloads[service.namespace] += 1;
    }
    for (id, namespace) in platform.namespaces.iter().enumerate() {
        if !namespace.managed && workloads[id] == 0 {
            diagnostics.push(
                Diagnostic::new(
                    Code::EmptyNamespace,
                    namespace.span,
                    format!("namespace `{}` has no workloads", namespace.name),
                )
                .label("nothing runs here")
                .help("remove it, or place a service in it with `namespace = ...`"),
            );
        }
        if namespace.pod_security.is_none() {
            diagnostics.push(
                Diagnostic::new(Code::NoPodSecurity, namespace.span, format!("namespace `{}` has no Pod Security level", namespace.name))
                    .label("no `pod_security`")
                    .help("set `pod_security = restricted` (or `baseline`/`privileged` where a workload truly needs host access)"),
            );
        }
    }
    for (_, service) in platform.deployed() {
        if let Some(tag_start) = latest_tag(&service.pod.image) {
            let span = Span {
                start: service.pod.image_span.start + 1 + tag_start as u32,
                end: service.pod.image_span.end - 1,
                ..service.pod.image_span
            };
            diagnostics.push(
                Diagnostic::new(
                    Code::LatestTag,
                    span,
                    format!("`{}` runs the `latest` tag", service.name),
                )
                .label("`latest` moves under you")
                .help("pin a release tag (`:1.4.2`) or a digest (`@sha256:...`)"),
            );
        }
        for endpoint in service.expose.iter().filter(|e| !e.tls) {
            diagnostics.push(
                Diagnostic::new(Code::PublicWithoutTls, endpoint.span, format!("`{}` is public at {} without TLS", service.name, endpoint.host))
                    .label("tls = false")
                    .help("remove `tls = false`: hplc issues a certificate through cert-manager for every public host"),
            );
        }
        if let Some(balancer) = service
            .load_balancer
            .as_ref()
            .filter(|b| !b.tls && !b.plaintext)
        {
            diagnostics.push(
                Diagnostic::new(Code::PlaintextLoadBalancer, balancer.span, format!("`{}` is public on its own load balancer without TLS", service.name))
                    .label("tls = false, not acknowledged")
                    .help("serve TLS on these ports and say `tls = true`, put the service behind the ingress with `expose` (hplc issues its certificate), or acknowledge plain traffic with `plaintext = true`"),
            );
        }
        for (name, value) in &service.pod.env {
            if let Some(why) = secret_like(name, value) {
                let span = service
                    .pod
                    .env_spans
                    .get(name)
                    .copied()
                    .unwrap_or(service.span);
                diagnostics.push(
                    Diagnostic::new(Code::SecretInSource, span, format!("`{}` sets `{name}` to what looks like a secret value ({why})", service.name))
                        .label("secret in the source")
                        .help(format!("keep the value out of the source: `secret {name} = {{ store = sealed, name = \"...\", key = \"...\" }}`")),
                );
            }
        }
    }
}

/// Where the tag starts, when the image's tag is `latest`.
fn latest_tag(image: &str) -> Option<usize> {
    let name = image.split('@').next().unwrap_or(image);
    let slash = name.rfind('/').map(|i| i + 1).unwrap_or(0);
    let colon = name[slash..].find(':')? + slash;
    (&name[colon + 1..] == "latest").then_some(colon + 1)
}

/// Why an environment variable looks like it carries a secret, if it does.
fn secret_like(name: &str, value: &str) -> Option<&'static str> {
    if value.is_empty() || value.starts_with("$(") {
        return None;
    }
    let lower = name.to_ascii_lowercase();
    const NAMES: [&str; 7] = [
        "password",
        "passwd",
        "secret",
        "token",
        "api_key",
        "apikey",
        "private_key",
    ];
    if NAMES.iter().any(|n| lower.contains(n)) {
        return Some("its name says it is a credential");
    }
    if value.contains("-----BEGIN") && value.contains("PRIVATE KEY") {
        return Some("a private key");
    }
    let bytes = value.as_bytes();
    if bytes.len() == 20
        && value.starts_with("AKIA")
        && bytes
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return Some("an AWS access key id");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_latest_tags() {
        assert_eq!(latest_tag("nginx:latest"), Some(6));
        assert_eq!(latest_tag("localhost:5000/app:latest"), Some(19));
        assert_eq!(latest_tag("nginx:1.27"), None);
    }

    #[test]
    fn recognises_secret_values() {
        assert!(secret_like("DB_PASSWORD", "hunter2").is_some());
        assert!(secret_like("AWS_KEY", "AKIAIOSFODNN7EXAMPLE").is_some());
        assert!(secret_like("LOG_LEVEL", "info").is_none());
        assert!(secret_like("REDIS_PASSWORD", "$(REDIS_PASSWORD)").is_none());
    }
}
