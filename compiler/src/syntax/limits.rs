//! Limits checked on the raw text before the parser sees it, so that no
//! input can make the parser exhaust the stack or crawl: a bounded file size,
//! line length and bracket depth. Each breach is a diagnostic, not a crash.

use super::scan::quiet;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};

/// Far above any hand-written platform; a synthetic 10,000-service platform
/// is about 6 MiB.
pub const MAX_FILE_BYTES: usize = 32 * 1024 * 1024;
pub const MAX_LINE_BYTES: usize = 64 * 1024;
/// Nesting of `(`, `[`, `{` and `${` in code.
pub const MAX_DEPTH: usize = 48;
/// Any `{` at all, inside strings and comments too: the recovery rules of
/// the grammar balance braces without knowing about strings.
const MAX_RAW_BRACE_DEPTH: usize = 256;

pub fn check(file: FileId, text: &str) -> Option<Diagnostic> {
    if text.len() > MAX_FILE_BYTES {
        return Some(
            Diagnostic::new(
                Code::FileTooLarge,
                Span::new(file, 0, 0),
                format!(
                    "this file is {} bytes; hplc reads files of at most {} bytes",
                    text.len(),
                    MAX_FILE_BYTES
                ),
            )
            .label("file starts here")
            .help("split the platform into several files joined with `use`"),
        );
    }
    // Depth first: a line of a hundred thousand brackets is better
    // described as too deep than as too long.
    if let Some(too_deep) = depth(file, text) {
        return Some(too_deep);
    }
    // No line of a file this short can be too long.
    if text.len() <= MAX_LINE_BYTES {
        return None;
    }
    let mut line_start = 0;
    let ends = memchr::memchr_iter(b'\n', text.as_bytes()).chain(std::iter::once(text.len()));
    for line_end in ends {
        if line_end - line_start > MAX_LINE_BYTES {
            return Some(
                Diagnostic::new(
                    Code::LineTooLong,
                    Span::new(file, line_start, line_start + MAX_LINE_BYTES),
                    format!("this line is longer than {MAX_LINE_BYTES} bytes"),
                )
                .label("line starts here")
                .help("break the value over several lines, or move long data out of the platform"),
            );
        }
        line_start = line_end + 1;
    }
    None
}

#[derive(Copy, Clone, PartialEq)]
enum Frame {
    Bracket,
    Interp,
    Str,
}

/// The bytes the nesting scan below passes over in code, and in a string.
const QUIET_IN_CODE: [bool; 256] = quiet(b"/\"([{)]}");
const QUIET_IN_STRING: [bool; 256] = quiet(b"\\\"\n$");

fn depth(file: FileId, text: &str) -> Option<Diagnostic> {
    let too_deep = |at: usize, limit: usize| {
        Diagnostic::new(
            Code::NestingTooDeep,
            Span::new(file, at, at + 1),
            format!("brackets are nested more than {limit} deep"),
        )
        .label("too deep here")
        .help("flatten the value: give inner records a name with `let`")
    };
    let bytes = text.as_bytes();
    let mut raw = 0usize;
    // memchr finds the braces many bytes at a time.
    for i in memchr::memchr2_iter(b'{', b'}', bytes) {
        if bytes[i] == b'{' {
            raw += 1;
            if raw > MAX_RAW_BRACE_DEPTH {
                return Some(too_deep(i, MAX_RAW_BRACE_DEPTH));
            }
        } else {
            raw = raw.saturating_sub(1);
        }
    }

    // The open strings, brackets and interpolations, innermost last; `depth`
    // counts the brackets and interpolations among them.
    let mut stack: Vec<Frame> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        // Most bytes mean nothing here: pass them in a tight loop.
        let quiet = if stack.last() == Some(&Frame::Str) {
            &QUIET_IN_STRING
        } else {
            &QUIET_IN_CODE
        };
        while i < bytes.len() && quiet[bytes[i] as usize] {
            i += 1;
        }
        let Some(&b) = bytes.get(i) else {
            break;
        };
        if stack.last() == Some(&Frame::Str) {
            match b {
                b'\\' => i += 1,
                b'"' | b'\n' => {
                    stack.pop();
                }
                b'$' if bytes.get(i + 1) == Some(&b'{') => {
                    stack.push(Frame::Interp);
                    depth += 1;
                    i += 1;
                    if depth > MAX_DEPTH {
                        return Some(too_deep(i, MAX_DEPTH));
                    }
                }
                _ => {}
            }
        } else {
            match b {
                b'/' if bytes.get(i + 1) == Some(&b'/') => {
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                    continue;
                }
                b'"' => stack.push(Frame::Str),
                b'(' | b'[' | b'{' => {
                    stack.push(Frame::Bracket);
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Some(too_deep(i, MAX_DEPTH));
                    }
                }
                b')' | b']' | b'}' => {
                    if matches!(stack.last(), Some(Frame::Bracket | Frame::Interp)) {
                        stack.pop();
                        depth -= 1;
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
    None
}
