//! hplc: the compiler of the hpl platform-description language.
//!
//! The pipeline, one module per stage: [`syntax`] (text to tree),
//! [`resolve`] (files and modules), [`types`] (names, kinds, values),
//! [`model`] (the platform as the backends see it). [`compile`] runs them;
//! every stage reports into one [`diagnostics::Diagnostics`].

pub mod admission;
pub mod allocator;
pub mod build_inputs;
pub mod chart_render;
pub mod clouds;
pub mod components;
pub mod diagnostics;
pub mod embedded;
pub mod emit;
pub mod fmt;
pub mod graph;
pub mod images;
pub mod lsp;
pub mod model;
pub mod object_storage;
pub mod pipeline;
pub mod placement;
pub mod queue_scaling;
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

/// How many threads work that is split across cores gets (parsing a large
/// file, the Kubernetes backend, writing files): every core, at most eight.
pub(crate) fn workers() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8)
}

/// The stack of a thread that compiles: evaluation recurses through
/// references, and deep input must end in a diagnostic, not an overflow.
pub const COMPILE_STACK_BYTES: usize = 256 * 1024 * 1024;

/// What `hplc check` without `--env` reports, and the editor with no
/// environment set: the diagnostics of `default` (the compilation of `root`
/// without an environment) together with those of every environment it
/// declares, each diagnostic once. The environments compile side by side.
/// Returns them sorted, and the names of the environments checked
/// (`default` first; one whose compilation panicked is left out). Every
/// environment is compiled with `inputs`, as `default` was.
pub fn check_every_env(
    root: &Path,
    inputs: &Inputs,
    default: &Compilation,
    fs: &(dyn FileSystem + Sync),
) -> (Vec<Diagnostic>, Vec<String>) {
    let others: Vec<(String, Vec<Diagnostic>)> = std::thread::scope(|scope| {
        let threads: Vec<_> = default
            .envs
            .iter()
            .filter_map(|env| {
                let thread = std::thread::Builder::new()
                    .name(format!("hplc-check-{env}"))
                    .stack_size(COMPILE_STACK_BYTES);
                thread
                    .spawn_scoped(scope, move || {
                        (
                            env.clone(),
                            compile_with(root, inputs, Some(env), fs).diagnostics,
                        )
                    })
                    .ok()
            })
            .collect();
        // A thread that panicked has printed why; its environment goes unchecked.
        threads.into_iter().filter_map(|t| t.join().ok()).collect()
    });
    if others.is_empty() {
        // One run: its diagnostics are each once and sorted already, which
        // is what merging would give, without hashing each one whole.
        let checked = vec![types::DEFAULT_ENV.to_string()];
        return (default.diagnostics.clone(), checked);
    }
    let mut runs = vec![(types::DEFAULT_ENV.to_string(), default.diagnostics.clone())];
    runs.extend(others);
    let checked: Vec<String> = runs.iter().map(|(env, _)| env.clone()).collect();
    (merge_envs(runs), checked)
}

/// Each diagnostic once; one that only some of the environments have says
/// which (`(in environment `production`)`), so that a warning of an
/// overlay is not taken for one of the base platform.
fn merge_envs(runs: Vec<(String, Vec<Diagnostic>)>) -> Vec<Diagnostic> {
    let total = runs.len();
    // FxHash: every diagnostic of every environment is hashed whole.
    let mut found: types::FxIndexMap<Diagnostic, Vec<String>> = Default::default();
    for (env, diagnostics) in runs {
        for diagnostic in diagnostics {
            let envs = found.entry(diagnostic).or_default();
            if !envs.contains(&env) {
                envs.push(env.clone());
            }
        }
    }
    let mut merged = Diagnostics::default();
    merged.extend(found.into_iter().map(|(mut diagnostic, envs)| {
        if envs.len() < total {
            let names: Vec<String> = envs.iter().map(|e| format!("`{e}`")).collect();
            let noun = if envs.len() == 1 {
                "environment"
            } else {
                "environments"
            };
            diagnostic.message = format!("{} (in {noun} {})", diagnostic.message, names.join(", "));
        }
        diagnostic
    }));
    merged.into_sorted()
}

/// Loads, parses and checks the platform at `root` in environment `env`.
pub fn compile(root: &Path, env: Option<&str>, fs: &dyn FileSystem) -> Compilation {
    compile_with(root, &Inputs::default(), env, fs)
}

/// The cluster's inputs file (kind `inputs`), and whether the values the
/// platform needs from it must be there: `hplc build` requires them,
/// `hplc check` and the editor check what is given.
#[derive(Clone, Copy, Debug, Default)]
pub struct Inputs<'a> {
    pub file: Option<&'a Path>,
    pub required: bool,
}

