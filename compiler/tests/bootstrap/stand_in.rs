//! The stand-ins' model of a cluster and what each call does to it: the
//! body of the `kubectl`, `helm` and `git` stand-ins of tests/bootstrap.rs.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_yaml::Value;

use crate::common;

/// What the stand-ins know of the world outside the cluster.
#[derive(Serialize, Deserialize)]
pub struct World {
    pub charts: Vec<ChartSource>,
    /// The platform's own repositories, which Argo CD reads with a
    /// credential (the charts' repositories are public).
    pub private_repos: Vec<String>,
    /// `namespace/name` of every Secret a secret reference of the platform
    /// makes.
    pub platform_secrets: BTreeSet<String>,
    /// `render-chart`, when it and its Helm SDK are installed.
    pub render_tool: Option<PathBuf>,
    /// A real kubectl for `kubectl kustomize`.
    pub kustomize: Option<PathBuf>,
    pub kube_version: String,
}

/// An upstream chart or release manifest, where it is fetched from and
/// its vendored copy.
#[derive(Serialize, Deserialize)]
pub struct ChartSource {
    pub repo: String,
    pub name: String,
    pub version: String,
    pub path: String,
    pub manifest: bool,
    /// The release asset a manifest is applied from (an address).
    pub release_asset: String,
    pub vendored: PathBuf,
    pub provides: Vec<String>,
    pub uses: Vec<String>,
    /// The platform's Secrets its pods read, by name, from the model.
    pub reads: Vec<String>,
}

/// The cluster as the calls so far left it.
#[derive(Serialize, Deserialize, Default)]
pub struct Cluster {
    /// API groups served (built in, or by an installed CRD).
    pub groups: BTreeSet<String>,
    pub namespaces: BTreeSet<String>,
    /// Secrets applied, by `namespace/name`: labels and data.
    pub secrets: BTreeMap<String, Secret>,
    /// `namespace/name` of the Secrets a SealedSecret or ExternalSecret
    /// applied will make.
    pub made: BTreeSet<String>,
    /// Sealed Secrets controllers by namespace: whether each started with
    /// an active sealing key there.
    pub sealing: BTreeMap<String, bool>,
    /// Cloned directories, by path, with the chart cloned there.
    pub clones: BTreeMap<String, usize>,
    /// What each call made, as the README names it.
    pub steps: Vec<String>,
}

#[derive(Serialize, Deserialize, Default, Clone)]
pub struct Secret {
    pub labels: BTreeMap<String, String>,
    pub data: BTreeMap<String, String>,
}

/// One call of a stand-in (`kubectl`, `helm` or `git`) on the cluster.
pub fn call(
    tool: &str,
    world: &World,
    cluster: &mut Cluster,
    args: &[String],
) -> Result<(), String> {
    match tool {
        "kubectl" => kubectl(world, cluster, args),
        "helm" => helm(world, cluster, args),
        "git" => git(world, cluster, args),
        _ => Err(format!("no stand-in for {tool}")),
    }
}

impl Cluster {
    /// A new cluster: its built-in API groups and namespaces.
    pub fn new() -> Cluster {
        Cluster {
            groups: common::BUILT_IN.iter().map(|g| g.to_string()).collect(),
            namespaces: ["default", "kube-system", "kube-public"]
                .map(str::to_string)
                .into(),
            ..Cluster::default()
        }
    }
}

fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

