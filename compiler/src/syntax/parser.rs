//! From text to [`ast::Module`]: pest does the recognising, this file builds
//! the tree and turns the grammar's recovery nodes into diagnostics.

use pest::iterators::{Pair, Pairs};
use pest::Parser as _;
use pest_derive::Parser;

use super::ast::*;
use super::scan::{scan, Lexeme};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};

#[derive(Parser)]
#[grammar = "syntax/grammar.pest"]
struct Grammar;

/// Syntax errors past this many in one file are not reported: by then the
/// file is likely not hpl at all.
const MAX_SYNTAX_ERRORS: usize = 20;

pub fn parse(file: FileId, text: &str) -> (Module, Vec<Diagnostic>) {
    if let Some(limit) = super::limits::check(file, text) {
        return (Module::default(), vec![limit]);
    }
    if text.len() >= super::parts::MIN_BYTES {
        if let Some(module) = parse_in_parts(file, text, crate::workers()) {
            return (module, Vec::new());
        }
    }
    parse_part(file, text, 0)
}

/// A large file cut at item boundaries (`parts.rs`) into up to `parts`
/// parsed side by side, parsing being most of a large compile. `None` when
/// the file cannot be cut or a part has an error: errors come from parsing
/// the whole file, so that they are the same however it was cut.
fn parse_in_parts(file: FileId, text: &str, parts: usize) -> Option<Module> {
    let cuts = super::parts::cuts(text, parts);
    if cuts.is_empty() {
        return None;
    }
    let bounds: Vec<(usize, usize)> = std::iter::once(0)
        .chain(cuts.iter().copied())
        .zip(cuts.iter().copied().chain(std::iter::once(text.len())))
        .collect();
    let parsed: Vec<Option<Module>> = std::thread::scope(|scope| {
        let threads: Vec<_> = bounds
            .iter()
            .map(|&(start, end)| {
                std::thread::Builder::new()
                    .name("hplc-parse".into())
                    // The grammar recurses per bracket; the depth limit
                    // bounds it, as on the compiling thread.
                    .stack_size(crate::COMPILE_STACK_BYTES)
                    .spawn_scoped(scope, move || {
                        let (module, errors) = parse_part(file, &text[start..end], start);
                        errors.is_empty().then_some(module)
                    })
            })
            .collect();
        threads
            .into_iter()
            .map(|t| t.ok().and_then(|t| t.join().ok()).flatten())
            .collect()
    });
    let mut items = Vec::new();
    for module in parsed {
        items.extend(module?.items);
    }
    Some(Module { items })
}

/// Parses `text`, which starts at byte `base` of the file.
fn parse_part(file: FileId, text: &str, base: usize) -> (Module, Vec<Diagnostic>) {
    let mut builder = Builder {
        file,
        text,
        base,
        errors: Vec::new(),
        last_bad_end: None,
    };
    let module = match Grammar::parse(Rule::file, text) {
        Ok(mut pairs) => builder.module(pairs.next().expect("file rule")),
        // The grammar recovers from every error inside an item; what is left
        // is an error the recovery rules could not swallow.
        Err(_) => {
            detailed_errors();
            let error = Grammar::parse(Rule::file, text).expect_err("failed before");
            builder.errors.push(builder.pest_error(error, 0));
            Module::default()
        }
    };
    let mut errors = builder.errors;
    errors.truncate(MAX_SYNTAX_ERRORS);
    (module, errors)
}

struct Builder<'t> {
    file: FileId,
    text: &'t str,
    /// Where `text` starts in the file: the offset of every span. Only a
    /// part without errors is kept (`parse_in_parts`), so the error paths
    /// below see a whole file and `base` 0.
    base: usize,
    errors: Vec<Diagnostic>,
    /// End of the last recovery node: a bad line right after another is the
    /// same error continued, and is not reported again.
    last_bad_end: Option<usize>,
}

impl<'t> Builder<'t> {
    fn span(&self, pair: &Pair<Rule>) -> Span {
        let s = pair.as_span();
        Span::new(self.file, self.base + s.start(), self.base + s.end())
    }

