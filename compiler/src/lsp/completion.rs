//! `textDocument/completion`: keywords and kinds where an item starts, the
//! fields of the kind whose body the cursor is in, and, after `field =`,
//! the names whose type fits the field (namespaces for `namespace =`, the
//! enum's values for `pod_security =`, a module's fitting members after
//! `oci.`).

use lsp_types::{CompletionItem, CompletionItemKind};

use super::context::{self, Context, Frame};
use super::index::Target;
use super::lookup::Scopes;
use super::project::Project;
use crate::resolve::modules::{ModuleId, Origin};
use crate::source::FileId;
use crate::types::ty::{KindId, Ty};
use crate::types::value::Value;
use crate::types::{DeclKind, Named};

const KEYWORDS: &[&str] = &["use", "kind", "enum", "let", "env"];

/// What the innermost open bracket holds.
#[derive(Clone, Debug)]
enum Scope {
    Top,
    /// The body of an instance, or a record, of this kind.
    Body(KindId),
    /// The body of `kind NAME`: new fields and defaults of inherited ones.
    KindBody(Option<KindId>),
    Env,
    /// `{ key = value }` of a map with values of this type.
    Map(Ty),
    List(Ty),
    /// `use module.{...}`.
    Imports(ModuleId),
    Unknown,
}

pub fn completion(project: &Project, file: FileId, offset: usize) -> Vec<CompletionItem> {
    let context = context::at(project.text(file), offset);
    if context.in_literal {
        return Vec::new();
    }
    let completer = Completer {
        scopes: Scopes::new(&project.compilation),
        module: Scopes::new(&project.compilation).module_of(file),
    };
    completer.complete(&context)
}

struct Completer<'c> {
    scopes: Scopes<'c>,
    /// The module of the document: where names are looked up from.
    module: Option<ModuleId>,
}

