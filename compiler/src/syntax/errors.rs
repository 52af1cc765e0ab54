//! Describing syntax errors: what the text grammar expected where a file
//! went wrong, an unclosed string or bracket, the commonest slips. The tree
//! builder collects them here (`Syntax`) on either path.

use pest::Parser as _;

use super::grammars::text::{Grammar, Rule};
use super::scan::{scan, Lexeme};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};

/// Syntax errors past this many in one file are not reported: by then the
/// file is likely not hpl at all.
pub(super) const MAX_SYNTAX_ERRORS: usize = 20;

/// Where the builder met a recovery node: what the strict rule re-parses.
#[derive(Copy, Clone, Debug)]
pub(super) enum Strict {
    Item,
    Kind,
    Env,
    Block,
}

/// The syntax errors of one parse, and what they are described from.
pub(super) struct Syntax<'t> {
    pub(super) file: FileId,
    text: &'t str,
    pub(super) errors: Vec<Diagnostic>,
    /// End of the last recovery node: a bad line right after another is the
    /// same error continued, and is not reported again.
    last_bad_end: Option<usize>,
}

impl Syntax<'_> {
    /// For a parse of `text` by the text grammar.
    pub(super) fn new(file: FileId, text: &str) -> Syntax<'_> {
        Syntax {
            file,
            text,
            errors: Vec::new(),
            last_bad_end: None,
        }
    }

    /// No text: for a parse that cannot meet an error (the token grammar).
    pub(super) fn without_errors(file: FileId) -> Syntax<'static> {
        Syntax {
            file,
            text: "",
            errors: Vec::new(),
            last_bad_end: None,
        }
    }

    /// A recovery node at `start..end`: re-parse from its start with the
    /// strict rule to learn what was expected, unless it continues the
    /// previous bad region.
    pub(super) fn bad(&mut self, start: usize, end: usize, strict: Strict) {
        let continues = self
            .last_bad_end
            .is_some_and(|last| self.text[last..start].trim().is_empty());
        self.last_bad_end = Some(end);
        // Past the reporting limit, re-parsing for messages is wasted work.
        if continues || self.errors.len() >= MAX_SYNTAX_ERRORS {
            return;
        }
        let strict = match strict {
            Strict::Item => Rule::item_line_strict,
            Strict::Kind => Rule::kind_member_strict,
            Strict::Env => Rule::env_member_strict,
            Strict::Block => Rule::block_member_strict,
        };
        let rest = &self.text[start..];
        detailed_errors();
        let error = match Grammar::parse(strict, rest) {
            Err(error) => self.pest_error(error, start),
            // The strict rule accepts what the lenient one did not (a rule
            // ordering quirk); still an error, pointed at the whole region.
            Ok(_) => Diagnostic::new(
                Code::Syntax,
                Span::new(self.file, start, end),
                "this line could not be read",
            )
            .label("not a declaration or statement")
            .help("see docs/language.md for the forms a line can take"),
        };
        self.errors.push(error);
    }

    pub(super) fn pest_error(&self, error: pest::error::Error<Rule>, offset: usize) -> Diagnostic {
        let location = match error.location {
            pest::error::InputLocation::Pos(p) => p,
            pest::error::InputLocation::Span((s, _)) => s,
        };
        let attempts = error.parse_attempts();
        // pest places a failure at the furthest failed *rule*; a literal
        // expected further on (the `=` after `port http`) is known only to
        // the attempts.
        let furthest = attempts
            .as_ref()
            .map(|a| a.max_position)
            .unwrap_or(location)
            .max(location);
        let at = furthest + offset;
        let mut expected: Vec<String> = Vec::new();
        if let (pest::error::ErrorVariant::ParsingError { positives, .. }, true) =
            (&error.variant, furthest == location)
        {
            expected.extend(
                positives
                    .iter()
                    .filter_map(|r| describe(*r))
                    .map(str::to_string),
            );
        }
        if let Some(attempts) = &attempts {
            // pest does not export its token type; its Display is the
            // literal for literal tokens, `a..z` for ranges and a marker for
            // built-ins.
            for token in attempts.expected_tokens() {
                let token = token.to_string();
                let is_range = token.chars().count() == 4 && token.chars().nth(1) == Some('.');
                // `//` starts a comment and `_` a name: true, but noise.
                if token == "BUILTIN_RULE"
                    || is_range
                    || token == "//"
                    || token == "_"
                    || (token.trim().is_empty() && token != "\n")
                {
                    continue;
                }
                expected.push(match token.as_str() {
                    "\n" => "a new line".to_string(),
                    t => format!("`{t}`"),
                });
            }
        }
        // The first characters of a value say nothing "a value" does not.
        if expected.iter().any(|e| e == "a value") {
            const VALUE_STARTS: [&str; 9] = [
                "`\"`", "`(`", "`[`", "`{`", "`-`", "`true`", "`false`", "a name", "a string",
            ];
            expected.retain(|e| !VALUE_STARTS.contains(&e.as_str()));
        }
        if expected.iter().any(|e| e == "a declaration") {
            const DECLARATION_STARTS: [&str; 6] =
                ["`enum`", "`env`", "`kind`", "`let`", "`use`", "a name"];
            expected.retain(|e| !DECLARATION_STARTS.contains(&e.as_str()));
        }
        expected.sort();
        expected.dedup();
        let found = self.found(at);
        let end = self.token_end(at);
        let span = Span::new(self.file, at, end);
        let at_line_end = matches!(self.text[at..].chars().next(), None | Some('\n'));

        if at_line_end {
            if let Some(open) = self.unclosed_string(at) {
                return Diagnostic::new(Code::Syntax, Span::new(self.file, open, at), "this string is not closed")
                    .label("the string starts here and runs to the end of the line")
                    .help("add the closing `\"` (strings do not span lines; write `\\n` for a line break)");
            }
            if let Some((open, close)) = self.unclosed_bracket(offset, at) {
                let line = self.line(open);
                return Diagnostic::new(
                    Code::Syntax,
                    span,
                    format!(
                        "expected `{close}` to close the `{}` on line {line}, found {found}",
                        &self.text[open..open + 1]
                    ),
                )
                .label(format!("expected `{close}`"))
                .with_label(Span::new(self.file, open, open + 1), "opened here")
                .help(format!(
                    "add `{close}`, or remove the `{}`",
                    &self.text[open..open + 1]
                ));
            }
        }
        let closer = self.text[at..]
            .chars()
            .next()
            .filter(|c| matches!(c, '}' | ']' | ')'));
        if let (Some(found_closer), Some((open, close))) =
            (closer, self.unclosed_bracket(offset, at))
        {
            if found_closer != close {
                let line = self.line(open);
                return Diagnostic::new(Code::Syntax, span, format!("expected `{close}` to close the `{}` on line {line}, found `{found_closer}`", &self.text[open..open + 1]))
                    .label(format!("expected `{close}`"))
                    .with_label(Span::new(self.file, open, open + 1), "opened here")
                    .help(format!("add `{close}` before the `{found_closer}`"));
            }
        }
        if expected.iter().any(|e| e == "a new line") && !at_line_end && !found.starts_with("`}") {
            return Diagnostic::new(
                Code::Syntax,
                span,
                format!("expected a new line, `,` or `;` before {found}"),
            )
            .label("a second statement on the same line")
            .help("put each statement on its own line, or separate them with `,`");
        }
        let message = if expected.is_empty() {
            format!("unexpected {found}")
        } else {
            format!("expected {}, found {found}", join_or(&expected))
        };
        Diagnostic::new(Code::Syntax, span, message)
            .label(if expected.is_empty() {
                "here".to_string()
            } else {
                format!("expected {}", join_or(&expected))
            })
            .help(syntax_help(&self.text[at..]))
    }

    /// The 1-based line of a byte offset.
    fn line(&self, offset: usize) -> usize {
        self.text[..offset].matches('\n').count() + 1
    }

    /// The start of the innermost string opened on `at`'s line and not
    /// closed before it (strings nest through `${ }`).
    fn unclosed_string(&self, at: usize) -> Option<usize> {
        let line_start = self.text[..at].rfind('\n').map(|i| i + 1).unwrap_or(0);
        let mut open = Vec::new();
        for lexeme in scan(self.text, line_start, at) {
            match lexeme {
                Lexeme::Code(i, b'"') => open.push(i),
                Lexeme::StringEnd(..) => {
                    open.pop();
                }
                // A comment runs on to `at`. In code it leaves no string
                // open; in an interpolation, its strings are still open.
                Lexeme::Comment { .. } | Lexeme::Code(..) => {}
            }
        }
        open.pop()
    }

    /// The innermost bracket opened between `from` and `at` and not closed,
    /// with the bracket that closes it (strings and comments skipped).
    fn unclosed_bracket(&self, from: usize, at: usize) -> Option<(usize, char)> {
        let mut stack: Vec<(usize, char)> = Vec::new();
        for lexeme in scan(self.text, from, at) {
            match lexeme {
                Lexeme::Code(i, b'{') => stack.push((i, '}')),
                Lexeme::Code(i, b'[') => stack.push((i, ']')),
                Lexeme::Code(i, b'(') => stack.push((i, ')')),
                Lexeme::Code(_, b'}' | b']' | b')') => {
                    stack.pop();
                }
                _ => {}
            }
        }
        stack.pop()
    }

    /// What stands at `at`, for "found ..." in messages.
    fn found(&self, at: usize) -> String {
        let rest = &self.text[at..];
        match rest.chars().next() {
            None => "the end of the file".into(),
            Some('\n') => "the end of the line".into(),
            Some(c) if c.is_control() => format!("the control character U+{:04X}", c as u32),
            Some(_) => {
                let token = &rest[..self.token_end(at) - at];
                format!("`{}`", token.chars().take(24).collect::<String>())
            }
        }
    }

    /// The end of the token at `at`: a run of name characters, or one char.
    fn token_end(&self, at: usize) -> usize {
        let rest = &self.text[at..];
        let word = rest
            .char_indices()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '.'))
            .map(|(i, _)| i)
            .unwrap_or(rest.len());
        let len = if word > 0 {
            word
        } else if rest.starts_with('"') {
            // A whole string literal, up to its closing quote on this line.
            let line = rest.split('\n').next().unwrap_or(rest);
            line[1..].find('"').map(|i| i + 2).unwrap_or(line.len())
        } else {
            match rest.chars().next() {
                Some('\n') | None => 0,
                Some(c) => c.len_utf8(),
            }
        };
        at + len
    }
}

