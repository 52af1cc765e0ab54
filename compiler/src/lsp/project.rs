//! One platform the server keeps compiled: a root file, the compilation of
//! the active environment (what hover, definition and completion read), the
//! index of its names, and the diagnostics `hplc check` would print.

use std::path::{Path, PathBuf};

use super::index::Index;
use super::uri::DocId;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::resolve::fs::FileSystem;
use crate::source::FileId;
use crate::Compilation;

pub struct Project {
    pub root: PathBuf,
    /// The environment hover shows values of: `hplc.env`, or the default.
    pub env: Option<String>,
    pub compilation: Compilation,
    pub index: Index,
    /// With an environment set, that environment's diagnostics (`hplc check
    /// --env NAME`); without, those of the default environment and of every
    /// declared one, each once (`hplc check`).
    pub diagnostics: Vec<Diagnostic>,
}

/// The stack of a thread that compiles, as large as the CLI's: evaluation
/// recurses, and deep input must end in a diagnostic, not an overflow.
const COMPILE_STACK_BYTES: usize = 256 * 1024 * 1024;

/// The diagnostics of each of `envs`, compiled side by side: what keeps
/// checking every environment within the time of an edit.
fn other_envs(root: &Path, envs: &[String], fs: &(dyn FileSystem + Sync)) -> Vec<Diagnostic> {
    std::thread::scope(|scope| {
        let threads: Vec<_> = envs
            .iter()
            .filter_map(|env| {
                let thread = std::thread::Builder::new()
                    .name(format!("hplc-check-{env}"))
                    .stack_size(COMPILE_STACK_BYTES);
                thread
                    .spawn_scoped(scope, move || {
                        crate::compile(root, Some(env), fs).diagnostics
                    })
                    .ok()
            })
            .collect();
        // A thread that panicked has printed why; its environment goes unchecked.
        threads
            .into_iter()
            .filter_map(|t| t.join().ok())
            .flatten()
            .collect()
    })
}

impl Project {
    pub fn compile(root: &Path, env: Option<&str>, fs: &(dyn FileSystem + Sync)) -> Project {
        Project::new(root, env, crate::compile(root, env, fs), fs)
    }

    /// The project of `compilation`, the compilation of `root` in `env`:
    /// its index, and its diagnostics with those of the other environments
    /// when `env` is the default.
    pub fn new(
        root: &Path,
        env: Option<&str>,
        compilation: Compilation,
        fs: &(dyn FileSystem + Sync),
    ) -> Project {
        let diagnostics = match env {
            Some(_) => compilation.diagnostics.clone(),
            None => {
                let mut merged = Diagnostics::default();
                merged.extend(compilation.diagnostics.iter().cloned());
                merged.extend(other_envs(root, &compilation.envs, fs));
                merged.into_sorted()
            }
        };
        let index = Index::build(&compilation);
        Project {
            root: root.to_path_buf(),
            env: env.map(str::to_string),
            compilation,
            index,
            diagnostics,
        }
    }

    /// The environment's name as the CLI says it.
    pub fn env_name(&self) -> &str {
        self.env.as_deref().unwrap_or("default")
    }

    /// The file of a document, if this platform loaded it.
    pub fn file(&self, doc: &DocId) -> Option<FileId> {
        doc.file_in(&self.compilation)
    }

    pub fn text(&self, file: FileId) -> &str {
        &self.compilation.sources.get(file).text
    }

    /// The platform's own files (not the stdlib's), as documents.
    pub fn user_files(&self) -> impl Iterator<Item = (FileId, PathBuf)> + '_ {
        self.compilation
            .sources
            .iter()
            .filter_map(|(id, f)| f.path.clone().map(|p| (id, p)))
    }
}
