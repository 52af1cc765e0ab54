//! Whether the platform's nodes and its cloud fit together: every node's
//! shape must be one the cloud's provider offers (the Terraform backend maps
//! each node onto a node pool of that provider), and the Terraform backend
//! must know how to provision the cloud, or it says that it writes nothing.
//! The cluster's Kubernetes version must have the form the cloud writes
//! and be one it offers; its pod network must be one of the cloud's.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::Platform;

/// The providers the Terraform backend (`emit/terraform`) has an
/// implementation for. Checks run before any backend, so the backend's
/// table is checked against this list by its own test rather than asked.
pub const TERRAFORM_PROVIDERS: [&str; 3] = ["oci", "digitalocean", "aws"];

pub fn check(platform: &Platform, diagnostics: &mut Diagnostics) {
    kubernetes(platform, diagnostics);
    let cloud = &platform.cloud;
    let offers: Vec<String> = platform
        .shapes
        .iter()
        .filter(|s| s.provider == cloud.provider)
        .map(|s| format!("`{}` ({})", s.path, s.name))
        .collect();
    for node in platform
        .nodes
        .iter()
        .filter(|n| n.shape.provider != cloud.provider)
    {
        let help = if offers.is_empty() {
            format!("the loaded modules declare no shape for `{}`; declare one with `provider = \"{}\"`", cloud.provider, cloud.provider)
        } else {
            format!("use a shape of `{}`: {}", cloud.provider, offers.join(", "))
        };
        diagnostics.push(
            Diagnostic::new(
                Code::ShapeOfAnotherCloud,
                node.shape_span,
                format!(
                    "node `{}` has the shape `{}` of `{}`, but the platform runs on `{}` ({})",
                    node.name,
                    node.shape.name,
                    node.shape.provider,
                    cloud.provider,
                    cloud.provenance.name
                ),
            )
            .label(format!("a shape of `{}`", node.shape.provider))
            .help(help),
        );
    }
    // An existing cluster is not provisioned, on purpose: nothing to say.
    let implemented = TERRAFORM_PROVIDERS.contains(&cloud.provider.as_str());
    if !cloud.existing && (!implemented || cloud.terraform.is_none()) {
        let why = if implemented {
            format!(
                "the cloud `{}` has no `terraform` data",
                cloud.provenance.name
            )
        } else {
            format!(
                "hplc has no Terraform for the provider `{}`",
                cloud.provider
            )
        };
        diagnostics.push(
            Diagnostic::new(Code::NoTerraform, platform.span, format!("no Terraform is generated for this platform: {why}"))
                .label("its cloud cannot be provisioned by hplc")
                .help("the Kubernetes and Grafana files are still written; Terraform is generated for the providers oci, digitalocean and aws"),
        );
    }
}

/// The Kubernetes version and the pod network against the cloud's managed
/// Kubernetes.
fn kubernetes(platform: &Platform, diagnostics: &mut Diagnostics) {
    let Some(service) = &platform.cloud.kubernetes else {
        return;
    };
    let version = &platform.kubernetes_version;
    let span = platform.kubernetes_version_span;
    let supported: Vec<String> = service
        .versions
        .iter()
        .filter(|r| r.supported)
        .map(|r| format!("`{}`", r.version))
        .collect();
    let supported = if supported.is_empty() {
        "none is listed".to_string()
    } else {
        format!("the stdlib lists {}", supported.join(", "))
    };
    if !service.matches_format(version) {
        diagnostics.push(
            Diagnostic::new(
                Code::KubernetesVersionFormat,
                span,
                format!(
                    "Kubernetes version `{version}` is not in the form {} writes its versions in, `{}` (`N` a number)",
                    service.name, service.version_format
                ),
            )
            .label(format!("not `{}`", service.version_format))
            .help(format!("write a version {} offers: {supported}", service.name)),
        );
    } else {
        let why = match service.release(version) {
            Some(release) if !release.supported => Some(format!(
                "{} no longer offers Kubernetes `{version}` for new clusters{} ({})",
                service.name,
                if release.end_of_support.is_empty() {
                    String::new()
                } else {
                    format!(", since {}", release.end_of_support)
                },
                release.source
            )),
            Some(_) => None,
            None => Some(format!(
                "the stdlib does not list Kubernetes `{version}` among the versions {} offers",
                service.name
            )),
        };
        if let Some(why) = why {
            diagnostics.push(
                Diagnostic::new(Code::UnsupportedKubernetesVersion, span, why)
                    .label("may not be offered")
                    .help(format!("{supported}; the generated Terraform fails its plan if the provider does not offer the version")),
            );
        }
    }
    let network = &platform.pod_network;
    if network.provider != platform.cloud.provider {
        let replaces = if network.provider.is_empty() {
            String::new()
        } else {
            format!(
                ": installing `{}` would replace the CNI that {} runs on its node pools",
                network.name, service.name
            )
        };
        let policy = match service.pod_network.network_policy.as_str() {
            "" => String::new(),
            how => format!(" (NetworkPolicies: {how})"),
        };
        diagnostics.push(
            Diagnostic::new(
                Code::PodNetworkOfAnotherProvider,
                platform.pod_network_span,
                format!(
                    "the pod network `{}` is not one {} offers{replaces}",
                    network.provenance.name, service.name
                ),
            )
            .label(format!("a pod network of `{}`", network.provider))
            .help(format!(
                "use a pod network of `{}`, such as `{}.{}`{policy}",
                platform.cloud.provider,
                platform.cloud.provider,
                service.pod_network.provenance.name
            )),
        );
    }
}
