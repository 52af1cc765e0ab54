//! `textDocument/definition`: where the name under the cursor is declared,
//! in this file, another file of the platform, or a stdlib module (opened
//! through its `hplc-stdlib:` URI).

use lsp_types::Location;

use super::index;
use super::position::LineIndex;
use super::project::Project;
use super::uri::DocId;
use crate::source::FileId;

pub fn definition(project: &Project, file: FileId, offset: usize) -> Option<Location> {
    let occurrence = project.index.at(file, u32::try_from(offset).ok()?)?;
    let span = index::declaration(&project.compilation, &occurrence.target)?;
    let uri = DocId::of_file(&project.compilation, span.file)?.uri()?;
    let range = LineIndex::new(project.text(span.file)).span_range(span);
    Some(Location { uri, range })
}
