//! Components installed from upstream Helm charts: the pinned chart, the
//! values hplc writes for it, and what the chart runs as recorded from a
//! real render (stdlib data written by scripts/render-charts), which the
//! planner counts.

use indexmap::IndexMap;

use super::{Provenance, Range};
use crate::types::ty::Dim;

/// An upstream chart, pinned, as a component's stdlib kind declares it.
#[derive(Clone, Debug)]
pub struct Chart {
    /// A chart repository (`https://`, `oci://`) or a git repository.
    pub repo: String,
    /// The chart's name in a chart repository; empty for git.
    pub name: String,
    /// The chart's directory in a git repository; empty otherwise.
    pub path: String,
    /// `path` is a release manifest, applied as it is (no values).
    pub manifest: bool,
    /// The release asset a manifest is built into (`manifest` from a
    /// kustomize directory), and the images its release build sets.
    pub release_asset: String,
    pub images: Vec<String>,
    /// The name label a release manifest gives its pods; empty: the
    /// instance's name.
    pub pods_named: String,
    /// The chart version, or the git tag.
    pub version: String,
    /// The upstream page of this release.
    pub home: String,
    /// The value path of the name the chart gives its objects, set to the
    /// release's name; empty where the chart's names are fixed.
    pub fullname: String,
    /// The chart's fixed values.
    pub values: Data,
    /// The workloads hplc sets from the component.
    pub pods: Vec<ChartPod>,
    /// What else hplc derives into the values, with the path it goes at
    /// and, for a secret's name or key, the instance's secret it names.
    pub derive: Vec<(Derived, String, String)>,
    pub render: ChartRender,
    pub provenance: Provenance,
}

/// A workload whose first container's requests and limits, and whose
/// nodes, hplc sets at these value paths.
#[derive(Clone, Debug)]
pub struct ChartPod {
    /// `Deployment/{release}-webhook`.
    pub workload: String,
    /// The container it sets; empty for the first.
    pub container: String,
    pub resources: String,
    pub node_selector: String,
    pub cpu: Range,
    pub memory: Range,
}

/// A value hplc derives from the model for a chart (the prelude's
/// `derived`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Derived {
    VolumeSize,
    VolumeClass,
    Retention,
    RetentionHours,
    ScrapeInterval,
    ScrapeConfigs,
    Alertmanagers,
    AlertingRules,
    RecordingRules,
    AlertmanagerConfig,
    ReceiverSecretMounts,
    Datasources,
    LogPipeline,
    SecretName,
    SecretKey,
}

impl Derived {
    pub const ALL: [(&'static str, Derived); 15] = [
        ("volume_size", Derived::VolumeSize),
        ("volume_class", Derived::VolumeClass),
        ("retention", Derived::Retention),
        ("retention_hours", Derived::RetentionHours),
        ("scrape_interval", Derived::ScrapeInterval),
        ("scrape_configs", Derived::ScrapeConfigs),
        ("alertmanagers", Derived::Alertmanagers),
        ("alerting_rules", Derived::AlertingRules),
        ("recording_rules", Derived::RecordingRules),
        ("alertmanager_config", Derived::AlertmanagerConfig),
        ("receiver_secret_mounts", Derived::ReceiverSecretMounts),
        ("datasources", Derived::Datasources),
        ("log_pipeline", Derived::LogPipeline),
        ("secret_name", Derived::SecretName),
        ("secret_key", Derived::SecretKey),
    ];

    /// The variant of the prelude's enum named `name`.
    pub fn named(name: &str) -> Option<Derived> {
        Derived::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, d)| *d)
    }
}

