//! The hand-written lexer of the fast path: source text to one ASCII byte
//! per token, which the token grammar (`tokens.pest`) parses with pest.
//!
//! pest pays per rule call and per character matched; on source text that
//! was about 800 instructions a byte, most of it spent matching names,
//! numbers and white space one character at a time. Here each of those is
//! one byte, and pest runs the same rules over a string a few times shorter.
//!
//! Every token is what a terminal of the text grammar (`grammar.pest`)
//! would match at the same place, so the two grammars accept the same
//! files and build the same tree. Where the text grammar's terminals hang on
//! what is glued to what, the lexer says so with its own token:
//!
//! | token | text |
//! |---|---|
//! | `a` | a name; `b` `use`, `c` `kind`, `d` `enum`, `e` `let`, `f` `env` (names too) |
//! | `T` | `true` or `false` |
//! | `D` | digits, `1` or `1.5`; `U` a unit glued after them (`Gi`, `%`) |
//! | `n` | a `-` glued to the digits after it (a sign, or a minus) |
//! | `p` | a `.` between two glued names (inside a path) |
//! | `R` | `..=` |
//! | `w` | spaces, tabs, `\r` and comments, up to the new line |
//! | `"` `t` `x` `$` | string quotes, a run of text, an escape, `${` |
//! | punctuation | itself: `{ } [ ] ( ) , ; = : ? + - * / . %` and `\n` |
//!
//! Anything else in code (a character no rule matches, a string cut by
//! its line's end or by the file's) returns `None`: the file has a syntax
//! error, and the text grammar parses it to say which.

/// The tokens of a text: `kinds[i]` is a token, `starts[i]..ends[i]` its
/// bytes in the text. `starts` has one more entry, the text's length, so
/// that an empty match at the end has a place too.
pub(super) struct Lexed {
    pub(super) kinds: String,
    pub(super) starts: Vec<u32>,
    pub(super) ends: Vec<u32>,
}

impl Lexed {
    /// The bytes of the text that tokens `from..to` cover.
    pub(super) fn span(&self, from: usize, to: usize) -> (usize, usize) {
        let start = self.starts[from] as usize;
        let end = if to > from {
            self.ends[to - 1] as usize
        } else {
            start
        };
        (start, end)
    }
}

fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_name(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Where a `${` was opened: how many `{` its code has open.
type Interpolations = Vec<u32>;

pub(super) fn lex(text: &str) -> Option<Lexed> {
    let bytes = text.as_bytes();
    // About one token in three bytes of typical source.
    let capacity = bytes.len() / 3 + 16;
    let mut out = Lexed {
        kinds: String::with_capacity(capacity),
        starts: Vec::with_capacity(capacity),
        ends: Vec::with_capacity(capacity),
    };
    let mut kinds = Vec::with_capacity(capacity);
    let mut push = |kind: u8, start: usize, end: usize| {
        kinds.push(kind);
        out.starts.push(start as u32);
        out.ends.push(end as u32);
    };
    let mut interpolations: Interpolations = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let b = bytes[i];
        i += 1;
        let kind = match b {
            b' ' | b'\t' | b'\r' => {
                i = blank_end(bytes, i);
                b'w'
            }
            b'/' if bytes.get(i) == Some(&b'/') => {
                i = blank_end(bytes, i - 1);
                b'w'
            }
            b'\n' => b'\n',
            _ if is_name_start(b) => {
                while i < bytes.len() && is_name(bytes[i]) {
                    i += 1;
                }
                name_kind(&bytes[start..i])
            }
            b'0'..=b'9' => {
                i = digits_end(bytes, i);
                push(b'D', start, i);
                let unit_start = i;
                while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                    i += 1;
                }
                if i == unit_start && bytes.get(i) == Some(&b'%') {
                    i += 1;
                }
                if i == unit_start {
                    continue;
                }
                push(b'U', unit_start, i);
                continue;
            }
            b'-' if bytes.get(i).is_some_and(u8::is_ascii_digit) => b'n',
            b'.' if bytes[i..].starts_with(b".=") => {
                i += 2;
                b'R'
            }
            b'.' => {
                let after_name = start > 0 && is_name(bytes[start - 1]);
                let before_name = bytes.get(i).copied().is_some_and(is_name_start);
                if after_name && before_name {
                    b'p'
                } else {
                    b'.'
                }
            }
            b'{' => {
                if let Some(open) = interpolations.last_mut() {
                    *open += 1;
                }
                b'{'
            }
            b'}' => match interpolations.last_mut() {
                Some(0) => {
                    interpolations.pop();
                    push(b'}', start, i);
                    i = string(bytes, i, &mut interpolations, &mut push)?;
                    continue;
                }
                Some(open) => {
                    *open -= 1;
                    b'}'
                }
                None => b'}',
            },
            b'"' => {
                push(b'"', start, i);
                i = string(bytes, i, &mut interpolations, &mut push)?;
                continue;
            }
            b'[' | b']' | b'(' | b')' | b',' | b';' | b'=' | b':' | b'?' | b'+' | b'-' | b'*'
            | b'/' | b'%' => b,
            _ => return None,
        };
        push(kind, start, i);
    }
    if !interpolations.is_empty() {
        return None;
    }
    // Every token kind is ASCII.
    out.kinds = String::from_utf8(kinds).ok()?;
    out.starts.push(bytes.len() as u32);
    Some(out)
}

