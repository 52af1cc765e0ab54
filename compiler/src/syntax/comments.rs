//! Comments are not in the syntax tree; the formatter asks for them here by
//! position and puts each back beside the item or statement it was next to.

use super::scan::{scan, Lexeme};
use crate::source::{FileId, Span};

#[derive(Clone, Debug, PartialEq)]
pub struct Comment {
    pub span: Span,
    /// The text after `//`, trailing spaces removed.
    pub text: String,
    /// True when code precedes the comment on its line.
    pub trailing: bool,
}

/// Every `//` comment outside string literals, in order. A comment in the
/// code of a `${ }` interpolation is left out: it is part of its string,
/// which the formatter prints as written.
pub fn collect(file: FileId, text: &str) -> Vec<Comment> {
    let mut comments = Vec::new();
    let mut line_has_code = false;
    for lexeme in scan(text, 0, text.len()) {
        match lexeme {
            Lexeme::Comment {
                start,
                end,
                in_string: false,
            } => comments.push(Comment {
                span: Span::new(file, start, end),
                text: text[start + 2..end].trim_end().to_string(),
                trailing: line_has_code,
            }),
            Lexeme::Code(_, b'\n') | Lexeme::StringEnd(_, b'\n') => line_has_code = false,
            Lexeme::Code(_, b) if !b.is_ascii_whitespace() => line_has_code = true,
            Lexeme::Code(..) | Lexeme::StringEnd(..) | Lexeme::Comment { .. } => {}
        }
    }
    comments
}
