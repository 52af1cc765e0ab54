//! Whether a workload's access to a bucket (`object_storage`) can work: the
//! cloud must offer workloads an S3-compatible endpoint the stdlib knows
//! (its `s3_endpoint`), and the access must name the key pair that signs
//! its requests, since the Terraform tree creates that pair for this
//! workload alone and the pod has no other credentials.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::{Platform, S3_KEY_PAIR};

pub fn check(platform: &Platform, diagnostics: &mut Diagnostics) {
    for (_, service) in platform.deployed() {
        let Some(access) = &service.object_storage else {
            continue;
        };
        let missing: Vec<&str> = S3_KEY_PAIR
            .into_iter()
            .filter(|name| !access.secrets.contains_key(*name))
            .collect();
        if !missing.is_empty() {
            let names = missing
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(" and ");
            diagnostics.push(
                Diagnostic::new(
                    Code::BucketAccessWithoutKeys,
                    access.span,
                    format!(
                        "`{}` reads a bucket through the S3 endpoint without its key pair: no secret {names}",
                        service.name
                    ),
                )
                .label(format!("no {names}"))
                .help(format!(
                    "name the Secret its key pair is kept in: `secret {} = {{ store = sealed, name = \"{}-s3\", key = \"access-key\" }}` and `secret {} = {{ ..., key = \"secret-key\" }}`; the Terraform output `object_storage_credentials` gives the values",
                    S3_KEY_PAIR[0], service.k8s_name, S3_KEY_PAIR[1]
                )),
            );
        }
        if platform.cloud.s3_endpoint.is_empty() {
            diagnostics.push(
                Diagnostic::new(
                    Code::NoS3Endpoint,
                    access.span,
                    format!(
                        "`{}` reads a bucket through the S3 endpoint, but the cloud `{}` has none the stdlib knows",
                        service.name, platform.cloud.provenance.name
                    ),
                )
                .label("no S3 endpoint to reach")
                .help("remove `object_storage`, or run on a cloud whose `s3_endpoint` the stdlib gives (OCI, AWS, DigitalOcean)"),
            );
        }
    }
}
