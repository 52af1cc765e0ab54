//! The platform as the later stages see it: plain typed structs lowered
//! from the evaluated world, shared by the graph, the planner and every
//! backend (no backend reads the syntax tree or the world).
//!
//! Quantities are integers in base units: CPU in millicores, memory and
//! storage in bytes, durations in milliseconds, percentages in hundredths of
//! a percent, bandwidth in bits per second, money in millionths of a dollar.

mod chart;
pub mod images;
mod lower;
pub mod scaling;
pub mod secrets;
pub mod show;

pub use chart::{
    for_release, set_container, Chart, ChartPod, ChartRender, Data, Derived, PodGroup,
    RenderedContainer, RenderedService, RenderedWorkload, Waves,
};
pub use images::{ImageBuild, ImageTable};
pub use lower::lower;

use indexmap::IndexMap;

use crate::source::Span;

pub type NodeId = usize;
pub type NamespaceId = usize;
pub type ServiceId = usize;

#[derive(Clone, Debug)]
pub struct Platform {
    pub name: String,
    /// The environment this model was built for: `default` or an env name.
    pub env: String,
    pub span: Span,
    pub domain: String,
    pub cloud: Cloud,
    pub budget: Option<Budget>,
    /// A free allowance deducted from the cost, not checked as a limit.
    pub allowance: Option<Budget>,
    /// As the cloud writes it (`v1.34.1` on OKE): the platform's, else the
    /// newest the stdlib lists as supported for the cloud.
    pub kubernetes_version: String,
    /// Where the platform sets it; its name when the stdlib chose it.
    pub kubernetes_version_span: Span,
    /// The cluster's pod network (CNI): the platform's, else the cloud's.
    pub pod_network: PodNetwork,
    /// Where the platform names it; its name when the cloud chose it.
    pub pod_network_span: Span,
    pub scrape_interval_ms: i64,
    /// Hundredths of a percent.
    pub default_cpu_target: i64,
    pub trace_sampling: i64,
    pub acme_email: String,
    pub acme_server: String,
    pub acme_staging_server: String,
    /// The directory the public hosts' certificates come from: `staging`
    /// or `production` (`tls_stage`).
    pub tls_stage: String,
    /// The time-to-live of the public hosts' DNS records (`dns_ttl`).
    pub dns_ttl_ms: i64,
    /// Who may reach the Kubernetes API over the internet; empty: nobody,
    /// the endpoint is private.
    pub trusted_cidrs: Vec<String>,
    /// Where each entry of `trusted_cidrs` is written.
    pub trusted_cidrs_spans: Vec<Span>,
    pub cluster_backups: Vec<ClusterBackup>,
    pub gitops: Vec<GitOps>,
    /// Alerts declared on their own, outside any service.
    pub alerts: Vec<Alert>,
    /// Alert thresholds and platform-wide panels, when the platform sets
    /// `monitoring`.
    pub monitoring: Option<Monitoring>,
    /// What the stdlib knows of its components' images: `images`.
    pub images: Option<ImageTable>,
    pub nodes: Vec<Node>,
    pub namespaces: Vec<Namespace>,
    pub services: Vec<Service>,
    pub buckets: Vec<Bucket>,
    /// The bucket (an index into `buckets`) that holds the Terraform state.
    pub terraform_state: Option<usize>,
    /// Every shape the loaded modules declare, for diagnostics that suggest
    /// one (a node on another cloud's shape).
    pub shapes: Vec<ShapeOffer>,
    pub kubernetes_api: KubernetesApi,
    /// The sealed values of its SealedSecrets: `sealed_values`.
    pub sealed_values: Vec<SealedValue>,
    /// What the cluster's inputs file gave.
    pub inputs: ClusterInputs,
    /// Where every secret is kept, over each reference's store:
    /// `secret_store`.
    pub secret_store: Option<String>,
}

/// What the cluster's inputs file (kind `inputs`, `hplc build --inputs`)
/// gave, and what the platform left to it.
#[derive(Clone, Debug, Default)]
pub struct ClusterInputs {
    /// Its `inputs` instance, when a file declared one.
    pub span: Option<Span>,
    /// Whether `trusted_cidrs` was set, by the platform or the inputs.
    pub trusted_cidrs_set: bool,
    /// The reserved address of the gateway's load balancer.
    pub gateway_address: Option<String>,
    pub gateway_address_span: Option<Span>,
    /// The vault of the platform's secrets (OCI Vault's OCID).
    pub vault_id: Option<String>,
    /// The tenancy's Object Storage namespace, which names the cloud's S3
    /// endpoint.
    pub object_storage_namespace: Option<String>,
}

/// What the Kubernetes API accepts (stdlib data: `kubernetes_api`).
#[derive(Clone, Debug)]
pub struct KubernetesApi {
    pub name_length: usize,
    pub stateful_set_name_length: usize,
    pub cron_job_name_length: usize,
    pub port_name_length: usize,
    pub int32_max: i64,
    /// Hundredths of a percent.
    pub rolling_surge: i64,
    pub provenance: Provenance,
}

/// A shape a node could use: an instance of `shape` or a kind extending it.
#[derive(Clone, Debug)]
pub struct ShapeOffer {
    pub provider: String,
    /// How a platform names it: `aws.t4g_large`, `oci.a1_flex`.
    pub path: String,
    /// The provider's own name: `t4g.large`.
    pub name: String,
    /// A kind whose size each node chooses (`oci.a1_flex { cpu, memory }`)
    /// rather than an instance of one size.
    pub sized: bool,
}

#[derive(Clone, Debug)]
pub struct ClusterBackup {
    pub name: String,
    pub k8s_name: String,
    pub span: Span,
    pub schedule: String,
    pub keep_ms: i64,
    pub exclude: Vec<NamespaceId>,
    pub bucket: String,
    /// The Velero that runs it.
    pub velero: ServiceId,
}

#[derive(Clone, Debug)]
pub struct GitOps {
    pub name: String,
    pub k8s_name: String,
    pub span: Span,
    pub repo: String,
    pub revision: String,
    pub path: String,
    pub namespace: NamespaceId,
    pub retry_limit: i64,
    pub retry_backoff_ms: i64,
    pub retry_max_backoff_ms: i64,
}

#[derive(Clone, Debug)]
pub struct Alert {
    pub name: String,
    pub span: Span,
    pub expr: String,
    pub for_ms: i64,
    pub severity: String,
    pub summary: String,
    pub runbook: String,
}

