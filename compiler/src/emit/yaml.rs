//! YAML for generated documents: a small value tree (maps keep insertion
//! order) and a writer that lays it out as kubectl and libyaml do
//! (two-space indentation, sequences inside mappings not indented, empty
//! collections as `{}` and `[]`), deterministically and in one pass.
//!
//! Strings are written plain only when every YAML reader takes them back
//! as the same string: YAML 1.1 readers (kubectl's, Prometheus') as well as
//! YAML 1.2 ones, so `yes`, `on`, `0755`, `1_000` and dates are quoted too.
//! Multi-line strings (scripts, embedded configuration files) become
//! literal blocks (`|`), which keep them readable in review; what a block
//! cannot hold exactly goes double-quoted with escapes.
//!
//! Strings borrow from the model where they can (`Cow`), so building a
//! document copies little.

use std::borrow::Cow;

/// A YAML value as the backends build it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Str(Cow<'a, str>),
    List(Vec<Value<'a>>),
    /// Written in this order; keys are unique (a backend's bug otherwise).
    Map(Vec<(Cow<'a, str>, Value<'a>)>),
}

/// An ordered mapping from `(key, value)` pairs.
pub fn map<'a, K: Into<Cow<'a, str>>>(
    pairs: impl IntoIterator<Item = (K, Value<'a>)>,
) -> Value<'a> {
    Value::Map(pairs.into_iter().map(|(k, v)| (k.into(), v)).collect())
}

/// `{}`.
pub fn empty_map<'a>() -> Value<'a> {
    Value::Map(Vec::new())
}

pub fn s<'a>(text: impl Into<Cow<'a, str>>) -> Value<'a> {
    Value::Str(text.into())
}

pub fn n<'a>(number: i64) -> Value<'a> {
    Value::Int(number)
}

pub fn b<'a>(flag: bool) -> Value<'a> {
    Value::Bool(flag)
}

pub fn list<'a>(items: impl IntoIterator<Item = Value<'a>>) -> Value<'a> {
    Value::List(items.into_iter().collect())
}

impl<'a> Value<'a> {
    /// Sets `key` of a map, replacing its value or adding it at the end.
    pub fn insert(&mut self, key: impl Into<Cow<'a, str>>, value: Value<'a>) {
        let Value::Map(entries) = self else { return };
        let key = key.into();
        match entries.iter_mut().find(|(k, _)| *k == key) {
            Some((_, existing)) => *existing = value,
            None => entries.push((key, value)),
        }
    }

    /// The same value, owning every string: for a value built from data
    /// that does not outlive it.
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Null => Value::Null,
            Value::Bool(b) => Value::Bool(b),
            Value::Int(i) => Value::Int(i),
            Value::Str(text) => Value::Str(Cow::Owned(text.into_owned())),
            Value::List(items) => Value::List(items.into_iter().map(Value::into_owned).collect()),
            Value::Map(entries) => Value::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| (Cow::Owned(k.into_owned()), v.into_owned()))
                    .collect(),
            ),
        }
    }

    /// The map at `key`, created empty when missing.
    pub fn map_at(&mut self, key: &'static str) -> Option<&mut Value<'a>> {
        let Value::Map(entries) = self else {
            return None;
        };
        let index = match entries.iter().position(|(k, _)| k == key) {
            Some(i) => i,
            None => {
                entries.push((Cow::Borrowed(key), empty_map()));
                entries.len() - 1
            }
        };
        Some(&mut entries[index].1)
    }
}

/// Several values as one multi-document YAML file, each after `---`.
pub fn documents(values: &[Value]) -> String {
    let mut out = String::with_capacity(values.len() * 1024);
    documents_into(&mut out, values);
    out
}

/// Appends values to a multi-document YAML text, each after `---`.
pub fn documents_into(out: &mut String, values: &[Value]) {
    for value in values {
        out.push_str("---\n");
        write(out, value);
    }
}

/// One value as a YAML document (without `---`).
pub fn to_string(value: &Value) -> String {
    let mut out = String::with_capacity(1024);
    write(&mut out, value);
    out
}

