//! Kinds and enums: resolving parents, field types and defaults.

use std::sync::Arc;

use super::decl::DeclKind;
use super::ty::{Dim, EnumId, KindId, Ty};
use super::{did_you_mean_among, Checker};
use crate::diagnostics::{Code, Diagnostic};
use crate::resolve::modules::ModuleId;
use crate::resolve::suggest;
use crate::source::Span;
use crate::syntax::ast;

#[derive(Clone, Debug)]
pub struct KindInfo {
    pub name: String,
    pub module: ModuleId,
    pub span: Span,
    /// Declared in the prelude: the compiler gives it meaning.
    pub builtin: bool,
    pub parent: Option<KindId>,
    /// Part of a cycle of `extends`: reported once, then left alone.
    pub broken: bool,
    /// Every field, inherited ones first, in declaration order. Shared
    /// (`Arc`) because every evaluation of a field looks at its declaration.
    pub fields: super::FxIndexMap<String, Arc<Field>>,
    /// The same names, shared by the slot tables of this kind's objects.
    pub field_names: Vec<Arc<str>>,
    pub ast: ast::KindDecl,
}

impl KindInfo {
    pub fn new(ast: &ast::KindDecl, module: ModuleId, builtin: bool) -> KindInfo {
        KindInfo {
            name: ast.name.name.clone(),
            module,
            span: ast.name.span,
            builtin,
            parent: None,
            broken: false,
            fields: Default::default(),
            field_names: Vec::new(),
            ast: ast.clone(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Field {
    pub ty: Ty,
    /// Where the field was declared.
    pub span: Span,
    /// Default statements, the declaring kind's first, then those of each
    /// extending kind: a whole value replaces, a keyed entry adds to a map.
    pub defaults: Vec<(std::sync::Arc<ast::Stmt>, ModuleId)>,
}

impl Field {
    pub fn is_required(&self) -> bool {
        self.defaults.is_empty() && !self.ty.is_optional()
    }
}

#[derive(Clone, Debug)]
pub struct EnumInfo {
    pub name: String,
    pub module: ModuleId,
    pub variants: Vec<String>,
}

impl EnumInfo {
    pub fn new(ast: &ast::EnumDecl, module: ModuleId) -> EnumInfo {
        EnumInfo {
            name: ast.name.name.clone(),
            module,
            variants: ast.variants.iter().map(|v| v.name.clone()).collect(),
        }
    }
}

impl Checker<'_> {
    /// Resolves every kind's parent, then builds field tables parents first.
    pub(crate) fn build_kinds(&mut self) {
        for id in 0..self.world.kinds.len() {
            let Some(parent) = self.world.kinds[id].ast.parent.clone() else {
                continue;
            };
            let module = self.world.kinds[id].module;
            if let Some(p) = self.resolve_kind_path(&parent, module) {
                self.world.kinds[id].parent = Some(p);
            }
        }
        self.break_kind_cycles();
        let mut done = vec![false; self.world.kinds.len()];
        for id in 0..self.world.kinds.len() {
            self.build_kind(id, &mut done);
        }
    }

    /// A kind named by a path (`service`, `oci.a1_flex`), or an error.
    pub(crate) fn resolve_kind_path(
        &mut self,
        path: &ast::Path,
        module: ModuleId,
    ) -> Option<KindId> {
        match self.resolve_decl(path, module)? {
            DeclKind::Kind(k) => Some(k),
            DeclKind::Missing => None,
            other => {
                self.report(
                    Diagnostic::new(Code::NotAKind, path.span, format!("`{}` is {}, not a kind", path.text(), other.describe()))
                        .label("not a kind")
                        .help("instances and `kind X: parent` name a kind such as `service`, `node` or `postgres`"),
                );
                None
            }
        }
    }

    /// Resolves a path of one or two segments to a declaration: `name` or
    /// `module.name`.
    pub(crate) fn resolve_decl(&mut self, path: &ast::Path, module: ModuleId) -> Option<DeclKind> {
        let first = &path.segments[0];
        let Some(decl) = self.lookup(module, &first.name) else {
            self.unknown_name(first, module, &[]);
            return None;
        };
        match (&decl.kind, path.segments.get(1)) {
            (DeclKind::Missing, _) => None,
            (DeclKind::Module(target), Some(member)) => {
                let target = *target;
                match self.lookup_in(target, &member.name) {
                    Some(d) if path.segments.len() == 2 => Some(d.kind),
                    Some(_) => {
                        self.report(
                            Diagnostic::new(
                                Code::NoSuchMember,
                                path.segments[2].span,
                                format!("`{}` has no members", member.name),
                            )
                            .label("unexpected member")
                            .help("a kind is named `kind` or `module.kind`"),
                        );
                        None
                    }
                    None => {
                        self.no_member_in_module(target, &path.segments[0].name, member);
                        None
                    }
                }
            }
            (kind, None) => Some(kind.clone()),
            (_, Some(member)) => {
                self.report(
                    Diagnostic::new(
                        Code::NoSuchMember,
                        member.span,
                        format!("`{}` is not a module", first.name),
                    )
                    .label("no members here")
                    .help(format!(
                        "`{}` is {}",
                        first.name,
                        decl.kind.describe()
                    )),
                );
                None
            }
        }
    }

    pub(crate) fn no_member_in_module(
        &mut self,
        target: ModuleId,
        alias: &str,
        member: &ast::Ident,
    ) {
        let help = did_you_mean_among(
            &member.name,
            self.scope_of(target)
                .into_iter()
                .flat_map(|s| s.keys().map(String::as_str)),
            &format!("`{alias}` declares"),
        );
        self.report(
            Diagnostic::new(
                Code::UnknownName,
                member.span,
                format!("module `{alias}` has no `{}`", member.name),
            )
            .label("not declared there")
            .help(help),
        );
    }

    pub(crate) fn unknown_name(&mut self, name: &ast::Ident, module: ModuleId, extra: &[String]) {
        let mut names = self.visible_names(module);
        names.extend_from_slice(extra);
        let fallback = self
            .stdlib_home(&name.name)
            .unwrap_or_else(|| "declare it, or `use` the module that has it".to_string());
        let help = suggest::did_you_mean(&name.name, names.iter().map(String::as_str), &fallback);
        self.report(
            Diagnostic::new(
                Code::UnknownName,
                name.span,
                format!("unknown name `{}`", name.name),
            )
            .label("not declared")
            .help(help),
        );
    }

    /// An unknown name where an instance of `kind` is wanted: suggestions
    /// come from the instances of that kind only.
    pub(crate) fn unknown_instance(&mut self, name: &ast::Ident, kind: KindId) {
        let candidates: Vec<String> = self
            .user_scope
            .iter()
            .filter(|(_, d)| match d.kind {
                DeclKind::Instance(p) => self.pending[p]
                    .obj
                    .is_some_and(|o| self.world.extends(self.world.objects[o].kind, kind)),
                _ => false,
            })
            .map(|(n, _)| n.clone())
            .collect();
        let kind_name = self.world.kinds[kind].name.clone();
        let fallback = if candidates.is_empty() {
            format!("declare a {kind_name} named `{}`", name.name)
        } else {
            format!("the {kind_name}s are: {}", candidates.join(", "))
        };
        let help =
            suggest::did_you_mean(&name.name, candidates.iter().map(String::as_str), &fallback);
        self.report(
            Diagnostic::new(
                Code::UnknownName,
                name.span,
                format!("unknown {kind_name} `{}`", name.name),
            )
            .label("not declared")
            .help(help),
        );
    }

    /// "`redis` is in the stdlib module `components`: ..." for a name the
    /// file forgot to import.
    fn stdlib_home(&self, name: &str) -> Option<String> {
        let mut homes: Vec<(String, ModuleId)> = Vec::new();
        for (module, scope) in &self.module_scopes {
            if *module != self.loaded.prelude && scope.contains_key(name) {
                if let crate::resolve::modules::Origin::Stdlib(path) =
                    &self.loaded.modules[*module].origin
                {
                    homes.push((path.replace('/', "."), *module));
                }
            }
        }
        if homes.is_empty() {
            // Not loaded yet: look through every embedded module's text.
            for (path, text) in crate::embedded::stdlib_modules() {
                let declares = text.lines().any(|l| {
                    let mut words = l.split_whitespace();
                    matches!((words.next(), words.next()), (Some(_), Some(n)) if n.trim_end_matches([':', '{']) == name)
                });
                if path != crate::resolve::modules::PRELUDE && declares {
                    homes.push((path.replace('/', "."), 0));
                }
            }
        }
        homes.sort();
        let (path, _) = homes.first()?;
        Some(format!(
            "`{name}` is in the stdlib module `{path}`: add `use {path}.{{{name}}}`"
        ))
    }

    /// A kind that extends itself loses its parent, so that every later walk
    /// up a kind chain ends.
    fn break_kind_cycles(&mut self) {
        for start in 0..self.world.kinds.len() {
            let mut chain = vec![start];
            let mut current = start;
            while let Some(parent) = self.world.kinds[current].parent {
                if parent == start {
                    let names: Vec<String> = chain
                        .iter()
                        .chain([&start])
                        .map(|k| self.world.kinds[*k].name.clone())
                        .collect();
                    let kind = &self.world.kinds[start];
                    let span = kind
                        .ast
                        .parent
                        .as_ref()
                        .map(|p| p.span)
                        .unwrap_or(kind.span);
                    self.report(
                        Diagnostic::new(
                            Code::KindCycle,
                            span,
                            format!(
                                "kind `{}` extends itself: {}",
                                kind.name,
                                names.join(" -> ")
                            ),
                        )
                        .label("this parent leads back here")
                        .help("a kind extends a more general kind; remove one link of the chain"),
                    );
                    self.world.kinds[start].parent = None;
                    for k in chain {
                        self.world.kinds[k].broken = true;
                    }
                    break;
                }
                if chain.contains(&parent) {
                    break; // a cycle further up, reported from its own start
                }
                chain.push(parent);
                current = parent;
            }
        }
    }

    fn build_kind(&mut self, id: KindId, done: &mut Vec<bool>) {
        if done[id] {
            return;
        }
        done[id] = true;
        let mut fields = super::FxIndexMap::default();
        if let Some(parent) = self.world.kinds[id].parent {
            self.build_kind(parent, done);
            fields = self.world.kinds[parent].fields.clone();
        }
        let ast = self.world.kinds[id].ast.clone();
        let module = self.world.kinds[id].module;
        for decl in &ast.fields {
            if let Some(existing) = fields.get(&decl.name.name) {
                let first = existing.span;
                self.report(
                    Diagnostic::new(Code::FieldRedeclared, decl.name.span, format!("field `{}` is declared again", decl.name.name))
                        .label("declared again here")
                        .with_label(first, "first declared here")
                        .help("to change an inherited field's default write `name = value` without a type"),
                );
                continue;
            }
            let Some(ty) = self.resolve_type(&decl.ty, module) else {
                continue;
            };
            let defaults = decl
                .default
                .iter()
                .map(|value| {
                    let stmt = ast::Stmt {
                        field: decl.name.clone(),
                        key: None,
                        value: value.clone(),
                        span: decl.span,
                    };
                    (Arc::new(stmt), module)
                })
                .collect();
            fields.insert(
                decl.name.name.clone(),
                Arc::new(Field {
                    ty,
                    span: decl.name.span,
                    defaults,
                }),
            );
        }
        let broken = self.world.kinds[id].broken;
        for stmt in &ast.defaults {
            let Some(field) = fields.get_mut(&stmt.field.name) else {
                if broken {
                    continue;
                }
                let names: Vec<String> = fields.keys().cloned().collect();
                let help = suggest::did_you_mean(
                    &stmt.field.name,
                    names.iter().map(String::as_str),
                    "declare a new field with `name: type`",
                );
                self.report(
                    Diagnostic::new(
                        Code::UnknownField,
                        stmt.field.span,
                        format!(
                            "kind `{}` inherits no field `{}`",
                            ast.name.name, stmt.field.name
                        ),
                    )
                    .label("no such field")
                    .help(help),
                );
                continue;
            };
            let field = Arc::make_mut(field);
            if stmt.key.is_none() {
                field.defaults.clear();
            }
            field.defaults.push((stmt.clone(), module));
        }
        self.world.kinds[id].field_names = fields.keys().map(|k| Arc::from(k.as_str())).collect();
        self.world.kinds[id].fields = fields;
    }

    pub(crate) fn resolve_type(&mut self, ty: &ast::TypeExpr, module: ModuleId) -> Option<Ty> {
        let name = ty.name.text();
        let generic = matches!(name.as_str(), "list" | "map" | "range" | "ref");
        let base = match (name.as_str(), &ty.arg) {
            (_, Some(_)) if !generic => {
                self.report(
                    Diagnostic::new(
                        Code::UnknownType,
                        ty.span,
                        format!("`{name}` takes no type argument"),
                    )
                    .label("unexpected `[...]`")
                    .help("only list, map, range and ref take an argument"),
                );
                return None;
            }
            (_, None) if generic => {
                self.report(
                    Diagnostic::new(
                        Code::UnknownType,
                        ty.span,
                        format!("`{name}` needs a type argument"),
                    )
                    .label(format!("write `{name}[...]`"))
                    .help(format!(
                        "for example `{name}[{}]`",
                        if name == "ref" { "service" } else { "string" }
                    )),
                );
                return None;
            }
            ("list", Some(arg)) => Ty::List(Box::new(self.resolve_type(arg, module)?)),
            ("map", Some(arg)) => Ty::Map(Box::new(self.resolve_type(arg, module)?)),
            ("range", Some(arg)) => Ty::Range(Box::new(self.resolve_type(arg, module)?)),
            ("ref", Some(arg)) => match self.resolve_type(arg, module)? {
                Ty::Object(k) => Ty::Ref(k),
                _ => {
                    self.report(
                        Diagnostic::new(Code::UnknownType, arg.span, "`ref[...]` takes a kind")
                            .label("not a kind")
                            .help("for example `ref[service]`, `ref[node]`"),
                    );
                    return None;
                }
            },
            ("int", None) => Ty::Int,
            ("bool", None) => Ty::Bool,
            ("string", None) => Ty::Str,
            ("cpu", None) => Ty::Quantity(Dim::Cpu),
            ("memory" | "storage", None) => Ty::Quantity(Dim::Bytes),
            ("duration", None) => Ty::Quantity(Dim::Duration),
            ("percent", None) => Ty::Quantity(Dim::Percent),
            ("bandwidth", None) => Ty::Quantity(Dim::Bandwidth),
            ("money", None) => Ty::Quantity(Dim::Money),
            ("port", None) => Ty::Port,
            ("cron", None) => Ty::Cron,
            ("host", None) => Ty::Host,
            ("image", None) => Ty::Image,
            ("cidr", None) => Ty::Cidr,
            ("url", None) => Ty::Url,
            ("data", None) => Ty::Data,
            _ => match self.resolve_type_name(&ty.name, module)? {
                DeclKind::Kind(k) => Ty::Object(k),
                DeclKind::Enum(e) => Ty::Enum(e),
                other => {
                    self.report(
                        Diagnostic::new(
                            Code::UnknownType,
                            ty.name.span,
                            format!("`{name}` is {}, not a type", other.describe()),
                        )
                        .label("not a type")
                        .help("a type is a built-in type, a kind or an enum"),
                    );
                    return None;
                }
            },
        };
        Some(if ty.optional {
            Ty::Optional(Box::new(base))
        } else {
            base
        })
    }

    fn resolve_type_name(&mut self, path: &ast::Path, module: ModuleId) -> Option<DeclKind> {
        let first = &path.segments[0];
        if self.lookup(module, &first.name).is_none() {
            let mut names = self.visible_names(module);
            names.extend(BUILTIN_TYPES.iter().map(|s| s.to_string()));
            let help = suggest::did_you_mean(
                &first.name,
                names.iter().map(String::as_str),
                &format!("the built-in types are {}", BUILTIN_TYPES.join(", ")),
            );
            self.report(
                Diagnostic::new(
                    Code::UnknownType,
                    first.span,
                    format!("unknown type `{}`", path.text()),
                )
                .label("no such type")
                .help(help),
            );
            return None;
        }
        self.resolve_decl(path, module)
    }

    pub(crate) fn enum_id_of(&self, ty: &Ty) -> Option<EnumId> {
        match ty.inner() {
            Ty::Enum(e) => Some(*e),
            _ => None,
        }
    }
}

pub const BUILTIN_TYPES: &[&str] = &[
    "int",
    "bool",
    "string",
    "cpu",
    "memory",
    "storage",
    "duration",
    "percent",
    "bandwidth",
    "money",
    "port",
    "cron",
    "host",
    "image",
    "cidr",
    "url",
    "data",
    "list",
    "map",
    "range",
    "ref",
];
