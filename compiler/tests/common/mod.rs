//! What several integration tests share: building the repository's
//! platform.hpl in memory, for one environment or all of them.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use hplc::emit::Output;
use hplc::resolve::fs::{MemoryFs, RealFs};
use hplc::Compilation;

/// Where the external validators' tools are installed
/// (`shared/tools/validate/install.sh`: /opt/hpl-tools, or `$HPL_TOOLS`).
pub fn tools_dir() -> PathBuf {
    std::env::var_os("HPL_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/opt/hpl-tools"))
}

/// The shared validators beside the repository (`../shared/tools/validate`,
/// or `$HPLC_VALIDATE_DIR`).
/// A relative `$HPLC_VALIDATE_DIR` is read from the repository root, where
/// scripts/test runs, not from compiler/, where cargo runs the tests.
pub fn validators_dir() -> PathBuf {
    match std::env::var_os("HPLC_VALIDATE_DIR").map(PathBuf::from) {
        Some(dir) if dir.is_absolute() => dir,
        Some(dir) => repo().join(dir),
        None => repo().join("..").join("shared/tools/validate"),
    }
}

/// An external program a test runs, when it is installed. A clone of the
/// repository on its own has none of them: the test then says that it was
/// skipped and passes, except under CI (`CI=true`), where a missing tool is
/// a failure, so that a broken install never passes unseen.
pub fn external(path: PathBuf, what: &str) -> Option<PathBuf> {
    if path.exists() {
        return Some(path);
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    assert!(
        !ci,
        "{what} is missing at {} and CI=true: run shared/tools/validate/install.sh",
        path.display()
    );
    eprintln!(
        "SKIPPED: {what} is not installed at {} (run shared/tools/validate/install.sh)",
        path.display()
    );
    None
}

/// A real kubectl: `$HPLC_KUBECTL` (scripts/test unpacks Debian's
/// kubernetes-client when the machine has no kubectl), else kubectl on the
/// PATH.
pub fn kubectl() -> Option<PathBuf> {
    std::env::var_os("HPLC_KUBECTL")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::split_paths(&std::env::var_os("PATH")?)
                .map(|dir| dir.join("kubectl"))
                .find(|p| p.is_file())
        })
}