/// `kubectl apply --server-side -f FILE|DIR|-` and `-k DIR`, nothing else.
fn kubectl(world: &World, cluster: &mut Cluster, args: &[String]) -> Result<(), String> {
    if args.first().map(String::as_str) != Some("apply")
        || !args.iter().any(|a| a == "--server-side")
    {
        return Err("the stand-in knows `kubectl apply --server-side` only".into());
    }
    let (text, step) = if let Some(dir) = flag(args, "-k") {
        (kustomize(world, Path::new(dir))?, dir.to_string())
    } else if let Some(file) = flag(args, "-f") {
        if file == "-" {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| e.to_string())?;
            // A Secret from the environment, named by its name.
            let object: Value = serde_yaml::from_str(&text).map_err(|e| e.to_string())?;
            let name = object["metadata"]["name"]
                .as_str()
                .unwrap_or("-")
                .to_string();
            (text, name)
        } else if let Some(chart) = world
            .charts
            .iter()
            .find(|c| !c.release_asset.is_empty() && c.release_asset == file)
        {
            // A release asset: its vendored copy, the step named by the
            // field manager (the release).
            let asset = file.rsplit('/').next().unwrap_or(file);
            let step = flag(args, "--field-manager").unwrap_or(asset).to_string();
            (read_files(&chart.vendored.join(asset))?, step)
        } else {
            let step = cluster
                .clones
                .keys()
                .find(|dir| file.starts_with(dir.as_str()))
                .map(|dir| dir.rsplit('/').next().unwrap_or(dir).to_string())
                .unwrap_or_else(|| file.to_string());
            (read_files(Path::new(file))?, step)
        }
    } else {
        return Err("no -f or -k".into());
    };
    apply(world, cluster, &documents(&text)?)?;
    cluster.steps.push(step);
    Ok(())
}

/// A file, or the YAML files of a directory, as kubectl reads them.
fn read_files(path: &Path) -> Result<String, String> {
    if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .filter_map(|e| Some(e.ok()?.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
            .collect();
        files.sort();
        let texts: Result<Vec<String>, String> = files.iter().map(|f| read_files(f)).collect();
        return Ok(texts?.join("\n---\n"));
    }
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// `kubectl kustomize DIR` with a real kubectl, else the files its
/// kustomization lists (hplc writes nothing else in it).
fn kustomize(world: &World, dir: &Path) -> Result<String, String> {
    if let Some(kubectl) = &world.kustomize {
        let run = Command::new(kubectl)
            .arg("kustomize")
            .arg(dir)
            .output()
            .map_err(|e| e.to_string())?;
        if !run.status.success() {
            return Err(String::from_utf8_lossy(&run.stderr).into_owned());
        }
        return String::from_utf8(run.stdout).map_err(|e| e.to_string());
    }
    let kustomization: Value = serde_yaml::from_str(&read_files(&dir.join("kustomization.yaml"))?)
        .map_err(|e| e.to_string())?;
    let files: Result<Vec<String>, String> = kustomization["resources"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|f| read_files(&dir.join(f)))
        .collect();
    Ok(files?.join("\n---\n"))
}

fn documents(text: &str) -> Result<Vec<Value>, String> {
    let mut objects = Vec::new();
    for document in serde_yaml::Deserializer::from_str(text) {
        let value = Value::deserialize(document).map_err(|e| e.to_string())?;
        if !value.is_null() {
            objects.push(value);
        }
    }
    Ok(objects)
}

fn group(object: &Value) -> &str {
    let api = object["apiVersion"].as_str().unwrap_or_default();
    api.rsplit_once('/').map_or("", |(g, _)| g)
}

fn str_at<'a>(value: &'a Value, path: &[&str]) -> &'a str {
    path.iter()
        .fold(value, |v, key| &v[*key])
        .as_str()
        .unwrap_or_default()
}

/// `namespace/name` of a namespaced object (`default` without one, as
/// kubectl applies it), None for a cluster-scoped one.
fn key(object: &Value) -> Option<String> {
    let kind = object["kind"].as_str().unwrap_or_default();
    if common::CLUSTER_SCOPED.contains(&kind) {
        return None;
    }
    let namespace = object["metadata"]["namespace"]
        .as_str()
        .unwrap_or("default");
    Some(format!(
        "{namespace}/{}",
        str_at(object, &["metadata", "name"])
    ))
}

fn describe(object: &Value) -> String {
    let kind = object["kind"].as_str().unwrap_or_default();
    match key(object) {
        Some(key) => format!("{kind} {key}"),
        None => format!("{kind} {}", str_at(object, &["metadata", "name"])),
    }
}

