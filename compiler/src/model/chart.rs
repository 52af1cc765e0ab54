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
    pub render: ChartRender,
    pub provenance: Provenance,
}

/// A workload whose first container's requests and limits, and whose
/// nodes, hplc sets at these value paths.
#[derive(Clone, Debug)]
pub struct ChartPod {
    /// `Deployment/{release}-webhook`.
    pub workload: String,
    pub resources: String,
    pub node_selector: String,
    pub cpu: Range,
    pub memory: Range,
}

/// What the chart renders with hplc's values (scripts/render-charts).
#[derive(Clone, Debug)]
pub struct ChartRender {
    /// `local-path-provisioner 0.0.37`.
    pub chart: String,
    pub workloads: Vec<RenderedWorkload>,
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

fn pod_of(workload: &RenderedWorkload, set: Option<&ChartPod>) -> PodGroup {
    let mut running = PodGroup::default();
    let mut init = PodGroup::default();
    let mut first = true;
    for container in &workload.containers {
        let (cpu, memory) = match set {
            Some(pod) if first && !container.init => (pod.cpu, pod.memory),
            _ => (container.cpu, container.memory),
        };
        if container.init {
            init.cpu.request = init.cpu.request.max(cpu.request);
            init.cpu.limit = init.cpu.limit.max(cpu.limit);
            init.memory.request = init.memory.request.max(memory.request);
            init.memory.limit = init.memory.limit.max(memory.limit);
            continue;
        }
        first = false;
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
