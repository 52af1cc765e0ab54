//! The documents the editor has open, and the file system the compiler
//! reads through while the server runs: an open document's text as the
//! editor holds it (saved or not), every other file from disk.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

use lsp_types::TextDocumentContentChangeEvent;

use super::position::LineIndex;
use crate::resolve::fs::{FileSystem, RealFs};

pub struct Document {
    pub text: String,
    pub version: i32,
}

#[derive(Default)]
pub struct Documents {
    open: HashMap<PathBuf, Document>,
}

impl Documents {
    pub fn open(&mut self, path: PathBuf, text: String, version: i32) {
        self.open.insert(path, Document { text, version });
    }

    /// Applies the editor's changes in order: a range replaces that part of
    /// the text, no range replaces all of it. False for a document that is
    /// not open.
    pub fn change(
        &mut self,
        path: &Path,
        changes: Vec<TextDocumentContentChangeEvent>,
        version: i32,
    ) -> bool {
        let Some(document) = self.open.get_mut(path) else {
            return false;
        };
        for change in changes {
            match change.range {
                Some(range) => {
                    let (start, end) = LineIndex::new(&document.text).offsets(range);
                    document.text.replace_range(start..end, &change.text);
                }
                None => document.text = change.text,
            }
        }
        document.version = version;
        true
    }

    pub fn close(&mut self, path: &Path) {
        self.open.remove(path);
    }

    pub fn get(&self, path: &Path) -> Option<&Document> {
        self.open.get(path)
    }

    pub fn paths(&self) -> impl Iterator<Item = &PathBuf> {
        self.open.keys()
    }
}

impl FileSystem for Documents {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        match self.open.get(path) {
            Some(document) => Ok(document.text.clone().into_bytes()),
            None => RealFs.read(path),
        }
    }

    fn is_file(&self, path: &Path) -> bool {
        self.open.contains_key(path) || RealFs.is_file(path)
    }

    /// The files on disk and the open documents of a directory, the latter
    /// so that a module created in the editor and not saved yet is found.
    fn hpl_files(&self, dir: &Path) -> Vec<String> {
        let mut names = RealFs.hpl_files(dir);
        for path in self
            .open
            .keys()
            .filter(|p| p.parent() == Some(dir) && p.extension().is_some_and(|e| e == "hpl"))
        {
            if let Some(stem) = path.file_stem().map(|s| s.to_string_lossy().into_owned()) {
                if !names.contains(&stem) {
                    names.push(stem);
                }
            }
        }
        names.sort();
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::{Position, Range};

    #[test]
    fn applies_ranged_changes_in_utf16_columns() {
        let mut documents = Documents::default();
        let path = PathBuf::from("/p/platform.hpl");
        documents.open(path.clone(), "role = \"🚀\" x\n".into(), 1);
        let at = |c| Position {
            line: 0,
            character: c,
        };
        let change = TextDocumentContentChangeEvent {
            range: Some(Range {
                start: at(12),
                end: at(13),
            }),
            range_length: None,
            text: "y".into(),
        };
        assert!(documents.change(&path, vec![change], 2));
        assert_eq!(
            documents.read(&path).unwrap(),
            b"role = \"\xf0\x9f\x9a\x80\" y\n"
        );
        assert!(documents.is_file(&path));
        assert_eq!(documents.hpl_files(Path::new("/p")), vec!["platform"]);
    }
}
