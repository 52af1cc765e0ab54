//! hplc: the compiler of the hpl platform-description language.
//!
//! The pipeline, one module per stage: [`syntax`] (text to tree),
//! [`resolve`] (files and modules), [`types`] (names, kinds, values),
//! [`model`] (the platform as the backends see it). [`compile`] runs them;
//! every stage reports into one [`diagnostics::Diagnostics`].

pub mod clouds;
pub mod diagnostics;
pub mod embedded;
pub mod emit;
pub mod fmt;
pub mod graph;
pub mod lsp;
pub mod model;
pub mod pipeline;
pub mod placement;
pub mod resolve;
pub mod safety;
pub mod source;
pub mod syntax;
pub mod synth;
pub mod types;

use std::path::Path;

use diagnostics::{Diagnostic, Diagnostics};
use resolve::fs::FileSystem;
use source::SourceMap;

/// What one compilation produced: the sources (for rendering diagnostics),
/// the diagnostics sorted by position, and the evaluated world.
pub struct Compilation {
    pub sources: SourceMap,
    /// The syntax tree of every loaded file, for the language server.
    pub modules: Vec<resolve::modules::LoadedModule>,
    pub diagnostics: Vec<Diagnostic>,
    pub world: types::World,
    /// Environments the platform declares, in source order.
    pub envs: Vec<String>,
    /// The platform model, when the sources had no errors.
    pub model: Option<model::Platform>,
    /// The dependency graph and the placement plan, built from the model.
    pub graph: Option<graph::Graph>,
    pub plan: Option<placement::Plan>,
}

impl Compilation {
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity() == diagnostics::Severity::Error)
    }
}

/// Loads, parses and checks the platform at `root` in environment `env`.
pub fn compile(root: &Path, env: Option<&str>, fs: &dyn FileSystem) -> Compilation {
    let mut diagnostics = Diagnostics::default();
    let loaded = resolve::modules::load(root, fs, &mut diagnostics);
    let world = types::check(&loaded, env, &mut diagnostics);
    let envs = declared_envs(&loaded);
    let model = match world.platform {
        Some(platform) if !diagnostics.has_errors() => {
            Some(model::lower(&world, platform, env.unwrap_or("default")))
        }
        _ => None,
    };
    let (graph, plan) = match &model {
        Some(platform) => {
            let graph = graph::build(platform);
            graph::check(&graph, platform, &mut diagnostics);
            let plan = placement::plan(platform, &mut diagnostics);
            clouds::check(platform, &mut diagnostics);
            safety::check(platform, &plan, &mut diagnostics);
            (Some(graph), Some(plan))
        }
        None => (None, None),
    };
    Compilation {
        sources: loaded.sources,
        modules: loaded.modules,
        diagnostics: diagnostics.into_sorted(),
        world,
        envs,
        model,
        graph,
        plan,
    }
}

fn declared_envs(loaded: &resolve::modules::Loaded) -> Vec<String> {
    let mut envs = Vec::new();
    for module in &loaded.modules {
        if module.origin != resolve::modules::Origin::User {
            continue;
        }
        for item in &module.ast.items {
            if let syntax::ast::Item::Env(e) = item {
                if !envs.contains(&e.name.name) {
                    envs.push(e.name.name.clone());
                }
            }
        }
    }
    envs
}