/// The YAML files of golden/<env>/k8s and its subdirectories, sorted.
pub fn golden_k8s_files(env: &str) -> Vec<PathBuf> {
    let mut dirs = vec![repo().join("golden").join(env).join("k8s")];
    let mut files = Vec::new();
    while let Some(dir) = dirs.pop() {
        for path in std::fs::read_dir(&dir)
            .expect("golden k8s")
            .map(|e| e.expect("entry").path())
        {
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("repo root")
        .to_path_buf()
}

/// Compiles one environment of platform.hpl with the committed
/// inputs.example, as the goldens are built; it must have no errors.
pub fn compile(env: Option<&str>) -> Compilation {
    let inputs = repo().join("inputs.example");
    let compilation = hplc::compile_with(
        &repo().join("platform.hpl"),
        &hplc::Inputs {
            file: Some(&inputs),
            required: true,
        },
        env,
        &RealFs,
    );
    assert!(
        !compilation.has_errors(),
        "platform.hpl ({env:?}) has errors: {:#?}",
        compilation.diagnostics
    );
    compilation
}

/// Generates every file of a compiled platform.
pub fn generate(compilation: &Compilation) -> Output {
    hplc::pipeline::generate(compilation, &repo().join("platform.hpl"))
        .expect("platform.hpl compiles without errors")
}

/// Builds one environment of platform.hpl in memory.
pub fn build(env: Option<&str>) -> Output {
    generate(&compile(env))
}

/// Every environment: its golden directory name and its `--env` value.
pub fn environments() -> Vec<(String, Option<String>)> {
    let compilation = hplc::compile(&repo().join("platform.hpl"), None, &RealFs);
    let mut envs = vec![("default".to_string(), None)];
    envs.extend(
        compilation
            .envs
            .iter()
            .map(|e| (e.clone(), Some(e.clone()))),
    );
    envs
}

/// Every Kubernetes document of an output, with the file it is in.
pub fn k8s_documents(output: &Output) -> Vec<(String, serde_yaml::Value)> {
    use serde::Deserialize;
    let mut objects = Vec::new();
    for (path, text) in output.files.iter().filter(|(p, _)| {
        p.starts_with("k8s/") && p.ends_with(".yaml") && *p != "k8s/kustomization.yaml"
    }) {
        for document in serde_yaml::Deserializer::from_str(text) {
            let value =
                serde_yaml::Value::deserialize(document).unwrap_or_else(|e| panic!("{path}: {e}"));
            if !value.is_null() {
                objects.push((path.clone(), value));
            }
        }
    }
    objects
}

/// The values hplc writes for the one chart whose values hold `key`
/// (`serverFiles`: Prometheus; `datasources`: Grafana).
pub fn chart_values(output: &Output, key: &str) -> serde_yaml::Value {
    chart_values_if_any(output, key).unwrap_or_else(|| panic!("no chart values with `{key}`"))
}

/// As [`chart_values`], for a chart an environment may leave out
/// (`free_tier` runs no log collector): `None` without one.
pub fn chart_values_if_any(output: &Output, key: &str) -> Option<serde_yaml::Value> {
    let mut found = output
        .files
        .iter()
        .filter(|(p, _)| p.starts_with("charts/"))
        .map(|(p, text)| {
            let value: serde_yaml::Value =
                serde_yaml::from_str(text).unwrap_or_else(|e| panic!("{p}: {e}"));
            value
        })
        .filter(|v| !v[key].is_null());
    let values = found.next()?;
    assert!(found.next().is_none(), "one chart's values hold `{key}`");
    Some(values)
}

/// A chart of platform.hpl (the default environment), the one that
/// installs the service of `kind`, rendered for real with the values hplc
/// writes: every document of the render. None (skipped) without
/// render-chart and its Helm SDK.
pub fn render_chart(kind: &str) -> Option<Vec<serde_yaml::Value>> {
    use serde::Deserialize;
    let shared = repo().join("..").join("shared");
    let tool = external(shared.join("tools/render-chart"), "render-chart")?;
    external(tools_dir().join("helm-venv"), "render-chart's Helm SDK")?;
    let root = repo().join("platform.hpl");
    let built = hplc::pipeline::build(&root, None, &RealFs);
    let output = built.output.expect("platform.hpl builds");
    let platform = built.compilation.model.expect("a model");
    let service = platform
        .services
        .iter()
        .find(|s| s.kind == kind)
        .unwrap_or_else(|| panic!("no {kind} in platform.hpl"));
    let chart = service.chart().expect("installed from a chart");
    let namespace = &platform.namespace_of(service).k8s_name;
    let file = hplc::emit::charts::values_path(namespace, &service.k8s_name);
    let text = hplc::chart_render::render(
        &tool,
        &hplc::chart_render::vendored_dir(&shared.join("charts"), chart),
        &output.files[&file],
        &service.k8s_name,
        namespace,
        &platform.kubernetes_version,
    )
    .expect("the chart renders");
    Some(
        serde_yaml::Deserializer::from_str(&text)
            .filter_map(|d| serde_yaml::Value::deserialize(d).ok())
            .filter(|v| !v.is_null())
            .collect(),
    )
}

/// The documents of a render of one kind.
pub fn of_kind<'a>(documents: &'a [serde_yaml::Value], kind: &str) -> Vec<&'a serde_yaml::Value> {
    documents.iter().filter(|d| d["kind"] == kind).collect()
}

/// The Kubernetes documents of one kind.
pub fn k8s_of_kind(output: &Output, kind: &str) -> Vec<serde_yaml::Value> {
    k8s_documents(output)
        .into_iter()
        .map(|(_, object)| object)
        .filter(|object| object["kind"].as_str() == Some(kind))
        .collect()
}

