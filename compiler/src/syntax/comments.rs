//! Comments are not in the syntax tree; the formatter asks for them here by
//! position and puts each back beside the item or statement it was next to.

use crate::source::{FileId, Span};

#[derive(Clone, Debug, PartialEq)]
pub struct Comment {
    pub span: Span,
    /// The text after `//`, trailing spaces removed.
    pub text: String,
    /// True when code precedes the comment on its line.
    pub trailing: bool,
}

/// Every `//` comment outside string literals, in order.
pub fn collect(file: FileId, text: &str) -> Vec<Comment> {
    let bytes = text.as_bytes();
    let mut comments = Vec::new();
    let mut i = 0;
    let mut in_string = false;
    let mut line_has_code = false;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' | b'\n' => in_string = false,
                _ => {}
            }
            if b == b'\n' {
                line_has_code = false;
            }
        } else if b == b'/' && bytes.get(i + 1) == Some(&b'/') {
            let start = i;
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
            let body = text[start + 2..i].trim_end().to_string();
            comments.push(Comment {
                span: Span::new(file, start, i),
                text: body,
                trailing: line_has_code,
            });
            continue;
        } else if b == b'"' {
            in_string = true;
            line_has_code = true;
        } else if b == b'\n' {
            line_has_code = false;
        } else if !b.is_ascii_whitespace() {
            line_has_code = true;
        }
        i += 1;
    }
    comments
}
