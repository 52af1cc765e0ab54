//! What upstream charts render, for `scripts/render-charts` (which records
//! it in the stdlib) and for the test that renders again and compares.
//! `hplc build` never renders a chart and never calls this module: it
//! stays offline and writes chart references and values.
//!
//! Rendering runs the vendored charts (`shared/charts/`) through the
//! shared `render-chart` tool (Helm's own Go SDK, offline) with the values
//! hplc wrote for a component, and reads back the workloads, their
//! containers, images, requests and limits.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use serde::Deserialize;

use crate::model::{
    Chart, ChartRender, Range, RenderedContainer, RenderedService, RenderedWorkload,
};
use crate::resolve::fs::{FileSystem, RealFs};
use crate::types::units;

/// The platform's files from disk, with the standard library read from a
/// directory rather than the one embedded at build time: the records
/// scripts/render-charts writes are read by the next build.
pub struct StdlibFrom {
    modules: BTreeMap<String, String>,
}

impl StdlibFrom {
    /// Every `.hpl` file below `dir`, by module path (`charts/velero`).
    pub fn dir(dir: &Path) -> std::io::Result<StdlibFrom> {
        let mut modules = BTreeMap::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(at) = stack.pop() {
            for entry in std::fs::read_dir(&at)? {
                let path = entry?.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "hpl") {
                    let name = path
                        .strip_prefix(dir)
                        .unwrap_or(&path)
                        .with_extension("")
                        .to_string_lossy()
                        .replace('\\', "/");
                    modules.insert(name, std::fs::read_to_string(&path)?);
                }
            }
        }
        Ok(StdlibFrom { modules })
    }
}

impl FileSystem for StdlibFrom {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        RealFs.read(path)
    }

    fn is_file(&self, path: &Path) -> bool {
        RealFs.is_file(path)
    }

    fn hpl_files(&self, dir: &Path) -> Vec<String> {
        RealFs.hpl_files(dir)
    }

    fn stdlib_module(&self, name: &str) -> Option<Arc<str>> {
        self.modules.get(name).map(|text| Arc::from(text.as_str()))
    }
}

/// The platforms whose charts are rendered: the repository's platform.hpl,
/// then the example of every component (tests/components/*/main.hpl).
pub fn platforms(repo: &Path) -> Vec<PathBuf> {
    let mut examples: Vec<PathBuf> = std::fs::read_dir(repo.join("compiler/tests/components"))
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path().join("main.hpl"))
        .filter(|p| p.is_file())
        .collect();
    examples.sort();
    let mut all = vec![repo.join("platform.hpl")];
    all.extend(examples);
    all
}

/// The module a chart's render is recorded in: `charts/<chart>`, with `_`
/// for `-` (`charts/local_path_provisioner`).
pub fn record_module(chart: &Chart) -> String {
    format!("charts/{}", chart_name(chart).replace('-', "_"))
}

/// The chart's name, or its directory's for a chart kept in git (its
/// file's, without `.yaml`, for a release manifest).
pub fn chart_name(chart: &Chart) -> &str {
    chart.display_name()
}

/// What a component's chart renders with `values` (what `render` prints),
/// or, for a release manifest, the vendored manifest itself.
pub fn rendered(
    tool: &Path,
    charts: &Path,
    chart: &Chart,
    values: &str,
    release: &str,
    namespace: &str,
    kube_version: &str,
) -> Result<String, String> {
    let dir = vendored_dir(charts, chart);
    if chart.manifest {
        // The vendored file: the release asset, or the manifest in git.
        let path = if chart.release_asset.is_empty() {
            &chart.path
        } else {
            &chart.release_asset
        };
        let file = dir.join(path.rsplit('/').next().unwrap_or(path));
        if !chart.release_asset.is_empty() {
            // Without its Namespace, which hplc writes (and Argo CD's
            // build deletes).
            let text =
                std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            return Ok(text
                .split("\n---\n")
                .filter(|document| !document.contains("\nkind: Namespace\n"))
                .collect::<Vec<_>>()
                .join("\n---\n"));
        }
        return std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()));
    }
    render(tool, &dir, values, release, namespace, kube_version)
}

/// The directory of a chart among the vendored ones: named after the chart
/// (or, for a chart kept in git, after its directory), at the top or as a
/// subchart vendored with another (`prometheus/charts/alertmanager`).
pub fn vendored_dir(charts: &Path, chart: &Chart) -> PathBuf {
    let name = chart_name(chart);
    let top = charts.join(name);
    if top.is_dir() {
        return top;
    }
    let mut parents: Vec<PathBuf> = std::fs::read_dir(charts)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path().join("charts").join(name))
        .filter(|p| p.join("Chart.yaml").is_file())
        .collect();
    parents.sort();
    parents.into_iter().next().unwrap_or(top)
}