impl Completer<'_> {
    fn complete(&self, context: &Context) -> Vec<CompletionItem> {
        let scope = context
            .frames
            .iter()
            .fold(Scope::Top, |scope, frame| self.enter(&scope, frame));
        let statement = context.statement.as_str();
        let word = context::word_before(statement);
        let before = statement[..statement.len() - word.len()].trim();
        let assigned = context::assignment(statement);
        match (&scope, before, &assigned) {
            (Scope::Top, "", _) => self.item_starts(),
            (Scope::Top, "use", _) => self.modules(),
            (Scope::Top, _, Some((names, _))) if names.first() == Some(&"let") => {
                self.values(None, word)
            }
            (Scope::Body(k) | Scope::KindBody(Some(k)), "", _) => self.fields(*k),
            (Scope::Body(k), _, Some((names, _))) => {
                self.values(self.field_ty(*k, names).as_ref(), word)
            }
            (Scope::Env, "", _) if !word.contains('.') => self.env_starts(),
            (Scope::Env, "", _) => self.instance_fields(word),
            (Scope::Env, _, Some((names, _))) => {
                self.values(self.override_ty(names).as_ref(), word)
            }
            (Scope::Map(t), _, Some(_)) => self.values(Some(t), word),
            (Scope::List(t), "", _) => self.values(Some(t), word),
            (Scope::Imports(m), _, _) => self.members(*m, None),
            _ => Vec::new(),
        }
    }

    /// The scope inside a bracket, from the scope around it.
    fn enter(&self, scope: &Scope, frame: &Frame) -> Scope {
        let header = frame.header.as_str();
        let words: Vec<&str> = header.split_whitespace().collect();
        let assigned = context::assignment(header);
        match (scope, frame.open, words.as_slice(), &assigned) {
            (Scope::Top, '{', ["kind", name, ..], _) => {
                let name = name.trim_end_matches(':');
                Scope::KindBody(self.kind_named(name))
            }
            (Scope::Top, '{', ["env", ..], _) => Scope::Env,
            (Scope::Top, '{', ["use", path], _) => self
                .module_at(path.trim_end_matches('.'))
                .map_or(Scope::Unknown, Scope::Imports),
            (Scope::Top, _, ["let", ..], Some((_, rest))) => {
                self.value_scope(rest, None, frame.open)
            }
            (Scope::Top | Scope::Env, '{', [kind, _name], None) => {
                self.kind_at(kind).map_or(Scope::Unknown, Scope::Body)
            }
            (Scope::Body(k), _, _, Some((names, rest))) => {
                self.value_scope(rest, self.field_ty(*k, names), frame.open)
            }
            (Scope::Env, _, _, Some((names, rest))) => {
                self.value_scope(rest, self.override_ty(names), frame.open)
            }
            (Scope::Map(t), _, _, Some((_, rest))) => {
                self.value_scope(rest, Some(t.clone()), frame.open)
            }
            (Scope::List(t), _, _, None) => self.value_scope(header, Some(t.clone()), frame.open),
            _ => Scope::Unknown,
        }
    }

    /// The scope a bracket opens when it starts (or follows a kind name
    /// in) a value of type `ty`.
    fn value_scope(&self, rest: &str, ty: Option<Ty>, open: char) -> Scope {
        let inner = ty.as_ref().map(Ty::inner);
        match (rest.trim(), open, inner) {
            ("", '{', Some(Ty::Object(k) | Ty::Ref(k))) => Scope::Body(*k),
            ("", '{', Some(Ty::Map(t))) => Scope::Map(t.as_ref().clone()),
            ("", '[', Some(Ty::List(t))) => Scope::List(t.as_ref().clone()),
            (path, '{', _) if !path.is_empty() => {
                self.kind_at(path).map_or(Scope::Unknown, Scope::Body)
            }
            _ => Scope::Unknown,
        }
    }

    fn kind_named(&self, name: &str) -> Option<KindId> {
        match self.scopes.lookup(self.module, name)?.kind {
            DeclKind::Kind(k) => Some(k),
            _ => None,
        }
    }

    /// What a dotted path names: `oci.a1_flex`, `health_api`.
    fn resolve(&self, path: &str) -> Option<Target> {
        let mut segments = path.split('.');
        let mut target = self
            .scopes
            .target(self.scopes.lookup(self.module, segments.next()?)?)?;
        for segment in segments {
            target = match target {
                Target::Module(m) => self.scopes.target(self.scopes.lookup_in(m, segment)?)?,
                _ => return None,
            };
        }
        Some(target)
    }

    fn kind_at(&self, path: &str) -> Option<KindId> {
        match self.resolve(path)? {
            Target::Kind(k) => Some(k),
            _ => None,
        }
    }

    /// The module a `use` path loaded: `components`, `clouds.aws`.
    fn module_at(&self, path: &str) -> Option<ModuleId> {
        let wanted = path.replace('.', "/");
        self.scopes
            .compilation
            .modules
            .iter()
            .position(|m| matches!(&m.origin, Origin::Stdlib(name) if *name == wanted))
    }

    /// The type of `field` or `field key` in kind `k`.
    fn field_ty(&self, k: KindId, names: &[&str]) -> Option<Ty> {
        let ty = &self
            .scopes
            .world()
            .kinds
            .get(k)?
            .fields
            .get(*names.first()?)?
            .ty;
        match (names.len(), ty.inner()) {
            (1, _) => Some(ty.clone()),
            (_, Ty::Map(item)) => Some(item.as_ref().clone()),
            _ => None,
        }
    }

    /// The type of `instance.field` (or `instance.field key`) in an env.
    fn override_ty(&self, names: &[&str]) -> Option<Ty> {
        let (instance, field) = names.first()?.split_once('.')?;
        let Target::Instance(obj) = self.resolve(instance)? else {
            return None;
        };
        let kind = self.scopes.world().objects.get(obj)?.kind;
        let mut names = names.to_vec();
        names[0] = field;
        self.field_ty(kind, &names)
    }

    fn item_starts(&self) -> Vec<CompletionItem> {
        let mut items: Vec<CompletionItem> = KEYWORDS
            .iter()
            .map(|k| item(k, CompletionItemKind::KEYWORD, "keyword"))
            .collect();
        items.extend(
            self.env_starts()
                .into_iter()
                .filter(|i| i.kind == Some(CompletionItemKind::CLASS)),
        );
        items
    }

    /// In an env block: the instances it may override, and the kinds of
    /// the instances it may add.
    fn env_starts(&self) -> Vec<CompletionItem> {
        let mut items = Vec::new();
        for scope in self.scopes.visible(self.module) {
            for (name, named) in scope {
                match named.kind {
                    DeclKind::Kind(_) => items.push(item(name, CompletionItemKind::CLASS, "kind")),
                    DeclKind::Instance(_) => items.push(self.named_item(name, named)),
                    _ => {}
                }
            }
        }
        dedup(items)
    }

    fn fields(&self, k: KindId) -> Vec<CompletionItem> {
        let world = self.scopes.world();
        let Some(kind) = world.kinds.get(k) else {
            return Vec::new();
        };
        kind.fields
            .iter()
            .map(|(name, field)| {
                let required = if field.is_required() {
                    " (required)"
                } else {
                    ""
                };
                item(
                    name,
                    CompletionItemKind::FIELD,
                    &format!("{}{required}", world.show_ty(&field.ty)),
                )
            })
            .collect()
    }

    /// After `instance.` in an env: that instance's fields.
    fn instance_fields(&self, word: &str) -> Vec<CompletionItem> {
        let instance = word.split('.').next().unwrap_or_default();
        match self.resolve(instance) {
            Some(Target::Instance(obj)) => self.fields(self.scopes.world().objects[obj].kind),
            _ => Vec::new(),
        }
    }

    fn modules(&self) -> Vec<CompletionItem> {
        let stdlib = crate::embedded::stdlib_modules()
            .map(|(name, _)| name)
            .filter(|n| *n != crate::resolve::modules::PRELUDE);
        stdlib
            .map(|name| {
                item(
                    &name.replace('/', "."),
                    CompletionItemKind::MODULE,
                    "stdlib module",
                )
            })
            .collect()
    }

    /// Names that fit a value of type `ty` (any name when it is unknown);
    /// after `prefix.`, the fitting members of what the prefix names.
    fn values(&self, ty: Option<&Ty>, word: &str) -> Vec<CompletionItem> {
        if let Some((prefix, _)) = word.rsplit_once('.') {
            return match self.resolve(prefix) {
                Some(Target::Module(m)) => self.members(m, ty),
                Some(Target::Enum(e)) => self.variants(e),
                Some(Target::Instance(obj)) => self.fields(self.scopes.world().objects[obj].kind),
                _ => Vec::new(),
            };
        }
        let mut items = match ty.map(Ty::inner) {
            Some(Ty::Enum(e)) => self.variants(*e),
            Some(Ty::Bool) => ["true", "false"]
                .iter()
                .map(|b| item(b, CompletionItemKind::KEYWORD, "bool"))
                .collect(),
            Some(Ty::Ref(_) | Ty::Object(_)) | None => {
                let scopes = self.scopes.visible(self.module);
                let names = scopes
                    .iter()
                    .flat_map(|s| s.iter())
                    .filter(|(_, n)| self.fits(n, ty, true));
                dedup(
                    names
                        .map(|(name, named)| self.named_item(name, named))
                        .collect(),
                )
            }
            Some(_) => Vec::new(),
        };
        if ty.is_some_and(Ty::is_optional) {
            items.push(item("none", CompletionItemKind::KEYWORD, "leave it unset"));
        }
        items
    }

    fn variants(&self, e: usize) -> Vec<CompletionItem> {
        let Some(info) = self.scopes.world().enums.get(e) else {
            return Vec::new();
        };
        info.variants
            .iter()
            .map(|v| item(v, CompletionItemKind::ENUM_MEMBER, &info.name))
            .collect()
    }

    /// A module's members that fit `ty` (all of them when it is unknown).
    fn members(&self, m: ModuleId, ty: Option<&Ty>) -> Vec<CompletionItem> {
        let Some(scope) = self.scopes.scope_of(m) else {
            return Vec::new();
        };
        scope
            .iter()
            .filter(|(_, n)| self.fits(n, ty, false))
            .map(|(name, named)| self.named_item(name, named))
            .collect()
    }

    /// Whether a name can stand where a value of `ty` goes: an instance or
    /// a constant of the kind (or one extending it), a kind to build a
    /// record of, or (`through_modules`) a module with such a member.
    fn fits(&self, named: &Named, ty: Option<&Ty>, through_modules: bool) -> bool {
        let world = self.scopes.world();
        let Some(ty) = ty.map(Ty::inner) else {
            return !matches!(named.kind, DeclKind::Missing);
        };
        let (Ty::Ref(want) | Ty::Object(want)) = ty else {
            return false;
        };
        match (self.scopes.target(named), ty) {
            (Some(Target::Instance(obj)), _) => world.extends(world.objects[obj].kind, *want),
            (Some(Target::Let(l)), _) => {
                match world.names.lets.get(l).and_then(|l| l.value.as_ref()) {
                    Some(Value::Object(obj)) => world.extends(world.objects[*obj].kind, *want),
                    _ => false,
                }
            }
            (Some(Target::Kind(k)), Ty::Object(_)) => world.extends(k, *want),
            (Some(Target::Module(m)), _) if through_modules => self
                .scopes
                .scope_of(m)
                .is_some_and(|s| s.values().any(|n| self.fits(n, Some(ty), false))),
            _ => false,
        }
    }

    fn named_item(&self, name: &str, named: &Named) -> CompletionItem {
        let world = self.scopes.world();
        match self.scopes.target(named) {
            Some(Target::Instance(obj)) => item(
                name,
                CompletionItemKind::VALUE,
                &world.kinds[world.objects[obj].kind].name,
            ),
            Some(Target::Let(_)) => item(name, CompletionItemKind::CONSTANT, "constant"),
            Some(Target::Kind(_)) => item(name, CompletionItemKind::CLASS, "kind"),
            Some(Target::Enum(_)) => item(name, CompletionItemKind::ENUM, "enum"),
            Some(Target::Module(_)) => item(name, CompletionItemKind::MODULE, "module"),
            _ => item(name, CompletionItemKind::TEXT, named.kind.describe()),
        }
    }
}

fn item(label: &str, kind: CompletionItemKind, detail: &str) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail: Some(detail.to_string()),
        ..Default::default()
    }
}

/// The first of each label: a nearer scope hides a farther one.
fn dedup(items: Vec<CompletionItem>) -> Vec<CompletionItem> {
    let mut seen = std::collections::HashSet::new();
    items
        .into_iter()
        .filter(|i| seen.insert(i.label.clone()))
        .collect()
}
