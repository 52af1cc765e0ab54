//! The hand-written lexer of the fast path: source text to one ASCII byte
//! per token, which the token grammar (`tokens.pest`) parses with pest.
//!
//! pest pays per rule call and per character matched; on source text that
//! was 800 to 900 instructions a byte, most of it spent matching names,
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
//! | punctuation | itself: `{ } [ ] ( ) , ; = : ? + - * / . %` |
//! | `\n` | a new line, with the blank lines, blanks and comments after it |
//! | `S` | a whole simple statement (below) |
//!
//! Blanks after a new line are folded into it: no rule's match ends or
//! starts with them (a rule may end with the blanks *before* a new line, so
//! those stay a `w`). A statement of the commonest form, `field = value` or
//! `field key = value` where the value is one number, name, plain string or
//! boolean, a range of two numbers, a one-line list of the former, or a
//! one-line record of such statements (`{ a = 1 }`, `oci.a1_flex { a = 1 }`),
//! followed by its blanks and the end of the statement, is one `S` token:
//! pest reads one token where it would have called a dozen rules, and the
//! tree builder reads its parts from the [`Simple`] the lexer records. It is
//! formed only where a statement may start (after a new line, `{`, `,` or
//! `;`).
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
    /// The simple statements, in order.
    simples: Vec<Simple>,
    /// For each token, the index in `simples` of its statement (tokens
    /// other than `S` have 0, unused).
    simple_of: Vec<u32>,
}

/// The parts of a simple statement, as byte ranges of the text.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Simple {
    pub(super) field: (usize, usize),
    pub(super) key: Option<(usize, usize)>,
    pub(super) value: Value,
    /// The end of the statement: after the blanks and comment that follow
    /// the value, which the text grammar's statement and value include.
    pub(super) end: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Value {
    Number(usize, usize),
    /// A name or a path: `a`, `oci.block`.
    Path(usize, usize),
    Bool(usize, usize),
    /// The quotes included.
    Str(usize, usize),
    Range((usize, usize), (usize, usize)),
    /// `[a, 1]` on one line, the brackets included: the items, each with
    /// where its value's span ends (after the blanks that follow a name).
    List(usize, usize, Vec<(Value, usize)>),
    /// `{ a = 1, b = c }` on one line, the braces included.
    Record(usize, usize, Vec<Simple>),
    /// `oci.a1_flex { cpu = 2 }` on one line: the path, where the closing
    /// brace ends, the statements.
    Construct((usize, usize), usize, Vec<Simple>),
}

/// How deep records may nest in a simple statement; deeper ones are read
/// token by token.
const MAX_SIMPLE_DEPTH: usize = 8;

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

    /// The simple statement of the `S` token at `token`.
    pub(super) fn simple(&self, token: usize) -> Option<&Simple> {
        if self.kinds.as_bytes().get(token) != Some(&b'S') {
            return None;
        }
        self.simples.get(*self.simple_of.get(token)? as usize)
    }
}

fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_name(b: u8) -> bool {
    NAME[b as usize]
}

/// The bytes of a name, as a table: one load per byte in the loops that
/// run over names.
const NAME: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = (b as u8).is_ascii_alphanumeric() || b == b'_' as usize;
        b += 1;
    }
    table
};

/// The end of the name starting at `at`.
fn name_end(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() && NAME[bytes[at] as usize] {
        at += 1;
    }
    at
}

/// Where a `${` was opened: how many `{` its code has open.
type Interpolations = Vec<u32>;

