//! What `hplc build` needs from the cluster's inputs file (kind `inputs`,
//! `--inputs FILE`): each value the platform leaves to it, with the
//! Terraform output or variable that gives it. Checked only when a build
//! asks (`Inputs::required`); `hplc check` and the editor check what is
//! given.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::Platform;

/// Every value the platform needs from the inputs, missing ones as E0121.
pub fn check(platform: &Platform, diagnostics: &mut Diagnostics) {
    let inputs = &platform.inputs;
    let mut missing: Vec<(&str, &str)> = Vec::new();
    if !inputs.trusted_cidrs_set {
        missing.push((
            "trusted_cidrs",
            "the Terraform variable `trusted_cidrs` (the networks that may reach the Kubernetes API; `[]`: none, the API stays private)",
        ));
    }
    if inputs.gateway_address.is_none()
        && crate::emit::terraform::reserves_gateway_address(platform)
    {
        missing.push((
            "gateway_address",
            "the Terraform output `gateway_address` (`terraform -chdir=terraform output -raw gateway_address`)",
        ));
    }
    let external = crate::model::secrets::needed(platform)
        .values()
        .any(|secret| secret.store == "external");
    if inputs.vault_id.is_none() && external && platform.cloud.provider == "oci" {
        missing.push((
            "vault_id",
            "the Terraform output `vault_id` (`terraform -chdir=terraform output -raw vault_id`), the vault of the platform's secrets",
        ));
    }
    let accessed = platform.reaches_object_storage();
    if inputs.object_storage_namespace.is_none()
        && accessed
        && platform.cloud.s3_endpoint.contains("{namespace}")
    {
        missing.push((
            "object_storage_namespace",
            "the Terraform output `hplc_inputs` (`terraform -chdir=terraform output -raw hplc_inputs`; `oci os ns get` prints it too), the tenancy's Object Storage namespace that names the S3 endpoint (of the data lake's workloads, of the replicated clusters' archives)",
        ));
    }
    for (name, source) in missing {
        let (span, label) = match inputs.span {
            Some(span) => (span, format!("these inputs have no `{name}`")),
            None => (platform.span, "built without an inputs file".to_string()),
        };
        diagnostics.push(
            Diagnostic::new(
                Code::MissingInput,
                span,
                format!("the build needs the input `{name}`, from {source}"),
            )
            .label(label)
            .help(format!(
                "give the cluster's inputs with `hplc build --inputs FILE`: after `terraform apply`, `terraform -chdir=terraform output -raw hplc_inputs > inputs.hpl` writes it; inputs.example shows the form (`inputs cluster {{ {name} = ... }}`)"
            )),
        );
    }
}