/// Expected-token detail makes messages say "expected `=`" rather than only
/// naming rules. It slows parsing down, so it is turned on only once a
/// syntax error is being described; it is a process-wide switch that is
/// never turned off again, so messages cannot depend on what ran before.
pub(super) fn detailed_errors() {
    pest::set_error_detail(true);
}

/// How a grammar rule reads in "expected ..." messages; `None` for rules too
/// internal to be worth naming (their tokens are named instead).
fn describe(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::ident | Rule::path => "a name",
        Rule::expr | Rule::number | Rule::digits => "a value",
        Rule::string => "a string",
        Rule::type_expr => "a type",
        Rule::kw_use
        | Rule::kw_kind
        | Rule::kw_enum
        | Rule::kw_let
        | Rule::kw_env
        | Rule::instance => "a declaration",
        Rule::stmt | Rule::field_decl | Rule::override_stmt => "a statement",
        Rule::binary_op => "an operator",
        Rule::range_op => "`..=`",
        Rule::EOI => "the end of the file",
        _ => return None,
    })
}

fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// A help line for the most common slips, judged by what follows the error.
fn syntax_help(rest: &str) -> String {
    let next = rest.trim_start_matches([' ', '\t']);
    if next.starts_with('-') && next[1..].starts_with(|c: char| c.is_alphabetic()) {
        "names use `_`, not `-`: write `health_api`, not `health-api`".into()
    } else if next.starts_with(':') {
        "fields of an instance are set with `=`; `name: type` declares a field in a `kind`".into()
    } else if next.is_empty() || next.starts_with('\n') {
        "something is missing before the end of the line (a value, or a closing bracket)".into()
    } else {
        "see docs/language.md for the syntax of items, statements and values".into()
    }
}
