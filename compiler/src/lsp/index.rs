//! What is where: every name in the loaded sources that means something,
//! with what it means. Built once per compilation by walking the syntax
//! trees with the scopes and objects the checker left, so that hover, go to
//! definition and completion agree with the compiler about every name.

use std::collections::HashMap;

use super::lookup::Scopes;
pub use super::target::Target;
use crate::resolve::modules::ModuleId;
use crate::source::{FileId, Span};
use crate::syntax::ast::{self, Expr, ExprKind, StrPart};
use crate::types::ty::{EnumId, KindId, Ty};
use crate::types::value::{ObjId, Value};
use crate::Compilation;

/// One name in the source and what it means.
#[derive(Clone, Debug)]
pub struct Occurrence {
    pub span: Span,
    pub target: Target,
    /// For a field: the object whose field is set or read here.
    pub owner: Option<ObjId>,
}

#[derive(Debug, Default)]
pub struct Index {
    /// Sorted by file and position.
    occurrences: Vec<Occurrence>,
}

impl Index {
    pub fn build(compilation: &Compilation) -> Index {
        let world = &compilation.world;
        let mut walker = Walker {
            scopes: Scopes::new(compilation),
            records: HashMap::new(),
            named: HashMap::new(),
            out: Vec::new(),
        };
        for (id, object) in world.objects.iter().enumerate() {
            let by_span = if object.name.is_some() {
                &mut walker.named
            } else {
                &mut walker.records
            };
            by_span.entry(object.name_span).or_insert(id);
        }
        for (module, loaded) in compilation.modules.iter().enumerate() {
            // `uses` holds what each `use` item loaded, in order.
            let mut uses = loaded.uses.iter().copied();
            for item in &loaded.ast.items {
                match item {
                    ast::Item::Use(u) => walker.use_item(u, uses.next().flatten()),
                    other => walker.item(other, module),
                }
            }
        }
        let mut occurrences = walker.out;
        occurrences.sort_by_key(|o| (o.span.file, o.span.start, o.span.end));
        Index { occurrences }
    }

    /// The innermost name at a byte offset; a cursor just after a name is
    /// still on it.
    pub fn at(&self, file: FileId, offset: u32) -> Option<&Occurrence> {
        // The file's occurrences that start at or before the offset, found
        // in the sorted list rather than by a scan of every file's.
        let from = self.occurrences.partition_point(|o| o.span.file < file);
        let to = self
            .occurrences
            .partition_point(|o| (o.span.file, o.span.start) <= (file, offset));
        self.occurrences[from..to]
            .iter()
            .filter(|o| offset <= o.span.end)
            .min_by_key(|o| o.span.len())
    }

    /// Every occurrence of a target.
    pub fn occurrences_of<'a>(
        &'a self,
        target: &'a Target,
    ) -> impl Iterator<Item = &'a Occurrence> + 'a {
        self.occurrences.iter().filter(move |o| &o.target == target)
    }
}

/// Where a target is declared.
pub fn declaration(compilation: &Compilation, target: &Target) -> Option<Span> {
    let world = &compilation.world;
    match target {
        Target::Kind(k) => world.kinds.get(*k).map(|k| k.span),
        Target::Enum(e) => enum_decl(compilation, *e).map(|d| d.name.span),
        Target::Variant(e, name) => enum_decl(compilation, *e)?
            .variants
            .iter()
            .find(|v| &v.name == name)
            .map(|v| v.span),
        Target::Let(l) => world.names.lets.get(*l).map(|l| l.span),
        Target::Instance(o) => world.objects.get(*o).map(|o| o.name_span),
        Target::Module(m) => compilation.modules.get(*m).map(|m| Span::new(m.file, 0, 0)),
        Target::Field(k, name) => world.kinds.get(*k)?.fields.get(name).map(|f| f.span),
    }
}

fn enum_decl(compilation: &Compilation, e: EnumId) -> Option<&ast::EnumDecl> {
    let info = compilation.world.enums.get(e)?;
    compilation
        .modules
        .get(info.module)?
        .ast
        .items
        .iter()
        .find_map(|item| match item {
            ast::Item::Enum(decl) if decl.name.name == info.name => Some(decl),
            _ => None,
        })
}

struct Walker<'c> {
    scopes: Scopes<'c>,
    /// Records built in place, by the span of their expression.
    records: HashMap<Span, ObjId>,
    /// Named instances, by the span of their name.
    named: HashMap<Span, ObjId>,
    out: Vec<Occurrence>,
}

impl<'c> Walker<'c> {
    fn push(&mut self, span: Span, target: Target, owner: Option<ObjId>) {
        self.out.push(Occurrence {
            span,
            target,
            owner,
        });
    }

