//! What several integration tests share: building the repository's
//! platform.hpl in memory, for one environment or all of them.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use hplc::emit::Output;
use hplc::resolve::fs::RealFs;
use hplc::Compilation;

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("repo root")
        .to_path_buf()
}

/// Compiles one environment of platform.hpl, which must have no errors.
pub fn compile(env: Option<&str>) -> Compilation {
    let compilation = hplc::compile(&repo().join("platform.hpl"), env, &RealFs);
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
    for (path, text) in output
        .files
        .iter()
        .filter(|(p, _)| p.starts_with("k8s/") && p.ends_with(".yaml"))
    {
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

/// The Kubernetes documents of one kind.
pub fn k8s_of_kind(output: &Output, kind: &str) -> Vec<serde_yaml::Value> {
    k8s_documents(output)
        .into_iter()
        .map(|(_, object)| object)
        .filter(|object| object["kind"].as_str() == Some(kind))
        .collect()
}