/// `helm template` of a chart with `values`, as the release `release` in
/// `namespace`, for Kubernetes `kube_version` (`1.33.1`).
pub fn render(
    tool: &Path,
    dir: &Path,
    values: &str,
    release: &str,
    namespace: &str,
    kube_version: &str,
) -> Result<String, String> {
    let file = std::env::temp_dir().join(format!(
        "hplc-render-{}-{release}-{}.yaml",
        std::process::id(),
        namespace
    ));
    std::fs::write(&file, values).map_err(|e| format!("{}: {e}", file.display()))?;
    let run = Command::new(tool)
        .arg(dir)
        .arg("-f")
        .arg(&file)
        .args(["--name", release, "--namespace", namespace])
        .args(["--kube-version", kube_version.trim_start_matches('v')])
        // Argo CD applies a chart's crds/ too.
        .arg("--include-crds")
        .output();
    let _ = std::fs::remove_file(&file);
    let run = run.map_err(|e| format!("{}: {e}", tool.display()))?;
    if !run.status.success() {
        return Err(format!(
            "{} {} failed: {}",
            tool.display(),
            dir.display(),
            String::from_utf8_lossy(&run.stderr)
        ));
    }
    String::from_utf8(run.stdout).map_err(|e| e.to_string())
}

#[derive(Deserialize)]
struct Object {
    #[serde(rename = "apiVersion")]
    api_version: Option<String>,
    kind: Option<String>,
    metadata: Option<Metadata>,
    spec: Option<serde_yaml::Value>,
}

#[derive(Deserialize)]
struct Metadata {
    name: Option<String>,
}

/// What a render holds, as the stdlib records it: the workloads that run
/// pods for good (Deployments, StatefulSets, DaemonSets; a hook's Job runs
/// once and ends), in render order, with the release's name written
/// `{release}` in the names of a chart that names its objects after the
/// release (`named_after`, the release, for a chart with a `fullname`);
/// and the API groups of the custom resource definitions it installs and
/// of the custom resources it renders.
pub fn read(rendered: &str, named_after: Option<&str>) -> Result<ChartRender, String> {
    let mut named_targets: Vec<(usize, String, String)> = Vec::new();
    let mut container_ports: Vec<(String, i64)> = Vec::new();
    let mut found = ChartRender {
        chart: String::new(),
        workloads: Vec::new(),
        services: Vec::new(),
        provides: Vec::new(),
        uses: Vec::new(),
    };
    for document in serde_yaml::Deserializer::from_str(rendered) {
        let Ok(object) = Object::deserialize(document) else {
            continue;
        };
        let kind = object.kind.unwrap_or_default();
        let spec = object.spec.unwrap_or_default();
        let group = object
            .api_version
            .as_deref()
            .and_then(|v| v.rsplit_once('/'))
            .map(|(group, _)| group.to_string())
            .unwrap_or_default();
        if kind == "CustomResourceDefinition" {
            if let Some(provided) = spec["group"].as_str() {
                found.provides.push(provided.to_string());
            }
            continue;
        }
        if !group.is_empty() && !builtin_group(&group) {
            found.uses.push(group);
        }
        let name = object.metadata.and_then(|m| m.name).unwrap_or_default();
        // Named after the release: the release's name, or it and a suffix.
        let name = match named_after.and_then(|release| name.strip_prefix(release)) {
            Some(rest) if rest.is_empty() || rest.starts_with('-') => format!("{{release}}{rest}"),
            _ => name,
        };
        if kind == "Service" {
            let mut service = RenderedService {
                name,
                ports: Default::default(),
                targets: Default::default(),
            };
            for p in spec["ports"].as_sequence().into_iter().flatten() {
                let Some(number) = p["port"].as_i64().and_then(|n| u16::try_from(n).ok()) else {
                    continue;
                };
                let name = p["name"]
                    .as_str()
                    .map_or_else(|| number.to_string(), str::to_string);
                // A target port by name is resolved once every container
                // of the render is known.
                match &p["targetPort"] {
                    serde_yaml::Value::Number(t) => {
                        if let Some(t) = t.as_u64().and_then(|t| u16::try_from(t).ok()) {
                            service.targets.insert(name.clone(), t);
                        }
                    }
                    serde_yaml::Value::String(t) => {
                        named_targets.push((found.services.len(), name.clone(), t.clone()))
                    }
                    _ => {
                        service.targets.insert(name.clone(), number);
                    }
                }
                service.ports.insert(name, number);
            }
            found.services.push(service);
            continue;
        }
        if !matches!(kind.as_str(), "Deployment" | "StatefulSet" | "DaemonSet") {
            continue;
        }
        let pod = &spec["template"]["spec"];
        let mut containers = Vec::new();
        for (field, init) in [("initContainers", true), ("containers", false)] {
            for c in pod[field].as_sequence().into_iter().flatten() {
                containers.push(container(c, init)?);
                for p in c["ports"].as_sequence().into_iter().flatten() {
                    if let (Some(name), Some(number)) =
                        (p["name"].as_str(), p["containerPort"].as_i64())
                    {
                        container_ports.push((name.to_string(), number));
                    }
                }
            }
        }
        found.workloads.push(RenderedWorkload {
            workload: format!("{kind}/{name}"),
            per_node: kind == "DaemonSet",
            replicas: spec["replicas"].as_i64().unwrap_or(1),
            containers,
        });
    }
    for (service, port, target) in named_targets {
        if let Some(number) = container_ports
            .iter()
            .find(|(name, _)| *name == target)
            .and_then(|(_, n)| u16::try_from(*n).ok())
        {
            found.services[service].targets.insert(port, number);
        }
    }
    for service in &mut found.services {
        service.targets.sort_keys();
    }
    for groups in [&mut found.provides, &mut found.uses] {
        groups.sort();
        groups.dedup();
    }
    let provides = found.provides.clone();
    found.uses.retain(|g| !provides.contains(g));
    Ok(found)
}