/// The Kubernetes tree of one environment with every chart it installs
/// rendered for real beside it (`renders/<namespace>-<release>.yaml`, CRDs
/// included), as a fresh cluster would hold them once the charts are in,
/// written to a new temporary directory. With `without_chart_applications`,
/// the Applications that install those charts are left out, since their
/// renders stand in for them. None (skipped) without render-chart and its
/// Helm SDK.
pub fn rendered_tree(env: Option<&str>, without_chart_applications: bool) -> Option<PathBuf> {
    let shared = repo().join("..").join("shared");
    let tool = external(shared.join("tools/render-chart"), "render-chart")?;
    external(tools_dir().join("helm-venv"), "render-chart's Helm SDK")?;
    // As the goldens are built: with inputs.example.
    let compilation = compile(env);
    let output = generate(&compilation);
    let platform = compilation.model.expect("a model");
    let tree = std::env::temp_dir().join(format!(
        "hplc-rendered-{}-{}",
        env.unwrap_or("default"),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&tree);
    std::fs::create_dir_all(tree.join("renders")).expect("a temporary directory");
    let mut applications = std::collections::BTreeSet::new();
    for (_, service) in platform.deployed() {
        let Some(chart) = service.chart() else {
            continue;
        };
        let namespace = &platform.namespace_of(service).k8s_name;
        applications.insert(format!("{namespace}-{}", service.k8s_name));
        let file = hplc::emit::charts::values_path(namespace, &service.k8s_name);
        let text = hplc::chart_render::rendered(
            &tool,
            &shared.join("charts"),
            chart,
            output.files.get(&file).map_or("", String::as_str),
            &service.k8s_name,
            namespace,
            &platform.kubernetes_version,
        )
        .unwrap_or_else(|e| panic!("{}: {e}", service.name));
        let name = format!("{namespace}-{}.yaml", service.k8s_name);
        let text = in_namespace(&text, namespace);
        std::fs::write(tree.join("renders").join(name), text).expect("write a render");
    }
    for (path, text) in &output.files {
        let Some(file) = path.strip_prefix("k8s/") else {
            continue;
        };
        let at = tree.join(file);
        std::fs::create_dir_all(at.parent().expect("a parent")).expect("a directory");
        let text = if without_chart_applications {
            raw_documents(text)
                .into_iter()
                .filter(|d| {
                    let value: serde_yaml::Value = serde_yaml::from_str(d).expect("YAML");
                    !(value["kind"] == "Application"
                        && value["metadata"]["name"]
                            .as_str()
                            .is_some_and(|n| applications.contains(n)))
                })
                .collect::<Vec<_>>()
                .join("---\n")
        } else {
            text.clone()
        };
        std::fs::write(at, text).expect("write the tree");
    }
    Some(tree)
}

/// Kinds that live outside namespaces, among those the charts render.
pub const CLUSTER_SCOPED: &[&str] = &[
    "APIService",
    "ClusterIssuer",
    "ClusterRole",
    "ClusterRoleBinding",
    "ClusterSecretStore",
    "CSIDriver",
    "CustomResourceDefinition",
    "GatewayClass",
    "IngressClass",
    "MutatingWebhookConfiguration",
    "Namespace",
    "PersistentVolume",
    "PriorityClass",
    "RuntimeClass",
    "StorageClass",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
];

/// The documents of a YAML stream as they are written, each ending in a
/// newline: edited as text, never parsed and written again, since a YAML
/// 1.2 writer leaves `no` unquoted where Kubernetes' YAML 1.1 reads false.
fn raw_documents(text: &str) -> Vec<String> {
    let mut documents = vec![String::new()];
    for line in text.lines() {
        if line == "---" {
            documents.push(String::new());
        } else {
            let last = documents.last_mut().expect("a document");
            last.push_str(line);
            last.push('\n');
        }
    }
    documents
        .into_iter()
        .filter(|d| {
            d.lines()
                .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        })
        .collect()
}

/// A render with the release's namespace on every namespaced object that
/// names none, as `helm install -n` and Argo CD's destination give it
/// (some charts leave `metadata.namespace` out).
fn in_namespace(render: &str, namespace: &str) -> String {
    raw_documents(render)
        .into_iter()
        .map(|document| {
            let value: serde_yaml::Value = serde_yaml::from_str(&document).expect("YAML");
            let kind = value["kind"].as_str().unwrap_or_default();
            if CLUSTER_SCOPED.contains(&kind) || !value["metadata"]["namespace"].is_null() {
                return document;
            }
            document.replacen(
                "\nmetadata:\n",
                &format!("\nmetadata:\n  namespace: {namespace}\n"),
                1,
            )
        })
        .collect::<Vec<_>>()
        .join("---\n")
}

/// The files platform.hpl uses beside it (its sealed values), by path
/// relative to the repository, with their text.
pub fn platform_modules() -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(repo().join("sealed"))
        .expect("sealed/")
        .map(|entry| {
            let path = entry.expect("an entry").path();
            let name = path
                .file_name()
                .expect("a name")
                .to_string_lossy()
                .into_owned();
            (
                format!("sealed/{name}"),
                std::fs::read(&path).expect("readable"),
            )
        })
        .collect();
    files.sort();
    files
}

