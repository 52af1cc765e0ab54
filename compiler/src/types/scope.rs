//! Declaring names and looking them up.
//!
//! The platform's own files share one namespace; each stdlib module has its
//! own. A name is looked up in the importing file's `use` items, then in its
//! module's namespace, then in the prelude.

use std::cell::Cell;

use indexmap::IndexMap;

use super::kinds::{EnumInfo, KindInfo};
use super::ty::{EnumId, KindId};
use super::value::ObjId;
use super::{Checker, Let};
use crate::diagnostics::{Code, Diagnostic};
use crate::resolve::modules::{ModuleId, Origin};
use crate::resolve::suggest;
use crate::source::Span;
use crate::syntax::ast;

#[derive(Clone, Debug)]
pub struct Decl {
    pub kind: DeclKind,
    /// The declared name.
    pub span: Span,
    pub module: ModuleId,
    pub used: std::rc::Rc<Cell<bool>>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum DeclKind {
    Kind(KindId),
    Enum(EnumId),
    Let(usize),
    /// A named instance; its object is created once kinds are known.
    Instance(usize),
    Module(ModuleId),
}

impl DeclKind {
    pub fn describe(&self) -> &'static str {
        match self {
            DeclKind::Kind(_) => "kind",
            DeclKind::Enum(_) => "enum",
            DeclKind::Let(_) => "constant",
            DeclKind::Instance(_) => "instance",
            DeclKind::Module(_) => "module",
        }
    }
}

/// An instance before its kind is resolved.
#[derive(Clone, Debug)]
pub(crate) struct PendingInstance {
    pub ast: ast::Instance,
    pub module: ModuleId,
    pub obj: Option<ObjId>,
}

