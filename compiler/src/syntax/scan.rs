//! The one walk over source bytes that knows where strings and `//`
//! comments are, for the scans that run beside the grammar: the comments the
//! formatter keeps, and the unclosed string or bracket a syntax error names.
//!
//! A string runs from `"` to the next unescaped `"` or the end of its line
//! (strings do not span lines; ending one there keeps a missing `"` from
//! swallowing the rest of the file). Inside a string, `${` opens an
//! interpolation: code again, where a `"` opens a nested string with its own
//! interpolations, and the `}` that matches the `${` goes back to the
//! string. So in `"${"a//b"}"` the `//` is string text, not a comment.
//!
//! The walk keeps its nesting in an explicit stack rather than recursing:
//! input may be hostile, and the depth limit (`limits.rs`, which tracks the
//! same nesting) is not checked by every caller first. Each byte is looked at
//! once, so any input is scanned in linear time.

/// A table of the bytes a tight loop may pass over: every byte but those
/// of `loud` (limits.rs and parts.rs walk the nesting of large files so).
pub(super) const fn quiet(loud: &[u8]) -> [bool; 256] {
    let mut table = [true; 256];
    let mut i = 0;
    while i < loud.len() {
        table[loud[i] as usize] = false;
        i += 1;
    }
    table
}

/// What a stretch of source is, as far as those scans need to know.
#[derive(Copy, Clone, Debug, PartialEq)]
pub(super) enum Lexeme {
    /// A byte of code, outside string text and comments, at its offset:
    /// code between strings, or code inside a `${ }` interpolation. A `"`
    /// here opens a string. The `${` and `}` around an interpolation belong
    /// to its string and are not code: a `}` yielded here closes a `{` that
    /// was yielded too.
    Code(usize, u8),
    /// The `"` or line break that closes the innermost open string, at its
    /// offset.
    StringEnd(usize, u8),
    /// A comment, from its `//` to the end of its line (the line break not
    /// included). `in_string` when it is in the code of an interpolation,
    /// and so part of a string literal.
    Comment {
        start: usize,
        end: usize,
        in_string: bool,
    },
}

/// The lexemes of `text[from..to]`, starting outside any string. Escaped
/// bytes inside strings and the bytes of string text yield nothing.
pub(super) fn scan(text: &str, from: usize, to: usize) -> Scan<'_> {
    Scan {
        bytes: text.as_bytes(),
        i: from,
        end: to,
        in_string: false,
        interpolations: Vec::new(),
    }
}