pub(super) fn lex(text: &str) -> Option<Lexed> {
    let bytes = text.as_bytes();
    // At most one token in two bytes of typical source.
    let capacity = bytes.len() / 2 + 16;
    let mut out = Tokens {
        kinds: Vec::with_capacity(capacity),
        starts: Vec::with_capacity(capacity),
        ends: Vec::with_capacity(capacity),
        // About one simple statement in 25 bytes of typical source.
        simples: Vec::with_capacity(bytes.len() / 25),
        simple_of: Vec::with_capacity(capacity),
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
            b'\n' => {
                i = blank_lines_end(bytes, i);
                b'\n'
            }
            _ if is_name_start(b) => {
                if out.at_statement_start() {
                    if let Some(simple) = simple(bytes, start, 0, b"\n,;}") {
                        i = simple.end;
                        out.simple_of.resize(out.kinds.len() + 1, 0);
                        out.simple_of[out.kinds.len()] = out.simples.len() as u32;
                        out.simples.push(simple);
                        out.push(b'S', start, i);
                        continue;
                    }
                }
                i = name_end(bytes, i);
                name_kind(&bytes[start..i])
            }
            b'0'..=b'9' => {
                i = digits_end(bytes, i);
                out.push(b'D', start, i);
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
                out.push(b'U', unit_start, i);
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
                    out.push(b'}', start, i);
                    i = string(bytes, i, &mut interpolations, &mut out)?;
                    continue;
                }
                Some(open) => {
                    *open -= 1;
                    b'}'
                }
                None => b'}',
            },
            b'"' => {
                out.push(b'"', start, i);
                i = string(bytes, i, &mut interpolations, &mut out)?;
                continue;
            }
            b'[' | b']' | b'(' | b')' | b',' | b';' | b'=' | b':' | b'?' | b'+' | b'-' | b'*'
            | b'/' | b'%' => b,
            _ => return None,
        };
        out.push(kind, start, i);
    }
    if !interpolations.is_empty() {
        return None;
    }
    out.starts.push(bytes.len() as u32);
    Some(Lexed {
        // Every token kind is ASCII.
        kinds: String::from_utf8(out.kinds).ok()?,
        starts: out.starts,
        ends: out.ends,
        simples: out.simples,
        simple_of: out.simple_of,
    })
}

/// The tokens being lexed.
struct Tokens {
    kinds: Vec<u8>,
    starts: Vec<u32>,
    ends: Vec<u32>,
    simples: Vec<Simple>,
    simple_of: Vec<u32>,
}

impl Tokens {
    fn push(&mut self, kind: u8, start: usize, end: usize) {
        self.kinds.push(kind);
        self.starts.push(start as u32);
        self.ends.push(end as u32);
    }

    /// Whether the last token, blanks aside, may precede a statement.
    fn at_statement_start(&self) -> bool {
        let mut before = self.kinds.iter().rev().skip_while(|&&k| k == b'w');
        matches!(before.next(), None | Some(b'\n' | b'{' | b',' | b';'))
    }
}

/// The end of a run of blanks and comments starting at `i`.
#[inline]
fn blank_end(bytes: &[u8], i: usize) -> usize {
    // Mostly there is none: no loop for that.
    match bytes.get(i) {
        Some(b' ' | b'\t' | b'\r' | b'/') => blanks_end(bytes, i),
        _ => i,
    }
}

fn blanks_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'\r' => i += 1,
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |n| i + n);
            }
            _ => break,
        }
    }
    i
}

/// The end of a new line's run of blank lines, blanks and comments.
fn blank_lines_end(bytes: &[u8], mut i: usize) -> usize {
    loop {
        i = blank_end(bytes, i);
        if bytes.get(i) != Some(&b'\n') {
            return i;
        }
        i += 1;
    }
}

/// A simple statement starting at `start` (a name), if one is there, at
/// `depth` records deep and ended by one of `ends`.
fn simple(bytes: &[u8], start: usize, depth: usize, ends: &[u8]) -> Option<Simple> {
    let name = |at: usize| -> Option<usize> {
        if !bytes.get(at).copied().is_some_and(is_name_start) {
            return None;
        }
        let end = name_end(bytes, at);
        // `true` and `false` are no names; `let` starts a `let` item.
        (!matches!(&bytes[at..end], b"true" | b"false" | b"let")).then_some(end)
    };
    let field_end = name(start)?;
    let mut i = blank_end(bytes, field_end);
    let key = match name(i) {
        Some(end) => {
            let key = (i, end);
            i = blank_end(bytes, end);
            Some(key)
        }
        None => None,
    };
    if bytes.get(i) != Some(&b'=') {
        return None;
    }
    i = blank_end(bytes, i + 1);
    let (value, after) = simple_value(bytes, i, depth)?;
    let end = blank_end(bytes, after);
    if !ends.contains(bytes.get(end)?) {
        return None;
    }
    Some(Simple {
        field: (start, field_end),
        key,
        value,
        end,
    })
}

