//! `textDocument/formatting`: the `hplc fmt` layout, as one edit that
//! replaces the document. A document with syntax errors is left alone (the
//! errors are already in its diagnostics), as `hplc fmt` leaves it.

use lsp_types::{Position, Range, TextEdit};

use super::position::LineIndex;
use crate::source::FileId;

pub fn formatting(text: &str) -> Option<Vec<TextEdit>> {
    let formatted = crate::fmt::format(FileId::default(), text).ok()?;
    if formatted == text {
        return Some(Vec::new());
    }
    let end = LineIndex::new(text).position(text.len());
    Some(vec![TextEdit {
        range: Range {
            start: Position::default(),
            end,
        },
        new_text: formatted,
    }])
}