/// `fs` with the files platform.hpl uses, beside a platform in `dir`.
pub fn with_platform_modules(mut fs: MemoryFs, dir: &str) -> MemoryFs {
    for (path, text) in platform_modules() {
        fs = fs.with(format!("{dir}/{path}"), text);
    }
    fs
}

/// Copies platform.hpl, the files it uses and inputs.example into `dir`.
pub fn copy_platform(dir: &Path) {
    for (path, text) in platform_modules() {
        let to = dir.join(path);
        std::fs::create_dir_all(to.parent().expect("a directory")).expect("mkdir");
        std::fs::write(to, text).expect("write");
    }
    for file in ["platform.hpl", "inputs.example"] {
        std::fs::copy(repo().join(file), dir.join(file)).expect("copy");
    }
}

/// API groups every cluster serves without an install.
pub const BUILT_IN: &[&str] = &[
    "",
    "apps",
    "batch",
    "autoscaling",
    "policy",
    "networking.k8s.io",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "scheduling.k8s.io",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "node.k8s.io",
    "certificates.k8s.io",
    "apiregistration.k8s.io",
];

/// What the README's install step names, in its order: the files, Secrets
/// and releases `bootstrap.sh` makes (every word in backticks but the
/// script's own name).
pub fn install_step_names(readme: &str) -> Vec<String> {
    let install = readme
        .lines()
        .find(|l| l.contains("**Install.**"))
        .expect("an install step");
    install
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|w| *w != "./bootstrap.sh")
        .map(str::to_string)
        .collect()
}

/// The `postStart` script of the main container of the StatefulSet
/// `name` in `output`, and the container's plain environment (the values
/// that are not references).
pub fn post_start(
    output: &Output,
    name: &str,
) -> (String, std::collections::BTreeMap<String, String>) {
    let sets = k8s_of_kind(output, "StatefulSet");
    let set = sets
        .iter()
        .find(|s| s["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no StatefulSet {name}"));
    let container = &set["spec"]["template"]["spec"]["containers"][0];
    let script = container["lifecycle"]["postStart"]["exec"]["command"][2]
        .as_str()
        .unwrap_or_else(|| panic!("{name}'s container runs no script after it starts"))
        .to_string();
    let env = container["env"]
        .as_sequence()
        .expect("env")
        .iter()
        .filter_map(|e| {
            Some((
                e["name"].as_str()?.to_string(),
                e["value"].as_str()?.to_string(),
            ))
        })
        .collect();
    (script, env)
}

/// A client's login as a server's pod mounts it (`$LOGINS_DIR`):
/// `<dir>/<client>/username` (the client's name) and `password`.
pub fn write_login(dir: &std::path::Path, client: &str, password: &str) {
    let login = dir.join(client);
    std::fs::create_dir_all(&login).expect("mkdir");
    std::fs::write(login.join("username"), client).expect("write");
    std::fs::write(login.join("password"), password).expect("write");
}

/// A TCP port of loopback that nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Runs `command`, failing the test with its output unless it succeeds;
/// its standard output.
pub fn check(command: &mut std::process::Command, what: &str) -> String {
    let output = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}
