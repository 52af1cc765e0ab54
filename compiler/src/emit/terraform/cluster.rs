//! The cluster every provider builds, in provider-independent terms: its
//! name, region, Kubernetes version, trusted addresses, tags and one node
//! pool per declared node. The providers read only this (and the buckets);
//! the values reach Terraform through terraform.tfvars.

use indexmap::IndexMap;

use super::hcl::Expr;
use crate::model::{k8s_name, Node, Platform, TerraformProvider};
use crate::types::units::decimal;

/// The "GB" of the clouds' volume sizes, binary on both that size boot
/// volumes: OCI's `boot_volume_size_in_gbs` (its CSI driver turns
/// `size_in_gbs` into bytes with 1 GiB, stdlib/oci.hpl) and EKS's
/// `disk_size` (GiB). Memory of flexible shapes is counted in it too. The
/// stdlib writes boot volumes and budgets in `Gi`, so the sum of the node
/// pools' boot volumes is exactly what the budget counted.
const GIB: i64 = 1 << 30;

/// `local.node_pools` of an implementation: the interface's pools by name,
/// so that each pool's resource is named after its node.
pub const POOLS_BY_NAME: &str = "{ for pool in var.node_pools : pool.name => pool }";
/// `lifecycle { precondition { ... } }` of a cluster resource: the plan
/// fails when `condition` (the provider still offers the platform's
/// Kubernetes version) does not hold; `service` names the provider's
/// Kubernetes, `offered` what it offers instead (a template, or empty).
pub fn version_offered(service: &str, condition: &str, offered: &str) -> super::hcl::Block {
    use super::hcl::Block;
    let precondition = Block::new::<&str>("precondition", [])
        .attr("condition", Expr::raw(condition))
        .attr(
            "error_message",
            Expr::template(format!("{service} no longer offers Kubernetes ${{var.kubernetes_version}} for new clusters{offered}: change the platform's kubernetes_version.")),
        );
    Block::new::<&str>("lifecycle", []).block(precondition)
}

/// Above the node labels of a pool resource.
pub const LABELS_COMMENT: &str = "The labels the Kubernetes manifests select nodes by (hplc.dev/node,\nhplc.dev/role), then the node's own.";

pub struct Cluster<'a> {
    pub platform: &'a Platform,
    pub terraform: &'a TerraformProvider,
    /// `health`, or `health-production` outside the default environment,
    /// so that two environments never claim the same cluster.
    pub name: String,
    pub node_pools: Vec<NodePool>,
    pub tags: IndexMap<String, String>,
}

/// One node pool of one node (`size` 1), named after the node.
pub struct NodePool {
    pub name: String,
    /// The provider's shape: `VM.Standard.A1.Flex`, `t4g.large`.
    pub size: String,
    pub arch: String,
    /// OCPUs and memory (GiB), for flexible shapes only.
    pub ocpus: Option<String>,
    pub memory_gb: Option<String>,
    pub boot_volume_gb: i64,
    pub labels: IndexMap<String, String>,
}

impl<'a> Cluster<'a> {
    pub fn new(platform: &'a Platform, terraform: &'a TerraformProvider) -> Cluster<'a> {
        let name = platform.cluster_name();
        let mut tags = IndexMap::new();
        tags.insert("platform".to_string(), k8s_name(&platform.name));
        tags.insert("environment".to_string(), k8s_name(&platform.env));
        tags.insert("managed_by".to_string(), "hplc".to_string());
        let node_pools = platform
            .nodes
            .iter()
            .map(|node| NodePool::of(node, terraform))
            .collect();
        Cluster {
            platform,
            terraform,
            name,
            node_pools,
            tags,
        }
    }

    /// Where the backend keeps the state in its bucket.
    pub fn state_key(&self) -> String {
        format!("{}/terraform.tfstate", self.name)
    }

    /// The terraform.tfvars value of the interface's `node_pools`.
    pub fn node_pools_value(&self) -> Expr {
        Expr::List(self.node_pools.iter().map(NodePool::value).collect())
    }
}

impl NodePool {
    fn of(node: &Node, terraform: &TerraformProvider) -> NodePool {
        let flexible = terraform.flexible_shapes.contains(&node.shape.name);
        let ocpus = node.shape.cpu / node.shape.vcpus_per_ocpu.max(1);
        NodePool {
            name: node.k8s_name.clone(),
            size: node.shape.name.clone(),
            arch: node.shape.arch.clone(),
            ocpus: flexible.then(|| decimal(ocpus as i128, 3)),
            memory_gb: flexible.then(|| decimal(node.shape.memory as i128 * 1000 / GIB as i128, 3)),
            boot_volume_gb: (node.boot_volume + GIB - 1) / GIB,
            labels: node.cluster_labels(),
        }
    }

    fn value(&self) -> Expr {
        let mut fields = vec![
            ("name".to_string(), Expr::str(&self.name)),
            ("size".to_string(), Expr::str(&self.size)),
            ("arch".to_string(), Expr::str(&self.arch)),
        ];
        if let (Some(ocpus), Some(memory)) = (&self.ocpus, &self.memory_gb) {
            fields.push(("ocpus".to_string(), Expr::raw(ocpus.clone())));
            fields.push(("memory_gb".to_string(), Expr::raw(memory.clone())));
        }
        fields.extend([
            ("boot_volume_gb".to_string(), Expr::Int(self.boot_volume_gb)),
            ("min_nodes".to_string(), Expr::Int(1)),
            ("max_nodes".to_string(), Expr::Int(1)),
            ("auto_scale".to_string(), Expr::Bool(false)),
            ("preemptible".to_string(), Expr::Bool(false)),
            ("labels".to_string(), Expr::string_map(&self.labels)),
        ]);
        Expr::Object(fields)
    }
}
