//! The open documents and the platforms compiled from them. An edit marks
//! its document stale; [`Workspace::refresh`] recompiles every platform
//! that reads a stale document (the same `compile()` as the CLI) and says
//! which diagnostics to publish.
//!
//! A document belongs to the platform that reads it: the `platform.hpl` in
//! its directory or one above (up to the workspace folder) when that one
//! uses it, else the document is a platform root of its own.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use lsp_types::{PublishDiagnosticsParams, Url};

use super::diagnostics;
use super::documents::Documents;
use super::project::Project;
use super::uri::DocId;
use crate::resolve::fs::FileSystem;

/// The file a directory's platform is in, by convention (`hplc check`'s
/// default).
const PLATFORM_FILE: &str = "platform.hpl";

#[derive(Default)]
pub struct Workspace {
    pub documents: Documents,
    pub projects: Vec<Project>,
    /// The environment to compile in (`hplc.env`); `None`: the default.
    pub env: Option<String>,
    /// The editor's workspace folders: how far up to look for a platform.
    pub folders: Vec<PathBuf>,
    /// Open documents changed since the last refresh.
    stale: BTreeSet<PathBuf>,
    /// What was last published per document.
    published: BTreeMap<DocId, Vec<lsp_types::Diagnostic>>,
}

impl Workspace {
    pub fn touch(&mut self, path: PathBuf) {
        self.stale.insert(path);
    }

    pub fn is_stale(&self) -> bool {
        !self.stale.is_empty()
    }

    /// After a change of environment: every platform again.
    pub fn recompile_all(&mut self) {
        self.projects.clear();
        let open: Vec<PathBuf> = self.documents.paths().cloned().collect();
        self.stale.extend(open);
    }

    /// The project that loaded a document, if any did.
    pub fn project_of(&self, doc: &DocId) -> Option<&Project> {
        self.projects.iter().find(|p| p.file(doc).is_some())
    }

    /// Recompiles what the stale documents affect; returns the diagnostics
    /// to publish: those of every edited document, and of any other whose
    /// diagnostics changed.
    pub fn refresh(&mut self) -> Vec<PublishDiagnosticsParams> {
        let stale = std::mem::take(&mut self.stale);
        let env = self.env.clone();
        for project in &mut self.projects {
            if stale
                .iter()
                .any(|path| project.file(&DocId::File(path.clone())).is_some())
            {
                *project = Project::compile(&project.root, env.as_deref(), &self.documents);
            }
        }
        for path in &stale {
            let doc = DocId::File(path.clone());
            if self.documents.get(path).is_some() && self.project_of(&doc).is_none() {
                let project = self.project_for(path);
                self.projects.push(project);
            }
        }
        let documents = &self.documents;
        self.projects.retain(|p| {
            p.user_files()
                .any(|(_, path)| documents.get(&path).is_some())
        });
        // A file compiled on its own that a platform now uses is a module
        // of that platform; compiled alone it only adds noise ("no
        // platform declared"). Files that use each other both stay.
        let uses = |p: &Project, o: &Project| {
            p.root != o.root && p.file(&DocId::File(o.root.clone())).is_some()
        };
        let module: Vec<bool> = self
            .projects
            .iter()
            .map(|p| self.projects.iter().any(|o| uses(o, p) && !uses(p, o)))
            .collect();
        let mut module = module.into_iter();
        self.projects.retain(|_| !module.next().unwrap_or(false));
        self.publish(&stale)
    }

    /// The platform `path` belongs to, compiled. A candidate that does not
    /// load the document is compiled in the active environment only; the
    /// other environments are checked for the platform found.
    fn project_for(&self, path: &Path) -> Project {
        let env = self.env.as_deref();
        let doc = DocId::File(path.to_path_buf());
        for root in self.platform_candidates(path) {
            let compilation = crate::compile(&root, env, &self.documents);
            if doc.file_in(&compilation).is_some() {
                return Project::new(&root, env, compilation, &self.documents);
            }
        }
        Project::compile(path, env, &self.documents)
    }

    /// `platform.hpl` in the document's directory and each one above it,
    /// nearest first, within the workspace folder that holds the document.
    fn platform_candidates(&self, path: &Path) -> Vec<PathBuf> {
        let folder = self
            .folders
            .iter()
            .filter(|f| path.starts_with(f))
            .max_by_key(|f| f.as_os_str().len());
        let mut candidates = Vec::new();
        for dir in path.ancestors().skip(1) {
            let candidate = dir.join(PLATFORM_FILE);
            if candidate != path && self.documents.is_file(&candidate) {
                candidates.push(candidate);
            }
            if folder.is_none_or(|f| dir == f.as_path()) {
                break;
            }
        }
        candidates
    }

    fn publish(&mut self, stale: &BTreeSet<PathBuf>) -> Vec<PublishDiagnosticsParams> {
        let mut current: BTreeMap<DocId, Vec<lsp_types::Diagnostic>> = BTreeMap::new();
        for project in &self.projects {
            for (doc, list) in diagnostics::by_document(project) {
                let entry = current.entry(doc).or_default();
                for diagnostic in list {
                    if !entry.contains(&diagnostic) {
                        entry.push(diagnostic);
                    }
                }
            }
        }
        for doc in self.published.keys() {
            current.entry(doc.clone()).or_default();
        }
        let mut out = Vec::new();
        for (doc, list) in &current {
            let edited = matches!(doc, DocId::File(path) if stale.contains(path));
            let before = self.published.get(doc).map_or(&[][..], Vec::as_slice);
            if edited || before != list.as_slice() {
                if let Some(uri) = doc.uri() {
                    out.push(self.params(uri, doc, list.clone()));
                }
            }
        }
        current.retain(|_, list| !list.is_empty());
        self.published = current;
        out
    }

    fn params(
        &self,
        uri: Url,
        doc: &DocId,
        diagnostics: Vec<lsp_types::Diagnostic>,
    ) -> PublishDiagnosticsParams {
        let version = match doc {
            DocId::File(path) => self.documents.get(path).map(|d| d.version),
            DocId::Stdlib(_) => None,
        };
        PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        }
    }
}