/// As [`compile`], with the cluster's inputs.
pub fn compile_with(
    root: &Path,
    inputs: &Inputs,
    env: Option<&str>,
    fs: &dyn FileSystem,
) -> Compilation {
    let mut diagnostics = Diagnostics::default();
    let loaded = resolve::modules::load_with_inputs(root, inputs.file, fs, &mut diagnostics);
    let world = types::check(&loaded, env, &mut diagnostics);
    let envs = declared_envs(&loaded);
    let (model, graph, plan) = lower_and_check(&world, env, &mut diagnostics);
    if let Some(platform) = model.as_ref().filter(|_| inputs.required) {
        build_inputs::check(platform, &mut diagnostics);
    }
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

/// The stages after type checking, on a checked world: the model, its
/// graph and placement plan, and the checks on them. Nothing is lowered
/// when the world already has errors.
pub fn lower_and_check(
    world: &types::World,
    env: Option<&str>,
    diagnostics: &mut Diagnostics,
) -> (
    Option<model::Platform>,
    Option<graph::Graph>,
    Option<placement::Plan>,
) {
    let model = match world.platform {
        Some(platform) if !diagnostics.has_errors() => {
            match model::lower(world, platform, env.unwrap_or(types::DEFAULT_ENV)) {
                Ok(model) => Some(model),
                Err(undeclared) => {
                    let span = world.objects[platform].name_span;
                    diagnostics.extend(undeclared.into_iter().map(|field| {
                        Diagnostic::new(
                            diagnostics::Code::UndeclaredField,
                            span,
                            format!("the compiler reads `{field}`, which the standard library does not declare"),
                        )
                        .label("this platform cannot be lowered into the model")
                        .help("the prelude (stdlib/prelude.hpl) and the compiler's lowering (model/lower.rs) disagree: declare the field again, or read it under its new name")
                    }));
                    None
                }
            }
        }
        _ => None,
    };
    let (graph, plan) = match &model {
        Some(platform) => {
            let (graph, plan) = check_model(platform, diagnostics);
            (Some(graph), Some(plan))
        }
        None => (None, None),
    };
    (model, graph, plan)
}

/// The model's graph and placement plan, and every check of the model.
/// The placement (the largest) runs beside the checks that do not need
/// it; each side reports into its own list and the lists are joined in
/// the order the checks would run one after the other, so the
/// diagnostics do not depend on the threads.
fn check_model(
    platform: &model::Platform,
    diagnostics: &mut Diagnostics,
) -> (graph::Graph, placement::Plan) {
    let place = || {
        let mut placing = Diagnostics::default();
        (placement::plan(platform, &mut placing), placing)
    };
    let (mut graphing, mut others, mut admitting, mut safe) = Default::default();
    let (graph, (plan, placing)) = std::thread::scope(|scope| {
        let placer = std::thread::Builder::new()
            .name("hplc-place".into())
            .stack_size(COMPILE_STACK_BYTES)
            .spawn_scoped(scope, place);
        let graph = graph::build(platform);
        graph::check(&graph, platform, &mut graphing);
        clouds::check(platform, &mut others);
        components::check(platform, &mut others);
        queue_scaling::check(platform, &mut others);
        object_storage::check(platform, &mut others);
        admission::check(platform, &mut admitting);
        safety::check_model(platform, &mut safe);
        let plan = match placer.map(|t| t.join()) {
            Ok(Ok(plan)) => plan,
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            Err(_) => place(),
        };
        (graph, plan)
    });
    let mut imaging = Default::default();
    images::check(platform, &plan, &mut imaging);
    safety::check_placed(platform, &plan, &mut safe);
    for found in [graphing, placing, others, imaging, admitting, safe] {
        diagnostics.extend(found.into_unsorted());
    }
    (graph, plan)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    fn warning(message: &str) -> Diagnostic {
        Diagnostic::new(diagnostics::Code::EmptyNamespace, Span::default(), message)
    }

    /// `check_every_env` returns a platform's diagnostics as they are when
    /// it declares no environment: merging one run must change nothing.
    #[test]
    fn merging_a_single_run_gives_its_diagnostics_unchanged() {
        let text = crate::synth::peers::platform(60);
        let fs = resolve::fs::MemoryFs::default().with("/p/platform.hpl", text.into_bytes());
        let compilation = compile(Path::new("/p/platform.hpl"), None, &fs);
        assert!(compilation.diagnostics.len() > 20);
        let merged = merge_envs(vec![(
            types::DEFAULT_ENV.to_string(),
            compilation.diagnostics.clone(),
        )]);
        assert!(merged == compilation.diagnostics);
    }

    #[test]
    fn merged_diagnostics_name_the_environments_that_have_them() {
        let runs = vec![
            ("default".to_string(), vec![warning("everywhere")]),
            ("a".to_string(), vec![warning("everywhere"), warning("two")]),
            (
                "b".to_string(),
                vec![warning("everywhere"), warning("two"), warning("one")],
            ),
        ];
        let mut messages: Vec<String> = merge_envs(runs).into_iter().map(|d| d.message).collect();
        messages.sort();
        assert_eq!(
            messages,
            [
                "everywhere",
                "one (in environment `b`)",
                "two (in environments `a`, `b`)"
            ]
        );
    }
}