impl Checker<'_> {
    fn scope_mut(&mut self, module: ModuleId) -> &mut IndexMap<String, Decl> {
        if self.is_user(module) {
            &mut self.user_scope
        } else {
            self.module_scopes.entry(module).or_default()
        }
    }

    /// Adds a name; a second declaration of it is an error at the second.
    pub(crate) fn declare(&mut self, name: &ast::Ident, kind: DeclKind, module: ModuleId) -> bool {
        let decl = Decl { kind, span: name.span, module, used: Default::default() };
        if let Some(first) = self.scope_mut(module).get(&name.name).cloned() {
            self.report(
                Diagnostic::new(Code::Duplicate, name.span, format!("`{}` is declared twice", name.name))
                    .label(format!("second declaration of `{}`", name.name))
                    .with_label(first.span, format!("first declared here as a {}", first.kind.describe()))
                    .help("rename one of them, or remove the duplicate"),
            );
            return false;
        }
        self.scope_mut(module).insert(name.name.clone(), decl);
        true
    }

    /// Declares every kind, enum, let, instance and env of every module.
    pub(crate) fn declare_all(&mut self) {
        let loaded = self.loaded;
        for (module, loaded_module) in loaded.modules.iter().enumerate() {
            for item in &loaded_module.ast.items {
                match item {
                    ast::Item::Kind(k) => {
                        let id = self.world.kinds.len();
                        self.world.kinds.push(KindInfo::new(k, module, module == loaded.prelude));
                        self.declare(&k.name, DeclKind::Kind(id), module);
                    }
                    ast::Item::Enum(e) => {
                        let id = self.world.enums.len();
                        self.world.enums.push(EnumInfo::new(e, module));
                        self.declare(&e.name, DeclKind::Enum(id), module);
                        self.check_variants(e);
                    }
                    ast::Item::Let(l) => {
                        let id = self.lets.len();
                        self.lets.push(Let { decl: l.clone(), module, slot: super::value::Slot::Pending });
                        self.declare(&l.name, DeclKind::Let(id), module);
                    }
                    ast::Item::Instance(i) => {
                        let id = self.pending.len();
                        self.pending.push(PendingInstance { ast: i.clone(), module, obj: None });
                        self.declare(&i.name, DeclKind::Instance(id), module);
                    }
                    ast::Item::Env(e) => {
                        if let Some((_, first)) = self.envs.get(&e.name.name) {
                            let first = first.name.span;
                            self.report(
                                Diagnostic::new(Code::Duplicate, e.name.span, format!("environment `{}` is declared twice", e.name.name))
                                    .label("second declaration")
                                    .with_label(first, "first declared here")
                                    .help("merge the two into one `env` block"),
                            );
                        } else {
                            self.envs.insert(e.name.name.clone(), (module, e.clone()));
                        }
                    }
                    ast::Item::Use(_) => {}
                }
            }
        }
    }

    fn check_variants(&mut self, e: &ast::EnumDecl) {
        for (i, v) in e.variants.iter().enumerate() {
            if let Some(first) = e.variants[..i].iter().find(|f| f.name == v.name) {
                self.report(
                    Diagnostic::new(Code::Duplicate, v.span, format!("`{}` is listed twice in enum `{}`", v.name, e.name.name))
                        .label("listed again")
                        .with_label(first.span, "first listed here")
                        .help("remove the second one"),
                );
            }
        }
    }

    /// Binds what each `use` brings in: a module alias (`use oci`) or the
    /// named items (`use components.{postgres}`).
    pub(crate) fn resolve_imports(&mut self) {
        let loaded = self.loaded;
        for (module, loaded_module) in loaded.modules.iter().enumerate() {
            let uses = loaded_module.ast.items.iter().filter_map(|i| match i {
                ast::Item::Use(u) => Some(u),
                _ => None,
            });
            for (index, item) in uses.enumerate() {
                let Some(target) = loaded_module.uses[index] else { continue };
                // A local module's declarations are already in the shared
                // namespace: the `use` only adds its file to the platform.
                if loaded.modules[target].origin == Origin::User && loaded_module.origin == Origin::User {
                    continue;
                }
                if item.imports.is_empty() {
                    let alias = item.path.segments.last().expect("use path has a segment");
                    self.import(module, alias, DeclKind::Module(target));
                } else {
                    for name in &item.imports {
                        let found = self.module_scopes.get(&target).and_then(|s| s.get(&name.name)).cloned();
                        match found {
                            Some(decl) => self.import(module, name, decl.kind),
                            None => {
                                let names: Vec<String> =
                                    self.module_scopes.get(&target).map(|s| s.keys().cloned().collect()).unwrap_or_default();
                                let help = suggest::did_you_mean(
                                    &name.name,
                                    names.iter().map(String::as_str),
                                    &format!("module `{}` declares: {}", item.path.text(), names.join(", ")),
                                );
                                self.report(
                                    Diagnostic::new(
                                        Code::ImportNotFound,
                                        name.span,
                                        format!("module `{}` has no `{}`", item.path.text(), name.name),
                                    )
                                    .label("not declared in that module")
                                    .help(help),
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    fn import(&mut self, module: ModuleId, name: &ast::Ident, kind: DeclKind) {
        let imports = self.imports.entry(module).or_default();
        if let Some(first) = imports.get(&name.name) {
            let first = first.span;
            self.report(
                Diagnostic::new(Code::Duplicate, name.span, format!("`{}` is imported twice", name.name))
                    .label("imported again")
                    .with_label(first, "first imported here")
                    .help("remove one of the `use` lines"),
            );
            return;
        }
        imports.insert(name.name.clone(), Decl { kind, span: name.span, module, used: Default::default() });
    }

    /// Looks a name up as seen from `module`, marking it used.
    pub(crate) fn lookup(&self, module: ModuleId, name: &str) -> Option<Decl> {
        let found = self
            .imports
            .get(&module)
            .and_then(|i| i.get(name))
            .or_else(|| self.scope_of(module).and_then(|s| s.get(name)))
            .or_else(|| self.module_scopes.get(&self.loaded.prelude).and_then(|s| s.get(name)))
            .cloned();
        if let Some(decl) = &found {
            decl.used.set(true);
        }
        found
    }

    /// A member of a module reached through an alias: `oci.a1_flex`.
    pub(crate) fn lookup_in(&self, target: ModuleId, name: &str) -> Option<Decl> {
        let found = self.scope_of(target).and_then(|s| s.get(name)).cloned();
        if let Some(decl) = &found {
            decl.used.set(true);
        }
        found
    }

    pub(crate) fn scope_of(&self, module: ModuleId) -> Option<&IndexMap<String, Decl>> {
        if self.is_user(module) {
            Some(&self.user_scope)
        } else {
            self.module_scopes.get(&module)
        }
    }

    /// Every name visible from `module`, for "did you mean".
    pub(crate) fn visible_names(&self, module: ModuleId) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for scope in [self.imports.get(&module), self.scope_of(module), self.module_scopes.get(&self.loaded.prelude)]
            .into_iter()
            .flatten()
        {
            names.extend(scope.keys().cloned());
        }
        names
    }
}
