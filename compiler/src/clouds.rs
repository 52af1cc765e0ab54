//! Whether the platform's nodes and its cloud fit together: every node's
//! shape must be one the cloud's provider offers (the Terraform backend maps
//! each node onto a node pool of that provider), and the Terraform backend
//! must know how to provision the cloud, or it says that it writes nothing.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::Platform;

/// The providers the Terraform backend (`emit/terraform`) has an
/// implementation for. Checks run before any backend, so the backend's
/// table is checked against this list by its own test rather than asked.
pub const TERRAFORM_PROVIDERS: [&str; 3] = ["oci", "digitalocean", "aws"];

pub fn check(platform: &Platform, diagnostics: &mut Diagnostics) {
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
    let implemented = TERRAFORM_PROVIDERS.contains(&cloud.provider.as_str());
    if !implemented || cloud.terraform.is_none() {
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
