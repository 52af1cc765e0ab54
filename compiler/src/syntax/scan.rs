//! The one walk over source bytes that knows where strings and `//`
//! comments are, for the scans that run beside the grammar: the comments the
//! formatter keeps, and the unclosed string or bracket a syntax error names.
//!
//! A string runs from `"` to the next unescaped `"` or the end of its line;
//! `${` inside it is not special here (the depth limit tracks interpolation
//! itself, in `limits.rs`).

/// What a stretch of source is, as far as those scans need to know.
#[derive(Copy, Clone, Debug, PartialEq)]
pub(super) enum Lexeme {
    /// A byte of code, outside strings and comments, at its offset. A `"`
    /// here opens a string.
    Code(usize, u8),
    /// The `"` or line break that closes a string, at its offset.
    StringEnd(usize, u8),
    /// A comment, from its `//` to the end of its line (the line break not
    /// included).
    Comment { start: usize, end: usize },
}

/// The lexemes of `text[from..to]`, starting outside any string. Escaped
/// bytes inside strings and the bytes of string bodies yield nothing.
pub(super) fn scan(text: &str, from: usize, to: usize) -> Scan<'_> {
    Scan {
        bytes: text.as_bytes(),
        i: from,
        end: to,
        in_string: false,
    }
}

pub(super) struct Scan<'t> {
    bytes: &'t [u8],
    i: usize,
    end: usize,
    in_string: bool,
}

impl Iterator for Scan<'_> {
    type Item = Lexeme;

    fn next(&mut self) -> Option<Lexeme> {
        while self.i < self.end {
            let i = self.i;
            let b = self.bytes[i];
            self.i += 1;
            if self.in_string {
                match b {
                    b'\\' => self.i += 1,
                    b'"' | b'\n' => {
                        self.in_string = false;
                        return Some(Lexeme::StringEnd(i, b));
                    }
                    _ => {}
                }
            } else if b == b'/' && self.bytes.get(i + 1) == Some(&b'/') {
                let end = self.bytes[i..self.end]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(self.end, |n| i + n);
                self.i = end;
                return Some(Lexeme::Comment { start: i, end });
            } else {
                self.in_string = b == b'"';
                return Some(Lexeme::Code(i, b));
            }
        }
        None
    }
}
