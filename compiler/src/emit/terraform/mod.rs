//! The Terraform backend: `terraform/` of the output.
//!
//! One tree per platform, for the provider its `cloud` names:
//!
//! ```text
//! terraform/
//!   README.md            how to apply it
//!   versions.tf          Terraform and provider versions, the state backend
//!   providers.tf         the provider's configuration
//!   variables.tf         inputs, with descriptions and validations
//!   terraform.tfvars     the platform's values of them
//!   main.tf              the cluster module of the platform's provider
//!   buckets.tf           the platform's buckets
//!   identities.tf        an identity for each consumer of a bucket
//!   addresses.tf         the gateway's reserved address (where the cloud
//!                        reserves one)
//!   outputs.tf           cluster id, endpoint, kubeconfig, bucket names,
//!                        credentials, DNS records
//!   bootstrap/           creates the state bucket (local state)
//!   modules/kubernetes-cluster/<provider>-<service>/
//!                        the cloud-agnostic interface's implementation
//! ```
//!
//! `cluster.rs` is the one provider-independent model (a cluster of node
//! pools), `interface.rs` the module interface, `oci.rs` (with
//! `network.rs`), `digitalocean.rs` and `aws.rs` the implementations; `hcl.rs`
//! writes the text. Which providers exist is [`provider`]'s to say;
//! `clouds.rs` reports a platform this backend cannot serve.

mod aws;
mod buckets;
mod cluster;
mod digitalocean;
mod hcl;
mod identities;
mod interface;
mod network;
mod oci;
mod root;
mod variables;

use cluster::Cluster;
use hcl::{Block, Expr, File};
use variables::Variable;

use super::{Context, Output};
use crate::model::Bucket;
use identities::Consumer;

