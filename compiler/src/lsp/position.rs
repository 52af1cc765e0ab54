//! Byte offsets (what spans hold) and protocol positions (a line and a
//! column in UTF-16 code units, as LSP counts by default).
//!
//! A position the client sends may point past the end of a line or of the
//! file, or into the middle of a character; it is clamped to the nearest
//! boundary before it, never trusted as an index.

use lsp_types::{Position, Range};

use crate::source::Span;

/// Where each line of one text starts.
pub struct LineIndex<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    pub fn new(text: &'t str) -> LineIndex<'t> {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    /// The position of a byte offset (clamped to the text).
    pub fn position(&self, offset: usize) -> Position {
        let offset = floor_char_boundary(self.text, offset.min(self.text.len()));
        let line = self.starts.partition_point(|&start| start <= offset) - 1;
        let column: usize = self.text[self.starts[line]..offset]
            .chars()
            .map(char::len_utf16)
            .sum();
        Position {
            line: line as u32,
            character: column as u32,
        }
    }

    /// The byte offset of a position: past the end of its line means the
    /// end of the line, past the last line means the end of the text.
    pub fn offset(&self, position: Position) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else {
            return self.text.len();
        };
        let end = self
            .starts
            .get(position.line as usize + 1)
            .map_or(self.text.len(), |next| next - 1);
        let line = &self.text[start..end];
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mut units = 0usize;
        for (i, c) in line.char_indices() {
            if units + c.len_utf16() > position.character as usize {
                return start + i;
            }
            units += c.len_utf16();
        }
        start + line.len()
    }

    pub fn range(&self, start: usize, end: usize) -> Range {
        Range {
            start: self.position(start),
            end: self.position(end),
        }
    }

    pub fn span_range(&self, span: Span) -> Range {
        self.range(span.start as usize, span.end as usize)
    }

    /// The byte range of a protocol range, start before end.
    pub fn offsets(&self, range: Range) -> (usize, usize) {
        let (a, b) = (self.offset(range.start), self.offset(range.end));
        (a.min(b), a.max(b))
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: u32, character: u32) -> Position {
        Position { line, character }
    }

    #[test]
    fn counts_columns_in_utf16_units() {
        // `é` is 2 bytes and 1 unit; `🚀` is 4 bytes and 2 units.
        let text = "ab\n  role = \"é🚀\" x\n";
        let index = LineIndex::new(text);
        let x = text.find(" x").unwrap() + 1;
        assert_eq!(index.position(x), pos(1, 15));
        assert_eq!(index.offset(pos(1, 15)), x);
        assert_eq!(index.position(text.len()), pos(2, 0));
    }

    #[test]
    fn clamps_what_the_client_sends() {
        let text = "é🚀\r\nb";
        let index = LineIndex::new(text);
        // Inside the surrogate pair of the rocket: the rocket's start.
        assert_eq!(index.offset(pos(0, 2)), 2);
        // Past the end of the line: before the `\r\n`.
        assert_eq!(index.offset(pos(0, 99)), 6);
        assert_eq!(index.offset(pos(7, 0)), text.len());
        // A byte offset inside a character maps to that character.
        assert_eq!(index.position(3), pos(0, 1));
        assert_eq!(index.position(usize::MAX), pos(1, 1));
    }
}