/// Appends `value` as a document body, ending with a newline.
pub fn write(out: &mut String, value: &Value) {
    match value {
        Value::Map(entries) if !entries.is_empty() => write_map(out, entries, 0, false),
        Value::List(items) if !items.is_empty() => write_list(out, items, 0, false),
        scalar => write_scalar(out, scalar, 0),
    }
}

fn pad(out: &mut String, indent: usize) {
    const SPACES: &str = "                                                                ";
    let mut left = indent;
    while left > 0 {
        let take = left.min(SPACES.len());
        out.push_str(&SPACES[..take]);
        left -= take;
    }
}

/// A block mapping whose keys sit at column `indent`; with `inline_first`
/// the first key follows a `- ` already written.
fn write_map(out: &mut String, entries: &[(Cow<str>, Value)], indent: usize, inline_first: bool) {
    for (i, (key, value)) in entries.iter().enumerate() {
        if i > 0 || !inline_first {
            pad(out, indent);
        }
        write_key(out, key);
        out.push(':');
        match value {
            Value::Map(inner) if !inner.is_empty() => {
                out.push('\n');
                write_map(out, inner, indent + 2, false);
            }
            // As libyaml writes them: a sequence in a mapping is not indented.
            Value::List(items) if !items.is_empty() => {
                out.push('\n');
                write_list(out, items, indent, false);
            }
            scalar => {
                out.push(' ');
                write_scalar(out, scalar, indent);
            }
        }
    }
}

fn write_list(out: &mut String, items: &[Value], indent: usize, inline_first: bool) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 || !inline_first {
            pad(out, indent);
        }
        out.push_str("- ");
        match item {
            Value::Map(entries) if !entries.is_empty() => write_map(out, entries, indent + 2, true),
            Value::List(inner) if !inner.is_empty() => write_list(out, inner, indent + 2, true),
            scalar => write_scalar(out, scalar, indent),
        }
    }
}

/// A scalar (or empty collection) and its newline; a literal block's lines
/// go at `indent + 2`.
fn write_scalar(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
        Value::Int(number) => {
            use std::fmt::Write as _;
            let _ = write!(out, "{number}");
        }
        Value::Str(text) => match style(text, true) {
            Style::Plain => out.push_str(text),
            Style::Single => single_quoted(out, text),
            Style::Double => double_quoted(out, text),
            Style::Literal => return literal(out, text, indent + 2),
        },
        Value::Map(_) => out.push_str("{}"),
        Value::List(_) => out.push_str("[]"),
    }
    out.push('\n');
}