/// What the chart renders with hplc's values (scripts/render-charts).
#[derive(Clone, Debug)]
pub struct ChartRender {
    /// `local-path-provisioner 0.0.37`.
    pub chart: String,
    pub workloads: Vec<RenderedWorkload>,
    /// Its Services, with their ports by name.
    pub services: Vec<RenderedService>,
    /// API groups of the CRDs it installs.
    pub provides: Vec<String>,
    /// API groups of the custom resources it renders.
    pub uses: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RenderedService {
    /// `{release}-headless`.
    pub name: String,
    pub ports: IndexMap<String, u16>,
    /// The container port each port forwards to, by the port's name.
    pub targets: IndexMap<String, u16>,
}

#[derive(Clone, Debug)]
pub struct RenderedWorkload {
    /// `Deployment/{release}`.
    pub workload: String,
    pub per_node: bool,
    pub replicas: i64,
    pub containers: Vec<RenderedContainer>,
}

#[derive(Clone, Debug)]
pub struct RenderedContainer {
    pub name: String,
    pub image: String,
    pub cpu: Range,
    pub memory: Range,
    pub init: bool,
}

/// Free-form data (a chart's values) as the source wrote it; quantities
/// keep their dimension until a backend writes them.
#[derive(Clone, Debug, PartialEq)]
pub enum Data {
    Bool(bool),
    Int(i64),
    /// Mantissa and decimal places: `0.5` is (5, 1).
    Decimal(i128, u32),
    Str(String),
    Quantity(Dim, i64),
    List(Vec<Data>),
    Map(IndexMap<String, Data>),
}

/// What some pods of a service ask of a node: requests and limits summed,
/// and how many pods they are.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PodGroup {
    pub cpu: Range,
    pub memory: Range,
    pub pods: i64,
}

impl PodGroup {
    fn add(&mut self, other: PodGroup) {
        self.cpu.request += other.cpu.request;
        self.cpu.limit += other.cpu.limit;
        self.memory.request += other.memory.request;
        self.memory.limit += other.memory.limit;
        self.pods += other.pods;
    }
}

/// The name of a rendered object for a release: `{release}` replaced.
pub fn for_release(workload: &str, release: &str) -> String {
    workload.replace("{release}", release)
}

impl Chart {
    /// The chart's name, or its directory's for a chart kept in git (its
    /// file's, without `.yaml`, for a release manifest).
    pub fn display_name(&self) -> &str {
        if self.name.is_empty() {
            let last = self.path.rsplit('/').next().unwrap_or(&self.path);
            last.strip_suffix(".yaml").unwrap_or(last)
        } else {
            &self.name
        }
    }

    /// The pods of every workload that runs once per node (`per_node`) or
    /// as many times as it has replicas (the rest), summed: each container
    /// at its rendered requests, except the first container of a workload
    /// hplc sets, which asks what the component says. A pod asks the sum of
    /// its containers or its largest init container, whichever is more.
    pub fn group(&self, per_node: bool) -> PodGroup {
        let mut group = PodGroup::default();
        for workload in self
            .render
            .workloads
            .iter()
            .filter(|w| w.per_node == per_node)
        {
            let set = self.pods.iter().find(|p| p.workload == workload.workload);
            let pod = pod_of(workload, set);
            let copies = if per_node {
                1
            } else {
                workload.replicas.max(0)
            };
            for _ in 0..copies {
                group.add(pod);
            }
        }
        group
    }
}

/// The index of the container a chart pod sets in a rendered workload:
/// the one it names, or the first that is not an init container.
pub fn set_container(workload: &RenderedWorkload, pod: &ChartPod) -> Option<usize> {
    workload
        .containers
        .iter()
        .position(|c| !c.init && (pod.container.is_empty() || c.name == pod.container))
}

