//! Oracle Cloud: OKE (seed 000 module 1). A BASIC_CLUSTER (its control
//! plane is free) on the pod network the platform names (flannel by
//! default), asserted at plan time to run a Kubernetes version OKE still
//! offers; node pools of flexible shapes with the OCPUs, memory and boot
//! volume each node declares, on the newest OKE image of the pool's
//! architecture when the pool is created (a newer one is an explicit
//! replacement, never a diff), with a cloud-init that joins the node and
//! grows its root file system; a private API endpoint reached through an
//! OCI Bastion when no network is trusted with it; Object Storage buckets,
//! a reserved public address for the gateway's load balancer, an IAM user
//! per Object Storage consumer; the state in the native `oci` backend.

use super::cluster::{version_offered, Cluster, LABELS_COMMENT, POOLS_BY_NAME};
use super::hcl::{Block, Expr, File};
use super::identities::Consumer;
use super::interface::Outputs;
use super::variables::Variable;
use super::{network, Provider};
use crate::model::Bucket;

pub struct Oci;

/// The kubeconfig endpoint that matches `endpoint_config`: public only when
/// some network is trusted with the API.
const ENDPOINT_KIND: &str =
    r#"length(var.trusted_cidrs) > 0 ? "PUBLIC_ENDPOINT" : "PRIVATE_ENDPOINT""#;

/// The boot script of every node pool (`node_metadata.user_data`): OKE's
/// own init script, fetched from the instance metadata, then the root file
/// system grown to the boot volume.
const CLOUD_INIT: &str = r#"set -euo pipefail
curl --fail -H "Authorization: Bearer Oracle" -L0 http://169.254.169.254/opc/v2/instance/metadata/oke_init_script | base64 --decode >/var/run/oke-init.sh
bash /var/run/oke-init.sh
/usr/libexec/oci-growfs -y
"#;