/// The value of a simple statement at `i`, and where it ends.
fn simple_value(bytes: &[u8], i: usize, depth: usize) -> Option<(Value, usize)> {
    match bytes.get(i) {
        Some(b'[') => return simple_list(bytes, i),
        Some(b'{') => {
            let (stmts, close) = simple_record(bytes, i, depth)?;
            return Some((Value::Record(i, close, stmts), close));
        }
        _ => {}
    }
    let (value, end) = atom(bytes, i)?;
    if let Value::Path(start, path_end) = value {
        // A kind followed by a record: `oci.a1_flex { cpu = 2 }`.
        let open = blank_end(bytes, end);
        if bytes.get(open) != Some(&b'{') {
            return Some((value, end));
        }
        let (stmts, close) = simple_record(bytes, open, depth)?;
        return Some((Value::Construct((start, path_end), close, stmts), close));
    }
    let Value::Number(..) = value else {
        return Some((value, end));
    };
    let range = blank_end(bytes, end);
    if !bytes[range..].starts_with(b"..=") {
        return Some((value, end));
    }
    let high = blank_end(bytes, range + 3);
    let (Value::Number(..), high_end) = atom(bytes, high)? else {
        return None;
    };
    Some((Value::Range((i, end), (high, high_end)), high_end))
}

/// `{` simple statements `}` on one line, separated by `,` or `;`; the
/// statements, and where the `}` ends.
fn simple_record(bytes: &[u8], open: usize, depth: usize) -> Option<(Vec<Simple>, usize)> {
    if depth >= MAX_SIMPLE_DEPTH {
        return None;
    }
    let mut stmts = Vec::new();
    let mut i = blank_end(bytes, open + 1);
    loop {
        match bytes.get(i)? {
            b'}' => return Some((stmts, i + 1)),
            b',' | b';' => i = blank_end(bytes, i + 1),
            _ => {
                let stmt = simple(bytes, i, depth + 1, b",;}")?;
                i = stmt.end;
                stmts.push(stmt);
            }
        }
    }
}

/// `[` items `]` on one line, each item an [`atom`], a `,` after each but
/// the last optional.
fn simple_list(bytes: &[u8], open: usize) -> Option<(Value, usize)> {
    let mut items = Vec::new();
    let mut i = blank_end(bytes, open + 1);
    loop {
        if bytes.get(i) == Some(&b']') {
            return Some((Value::List(open, i + 1, items), i + 1));
        }
        let (item, end) = atom(bytes, i)?;
        let after = blank_end(bytes, end);
        // A name's value runs on over the blanks after it, a literal's not.
        let span_end = if matches!(item, Value::Path(..)) {
            after
        } else {
            end
        };
        items.push((item, span_end));
        i = match bytes.get(after)? {
            b',' => blank_end(bytes, after + 1),
            b']' => after,
            _ => return None,
        };
    }
}

