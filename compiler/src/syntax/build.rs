//! The syntax tree, built from the pairs of either grammar: the token
//! grammar's on the fast path (`tokens.rs`), the text grammar's when a file
//! has errors (`text.rs`). Both name their rules alike, so one builder
//! serves, and a file gets the same tree whichever grammar read it.

use std::marker::PhantomData;

use super::ast::*;
use super::errors::{Strict, Syntax};
use super::lexer::{Simple, Value};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;

/// One pair of a parse, as the builder reads it.
pub(super) trait Node<'t>: Sized {
    type Children: Iterator<Item = Self>;
    fn kind(&self) -> Kind;
    /// Its bytes in the text parsed.
    fn span(&self) -> (usize, usize);
    fn text(&self) -> &'t str;
    fn children(self) -> Self::Children;
    /// A `simple` pair's statement, and the text its ranges index.
    fn simple(&self) -> Option<(&Simple, &'t str)>;
}

/// The rules the builder reads, by their names in the grammars; the text
/// grammar's recovery rules are only in it, the simple statements of the
/// lexer only in the token grammar.
macro_rules! kinds {
    (both: $($rule:ident),*; text: $($bad:ident),*; tokens: $($token:ident),*) => {
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[derive(Copy, Clone, Debug, PartialEq, Eq)]
        pub(super) enum Kind {
            $($rule,)*
            $($bad,)*
            $($token,)*
            /// A rule the builder never meets where it looks.
            other,
        }

        impl From<super::grammars::text::Rule> for Kind {
            fn from(rule: super::grammars::text::Rule) -> Kind {
                use super::grammars::text::Rule;
                match rule {
                    $(Rule::$rule => Kind::$rule,)*
                    $(Rule::$bad => Kind::$bad,)*
                    _ => Kind::other,
                }
            }
        }

        impl From<super::grammars::tokens::Rule> for Kind {
            fn from(rule: super::grammars::tokens::Rule) -> Kind {
                use super::grammars::tokens::Rule;
                match rule {
                    $(Rule::$rule => Kind::$rule,)*
                    $(Rule::$token => Kind::$token,)*
                    _ => Kind::other,
                }
            }
        }
    };
}

kinds!(both: EOI, use_item, enum_item, kind_item, let_item, env_item, instance, ident, path,
    field_decl, type_expr, optional, stmt, override_stmt, expr, range_op, binary_op, paren,
    number, boolean, string, text, escape, interp, list, record, reference;
    text: bad_item, bad_stmt; tokens: simple);

pub(super) struct Builder<'t, N> {
    pub(super) syntax: Syntax<'t>,
    /// Where the text parsed starts in the file: the offset of every span.
    /// Only a part without errors is kept (`parser::parse_in_parts`), so
    /// the error paths see a whole file and `base` 0.
    base: usize,
    node: PhantomData<N>,
}