pub(super) struct Scan<'t> {
    bytes: &'t [u8],
    i: usize,
    end: usize,
    /// In the text of the innermost string, rather than in code.
    in_string: bool,
    /// The open `${` interpolations, innermost last, each with the count of
    /// `{` opened in its code and not yet closed: only a `}` when that count
    /// is zero closes the interpolation (`"${ {a = 1}.a }"`). Strings and
    /// interpolations alternate, so this and `in_string` are the whole
    /// nesting: closing a string returns to the code of the innermost
    /// interpolation (or to top-level code), closing an interpolation
    /// returns to the text of the string that opened it.
    interpolations: Vec<usize>,
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
                    // `\"`, `\\` and `\$` are text: skip the escaped byte.
                    b'\\' => self.i += 1,
                    b'"' | b'\n' => {
                        self.in_string = false;
                        return Some(Lexeme::StringEnd(i, b));
                    }
                    b'$' if self.bytes.get(i + 1) == Some(&b'{') => {
                        self.i += 1;
                        self.in_string = false;
                        self.interpolations.push(0);
                    }
                    _ => {}
                }
            } else if b == b'/' && self.bytes.get(i + 1) == Some(&b'/') {
                // As in the grammar, a comment in an interpolation's code
                // runs to the end of the line, closing brace and quote too.
                let end = self.bytes[i..self.end]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(self.end, |n| i + n);
                self.i = end;
                return Some(Lexeme::Comment {
                    start: i,
                    end,
                    in_string: !self.interpolations.is_empty(),
                });
            } else {
                match (b, self.interpolations.last_mut()) {
                    (b'"', _) => self.in_string = true,
                    (b'{', Some(open)) => *open += 1,
                    (b'}', Some(0)) => {
                        self.interpolations.pop();
                        self.in_string = true;
                        continue;
                    }
                    (b'}', Some(open)) => *open -= 1,
                    _ => {}
                }
                return Some(Lexeme::Code(i, b));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexemes(text: &str) -> Vec<Lexeme> {
        scan(text, 0, text.len()).collect()
    }

    /// The code bytes of `text`, as a string.
    fn code(text: &str) -> String {
        lexemes(text)
            .into_iter()
            .filter_map(|l| match l {
                Lexeme::Code(_, b) => Some(b as char),
                _ => None,
            })
            .collect()
    }

    /// The comments of `text`, as `(text, in_string)`.
    fn comments(text: &str) -> Vec<(&str, bool)> {
        lexemes(text)
            .into_iter()
            .filter_map(|l| match l {
                Lexeme::Comment {
                    start,
                    end,
                    in_string,
                } => Some((&text[start..end], in_string)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_comment_after_code_and_a_plain_string() {
        let text = "a = \"x//y\" // note\nb";
        assert_eq!(comments(text), vec![("// note", false)]);
        assert_eq!(code(text), "a = \" \nb");
    }

    #[test]
    fn slashes_in_a_string_nested_in_an_interpolation_are_text() {
        let text = r#"let s = "${"a//b"}""#;
        assert_eq!(comments(text), vec![]);
        // The outer `"`, then the interpolation's code: the inner string's
        // quotes; the `${` and `}` are the outer string's.
        assert_eq!(code(text), r#"let s = """#);
        assert_eq!(
            lexemes(text)
                .iter()
                .filter(|l| matches!(l, Lexeme::StringEnd(..)))
                .count(),
            2
        );
    }

    #[test]
    fn a_real_comment_after_a_nested_string_is_found() {
        let text = "let s = \"${\"a//b\"}\" // real\nlet t = 1";
        let start = text.find("// real").unwrap();
        assert_eq!(comments(text), vec![("// real", false)]);
        assert!(lexemes(text).contains(&Lexeme::Comment {
            start,
            end: start + "// real".len(),
            in_string: false,
        }));
    }

    #[test]
    fn block_comment_openers_are_plain_text_or_code() {
        // The language has only `//` comments; `/*` is nothing special.
        let text = r#"a = "${"/* x"}" /* y"#;
        assert_eq!(comments(text), vec![]);
        assert_eq!(code(text), r#"a = "" /* y"#);
    }

    #[test]
    fn interpolations_nest_inside_nested_strings() {
        let text = r#"a = "1${"2${"3//x${b}"}//y"}//z" // c"#;
        assert_eq!(comments(text), vec![("// c", false)]);
        assert_eq!(code(text), r#"a = """b "#);
    }

    #[test]
    fn braces_in_an_interpolation_do_not_close_it() {
        let text = r#"a = "${ {b = "//"}.b }//x" // c"#;
        assert_eq!(comments(text), vec![("// c", false)]);
        assert_eq!(code(text), r#"a = " {b = "}.b  "#);
    }

    #[test]
    fn escapes_hide_quotes_and_interpolations() {
        // `\"` does not close the string.
        assert_eq!(comments(r#"a = "\" //" // c"#), vec![("// c", false)]);
        // `\${` does not open an interpolation: the `"` after it closes
        // the string.
        assert_eq!(comments(r#"a = "\${"//"}""#), vec![(r#"//"}""#, false)]);
        // `\\` before `"` does not escape it.
        assert_eq!(comments(r#"a = "\\" // c"#), vec![("// c", false)]);
        // Escapes work the same in a nested string.
        assert_eq!(comments(r#"a = "${"\"//"}" // c"#), vec![("// c", false)]);
        // In an interpolation's code a backslash is no escape.
        assert_eq!(comments(r#"a = "${\"//"}" // c"#), vec![("// c", false)]);
    }

    #[test]
    fn a_comment_in_an_interpolation_is_marked_as_inside_the_string() {
        let text = "a = \"${[1, // one\n2]}\" // c";
        assert_eq!(comments(text), vec![("// one", true), ("// c", false)]);
    }

    #[test]
    fn a_line_break_closes_only_the_innermost_string() {
        // Unterminated: the nested string ends at the line break, the
        // interpolation and its string stay open.
        let text = "a = \"${\"x//y\nb // c\n} // d\" // e";
        assert_eq!(comments(text), vec![("// c", true), ("// e", false)]);
    }

    #[test]
    fn unterminated_inputs_end_without_panicking() {
        for text in [
            "\"",
            "\"\\",
            "\"$",
            "\"${",
            "\"${\"",
            "\"${\"${",
            "\"${{{",
            "}}}\"${}}}",
            "\"${/",
            "\"${//",
            "\"\\${",
        ] {
            let _ = lexemes(text);
        }
        // A scan that stops inside a string or an interpolation.
        let text = r#"a = "${"b"} // c"#;
        assert_eq!(scan(text, 0, 8).last(), Some(Lexeme::Code(7, b'"')));
        assert_eq!(comments(r#"a = "${"b"} // c"#), vec![]);
        assert_eq!(comments(r#"a = "${b // c"#), vec![("// c", true)]);
    }

    #[test]
    fn deep_nesting_is_scanned_without_recursion() {
        let depth = 200_000;
        let text = format!("{}{} // c", "\"${".repeat(depth), "}\"".repeat(depth));
        assert_eq!(comments(&text), vec![("// c", false)]);
        let open = "\"${".repeat(depth) + "//";
        assert_eq!(comments(&open), vec![("//", true)]);
    }
}