/// The API groups every Kubernetes API server serves.
fn builtin_group(group: &str) -> bool {
    matches!(group, "apps" | "batch" | "policy" | "autoscaling") || group.ends_with(".k8s.io")
}

fn container(c: &serde_yaml::Value, init: bool) -> Result<RenderedContainer, String> {
    let resources = &c["resources"];
    let quantity = |section: &str, what: &str| -> Result<i64, String> {
        let value = &resources[section][what];
        let text = match value {
            serde_yaml::Value::Null => return Ok(0),
            serde_yaml::Value::String(s) => s.clone(),
            serde_yaml::Value::Number(n) => n.to_string(),
            other => return Err(format!("{section}.{what}: {other:?}")),
        };
        parse_quantity(&text, what == "cpu").ok_or_else(|| format!("{section}.{what}: {text}"))
    };
    Ok(RenderedContainer {
        name: c["name"].as_str().unwrap_or_default().to_string(),
        image: c["image"].as_str().unwrap_or_default().to_string(),
        cpu: Range {
            request: quantity("requests", "cpu")?,
            limit: quantity("limits", "cpu")?,
        },
        memory: Range {
            request: quantity("requests", "memory")?,
            limit: quantity("limits", "memory")?,
        },
        init,
    })
}

/// A Kubernetes quantity in millicores (`cpu`) or bytes.
fn parse_quantity(text: &str, cpu: bool) -> Option<i64> {
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let (mantissa, places) = units::parse_digits(number)?;
    let scale: i128 = match (cpu, suffix) {
        (true, "m") => 1,
        (true, "") => 1000,
        (false, "") => 1,
        (false, "Ki") => 1 << 10,
        (false, "Mi") => 1 << 20,
        (false, "Gi") => 1 << 30,
        (false, "Ti") => 1 << 40,
        (false, "k") => 1_000,
        (false, "M") => 1_000_000,
        (false, "G") => 1_000_000_000,
        _ => return None,
    };
    let value = mantissa * scale / 10i128.pow(places);
    i64::try_from(value).ok()
}

