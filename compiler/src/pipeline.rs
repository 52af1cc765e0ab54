//! The whole pipeline in one call: compile, then generate every backend's
//! files in memory. Used by `hplc build`, the golden tests, the fuzzers and
//! the benchmarks, so that they all exercise the same path.

use std::path::Path;

use crate::emit::{self, Output};
use crate::resolve::fs::FileSystem;
use crate::Compilation;

pub struct Built {
    pub compilation: Compilation,
    /// The generated files; `None` when the platform has errors.
    pub output: Option<Output>,
}

/// Compiles `root` in `env` and, when nothing is wrong, generates its files.
/// Origins in generated files are relative to `root`'s directory.
pub fn build(root: &Path, env: Option<&str>, fs: &dyn FileSystem) -> Built {
    let compilation = crate::compile(root, env, fs);
    let output = generate(&compilation, root);
    Built {
        compilation,
        output,
    }
}

/// Every backend's files for a compilation of `root`; `None` when it has
/// errors.
pub fn generate(compilation: &Compilation, root: &Path) -> Option<Output> {
    let (Some(platform), Some(graph), Some(plan)) =
        (&compilation.model, &compilation.graph, &compilation.plan)
    else {
        return None;
    };
    if compilation.has_errors() {
        return None;
    }
    let root_dir = root.parent().unwrap_or(Path::new(""));
    let context = emit::Context {
        platform,
        graph,
        plan,
        waves: crate::model::Waves::of(platform),
        sources: &compilation.sources,
        root_dir,
    };
    Some(emit::generate(&context))
}