    fn module(&mut self, file: Pair<Rule>) -> Module {
        let mut items = Vec::new();
        for pair in file.into_inner() {
            match pair.as_rule() {
                Rule::use_item => items.push(Item::Use(self.use_item(pair))),
                Rule::enum_item => items.push(Item::Enum(self.enum_item(pair))),
                Rule::kind_item => items.push(Item::Kind(self.kind_item(pair))),
                Rule::let_item => items.push(Item::Let(self.let_item(pair))),
                Rule::env_item => items.push(Item::Env(self.env_item(pair))),
                Rule::instance => items.push(Item::Instance(self.instance(pair))),
                Rule::bad_item => self.bad(pair, Rule::item_line_strict),
                Rule::EOI => {}
                rule => unreachable!("item rule {rule:?}"),
            }
        }
        Module { items }
    }

    /// A recovery node: re-parse from its start with the strict rule to learn
    /// what was expected, unless it continues the previous bad region.
    fn bad(&mut self, pair: Pair<Rule>, strict: Rule) {
        let span = pair.as_span();
        let continues = self
            .last_bad_end
            .is_some_and(|end| self.text[end..span.start()].trim().is_empty());
        self.last_bad_end = Some(span.end());
        // Past the reporting limit, re-parsing for messages is wasted work.
        if continues || self.errors.len() >= MAX_SYNTAX_ERRORS {
            return;
        }
        let rest = &self.text[span.start()..];
        detailed_errors();
        let error = match Grammar::parse(strict, rest) {
            Err(error) => self.pest_error(error, span.start()),
            // The strict rule accepts what the lenient one did not (a rule
            // ordering quirk); still an error, pointed at the whole region.
            Ok(_) => Diagnostic::new(
                Code::Syntax,
                Span::new(self.file, span.start(), span.end()),
                "this line could not be read",
            )
            .label("not a declaration or statement")
            .help("see docs/language.md for the forms a line can take"),
        };
        self.errors.push(error);
    }

    fn pest_error(&self, error: pest::error::Error<Rule>, offset: usize) -> Diagnostic {
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

    fn ident(&self, pair: Pair<Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(&pair),
        }
    }

    /// A key written as a string: its text, which must be plain (no
    /// interpolation); the formatter writes it quoted again.
    fn quoted_key(&mut self, pair: Pair<Rule>) -> Ident {
        let span = self.span(&pair);
        let parts = self.string(pair);
        let mut name = String::new();
        for part in &parts {
            match part {
                StrPart::Text(text, _) => name.push_str(text),
                StrPart::Interp(expr) => {
                    self.errors.push(
                        Diagnostic::new(Code::Syntax, expr.span, "a key is a plain string")
                            .label("interpolation in a key")
                            .help("write the key's text itself: `\"a.b\" = 1`"),
                    );
                }
            }
        }
        Ident { name, span }
    }

    fn path(&self, pair: Pair<Rule>) -> Path {
        let span = self.span(&pair);
        Path {
            segments: pair.into_inner().map(|p| self.ident(p)).collect(),
            span,
        }
    }

    fn use_item(&mut self, pair: Pair<Rule>) -> Use {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        inner.next(); // kw_use
        let path = self.path(inner.next().expect("use path"));
        let imports = inner
            .next()
            .map(|list| list.into_inner().map(|p| self.ident(p)).collect())
            .unwrap_or_default();
        Use {
            path,
            imports,
            span,
        }
    }

    fn enum_item(&mut self, pair: Pair<Rule>) -> EnumDecl {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        inner.next(); // kw_enum
        let name = self.ident(inner.next().expect("enum name"));
        let variants = inner.map(|p| self.ident(p)).collect();
        EnumDecl {
            name,
            variants,
            span,
        }
    }

