//! Code generation. Every backend reads the same [`Context`] (the model,
//! the dependency graph, the placement plan) and adds files to one
//! [`Output`]; nothing is written to disk here (see `output.rs` for that),
//! so a build that fails leaves the disk untouched.
//!
//! Backends: `k8s/` (Kubernetes YAML), `terraform/` (HCL), `grafana/`
//! (dashboards, provisioning, alert rules).

pub mod charts;
pub mod dns;
pub mod grafana;
pub mod k8s;
pub mod kube;
pub mod observe;
pub mod output;
pub mod readme;
pub mod runbook;
pub mod terraform;
pub mod yaml;

use std::collections::BTreeMap;

use crate::graph::Graph;
use crate::model::Platform;
use crate::placement::Plan;
use crate::source::{FileId, SourceMap, Span};

/// Everything a backend may read.
pub struct Context<'a> {
    pub platform: &'a Platform,
    pub graph: &'a Graph,
    pub plan: &'a Plan,
    /// The order of installs (charts, then the platform's own objects).
    pub waves: crate::model::Waves,
    pub sources: &'a SourceMap,
    /// The directory of the root file: origins are given relative to it,
    /// so output does not depend on where hplc was run from.
    pub root_dir: &'a std::path::Path,
}

impl Context<'_> {
    /// `platform.hpl:42`: where a generated object comes from, for the
    /// `hplc.dev/source` annotation and comments.
    pub fn origin(&self, span: Span) -> String {
        let (line, _) = self.sources.get(span.file).line_col(span.start);
        format!("{}:{line}", self.file_name(span.file))
    }

    /// A source file's path relative to the root file's directory, with `/`
    /// on every system so that output does not depend on it.
    pub fn file_name(&self, file: FileId) -> String {
        let file = self.sources.get(file);
        match &file.path {
            Some(path) => {
                let relative = path.strip_prefix(self.root_dir).unwrap_or(path);
                let name = relative.to_string_lossy();
                if std::path::MAIN_SEPARATOR == '/' {
                    name.into_owned()
                } else {
                    name.replace(std::path::MAIN_SEPARATOR, "/")
                }
            }
            None => file.name.clone(),
        }
    }
}

/// Generated files by relative path (`k8s/health-api.yaml`), in a sorted map
/// so that output order never depends on generation order.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Output {
    pub files: BTreeMap<String, String>,
}

impl Output {
    /// Adds a file; a second file at the same path is a bug in a backend.
    pub fn add(&mut self, path: impl Into<String>, contents: impl Into<String>) {
        let path = path.into();
        let previous = self.files.insert(path.clone(), contents.into());
        assert!(previous.is_none(), "two generated files at {path}");
    }

    /// Adds to the end of a file, creating it if need be: a Kubernetes
    /// file is a stream of documents several backends contribute to.
    pub fn append(&mut self, path: impl Into<String>, contents: &str) {
        self.files
            .entry(path.into())
            .or_default()
            .push_str(contents);
    }
}

/// Runs every backend. The kustomization comes last: it lists every
/// Kubernetes file, including those the Grafana backend adds.
pub fn generate(context: &Context) -> Output {
    // The Grafana and Terraform backends run beside the Kubernetes one;
    // their files join a sorted map, so the order they finish in does not
    // matter.
    let (mut output, others) = std::thread::scope(|scope| {
        let others = scope.spawn(|| {
            let mut others = Output::default();
            grafana::emit(context, &mut others);
            terraform::emit(context, &mut others);
            charts::emit(context, &mut others);
            dns::emit(context, &mut others);
            others
        });
        let mut output = Output::default();
        k8s::emit(context, &mut output);
        (
            output,
            others
                .join()
                .expect("the Grafana and Terraform backends panicked"),
        )
    });
    // After the Kubernetes backend's objects of a namespace come the
    // others' (the Grafana backend's ConfigMaps and rules).
    for (path, contents) in others.files {
        output.append(path, &contents);
    }
    k8s::kustomization(&mut output);
    let readme = readme::write(context, &output);
    output.add("README.md", readme);
    output
}