/// The stdlib module that records a render: one `chart_render` called
/// `render`, written in hplc's canonical layout.
pub fn record(chart: &Chart, about: &str, render: &ChartRender) -> String {
    let workloads = &render.workloads;
    let mut out = String::new();
    for line in about.lines() {
        out.push_str("// ");
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&format!(
        "\nchart_render render {{\n  chart = \"{} {}\"\n  workloads = [\n",
        chart_name(chart),
        chart.version
    ));
    for w in workloads {
        out.push_str("    {\n");
        out.push_str(&format!("      workload = \"{}\"\n", w.workload));
        if w.per_node {
            out.push_str("      per_node = true\n");
        } else {
            out.push_str(&format!("      replicas = {}\n", w.replicas));
        }
        out.push_str("      containers = [\n");
        for c in &w.containers {
            out.push_str("        {\n");
            out.push_str(&format!("          name = \"{}\"\n", c.name));
            out.push_str(&format!("          image = \"{}\"\n", c.image));
            let cpu = |m: i64| units::format(crate::types::ty::Dim::Cpu, m).replace(' ', "");
            let bytes = |b: i64| memory(b);
            for (field, value) in [
                (
                    "cpu_request",
                    (c.cpu.request > 0).then(|| cpu(c.cpu.request)),
                ),
                ("cpu_limit", (c.cpu.limit > 0).then(|| cpu(c.cpu.limit))),
                (
                    "memory_request",
                    (c.memory.request > 0).then(|| bytes(c.memory.request)),
                ),
                (
                    "memory_limit",
                    (c.memory.limit > 0).then(|| bytes(c.memory.limit)),
                ),
            ] {
                if let Some(value) = value {
                    out.push_str(&format!("          {field} = {value}\n"));
                }
            }
            if c.init {
                out.push_str("          init = true\n");
            }
            out.push_str("        },\n");
        }
        out.push_str("      ]\n    },\n");
    }
    out.push_str("  ]\n");
    if !render.services.is_empty() {
        out.push_str("  services = [\n");
        for service in &render.services {
            let pairs = |ports: &indexmap::IndexMap<String, u16>| {
                ports
                    .iter()
                    .map(|(name, number)| format!("\"{name}\" = {number}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            out.push_str(&format!(
                "    {{ name = \"{}\", port = {{ {} }}, target = {{ {} }} }},\n",
                service.name,
                pairs(&service.ports),
                pairs(&service.targets)
            ));
        }
        out.push_str("  ]\n");
    }
    for (field, groups) in [("provides", &render.provides), ("uses", &render.uses)] {
        if !groups.is_empty() {
            let quoted: Vec<String> = groups.iter().map(|g| format!("\"{g}\"")).collect();
            out.push_str(&format!("  {field} = [{}]\n", quoted.join(", ")));
        }
    }
    out.push_str("}\n");
    out
}

/// Bytes in hpl: the largest binary unit that states them exactly.
fn memory(bytes: i64) -> String {
    for (unit, size) in [("Gi", 1i64 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)] {
        if bytes % size == 0 {
            return format!("{}{unit}", bytes / size);
        }
    }
    format!("{bytes}")
}

/// How a render differs from the record and from what the planner counted:
/// the same workloads, containers and images as recorded; each container
/// at its recorded requests and limits, except the first container of a
/// workload hplc sets, which must ask what the component says.
pub fn differences(chart: &Chart, render: &ChartRender) -> Vec<String> {
    let mut found = Vec::new();
    for (what, recorded, rendered) in [
        ("provides", &chart.render.provides, &render.provides),
        ("uses", &chart.render.uses, &render.uses),
    ] {
        if recorded != rendered {
            found.push(format!(
                "{what}: recorded {recorded:?}, rendered {rendered:?}"
            ));
        }
    }
    if chart.render.services != render.services {
        found.push(format!(
            "services: recorded {:?}, rendered {:?}",
            chart.render.services, render.services
        ));
    }
    let rendered = &render.workloads;
    let recorded = &chart.render.workloads;
    let names = |ws: &[RenderedWorkload]| ws.iter().map(|w| w.workload.clone()).collect::<Vec<_>>();
    if names(recorded) != names(rendered) {
        found.push(format!(
            "workloads: recorded {:?}, rendered {:?}",
            names(recorded),
            names(rendered)
        ));
        return found;
    }
    for (want, have) in recorded.iter().zip(rendered) {
        let w = &want.workload;
        let copies = |x: &RenderedWorkload| (x.per_node, if x.per_node { 0 } else { x.replicas });
        if copies(want) != copies(have) {
            found.push(format!(
                "{w}: {:?} recorded, {:?} rendered (per node, replicas)",
                copies(want),
                copies(have)
            ));
        }
        if want.containers.len() != have.containers.len() {
            found.push(format!(
                "{w}: {} containers recorded, {} rendered",
                want.containers.len(),
                have.containers.len()
            ));
            continue;
        }
        let set = chart
            .pods
            .iter()
            .find(|p| &p.workload == w)
            .and_then(|pod| Some((pod, crate::model::set_container(have, pod)?)));
        for (index, (a, b)) in want.containers.iter().zip(&have.containers).enumerate() {
            let name = &b.name;
            if (&a.name, &a.image, a.init) != (&b.name, &b.image, b.init) {
                found.push(format!(
                    "{w}: container {} {} recorded, {} {} rendered",
                    a.name, a.image, b.name, b.image
                ));
            }
            let expected = match set {
                Some((pod, at)) if at == index => (pod.cpu, pod.memory),
                _ => (a.cpu, a.memory),
            };
            if (b.cpu, b.memory) != expected {
                found.push(format!(
                    "{w}: container {name} asks cpu {:?} memory {:?}, but {:?} {:?} are counted",
                    b.cpu, b.memory, expected.0, expected.1
                ));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::parse_quantity;

    #[test]
    fn reads_kubernetes_quantities() {
        assert_eq!(parse_quantity("100m", true), Some(100));
        assert_eq!(parse_quantity("1", true), Some(1000));
        assert_eq!(parse_quantity("0.5", true), Some(500));
        assert_eq!(parse_quantity("128Mi", false), Some(128 << 20));
        assert_eq!(parse_quantity("1G", false), Some(1_000_000_000));
        assert_eq!(parse_quantity("1x", false), None);
    }
}