/// A dashboard panel over a component's (or the platform's) metrics.
/// `expr` still holds the `$target` placeholder; the Grafana backend
/// replaces it.
#[derive(Clone, Debug)]
pub struct Panel {
    /// The map key (`connections`): with the service, a stable panel id.
    pub name: String,
    pub title: String,
    pub expr: String,
    pub unit: String,
    pub legend: String,
    /// `cluster`, `application`, `infrastructure`, `capacity`, `security`.
    pub dashboard: String,
    /// `timeseries`, `stat`, `gauge`, `table`.
    pub chart: String,
}

/// How an HTTP service counts requests, errors and latency.
#[derive(Clone, Debug)]
pub struct HttpMetrics {
    pub requests: String,
    pub errors: String,
    pub errors_where: String,
    pub latency: String,
    pub latency_in_ms: bool,
}

/// A Grafana data source a service serves.
#[derive(Clone, Debug)]
pub struct DataSource {
    /// Grafana's plugin id: `prometheus`, `loki`, `jaeger`.
    pub kind: String,
    /// The port name; empty for the first port.
    pub port: String,
}

/// A derived alerting rule: its name, PromQL and texts with the
/// placeholders the Grafana backend fills in per service
/// (stdlib/prelude.hpl, `alert_threshold`), and its threshold.
#[derive(Clone, Debug)]
pub struct AlertThreshold {
    pub name: String,
    pub expr: String,
    pub summary: String,
    pub description: String,
    /// Hundredths of a percent.
    pub above: i64,
    pub count: i64,
    pub within_ms: i64,
    pub for_ms: i64,
    pub severity: String,
    pub runbook: String,
}

#[derive(Clone, Debug)]
pub struct Monitoring {
    pub cpu: AlertThreshold,
    pub memory: AlertThreshold,
    pub volume: AlertThreshold,
    pub node_disk: AlertThreshold,
    pub restarts: AlertThreshold,
    pub down: AlertThreshold,
    pub unavailable: AlertThreshold,
    pub watchdog: AlertThreshold,
    pub panels: Vec<Panel>,
    pub provenance: Provenance,
}

#[derive(Clone, Debug)]
pub struct Permission {
    pub resources: Vec<String>,
    pub verbs: Vec<String>,
    pub group: String,
    pub cluster: bool,
}

#[derive(Clone, Debug)]
pub struct Route {
    pub name: String,
    pub prefix: String,
    pub service: ServiceId,
    pub port: String,
    /// Where `port` is set; the route's entry when it is not.
    pub port_span: Span,
    pub authenticated: bool,
}

#[derive(Clone, Debug)]
pub struct Jwt {
    pub issuer: String,
    pub jwks_service: ServiceId,
    pub jwks_path: String,
    pub audiences: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Bucket {
    pub name: String,
    pub k8s_name: String,
    /// The name in the cloud: the cluster's name, then `k8s_name`
    /// (`health-production-database-backups`), so that the environments of
    /// one platform in one account never claim the same bucket.
    pub cloud_name: String,
    pub span: Span,
    pub size: i64,
    pub purpose: String,
    pub public: bool,
}

/// Where a number came from: the stdlib instance that holds it and its
/// `source` text, so reports can cite it.
#[derive(Clone, Debug, Default)]
pub struct Provenance {
    pub name: String,
    pub source: String,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Cloud {
    pub provider: String,
    pub region: String,
    pub reservation: Reservation,
    pub block: StorageClass,
    pub boot_volume_min: i64,
    pub boot_volume_system: i64,
    /// Boot volumes count as block storage (budget, cost).
    pub boot_volume_billed: bool,
    pub load_balancer_bandwidth: i64,
    pub api_server_port: u16,
    pub pricing: Option<Pricing>,
    pub terraform: Option<TerraformProvider>,
    /// The S3-compatible endpoint of the region's object storage; empty
    /// where the cloud has its own state backend.
    pub object_storage_endpoint: String,
    /// The S3-compatible endpoint workloads reach the object storage at,
    /// with `{region}` and `{namespace}` to fill in; empty: none.
    pub s3_endpoint: String,
    /// The cloud's managed Kubernetes, when the stdlib describes it.
    pub kubernetes: Option<KubernetesService>,
    /// OKE's `security-rule-management-mode` for load balancers ("None":
    /// the generated security lists alone); empty elsewhere.
    pub load_balancer_security_rules: String,
    /// A running cluster hplc neither creates nor sizes: nodes optional.
    pub existing: bool,
    pub provenance: Provenance,
}

/// A cloud's managed Kubernetes (stdlib data).
#[derive(Clone, Debug)]
pub struct KubernetesService {
    pub name: String,
    /// `vN.N.N`: `N` stands for a number, everything else for itself.
    pub version_format: String,
    /// Newest first.
    pub versions: Vec<KubernetesRelease>,
    pub pod_network: PodNetwork,
    pub provenance: Provenance,
}

#[derive(Clone, Debug)]
pub struct KubernetesRelease {
    pub version: String,
    pub released: String,
    pub end_of_support: String,
    pub supported: bool,
    pub source: String,
}

/// A pod network (CNI) of a managed Kubernetes (stdlib data).
#[derive(Clone, Debug)]
pub struct PodNetwork {
    pub provider: String,
    /// The provider's name: `FLANNEL_OVERLAY`, `OCI_VCN_IP_NATIVE`.
    pub name: String,
    pub max_pods: i64,
    /// At most (VNICs - 1) x this many pods per node; 0: no VNIC limit.
    pub pods_per_vnic: i64,
    /// What enforces NetworkPolicies beside it; empty: the network itself.
    pub network_policy: String,
    pub provenance: Provenance,
}

impl KubernetesService {
    /// Whether `version` has the service's form (`v1.34.1` for `vN.N.N`).
    pub fn matches_format(&self, version: &str) -> bool {
        version_matches(&self.version_format, version)
    }

    /// The service's version format as an RE2 regular expression, for
    /// Terraform's `regex()`.
    pub fn format_regex(&self) -> String {
        let mut regex = String::from("^");
        for c in self.version_format.chars() {
            match c {
                'N' => regex.push_str("[0-9]+"),
                c if c.is_ascii_alphanumeric() || c == '-' => regex.push(c),
                c => {
                    regex.push('\\');
                    regex.push(c);
                }
            }
        }
        regex.push('$');
        regex
    }