    fn kind_item(&mut self, pair: Pair<Rule>) -> KindDecl {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        inner.next(); // kw_kind
        let name = self.ident(inner.next().expect("kind name"));
        let mut parent = None;
        let mut fields = Vec::new();
        let mut defaults = Vec::new();
        for member in inner {
            match member.as_rule() {
                Rule::path => parent = Some(self.path(member)),
                Rule::field_decl => fields.push(self.field_decl(member)),
                Rule::stmt => defaults.push(std::sync::Arc::new(self.stmt(member))),
                Rule::bad_stmt => self.bad(member, Rule::kind_member_strict),
                rule => unreachable!("kind member {rule:?}"),
            }
        }
        KindDecl {
            name,
            parent,
            fields,
            defaults,
            span,
        }
    }

    fn field_decl(&mut self, pair: Pair<Rule>) -> FieldDecl {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = self.ident(inner.next().expect("field name"));
        let ty = self.type_expr(inner.next().expect("field type"));
        let default = inner.next().map(|p| self.expr(p));
        FieldDecl {
            name,
            ty,
            default,
            span,
        }
    }

    fn type_expr(&mut self, pair: Pair<Rule>) -> TypeExpr {
        let span = self.span(&pair);
        let mut name = None;
        let mut arg = None;
        let mut optional = false;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::path => name = Some(self.path(part)),
                Rule::type_expr => arg = Some(Box::new(self.type_expr(part))),
                Rule::optional => optional = true,
                rule => unreachable!("type part {rule:?}"),
            }
        }
        TypeExpr {
            name: name.expect("type name"),
            arg,
            optional,
            span,
        }
    }

    fn let_item(&mut self, pair: Pair<Rule>) -> LetDecl {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        inner.next(); // kw_let
        let name = self.ident(inner.next().expect("let name"));
        let value = self.expr(inner.next().expect("let value"));
        LetDecl { name, value, span }
    }

    fn env_item(&mut self, pair: Pair<Rule>) -> EnvDecl {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        inner.next(); // kw_env
        let name = self.ident(inner.next().expect("env name"));
        let mut overrides = Vec::new();
        let mut instances = Vec::new();
        for member in inner {
            match member.as_rule() {
                Rule::instance => instances.push(self.instance(member)),
                Rule::override_stmt => {
                    let span = self.span(&member);
                    let mut parts = member.into_inner();
                    let target = self.path(parts.next().expect("override target"));
                    let (key, value) = self.key_and_value(parts);
                    overrides.push(Override {
                        target,
                        key,
                        value,
                        span,
                    });
                }
                Rule::bad_stmt => self.bad(member, Rule::env_member_strict),
                rule => unreachable!("env member {rule:?}"),
            }
        }
        EnvDecl {
            name,
            overrides,
            instances,
            span,
        }
    }

    fn instance(&mut self, pair: Pair<Rule>) -> Instance {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let kind = self.path(inner.next().expect("instance kind"));
        let name = self.ident(inner.next().expect("instance name"));
        let body = self.stmts(inner.next().expect("instance block"));
        Instance {
            kind,
            name,
            body,
            span,
        }
    }

    /// The statements of a `block` or a `record`.
    fn stmts(&mut self, pair: Pair<Rule>) -> Stmts {
        let mut stmts = Vec::new();
        for member in pair.into_inner() {
            match member.as_rule() {
                Rule::stmt => stmts.push(std::sync::Arc::new(self.stmt(member))),
                Rule::bad_stmt => self.bad(member, Rule::block_member_strict),
                rule => unreachable!("block member {rule:?}"),
            }
        }
        stmts
    }

    fn stmt(&mut self, pair: Pair<Rule>) -> Stmt {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let first = inner.next().expect("stmt field");
        let field = match first.as_rule() {
            Rule::string => self.quoted_key(first),
            _ => self.ident(first),
        };
        let (key, value) = self.key_and_value(inner);
        Stmt {
            field,
            key,
            value,
            span,
        }
    }

    /// What follows the target of a statement or an override: an optional
    /// key (`port http = 8001`), then the value.
    fn key_and_value(&mut self, mut parts: Pairs<Rule>) -> (Option<Ident>, Expr) {
        let mut next = parts.next().expect("statement value");
        let mut key = None;
        if next.as_rule() == Rule::ident {
            key = Some(self.ident(next));
            next = parts.next().expect("statement value");
        }
        (key, self.expr(next))
    }

    fn expr(&mut self, pair: Pair<Rule>) -> Expr {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::expr => {
                let mut low: Vec<Pair<Rule>> = Vec::new();
                let mut high: Vec<Pair<Rule>> = Vec::new();
                let mut in_high = false;
                for part in pair.into_inner() {
                    match part.as_rule() {
                        Rule::range_op => in_high = true,
                        _ if in_high => high.push(part),
                        _ => low.push(part),
                    }
                }
                let low = self.operation(low);
                if high.is_empty() {
                    low
                } else {
                    let high = self.operation(high);
                    Expr {
                        kind: ExprKind::Range(Box::new(low), Box::new(high)),
                        span,
                    }
                }
            }
            Rule::paren => {
                let inner = self.expr(pair.into_inner().next().expect("paren expr"));
                Expr {
                    kind: ExprKind::Paren(Box::new(inner)),
                    span,
                }
            }
            Rule::number => {
                let mut inner = pair.into_inner();
                let digits = inner.next().expect("digits").as_str().to_string();
                let unit = inner.next().map(|u| self.ident(u));
                Expr {
                    kind: ExprKind::Number { digits, unit },
                    span,
                }
            }
            Rule::boolean => Expr {
                kind: ExprKind::Bool(pair.as_str() == "true"),
                span,
            },
            Rule::string => Expr {
                kind: ExprKind::Str(self.string(pair)),
                span,
            },
            Rule::list => {
                let items = pair.into_inner().map(|p| self.expr(p)).collect();
                Expr {
                    kind: ExprKind::List(items),
                    span,
                }
            }
            Rule::record => Expr {
                kind: ExprKind::Record(self.stmts(pair)),
                span,
            },
            Rule::reference => {
                let mut inner = pair.into_inner();
                let path = self.path(inner.next().expect("reference path"));
                match inner.next() {
                    Some(record) => Expr {
                        kind: ExprKind::Construct(path, self.stmts(record)),
                        span,
                    },
                    None => Expr {
                        kind: ExprKind::Path(path),
                        span,
                    },
                }
            }
            rule => unreachable!("expression rule {rule:?}"),
        }
    }

    /// `operand (op operand)*` with `*` and `/` binding tighter than `+`
    /// and `-`: terms first, then the sum of the terms.
    fn operation(&mut self, parts: Vec<Pair<Rule>>) -> Expr {
        let mut terms: Vec<(Option<BinOp>, Expr)> = Vec::new();
        let mut pending: Option<BinOp> = None;
        for part in parts {
            if part.as_rule() == Rule::binary_op {
                pending = Some(match part.as_str() {
                    "+" => BinOp::Add,
                    "-" => BinOp::Sub,
                    "*" => BinOp::Mul,
                    _ => BinOp::Div,
                });
                continue;
            }
            let operand = self.expr(part);
            match pending.take() {
                Some(op @ (BinOp::Mul | BinOp::Div)) => {
                    let (_, term) = terms.last_mut().expect("an operand precedes an operator");
                    let span = term.span.to(operand.span);
                    let placeholder = Expr {
                        kind: ExprKind::Bool(false),
                        span,
                    };
                    let previous = std::mem::replace(term, placeholder);
                    *term = match previous.kind {
                        ExprKind::Arith(first, mut rest) if is_product(&rest) => {
                            rest.push((op, operand));
                            Expr {
                                kind: ExprKind::Arith(first, rest),
                                span,
                            }
                        }
                        _ => Expr {
                            kind: ExprKind::Arith(Box::new(previous), vec![(op, operand)]),
                            span,
                        },
                    };
                }
                op => terms.push((op, operand)),
            }
        }
        let mut terms = terms.into_iter();
        let (_, first) = terms.next().expect("an expression has an operand");
        let rest: Vec<(BinOp, Expr)> = terms.map(|(op, e)| (op.unwrap_or(BinOp::Add), e)).collect();
        if rest.is_empty() {
            return first;
        }
        let span = first.span.to(rest.last().expect("not empty").1.span);
        Expr {
            kind: ExprKind::Arith(Box::new(first), rest),
            span,
        }
    }

    fn string(&mut self, pair: Pair<Rule>) -> Vec<StrPart> {
        let mut parts: Vec<StrPart> = Vec::new();
        for part in pair.into_inner() {
            let span = self.span(&part);
            match part.as_rule() {
                Rule::text => push_text(&mut parts, part.as_str(), span),
                Rule::escape => {
                    let decoded = match &part.as_str()[1..] {
                        "n" => "\n",
                        "t" => "\t",
                        "\"" => "\"",
                        "\\" => "\\",
                        "$" => "$",
                        other => {
                            self.errors.push(
                                Diagnostic::new(Code::BadEscape, span, format!(
                                    "unknown escape `\\{other}` in a string"
                                ))
                                .label("not an escape")
                                .help("the escapes are \\\" \\\\ \\n \\t and \\$; write \\\\ for a backslash"),
                            );
                            ""
                        }
                    };
                    push_text(&mut parts, decoded, span);
                }
                Rule::interp => {
                    let expr = self.expr(part.into_inner().next().expect("interp expr"));
                    parts.push(StrPart::Interp(expr));
                }
                rule => unreachable!("string part {rule:?}"),
            }
        }
        parts
    }
}

