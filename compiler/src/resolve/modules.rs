//! Loading a platform: the root file, every local file it reaches by `use`,
//! the stdlib modules they name, and the prelude.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::fs::FileSystem;
use super::suggest;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::embedded;
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::{self, ast};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A file of the platform; all of them share one namespace.
    User,
    /// A stdlib module, by its path (`oci`, `clouds/aws`).
    Stdlib(String),
}

#[derive(Debug)]
pub struct LoadedModule {
    pub file: FileId,
    pub ast: ast::Module,
    pub origin: Origin,
    /// For each `use` item of `ast`, in order, the module it loaded.
    pub uses: Vec<Option<ModuleId>>,
}

pub type ModuleId = usize;

#[derive(Debug, Default)]
pub struct Loaded {
    pub sources: SourceMap,
    pub modules: Vec<LoadedModule>,
    pub prelude: ModuleId,
}

pub const PRELUDE: &str = "prelude";

/// Reads `root` and everything it uses. Problems (unreadable files, syntax
/// errors, missing modules) go to `diagnostics`; loading goes on past them.
pub fn load(root: &Path, fs: &dyn FileSystem, diagnostics: &mut Diagnostics) -> Loaded {
    load_with_inputs(root, None, fs, diagnostics)
}

/// As [`load`], with the cluster's inputs file (`hplc build --inputs`)
/// read as one more file of the platform.
pub fn load_with_inputs(
    root: &Path,
    inputs: Option<&Path>,
    fs: &dyn FileSystem,
    diagnostics: &mut Diagnostics,
) -> Loaded {
    let mut loader = Loader {
        fs,
        loaded: Loaded::default(),
        by_path: HashMap::new(),
        by_stdlib: HashMap::new(),
        diagnostics,
    };
    let prelude = loader.stdlib(PRELUDE).expect("the prelude is embedded");
    loader.loaded.prelude = prelude;
    loader.user(root.to_path_buf(), None);
    if let Some(inputs) = inputs {
        loader.user(inputs.to_path_buf(), None);
    }
    let mut next = 0;
    let mut parsed = 0;
    while next < loader.loaded.modules.len() {
        // The modules found since the last wave are parsed together, side by
        // side: those the root uses, then those they use, and so on.
        if next == parsed {
            loader.parse(parsed);
            parsed = loader.loaded.modules.len();
        }
        loader.resolve_uses(next);
        next += 1;
    }
    loader.loaded
}

/// Below this many bytes, the modules of a wave are parsed one after the
/// other: a thread costs more than it saves.
const PARALLEL_BYTES: usize = 64 * 1024;

struct Loader<'a> {
    fs: &'a dyn FileSystem,
    loaded: Loaded,
    by_path: HashMap<PathBuf, ModuleId>,
    by_stdlib: HashMap<String, ModuleId>,
    diagnostics: &'a mut Diagnostics,
}

