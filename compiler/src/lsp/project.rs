//! One platform the server keeps compiled: a root file, the compilation of
//! the active environment (what hover, definition and completion read), the
//! index of its names, and the diagnostics `hplc check` would print.

use std::path::{Path, PathBuf};

use super::index::Index;
use super::uri::DocId;
use crate::diagnostics::Diagnostic;
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
            None => crate::check_every_env(root, &crate::Inputs::default(), &compilation, fs).0,
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
        self.env.as_deref().unwrap_or(crate::types::DEFAULT_ENV)
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
