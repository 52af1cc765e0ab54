//! DigitalOcean: DOKS, as in seed 001 §5.4. A VPC, a cluster whose first
//! node pool lives in the cluster resource (DOKS requires one there) and
//! the rest as node pools of their own, the Kubernetes API behind the
//! control plane firewall (trusted addresses only; none: the VPC alone),
//! Spaces buckets and a Spaces key per bucket consumer, the state in Spaces
//! through the S3 backend with a lock file beside it.
//!
//! A droplet's size fixes its disk, so a pool's `boot_volume_gb` is not
//! passed on; DOKS has no spot droplets, so `preemptible` is not either.

use super::cluster::{version_offered, Cluster};
use super::hcl::{Block, Expr, File};
use super::identities::Consumer;
use super::interface::Outputs;
use super::Provider;
use crate::model::Bucket;

pub struct DigitalOcean;

/// The settings every DOKS node pool takes from an interface node pool
/// `pool` (an expression).
fn pool_settings(block: Block, pool: &str) -> Block {
    block
        .attr("name", Expr::raw(format!("{pool}.name")))
        .attr("size", Expr::raw(format!("{pool}.size")))
        .comment("A fixed size unless the pool scales itself.")
        .attr(
            "node_count",
            Expr::raw(format!("{pool}.auto_scale ? null : {pool}.min_nodes")),
        )
        .attr("auto_scale", Expr::raw(format!("{pool}.auto_scale")))
        .attr("min_nodes", Expr::raw(format!("{pool}.min_nodes")))
        .attr("max_nodes", Expr::raw(format!("{pool}.max_nodes")))
        .attr("labels", Expr::raw(format!("{pool}.labels")))
        .attr("tags", Expr::raw("local.tags"))
}

impl Provider for DigitalOcean {
    fn identity(&self, consumer: &Consumer, bucket: &str) -> Vec<Block> {
        vec![
            Block::new("resource", ["digitalocean_spaces_key", &consumer.label])
                .attr("name", Expr::str(&consumer.name))
                .comment("Its own bucket, nothing else.")
                .block(
                    Block::new::<&str>("grant", [])
                        .attr("bucket", Expr::raw(bucket))
                        .attr("permission", Expr::str("readwrite")),
                ),
        ]
    }

    fn credentials(&self, consumer: &Consumer) -> (Expr, Expr) {
        let key = format!("digitalocean_spaces_key.{}", consumer.label);
        (
            Expr::raw(format!("{key}.access_key")),
            Expr::raw(format!("{key}.secret_key")),
        )
    }

    fn configuration(&self) -> Block {
        Block::new::<&str>("provider", ["digitalocean"])
            .comment("The API token comes from DIGITALOCEAN_TOKEN, the Spaces keys from\nSPACES_ACCESS_KEY_ID and SPACES_SECRET_ACCESS_KEY.")
    }