    pub fn release(&self, version: &str) -> Option<&KubernetesRelease> {
        self.versions.iter().find(|r| r.version == version)
    }
}

/// `N` in `format` matches one or more digits; every other character
/// itself.
fn version_matches(format: &str, version: &str) -> bool {
    let (format, version) = (format.as_bytes(), version.as_bytes());
    let (mut f, mut v) = (0, 0);
    while f < format.len() {
        if format[f] == b'N' {
            let start = v;
            while v < version.len() && version[v].is_ascii_digit() {
                v += 1;
            }
            if v == start {
                return false;
            }
        } else if version.get(v) == Some(&format[f]) {
            v += 1;
        } else {
            return false;
        }
        f += 1;
    }
    v == version.len()
}

/// How the Terraform backend provisions a cloud (stdlib data).
#[derive(Clone, Debug)]
pub struct TerraformProvider {
    /// Registry address (`oracle/oci`) and version constraint.
    pub registry: String,
    pub version: String,
    pub terraform_version: String,
    pub network_cidr: String,
    /// Node image by architecture (`arm64`), in the provider's terms.
    pub images: IndexMap<String, String>,
    /// Shapes whose OCPUs and memory are set per node pool.
    pub flexible_shapes: Vec<String>,
    pub provenance: Provenance,
}

#[derive(Clone, Debug)]
pub struct Reservation {
    pub kube_cpu: Vec<i64>,
    pub kube_cpu_extra_core_share: i64,
    /// (nodes with at most this much memory, reserve this much).
    pub kube_memory: Vec<(i64, i64)>,
    pub system_cpu: i64,
    pub system_memory: i64,
    pub eviction_memory: i64,
    pub max_pods: i64,
    pub provenance: Provenance,
}

#[derive(Clone, Debug)]
pub struct StorageClass {
    /// The Kubernetes storage class name (`oci-bv`).
    pub name: String,
    pub provisioner: String,
    pub min_size: i64,
    pub max_size: i64,
    pub node_local: bool,
    /// The cluster comes with it; otherwise the Kubernetes tree creates it.
    pub provided_by_cloud: bool,
    pub parameters: IndexMap<String, String>,
    pub annotations: IndexMap<String, String>,
    /// Velero's file-system backup copies its volumes (not hostPath ones).
    pub file_system_backup: bool,
    pub price_gb_month: i64,
    pub provenance: Provenance,
}

#[derive(Clone, Debug)]
pub struct Pricing {
    pub provider: String,
    pub as_of: String,
    pub cpu_month: i64,
    pub memory_gb_month: i64,
    pub block_gb_month: i64,
    pub object_gb_month: i64,
    pub load_balancer_month: i64,
    pub control_plane_month: i64,
    pub provenance: Provenance,
}

#[derive(Clone, Debug)]
pub struct Budget {
    pub name: String,
    pub as_of: String,
    pub cpu: i64,
    pub memory: i64,
    pub block_storage: i64,
    pub object_storage: i64,
    pub load_balancers: i64,
    pub provenance: Provenance,
    /// Where the platform selects it.
    pub span: Span,
    /// The newest budget of the loaded modules that says it `supersedes`
    /// this one, directly or through others (W0701).
    pub superseded_by: Option<NewerBudget>,
}

/// A dated budget that replaces another: how the platform names it, and
/// from when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewerBudget {
    /// `oci.always_free_2026`, or the bare name where no `use` names its
    /// module.
    pub path: String,
    pub as_of: String,
}

#[derive(Clone, Debug)]
pub struct Shape {
    pub provider: String,
    pub name: String,
    pub arch: String,
    pub cpu: i64,
    pub memory: i64,
    pub vcpus_per_ocpu: i64,
    pub max_pods: i64,
    /// VNICs: one per OCPU (rounded up) within `min_vnics..=max_vnics`;
    /// 0 per OCPU: not counted.
    pub vnics_per_ocpu: i64,
    pub min_vnics: i64,
    pub max_vnics: i64,
    pub price_month: i64,
    pub provenance: Provenance,
}

impl Shape {
    /// The VNICs a node of this shape has; 0 when the stdlib does not
    /// count them.
    pub fn vnics(&self) -> i64 {
        if self.vnics_per_ocpu == 0 {
            return 0;
        }
        let ocpus = (self.cpu + 999) / 1000 / self.vcpus_per_ocpu.max(1);
        (ocpus.max(1) * self.vnics_per_ocpu)
            .clamp(self.min_vnics, self.max_vnics.max(self.min_vnics))
    }
}

impl PodNetwork {
    /// The pods it allows on a node of `shape`, and why, when it limits
    /// them below its flat maximum by the shape's VNICs.
    pub fn max_pods(&self, shape: &Shape) -> (i64, Option<String>) {
        let vnics = shape.vnics();
        if self.pods_per_vnic == 0 || vnics == 0 {
            return (self.max_pods, None);
        }
        let by_vnics = (vnics - 1).max(0) * self.pods_per_vnic;
        if by_vnics >= self.max_pods {
            return (self.max_pods, None);
        }
        (
            by_vnics,
            Some(format!(
                "{}: ({vnics} VNICs - 1) x {} pods",
                self.name, self.pods_per_vnic
            )),
        )
    }
}

#[derive(Clone, Debug)]
pub struct Node {
    pub name: String,
    /// The name in generated files (`app-primary`).
    pub k8s_name: String,
    pub span: Span,
    pub shape: Shape,
    pub shape_span: Span,
    pub role: String,
    pub boot_volume: i64,
    pub boot_volume_span: Span,
    pub labels: IndexMap<String, String>,
    /// The pods the cluster's pod network allows on this node, and why
    /// when the shape's VNICs limit them (VCN-native pod networking).
    pub network_max_pods: i64,
    pub network_limit: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Namespace {
    pub name: String,
    pub k8s_name: String,
    pub span: Span,
    /// `None` when the source leaves it out (a safety error).
    pub pod_security: Option<String>,
    /// Exists on every cluster; not emitted.
    pub managed: bool,
}

#[derive(Clone, Debug, Copy, Default, PartialEq, Eq)]
pub struct Range {
    pub request: i64,
    pub limit: i64,
}

#[derive(Clone, Debug)]
pub struct Probe {
    /// HTTP GET when not empty, else `exec` when not empty, else gRPC when
    /// `grpc`, else TCP.
    pub path: String,
    pub headers: IndexMap<String, String>,
    pub exec: Vec<String>,
    pub grpc: bool,
    pub grpc_service: String,
    pub port: String,
    /// Where `port` is set; the probe's own span when it is not.
    pub port_span: Span,
    /// Unset: Kubernetes' default.
    pub initial_delay_ms: Option<i64>,
    pub period_ms: Option<i64>,
    pub timeout_ms: Option<i64>,
    pub failures: Option<i64>,
}

/// A public load balancer straight to some of a service's ports.
#[derive(Clone, Debug)]
pub struct LoadBalancer {
    /// Port names; every port of the service when empty.
    pub ports: Vec<String>,
    pub tls: bool,
    /// Plain traffic acknowledged.
    pub plaintext: bool,
    pub source_ranges: Vec<String>,
    pub span: Span,
}

/// A volume as long-lived as the pod (emptyDir).
#[derive(Clone, Debug)]
pub struct EmptyDir {
    pub name: String,
    pub mount: String,
    /// Its limit; `None`: unlimited.
    pub size: Option<i64>,
    /// In memory (tmpfs) rather than on the node's disk.
    pub memory: bool,
    pub span: Span,
}

/// A container that runs to completion before the service's own.
#[derive(Clone, Debug)]
pub struct InitContainer {
    pub name: String,
    pub image: String,
    pub command: Vec<String>,
    pub args: Vec<String>,
    pub env: IndexMap<String, String>,
}

#[derive(Clone, Debug)]
pub struct Endpoint {
    pub name: String,
    pub host: String,
    pub port: String,
    /// Where `port` is set; the entry's span when it is not.
    pub port_span: Span,
    pub path: String,
    pub tls: bool,
    /// Only with a JWT the gateway verified.
    pub authenticated: bool,
    pub span: Span,
}

#[derive(Clone, Debug, Default)]
pub struct Autoscale {
    pub cpu: Option<i64>,
    pub memory: Option<i64>,
    pub queue_depth: Option<i64>,
    /// The series `queue_depth` is measured by; empty: none.
    pub queue_metric: String,
    /// The service whose scraped series hold the queue.
    pub queue: Option<ServiceId>,
    /// The `autoscale` value in the source.
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Backup {
    pub schedule: String,
    pub keep_daily: i64,
    pub keep_weekly: i64,
    /// The bucket's generated name.
    pub bucket: String,
    pub span: Span,
    /// The S3 client image that uploads the dumps.
    pub uploader: String,
    /// The S3 client's settings, in its container's environment.
    pub uploader_env: IndexMap<String, String>,
    /// Shell scripts the uploader runs: copy $BACKUP_DIR to the bucket and
    /// rotate; fetch the newest daily copy into $BACKUP_DIR.
    pub upload: String,
    pub download: String,
    /// S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY.
    pub secrets: IndexMap<String, SecretRef>,
    /// What each container of its jobs asks; the pod asks it once (its
    /// containers run one after the other).
    pub cpu: Range,
    pub memory: Range,
}

/// A workload's own access to one bucket (`object_storage`): hplc puts
/// the endpoint, the bucket, the region and the addressing style in its
/// environment, and its key pair (`secrets`) among its secrets.
#[derive(Clone, Debug)]
pub struct BucketAccess {
    /// An index into the platform's buckets.
    pub bucket: usize,
    /// S3_ACCESS_KEY and S3_SECRET_KEY.
    pub secrets: IndexMap<String, SecretRef>,
    /// The names of the variables that hold the endpoint, the bucket's
    /// name in the cloud, the region and the addressing style.
    pub endpoint_env: String,
    pub bucket_env: String,
    pub region_env: String,
    pub addressing_env: String,
    pub span: Span,
}

/// The secrets of a key pair to an S3 endpoint, by the names a `backup` or
/// a `bucket_access` gives them.
pub const S3_KEY_PAIR: [&str; 2] = ["S3_ACCESS_KEY", "S3_SECRET_KEY"];

impl Platform {
    /// The S3 endpoint of the platform's object storage, from the cloud's
    /// `s3_endpoint` and the cluster's inputs; `{namespace}` stays while
    /// the inputs leave it out (a build refuses that: E0121).
    /// Whether anything of the platform reaches the cloud's object storage
    /// through its S3 endpoint: a workload's bucket, or a replicated
    /// cluster archiving to one.
    pub fn reaches_object_storage(&self) -> bool {
        self.deployed()
            .any(|(_, service)| service.object_storage.is_some())
            || self
                .services
                .iter()
                .filter_map(|s| s.replication.as_deref())
                .any(Replication::archives)
    }