/// What differs between providers; everything else is shared.
trait Provider {
    /// Inputs that say whose account to use (an OCI tenancy and
    /// compartment), in the root, the module and bootstrap alike. The
    /// operator gives their values; hplc cannot know them.
    fn account_inputs(&self) -> Vec<Variable> {
        Vec::new()
    }
    /// Inputs of the module alone (and the root that passes them on), with
    /// the values the root gives them.
    fn module_inputs(&self) -> Vec<Variable> {
        Vec::new()
    }
    fn module_values(&self) -> Vec<(&'static str, Expr)> {
        Vec::new()
    }
    /// Files of the module that are not HCL (a node's boot script), each
    /// under `header`, written in the file's own comments.
    fn text_files(&self, _header: &str) -> Vec<(&'static str, String)> {
        Vec::new()
    }
    /// Outputs of the module beyond the interface's, on how to reach a
    /// private API endpoint: (name, description, value); the root
    /// re-exports them.
    fn access_outputs(&self) -> Vec<(&'static str, &'static str, Expr)> {
        Vec::new()
    }
    /// The reserved public address of the gateway's load balancer, and the
    /// expression of the address; `None` where the cloud cannot reserve
    /// one for a load balancer.
    fn gateway_address(&self, _cluster: &Cluster) -> Option<(Vec<Block>, Expr)> {
        None
    }
    /// The vault of the platform's secrets, and who may read it: the
    /// nodes, whose pods read it as the node's identity (External Secrets
    /// Operator as an instance principal); and the expression of the
    /// vault's id. `None` where this backend has no secret manager.
    fn secret_vault(&self, _cluster: &Cluster) -> Option<(Vec<Block>, Expr)> {
        None
    }
    /// The S3-compatible endpoint of the cloud's object storage, as an
    /// expression of the root (it names the account); `None` where the
    /// cloud's is fixed or unknown.
    fn object_storage_endpoint(&self) -> Option<Expr> {
        None
    }
    /// The identity of one consumer of a bucket, allowed that bucket alone;
    /// `bucket` is the expression of the bucket's name.
    fn identity(&self, consumer: &Consumer, bucket: &str) -> Vec<Block>;
    /// The S3 access key id and secret key of a consumer's identity.
    fn credentials(&self, consumer: &Consumer) -> (Expr, Expr);
    /// `provider "NAME" { ... }`.
    fn configuration(&self) -> Block;
    /// The implementation's own files, beside variables.tf, outputs.tf and
    /// versions.tf.
    fn module_files(&self, cluster: &Cluster) -> Vec<(&'static str, File)>;
    fn outputs(&self) -> interface::Outputs;
    /// Data sources the buckets need (an object storage namespace).
    fn bucket_lookups(&self) -> Vec<Block> {
        Vec::new()
    }
    /// The resources of one bucket; `state` for the Terraform state bucket.
    fn bucket(&self, label: &str, bucket: &Bucket, state: bool) -> Vec<Block>;
    /// The expression of a bucket's name, from its resource.
    fn bucket_name(&self, label: &str) -> String;
    /// `backend "..." { ... }` keeping the state in `bucket`.
    fn backend(&self, cluster: &Cluster, bucket: &Bucket) -> Block;
    /// The `terraform init` command that completes the backend's settings.
    fn backend_init(&self) -> &'static str;
    /// Where the provider reads its credentials from, for the README.
    fn credentials_help(&self) -> &'static str;
}

/// One provider's implementation of the cluster module.
struct Implementation {
    /// The cloud's provider, as stdlib clouds name it, and the provider's
    /// local name in Terraform: `oci`, `digitalocean`, `aws`.
    name: &'static str,
    /// Its directory under modules/kubernetes-cluster/.
    directory: &'static str,
    provider: &'static dyn Provider,
}

const IMPLEMENTATIONS: [Implementation; 3] = [
    Implementation {
        name: "oci",
        directory: "oci-oke",
        provider: &oci::Oci,
    },
    Implementation {
        name: "digitalocean",
        directory: "digitalocean-doks",
        provider: &digitalocean::DigitalOcean,
    },
    Implementation {
        name: "aws",
        directory: "aws-eks",
        provider: &aws::Aws,
    },
];

/// The implementation for a cloud provider, if this backend has one.
fn implementation(provider: &str) -> Option<&'static Implementation> {
    IMPLEMENTATIONS.iter().find(|i| i.name == provider)
}

/// Whether the Terraform tree reserves the gateway's public address, which
/// a build then needs from the cluster's inputs (`gateway_address`).
pub fn reserves_gateway_address(platform: &crate::model::Platform) -> bool {
    let (Some(terraform), Some(implementation)) = (
        &platform.cloud.terraform,
        implementation(&platform.cloud.provider),
    ) else {
        return false;
    };
    // A deployed gateway made by a controller: the Kubernetes backend's
    // public gateway, whose Service asks for the address.
    let gateway = platform
        .deployed()
        .any(|(_, service)| service.roles.ingress && service.operator().is_some());
    gateway
        && implementation
            .provider
            .gateway_address(&Cluster::new(platform, terraform))
            .is_some()
}

pub fn emit(context: &Context, output: &mut Output) {
    let platform = context.platform;
    // A cloud without Terraform data or implementation was reported by
    // clouds::check; there is nothing to write.
    let (Some(terraform), Some(implementation)) = (
        &platform.cloud.terraform,
        implementation(&platform.cloud.provider),
    ) else {
        return;
    };
    let cluster = Cluster::new(platform, terraform);
    for (path, text) in root::files(context, &cluster, implementation) {
        output.add(format!("terraform/{path}"), text);
    }
}

#[cfg(test)]
mod tests {
    /// `clouds::check` says which providers get Terraform from its own
    /// list: it must name exactly the implementations of this backend.
    #[test]
    fn the_checks_know_every_implementation() {
        let implemented: Vec<&str> = super::IMPLEMENTATIONS.iter().map(|i| i.name).collect();
        assert_eq!(implemented, crate::clouds::TERRAFORM_PROVIDERS);
    }
}