    fn item(&mut self, item: &ast::Item, module: ModuleId) {
        let world = self.scopes.world();
        match item {
            ast::Item::Use(_) => {}
            ast::Item::Enum(e) => {
                let Some(id) = world
                    .enums
                    .iter()
                    .position(|i| i.module == module && i.name == e.name.name)
                else {
                    return;
                };
                self.push(e.name.span, Target::Enum(id), None);
                for v in &e.variants {
                    self.push(v.span, Target::Variant(id, v.name.clone()), None);
                }
            }
            ast::Item::Kind(k) => self.kind(k, module),
            ast::Item::Let(l) => {
                if let Some(id) = world
                    .names
                    .lets
                    .iter()
                    .position(|info| info.span == l.name.span)
                {
                    self.push(l.name.span, Target::Let(id), None);
                }
                self.expr(&l.value, None, module);
            }
            ast::Item::Instance(i) => self.instance(i, module),
            ast::Item::Env(e) => {
                for o in &e.overrides {
                    self.override_(o, module);
                }
                for i in &e.instances {
                    self.instance(i, module);
                }
            }
        }
    }

    fn use_item(&mut self, u: &ast::Use, target: Option<ModuleId>) {
        let Some(target) = target else { return };
        self.push(u.path.span, Target::Module(target), None);
        for name in &u.imports {
            if let Some(t) = self
                .scopes
                .lookup_in(target, &name.name)
                .and_then(|n| self.scopes.target(n))
            {
                self.push(name.span, t, None);
            }
        }
    }

    fn kind(&mut self, k: &ast::KindDecl, module: ModuleId) {
        let world = self.scopes.world();
        let Some(id) = world.kinds.iter().position(|info| info.span == k.name.span) else {
            return;
        };
        self.push(k.name.span, Target::Kind(id), None);
        if let Some(parent) = &k.parent {
            self.path(parent, None, module);
        }
        for field in &k.fields {
            self.push(
                field.name.span,
                Target::Field(id, field.name.name.clone()),
                None,
            );
            self.type_expr(&field.ty, module);
            let ty = world.kinds[id].fields.get(&field.name.name).map(|f| &f.ty);
            if let Some(default) = &field.default {
                self.expr(default, ty, module);
            }
        }
        self.stmts(&k.defaults, Some(id), None, module);
    }

    fn type_expr(&mut self, ty: &ast::TypeExpr, module: ModuleId) {
        self.path(&ty.name, None, module);
        if let Some(arg) = &ty.arg {
            self.type_expr(arg, module);
        }
    }

    fn instance(&mut self, i: &ast::Instance, module: ModuleId) {
        self.path(&i.kind, None, module);
        let kind = self.kind_of_path(&i.kind, module);
        let object = self.named.get(&i.name.span).copied();
        if let Some(obj) = object {
            self.push(i.name.span, Target::Instance(obj), None);
        }
        self.stmts(&i.body, kind, object, module);
    }

    /// The kind a path names, if it names one.
    fn kind_of_path(&self, path: &ast::Path, module: ModuleId) -> Option<KindId> {
        let first = path.segments.first()?;
        let mut named = self.scopes.lookup(Some(module), &first.name)?;
        if let (crate::types::DeclKind::Module(m), Some(member)) =
            (&named.kind, path.segments.get(1))
        {
            named = self.scopes.lookup_in(*m, &member.name)?;
        }
        match named.kind {
            crate::types::DeclKind::Kind(k) => Some(k),
            _ => None,
        }
    }

    fn override_(&mut self, o: &ast::Override, module: ModuleId) {
        let [target, field] = o.target.segments.as_slice() else {
            return;
        };
        let Some(Target::Instance(obj)) = self
            .scopes
            .lookup(Some(module), &target.name)
            .and_then(|n| self.scopes.target(n))
        else {
            return;
        };
        self.push(target.span, Target::Instance(obj), None);
        let kind = self.scopes.world().objects[obj].kind;
        let ty = self.field_ty(kind, &field.name, o.key.is_some());
        if ty.is_some() {
            self.push(
                field.span,
                Target::Field(kind, field.name.clone()),
                Some(obj),
            );
        }
        self.expr(&o.value, ty.as_ref(), module);
    }

    /// The type a statement's value must have: the field's, or its map's
    /// item type for a keyed entry.
    fn field_ty(&self, kind: KindId, field: &str, keyed: bool) -> Option<Ty> {
        let ty = &self.scopes.world().kinds.get(kind)?.fields.get(field)?.ty;
        match (keyed, ty.inner()) {
            (true, Ty::Map(item)) => Some(item.as_ref().clone()),
            (true, _) => None,
            (false, _) => Some(ty.clone()),
        }
    }

    fn stmts(
        &mut self,
        stmts: &[std::sync::Arc<ast::Stmt>],
        kind: Option<KindId>,
        owner: Option<ObjId>,
        module: ModuleId,
    ) {
        for stmt in stmts {
            let ty = kind.and_then(|k| self.field_ty(k, &stmt.field.name, stmt.key.is_some()));
            if let (Some(k), Some(_)) = (kind, &ty) {
                self.push(
                    stmt.field.span,
                    Target::Field(k, stmt.field.name.clone()),
                    owner,
                );
            }
            self.expr(&stmt.value, ty.as_ref(), module);
        }
    }

