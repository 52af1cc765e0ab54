//! The golden outputs: `golden/<env>/` holds what `hplc build --env <env>`
//! writes for the repository's platform.hpl, for every environment it
//! declares (`default` is the base platform). A test compares them byte for
//! byte; `HPLC_UPDATE_GOLDEN=1 cargo test --test golden` rewrites them, for
//! a change of output made on purpose.

use std::path::{Path, PathBuf};

use hplc::emit::{self, output, Output};
use hplc::resolve::fs::RealFs;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("repo root").to_path_buf()
}

/// Builds one environment of platform.hpl in memory.
pub fn build(env: Option<&str>) -> Output {
    let root = repo().join("platform.hpl");
    let compilation = hplc::compile(&root, env, &RealFs);
    assert!(!compilation.has_errors(), "platform.hpl ({env:?}) has errors: {:#?}", compilation.diagnostics);
    let context = emit::Context {
        platform: compilation.model.as_ref().expect("model"),
        graph: compilation.graph.as_ref().expect("graph"),
        plan: compilation.plan.as_ref().expect("plan"),
        sources: &compilation.sources,
        root_dir: &repo(),
    };
    emit::generate(&context)
}

fn environments() -> Vec<(String, Option<String>)> {
    let compilation = hplc::compile(&repo().join("platform.hpl"), None, &RealFs);
    let mut envs = vec![("default".to_string(), None)];
    envs.extend(compilation.envs.iter().map(|e| (e.clone(), Some(e.clone()))));
    envs
}

#[test]
fn golden_outputs_match_a_fresh_build() {
    let update = std::env::var_os("HPLC_UPDATE_GOLDEN").is_some();
    let mut failures = Vec::new();
    for (name, env) in environments() {
        let generated = build(env.as_deref());
        let target = repo().join("golden").join(&name);
        if update {
            output::write(&generated, &target).expect("write golden");
            continue;
        }
        let differences = output::diff(&generated, &target);
        if !differences.is_empty() {
            failures.push(format!("golden/{name}:\n  {}", differences.join("\n  ")));
        }
    }
    assert!(
        failures.is_empty(),
        "the goldens differ from a fresh build (run `HPLC_UPDATE_GOLDEN=1 cargo test --test golden` if the change is on purpose):\n{}",
        failures.join("\n")
    );
}

#[test]
fn two_builds_are_byte_identical() {
    for (_, env) in environments() {
        assert_eq!(build(env.as_deref()), build(env.as_deref()));
    }
}
