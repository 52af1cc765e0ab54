//! `textDocument/documentSymbol`: the outline of one document, read from
//! its own syntax tree (so it works on a file that does not compile):
//! kinds with their fields, enums with their values, constants, instances
//! with the fields they set, environments with what they change.

use lsp_types::{DocumentSymbol, SymbolKind};

use super::position::LineIndex;
use crate::source::{FileId, Span};
use crate::syntax::ast::{self, Item};

pub fn symbols(text: &str) -> Vec<DocumentSymbol> {
    let (module, _) = crate::syntax::parse(FileId::default(), text);
    let outline = Outline {
        text,
        lines: LineIndex::new(text),
    };
    module
        .items
        .iter()
        .filter_map(|item| outline.item(item))
        .collect()
}

struct Outline<'t> {
    text: &'t str,
    lines: LineIndex<'t>,
}

impl Outline<'_> {
    fn item(&self, item: &Item) -> Option<DocumentSymbol> {
        Some(match item {
            Item::Use(_) => return None,
            Item::Enum(e) => {
                let variants = e.variants.iter().map(|v| {
                    self.symbol(
                        &v.name,
                        None,
                        SymbolKind::ENUM_MEMBER,
                        v.span,
                        v.span,
                        Vec::new(),
                    )
                });
                self.symbol(
                    &e.name.name,
                    None,
                    SymbolKind::ENUM,
                    e.span,
                    e.name.span,
                    variants.collect(),
                )
            }
            Item::Kind(k) => {
                let parent = k.parent.as_ref().map(|p| format!(": {}", p.text()));
                let fields = k.fields.iter().map(|f| {
                    self.symbol(
                        &f.name.name,
                        Some(self.slice(f.ty.span)),
                        SymbolKind::FIELD,
                        f.span,
                        f.name.span,
                        Vec::new(),
                    )
                });
                let defaults = k.defaults.iter().map(|s| self.stmt(s));
                self.symbol(
                    &k.name.name,
                    parent,
                    SymbolKind::CLASS,
                    k.span,
                    k.name.span,
                    fields.chain(defaults).collect(),
                )
            }
            Item::Let(l) => self.symbol(
                &l.name.name,
                None,
                SymbolKind::CONSTANT,
                l.span,
                l.name.span,
                Vec::new(),
            ),
            Item::Instance(i) => self.instance(i),
            Item::Env(e) => {
                let overrides = e.overrides.iter().map(|o| {
                    let name = o.target.text()
                        + &o.key
                            .as_ref()
                            .map(|k| format!(" {}", k.name))
                            .unwrap_or_default();
                    self.symbol(
                        &name,
                        None,
                        SymbolKind::PROPERTY,
                        o.span,
                        o.target.span,
                        Vec::new(),
                    )
                });
                let instances = e.instances.iter().map(|i| self.instance(i));
                self.symbol(
                    &e.name.name,
                    Some("env".into()),
                    SymbolKind::NAMESPACE,
                    e.span,
                    e.name.span,
                    overrides.chain(instances).collect(),
                )
            }
        })
    }

    fn instance(&self, i: &ast::Instance) -> DocumentSymbol {
        let stmts = i.body.iter().map(|s| self.stmt(s)).collect();
        self.symbol(
            &i.name.name,
            Some(i.kind.text()),
            SymbolKind::OBJECT,
            i.span,
            i.name.span,
            stmts,
        )
    }

    fn stmt(&self, stmt: &ast::Stmt) -> DocumentSymbol {
        let name = stmt.field.name.clone()
            + &stmt
                .key
                .as_ref()
                .map(|k| format!(" {}", k.name))
                .unwrap_or_default();
        self.symbol(
            &name,
            None,
            SymbolKind::PROPERTY,
            stmt.span,
            stmt.field.span,
            Vec::new(),
        )
    }

    fn slice(&self, span: Span) -> String {
        self.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or_default()
            .to_string()
    }

    #[allow(deprecated)] // `deprecated` is a required field of the struct
    fn symbol(
        &self,
        name: &str,
        detail: Option<String>,
        kind: SymbolKind,
        span: Span,
        name_span: Span,
        children: Vec<DocumentSymbol>,
    ) -> DocumentSymbol {
        // The protocol wants a name that is not empty and a selection inside the range.
        let range = self.lines.span_range(span.to(name_span));
        DocumentSymbol {
            name: if name.is_empty() {
                "?".into()
            } else {
                name.to_string()
            },
            detail,
            kind,
            tags: None,
            deprecated: None,
            range,
            selection_range: self.lines.span_range(name_span),
            children: (!children.is_empty()).then_some(children),
        }
    }
}