/// One number, plain string, boolean or name (a path) at `i`, and where it
/// ends.
fn atom(bytes: &[u8], i: usize) -> Option<(Value, usize)> {
    let first = *bytes.get(i)?;
    if first == b'"' {
        let close = i
            + 1
            + bytes[i + 1..]
                .iter()
                .position(|&b| matches!(b, b'"' | b'\\' | b'\n' | b'$'))?;
        return (bytes[close] == b'"').then_some((Value::Str(i, close + 1), close + 1));
    }
    let digits = if first == b'-' { i + 1 } else { i };
    if bytes.get(digits).is_some_and(u8::is_ascii_digit) {
        let mut end = digits_end(bytes, digits + 1);
        let unit = end;
        while bytes.get(end).is_some_and(u8::is_ascii_alphabetic) {
            end += 1;
        }
        if end == unit && bytes.get(end) == Some(&b'%') {
            end += 1;
        }
        return Some((Value::Number(i, end), end));
    }
    if !is_name_start(first) {
        return None;
    }
    let mut end = name_end(bytes, i);
    if matches!(&bytes[i..end], b"true" | b"false") {
        return Some((Value::Bool(i, end), end));
    }
    // A path: names joined by glued dots, none of them `true` or `false`.
    while bytes.get(end) == Some(&b'.') && bytes.get(end + 1).copied().is_some_and(is_name_start) {
        let next = name_end(bytes, end + 1);
        if matches!(&bytes[end + 1..next], b"true" | b"false") {
            return None;
        }
        end = next;
    }
    Some((Value::Path(i, end), end))
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
    out: &mut Tokens,
) -> Option<usize> {
    loop {
        let start = i;
        match *bytes.get(i)? {
            b'"' => {
                out.push(b'"', i, i + 1);
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
                out.push(b'x', start, i);
            }
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                out.push(b'$', i, i + 2);
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
                out.push(b't', start, i);
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
    use super::{lex, Value};

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
        assert_eq!(
            kinds("x = 1 + true // c\n").as_deref(),
            Some("aw=wDw+wTw\n")
        );
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
            kinds(r#""${ {a = 1 + 1}.a }""#).as_deref(),
            Some(r#""$w{aw=wDw+wD}.aw}""#)
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
        let text = "s x {\n  cpu = 50m ..= 1 // c\n\n  a = [1 + 1]\n}\n";
        let lexed = lex(text).expect("lexes");
        assert_eq!(lexed.kinds, "awaw{\nS\naw=w[Dw+wD]\n}\n");
        let at = lexed.kinds.find('D').expect("a number");
        let (start, end) = lexed.span(at, at + 1);
        assert_eq!(&text[start..end], "1");
        assert_eq!(
            lexed.span(lexed.kinds.len(), lexed.kinds.len()),
            (text.len(), text.len())
        );
    }

    #[test]
    fn simple_statements_are_read_whole() {
        let text = "s x {\n  port http = 80, on = true\n  cpu = -1 ..= 2Gi // c\n  k = a.b }\n";
        let lexed = lex(text).expect("lexes");
        assert_eq!(lexed.kinds, "awaw{\nS,wS\nS\nS}\n");
        let slice = |(start, end): (usize, usize)| &text[start..end];
        let port = lexed.simple(6).expect("port");
        assert_eq!(slice(port.field), "port");
        assert_eq!(port.key.map(slice), Some("http"));
        assert_eq!(port.value, Value::Number(20, 22));
        let cpu = lexed.simple(11).expect("cpu");
        let Value::Range(low, high) = cpu.value else {
            panic!("{cpu:?}")
        };
        assert_eq!((slice(low), slice(high)), ("-1", "2Gi"));
        // The statement runs on over the blanks and comment after it.
        assert_eq!(&text[cpu.field.0..cpu.end], "cpu = -1 ..= 2Gi // c");
        let k = lexed.simple(13).expect("k");
        assert_eq!(&text[k.field.0..k.end], "k = a.b ");
        // Lists and records on one line, kinds with their record.
        let text = "l = [a , 1, \"s\",]\nr = { x = 1; y = k.a { z = [] } }\n";
        let lexed = lex(text).expect("lexes");
        assert_eq!(lexed.kinds, "S\nS\n");
        let Value::List(_, _, items) = &lexed.simple(0).expect("l").value else {
            panic!("a list")
        };
        // A name's value runs on over the blanks after it.
        let ends: Vec<&str> = items.iter().map(|(_, end)| &text[5..*end]).collect();
        assert_eq!(ends, ["a ", "a , 1", "a , 1, \"s\""]);
        let Value::Record(_, _, stmts) = &lexed.simple(2).expect("r").value else {
            panic!("a record")
        };
        assert!(matches!(stmts[1].value, Value::Construct(..)));
        // Not at a statement's start, not a simple value, not `let`: no
        // `S` for the statement (a record in it may hold some).
        for text in [
            "x a = 1",
            "a = 1 + 2\n",
            "a = [1 + 1]\n",
            "a = { b = c.d }.b\n",
            "a = [\n1]\n",
            "let a = 1\n",
            "a = \"${b}\"\n",
            "a = 1",
        ] {
            assert!(!lex(text).expect("lexes").kinds.starts_with('S'), "{text}");
        }
    }
}
