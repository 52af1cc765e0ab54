//! Where a large file can be cut so that its parts parse on their own, side
//! by side: at the start of a line outside every bracket and string. A new
//! line outside brackets ends an item (the grammar allows no other), so the
//! items of a part are exactly the items the whole file has there.

use super::scan::{scan, Lexeme};

/// Below this size a file is parsed in one piece: threads cost more than
/// they save (the repository's platform and the stdlib are a few dozen KB).
pub(super) const MIN_BYTES: usize = 256 * 1024;

/// Up to `parts - 1` offsets, increasing, each the first byte of a line
/// that starts an item at the top level, cutting `text` into runs of about
/// the same length. Empty when no such line is found (unbalanced brackets,
/// say): the file is then parsed whole.
pub(super) fn cuts(text: &str, parts: usize) -> Vec<usize> {
    let share = text.len() / parts.max(1);
    let bytes = text.as_bytes();
    let mut cuts = Vec::new();
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
                let wanted = share * (cuts.len() + 1);
                let starts_item = bytes
                    .get(next)
                    .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_');
                if next >= wanted && starts_item {
                    cuts.push(next);
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

#[cfg(test)]
mod tests {
    use super::cuts;

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