    fn module_files(&self, _cluster: &Cluster) -> Vec<(&'static str, File)> {
        let locals = Block::new::<&str>("locals", [])
            .comment("DigitalOcean tags are plain names: KEY:VALUE.")
            .attr("tags", Expr::raw(r#"sort([for key, value in var.tags : "${key}:${value}"])"#))
            .comment("The first pool is the cluster's own; the others are resources of their own.")
            .attr("default_pool", Expr::raw("var.node_pools[0]"))
            .attr("other_pools", Expr::raw("{ for pool in slice(var.node_pools, 1, length(var.node_pools)) : pool.name => pool }"));
        let vpc = Block::new("resource", ["digitalocean_vpc", "main"])
            .attr("name", Expr::template("${var.cluster_name}-vpc"))
            .attr("region", Expr::raw("var.region"))
            .attr("ip_range", Expr::raw("var.network_cidr"));
        let versions = Block::new("data", ["digitalocean_kubernetes_versions", "main"])
            .comment("The newest DOKS release of the platform's minor version (DOKS names\nreleases 1.34.1-do.0 and retires old patches).")
            .attr("version_prefix", Expr::template("${var.kubernetes_version}."));
        let offered = version_offered(
            "DOKS",
            "length(data.digitalocean_kubernetes_versions.main.valid_versions) > 0",
            "",
        );
        let cluster = Block::new("resource", ["digitalocean_kubernetes_cluster", "main"])
            .attr("name", Expr::raw("var.cluster_name"))
            .attr("region", Expr::raw("var.region"))
            .attr(
                "version",
                Expr::raw("data.digitalocean_kubernetes_versions.main.latest_version"),
            )
            .attr("vpc_uuid", Expr::raw("digitalocean_vpc.main.id"))
            .attr("tags", Expr::raw("local.tags"))
            .block(pool_settings(
                Block::new::<&str>("node_pool", []),
                "local.default_pool",
            ))
            .comment("The Kubernetes API from the trusted networks only; none: from the VPC\nalone (a droplet in it).")
            .block(
                Block::new::<&str>("control_plane_firewall", [])
                    .attr("enabled", Expr::Bool(true))
                    .attr(
                        "allowed_addresses",
                        Expr::raw("length(var.trusted_cidrs) > 0 ? var.trusted_cidrs : [var.network_cidr]"),
                    ),
            )
            .block(offered);
        let pools = pool_settings(
            Block::new("resource", ["digitalocean_kubernetes_node_pool", "pool"])
                .attr("for_each", Expr::raw("local.other_pools"))
                .attr(
                    "cluster_id",
                    Expr::raw("digitalocean_kubernetes_cluster.main.id"),
                ),
            "each.value",
        );
        vec![
            ("network.tf", File::of_blocks([vpc])),
            (
                "cluster.tf",
                File::of_blocks([locals, versions, cluster, pools]),
            ),
        ]
    }

    fn outputs(&self) -> Outputs {
        let cluster = "digitalocean_kubernetes_cluster.main";
        Outputs {
            cluster_id: Expr::raw(format!("{cluster}.id")),
            endpoint: Expr::raw(format!("{cluster}.endpoint")),
            ca_certificate: Expr::raw(format!("{cluster}.kube_config[0].cluster_ca_certificate")),
            kubeconfig: Expr::raw(format!("{cluster}.kube_config[0].raw_config")),
            kubeconfig_command: Expr::template(format!(
                "doctl kubernetes cluster kubeconfig save ${{{cluster}.id}}"
            )),
        }
    }

    fn bucket(&self, label: &str, bucket: &Bucket, state: bool) -> Vec<Block> {
        let mut block = Block::new("resource", ["digitalocean_spaces_bucket", label])
            .attr("name", Expr::str(&bucket.cloud_name))
            .attr("region", Expr::raw("var.region"))
            .attr(
                "acl",
                Expr::str(if bucket.public {
                    "public-read"
                } else {
                    "private"
                }),
            );
        if state {
            // Every write of the state keeps the previous one.
            block =
                block.block(Block::new::<&str>("versioning", []).attr("enabled", Expr::Bool(true)));
        }
        vec![block]
    }

    fn bucket_name(&self, label: &str) -> String {
        format!("digitalocean_spaces_bucket.{label}.name")
    }

    fn backend(&self, cluster: &Cluster, bucket: &Bucket) -> Block {
        let cloud = &cluster.platform.cloud;
        Block::new("backend", ["s3"])
            .comment("Spaces speaks S3; the checks below are AWS's own and do not apply.")
            .attr("bucket", Expr::str(&bucket.cloud_name))
            .attr("key", Expr::str(cluster.state_key()))
            .attr("region", Expr::str(&cloud.region))
            .attr(
                "endpoints",
                Expr::Object(vec![(
                    "s3".into(),
                    Expr::str(&cloud.object_storage_endpoint),
                )]),
            )
            .attr("skip_credentials_validation", Expr::Bool(true))
            .attr("skip_metadata_api_check", Expr::Bool(true))
            .attr("skip_region_validation", Expr::Bool(true))
            .attr("skip_requesting_account_id", Expr::Bool(true))
            .attr("skip_s3_checksum", Expr::Bool(true))
            .comment("A lock file beside the state (Terraform 1.10+, conditional writes;\nSpaces' support of them UNCONFIRMED).")
            .attr("use_lockfile", Expr::Bool(true))
    }

    fn backend_init(&self) -> &'static str {
        "export AWS_ACCESS_KEY_ID=$SPACES_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$SPACES_SECRET_ACCESS_KEY\n    terraform init"
    }

    fn credentials_help(&self) -> &'static str {
        "`DIGITALOCEAN_TOKEN` (API token) and `SPACES_ACCESS_KEY_ID` / `SPACES_SECRET_ACCESS_KEY` (Spaces keys). The state backend reads the Spaces keys as `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` in `init`, `plan` and `apply` alike: export them in the shell you run Terraform from, as below."
    }
}
