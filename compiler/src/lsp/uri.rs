//! Where a document lives: a file of the platform (`file:` URIs), or a
//! module of the standard library embedded in hplc, which has no file and
//! is served under its own scheme, `hplc-stdlib:///oci.hpl` (see
//! docs/editors.md).

use std::path::PathBuf;

use lsp_types::Url;

use crate::resolve::modules::Origin;
use crate::source::FileId;
use crate::Compilation;

pub const STDLIB_SCHEME: &str = "hplc-stdlib";

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocId {
    File(PathBuf),
    /// A stdlib module by its path: `oci`, `clouds/aws`.
    Stdlib(String),
}

impl DocId {
    pub fn from_uri(uri: &Url) -> Option<DocId> {
        match uri.scheme() {
            "file" => uri.to_file_path().ok().map(DocId::File),
            STDLIB_SCHEME => {
                let name = uri.path().trim_start_matches('/').strip_suffix(".hpl")?;
                crate::embedded::stdlib_module(name).map(|_| DocId::Stdlib(name.to_string()))
            }
            _ => None,
        }
    }

    pub fn uri(&self) -> Option<Url> {
        match self {
            DocId::File(path) => Url::from_file_path(path).ok(),
            DocId::Stdlib(name) => Url::parse(&format!("{STDLIB_SCHEME}:///{name}.hpl")).ok(),
        }
    }

    /// The text of a stdlib document, as embedded in this hplc.
    pub fn stdlib_text(&self) -> Option<&'static str> {
        match self {
            DocId::Stdlib(name) => crate::embedded::stdlib_module(name),
            DocId::File(_) => None,
        }
    }

    /// This document's file in a compilation, if the compilation loaded it.
    pub fn file_in(&self, compilation: &Compilation) -> Option<FileId> {
        match self {
            DocId::File(path) => compilation.sources.find_path(path),
            DocId::Stdlib(name) => compilation
                .modules
                .iter()
                .find(|m| matches!(&m.origin, Origin::Stdlib(n) if n == name))
                .map(|m| m.file),
        }
    }

    /// The document a file of a compilation is; `None` for a file with
    /// neither a path nor a module (nothing the editor can open).
    pub fn of_file(compilation: &Compilation, file: FileId) -> Option<DocId> {
        let module = compilation.modules.iter().find(|m| m.file == file);
        if let Some(Origin::Stdlib(name)) = module.map(|m| &m.origin) {
            return Some(DocId::Stdlib(name.clone()));
        }
        compilation
            .sources
            .iter()
            .find(|(id, _)| *id == file)
            .and_then(|(_, f)| f.path.clone())
            .map(DocId::File)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdlib_modules_round_trip_through_their_uri() {
        let doc = DocId::Stdlib("clouds/aws".into());
        let uri = doc.uri().unwrap();
        assert_eq!(uri.as_str(), "hplc-stdlib:///clouds/aws.hpl");
        assert_eq!(DocId::from_uri(&uri), Some(doc));
        assert_eq!(
            DocId::from_uri(&Url::parse("hplc-stdlib:///nope.hpl").unwrap()),
            None
        );
        assert_eq!(
            DocId::from_uri(&Url::parse("untitled:Untitled-1").unwrap()),
            None
        );
    }
}
