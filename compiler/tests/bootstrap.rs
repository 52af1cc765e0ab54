//! Every environment's generated `bootstrap.sh`, run for real with stand-ins
//! for `kubectl`, `helm` and `git` first on its PATH: small scripts that
//! run this test binary again (the `stand_in` test, which does nothing
//! unless `HPLC_STAND_IN` names a tool) to read what each call applies and
//! keep a model of the cluster between calls. A stand-in fails the call,
//! and `set -e` the bootstrap, when
//!
//! - a custom resource is applied before the CRD of its API group: the
//!   CRDs come from what was applied (a release manifest's own objects) and
//!   from the charts, rendered for real from the vendored sources with the
//!   values of `charts/` (`render-chart`), or without it from the chart
//!   records of the stdlib, which tests/charts.rs checks against renders;
//! - an object lands in a namespace that does not exist yet;
//! - a consumer comes before its Secret: a SealedSecret before a Sealed
//!   Secrets controller that started with the operator's sealing key (one
//!   that started without makes its own, which nothing is sealed to); an
//!   Argo CD Application of a platform repository before the repository's
//!   credential; a chart (`helm --wait`) or workload whose pods read one of
//!   the platform's Secrets before the SealedSecret or ExternalSecret that
//!   makes it.
//!
//! `kubectl apply -k` renders with the real `kubectl kustomize` when there
//! is one (`$HPLC_KUBECTL`, scripts/test), else reads the files the
//! kustomization lists; `git clone` links the vendored source of the
//! chart at that repository and tag. The README's install step must name
//! what the stand-ins saw made, in their order. Mutations of the script
//! (steps moved or left out) must fail.

mod common;
#[path = "bootstrap/stand_in.rs"]
mod stand_in;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use stand_in::{ChartSource, Cluster, Secret, World};

/// The tool a process stands in for; unset, `stand_in` does nothing.
const TOOL: &str = "HPLC_STAND_IN";
/// Its arguments, one a line.
const ARGS: &str = "HPLC_STAND_IN_ARGS";
/// The directory of the cluster's model: world.json, cluster.json and,
/// after a failed call, failure.txt.
const STATE: &str = "HPLC_STAND_IN_STATE";

/// The body of the stand-ins: a no-op in an ordinary test run.
#[test]
fn stand_in() {
    let Ok(tool) = std::env::var(TOOL) else {
        return;
    };
    let state = PathBuf::from(std::env::var_os(STATE).expect("HPLC_STAND_IN_STATE"));
    let args: Vec<String> = std::env::var(ARGS)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect();
    let world: World =
        serde_json::from_str(&std::fs::read_to_string(state.join("world.json")).expect("world"))
            .expect("world.json");
    let file = state.join("cluster.json");
    let mut cluster: Cluster = std::fs::read_to_string(&file)
        .map(|t| serde_json::from_str(&t).expect("cluster.json"))
        .unwrap_or_else(|_| Cluster::new());
    let result = stand_in::call(&tool, &world, &mut cluster, &args);
    match result {
        Ok(()) => std::fs::write(&file, serde_json::to_string(&cluster).expect("JSON"))
            .expect("write cluster.json"),
        Err(failure) => {
            let call = format!("{tool} {}", args.join(" "));
            let text = format!("`{call}`: {failure}\n");
            std::fs::write(state.join("failure.txt"), &text).expect("write failure.txt");
            eprint!("stand-in {text}");
            std::process::exit(1);
        }
    }
}

/// A stand-in script: runs this binary's `stand_in` test as `tool`.
fn stand_in_script(tool: &str) -> String {
    format!(
        "#!/bin/sh\n\
HPLC_STAND_IN={tool}\n\
HPLC_STAND_IN_ARGS=\"$(printf '%s\\n' \"$@\")\"\n\
export HPLC_STAND_IN HPLC_STAND_IN_ARGS\n\
exec \"$HPLC_STAND_IN_EXE\" stand_in --exact --quiet --test-threads 1 --nocapture >&2\n"
    )
}