/// Whether an operation chain is a product (`a * b / c`), which a further
/// `*` or `/` extends.
fn is_product(rest: &[(BinOp, Expr)]) -> bool {
    rest.iter()
        .all(|(op, _)| matches!(op, BinOp::Mul | BinOp::Div))
}

fn push_text(parts: &mut Vec<StrPart>, text: &str, span: Span) {
    if let Some(StrPart::Text(prev, prev_span)) = parts.last_mut() {
        prev.push_str(text);
        *prev_span = prev_span.to(span);
    } else {
        parts.push(StrPart::Text(text.to_string(), span));
    }
}

/// Expected-token detail makes messages say "expected `=`" rather than only
/// naming rules. It slows parsing down, so it is turned on only once a
/// syntax error is being described; it is a process-wide switch that is
/// never turned off again, so messages cannot depend on what ran before.
fn detailed_errors() {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_parsed_in_parts_is_the_file_parsed_whole() {
        let text = crate::synth::platform(300);
        let (whole, errors) = parse_part(FileId::default(), &text, 0);
        assert!(errors.is_empty(), "{errors:?}");
        for parts in [2, 3, 8] {
            let cut = parse_in_parts(FileId::default(), &text, parts).expect("cut");
            assert_eq!(cut, whole, "in {parts} parts");
        }
    }

    #[test]
    fn string_text_stops_only_at_quotes_escapes_interpolations_and_new_lines() {
        let text = "let s = \"a $5 ${x}$ é // kept\\\"\" // a comment, é \"\n";
        let (module, errors) = parse(FileId::default(), text);
        assert!(errors.is_empty(), "{errors:?}");
        let [Item::Let(decl)] = module.items.as_slice() else {
            panic!("one let: {module:?}")
        };
        let ExprKind::Str(parts) = &decl.value.kind else {
            panic!("a string: {:?}", decl.value)
        };
        let shape: Vec<String> = parts
            .iter()
            .map(|part| match part {
                StrPart::Text(text, _) => format!("text {text:?}"),
                StrPart::Interp(_) => "interp".to_string(),
            })
            .collect();
        assert_eq!(
            shape,
            ["text \"a $5 \"", "interp", "text \"$ é // kept\\\"\""]
        );
    }

    #[test]
    fn an_error_in_a_part_is_reported_as_for_the_whole_file() {
        let mut text = crate::synth::platform(300);
        let at = text.len() * 3 / 4;
        let line = at + text[at..].find("\n  cpu").expect("a cpu line") + 1;
        text.insert_str(line, "  cpu == 1\n");
        assert!(parse_in_parts(FileId::default(), &text, 2).is_none());
        let (_, errors) = parse(FileId::default(), &text);
        let (_, whole) = parse_part(FileId::default(), &text, 0);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].span(), whole[0].span());
        let start = errors[0].span().start as usize;
        assert!(
            (line..line + 10).contains(&start),
            "{start} not on line {line}"
        );
    }
}