fn write_key(out: &mut String, key: &str) {
    match style(key, false) {
        Style::Plain => out.push_str(key),
        Style::Single => single_quoted(out, key),
        Style::Double | Style::Literal => double_quoted(out, key),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

/// How a string is written: plain when that reads back the same, single
/// quotes when only plain is ambiguous, double quotes for what needs
/// escapes, a literal block for multi-line text that fits one.
fn style(text: &str, block_allowed: bool) -> Style {
    if is_simple(text.as_bytes()) && !is_reserved(text) {
        return Style::Plain;
    }
    let scan = Scan::of(text.as_bytes());
    if scan.newline {
        let body = text.trim_end_matches('\n');
        let fits = block_allowed
            && !scan.escape
            && !scan.blank_line
            && !body.is_empty()
            && !body.starts_with([' ', '\t'])
            && !body.starts_with('\n');
        return if fits { Style::Literal } else { Style::Double };
    }
    if scan.escape || scan.tab {
        return Style::Double;
    }
    if !scan.colon_space && !scan.space_hash && plain_is_safe(text) {
        Style::Plain
    } else {
        Style::Single
    }
}

/// Most strings (names, labels, keys, paths) start with a letter or `/`
/// and hold only letters, digits and `._/-`: plain unless reserved, and
/// told apart without the full scan.
fn is_simple(bytes: &[u8]) -> bool {
    let Some((&first, rest)) = bytes.split_first() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == b'/') && rest.iter().all(|&b| SIMPLE[b as usize])
}

/// The bytes of a simple string after its first: letters, digits, `._/-`
/// (a table: this runs over every key and value written).
const SIMPLE: [bool; 256] = byte_table(
    &[
        (b'0', b'9'),
        (b'A', b'Z'),
        (b'a', b'z'),
        (b'-', b'/'),
        (b'_', b'_'),
    ],
    &[],
);

/// A lookup table of the bytes in `ranges` (inclusive) but `except`.
const fn byte_table(ranges: &[(u8, u8)], except: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut r = 0;
    while r < ranges.len() {
        let (first, last) = ranges[r];
        let mut byte = first as usize;
        while byte <= last as usize {
            table[byte] = true;
            byte += 1;
        }
        r += 1;
    }
    let mut e = 0;
    while e < except.len() {
        table[except[e] as usize] = false;
        e += 1;
    }
    table
}

/// What one pass over a string finds (strings can be whole configuration
/// files, so they are read once, byte by byte).
#[derive(Default)]
struct Scan {
    newline: bool,
    tab: bool,
    /// A character that needs an escape, other than `\n` and `\t`.
    escape: bool,
    /// A line of spaces and tabs only (a literal block cannot hold it
    /// exactly).
    blank_line: bool,
    colon_space: bool,
    space_hash: bool,
}

/// Bytes that tell a scan nothing but that the line is not blank: printable
/// ASCII but the space, `#` and `:`. Long strings (dashboards, scrape
/// configurations) are mostly runs of them, skipped in a tight loop.
const ORDINARY: [bool; 256] = byte_table(&[(0x21, 0x7e)], b"#:");

impl Scan {
    fn of(bytes: &[u8]) -> Scan {
        let mut scan = Scan::default();
        // Whether the current line has only spaces and tabs so far, and any.
        let (mut only_blanks, mut any) = (true, false);
        let mut previous = 0u8;
        let mut i = 0;
        while i < bytes.len() {
            let run = bytes[i..]
                .iter()
                .take_while(|&&b| ORDINARY[b as usize])
                .count();
            if run > 0 {
                i += run;
                (only_blanks, any, previous) = (false, true, bytes[i - 1]);
                continue;
            }
            let byte = bytes[i];
            match byte {
                b'\n' => {
                    scan.newline = true;
                    scan.blank_line |= only_blanks && any;
                    (only_blanks, any) = (true, false);
                }
                b'\t' => {
                    scan.tab = true;
                    any = true;
                }
                b' ' => any = true,
                0..=0x1f | 0x7f => scan.escape = true,
                // U+0080..U+009F, U+2028, U+2029, U+FEFF, U+FFFE, U+FFFF.
                0xc2 if matches!(bytes.get(i + 1), Some(0x80..=0x9f)) => scan.escape = true,
                0xe2 if bytes.get(i + 1) == Some(&0x80)
                    && matches!(bytes.get(i + 2), Some(0xa8 | 0xa9)) =>
                {
                    scan.escape = true
                }
                0xef if matches!(
                    (bytes.get(i + 1), bytes.get(i + 2)),
                    (Some(0xbb), Some(0xbf)) | (Some(0xbf), Some(0xbe | 0xbf))
                ) =>
                {
                    scan.escape = true
                }
                _ => {}
            }
            if byte == b'#' && previous == b' ' {
                scan.space_hash = true;
            }
            if byte == b' ' && previous == b':' {
                scan.colon_space = true;
            }
            if !matches!(byte, b' ' | b'\t' | b'\n') {
                only_blanks = false;
                any = true;
            }
            previous = byte;
            i += 1;
        }
        scan.blank_line |= only_blanks && any;
        scan
    }
}

/// Characters written as escapes: control characters (tabs too, so they
/// can be seen), YAML's non-printable ones and the line separators YAML 1.1
/// treats as line breaks.
fn needs_escape(c: char) -> bool {
    matches!(c, '\0'..='\x1f' | '\x7f'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}')
}

fn literal(out: &mut String, text: &str, indent: usize) {
    let body = text.trim_end_matches('\n');
    // Chomping: `|-` no final newline, `|` one, `|+` keep them all.
    out.push_str(match text.len() - body.len() {
        0 => "|-\n",
        1 => "|\n",
        _ => "|+\n",
    });
    for line in body.split('\n') {
        if !line.is_empty() {
            pad(out, indent);
            out.push_str(line);
        }
        out.push('\n');
    }
    for _ in 1..text.len() - body.len() {
        out.push('\n');
    }
}

/// Words a YAML 1.1 or 1.2 reader takes for a boolean or null (or, in 1.1,
/// the value and merge keys).
fn is_reserved(text: &str) -> bool {
    matches!(
        text,
        "~" | "null"
            | "Null"
            | "NULL"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
            | "yes"
            | "Yes"
            | "YES"
            | "no"
            | "No"
            | "NO"
            | "on"
            | "On"
            | "ON"
            | "off"
            | "Off"
            | "OFF"
            | "y"
            | "Y"
            | "n"
            | "N"
            | "="
            | "<<"
    )
}

/// Whether `text` (one line, nothing to escape) reads back as itself
/// without quotes.
fn plain_is_safe(text: &str) -> bool {
    let bytes = text.as_bytes();
    let Some(&first) = bytes.first() else {
        return false;
    };
    if first == b' ' || bytes[bytes.len() - 1] == b' ' {
        return false;
    }
    match first {
        b'?' | b':' | b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|'
        | b'>' | b'\'' | b'"' | b'%' | b'@' | b'`' => return false,
        // `-x` is plain, `-` and `- x` are not; `---` and `...` mark documents.
        b'-' if bytes.len() == 1 || bytes[1] == b' ' || text.starts_with("---") => return false,
        b'.' if text.starts_with("...") => return false,
        _ => {}
    }
    if text.ends_with(':') {
        return false;
    }
    !is_reserved(text) && !looks_numeric(text)
}

/// Whether a YAML 1.1 or 1.2 reader could take `text` for a number or a
/// timestamp: integers in any base (`0x1f`, `0o17`, `0755`, `0b101`,
/// `1_000`), floats (`.5`, `1e3`, `.inf`), sexagesimal numbers (`1:30`)
/// and anything that starts as a date (`2024-01-31`). Errs towards quoting.
fn looks_numeric(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() >= 8 && bytes[..4].iter().all(u8::is_ascii_digit) && bytes[4] == b'-' {
        return true;
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if matches!(
        unsigned,
        ".inf" | ".Inf" | ".INF" | ".nan" | ".NaN" | ".NAN"
    ) {
        return true;
    }
    let digits = unsigned.as_bytes();
    if digits.len() > 2
        && digits[0] == b'0'
        && matches!(digits[1], b'x' | b'o' | b'b')
        && digits[2..]
            .iter()
            .all(|c| c.is_ascii_hexdigit() || *c == b'_')
    {
        return true;
    }
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let starts_right = mantissa.starts_with(|c: char| c.is_ascii_digit() || c == '.');
    let has_digit = mantissa.bytes().any(|c| c.is_ascii_digit());
    let only_number_chars = mantissa
        .bytes()
        .all(|c| c.is_ascii_digit() || matches!(c, b'_' | b'.' | b':'));
    if !(starts_right && has_digit && only_number_chars) {
        return false;
    }
    match exponent {
        None => true,
        Some(e) => {
            let e = e.strip_prefix(['-', '+']).unwrap_or(e);
            !e.is_empty() && e.bytes().all(|c| c.is_ascii_digit())
        }
    }
}

fn single_quoted(out: &mut String, text: &str) {
    out.push('\'');
    for (i, part) in text.split('\'').enumerate() {
        if i > 0 {
            out.push_str("''");
        }
        out.push_str(part);
    }
    out.push('\'');
}

fn double_quoted(out: &mut String, text: &str) {
    use std::fmt::Write as _;
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            '\u{85}' => out.push_str("\\N"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if (c as u32) < 0x100 && needs_escape(c) => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests;