fn pod_of(workload: &RenderedWorkload, set: Option<&ChartPod>) -> PodGroup {
    let mut running = PodGroup::default();
    let mut init = PodGroup::default();
    let set = set.and_then(|pod| Some((pod, set_container(workload, pod)?)));
    for (index, container) in workload.containers.iter().enumerate() {
        let (cpu, memory) = match set {
            Some((pod, at)) if at == index => (pod.cpu, pod.memory),
            _ => (container.cpu, container.memory),
        };
        if container.init {
            init.cpu.request = init.cpu.request.max(cpu.request);
            init.cpu.limit = init.cpu.limit.max(cpu.limit);
            init.memory.request = init.memory.request.max(memory.request);
            init.memory.limit = init.memory.limit.max(memory.limit);
            continue;
        }
        running.add(PodGroup {
            cpu,
            memory,
            pods: 0,
        });
    }
    PodGroup {
        cpu: Range {
            request: running.cpu.request.max(init.cpu.request),
            limit: running.cpu.limit.max(init.cpu.limit),
        },
        memory: Range {
            request: running.memory.request.max(init.memory.request),
            limit: running.memory.limit.max(init.memory.limit),
        },
        pods: 1,
    }
}

/// The order installs happen in, as Argo CD sync waves (lower first, each
/// healthy before the next starts) and as the bootstrap's order: a chart
/// after every chart that installs the definitions of the custom
/// resources it renders; the platform's secret references (SealedSecret,
/// ExternalSecret) after the charts that serve their kinds, and a chart
/// whose pods read the platform's Secrets after them (its pods would
/// wait for a Secret a later wave creates, and the wave for its health);
/// the platform's other objects, custom resources among them, after every
/// chart (wave 0); the namespaces before all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Waves {
    /// By service: the wave of its chart's installation, for a chart.
    pub charts: Vec<Option<i64>>,
    /// The wave of the platform's secret references, when a chart serves
    /// their kinds.
    pub secrets: Option<i64>,
    /// The wave of the namespaces and what every install needs first.
    pub first: i64,
}

impl Waves {
    pub fn of(platform: &super::Platform) -> Waves {
        let services = &platform.services;
        let charts: Vec<Option<&Chart>> = services
            .iter()
            .map(|s| s.deployed().then(|| s.chart()).flatten())
            .collect();
        // The API groups of the platform's secret references, and the
        // charts that serve them.
        let secret_groups = super::secrets::api_groups(platform);
        let serves_secrets = |chart: &Chart| {
            chart
                .render
                .provides
                .iter()
                .any(|g| secret_groups.contains(g.as_str()))
        };
        let reads_secrets: Vec<bool> = services
            .iter()
            .map(|s| !super::secrets::references(s).is_empty())
            .collect();
        // Each chart's level: 0, or one more than the charts it waits for;
        // a reader of the platform's Secrets two more than the charts that
        // serve them (the secret references take the level between).
        let mut level: Vec<i64> = vec![0; services.len()];
        for _ in 0..services.len() {
            let mut changed = false;
            for (i, chart) in charts.iter().enumerate() {
                let Some(chart) = chart else { continue };
                let after = charts
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .filter_map(|(j, other)| {
                        let other = (*other)?;
                        if reads_secrets[i] && serves_secrets(other) {
                            Some(level[j] + 2)
                        } else if other
                            .render
                            .provides
                            .iter()
                            .any(|g| chart.render.uses.contains(g))
                        {
                            Some(level[j] + 1)
                        } else {
                            None
                        }
                    })
                    .max()
                    .unwrap_or(0);
                if after > level[i] {
                    level[i] = after;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let secrets_level = charts
            .iter()
            .zip(&level)
            .filter(|(c, _)| c.is_some_and(serves_secrets))
            .map(|(_, l)| l + 1)
            .max();
        let deepest = charts
            .iter()
            .zip(&level)
            .filter(|(c, _)| c.is_some())
            .map(|(_, l)| *l)
            .chain(secrets_level)
            .max();
        let Some(deepest) = deepest else {
            return Waves {
                charts: vec![None; services.len()],
                secrets: None,
                first: -1,
            };
        };
        Waves {
            charts: charts
                .iter()
                .zip(&level)
                .map(|(c, l)| c.map(|_| l - deepest - 1))
                .collect(),
            secrets: secrets_level.map(|l| l - deepest - 1),
            first: -deepest - 2,
        }
    }
}
