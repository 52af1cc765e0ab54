//! The canonical layout of hpl source: `hplc fmt`.
//!
//! Two-space indentation, one statement per line, single spaces around `=`,
//! `..=` and operators, at most one blank line in a row (kept where the
//! author put one), comments kept where they were. A block or list written
//! on one line stays on one line when it fits in [`WIDTH`] columns. The
//! output parses to the same tree, and formatting it again changes nothing.

use crate::diagnostics::Diagnostic;
use crate::source::{FileId, Span};
use crate::syntax::ast::*;
use crate::syntax::comments::{self, Comment};

pub const WIDTH: usize = 100;

/// The formatted text, or the syntax errors that keep it from being
/// formatted.
pub fn format(file: FileId, text: &str) -> Result<String, Vec<Diagnostic>> {
    let (module, errors) = crate::syntax::parse(file, text);
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut printer = Printer {
        text,
        comments: comments::collect(file, text),
        next_comment: 0,
        out: String::new(),
    };
    printer.module(&module);
    Ok(printer.out)
}

struct Printer<'t> {
    text: &'t str,
    comments: Vec<Comment>,
    next_comment: usize,
    out: String,
}

/// Something that takes whole lines: an item, a statement, a member.
enum Entry<'a> {
    Item(&'a Item),
    Stmt(&'a Stmt),
    Field(&'a FieldDecl),
    Override(&'a Override),
    Instance(&'a Instance),
}

impl Entry<'_> {
    fn span(&self) -> Span {
        match self {
            Entry::Item(i) => i.span(),
            Entry::Stmt(s) => s.span,
            Entry::Field(f) => f.span,
            Entry::Override(o) => o.span,
            Entry::Instance(i) => i.span,
        }
    }
}

impl<'t> Printer<'t> {
    fn module(&mut self, module: &Module) {
        let entries: Vec<Entry> = module.items.iter().map(Entry::Item).collect();
        self.entries(&entries, 0, None);
        self.rest_of_comments(0, usize::MAX);
        let trimmed = self.out.trim_end().len();
        self.out.truncate(trimmed);
        if !self.out.is_empty() {
            self.out.push('\n');
        }
    }

    /// Prints entries one per line at `indent`, with their comments and the
    /// blank lines between them; `after` is where the enclosing block's
    /// opening brace ended.
    fn entries(&mut self, entries: &[Entry], indent: usize, after: Option<usize>) {
        let mut previous_end = after;
        for (i, entry) in entries.iter().enumerate() {
            let span = entry.span();
            let first_start = self
                .first_comment_before(span.start as usize)
                .unwrap_or(span.start as usize);
            if let Some(end) = previous_end {
                if i > 0 && blank_line_between(self.gap(end, first_start)) {
                    self.out.push('\n');
                }
            }
            self.rest_of_comments(indent, span.start as usize);
            self.pad(indent);
            match entry {
                Entry::Item(item) => self.item(item, indent),
                Entry::Stmt(stmt) => self.stmt(stmt, indent),
                Entry::Field(field) => self.field(field, indent),
                Entry::Override(o) => self.override_stmt(o, indent),
                Entry::Instance(instance) => self.instance(instance, indent),
            }
            self.trailing_comment(span.end as usize);
            self.out.push('\n');
            previous_end = Some(span.end as usize);
        }
    }

    fn first_comment_before(&self, pos: usize) -> Option<usize> {
        self.comments[self.next_comment..]
            .iter()
            .find(|c| (c.span.start as usize) < pos)
            .map(|c| c.span.start as usize)
    }

    /// Own-line comments before `pos`, each on its own line at `indent`.
    fn rest_of_comments(&mut self, indent: usize, pos: usize) {
        let mut previous_end: Option<usize> = None;
        while let Some(c) = self.comments.get(self.next_comment) {
            if c.span.start as usize >= pos {
                break;
            }
            let c = c.clone();
            if let Some(end) = previous_end {
                if blank_line_between(self.gap(end, c.span.start as usize)) {
                    self.out.push('\n');
                }
            }
            self.pad(indent);
            self.out.push_str(&comment_text(&c));
            self.out.push('\n');
            previous_end = Some(c.span.end as usize);
            self.next_comment += 1;
        }
        if let (Some(end), true) = (previous_end, pos != usize::MAX) {
            if blank_line_between(self.gap(end, pos)) {
                self.out.push('\n');
            }
        }
    }

    /// A comment on the same source line, after `end`. One that starts
    /// before `end` is inside the entry's span (pest counts a comment glued
    /// to the last token, `512M//x`, into it): it trails the entry too.
    fn trailing_comment(&mut self, end: usize) {
        if let Some(c) = self.comments.get(self.next_comment) {
            let start = c.span.start as usize;
            if start < end || !self.gap(end, start).contains('\n') {
                let text = comment_text(c);
                self.out.push_str("  ");
                self.out.push_str(&text);
                self.next_comment += 1;
            }
        }
    }

    /// The source between two positions; empty when they are out of order
    /// (an entry whose span took in a trailing comment).
    fn gap(&self, from: usize, to: usize) -> &'t str {
        let to = to.min(self.text.len());
        &self.text[from.min(to)..to]
    }

    fn pad(&mut self, indent: usize) {
        for _ in 0..indent {
            self.out.push_str("  ");
        }
    }

    fn item(&mut self, item: &Item, indent: usize) {
        match item {
            Item::Use(u) => {
                self.out.push_str("use ");
                self.out.push_str(&u.path.text());
                if !u.imports.is_empty() {
                    let names: Vec<&str> = u.imports.iter().map(|i| i.name.as_str()).collect();
                    self.out.push_str(&format!(".{{{}}}", names.join(", ")));
                }
            }
            Item::Enum(e) => {
                let names: Vec<&str> = e.variants.iter().map(|v| v.name.as_str()).collect();
                let inline = format!("enum {} {{ {} }}", e.name.name, names.join(", "));
                if self.one_line(e.span) && indent * 2 + inline.len() <= WIDTH {
                    self.out.push_str(&inline);
                } else {
                    self.out.push_str(&format!("enum {} {{", e.name.name));
                    let open = self.open_brace_end(e.name.span.end as usize);
                    self.trailing_comment(open);
                    self.out.push('\n');
                    let mut previous = open;
                    for v in &e.variants {
                        if blank_line_between(
                            self.gap(
                                previous,
                                self.first_comment_before(v.span.start as usize)
                                    .unwrap_or(v.span.start as usize),
                            ),
                        ) {
                            self.out.push('\n');
                        }
                        self.rest_of_comments(indent + 1, v.span.start as usize);
                        self.pad(indent + 1);
                        self.out.push_str(&v.name);
                        let end = self.after_comma(v.span.end as usize);
                        self.trailing_comment(end);
                        self.out.push('\n');
                        previous = end;
                    }
                    self.close(indent, e.span.end as usize);
                }
            }
            Item::Kind(k) => {
                self.out.push_str("kind ");
                self.out.push_str(&k.name.name);
                if let Some(parent) = &k.parent {
                    self.out.push_str(": ");
                    self.out.push_str(&parent.text());
                }
                let mut entries: Vec<Entry> = k
                    .fields
                    .iter()
                    .map(Entry::Field)
                    .chain(k.defaults.iter().map(|s| Entry::Stmt(s)))
                    .collect();
                entries.sort_by_key(|e| e.span().start);
                let header_end = k
                    .parent
                    .as_ref()
                    .map(|p| p.span.end)
                    .unwrap_or(k.name.span.end) as usize;
                self.block(&entries, indent, k.span, header_end);
            }
            Item::Let(l) => {
                self.out.push_str("let ");
                self.out.push_str(&l.name.name);
                self.out.push_str(" = ");
                self.expr(&l.value, indent);
            }
            Item::Instance(i) => self.instance(i, indent),
            Item::Env(e) => {
                self.out.push_str("env ");
                self.out.push_str(&e.name.name);
                let mut entries: Vec<Entry> = e
                    .overrides
                    .iter()
                    .map(Entry::Override)
                    .chain(e.instances.iter().map(Entry::Instance))
                    .collect();
                entries.sort_by_key(|e| e.span().start);
                self.block(&entries, indent, e.span, e.name.span.end as usize);
            }
        }
    }

    fn instance(&mut self, instance: &Instance, indent: usize) {
        self.out.push_str(&instance.kind.text());
        self.out.push(' ');
        self.out.push_str(&instance.name.name);
        let entries: Vec<Entry> = instance.body.iter().map(|s| Entry::Stmt(s)).collect();
        self.block(
            &entries,
            indent,
            instance.span,
            instance.name.span.end as usize,
        );
    }

    /// ` { ... }` after a header: inline when written on one line and short,
    /// else one entry per line.
    fn block(&mut self, entries: &[Entry], indent: usize, span: Span, header_end: usize) {
        self.out.push(' ');
        self.braces(entries, indent, span, header_end);
    }

    fn braces(&mut self, entries: &[Entry], indent: usize, span: Span, header_end: usize) {
        if entries.is_empty() && !self.has_comments_in(span) {
            self.out.push_str("{}");
            return;
        }
        if self.one_line(span) {
            let mut inline = self.inline();
            let parts: Vec<String> = entries
                .iter()
                .map(|e| {
                    inline.out.clear();
                    match e {
                        Entry::Stmt(s) => inline.stmt(s, 0),
                        Entry::Field(f) => inline.field(f, 0),
                        Entry::Override(o) => inline.override_stmt(o, 0),
                        Entry::Instance(i) => inline.instance(i, 0),
                        Entry::Item(i) => inline.item(i, 0),
                    }
                    inline.out.clone()
                })
                .collect();
            let text = format!("{{ {} }}", parts.join(", "));
            if self.fits(&text) && !text.contains('\n') {
                self.out.push_str(&text);
                return;
            }
        }
        self.out.push('{');
        let open = self.open_brace_end(header_end);
        self.trailing_comment(open);
        self.out.push('\n');
        self.entries(entries, indent + 1, Some(open));
        self.close(indent, span.end as usize);
    }

    /// A printer for the parts of a one-line layout, which has no comments.
    fn inline(&self) -> Printer<'t> {
        Printer {
            text: self.text,
            comments: Vec::new(),
            next_comment: 0,
            out: String::new(),
        }
    }

    /// Whether `text` fits on the current output line within [`WIDTH`].
    fn fits(&self, text: &str) -> bool {
        let line_start = self.out.rfind('\n').map(|i| i + 1).unwrap_or(0);
        self.out.len() - line_start + text.len() <= WIDTH
    }

    /// Comments left inside the block, then its closing brace.
    fn close(&mut self, indent: usize, end: usize) {
        self.rest_of_comments(indent + 1, end.saturating_sub(1));
        self.pad(indent);
        self.out.push('}');
    }

    fn open_brace_end(&self, from: usize) -> usize {
        self.text[from..]
            .find('{')
            .map(|i| from + i + 1)
            .unwrap_or(from)
    }

    fn after_comma(&self, end: usize) -> usize {
        let rest = &self.text[end..];
        let trimmed = rest.trim_start_matches([' ', '\t']);
        if trimmed.starts_with(',') {
            end + (rest.len() - trimmed.len()) + 1
        } else {
            end
        }
    }

    fn one_line(&self, span: Span) -> bool {
        !self.text[span.start as usize..span.end as usize].contains('\n')
    }

    fn has_comments_in(&self, span: Span) -> bool {
        self.comments[self.next_comment..]
            .iter()
            .any(|c| c.span.start >= span.start && c.span.end <= span.end)
    }

    fn stmt(&mut self, stmt: &Stmt, indent: usize) {
        push_key(&mut self.out, &stmt.field.name);
        if let Some(key) = &stmt.key {
            self.out.push(' ');
            self.out.push_str(&key.name);
        }
        self.out.push_str(" = ");
        self.expr(&stmt.value, indent);
    }

    fn field(&mut self, field: &FieldDecl, indent: usize) {
        self.out.push_str(&field.name.name);
        self.out.push_str(": ");
        self.type_expr(&field.ty);
        if let Some(default) = &field.default {
            self.out.push_str(" = ");
            self.expr(default, indent);
        }
    }

    fn type_expr(&mut self, ty: &TypeExpr) {
        self.out.push_str(&ty.name.text());
        if let Some(arg) = &ty.arg {
            self.out.push('[');
            self.type_expr(arg);
            self.out.push(']');
        }
        if ty.optional {
            self.out.push('?');
        }
    }

    fn override_stmt(&mut self, o: &Override, indent: usize) {
        self.out.push_str(&o.target.text());
        if let Some(key) = &o.key {
            self.out.push(' ');
            self.out.push_str(&key.name);
        }
        self.out.push_str(" = ");
        self.expr(&o.value, indent);
    }

    fn expr(&mut self, expr: &Expr, indent: usize) {
        match &expr.kind {
            ExprKind::Number { digits, unit } => {
                self.out.push_str(digits);
                if let Some(unit) = unit {
                    self.out.push_str(&unit.name);
                }
            }
            // Strings keep their escapes exactly as written.
            ExprKind::Str(_) => self
                .out
                .push_str(&self.text[expr.span.start as usize..expr.span.end as usize]),
            ExprKind::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            ExprKind::Path(p) => self.out.push_str(&p.text()),
            ExprKind::Paren(e) => {
                self.out.push('(');
                self.expr(e, indent);
                self.out.push(')');
            }
            ExprKind::Range(low, high) => {
                self.expr(low, indent);
                self.out.push_str(" ..= ");
                self.expr(high, indent);
            }
            ExprKind::Arith(first, rest) => {
                self.expr(first, indent);
                for (op, operand) in rest {
                    self.out.push(' ');
                    self.out.push_str(op.symbol());
                    self.out.push(' ');
                    self.expr(operand, indent);
                }
            }
            ExprKind::List(items) => self.list(items, expr.span, indent),
            ExprKind::Record(stmts) => {
                let entries: Vec<Entry> = stmts.iter().map(|s| Entry::Stmt(s)).collect();
                self.record(&entries, expr.span, indent);
            }
            ExprKind::Construct(path, stmts) => {
                self.out.push_str(&path.text());
                self.out.push(' ');
                let entries: Vec<Entry> = stmts.iter().map(|s| Entry::Stmt(s)).collect();
                self.record(
                    &entries,
                    Span {
                        start: path.span.end,
                        ..expr.span
                    },
                    indent,
                );
            }
        }
    }

    /// A record value: like a block, but the header is already printed.
    fn record(&mut self, entries: &[Entry], span: Span, indent: usize) {
        let header_end = span.start as usize;
        self.braces(entries, indent, span, header_end);
    }

    fn list(&mut self, items: &[Expr], span: Span, indent: usize) {
        if items.is_empty() {
            self.out.push_str("[]");
            return;
        }
        if self.one_line(span) {
            let mut inline = self.inline();
            let parts: Vec<String> = items
                .iter()
                .map(|e| {
                    inline.out.clear();
                    inline.expr(e, 0);
                    inline.out.clone()
                })
                .collect();
            let text = format!("[{}]", parts.join(", "));
            if self.fits(&text) {
                self.out.push_str(&text);
                return;
            }
        }
        self.out.push('[');
        let open = span.start as usize + 1;
        self.trailing_comment(open);
        self.out.push('\n');
        let mut previous = open;
        for item in items {
            let first = self
                .first_comment_before(item.span.start as usize)
                .unwrap_or(item.span.start as usize);
            if previous != open && blank_line_between(self.gap(previous, first)) {
                self.out.push('\n');
            }
            self.rest_of_comments(indent + 1, item.span.start as usize);
            self.pad(indent + 1);
            self.expr(item, indent + 1);
            self.out.push(',');
            let end = self.after_comma(item.span.end as usize);
            self.trailing_comment(end);
            self.out.push('\n');
            previous = end;
        }
        self.rest_of_comments(indent + 1, span.end as usize - 1);
        self.pad(indent);
        self.out.push(']');
    }
}

fn comment_text(c: &Comment) -> String {
    if c.text.is_empty() {
        "//".to_string()
    } else if c.text.starts_with(' ') || c.text.starts_with('/') {
        format!("//{}", c.text)
    } else {
        format!("// {}", c.text)
    }
}

/// Whether the text between two entries holds an empty line.
fn blank_line_between(gap: &str) -> bool {
    let mut newlines = 0;
    for c in gap.chars() {
        match c {
            '\n' => {
                newlines += 1;
                if newlines >= 2 {
                    return true;
                }
            }
            ' ' | '\t' | '\r' | ',' | ';' => {}
            _ => newlines = 0,
        }
    }
    false
}

/// Formats `text` and checks the result: formatting it again changes
/// nothing, and it compiles to exactly what the original compiles to
/// (the same diagnostics codes, the same generated files). Returns the
/// formatted text, or what went wrong. A safety net for the formatter,
/// run by the property tests and the fuzzer.
pub fn verify(text: &str) -> Result<String, String> {
    use crate::resolve::fs::MemoryFs;
    let Ok(formatted) = format(FileId(0), text) else {
        return Err("not formatted: the text has syntax errors".into());
    };
    let again = format(FileId(0), &formatted)
        .map_err(|e| format!("the formatted text does not parse: {e:?}"))?;
    if again != formatted {
        return Err(format!(
            "formatting is not idempotent:\n--- once\n{formatted}\n--- twice\n{again}"
        ));
    }
    let build = |source: &str| {
        let fs = MemoryFs::default().with("/verify/main.hpl", source.as_bytes().to_vec());
        let built = crate::pipeline::build(std::path::Path::new("/verify/main.hpl"), None, &fs);
        let codes: Vec<&str> = built
            .compilation
            .diagnostics
            .iter()
            .map(|d| d.code.as_str())
            .collect();
        (codes.join(","), built.output)
    };
    let (before_codes, before) = build(text);
    let (after_codes, after) = build(&formatted);
    if before_codes != after_codes {
        return Err(format!(
            "formatting changed the diagnostics: {before_codes} became {after_codes}"
        ));
    }
    // Generated files carry source line numbers, which formatting may move;
    // compare them with the `hplc.dev/source` lines taken out.
    let strip = |output: Option<crate::emit::Output>| {
        output.map(|o| {
            o.files
                .into_iter()
                .map(|(path, text)| {
                    (
                        path,
                        text.lines()
                            .filter(|l| !l.contains(".hpl:"))
                            .collect::<Vec<_>>()
                            .join("\n"),
                    )
                })
                .collect::<Vec<_>>()
        })
    };
    if strip(before) != strip(after) {
        return Err("formatting changed the generated files".into());
    }
    Ok(formatted)
}

/// A statement's key: a name as it is, anything else (a quoted key of
/// free-form data) quoted, with `"`, `\\` and `$` escaped.
fn push_key(out: &mut String, key: &str) {
    let is_name = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && key != "true"
        && key != "false";
    if is_name {
        out.push_str(key);
        return;
    }
    out.push('"');
    for c in key.chars() {
        match c {
            '"' | '\\' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Formats `text`, asserting that it is already in the canonical layout
    /// and passes [`verify`].
    fn unchanged(text: &str) {
        assert_eq!(format(FileId(0), text).as_deref(), Ok(text));
        assert_eq!(verify(text).as_deref(), Ok(text));
    }

    #[test]
    fn slashes_in_a_string_inside_an_interpolation_are_not_a_comment() {
        unchanged("let s = \"${\"a//b\"}\"\n");
        unchanged("let s = \"x${\"a${\"//\"}b\"}//y\"\n");
    }

    #[test]
    fn a_comment_after_a_string_with_an_interpolation_is_kept() {
        unchanged("let s = \"${\"a//b\"}\"  // note\n");
        unchanged("// before\nlet s = \"${\"a//b\"}\"  // note\n// after\nlet t = 1\n");
        unchanged("kind k {\n  s: string = \"${\"a//b\"}\"  // note\n}\n");
    }

    #[test]
    fn keys_that_are_not_names_stay_quoted_and_names_lose_their_quotes() {
        unchanged("let d = { \"a.b\" = 1, \"x\\\"y\" = { c = true }, plain = 2 }\n");
        assert_eq!(
            format(FileId(0), "let d = { \"plain\" = 1 }\n").as_deref(),
            Ok("let d = { plain = 1 }\n")
        );
    }

    #[test]
    fn a_comment_inside_an_interpolation_stays_in_its_string() {
        // The string is printed as written; its comment must not be printed
        // a second time after it.
        unchanged("let s = \"${[\n  1, // one\n  2,\n]}\"  // note\n");
    }

    #[test]
    fn an_instance_taken_out_of_an_environment_keeps_its_line() {
        unchanged("env small {\n  cache = none  // not here\n  api.needs = []\n}\n");
        assert_eq!(
            format(FileId(0), "env small { cache=none\napi.needs=[] }\n").as_deref(),
            Ok("env small {\n  cache = none\n  api.needs = []\n}\n")
        );
    }
}