impl Loader<'_> {
    fn add(
        &mut self,
        name: String,
        path: Option<PathBuf>,
        text: Arc<str>,
        origin: Origin,
    ) -> ModuleId {
        let file = self.loaded.sources.add(name, path, text);
        // Parsed with the rest of its wave (`parse`).
        self.loaded.modules.push(LoadedModule {
            file,
            ast: ast::Module::default(),
            origin,
            uses: Vec::new(),
        });
        self.loaded.modules.len() - 1
    }

    /// Parses the modules from `first` on, on every core when they are
    /// large enough together; their syntax errors are reported in module
    /// order, as if parsed one by one.
    fn parse(&mut self, first: ModuleId) {
        let sources = &self.loaded.sources;
        let texts: Vec<(FileId, &str)> = self.loaded.modules[first..]
            .iter()
            .map(|m| (m.file, &*sources.get(m.file).text))
            .collect();
        let bytes: usize = texts.iter().map(|(_, text)| text.len()).sum();
        let parse_all = |texts: &[(FileId, &str)]| -> Vec<(ast::Module, Vec<Diagnostic>)> {
            texts
                .iter()
                .map(|(file, text)| syntax::parse(*file, text))
                .collect()
        };
        let workers = crate::workers().min(texts.len());
        let parsed = if workers < 2 || bytes < PARALLEL_BYTES {
            parse_all(&texts)
        } else {
            // Runs of modules of about the same size, one per core.
            let mut runs: Vec<&[(FileId, &str)]> = Vec::new();
            let mut rest = &texts[..];
            let mut left = bytes;
            for run in 0..workers {
                let share = left / (workers - run);
                let mut size = 0;
                let mut take = 0;
                while take < rest.len() && (size < share || take == 0) {
                    size += rest[take].1.len();
                    take += 1;
                }
                let (head, tail) = rest.split_at(take);
                runs.push(head);
                rest = tail;
                left -= size;
            }
            std::thread::scope(|scope| {
                let threads: Vec<_> = runs
                    .iter()
                    .map(|run| {
                        let thread = std::thread::Builder::new()
                            .name("hplc-load".into())
                            // As deep as the compiling thread's: the
                            // grammars recurse per bracket.
                            .stack_size(crate::COMPILE_STACK_BYTES)
                            .spawn_scoped(scope, move || parse_all(run));
                        (run, thread)
                    })
                    .collect();
                threads
                    .into_iter()
                    .flat_map(|(run, thread)| match thread {
                        Ok(thread) => thread
                            .join()
                            .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                        // No thread to be had: parsed here.
                        Err(_) => parse_all(run),
                    })
                    .collect()
            })
        };
        for (module, (ast, errors)) in self.loaded.modules[first..].iter_mut().zip(parsed) {
            self.diagnostics.extend(errors);
            module.uses = vec![
                None;
                ast.items
                    .iter()
                    .filter(|i| matches!(i, ast::Item::Use(_)))
                    .count()
            ];
            module.ast = ast;
        }
    }

    fn stdlib(&mut self, name: &str) -> Option<ModuleId> {
        if let Some(id) = self.by_stdlib.get(name) {
            return Some(*id);
        }
        let text = self.fs.stdlib_module(name)?;
        let id = self.add(
            format!("<stdlib>/{name}.hpl"),
            None,
            text,
            Origin::Stdlib(name.to_string()),
        );
        self.by_stdlib.insert(name.to_string(), id);
        Some(id)
    }

    /// Loads a file of the platform; `from` is the `use` that asked for it.
    fn user(&mut self, path: PathBuf, from: Option<Span>) -> Option<ModuleId> {
        if let Some(id) = self.by_path.get(&path) {
            return Some(*id);
        }
        let display = path.display().to_string();
        let bytes = match self.fs.read(&path) {
            Ok(bytes) => bytes,
            Err(error) => {
                let span = from.unwrap_or_else(|| {
                    let file =
                        self.loaded
                            .sources
                            .add(display.clone(), Some(path.clone()), Arc::from(""));
                    Span::new(file, 0, 0)
                });
                self.diagnostics.push(
                    Diagnostic::new(Code::ReadFailed, span, format!("cannot read `{display}`: {error}"))
                        .label("this file")
                        .help("check the path; `hplc check` reads platform.hpl in the current directory by default"),
                );
                return None;
            }
        };
        let (text, bad_at) = match String::from_utf8(bytes) {
            Ok(text) => (text, None),
            Err(error) => {
                let at = error.utf8_error().valid_up_to();
                (
                    String::from_utf8_lossy(error.as_bytes()).into_owned(),
                    Some(at),
                )
            }
        };
        if let Some(at) = bad_at {
            // Shown against the lossy text, where the bad byte became U+FFFD.
            let file =
                self.loaded
                    .sources
                    .add(display, Some(path.clone()), Arc::from(text.as_str()));
            let end = text[at..]
                .chars()
                .next()
                .map(|c| at + c.len_utf8())
                .unwrap_or(at);
            self.diagnostics.push(
                Diagnostic::new(
                    Code::NotUtf8,
                    Span::new(file, at, end),
                    format!("byte {at} of this file is not valid UTF-8"),
                )
                .label("not UTF-8")
                .help("hpl sources are UTF-8 text; is this the right file?"),
            );
            return None;
        }
        let id = self.add(display, Some(path.clone()), Arc::from(text), Origin::User);
        self.by_path.insert(path, id);
        Some(id)
    }

    fn resolve_uses(&mut self, module: ModuleId) {
        let origin = self.loaded.modules[module].origin.clone();
        let file = self.loaded.modules[module].file;
        let uses: Vec<ast::Use> = self.loaded.modules[module]
            .ast
            .items
            .iter()
            .filter_map(|i| match i {
                ast::Item::Use(u) => Some(u.clone()),
                _ => None,
            })
            .collect();
        let dir = self
            .loaded
            .sources
            .get(file)
            .path
            .as_ref()
            .and_then(|p| p.parent().map(Path::to_path_buf));
        for (index, item) in uses.iter().enumerate() {
            let segments: Vec<&str> = item.path.segments.iter().map(|s| s.name.as_str()).collect();
            let name = segments.join("/");
            let local = dir
                .clone()
                .unwrap_or_default()
                .join(&name)
                .with_extension("hpl");
            // A file of the platform comes before a stdlib module of the
            // same name.
            let is_local = origin == Origin::User && dir.is_some() && self.fs.is_file(&local);
            let target = if is_local {
                // A file that cannot be read is reported by `user`.
                self.user(local, Some(item.path.span))
            } else {
                let found = self.stdlib(&name);
                if found.is_none() && !self.fs.is_file(&local) {
                    self.missing(item, dir.as_deref());
                }
                found
            };
            self.loaded.modules[module].uses[index] = target;
        }
    }

    fn missing(&mut self, item: &ast::Use, dir: Option<&Path>) {
        // Module names as `use` writes them: `clouds.aws`.
        let name = item.path.text();
        let stdlib: Vec<String> = embedded::stdlib_modules()
            .map(|(n, _)| n.replace('/', "."))
            .filter(|n| n != PRELUDE)
            .collect();
        let mut candidates = stdlib.clone();
        if let Some(dir) = dir {
            candidates.extend(self.fs.hpl_files(dir).iter().map(|c| c.replace('/', ".")));
        }
        let help = suggest::did_you_mean(
            &name,
            candidates.iter().map(String::as_str),
            &format!(
                "a module is a file next to this one (`use services` reads services.hpl) or a stdlib module: {}",
                stdlib.join(", ")
            ),
        );
        self.diagnostics.push(
            Diagnostic::new(
                Code::ModuleNotFound,
                item.path.span,
                format!("module `{name}` not found"),
            )
            .label("no such file or stdlib module")
            .help(help),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::fs::MemoryFs;

    /// The files of a platform in one wave, large enough to be parsed side
    /// by side, load as each parses alone, errors included.
    #[test]
    fn files_parsed_side_by_side_load_as_parsed_alone() {
        let part = crate::synth::platform(120);
        let broken = format!("{part}\nservice x {{\n  cpu == 1\n}}\n");
        let fs = MemoryFs::default()
            .with("/p/main.hpl", "use a\nuse b\nuse c\nuse d\n")
            .with("/p/a.hpl", part.clone())
            .with("/p/b.hpl", "// small\nlet x = 1\n")
            .with("/p/c.hpl", broken)
            .with("/p/d.hpl", part);
        let mut diagnostics = Diagnostics::default();
        let loaded = load(Path::new("/p/main.hpl"), &fs, &mut diagnostics);
        let mut expected = Diagnostics::default();
        for module in &loaded.modules {
            let source = loaded.sources.get(module.file);
            let (ast, errors) = syntax::parse(module.file, &source.text);
            assert_eq!(module.ast, ast, "{}", source.name);
            expected.extend(errors);
        }
        assert_eq!(diagnostics.into_sorted(), expected.into_sorted());
        let names: Vec<&str> = loaded
            .modules
            .iter()
            .map(|m| loaded.sources.get(m.file).name.as_str())
            .collect();
        assert_eq!(names[..2], ["<stdlib>/prelude.hpl", "/p/main.hpl"]);
        assert!(names.contains(&"/p/c.hpl"));
    }
}
