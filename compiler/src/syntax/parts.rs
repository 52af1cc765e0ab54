//! Where a large file can be cut so that its parts parse on their own, side
//! by side: at the start of a line outside every bracket and string. A new
//! line outside brackets ends an item (the grammar allows no other), so the
//! items of a part are exactly the items the whole file has there.

use super::scan::quiet;

/// Below this size a file is parsed in one piece: threads cost more than
/// they save (the repository's platform and the stdlib are a few dozen KB).
pub(super) const MIN_BYTES: usize = 256 * 1024;

/// The size a large file's parts are cut to. The parser's working memory
/// (the lexer's tokens, pest's queue of pairs) is some thirty times the
/// text it parses and is freed after each part; parts this size keep it a
/// few megabytes, reused part after part, where a whole file's would be
/// touched fresh (a page fault a page) and grown by copying.
pub(super) const PART_BYTES: usize = 96 * 1024;

/// Up to `parts - 1` offsets, increasing, each the first byte of a line
/// that starts an item at the top level, cutting `text` into runs of about
/// the same length. Empty when no such line is found (unbalanced brackets,
/// say): the file is then parsed whole.
///
/// The walk is `scan.rs`'s (strings, their `${ }` interpolations and
/// comments skipped the same way), written as tight loops over the bytes
/// that mean nothing to it: it runs over half of every large file before
/// the parts can start.
pub(super) fn cuts(text: &str, parts: usize) -> Vec<usize> {
    let share = text.len() / parts.max(1);
    let bytes = text.as_bytes();
    let mut cuts = Vec::new();
    let mut depth: i64 = 0;
    // As in scan.rs: the `{` open in each interpolation's code.
    let mut interpolations: Vec<usize> = Vec::new();
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        let quiet = if in_string {
            &QUIET_IN_STRING
        } else {
            &QUIET_IN_CODE
        };
        while i < bytes.len() && quiet[bytes[i] as usize] {
            i += 1;
        }
        let Some(&byte) = bytes.get(i) else {
            break;
        };
        i += 1;
        if in_string {
            match byte {
                b'\\' => i += 1,
                b'$' if bytes.get(i) == Some(&b'{') => {
                    i += 1;
                    in_string = false;
                    interpolations.push(0);
                }
                b'$' => {}
                // `"` or a new line ends the string.
                _ => in_string = false,
            }
            continue;
        }
        match (byte, interpolations.last_mut()) {
            (b'/', _) if bytes.get(i) == Some(&b'/') => {
                i = memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |n| i + n);
            }
            (b'/', _) => {}
            (b'"', _) => in_string = true,
            (b'}', Some(0)) => {
                interpolations.pop();
                in_string = true;
            }
            (b'{', open) => {
                if let Some(open) = open {
                    *open += 1;
                }
                depth += 1;
            }
            (b'}', open) => {
                if let Some(open) = open {
                    *open -= 1;
                }
                depth -= 1;
            }
            (b'(' | b'[', _) => depth += 1,
            (b')' | b']', _) => depth -= 1,
            _ if depth == 0 => {
                // A new line outside brackets.
                let wanted = share * (cuts.len() + 1);
                let starts_item = bytes
                    .get(i)
                    .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_');
                if i >= wanted && starts_item {
                    cuts.push(i);
                    if cuts.len() + 1 == parts {
                        break;
                    }
                }
            }
            _ => {}
        }
        // A closing bracket too many: the file has an error the whole
        // parse reports; cutting it would only move the error around.
        if depth < 0 {
            return Vec::new();
        }
    }
    cuts
}

/// The bytes the walk passes over in code, and in a string.
const QUIET_IN_CODE: [bool; 256] = quiet(b"/\"{}()[]\n");
const QUIET_IN_STRING: [bool; 256] = quiet(b"\\\"\n$");

#[cfg(test)]
mod tests {
    use super::cuts;
    use crate::syntax::scan::{scan, Lexeme};

    /// The cuts as scan.rs's walk finds them: what `cuts` must give.
    fn cuts_by_scan(text: &str, parts: usize) -> Vec<usize> {
        let share = text.len() / parts.max(1);
        let bytes = text.as_bytes();
        let mut found = Vec::new();
        let mut depth: i64 = 0;
        for lexeme in scan(text, 0, text.len()) {
            let Lexeme::Code(at, byte) = lexeme else {
                continue;
            };
            match byte {
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => depth -= 1,
                b'\n' if depth == 0 => {
                    let next = at + 1;
                    let starts_item = bytes
                        .get(next)
                        .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_');
                    if next >= share * (found.len() + 1) && starts_item {
                        found.push(next);
                        if found.len() + 1 == parts {
                            break;
                        }
                    }
                }
                _ => {}
            }
            if depth < 0 {
                return Vec::new();
            }
        }
        found
    }

    #[test]
    fn cuts_are_where_the_scan_finds_them() {
        let mut texts: Vec<String> = [
            "a x {\n  b = \"${ {c = \"}\"}.c }\" // {\n}\nd y {}\n",
            "a = \"$\"\nb = \"\\\"{\"\nc = \"${\"\n{\"}\"\ne y {}\n",
            "a {\n\"${ [\nb ]}\"\n}\nc d {}\ne f {}\n",
            "x }\ny {\n",
        ]
        .iter()
        .map(|t| t.to_string())
        .collect();
        texts.push(crate::synth::platform(40));
        texts.push(crate::synth::peers::platform(40));
        for text in &texts {
            for parts in [2, 3, 5] {
                assert_eq!(
                    cuts(text, parts),
                    cuts_by_scan(text, parts),
                    "{text:?} in {parts}"
                );
            }
            // Every way of ending the text early, too.
            for end in (0..text.len())
                .filter(|e| text.is_char_boundary(*e))
                .step_by(7)
            {
                let text = &text[..end];
                assert_eq!(cuts(text, 3), cuts_by_scan(text, 3), "{text:?}");
            }
        }
    }

    #[test]
    fn cuts_fall_at_item_starts_outside_brackets_and_strings() {
        let text = "a x {\n  b = [\n1]\n}\nlet s = \"{\"\nc y {\n}\n";
        let found = cuts(text, 4);
        for cut in &found {
            assert_eq!(text.as_bytes()[cut - 1], b'\n');
        }
        // Inside the block and the list no cut; `let s` opens a string whose
        // `{` is text; `c y` starts an item.
        let lines: Vec<&str> = found.iter().map(|c| &text[*c..]).collect();
        assert!(lines
            .iter()
            .all(|l| l.starts_with("let") || l.starts_with("c y")));
        assert!(!found.is_empty());
    }

    #[test]
    fn no_cut_in_unbalanced_text_or_into_few_parts() {
        assert!(cuts("a x {\nb = 1\n", 2).is_empty());
        assert!(cuts("a x }\nb y {}\n", 2).is_empty());
        assert!(cuts("a x {}\nb y {}\n", 1).is_empty());
    }

    #[test]
    fn cuts_are_increasing_and_about_even() {
        let text = "s x { a = 1 }\n".repeat(1000);
        let found = cuts(&text, 4);
        assert_eq!(found.len(), 3);
        assert!(found.windows(2).all(|w| w[0] < w[1]));
        for (i, cut) in found.iter().enumerate() {
            let wanted = text.len() / 4 * (i + 1);
            assert!(*cut >= wanted && *cut < wanted + 16, "{cut} for {wanted}");
        }
    }
}
