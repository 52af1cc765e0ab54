//! Where the cursor is, for completion. Read from the text before the
//! cursor rather than from the syntax tree: the line being typed rarely
//! parses (`namespace = ` has no value yet), while the brackets around it
//! and the statement that opened each are plain to see.

/// A bracket open at the cursor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// `{`, `[` or `(`.
    pub open: char,
    /// The statement that opened it, up to the bracket: `postgres pg`,
    /// `volume data =`, `shape = oci.a1_flex`, `needs =`.
    pub header: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Context {
    /// Outermost first.
    pub frames: Vec<Frame>,
    /// The statement being typed, from its start to the cursor.
    pub statement: String,
    /// The cursor is in a string or a comment: nothing to complete.
    pub in_literal: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Code,
    Str,
    Comment,
}

/// The context at byte `offset` of `text` (clamped to a char boundary).
pub fn at(text: &str, offset: usize) -> Context {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let text = &text[..end];
    // Each open bracket with the statement start it interrupted.
    let mut open: Vec<(Frame, usize)> = Vec::new();
    let mut start = 0;
    let mut state = State::Code;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match (state, c) {
            (State::Code, '/') if chars.peek().is_some_and(|(_, n)| *n == '/') => {
                state = State::Comment
            }
            (State::Code, '"') => state = State::Str,
            (State::Code, '{' | '[' | '(') => {
                open.push((
                    Frame {
                        open: c,
                        header: text[start..i].trim().to_string(),
                    },
                    start,
                ));
                start = i + 1;
            }
            (State::Code, '}' | ']' | ')') => {
                // The statement that opened the bracket goes on after it.
                start = open.pop().map_or(i + 1, |(_, s)| s);
            }
            (State::Code, '\n' | ',' | ';') | (State::Comment, '\n') => {
                state = State::Code;
                start = i + 1;
            }
            (State::Str, '\\') => {
                chars.next();
            }
            (State::Str, '"') => state = State::Code,
            _ => {}
        }
    }
    Context {
        frames: open.into_iter().map(|(frame, _)| frame).collect(),
        statement: text[start.min(text.len())..].trim_start().to_string(),
        in_literal: state != State::Code,
    }
}

/// `field = value`, `field key = value`, `instance.field = value`: the
/// names before the `=` and the text after it, if the statement has one.
pub fn assignment(statement: &str) -> Option<(Vec<&str>, &str)> {
    let (left, right) = statement.split_once('=')?;
    let names: Vec<&str> = left.split_whitespace().collect();
    (!names.is_empty() && names.len() <= 2).then_some((names, right.trim_start()))
}

/// The name being typed at the end of `text` (with its dots: `oci.a1`).
pub fn word_before(text: &str) -> &str {
    let start = text
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
        .last()
        .map_or(text.len(), |(i, _)| i);
    &text[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(open: char, header: &str) -> Frame {
        Frame {
            open,
            header: header.into(),
        }
    }

    #[test]
    fn finds_the_open_brackets_and_the_statement() {
        let text = "postgres pg { // note {\n  volume data = { size = 1Gi, cl";
        let context = at(text, text.len());
        assert_eq!(
            context.frames,
            vec![frame('{', "postgres pg"), frame('{', "volume data =")]
        );
        assert_eq!(context.statement, "cl");
        assert!(!context.in_literal);
    }

    #[test]
    fn closed_brackets_and_strings_do_not_count() {
        let text = "node a { labels = { x = \"}{\" }\n  role = \"ap";
        let context = at(text, text.len());
        assert_eq!(context.frames, vec![frame('{', "node a")]);
        assert!(context.in_literal);
        let context = at(text, text.find("role").unwrap());
        assert_eq!(context.statement, "");
    }

    #[test]
    fn reads_assignments_and_words() {
        assert_eq!(
            assignment("volume data = { si"),
            Some((vec!["volume", "data"], "{ si"))
        );
        assert_eq!(assignment("namespace"), None);
        assert_eq!(word_before("shape = oci.a1"), "oci.a1");
        assert_eq!(word_before("x = "), "");
    }
}