/// Where the cloud-init steps come from.
const CLOUD_INIT_SOURCE: &str =
    "https://oracle.github.io/cluster-api-provider-oci/managed/boot-volume-expansion.html";

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

    fn module_inputs(&self) -> Vec<Variable> {
        vec![Variable::new(
            "bastion_client_cidrs",
            "list(string)",
            "Networks that may open sessions on the OCI Bastion of a private API endpoint. A session also needs an OCI user allowed to manage bastion sessions and the SSH key it was created with, and lasts three hours at most.",
        )
        .validate("alltrue([for cidr in var.bastion_client_cidrs : can(cidrhost(cidr, 0))])", "Every bastion client network must be a CIDR block.")]
    }

    fn module_values(&self) -> Vec<(&'static str, Expr)> {
        vec![("bastion_client_cidrs", Expr::strings(["0.0.0.0/0"]))]
    }

    fn text_files(&self, header: &str) -> Vec<(&'static str, String)> {
        let mut text = String::from("#!/bin/bash\n");
        for line in header.lines() {
            text.push_str(&format!("# {line}\n"));
        }
        text.push_str(&format!("#\n# The cloud-init of every node pool (node_metadata.user_data): join the\n# cluster with OKE's init script, then grow the root file system to the\n# node's boot volume (the image's is smaller). {CLOUD_INIT_SOURCE}\n"));
        text.push_str(CLOUD_INIT);
        vec![("cloud-init.sh", text)]
    }

    fn access_outputs(&self) -> Vec<(&'static str, &'static str, Expr)> {
        vec![
            (
                "bastion_id",
                "The OCI Bastion that reaches a private API endpoint (null when the endpoint is public).",
                Expr::raw("one(oci_bastion_bastion.api[*].id)"),
            ),
            (
                "bastion_session_command",
                "Opens a port-forwarding session to the private API endpoint (null when it is public); then `ssh -N -L 6443:ENDPOINT:6443 -p 22 SESSION@host.bastion.REGION.oci.oraclecloud.com` as the session's details say.",
                Expr::raw(r#"length(oci_bastion_bastion.api) == 0 ? null : "oci bastion session create-port-forwarding --bastion-id ${oci_bastion_bastion.api[0].id} --target-private-ip ${split(":", oci_containerengine_cluster.main.endpoints[0].private_endpoint)[0]} --target-port 6443 --ssh-public-key-file $HOME/.ssh/id_ed25519.pub""#),
            ),
        ]
    }

    fn gateway_address(&self, cluster: &Cluster) -> Option<(Vec<Block>, Expr)> {
        let address = Block::new("resource", ["oci_core_public_ip", "gateway"])
            .comment("Reserved: it outlives the load balancer, so DNS records stay right when\nthe gateway's Service is recreated. The Service asks for it with\nspec.loadBalancerIP.")
            .attr("compartment_id", Expr::raw("var.compartment_ocid"))
            .attr("lifetime", Expr::str("RESERVED"))
            .attr("display_name", Expr::str(format!("{}-gateway", cluster.name)))
            .attr("freeform_tags", Expr::raw("var.tags"));
        Some((
            vec![address],
            Expr::raw("oci_core_public_ip.gateway.ip_address"),
        ))
    }

    fn secret_vault(&self, cluster: &Cluster) -> Option<(Vec<Block>, Expr)> {
        let vault = Block::new("resource", ["oci_kms_vault", "secrets"])
            .comment("The platform's secrets, which External Secrets Operator reads.")
            .attr("compartment_id", Expr::raw("var.compartment_ocid"))
            .attr(
                "display_name",
                Expr::str(format!("{}-secrets", cluster.name)),
            )
            .attr("vault_type", Expr::str("DEFAULT"))
            .attr("freeform_tags", Expr::raw("var.tags"));
        let nodes = Block::new("resource", ["oci_identity_dynamic_group", "nodes"])
            .comment("The cluster's nodes. On a BASIC cluster a pod has no identity of its own:\nExternal Secrets Operator reads the vault as its node's instance principal,\nwhich every pod on the node shares.")
            .attr("compartment_id", Expr::raw("var.tenancy_ocid"))
            .attr("name", Expr::str(format!("{}-nodes", cluster.name)))
            .attr("description", Expr::str("The instances of the cluster's node pools."))
            .attr("matching_rule", Expr::template("ALL {instance.compartment.id = '${var.compartment_ocid}'}"))
            .attr("freeform_tags", Expr::raw("var.tags"));
        let policy = Block::new("resource", ["oci_identity_policy", "read_secrets"])
            .comment("The secret bundles of this vault alone: nothing else the nodes' identity\nreaches.")
            .attr("compartment_id", Expr::raw("var.compartment_ocid"))
            .attr("name", Expr::str(format!("{}-read-secrets", cluster.name)))
            .attr("description", Expr::str("The cluster's nodes read the secret bundles of the platform's vault."))
            .attr(
                "statements",
                Expr::List(vec![Expr::template(
                    "Allow dynamic-group ${oci_identity_dynamic_group.nodes.name} to read secret-bundles in compartment id ${var.compartment_ocid} where target.vault.id = '${oci_kms_vault.secrets.id}'",
                )]),
            )
            .attr("freeform_tags", Expr::raw("var.tags"));
        Some((
            vec![vault, nodes, policy],
            Expr::raw("oci_kms_vault.secrets.id"),
        ))
    }

    fn identity(&self, consumer: &Consumer, bucket: &str) -> Vec<Block> {
        let label = &consumer.label;
        let user = Block::new("resource", ["oci_identity_user", label])
            .comment("Users and groups live in the tenancy (its home region).")
            .attr("compartment_id", Expr::raw("var.tenancy_ocid"))
            .attr("name", Expr::str(&consumer.name))
            .attr("description", Expr::str(&consumer.description))
            .attr("freeform_tags", Expr::raw("var.tags"));
        let group = Block::new("resource", ["oci_identity_group", label])
            .attr("compartment_id", Expr::raw("var.tenancy_ocid"))
            .attr("name", Expr::str(&consumer.name))
            .attr("description", Expr::str(&consumer.description))
            .attr("freeform_tags", Expr::raw("var.tags"));
        let membership = Block::new("resource", ["oci_identity_user_group_membership", label])
            .attr(
                "group_id",
                Expr::raw(format!("oci_identity_group.{label}.id")),
            )
            .attr(
                "user_id",
                Expr::raw(format!("oci_identity_user.{label}.id")),
            );
        let condition = format!("where target.bucket.name = '${{{bucket}}}'");
        let policy = Block::new("resource", ["oci_identity_policy", label])
            .comment("Its own bucket's objects, nothing else.")
            .attr("compartment_id", Expr::raw("var.compartment_ocid"))
            .attr("name", Expr::str(&consumer.name))
            .attr("description", Expr::str(&consumer.description))
            .attr(
                "statements",
                Expr::List(vec![
                    Expr::template(format!("Allow group ${{oci_identity_group.{label}.name}} to read buckets in compartment id ${{var.compartment_ocid}} {condition}")),
                    Expr::template(format!("Allow group ${{oci_identity_group.{label}.name}} to manage objects in compartment id ${{var.compartment_ocid}} {condition}")),
                ]),
            )
            .attr("freeform_tags", Expr::raw("var.tags"));
        let key = Block::new("resource", ["oci_identity_customer_secret_key", label])
            .comment("An S3 key pair of its own: a user has at most two.")
            .attr("display_name", Expr::str(&consumer.name))
            .attr(
                "user_id",
                Expr::raw(format!("oci_identity_user.{label}.id")),
            );
        vec![user, group, membership, policy, key]
    }

    fn credentials(&self, consumer: &Consumer) -> (Expr, Expr) {
        let key = format!("oci_identity_customer_secret_key.{}", consumer.label);
        (
            Expr::raw(format!("{key}.id")),
            Expr::raw(format!("{key}.key")),
        )
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
            (
                "network.tf",
                network::file(
                    &cluster.platform.cloud.load_balancer_security_rules,
                    &network::own_load_balancers(cluster.platform),
                ),
            ),
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

    fn object_storage_endpoint(&self) -> Option<Expr> {
        Some(Expr::raw(
            "\"https://${data.oci_objectstorage_namespace.main.namespace}.compat.objectstorage.${var.region}.oraclecloud.com\"",
        ))
    }

    fn bucket_lookups(&self) -> Vec<Block> {
        vec![Block::new("data", ["oci_objectstorage_namespace", "main"])
            .comment("Bucket names are unique within the tenancy's Object Storage namespace.")
            .attr("compartment_id", Expr::raw("var.tenancy_ocid"))]
    }

    fn bucket(&self, label: &str, bucket: &Bucket, _state: bool) -> Vec<Block> {
        let block = Block::new("resource", ["oci_objectstorage_bucket", label])
            .attr("compartment_id", Expr::raw("var.compartment_ocid"))
            .attr("name", Expr::str(&bucket.cloud_name))
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
        // Every overwrite or deletion keeps the previous version: a backup
        // rotated away or a state written wrong can be taken back (the
        // previous versions count against the bucket's size; docs/security.md).
        vec![block
            .attr("versioning", Expr::str("Enabled"))
            .attr("freeform_tags", Expr::raw("var.tags"))]
    }

    fn bucket_name(&self, label: &str) -> String {
        format!("oci_objectstorage_bucket.{label}.name")
    }

    fn backend(&self, cluster: &Cluster, bucket: &Bucket) -> Block {
        Block::new("backend", ["oci"])
            .comment("The tenancy's Object Storage namespace completes it at `terraform init`\n(README.md); a backend cannot read variables.")
            .attr("bucket", Expr::str(&bucket.cloud_name))
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
    let options = Block::new("data", ["oci_containerengine_cluster_option", "all"])
        .comment("The Kubernetes versions OKE offers for new clusters.")
        .attr("cluster_option_id", Expr::str("all"))
        .attr("compartment_id", Expr::raw("var.compartment_ocid"));
    let offered = version_offered(
        "OKE",
        "contains(data.oci_containerengine_cluster_option.all.kubernetes_versions, var.kubernetes_version)",
        " (it offers ${join(\", \", data.oci_containerengine_cluster_option.all.kubernetes_versions)})",
    );
    let cluster = Block::new("resource", ["oci_containerengine_cluster", "main"])
        .attr("compartment_id", Expr::raw("var.compartment_ocid"))
        .attr("kubernetes_version", Expr::raw("var.kubernetes_version"))
        .attr("name", Expr::raw("var.cluster_name"))
        .attr("vcn_id", Expr::raw("oci_core_vcn.main.id"))
        .comment("BASIC_CLUSTER: the control plane is free\n(https://www.oracle.com/cloud/cloud-native/kubernetes-engine/pricing/).")
        .attr("type", Expr::str("BASIC_CLUSTER"))
        .attr("freeform_tags", Expr::raw("var.tags"))
        .comment("The pod network cannot change once the cluster exists.")
        .block(
            Block::new::<&str>("cluster_pod_network_options", [])
                .attr("cni_type", Expr::raw("var.pod_network")),
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
        ))
        .block(offered);
    let bastion = Block::new("resource", ["oci_bastion_bastion", "api"])
        .comment("A private API endpoint (no trusted network) is reached through an OCI\nBastion in its subnet: a port-forwarding session per operator, opened\nwith OCI credentials and an SSH key (the output bastion_session_command).")
        .attr("count", Expr::raw("length(var.trusted_cidrs) > 0 ? 0 : 1"))
        .attr("bastion_type", Expr::str("STANDARD"))
        .attr("compartment_id", Expr::raw("var.compartment_ocid"))
        .attr("target_subnet_id", Expr::raw("oci_core_subnet.api_endpoint.id"))
        .comment("Letters and digits only.")
        .attr("name", Expr::raw(r#"replace(var.cluster_name, "-", "")"#))
        .attr("client_cidr_block_allow_list", Expr::raw("var.bastion_client_cidrs"))
        .attr("freeform_tags", Expr::raw("var.tags"));
    let kubeconfig = Block::new("data", ["oci_containerengine_cluster_kube_config", "main"])
        .attr(
            "cluster_id",
            Expr::raw("oci_containerengine_cluster.main.id"),
        )
        .attr("endpoint", Expr::raw(ENDPOINT_KIND))
        .attr("token_version", Expr::str("2.0.0"));
    File::of_blocks([options, cluster, bastion, kubeconfig])
}

fn node_pools_file(cluster: &Cluster) -> File {
    let patterns = Expr::string_map(&cluster.terraform.images);
    let locals = Block::new::<&str>("locals", [])
        .attr("node_pools", Expr::raw(POOLS_BY_NAME))
        .comment(format!("OKE image names by architecture (RE2), from {}.", cluster.terraform.provenance.name))
        .attr("image_patterns", patterns)
        .comment("OKE images name the Kubernetes version they carry: ...-OKE-1.34.1-1114.")
        .attr("image_version", Expr::template(r#"-OKE-${trimprefix(var.kubernetes_version, "v")}-"#))
        .comment("Every OKE image of the region, by name.")
        .attr(
            "images",
            Expr::raw("{ for source in data.oci_containerengine_node_pool_option.all.sources : source.source_name => source.image_id }"),
        )
        .comment("For each pool, the images of its architecture and Kubernetes version;\nthe newest sorts last (the names carry the build date).")
        .attr(
            "node_images",
            Expr::raw("{ for name, pool in local.node_pools : name => { for image, id in local.images : image => id if can(regex(local.image_patterns[pool.arch], image)) && strcontains(image, local.image_version) } }"),
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
        .comment("The boot volumes' traffic between the instance and the block storage\nencrypted too (VM shapes on platform images; docs.oracle.com Block Volume\nencryption).")
        .attr("is_pv_encryption_in_transit_enabled", Expr::Bool(true))
        .attr("freeform_tags", Expr::raw("var.tags"))
        .block(placement)
        .block(
            Block::new::<&str>("node_pool_pod_network_option_details", [])
                .attr("cni_type", Expr::raw("var.pod_network"))
                .comment("VCN-native pods take addresses of the nodes' subnet; flannel's the\noverlay's.")
                .attr(
                    "pod_subnet_ids",
                    Expr::raw(r#"var.pod_network == "OCI_VCN_IP_NATIVE" ? [oci_core_subnet.nodes.id] : null"#),
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
    let metadata = Expr::Object(vec![(
        "user_data".into(),
        Expr::raw(r#"filebase64("${path.module}/cloud-init.sh")"#),
    )]);
    let lifecycle = Block::new::<&str>("lifecycle", [])
        .comment("A newer image is a decision, not a diff: replace a pool to take it\n(terraform apply -replace).")
        .attr(
            "ignore_changes",
            Expr::List(vec![Expr::raw("node_source_details[0].image_id")]),
        )
        .block(precondition);
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
        .comment("Joins the cluster, then grows the root file system (cloud-init.sh).")
        .attr("node_metadata", metadata)
        .comment(LABELS_COMMENT)
        .block(labels)
        .block(config)
        .block(shape)
        .block(source)
        .block(lifecycle);
    File::of_blocks([locals, domains, options, pool])
}