/// One environment's build written out, with its world.
struct Run {
    dir: PathBuf,
    tree: PathBuf,
    readme: String,
    platform_secrets: BTreeSet<String>,
    /// Whether the tree has SealedSecrets.
    sealed: bool,
}

/// Writes an environment's tree, the stand-ins and their world into a new
/// temporary directory. None (skipped) without the vendored charts.
fn prepare(name: &str, env: Option<&str>) -> Option<Run> {
    let shared = common::repo().join("..").join("shared");
    let charts_dir = common::external(shared.join("charts"), "the vendored charts")?;
    let compilation = common::compile(env);
    let output = common::generate(&compilation);
    let platform = compilation.model.as_ref().expect("a model");
    let dir = std::env::temp_dir().join(format!("hplc-bootstrap-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let tree = dir.join("tree");
    for (path, text) in &output.files {
        let at = tree.join(path);
        std::fs::create_dir_all(at.parent().expect("a parent")).expect("mkdir");
        std::fs::write(at, text).expect("write the tree");
    }
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    for tool in ["kubectl", "helm", "git"] {
        use std::os::unix::fs::PermissionsExt as _;
        let script = bin.join(tool);
        std::fs::write(&script, stand_in_script(tool)).expect("write a stand-in");
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let render_tool = shared.join("tools/render-chart");
    let render_tool = (render_tool.exists() && common::tools_dir().join("helm-venv").exists())
        .then_some(render_tool);
    if render_tool.is_none() {
        eprintln!("{name}: render-chart is not installed: the charts' CRDs and Secrets come from the stdlib's chart records");
    }
    let world = World {
        charts: platform
            .deployed()
            .filter_map(|(_, service)| Some((service, service.chart()?)))
            .map(|(service, chart)| ChartSource {
                repo: chart.repo.clone(),
                name: chart.name.clone(),
                version: chart.version.clone(),
                path: chart.path.clone(),
                manifest: chart.manifest,
                release_asset: chart.release_asset.clone(),
                vendored: hplc::chart_render::vendored_dir(&charts_dir, chart),
                provides: chart.render.provides.clone(),
                uses: chart.render.uses.clone(),
                reads: hplc::model::secrets::references(service)
                    .iter()
                    .map(|r| r.name.clone())
                    .collect(),
            })
            .collect(),
        private_repos: platform.gitops.iter().map(|g| g.repo.clone()).collect(),
        platform_secrets: hplc::model::secrets::needed(platform)
            .keys()
            .map(|(namespace, name)| format!("{namespace}/{name}"))
            .collect(),
        render_tool,
        kustomize: common::kubectl().filter(|p| p.is_file()),
        kube_version: platform.kubernetes_version.clone(),
    };
    let state = dir.join("state");
    std::fs::create_dir_all(&state).expect("mkdir");
    std::fs::write(
        state.join("world.json"),
        serde_json::to_string(&world).expect("JSON"),
    )
    .expect("write world.json");
    Some(Run {
        readme: output.files["README.md"].clone(),
        platform_secrets: world.platform_secrets.clone(),
        sealed: common::k8s_documents(&output)
            .iter()
            .any(|(_, o)| o["kind"] == "SealedSecret"),
        dir,
        tree,
    })
}

impl Run {
    /// Runs `script` (the generated bootstrap, or a mutation of it) with
    /// the stand-ins and `environment`: whether it succeeded, what it
    /// printed, the failure a stand-in reported and the cluster it left.
    fn bootstrap(&self, script: &str, environment: &[(&str, PathBuf)]) -> Outcome {
        let state = self.dir.join("state");
        let _ = std::fs::remove_file(state.join("cluster.json"));
        let _ = std::fs::remove_file(state.join("failure.txt"));
        let file = self.tree.join("bootstrap.sh");
        std::fs::write(&file, script).expect("write bootstrap.sh");
        let path = std::env::join_paths(std::iter::once(self.dir.join("bin")).chain(
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
        ))
        .expect("PATH");
        let mut command = Command::new("sh");
        command
            .arg(&file)
            .env("PATH", path)
            .env(
                "HPLC_STAND_IN_EXE",
                std::env::current_exe().expect("this binary"),
            )
            .env(STATE, &state)
            .env_remove(TOOL)
            .env_remove("CARGO_TARGET_DIR");
        for variable in ["REPO_USERNAME", "REPO_PASSWORD", "REPO_SSH_KEY_FILE"] {
            command.env_remove(variable);
        }
        command
            .env_remove("SEALING_KEY_FILE")
            .env_remove("SEALING_CERT_FILE");
        for (name, value) in environment {
            command.env(name, value);
        }
        let run = command.output().expect("sh runs");
        Outcome {
            ok: run.status.success(),
            printed: format!(
                "{}{}",
                String::from_utf8_lossy(&run.stdout),
                String::from_utf8_lossy(&run.stderr)
            ),
            failure: std::fs::read_to_string(state.join("failure.txt")).unwrap_or_default(),
            cluster: std::fs::read_to_string(state.join("cluster.json"))
                .map(|t| serde_json::from_str(&t).expect("cluster.json"))
                .unwrap_or_default(),
        }
    }
}

struct Outcome {
    ok: bool,
    printed: String,
    failure: String,
    cluster: Cluster,
}

/// What an operator exports: a token for the repository, and the sealing
/// key pair the goldens' sealed values are sealed to (the tests' own).
fn operator_environment() -> Vec<(&'static str, PathBuf)> {
    let sealing = common::repo().join("compiler/tests/fixtures/sealing");
    vec![
        ("REPO_USERNAME", "platform-reader".into()),
        ("REPO_PASSWORD", "test-token-not-a-credential".into()),
        ("SEALING_KEY_FILE", sealing.join("tls.key")),
        ("SEALING_CERT_FILE", sealing.join("tls.crt")),
    ]
}

#[test]
fn every_bootstrap_installs_its_environment_in_an_order_that_works() {
    for (name, env) in common::environments() {
        let Some(run) = prepare(&name, env.as_deref()) else {
            return;
        };
        let script = std::fs::read_to_string(run.tree.join("bootstrap.sh")).expect("bootstrap.sh");
        let outcome = run.bootstrap(&script, &operator_environment());
        assert!(
            outcome.ok,
            "{name}: bootstrap.sh failed: {}\n{}",
            outcome.failure, outcome.printed
        );
        let cluster = &outcome.cluster;
        // Every Secret of the platform is made, and opened: the sealing key
        // installed is the one the sealed values are sealed to.
        for secret in &run.platform_secrets {
            assert!(
                cluster.made.contains(secret),
                "{name}: nothing made {secret}"
            );
        }
        let keys: Vec<&Secret> = cluster
            .secrets
            .values()
            .filter(|s| {
                s.labels
                    .contains_key("sealedsecrets.bitnami.com/sealed-secrets-key")
            })
            .collect();
        assert_eq!(keys.len(), usize::from(run.sealed), "{name}: sealing keys");
        if let Some(key) = keys.first() {
            let certificate = std::fs::read_to_string(
                common::repo().join("compiler/tests/fixtures/sealing/tls.crt"),
            )
            .expect("the test certificate");
            assert_eq!(key.data["tls.crt"], certificate, "{name}: the sealing key");
        }
        // The README's install step names what the stand-ins saw made, in
        // the order they saw it.
        assert_eq!(
            common::install_step_names(&run.readme),
            cluster.steps,
            "{name}: the README's install step and what bootstrap.sh did"
        );
        eprintln!(
            "{name}: bootstrap.sh ran {} steps against the stand-ins; {} API groups served at the end",
            cluster.steps.len(),
            cluster.groups.len()
        );
        let _ = std::fs::remove_dir_all(&run.dir);
    }
}

/// Without the operator's values the bootstrap applies nothing and names
/// each missing one.
#[test]
fn a_bootstrap_without_its_credentials_applies_nothing() {
    for (name, env) in common::environments() {
        let Some(run) = prepare(&name, env.as_deref()) else {
            return;
        };
        let script = std::fs::read_to_string(run.tree.join("bootstrap.sh")).expect("bootstrap.sh");
        let outcome = run.bootstrap(&script, &[]);
        assert!(!outcome.ok, "{name}: ran without credentials");
        assert!(
            outcome.cluster.steps.is_empty(),
            "{name}: applied something"
        );
        // Argo CD's repository credential where the tree has Applications
        // to sync; the sealing key where it has a Sealed Secrets controller.
        let mut expected = Vec::new();
        let output = common::build(env.as_deref());
        if !common::k8s_of_kind(&output, "Application").is_empty() {
            expected.extend(["REPO_USERNAME", "REPO_PASSWORD"]);
        }
        if script.contains("SEALING_KEY_FILE") {
            expected.extend(["SEALING_KEY_FILE", "SEALING_CERT_FILE"]);
        }
        for variable in expected {
            assert!(
                outcome
                    .printed
                    .contains(&format!("bootstrap.sh: set {variable}: ")),
                "{name}: no word of {variable}:\n{}",
                outcome.printed
            );
        }
        let _ = std::fs::remove_dir_all(&run.dir);
    }
}

/// The blocks of a script (separated by blank lines).
fn blocks(script: &str) -> Vec<String> {
    script.split("\n\n").map(str::to_string).collect()
}

/// The block of `blocks` that contains `needle`.
fn block_with(blocks: &[String], needle: &str) -> usize {
    blocks
        .iter()
        .position(|b| b.contains(needle))
        .unwrap_or_else(|| panic!("no block with {needle}"))
}

/// The stand-ins catch a bootstrap in the wrong order: each mutation of the
/// default environment's script fails, at the step it broke.
#[test]
fn a_misordered_bootstrap_fails() {
    let Some(run) = prepare("default-mutated", None) else {
        return;
    };
    let script = std::fs::read_to_string(run.tree.join("bootstrap.sh")).expect("bootstrap.sh");
    let original = blocks(&script);
    let moved = |needle: &str, before: &str| {
        let mut blocks = original.clone();
        let block = blocks.remove(block_with(&blocks, needle));
        let at = block_with(&blocks, before);
        blocks.insert(at, block);
        blocks.join("\n\n")
    };
    let mutations = [
        (
            "the secret references before the Sealed Secrets chart",
            moved(
                "-f k8s/secrets/",
                "helm upgrade --install sealed-secrets-controller",
            ),
            "before the CRD of `bitnami.com`",
        ),
        (
            "the sealing key after the Sealed Secrets chart",
            moved(
                "sealedsecrets.bitnami.com/sealed-secrets-key: active",
                "-f k8s/secrets/",
            ),
            "started without the operator's sealing key",
        ),
        (
            "alertmanager before the secret references",
            moved(
                "helm upgrade --install alertmanager-server",
                "-f k8s/secrets/",
            ),
            "reads the Secret health-observability/alertmanager-",
        ),
        (
            "the repository credential after the tree",
            {
                let mut blocks = original.clone();
                let block = blocks.remove(block_with(&blocks, "secret-type: repository"));
                blocks.push(block);
                blocks.join("\n\n")
            },
            "holds no repository credential",
        ),
        (
            "cert-manager after the tree",
            {
                let mut blocks = original.clone();
                let block = blocks.remove(block_with(
                    &blocks,
                    "helm upgrade --install cert-manager-controller",
                ));
                blocks.push(block);
                blocks.join("\n\n")
            },
            "before the CRD of `cert-manager.io`",
        ),
    ];
    for (what, script, expected) in mutations {
        let outcome = run.bootstrap(&script, &operator_environment());
        assert!(!outcome.ok, "{what}: the bootstrap passed");
        assert!(
            outcome.failure.contains(expected),
            "{what}: failed otherwise than expected ({expected}): {}\n{}",
            outcome.failure,
            outcome.printed
        );
        eprintln!("{what}: {}", outcome.failure.trim_end());
    }
    let _ = std::fs::remove_dir_all(&run.dir);
}