/// One `kubectl apply`: kubectl maps every object to its API before it
/// applies any, so a CRD and its custom resources in one call fail too.
fn apply(world: &World, cluster: &mut Cluster, objects: &[Value]) -> Result<(), String> {
    for object in objects {
        let group = group(object);
        if !cluster.groups.contains(group) {
            return Err(format!(
                "{} applied before the CRD of `{group}`: no chart or manifest installed so far serves it",
                describe(object)
            ));
        }
    }
    let new_namespaces: BTreeSet<&str> = objects
        .iter()
        .filter(|o| o["kind"] == "Namespace")
        .map(|o| str_at(o, &["metadata", "name"]))
        .collect();
    for object in objects {
        if let Some(key) = key(object) {
            let namespace = key.split('/').next().unwrap_or_default();
            if !cluster.namespaces.contains(namespace) && !new_namespaces.contains(namespace) {
                return Err(format!(
                    "{} applied before its namespace exists",
                    describe(object)
                ));
            }
        }
    }
    cluster
        .namespaces
        .extend(new_namespaces.iter().map(|n| n.to_string()));
    // What the call makes, before what it holds reads it: kubectl applies
    // the whole call, and a pod waits for its Secret.
    for object in objects {
        let key = key(object).unwrap_or_default();
        let namespace = key.split('/').next().unwrap_or_default().to_string();
        match object["kind"].as_str().unwrap_or_default() {
            "Secret" => {
                cluster.secrets.insert(key, secret(object)?);
            }
            "SealedSecret" => {
                match cluster.sealing.values().copied().max() {
                    None => {
                        return Err(format!(
                            "{} applied, but no Sealed Secrets controller runs",
                            describe(object)
                        ))
                    }
                    Some(false) => {
                        return Err(format!(
                            "{} applied, but the Sealed Secrets controller started without the operator's sealing key: it made a key of its own, which nothing is sealed to",
                            describe(object)
                        ))
                    }
                    Some(true) => {}
                }
                let name = object["spec"]["template"]["metadata"]["name"]
                    .as_str()
                    .unwrap_or_else(|| str_at(object, &["metadata", "name"]));
                cluster.made.insert(format!("{namespace}/{name}"));
            }
            "ExternalSecret" => {
                let name = object["spec"]["target"]["name"]
                    .as_str()
                    .unwrap_or_else(|| str_at(object, &["metadata", "name"]));
                cluster.made.insert(format!("{namespace}/{name}"));
            }
            "CustomResourceDefinition" => {
                cluster
                    .groups
                    .insert(str_at(object, &["spec", "group"]).to_string());
            }
            _ => {}
        }
    }
    for object in objects {
        if object["kind"] == "Application" {
            repository_credential(world, cluster, object)?;
        }
        for secret in pod_secrets(object) {
            let namespace = key(object).unwrap_or_default();
            let namespace = namespace.split('/').next().unwrap_or_default();
            needs_secret(
                world,
                cluster,
                &format!("{namespace}/{secret}"),
                &describe(object),
            )?;
        }
    }
    Ok(())
}

/// A Secret's labels and data, decoded.
fn secret(object: &Value) -> Result<Secret, String> {
    let strings = |value: &Value| -> BTreeMap<String, String> {
        value
            .as_mapping()
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.as_str()?.to_string())))
            .collect()
    };
    let mut data = BTreeMap::new();
    for (key, value) in strings(&object["data"]) {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&value)
            .map_err(|e| format!("{}: data {key} is not base64: {e}", describe(object)))?;
        data.insert(key, String::from_utf8_lossy(&bytes).into_owned());
    }
    data.extend(strings(&object["stringData"]));
    Ok(Secret {
        labels: strings(&object["metadata"]["labels"]),
        data,
    })
}

/// An Application of one of the platform's repositories needs the
/// repository's credential in Argo CD's namespace (declarative setup: a
/// Secret labelled as a repository, with its URL).
fn repository_credential(world: &World, cluster: &Cluster, object: &Value) -> Result<(), String> {
    let repo = str_at(object, &["spec", "source", "repoURL"]);
    if !world.private_repos.iter().any(|r| r == repo) {
        return Ok(());
    }
    let namespace = key(object).unwrap_or_default();
    let namespace = namespace.split('/').next().unwrap_or_default();
    let found = cluster.secrets.iter().any(|(key, secret)| {
        key.starts_with(&format!("{namespace}/"))
            && secret
                .labels
                .get("argocd.argoproj.io/secret-type")
                .map(String::as_str)
                == Some("repository")
            && secret.data.get("url").map(String::as_str) == Some(repo)
            && (secret.data.contains_key("password") || secret.data.contains_key("sshPrivateKey"))
    });
    if found {
        Ok(())
    } else {
        Err(format!(
            "{} reads {repo}, but {namespace} holds no repository credential for it yet",
            describe(object)
        ))
    }
}

