//! Oracle Cloud: OKE (seed 000 module 1, FACTS.md). A BASIC_CLUSTER (its
//! control plane is free) with VCN-native pod networking (the 31 pods a
//! node of stdlib/oci.hpl assume), node pools of flexible shapes with the
//! OCPUs, memory and boot volume each node declares, on the newest OKE
//! image for the pool's architecture; Object Storage buckets; the state in
//! the native `oci` backend.

use super::cluster::{Cluster, LABELS_COMMENT, POOLS_BY_NAME};
use super::hcl::{Block, Expr, File};
use super::interface::Outputs;
use super::variables::Variable;
use super::{network, Provider};
use crate::model::Bucket;

pub struct Oci;

/// The kubeconfig endpoint that matches `endpoint_config`: public only when
/// some network is trusted with the API.
const ENDPOINT_KIND: &str =
    r#"length(var.trusted_cidrs) > 0 ? "PUBLIC_ENDPOINT" : "PRIVATE_ENDPOINT""#;

impl Provider for Oci {
    fn account_inputs(&self) -> Vec<Variable> {
        vec![
            Variable::new("tenancy_ocid", "string", "OCID of the tenancy (OCI console, Tenancy details).")
                .validate(r#"can(regex("^ocid1\\.tenancy\\.", var.tenancy_ocid))"#, "A tenancy OCID starts with ocid1.tenancy."),
            Variable::new("compartment_ocid", "string", "OCID of the compartment that holds the cluster, its network and buckets.").validate(
                r#"can(regex("^ocid1\\.(compartment|tenancy)\\.", var.compartment_ocid))"#,
                "A compartment OCID starts with ocid1.compartment. (or ocid1.tenancy. for the root compartment).",
            ),
        ]
    }

    fn configuration(&self) -> Block {
        Block::new("provider", ["oci"])
            .comment(
                "Credentials come from ~/.oci/config (the DEFAULT profile) or OCI_CLI_* variables.",
            )
            .attr("region", Expr::raw("var.region"))
            .attr("tenancy_ocid", Expr::raw("var.tenancy_ocid"))
    }

    fn module_files(&self, cluster: &Cluster) -> Vec<(&'static str, File)> {
        vec![
            ("network.tf", network::file()),
            ("cluster.tf", cluster_file()),
            ("node_pools.tf", node_pools_file(cluster)),
        ]
    }

    fn outputs(&self) -> Outputs {
        let kubeconfig = "data.oci_containerengine_cluster_kube_config.main.content";
        Outputs {
            cluster_id: Expr::raw("oci_containerengine_cluster.main.id"),
            endpoint: Expr::raw(
                "length(var.trusted_cidrs) > 0 ? \"https://${oci_containerengine_cluster.main.endpoints[0].public_endpoint}\" : \"https://${oci_containerengine_cluster.main.endpoints[0].private_endpoint}\"",
            ),
            ca_certificate: Expr::raw(format!(r#"yamldecode({kubeconfig}).clusters[0].cluster["certificate-authority-data"]"#)),
            kubeconfig: Expr::raw(kubeconfig),
            kubeconfig_command: Expr::template(format!(
                "oci ce cluster create-kubeconfig --cluster-id ${{oci_containerengine_cluster.main.id}} --region ${{var.region}} --token-version 2.0.0 --kube-endpoint ${{{ENDPOINT_KIND}}} --file $HOME/.kube/config"
            )),
        }
    }

    fn bucket_lookups(&self) -> Vec<Block> {
        vec![Block::new("data", ["oci_objectstorage_namespace", "main"])
            .comment("Bucket names are unique within the tenancy's Object Storage namespace.")
            .attr("compartment_id", Expr::raw("var.tenancy_ocid"))]
    }

    fn bucket(&self, label: &str, bucket: &Bucket, state: bool) -> Vec<Block> {
        let mut block = Block::new("resource", ["oci_objectstorage_bucket", label])
            .attr("compartment_id", Expr::raw("var.compartment_ocid"))
            .attr("name", Expr::str(&bucket.k8s_name))
            .attr(
                "namespace",
                Expr::raw("data.oci_objectstorage_namespace.main.namespace"),
            )
            .attr(
                "access_type",
                Expr::str(if bucket.public {
                    "ObjectRead"
                } else {
                    "NoPublicAccess"
                }),
            );
        if state {
            // Every write of the state keeps the previous one.
            block = block.attr("versioning", Expr::str("Enabled"));
        }
        vec![block.attr("freeform_tags", Expr::raw("var.tags"))]
    }

    fn bucket_name(&self, label: &str) -> String {
        format!("oci_objectstorage_bucket.{label}.name")
    }

    fn backend(&self, cluster: &Cluster, bucket: &Bucket) -> Block {
        Block::new("backend", ["oci"])
            .comment("The tenancy's Object Storage namespace completes it at `terraform init`\n(README.md); a backend cannot read variables.")
            .attr("bucket", Expr::str(&bucket.k8s_name))
            .attr("key", Expr::str(cluster.state_key()))
            .attr("region", Expr::str(&cluster.platform.cloud.region))
    }

    fn backend_init(&self) -> &'static str {
        r#"terraform init -backend-config="namespace=$(oci os ns get --query data --raw-output)""#
    }

    fn credentials_help(&self) -> &'static str {
        "the OCI provider reads `~/.oci/config` (`oci setup config`)."
    }
}

fn cluster_file() -> File {
    let cluster = Block::new("resource", ["oci_containerengine_cluster", "main"])
        .attr("compartment_id", Expr::raw("var.compartment_ocid"))
        .attr("kubernetes_version", Expr::raw("var.kubernetes_version"))
        .attr("name", Expr::raw("var.cluster_name"))
        .attr("vcn_id", Expr::raw("oci_core_vcn.main.id"))
        .comment("BASIC_CLUSTER: the control plane is free (FACTS.md, OKE pricing).")
        .attr("type", Expr::str("BASIC_CLUSTER"))
        .attr("freeform_tags", Expr::raw("var.tags"))
        .block(
            Block::new::<&str>("cluster_pod_network_options", [])
                .attr("cni_type", Expr::str("OCI_VCN_IP_NATIVE")),
        )
        .block(
            Block::new::<&str>("endpoint_config", [])
                .attr("subnet_id", Expr::raw("oci_core_subnet.api_endpoint.id"))
                .attr(
                    "is_public_ip_enabled",
                    Expr::raw("length(var.trusted_cidrs) > 0"),
                ),
        )
        .block(Block::new::<&str>("options", []).attr(
            "service_lb_subnet_ids",
            Expr::List(vec![Expr::raw("oci_core_subnet.load_balancers.id")]),
        ));
    let kubeconfig = Block::new("data", ["oci_containerengine_cluster_kube_config", "main"])
        .attr(
            "cluster_id",
            Expr::raw("oci_containerengine_cluster.main.id"),
        )
        .attr("endpoint", Expr::raw(ENDPOINT_KIND))
        .attr("token_version", Expr::str("2.0.0"));
    File::of_blocks([cluster, kubeconfig])
}

fn node_pools_file(cluster: &Cluster) -> File {
    let prefixes = Expr::string_map(&cluster.terraform.images);
    let locals = Block::new::<&str>("locals", [])
        .attr("node_pools", Expr::raw(POOLS_BY_NAME))
        .comment(format!("OKE image name prefixes by architecture ({}).", cluster.terraform.provenance.name))
        .attr("image_prefixes", prefixes)
        .comment("OKE images name the Kubernetes version they carry: ...-OKE-1.31.1-747.")
        .attr("image_version", Expr::template(r#"-OKE-${trimprefix(var.kubernetes_version, "v")}-"#))
        .comment("Every OKE image of the region, by name.")
        .attr(
            "images",
            Expr::raw("{ for source in data.oci_containerengine_node_pool_option.all.sources : source.source_name => source.image_id }"),
        )
        .comment("For each pool, the images of its architecture and Kubernetes version;\nthe newest sorts last (the names carry the build date).")
        .attr(
            "node_images",
            Expr::raw("{ for name, pool in local.node_pools : name => { for image, id in local.images : image => id if startswith(image, local.image_prefixes[pool.arch]) && strcontains(image, local.image_version) } }"),
        );
    let domains = Block::new("data", ["oci_identity_availability_domains", "all"])
        .attr("compartment_id", Expr::raw("var.tenancy_ocid"));
    let options = Block::new("data", ["oci_containerengine_node_pool_option", "all"])
        .attr("node_pool_option_id", Expr::str("all"))
        .attr("compartment_id", Expr::raw("var.compartment_ocid"));
    let labels = Block::dynamic_fields(
        "initial_node_labels",
        "each.value.labels",
        &[("key", "key"), ("value", "value")],
    );
    let preemptible = Block::dynamic(
        "preemptible_node_config",
        Expr::raw("each.value.preemptible ? [each.value] : []"),
        Block::new::<&str>("content", []).block(
            Block::new::<&str>("preemption_action", []).attr("type", Expr::str("TERMINATE")),
        ),
    );
    let placement = Block::new::<&str>("placement_configs", [])
        .comment("The home region's first availability domain (Always Free A1 capacity is\nin the home region).")
        .attr("availability_domain", Expr::raw("data.oci_identity_availability_domains.all.availability_domains[0].name"))
        .attr("subnet_id", Expr::raw("oci_core_subnet.nodes.id"))
        .block(preemptible);
    let config = Block::new::<&str>("node_config_details", [])
        .attr("size", Expr::raw("each.value.min_nodes"))
        .attr("freeform_tags", Expr::raw("var.tags"))
        .block(placement)
        .block(
            Block::new::<&str>("node_pool_pod_network_option_details", [])
                .attr("cni_type", Expr::str("OCI_VCN_IP_NATIVE"))
                .attr(
                    "pod_subnet_ids",
                    Expr::List(vec![Expr::raw("oci_core_subnet.nodes.id")]),
                ),
        );
    let shape = Block::dynamic_fields(
        "node_shape_config",
        "each.value.ocpus == null ? [] : [each.value]",
        &[
            ("ocpus", "value.ocpus"),
            ("memory_in_gbs", "value.memory_gb"),
        ],
    );
    let source = Block::new::<&str>("node_source_details", [])
        .attr("source_type", Expr::str("IMAGE"))
        .attr(
            "image_id",
            Expr::raw(
                "local.node_images[each.key][reverse(sort(keys(local.node_images[each.key])))[0]]",
            ),
        )
        .attr(
            "boot_volume_size_in_gbs",
            Expr::raw("each.value.boot_volume_gb"),
        );
    let precondition = Block::new::<&str>("precondition", [])
        .attr("condition", Expr::raw("length(local.node_images[each.key]) > 0"))
        .attr("error_message", Expr::template("No OKE image for ${each.value.arch} and Kubernetes ${var.kubernetes_version} in this region."));
    let pool = Block::new("resource", ["oci_containerengine_node_pool", "pool"])
        .comment("One pool for each declared node, named after it (terraform.tfvars).")
        .attr("for_each", Expr::raw("local.node_pools"))
        .attr(
            "cluster_id",
            Expr::raw("oci_containerengine_cluster.main.id"),
        )
        .attr("compartment_id", Expr::raw("var.compartment_ocid"))
        .attr("kubernetes_version", Expr::raw("var.kubernetes_version"))
        .attr("name", Expr::raw("each.key"))
        .attr("node_shape", Expr::raw("each.value.size"))
        .attr("freeform_tags", Expr::raw("var.tags"))
        .comment(LABELS_COMMENT)
        .block(labels)
        .block(config)
        .block(shape)
        .block(source)
        .block(Block::new::<&str>("lifecycle", []).block(precondition));
    File::of_blocks([locals, domains, options, pool])
}