    pub fn s3_endpoint(&self) -> String {
        let endpoint = self
            .cloud
            .s3_endpoint
            .replace("{region}", &self.cloud.region);
        match &self.inputs.object_storage_namespace {
            Some(namespace) => endpoint.replace("{namespace}", namespace),
            None => endpoint,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Exporter {
    pub image: String,
    pub port: u16,
    pub path: String,
    pub cpu: Range,
    pub memory: Range,
    pub env: IndexMap<String, String>,
    pub secrets: IndexMap<String, SecretRef>,
    /// The workload's `empty_dir`s it mounts too, by name.
    pub mounts: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Volume {
    pub name: String,
    pub size: i64,
    pub class: StorageClass,
    pub mount: String,
    /// What it holds can be lost (a cache, state its service rebuilds):
    /// it needs no backup path (W0604), and Velero leaves it out.
    pub disposable: bool,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct SecretRef {
    pub store: String,
    pub name: String,
    pub key: String,
    /// The secret's declaration (a `let` or a record in place).
    pub span: Span,
}

/// One key of one Secret sealed by kubeseal (strict scope), from the
/// platform's `sealed_values`.
#[derive(Clone, Debug)]
pub struct SealedValue {
    pub namespace: NamespaceId,
    pub name: String,
    pub key: String,
    /// Base64, as `kubeseal --raw` prints it.
    pub ciphertext: String,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Need {
    pub target: ServiceId,
    /// The port it names (`needs = [broker.port.amqp]`); otherwise the
    /// target's main port ([`Service::main_port`]).
    pub port: Option<String>,
    pub span: Span,
}

/// Anything that runs pods on the cluster: its identity, what it asks of
/// the nodes, how it is reached, how it gets onto the cluster
/// ([`Install`]), its pod as hplc writes it ([`Pod`]), how it is observed,
/// and the roles some components take ([`Roles`]).
///
/// The larger parts most services lack (a replication, a backup, probes,
/// an exporter) are boxed: every service of a large platform is lowered
/// into one list, whose size is memory the kernel hands out page by page
/// (a service went from 4.3 KB to about 2 KB).
#[derive(Clone, Debug)]
pub struct Service {
    pub name: String,
    pub k8s_name: String,
    /// The kind it was declared with (`postgres`, `service`).
    pub kind: String,
    /// Its kind is a component of the stdlib that chooses its image (not
    /// `service` itself, nor a kind of the platform's own files, nor one
    /// that leaves the image to the platform): the image table knows its
    /// images, even when the platform pins another release.
    pub component: bool,
    pub span: Span,
    pub namespace: NamespaceId,
    pub install: Install,
    // What it asks of the nodes.
    pub cpu: Range,
    pub cpu_span: Span,
    pub memory: Range,
    pub memory_span: Span,
    pub replicas: Range,
    pub replicas_span: Span,
    pub autoscale: Option<Box<Autoscale>>,
    pub placement: Placement,
    pub volumes: Vec<Volume>,
    // How it is reached.
    pub ports: IndexMap<String, u16>,
    /// The Service's port of a named port, where it differs from the
    /// container's (`service_port`).
    pub service_ports: IndexMap<String, u16>,
    pub service_port_spans: IndexMap<String, Span>,
    /// A public load balancer of its own, besides its ClusterIP Service.
    pub load_balancer: Option<Box<LoadBalancer>>,
    /// Where each port is declared: its entry in the instance, else the
    /// instance's name (a port its kind declares).
    pub port_spans: IndexMap<String, Span>,
    /// The port a `needs` that names none opens (`main_port`).
    pub main_port: Option<String>,
    /// Ports of an interface for operators or controllers (a management
    /// API, a console): opened only by a `needs` that names them.
    pub management_ports: Vec<String>,
    /// Ports of an admin endpoint: opened only by a `needs` that names
    /// them, and never published (E0810).
    pub admin_ports: Vec<String>,
    pub needs: Vec<Need>,
    pub expose: Vec<Endpoint>,
    pub pod: Pod,
    // How it is observed.
    pub metrics: Option<Metrics>,
    pub alerts: Vec<Alert>,
    pub panels: Vec<Panel>,
    pub http_metrics: Option<Box<HttpMetrics>>,
    pub backup: Option<Box<Backup>>,
    /// The bucket it reads and writes through the S3 endpoint.
    pub object_storage: Option<Box<BucketAccess>>,
    /// How its kind backs up and restores its data (stdlib data).
    pub backup_method: Option<Box<BackupMethod>>,
    /// Its data is one server's, which knows no peers: one replica only.
    pub single_server: bool,
    /// Its clients' logins to the server hplc runs itself (`logins`),
    /// each a role its kind's `login_script` creates; a replicated
    /// cluster without logins of its own takes these.
    pub logins: Vec<ClientLogin>,
    /// Every client must log in with a login of its own (E0911).
    pub client_logins: bool,
    /// Its replicas are one replicated cluster an operator runs
    /// (`replication`): hplc writes the operator's custom resources, not
    /// its pods.
    pub replication: Option<Box<Replication>>,
    /// Its data may be lost at any time (`cache`): where it is declared,
    /// if it is.
    pub cache: Option<Span>,
    pub roles: Roles,
    /// Containers its controller adds beside the main one.
    pub sidecars: Vec<Sidecar>,
    /// Connections no edge of the graph names.
    pub flows: Vec<Flow>,
}

/// How an operator runs a component as one replicated cluster
/// (stdlib/prelude.hpl, `replication`).
#[derive(Clone, Debug)]
pub struct Replication {
    /// The operator; a service whose `replicates` is another kind than
    /// the component's was refused by the checks.
    pub operator: ServiceId,
    /// Where `replication` is set.
    pub span: Span,
    /// Where `operator` is set.
    pub operator_span: Span,
    /// The backup plugin, when the write-ahead log is archived.
    pub plugin: Option<ServiceId>,
    /// The bucket's generated name (`database-backups`), when archived.
    pub bucket: Option<String>,
    /// Base backups, in cron's five fields (UTC).
    pub schedule: String,
    pub keep_ms: i64,
    /// ACCESS_KEY_ID, ACCESS_SECRET_KEY.
    pub secrets: IndexMap<String, SecretRef>,
    /// Environment of the backup plugin's sidecar.
    pub sidecar_env: IndexMap<String, String>,
    /// The database it is created with and its owner.
    pub database: String,
    pub owner: String,
    /// Logins the operator reads (`username` and `password` keys): the
    /// owner's (`None`: the operator writes one) and the superuser's
    /// (`None`: superuser access off).
    pub owner_login: Option<SecretRef>,
    pub superuser_login: Option<SecretRef>,
    /// Every key of every Secret above ([`Replication::with_refs`]), and
    /// a RabbitmqCluster's default user's.
    pub refs: Vec<SecretRef>,
    /// Each client's login (`logins`), by the client's name, which is the
    /// name of its role.
    pub logins: Vec<ClientLogin>,
    /// Every client must log in with a login of its own (E0911).
    pub client_logins: bool,
    /// The backup plugin's container in every instance's pod, when it
    /// archives ([`Replication::archives`]); also in the service's
    /// `sidecars`, which the planner counts.
    pub plugin_sidecar: Option<Sidecar>,
    /// Which archive it writes: 1 until its first restore, one more after
    /// each ([`Replication::server_name`]).
    pub generation: i64,
    /// The custom resources its operator runs it from (the operator's
    /// `cluster_api`), which say what hplc writes.
    pub cluster_api: Option<String>,
    /// The fields written in the source, where: the checks refuse those
    /// its operator's resources have no place for.
    pub fields_set: Vec<(String, Span)>,
    /// The container the operator runs each instance's server in.
    pub container: String,
}

impl Pod {
    /// It creates its clients' roles itself, after it started or before.
    pub fn creates_logins(&self) -> bool {
        self.login_script.is_some() || self.login_init
    }
}

/// The login of one client of a replicated cluster: a role of its own.
#[derive(Clone, Debug)]
pub struct ClientLogin {
    /// The client's name, which is its role's.
    pub client: String,
    /// The key of its password.
    pub secret: SecretRef,
    /// The key of its role's name (`username`) in the same Secret.
    pub username: SecretRef,
    /// Where the entry is set.
    pub span: Span,
}

/// The `cluster_api` of the RabbitMQ Cluster Operator's `RabbitmqCluster`.
pub const RABBITMQ_CLUSTER: &str = "rabbitmq";

/// The default user's Secret of the RabbitmqCluster `name`, under the name
/// the operator gives the one it writes, and its keys: the login, and the
/// configuration file the nodes read it from (`default_user = ...`,
/// `default_pass = ...`), as the operator's `secretBackend.externalSecret`
/// takes them (internal/resource/statefulset.go, v2.22.3).
pub fn default_user_secret(name: &str) -> String {
    format!("{name}-default-user")
}
pub const DEFAULT_USER_KEYS: [&str; 3] = ["username", "password", "default_user.conf"];

impl Replication {
    /// Whether its operator archives it to a bucket (through a plugin):
    /// its backup path, and a reader of the object storage.
    pub fn archives(&self) -> bool {
        self.bucket.is_some() && self.plugin.is_some()
    }

    /// The name the archive of one generation of the cluster `name` is
    /// kept under in its object store (Barman's server name): the
    /// cluster's own for the first, `<name>-<generation>` after a restore,
    /// so that a recovered cluster never archives where its former self
    /// did.
    pub fn server_name(&self, name: &str, generation: i64) -> String {
        if generation <= 1 {
            name.to_string()
        } else {
            format!("{name}-{generation}")
        }
    }

    /// Run as a `RabbitmqCluster`, whose pods the operator labels
    /// `app.kubernetes.io/name: <name>` (dropping the resource's own
    /// `app.kubernetes.io/` labels) and whose clients' Service has its
    /// name.
    pub fn is_rabbitmq(&self) -> bool {
        self.cluster_api.as_deref() == Some(RABBITMQ_CLUSTER)
    }

    /// Every key of every Secret it names: the object storage's
    /// credentials, and both keys of each login (the clients' too).
    pub fn with_refs(mut self) -> Replication {
        let logins: Vec<SecretRef> = [&self.owner_login, &self.superuser_login]
            .into_iter()
            .flatten()
            .chain(self.logins.iter().map(|login| &login.secret))
            .flat_map(|login| {
                ["username", "password"].map(|key| SecretRef {
                    key: key.to_string(),
                    ..login.clone()
                })
            })
            .collect();
        self.refs = self.secrets.values().cloned().chain(logins).collect();
        self
    }
}

/// A container a controller adds to the pods it makes.
#[derive(Clone, Debug)]
pub struct Sidecar {
    pub name: String,
    pub cpu: Range,
    pub memory: Range,
}

/// A connection a component declares (stdlib/prelude.hpl, `flow`).
#[derive(Clone, Debug)]
pub struct Flow {
    pub name: String,
    pub peer: Peer,
    /// `peer` opens it; otherwise the component does.
    pub inbound: bool,
    pub ports: Vec<u16>,
    /// For [`Peer::Labelled`]: the labels of the pods.
    pub labels: IndexMap<String, String>,
    pub why: String,
    pub source: String,
    pub span: Span,
}

/// The other end of a declared flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Peer {
    Dns,
    ApiServer,
    Kubelets,
    InstanceMetadata,
    Internet,
    Labelled,
    Operated,
    Itself,
}

impl Peer {
    pub const ALL: [(&'static str, Peer); 8] = [
        ("dns", Peer::Dns),
        ("api_server", Peer::ApiServer),
        ("kubelets", Peer::Kubelets),
        ("instance_metadata", Peer::InstanceMetadata),
        ("internet", Peer::Internet),
        ("labelled", Peer::Labelled),
        ("operated", Peer::Operated),
        ("itself", Peer::Itself),
    ];

    /// The variant of the prelude's enum named `name`.
    pub fn named(name: &str) -> Option<Peer> {
        Peer::ALL.iter().find(|(n, _)| *n == name).map(|(_, p)| *p)
    }
}

/// Shell scripts that run in the component's own image: `dump` writes the
/// files to keep under /backup, `restore` reads them back from there.
#[derive(Clone, Debug)]
pub struct BackupMethod {
    pub dump: String,
    pub restore: String,
    /// A command run in the component's container that shows what a
    /// restore brought back (the README's runbook).
    pub check: String,
}

/// How a service's pods get onto the cluster.
#[derive(Clone, Debug)]
pub enum Install {
    /// hplc writes its manifests.
    Manifests,
    /// The cloud installs it (the cluster's system pods): counted by
    /// placement, never emitted.
    Cloud,
    /// An upstream chart installs it, with values hplc writes.
    Chart(Box<Chart>),
    /// A controller (another service) makes its pods from objects hplc
    /// writes for it: a gateway's proxies.
    Operated(ServiceId),
}

/// Where its replicas may run.
#[derive(Clone, Debug, Default)]
pub struct Placement {
    /// Pinned to one node.
    pub place: Option<(NodeId, Span)>,
    /// Only on nodes of this role (empty: any).
    pub node_role: String,
    /// Replicas on different nodes where possible.
    pub spread: bool,
    /// One pod on every node (a DaemonSet).
    pub daemon: bool,
}

/// The pod hplc writes for a service: image, process, environment,
/// security and the API permissions of its account.
#[derive(Clone, Debug)]
pub struct Pod {
    pub image: String,
    pub image_span: Span,
    pub multi_arch: bool,
    pub command: Vec<String>,
    pub args: Vec<String>,
    pub env: IndexMap<String, String>,
    /// Where each `env` entry is set, for diagnostics.
    pub env_spans: IndexMap<String, Span>,
    pub secrets: IndexMap<String, SecretRef>,
    /// Where each `secret` entry is set (the secret's own span is where
    /// its value is, often a `let`), for diagnostics.
    pub secret_spans: IndexMap<String, Span>,
    /// Its image reads each secret `NAME` from the file `NAME_FILE` names:
    /// the secrets are mounted as files, never put in the environment.
    pub secret_files: bool,
    pub run_as: i64,
    pub read_only_root: bool,
    pub capabilities: Vec<String>,
    pub host_access: bool,
    /// Host directories mounted read-only under /host, by volume name.
    pub host_paths: IndexMap<String, String>,
    pub config: IndexMap<String, String>,
    pub config_mount: String,
    pub permissions: Vec<Permission>,
    pub live: Option<Box<Probe>>,
    pub ready: Option<Box<Probe>>,
    pub exporter: Option<Box<Exporter>>,
    pub empty_dirs: Vec<EmptyDir>,
    pub init: Vec<InitContainer>,
    /// Unset: Kubernetes' default.
    pub termination_grace_ms: Option<i64>,
    /// Labels besides hplc's own, on the pods and the workload.
    pub labels: IndexMap<String, String>,
    /// Where `labels` is set.
    pub labels_span: Span,
    /// How long it keeps its data, and the flag that says so.
    pub retention: Option<Retention>,
    /// Run in the main container once it has started (`postStart`):
    /// creates or updates each client's role from its `logins`.
    pub login_script: Option<String>,
    /// Its init containers write the clients' users from its `logins`
    /// into the server's configuration instead.
    pub login_init: bool,
}

#[derive(Clone, Debug)]
pub struct Retention {
    pub ms: i64,
    /// The command-line flag that takes it (`--storage.tsdb.retention.time`).
    pub flag: String,
}

/// Where a service serves its metrics.
#[derive(Clone, Debug)]
pub struct Metrics {
    pub path: String,
    /// The port's name; empty for the first port.
    pub port: String,
    /// Its series describe other objects and carry their own `namespace`
    /// labels (kube-state-metrics): the scraper keeps them.
    pub honor_labels: bool,
}

/// What some components are to the rest of the platform. Each role is a
/// typed facet a backend reads; a service without a role has none set.
#[derive(Clone, Debug, Default)]
pub struct Roles {
    /// Receives the public traffic and routes it to every exposed service:
    /// a Gateway API gateway.
    pub ingress: bool,
    /// A Gateway API implementation: the controller name of its class.
    pub gateway_controller: Option<String>,
    /// Scrapes every metrics endpoint of the platform.
    pub scraper: bool,
    /// A gateway that routes to services, verifying JWTs.
    pub gateway: Option<Gateway>,
    /// A Grafana data source it serves (Prometheus, Loki, Jaeger).
    pub datasource: Option<DataSource>,
    /// A tracing backend: the port that takes OTLP (over HTTP), and the
    /// one that takes it over gRPC.
    pub otlp_port: Option<String>,
    pub otlp_grpc_port: Option<String>,
    /// A log store: the path of its first port that takes pushed logs.
    pub log_push_path: Option<String>,
    /// An alert router: the port that takes alerts, and where they go.
    pub alerts_port: Option<String>,
    pub receivers: Vec<Receiver>,
    /// An operator of replicated clusters: the kind of component it runs
    /// (`postgres`) and the custom resources it runs them from
    /// (`cloudnative_pg`).
    pub replicates: Option<String>,
    pub cluster_api: Option<String>,
}

/// Where an alert router sends the alerts of some severities.
#[derive(Clone, Debug)]
pub struct Receiver {
    pub name: String,
    pub severities: Vec<String>,
    /// Also the Watchdog, which always fires.
    pub heartbeat: bool,
    pub email: String,
    pub smtp: String,
    pub smtp_from: String,
    pub smtp_user: String,
    pub smtp_password: Option<SecretRef>,
    pub slack_channel: String,
    pub slack_url: Option<SecretRef>,
    pub webhook_url: Option<SecretRef>,
}

#[derive(Clone, Debug)]
pub struct Gateway {
    pub routes: Vec<Route>,
    pub jwt: Option<Jwt>,
}

impl Volume {
    /// What the storage class provisions, and the budget counts: the size
    /// asked for, rounded up to the class minimum.
    pub fn provisioned(&self) -> i64 {
        self.size.max(self.class.min_size)
    }
}

impl Service {
    /// The node-local storage one pod carves from its node's boot volume:
    /// its volumes of a node-local class and its disk-backed emptyDirs.
    pub fn node_local_storage(&self) -> i64 {
        let volumes: i64 = self
            .volumes
            .iter()
            .filter(|v| v.class.node_local)
            .map(Volume::provisioned)
            .sum();
        volumes + self.ephemeral_storage()
    }

    /// What its disk-backed emptyDirs may hold, together.
    pub fn ephemeral_storage(&self) -> i64 {
        self.pod
            .empty_dirs
            .iter()
            .filter(|e| !e.memory)
            .filter_map(|e| e.size)
            .sum()
    }

    /// The port its Service gives the port named `name`: `service_port`,
    /// else the container's.
    pub fn service_port(&self, name: &str) -> Option<u16> {
        self.service_ports
            .get(name)
            .or_else(|| self.ports.get(name))
            .copied()
    }

    /// The ports its own load balancer carries: (name, the Service's
    /// number, the container's number); empty without one.
    pub fn load_balancer_ports(&self) -> Vec<(&str, u16, u16)> {
        let Some(balancer) = &self.load_balancer else {
            return Vec::new();
        };
        self.ports
            .iter()
            .filter(|(name, _)| balancer.ports.is_empty() || balancer.ports.contains(name))
            .filter_map(|(name, number)| Some((name.as_str(), self.service_port(name)?, *number)))
            .collect()
    }

    /// The name of its LoadBalancer Service, beside the ClusterIP one.
    pub fn public_service_name(&self) -> String {
        format!("{}-public", self.k8s_name)
    }

    /// What one replica puts on its node: the pod hplc writes (the main
    /// container and the exporter beside it), or, for a chart, every pod
    /// of the chart that is not one per node.
    pub fn replica_group(&self) -> PodGroup {
        if let Install::Chart(chart) = &self.install {
            return chart.group(false);
        }
        let beside = self
            .pod
            .exporter
            .iter()
            .map(|e| (e.cpu, e.memory))
            .chain(self.sidecars.iter().map(|s| (s.cpu, s.memory)));
        let (mut cpu, mut memory) = (self.cpu, self.memory);
        for (c, m) in beside {
            cpu.request += c.request;
            cpu.limit += c.limit;
            memory.request += m.request;
            memory.limit += m.limit;
        }
        PodGroup {
            cpu,
            memory,
            pods: 1,
        }
    }

    /// What a chart runs on every node besides its replicas (its
    /// DaemonSets); `None` when nothing.
    pub fn per_node_group(&self) -> Option<PodGroup> {
        match &self.install {
            Install::Chart(chart) => Some(chart.group(true)).filter(|g| g.pods > 0),
            _ => None,
        }
    }

    /// Requests of one replica ([`Service::replica_group`]).
    pub fn pod_cpu(&self) -> Range {
        self.replica_group().cpu
    }

    pub fn pod_memory(&self) -> Range {
        self.replica_group().memory
    }

    /// The chart that installs it, if one does.
    pub fn chart(&self) -> Option<&Chart> {
        match &self.install {
            Install::Chart(chart) => Some(chart),
            _ => None,
        }
    }

    /// Its replicas are a range, which an autoscaler moves within (a
    /// DaemonSet's pods follow the nodes instead).
    pub fn autoscaled(&self) -> bool {
        !self.placement.daemon && self.replicas.request < self.replicas.limit
    }

    /// hplc writes its objects: not installed by the cloud.
    pub fn deployed(&self) -> bool {
        !matches!(self.install, Install::Cloud)
    }

    /// The controller that makes its pods, if one does.
    pub fn operator(&self) -> Option<ServiceId> {
        match self.install {
            Install::Operated(by) => Some(by),
            _ => None,
        }
    }

    /// Its pods carry the release label (`app.kubernetes.io/instance`)
    /// rather than the name hplc gives the pods it writes: a chart's pods,
    /// and the pods a controller makes.
    pub fn pods_by_instance(&self) -> bool {
        match &self.install {
            // A release manifest that names its pods itself.
            Install::Chart(chart) => chart.pods_named.is_empty(),
            Install::Operated(_) => !self
                .replication
                .as_deref()
                .is_some_and(Replication::is_rabbitmq),
            _ => false,
        }
    }

    pub fn is_stateful(&self) -> bool {
        !self.volumes.is_empty()
    }

    /// The port metrics are scraped on: the metrics' port when it names
    /// one (none when no port has that name), else the first port.
    pub fn metrics_port_number(&self) -> Option<u16> {
        let metrics = self.metrics.as_ref()?;
        if metrics.port.is_empty() {
            self.ports.values().next().copied()
        } else {
            self.ports.get(&metrics.port).copied()
        }
    }

    /// The Kubernetes objects named after it besides its workload and
    /// Service, which the checks hold to the API's limits and the backends
    /// write: the headless Service of a StatefulSet, the backup and restore
    /// CronJobs.
    pub fn headless_name(&self) -> String {
        format!("{}-headless", self.k8s_name)
    }

    /// The Service its clients reach: its own, or the read-write Service
    /// of a CloudNativePG cluster (`<name>-rw`, the primary), which the
    /// operator makes (a RabbitmqCluster's has the cluster's name).
    pub fn client_service_name(&self) -> String {
        if self.replication.as_ref().is_some_and(|r| !r.is_rabbitmq()) {
            format!("{}-rw", self.k8s_name)
        } else {
            self.k8s_name.clone()
        }
    }

    /// The Secret of a RabbitmqCluster's default user
    /// (`<name>-default-user`), which hplc gives the operator from the
    /// platform's store (`secretBackend.externalSecret`) and its clients
    /// read under the same name in their own namespaces.
    pub fn default_user_secret(&self) -> Option<String> {
        let replication = self.replication.as_ref()?;
        replication
            .is_rabbitmq()
            .then(|| default_user_secret(&self.k8s_name))
    }

    /// The workload and the container a replicated cluster's operator
    /// makes for it, where hplc knows them: a RabbitmqCluster's
    /// StatefulSet `<name>-server`, its container `rabbitmq`, its claims
    /// `persistence-<name>-server-<ordinal>` (the operator's
    /// internal/resource/statefulset.go, v2.22.3).
    pub fn operated_workload(&self) -> Option<(String, String)> {
        let replication = self.replication.as_ref()?;
        replication.is_rabbitmq().then(|| {
            (
                format!("StatefulSet/{}-server", self.k8s_name),
                replication.container.clone(),
            )
        })
    }

    /// The name its instances' pods start with and their server's
    /// container, for a replicated cluster: a RabbitmqCluster's StatefulSet
    /// `<name>-server`, a CloudNativePG cluster's `<name>-<serial>` pods,
    /// which it makes without a workload (pkg/specs/pods.go).
    pub fn operated_instances(&self) -> Option<(String, String)> {
        let replication = self.replication.as_ref()?;
        let pods = match self.operated_workload() {
            Some((workload, _)) => workload
                .split_once('/')
                .map_or(workload.clone(), |(_, name)| name.to_string()),
            None => self.k8s_name.clone(),
        };
        Some((pods, replication.container.clone()))
    }

    pub fn backup_job_name(&self) -> String {
        format!("{}-backup", self.k8s_name)
    }

    pub fn restore_job_name(&self) -> String {
        format!("{}-restore", self.k8s_name)
    }

    /// The name of the port metrics are served on; empty for none.
    /// The port a `needs` that names none opens: `main_port`, else the
    /// first port that is neither a management nor an admin one.
    pub fn main_port(&self) -> Option<(&String, u16)> {
        match &self.main_port {
            Some(name) => self.ports.get_key_value(name).map(|(n, p)| (n, *p)),
            None => self
                .ports
                .iter()
                .find(|(n, _)| !self.management_ports.contains(n) && !self.admin_ports.contains(n))
                .map(|(n, p)| (n, *p)),
        }
    }

    pub fn metrics_port_name(&self) -> &str {
        self.metrics.as_ref().map_or("", |m| m.port.as_str())
    }
}

/// The node label the Kubernetes backend selects a node by: its name.
pub const NODE_LABEL: &str = "hplc.dev/node";
/// The node label the Kubernetes backend selects nodes of a role by.
pub const ROLE_LABEL: &str = "hplc.dev/role";

impl Node {
    /// The labels the node carries in the cluster: the two hplc selects on
    /// (its name and role), then its own `labels`. Node pools set them.
    pub fn cluster_labels(&self) -> IndexMap<String, String> {
        let mut labels = IndexMap::new();
        labels.insert(NODE_LABEL.to_string(), self.k8s_name.clone());
        labels.insert(ROLE_LABEL.to_string(), self.role.clone());
        for (key, value) in &self.labels {
            labels.insert(key.clone(), value.clone());
        }
        labels
    }
}

impl Platform {
    /// The services hplc writes objects for, with their ids: every one but
    /// those the cloud installs.
    pub fn deployed(&self) -> impl Iterator<Item = (ServiceId, &Service)> {
        self.services
            .iter()
            .enumerate()
            .filter(|(_, service)| service.deployed())
    }

    /// The cluster's name: the platform's, suffixed with the environment
    /// outside the default one (`health-production`), so that two
    /// environments never claim one cluster; it prefixes the names of the
    /// cloud resources (buckets, identities).
    pub fn cluster_name(&self) -> String {
        cluster_name(&self.name, &self.env)
    }

    pub fn node_named(&self, name: &str) -> Option<NodeId> {
        self.nodes.iter().position(|n| n.name == name)
    }

    pub fn namespace_of(&self, service: &Service) -> &Namespace {
        &self.namespaces[service.namespace]
    }

    /// Where its pods run: a gateway's controller makes them in its own
    /// namespace (Envoy Gateway's proxies); a replicated cluster's operator
    /// in the cluster's; every other service's are in its namespace.
    pub fn pods_namespace_of(&self, service: &Service) -> &Namespace {
        match service.operator() {
            Some(by) if service.replication.is_none() => self.namespace_of(&self.services[by]),
            _ => self.namespace_of(service),
        }
    }
}

pub fn cluster_name(platform: &str, env: &str) -> String {
    let name = k8s_name(platform);
    if env == crate::types::DEFAULT_ENV {
        name
    } else {
        format!("{name}-{}", k8s_name(env))
    }
}

pub use crate::types::names::k8s_name;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_match_their_format_strictly() {
        assert!(version_matches("vN.N.N", "v1.34.1"));
        assert!(!version_matches("vN.N.N", "1.34.1"));
        assert!(!version_matches("vN.N.N", "v1.34"));
        assert!(!version_matches("vN.N.N", "v1.34.1-1"));
        assert!(version_matches("N.N", "1.35"));
        assert!(!version_matches("N.N", "1.35.0"));
        assert!(!version_matches("N.N", ""));
    }

    #[test]
    fn the_format_becomes_an_re2_pattern() {
        let service = KubernetesService {
            name: String::new(),
            version_format: "vN.N.N".into(),
            versions: Vec::new(),
            pod_network: PodNetwork {
                provider: String::new(),
                name: String::new(),
                max_pods: 110,
                pods_per_vnic: 0,
                network_policy: String::new(),
                provenance: Provenance::default(),
            },
            provenance: Provenance::default(),
        };
        assert_eq!(service.format_regex(), r"^v[0-9]+\.[0-9]+\.[0-9]+$");
    }
}