/// A Secret of the platform that a consumer reads must be made already.
fn needs_secret(
    world: &World,
    cluster: &Cluster,
    secret: &str,
    reader: &str,
) -> Result<(), String> {
    if !world.platform_secrets.contains(secret)
        || cluster.made.contains(secret)
        || cluster.secrets.contains_key(secret)
    {
        return Ok(());
    }
    Err(format!(
        "{reader} reads the Secret {secret}, which no SealedSecret or ExternalSecret applied so far makes: its pods would wait for it"
    ))
}

/// The Secrets a workload's pods read and cannot start without (not
/// `optional`).
fn pod_secrets(object: &Value) -> Vec<String> {
    let spec = match object["kind"].as_str().unwrap_or_default() {
        "Deployment" | "StatefulSet" | "DaemonSet" | "Job" | "ReplicaSet" => {
            &object["spec"]["template"]["spec"]
        }
        "CronJob" => &object["spec"]["jobTemplate"]["spec"]["template"]["spec"],
        "Pod" => &object["spec"],
        _ => return Vec::new(),
    };
    let required = |v: &Value| v["optional"].as_bool() != Some(true);
    let mut found = Vec::new();
    for volume in spec["volumes"].as_sequence().into_iter().flatten() {
        if required(&volume["secret"]) {
            found.extend(volume["secret"]["secretName"].as_str().map(str::to_string));
        }
        for source in volume["projected"]["sources"]
            .as_sequence()
            .into_iter()
            .flatten()
        {
            if required(&source["secret"]) {
                found.extend(source["secret"]["name"].as_str().map(str::to_string));
            }
        }
    }
    for list in ["containers", "initContainers"] {
        for container in spec[list].as_sequence().into_iter().flatten() {
            for env in container["env"].as_sequence().into_iter().flatten() {
                let reference = &env["valueFrom"]["secretKeyRef"];
                if required(reference) {
                    found.extend(reference["name"].as_str().map(str::to_string));
                }
            }
            for from in container["envFrom"].as_sequence().into_iter().flatten() {
                if required(&from["secretRef"]) {
                    found.extend(from["secretRef"]["name"].as_str().map(str::to_string));
                }
            }
        }
    }
    found
}

/// `git clone --quiet --depth 1 --branch TAG REPO DIR`: the vendored
/// source of the chart or manifest at that repository and tag, linked
/// where the repository keeps it.
fn git(world: &World, cluster: &mut Cluster, args: &[String]) -> Result<(), String> {
    if args.first().map(String::as_str) != Some("clone") {
        return Err("the stand-in knows `git clone` only".into());
    }
    let tag = flag(args, "--branch").ok_or("no --branch")?;
    let [.., repo, dir] = args else {
        return Err("no repository and directory".into());
    };
    let (index, chart) = world
        .charts
        .iter()
        .enumerate()
        .find(|(_, c)| &c.repo == repo && c.version == tag)
        .ok_or_else(|| format!("no vendored chart of {repo} at {tag}"))?;
    let target = Path::new(dir).join(&chart.path);
    std::fs::create_dir_all(target.parent().expect("a parent")).map_err(|e| e.to_string())?;
    let source = if chart.manifest {
        chart
            .vendored
            .join(chart.path.rsplit('/').next().unwrap_or(&chart.path))
    } else {
        chart.vendored.clone()
    };
    std::os::unix::fs::symlink(&source, &target).map_err(|e| e.to_string())?;
    cluster.clones.insert(dir.clone(), index);
    Ok(())
}

