//! The cloud-agnostic cluster module of seed 001 §5.2: one interface, one
//! implementation per provider under `modules/kubernetes-cluster/<impl>/`.
//!
//! In: cluster name, region, Kubernetes version (in the form of the cloud,
//! checked with the stdlib's pattern), pod network, node pools (seed 001's
//! fields plus the architecture, the flexible-shape size, the boot volume
//! and the node labels hplc selects on), the network range, the addresses
//! trusted with the Kubernetes API, tags. Out: cluster id, endpoint, CA
//! certificate, kubeconfig and the command that writes one.
//!
//! The root module calls whichever implementation the platform's `cloud`
//! selects (seed 001 §5.3 selects it with a variable; here the shapes of the
//! nodes already belong to one provider, so the choice is made at compile
//! time) and re-exports the outputs.

use super::cluster::Cluster;
use super::hcl::{Block, Expr};
use super::variables::Variable;

/// The module's name in the root: `module.kubernetes_cluster`.
pub const MODULE: &str = "kubernetes_cluster";

/// The interface's inputs, the same in the root and in every module.
pub fn inputs(cluster: &Cluster) -> Vec<Variable> {
    let version = match &cluster.platform.cloud.kubernetes {
        Some(service) => Variable::new("kubernetes_version", "string", "Kubernetes version of the control plane and the nodes, in the provider's own form.")
            .validate(
                format!("can(regex({}, var.kubernetes_version))", super::hcl::quote(&service.format_regex())),
                "The Kubernetes version is not in the form the provider writes its versions in (the platform's stdlib: version_format).",
            ),
        None => Variable::new("kubernetes_version", "string", "Kubernetes version of the control plane and the nodes, in the provider's own form.")
            .validate("length(var.kubernetes_version) > 0", "A Kubernetes version is required."),
    };
    vec![
        Variable::new("cluster_name", "string", "Name of the cluster and prefix of the names of its resources.").validate(
            r#"can(regex("^[a-z][a-z0-9-]{0,38}[a-z0-9]$", var.cluster_name))"#,
            "The cluster name must be 2 to 40 lower-case letters, digits and dashes, starting with a letter.",
        ),
        Variable::new("region", "string", "The provider's region to create the cluster in.")
            .validate(r#"can(regex("^[a-z0-9-]+$", var.region))"#, "The region is a provider region name such as eu-amsterdam-1, fra1 or eu-central-1."),
        version,
        Variable::new("pod_network", "string", "The pod network (CNI) of the cluster, by the provider's name for it; it cannot change once the cluster exists.")
            .validate("length(var.pod_network) > 0", "A pod network is required."),
        node_pools(),
        Variable::new("network_cidr", "string", "Private address range of the cluster network; the subnets are carved out of it.")
            .validate("can(cidrhost(var.network_cidr, 0))", "The network range must be a CIDR block such as 10.0.0.0/16."),
        Variable::new(
            "trusted_cidrs",
            "list(string)",
            "Networks allowed to reach the Kubernetes API over the internet; empty keeps the API endpoint private.",
        )
        .validate("alltrue([for cidr in var.trusted_cidrs : can(cidrhost(cidr, 0))])", "Every trusted address must be a CIDR block such as 203.0.113.0/24.")
        .validate(
            r#"!contains(var.trusted_cidrs, "0.0.0.0/0")"#,
            "The Kubernetes API must not be open to the whole internet: list the trusted networks instead of 0.0.0.0/0.",
        ),
        Variable::new("tags", "map(string)", "Tags put on every resource that takes them."),
    ]
}

fn node_pools() -> Variable {
    let field = |name: &str, ty: &str| (name.to_string(), Expr::raw(ty));
    let pool = Expr::Object(vec![
        field("name", "string"),
        field("size", "string"),
        field("arch", "string"),
        field("ocpus", "optional(number)"),
        field("memory_gb", "optional(number)"),
        field("boot_volume_gb", "number"),
        field("min_nodes", "number"),
        field("max_nodes", "number"),
        field("auto_scale", "bool"),
        field("preemptible", "bool"),
        field("labels", "map(string)"),
    ]);
    Variable::typed(
        "node_pools",
        Expr::call("list", Expr::call("object", pool)),
        "Node pools: the provider's shape (size), CPU architecture, OCPUs and memory in GB for flexible shapes, boot volume in GB, node counts and Kubernetes node labels.",
    )
    .validate("length(var.node_pools) > 0", "A cluster needs at least one node pool.")
    .validate("length(distinct([for pool in var.node_pools : pool.name])) == length(var.node_pools)", "Node pool names must be unique.")
    .validate(
        "alltrue([for pool in var.node_pools : pool.min_nodes >= 1 && pool.min_nodes <= pool.max_nodes])",
        "Every node pool needs 1 <= min_nodes <= max_nodes.",
    )
    .validate(r#"alltrue([for pool in var.node_pools : contains(["arm64", "amd64"], pool.arch)])"#, "A node pool's arch is arm64 or amd64.")
}

/// What every implementation exports, as expressions of its own resources.
pub struct Outputs {
    pub cluster_id: Expr,
    pub endpoint: Expr,
    pub ca_certificate: Expr,
    pub kubeconfig: Expr,
    pub kubeconfig_command: Expr,
}

/// (name, description, sensitive) of each interface output, in order.
const OUTPUTS: [(&str, &str, bool); 5] = [
    ("cluster_id", "The provider's id of the cluster.", false),
    ("cluster_endpoint", "URL of the Kubernetes API.", false),
    (
        "cluster_ca_certificate",
        "Base64 CA certificate of the Kubernetes API.",
        true,
    ),
    ("kubeconfig", "A kubeconfig for the cluster.", true),
    (
        "kubeconfig_command",
        "The command that writes a kubeconfig for the cluster.",
        false,
    ),
];

/// `output` blocks of an implementation.
pub fn module_outputs(outputs: Outputs) -> Vec<Block> {
    let values = [
        outputs.cluster_id,
        outputs.endpoint,
        outputs.ca_certificate,
        outputs.kubeconfig,
        outputs.kubeconfig_command,
    ];
    OUTPUTS
        .iter()
        .zip(values)
        .map(|(&(name, description, sensitive), value)| output(name, description, value, sensitive))
        .collect()
}

/// The root's re-export of the module's outputs (the CA stays inside: the
/// kubeconfig carries it).
pub fn root_outputs() -> Vec<Block> {
    OUTPUTS
        .iter()
        .filter(|(name, _, _)| *name != "cluster_ca_certificate")
        .map(|&(name, description, sensitive)| {
            output(
                name,
                description,
                Expr::raw(format!("module.{MODULE}.{name}")),
                sensitive,
            )
        })
        .collect()
}

pub fn output(name: &str, description: &str, value: Expr, sensitive: bool) -> Block {
    let block = Block::new("output", [name])
        .attr("description", Expr::str(description))
        .attr("value", value);
    if sensitive {
        block.attr("sensitive", Expr::Bool(true))
    } else {
        block
    }
}

/// The root's `module "kubernetes_cluster"` block: every input passed on.
pub fn module_call(source: &str, inputs: &[Variable]) -> Block {
    let mut block = Block::new("module", [MODULE]).attr("source", Expr::str(source));
    for (name, value) in super::variables::pass_through(inputs) {
        block = block.attr(name, value);
    }
    block
}

/// terraform.tfvars values of the interface's inputs.
pub fn values(cluster: &Cluster) -> Vec<(&'static str, Expr)> {
    let platform = cluster.platform;
    vec![
        ("cluster_name", Expr::str(&cluster.name)),
        ("region", Expr::str(&platform.cloud.region)),
        (
            "kubernetes_version",
            Expr::str(&platform.kubernetes_version),
        ),
        ("pod_network", Expr::str(&platform.pod_network.name)),
        ("node_pools", cluster.node_pools_value()),
        ("network_cidr", Expr::str(&cluster.terraform.network_cidr)),
        ("trusted_cidrs", Expr::strings(&platform.trusted_cidrs)),
        ("tags", Expr::string_map(&cluster.tags)),
    ]
}