    fn expr(&mut self, expr: &Expr, ty: Option<&Ty>, module: ModuleId) {
        let inner = ty.map(Ty::inner);
        match &expr.kind {
            ExprKind::Number { .. } | ExprKind::Bool(_) => {}
            ExprKind::Str(parts) => {
                for part in parts {
                    if let StrPart::Interp(e) = part {
                        self.expr(e, None, module);
                    }
                }
            }
            ExprKind::List(items) => {
                let item = match inner {
                    Some(Ty::List(t)) => Some(t.as_ref()),
                    _ => None,
                };
                for e in items {
                    self.expr(e, item, module);
                }
            }
            ExprKind::Record(stmts) => match inner {
                Some(Ty::Object(k) | Ty::Ref(k)) => {
                    let owner = self.records.get(&expr.span).copied();
                    self.stmts(stmts, Some(*k), owner, module);
                }
                Some(Ty::Map(item)) => {
                    for stmt in stmts {
                        self.expr(&stmt.value, Some(item), module);
                    }
                }
                _ => self.stmts(stmts, None, None, module),
            },
            ExprKind::Construct(path, stmts) => {
                self.path(path, None, module);
                let kind = self.kind_of_path(path, module);
                let owner = self.records.get(&expr.span).copied();
                self.stmts(stmts, kind, owner, module);
            }
            ExprKind::Path(path) => {
                self.path(path, inner, module);
            }
            ExprKind::Paren(e) => self.expr(e, ty, module),
            ExprKind::Range(low, high) => {
                let item = match inner {
                    Some(Ty::Range(t)) => Some(t.as_ref()),
                    other => other,
                };
                self.expr(low, item, module);
                self.expr(high, item, module);
            }
            ExprKind::Arith(first, rest) => {
                let item = match inner {
                    Some(Ty::Range(t)) => Some(t.as_ref()),
                    other => other,
                };
                self.expr(first, item, module);
                for (_, e) in rest {
                    self.expr(e, item, module);
                }
            }
        }
    }

    /// Records what each segment of a path means, as `eval.rs` reads it:
    /// `name`, `module.name`, `enum.variant`, `instance.field.field`,
    /// `platform.field`, or a bare variant where an enum is expected.
    /// Returns the value the path ends at, when it is known.
    fn path(&mut self, path: &ast::Path, ty: Option<&Ty>, module: ModuleId) -> Option<Value> {
        let world = self.scopes.world();
        let first = path.segments.first()?;
        if let (Some(Ty::Enum(e)), [_]) = (ty, path.segments.as_slice()) {
            if world
                .enums
                .get(*e)
                .is_some_and(|info| info.variants.contains(&first.name))
            {
                self.push(first.span, Target::Variant(*e, first.name.clone()), None);
                return None;
            }
        }
        let mut rest = &path.segments[1..];
        let mut target = match self.scopes.lookup(Some(module), &first.name) {
            Some(named) => self.scopes.target(named)?,
            None if first.name == "platform" => Target::Kind(world.kind_named("platform")?),
            None => return None,
        };
        // `platform.field` reads the platform instance, not the kind.
        if let (Target::Kind(k), false) = (&target, rest.is_empty()) {
            if world.kinds[*k].builtin && first.name == "platform" {
                let platform = world.platform?;
                self.push(first.span, Target::Instance(platform), None);
                return self.members(platform, rest);
            }
        }
        self.push(first.span, target.clone(), None);
        if let (Target::Module(m), Some(member)) = (&target, rest.first()) {
            target = self
                .scopes
                .lookup_in(*m, &member.name)
                .and_then(|n| self.scopes.target(n))?;
            self.push(member.span, target.clone(), None);
            rest = &rest[1..];
        }
        match target {
            Target::Enum(e) => {
                let variant = rest.first()?;
                self.push(variant.span, Target::Variant(e, variant.name.clone()), None);
                None
            }
            Target::Instance(obj) => self.members(obj, rest),
            Target::Let(l) => match &world.names.lets.get(l)?.value {
                Some(Value::Object(obj)) => self.members(*obj, rest),
                other => other.clone(),
            },
            _ => None,
        }
    }

    /// `obj.a.b`: each member a field of the object before it.
    fn members(&mut self, mut obj: ObjId, rest: &[ast::Ident]) -> Option<Value> {
        let world = self.scopes.world();
        let mut value = Value::Object(obj);
        for member in rest {
            let kind = world.objects.get(obj)?.kind;
            world.kinds[kind].fields.get(&member.name)?;
            self.push(
                member.span,
                Target::Field(kind, member.name.clone()),
                Some(obj),
            );
            value = world.get(obj, &member.name).clone();
            match value {
                Value::Object(next) => obj = next,
                _ => break,
            }
        }
        Some(value)
    }
}