/// `helm upgrade --install RELEASE CHART [--repo URL] --version V
/// --namespace NS --values FILE --wait`, or a cloned chart's path.
fn helm(world: &World, cluster: &mut Cluster, args: &[String]) -> Result<(), String> {
    let [upgrade, install, release, source, ..] = args else {
        return Err("expected `helm upgrade --install RELEASE CHART ...`".into());
    };
    if upgrade != "upgrade" || install != "--install" {
        return Err("the stand-in knows `helm upgrade --install` only".into());
    }
    if !args.iter().any(|a| a == "--wait") {
        return Err("without --wait the next step would not find this one ready".into());
    }
    let namespace = flag(args, "--namespace").ok_or("no --namespace")?;
    if !cluster.namespaces.contains(namespace) {
        return Err(format!("the namespace {namespace} does not exist yet"));
    }
    let values_file = flag(args, "--values").ok_or("no --values")?;
    let values = std::fs::read_to_string(values_file).map_err(|e| format!("{values_file}: {e}"))?;
    let version = flag(args, "--version");
    let chart = if let Some(repo) = flag(args, "--repo") {
        world
            .charts
            .iter()
            .find(|c| c.repo == repo && &c.name == source && Some(c.version.as_str()) == version)
    } else if let Some(oci) = source.strip_prefix("oci://") {
        world.charts.iter().find(|c| {
            c.repo.strip_prefix("oci://") == oci.rsplit_once('/').map(|(r, _)| r)
                && oci.ends_with(&format!("/{}", c.name))
                && Some(c.version.as_str()) == version
        })
    } else {
        cluster.clones.iter().find_map(|(dir, index)| {
            let chart = &world.charts[*index];
            (source == &format!("{dir}/{}", chart.path)).then_some(chart)
        })
    }
    .ok_or_else(|| format!("no vendored chart for {source} {version:?}"))?;
    let Contents {
        provides,
        uses,
        reads,
    } = match &world.render_tool {
        Some(tool) => rendered(world, tool, chart, &values, release, namespace)?,
        None => Contents {
            provides: chart.provides.clone(),
            uses: chart.uses.clone(),
            reads: chart.reads.clone(),
        },
    };
    for group in &uses {
        if !cluster.groups.contains(group) && !provides.contains(group) {
            return Err(format!(
                "{release} renders resources of `{group}` before a CRD of it is installed"
            ));
        }
    }
    for secret in reads {
        needs_secret(
            world,
            cluster,
            &format!("{namespace}/{secret}"),
            &format!("release {release}"),
        )?;
    }
    if provides.iter().any(|g| g == "bitnami.com") {
        let keyed = cluster.secrets.iter().any(|(key, secret)| {
            key.starts_with(&format!("{namespace}/"))
                && secret
                    .labels
                    .get("sealedsecrets.bitnami.com/sealed-secrets-key")
                    .map(String::as_str)
                    == Some("active")
                && secret.data.contains_key("tls.key")
        });
        cluster.sealing.insert(namespace.to_string(), keyed);
    }
    cluster.groups.extend(provides);
    cluster.steps.push(release.clone());
    Ok(())
}

/// What a chart installs, renders and reads.
pub struct Contents {
    /// The groups of its CRDs.
    pub provides: Vec<String>,
    /// The groups of its other objects.
    pub uses: Vec<String>,
    /// The Secrets its pods read.
    pub reads: Vec<String>,
}

/// What a chart's real render installs (the groups of its CRDs), uses (the
/// groups of its other objects) and reads (the Secrets of its pods).
fn rendered(
    world: &World,
    tool: &Path,
    chart: &ChartSource,
    values: &str,
    release: &str,
    namespace: &str,
) -> Result<Contents, String> {
    let text = hplc::chart_render::render(
        tool,
        &chart.vendored,
        values,
        release,
        namespace,
        &world.kube_version,
    )?;
    let objects = documents(&text)?;
    let provides: BTreeSet<String> = objects
        .iter()
        .filter(|o| o["kind"] == "CustomResourceDefinition")
        .map(|o| str_at(o, &["spec", "group"]).to_string())
        .collect();
    let uses: BTreeSet<String> = objects
        .iter()
        .map(|o| group(o).to_string())
        .filter(|g| !common::BUILT_IN.contains(&g.as_str()))
        .collect();
    let reads = objects.iter().flat_map(pod_secrets).collect();
    Ok(Contents {
        provides: provides.into_iter().collect(),
        uses: uses.into_iter().collect(),
        reads,
    })
}