impl<'t, N: Node<'t>> Builder<'t, N> {
    pub(super) fn new(syntax: Syntax<'t>, base: usize) -> Builder<'t, N> {
        Builder {
            syntax,
            base,
            node: PhantomData,
        }
    }

    fn span(&self, pair: &N) -> Span {
        let (start, end) = pair.span();
        self.span_at(start, end)
    }

    fn bad(&mut self, pair: &N, strict: Strict) {
        let (start, end) = pair.span();
        self.syntax.bad(start, end, strict);
    }

    pub(super) fn module(&mut self, file: N) -> Module {
        let mut items = Vec::new();
        for pair in file.children() {
            match pair.kind() {
                Kind::use_item => items.push(Item::Use(self.use_item(pair))),
                Kind::enum_item => items.push(Item::Enum(self.enum_item(pair))),
                Kind::kind_item => items.push(Item::Kind(self.kind_item(pair))),
                Kind::let_item => items.push(Item::Let(self.let_item(pair))),
                Kind::env_item => items.push(Item::Env(self.env_item(pair))),
                Kind::instance => items.push(Item::Instance(self.instance(pair))),
                Kind::bad_item => self.bad(&pair, Strict::Item),
                Kind::EOI => {}
                rule => unreachable!("item rule {rule:?}"),
            }
        }
        Module { items }
    }

    /// A key written as a string: its text, which must be plain (no
    /// interpolation); the formatter writes it quoted again.
    fn quoted_key(&mut self, pair: N) -> Ident {
        let span = self.span(&pair);
        let parts = self.string(pair);
        let mut name = String::new();
        for part in &parts {
            match part {
                StrPart::Text(text, _) => name.push_str(text),
                StrPart::Interp(expr) => {
                    self.syntax.errors.push(
                        Diagnostic::new(Code::Syntax, expr.span, "a key is a plain string")
                            .label("interpolation in a key")
                            .help("write the key's text itself: `\"a.b\" = 1`"),
                    );
                }
            }
        }
        Ident { name, span }
    }

    fn ident(&self, pair: N) -> Ident {
        Ident {
            name: pair.text().to_string(),
            span: self.span(&pair),
        }
    }

    /// A path's segments, from its text: the grammars allow nothing but
    /// names and dots in it.
    fn path(&self, pair: N) -> Path {
        let (start, _) = pair.span();
        self.path_at(pair.text(), start)
    }

    /// The path `text`, which starts at byte `start` of the text parsed.
    fn path_at(&self, text: &str, start: usize) -> Path {
        let span = self.span_at(start, start + text.len());
        let mut segments = Vec::with_capacity(1);
        let mut from = 0;
        // Names are ASCII: the path splits at its dots by bytes.
        for to in memchr::memchr_iter(b'.', text.as_bytes()).chain(std::iter::once(text.len())) {
            segments.push(Ident {
                name: text[from..to].to_string(),
                span: Span {
                    start: span.start + from as u32,
                    end: span.start + to as u32,
                    ..span
                },
            });
            from = to + 1;
        }
        Path { segments, span }
    }

    fn span_at(&self, start: usize, end: usize) -> Span {
        Span::new(self.syntax.file, self.base + start, self.base + end)
    }

    /// `-1.5Gi`, which starts at byte `start`: the digits, then the unit
    /// (letters, or `%`).
    fn number_at(&self, text: &str, start: usize) -> Expr {
        let span = self.span_at(start, start + text.len());
        let split = text
            .find(|c: char| c.is_ascii_alphabetic() || c == '%')
            .unwrap_or(text.len());
        let unit = (split < text.len()).then(|| Ident {
            name: text[split..].to_string(),
            span: Span {
                start: span.start + split as u32,
                ..span
            },
        });
        Expr {
            kind: ExprKind::Number {
                digits: text[..split].to_string(),
                unit: unit.map(Box::new),
            },
            span,
        }
    }

    /// A value the lexer read, whose span ends at `end` where it runs on
    /// (a name, a range).
    fn simple_value(&self, value: &Value, end: usize, text: &str) -> Expr {
        match *value {
            Value::Number(start, end) => self.number_at(&text[start..end], start),
            Value::Path(start, path_end) => Expr {
                kind: ExprKind::Path(self.path_at(&text[start..path_end], start)),
                span: self.span_at(start, end),
            },
            Value::Bool(start, end) => Expr {
                kind: ExprKind::Bool(&text[start..end] == "true"),
                span: self.span_at(start, end),
            },
            Value::Str(start, end) => {
                // The lexer's strings have no interpolation: one part at
                // most, where a vector's first growth would hold four.
                let mut parts = Vec::with_capacity(1);
                if end - start > 2 {
                    push_text(
                        &mut parts,
                        &text[start + 1..end - 1],
                        self.span_at(start + 1, end - 1),
                    );
                }
                Expr {
                    kind: ExprKind::Str(parts),
                    span: self.span_at(start, end),
                }
            }
            Value::Range((low, low_end), (high, high_end)) => Expr {
                kind: ExprKind::Range(
                    Box::new(self.number_at(&text[low..low_end], low)),
                    Box::new(self.number_at(&text[high..high_end], high)),
                ),
                span: self.span_at(low, end),
            },
            Value::Record(open, close, ref stmts) => Expr {
                kind: ExprKind::Record(self.simple_stmts(stmts, text)),
                span: self.span_at(open, close),
            },
            Value::Construct((start, path_end), close, ref stmts) => Expr {
                kind: ExprKind::Construct(
                    Box::new(self.path_at(&text[start..path_end], start)),
                    self.simple_stmts(stmts, text),
                ),
                span: self.span_at(start, close),
            },
            Value::List(open, close, ref items) => Expr {
                kind: ExprKind::List(
                    items
                        .iter()
                        .map(|(item, end)| self.simple_value(item, *end, text))
                        .collect(),
                ),
                span: self.span_at(open, close),
            },
        }
    }

    /// The statement the lexer read whole (`lexer::Simple`), as the text
    /// grammar's rules would have built it, spans included: the value of a
    /// name or a range, and the statement, run on over the blanks and the
    /// comment after the value; a number, string or boolean does not.
    fn simple(&self, pair: &N) -> Stmt {
        let (simple, text) = pair.simple().expect("a simple statement");
        self.simple_stmt(simple, text)
    }

    fn simple_stmts(&self, stmts: &[Simple], text: &str) -> Stmts {
        stmts
            .iter()
            .map(|stmt| std::sync::Arc::new(self.simple_stmt(stmt, text)))
            .collect()
    }

    fn simple_stmt(&self, simple: &Simple, text: &str) -> Stmt {
        let ident = |(start, end): (usize, usize)| Ident {
            name: text[start..end].to_string(),
            span: self.span_at(start, end),
        };
        let value = self.simple_value(&simple.value, simple.end, text);
        Stmt {
            field: ident(simple.field),
            key: simple.key.map(|key| Box::new(ident(key))),
            value,
            span: self.span_at(simple.field.0, simple.end),
        }
    }

    fn use_item(&mut self, pair: N) -> Use {
        let span = self.span(&pair);
        let mut inner = pair.children();
        inner.next(); // kw_use
        let path = self.path(inner.next().expect("use path"));
        let imports = inner
            .next()
            .map(|list| list.children().map(|p| self.ident(p)).collect())
            .unwrap_or_default();
        Use {
            path,
            imports,
            span,
        }
    }

    fn enum_item(&mut self, pair: N) -> EnumDecl {
        let span = self.span(&pair);
        let mut inner = pair.children();
        inner.next(); // kw_enum
        let name = self.ident(inner.next().expect("enum name"));
        let variants = inner.map(|p| self.ident(p)).collect();
        EnumDecl {
            name,
            variants,
            span,
        }
    }

    fn kind_item(&mut self, pair: N) -> KindDecl {
        let span = self.span(&pair);
        let mut inner = pair.children();
        inner.next(); // kw_kind
        let name = self.ident(inner.next().expect("kind name"));
        let mut parent = None;
        let mut fields = Vec::new();
        let mut defaults = Vec::new();
        for member in inner {
            match member.kind() {
                Kind::path => parent = Some(self.path(member)),
                Kind::field_decl => fields.push(self.field_decl(member)),
                Kind::stmt => defaults.push(std::sync::Arc::new(self.stmt(member))),
                Kind::simple => defaults.push(std::sync::Arc::new(self.simple(&member))),
                Kind::bad_stmt => self.bad(&member, Strict::Kind),
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

    fn field_decl(&mut self, pair: N) -> FieldDecl {
        let span = self.span(&pair);
        let mut inner = pair.children();
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

    fn type_expr(&mut self, pair: N) -> TypeExpr {
        let span = self.span(&pair);
        let mut name = None;
        let mut arg = None;
        let mut optional = false;
        for part in pair.children() {
            match part.kind() {
                Kind::path => name = Some(self.path(part)),
                Kind::type_expr => arg = Some(Box::new(self.type_expr(part))),
                Kind::optional => optional = true,
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

    fn let_item(&mut self, pair: N) -> LetDecl {
        let span = self.span(&pair);
        let mut inner = pair.children();
        inner.next(); // kw_let
        let name = self.ident(inner.next().expect("let name"));
        let value = self.expr(inner.next().expect("let value"));
        LetDecl { name, value, span }
    }

    fn env_item(&mut self, pair: N) -> EnvDecl {
        let span = self.span(&pair);
        let mut inner = pair.children();
        inner.next(); // kw_env
        let name = self.ident(inner.next().expect("env name"));
        let mut overrides = Vec::new();
        let mut instances = Vec::new();
        for member in inner {
            match member.kind() {
                Kind::instance => instances.push(self.instance(member)),
                Kind::override_stmt => {
                    let span = self.span(&member);
                    let mut parts = member.children();
                    let target = self.path(parts.next().expect("override target"));
                    let (key, value) = self.key_and_value(parts);
                    overrides.push(Override {
                        target,
                        key,
                        value,
                        span,
                    });
                }
                Kind::simple => {
                    let stmt = self.simple(&member);
                    overrides.push(Override {
                        target: Path {
                            span: stmt.field.span,
                            segments: vec![stmt.field],
                        },
                        key: stmt.key.map(|key| *key),
                        value: stmt.value,
                        span: stmt.span,
                    });
                }
                Kind::bad_stmt => self.bad(&member, Strict::Env),
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

    fn instance(&mut self, pair: N) -> Instance {
        let span = self.span(&pair);
        let mut inner = pair.children();
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
    fn stmts(&mut self, pair: N) -> Stmts {
        let members = pair.children();
        let mut stmts = Vec::with_capacity(members.size_hint().0);
        for member in members {
            match member.kind() {
                Kind::stmt => stmts.push(std::sync::Arc::new(self.stmt(member))),
                Kind::simple => stmts.push(std::sync::Arc::new(self.simple(&member))),
                Kind::bad_stmt => self.bad(&member, Strict::Block),
                rule => unreachable!("block member {rule:?}"),
            }
        }
        stmts
    }

    fn stmt(&mut self, pair: N) -> Stmt {
        let span = self.span(&pair);
        let mut inner = pair.children();
        let first = inner.next().expect("stmt field");
        let field = match first.kind() {
            Kind::string => self.quoted_key(first),
            _ => self.ident(first),
        };
        let (key, value) = self.key_and_value(inner);
        Stmt {
            field,
            key: key.map(Box::new),
            value,
            span,
        }
    }

    /// What follows the target of a statement or an override: an optional
    /// key (`port http = 8001`), then the value.
    fn key_and_value(&mut self, mut parts: N::Children) -> (Option<Ident>, Expr) {
        let mut next = parts.next().expect("statement value");
        let mut key = None;
        if next.kind() == Kind::ident {
            key = Some(self.ident(next));
            next = parts.next().expect("statement value");
        }
        (key, self.expr(next))
    }

    fn expr(&mut self, pair: N) -> Expr {
        let span = self.span(&pair);
        match pair.kind() {
            Kind::expr => {
                let mut parts = pair.children();
                // Most values are one operand: no operator lists for them.
                if parts.size_hint().1 == Some(1) {
                    return self.expr(parts.next().expect("an expression has an operand"));
                }
                let mut low: Vec<N> = Vec::new();
                let mut high: Vec<N> = Vec::new();
                let mut in_high = false;
                for part in parts {
                    match part.kind() {
                        Kind::range_op => in_high = true,
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
            Kind::paren => {
                let inner = self.expr(pair.children().next().expect("paren expr"));
                Expr {
                    kind: ExprKind::Paren(Box::new(inner)),
                    span,
                }
            }
            Kind::number => {
                let (start, _) = pair.span();
                self.number_at(pair.text(), start)
            }
            Kind::boolean => Expr {
                kind: ExprKind::Bool(pair.text() == "true"),
                span,
            },
            Kind::string => Expr {
                kind: ExprKind::Str(self.string(pair)),
                span,
            },
            Kind::list => {
                let items = pair.children().map(|p| self.expr(p)).collect();
                Expr {
                    kind: ExprKind::List(items),
                    span,
                }
            }
            Kind::record => Expr {
                kind: ExprKind::Record(self.stmts(pair)),
                span,
            },
            Kind::reference => {
                let mut inner = pair.children();
                let path = self.path(inner.next().expect("reference path"));
                match inner.next() {
                    Some(record) => Expr {
                        kind: ExprKind::Construct(Box::new(path), self.stmts(record)),
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
    fn operation(&mut self, parts: Vec<N>) -> Expr {
        let mut terms: Vec<(Option<BinOp>, Expr)> = Vec::new();
        let mut pending: Option<BinOp> = None;
        for part in parts {
            if part.kind() == Kind::binary_op {
                pending = Some(match part.text() {
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

    fn string(&mut self, pair: N) -> Vec<StrPart> {
        let mut parts: Vec<StrPart> = Vec::new();
        for part in pair.children() {
            let span = self.span(&part);
            match part.kind() {
                Kind::text => push_text(&mut parts, part.text(), span),
                Kind::escape => {
                    let decoded = match &part.text()[1..] {
                        "n" => "\n",
                        "t" => "\t",
                        "\"" => "\"",
                        "\\" => "\\",
                        "$" => "$",
                        other => {
                            self.syntax.errors.push(
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
                Kind::interp => {
                    let expr = self.expr(part.children().next().expect("interp expr"));
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