/// The end of a run of blanks and comments starting at `i`.
fn blank_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'\r' => i += 1,
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i += bytes[i..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .unwrap_or(bytes.len() - i);
            }
            _ => break,
        }
    }
    i
}

/// The end of `1` or `1.5`, the first digit read: a `.` is part of the
/// number only with a digit after it (`1..=2` is a range).
fn digits_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        i += 1;
    }
    if bytes.get(i) == Some(&b'.') && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
        i += 1;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
    }
    i
}

fn name_kind(name: &[u8]) -> u8 {
    match name {
        b"true" | b"false" => b'T',
        b"use" => b'b',
        b"kind" => b'c',
        b"enum" => b'd',
        b"let" => b'e',
        b"env" => b'f',
        _ => b'a',
    }
}

/// Reads string text from `i` (just after its opening `"`, or after the `}`
/// of an interpolation) up to the closing `"`, which it pushes, or up to a
/// `${`, which it pushes and opens. Returns where code resumes; `None` at a
/// line's end or the file's, which no string may reach.
fn string(
    bytes: &[u8],
    mut i: usize,
    interpolations: &mut Interpolations,
    push: &mut impl FnMut(u8, usize, usize),
) -> Option<usize> {
    loop {
        let start = i;
        match *bytes.get(i)? {
            b'"' => {
                push(b'"', i, i + 1);
                return Some(i + 1);
            }
            b'\n' => return None,
            b'\\' => {
                // The escaped character, whatever it is (a new line too).
                let len = utf8_len(*bytes.get(i + 1)?);
                i += 1 + len;
                if i > bytes.len() {
                    return None;
                }
                push(b'x', start, i);
            }
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                push(b'$', i, i + 2);
                interpolations.push(0);
                return Some(i + 2);
            }
            _ => {
                i += 1;
                while let Some(&b) = bytes.get(i) {
                    let stops = matches!(b, b'"' | b'\\' | b'\n')
                        || (b == b'$' && bytes.get(i + 1) == Some(&b'{'));
                    if stops {
                        break;
                    }
                    i += 1;
                }
                push(b't', start, i);
            }
        }
    }
}

/// The length of the UTF-8 character whose first byte is `b`.
fn utf8_len(b: u8) -> usize {
    match b {
        0xF0.. => 4,
        0xE0.. => 3,
        0xC0.. => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::lex;

    fn kinds(text: &str) -> Option<String> {
        lex(text).map(|l| l.kinds)
    }

    #[test]
    fn names_numbers_and_glue() {
        assert_eq!(
            kinds("a.b = -5Gi - 1.5 ..= x").as_deref(),
            Some("apaw=wnDUw-wDwRwa")
        );
        assert_eq!(kinds("use oci.{x}").as_deref(), Some("bwa.{a}"));
        assert_eq!(kinds("a .b").as_deref(), Some("aw.a"));
        assert_eq!(kinds("x = true // c\n").as_deref(), Some("aw=wTw\n"));
        assert_eq!(kinds("50% 1..=2").as_deref(), Some("DUwDRD"));
        assert_eq!(
            kinds("kind enum let env user").as_deref(),
            Some("cwdwewfwa")
        );
    }

    #[test]
    fn strings_and_interpolations() {
        assert_eq!(kinds(r#""a${b}c\"d""#).as_deref(), Some(r#""t$a}txt""#));
        assert_eq!(
            kinds(r#""${ {a = 1}.a }""#).as_deref(),
            Some(r#""$w{aw=wD}.aw}""#)
        );
        assert_eq!(kinds("\"a // b\"").as_deref(), Some("\"t\""));
    }

    #[test]
    fn what_no_rule_reads_gives_up() {
        for text in [
            "\"a\nb\"",
            "\"abc",
            "\"${",
            "a @ b",
            "\"\\",
            "x = é",
            "\"${ \"a }",
        ] {
            assert!(lex(text).is_none(), "{text:?}");
        }
    }

    #[test]
    fn tokens_map_to_their_bytes() {
        let text = "s x {\n  cpu = 50m ..= 1\n}\n";
        let lexed = lex(text).expect("lexes");
        assert_eq!(lexed.kinds, "awaw{\nwaw=wDUwRwD\n}\n");
        let at = lexed.kinds.find('U').expect("a unit");
        let (start, end) = lexed.span(at, at + 1);
        assert_eq!(&text[start..end], "m");
        assert_eq!(
            lexed.span(lexed.kinds.len(), lexed.kinds.len()),
            (text.len(), text.len())
        );
    }
}
