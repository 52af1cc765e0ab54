//! File access behind a trait, so that tests and the language server can
//! compile sources that live in memory.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub trait FileSystem {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    fn is_file(&self, path: &Path) -> bool;
    /// Names (without `.hpl`) of the hpl files in a directory, for "did you
    /// mean" on a missing module.
    fn hpl_files(&self, dir: &Path) -> Vec<String>;

    /// The text of a standard library module (`oci`, `clouds/aws`): the
    /// one embedded in the compiler, unless a file system for tests holds
    /// another standard library.
    fn stdlib_module(&self, name: &str) -> Option<Arc<str>> {
        crate::embedded::stdlib_module(name).map(Arc::from)
    }
}

pub struct RealFs;

impl FileSystem for RealFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    fn is_file(&self, path: &Path) -> bool {
        path.is_file()
    }

    fn hpl_files(&self, dir: &Path) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        }) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "hpl"))
            .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
            .collect();
        names.sort();
        names
    }
}

/// Files held in memory, keyed by path.
#[derive(Default, Clone)]
pub struct MemoryFs {
    pub files: BTreeMap<PathBuf, Vec<u8>>,
    /// A standard library in place of the embedded one, by module name
    /// (tests of what the compiler needs from it).
    pub stdlib: Option<BTreeMap<String, String>>,
}

impl MemoryFs {
    pub fn with(mut self, path: impl Into<PathBuf>, text: impl Into<Vec<u8>>) -> MemoryFs {
        self.files.insert(path.into(), text.into());
        self
    }

    /// Serves `modules` as the whole standard library.
    pub fn with_stdlib(mut self, modules: BTreeMap<String, String>) -> MemoryFs {
        self.stdlib = Some(modules);
        self
    }
}

impl FileSystem for MemoryFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))
    }

    fn is_file(&self, path: &Path) -> bool {
        self.files.contains_key(path)
    }

    fn hpl_files(&self, dir: &Path) -> Vec<String> {
        self.files
            .keys()
            .filter(|p| p.parent() == Some(dir) && p.extension().is_some_and(|e| e == "hpl"))
            .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
            .collect()
    }

    fn stdlib_module(&self, name: &str) -> Option<Arc<str>> {
        match &self.stdlib {
            Some(modules) => modules.get(name).map(|text| Arc::from(text.as_str())),
            None => crate::embedded::stdlib_module(name).map(Arc::from),
        }
    }
}
