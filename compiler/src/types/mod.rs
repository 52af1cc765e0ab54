//! Names, kinds, types and values: everything between the syntax tree and
//! the platform model. One [`Checker`] walks the loaded modules:
//!
//! 1. `scope.rs` declares every name and resolves `use` imports;
//! 2. `kinds.rs` builds the kinds (fields, types, defaults) and enums;
//! 3. `env.rs` applies the selected environment's overlay;
//! 4. `eval.rs` and `coerce.rs` evaluate every field of every instance
//!    against its type, lazily, so that values may refer to each other;
//! 5. `unused.rs` warns about what nothing used.
//!
//! The result is a [`World`]: typed, evaluated objects ready for lowering
//! into the platform model.

mod coerce;
mod decl;
mod env;
mod eval;
mod kinds;
pub mod names;
mod scope;
pub mod ty;
pub mod units;
mod unused;
pub mod validate;
pub mod value;

use std::collections::HashMap;

use indexmap::IndexMap;

pub use decl::{Decl, DeclKind};
pub use env::DEFAULT_ENV;
pub use kinds::{EnumInfo, Field, KindInfo};
use ty::{KindId, Ty};
use value::{ObjId, Object, Slot, SlotRef, Value};

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::resolve::modules::{Loaded, ModuleId, Origin};
use crate::source::Span;
use crate::syntax::ast;

/// An insertion-ordered map with rustc's fast hasher: field tables are
/// looked up on every evaluation, and no key here is attacker-chosen in a
/// way that matters (a compile is bounded by the input limits anyway).
pub type FxIndexMap<K, V> = IndexMap<K, V, rustc_hash::FxBuildHasher>;
/// The same for hash maps: names and ids looked up on every reference.
pub type FxHashMap<K, V> = HashMap<K, V, rustc_hash::FxBuildHasher>;

/// Evaluation may nest (a value referring to a value referring to ...); past
/// this depth it stops with a diagnostic rather than exhausting the stack.
pub const MAX_EVAL_DEPTH: usize = 200;

/// Items (kinds, instances, constants, ...) of all files together: about
/// ten times the largest platform hplc is benchmarked on.
pub const MAX_DECLARATIONS: usize = 200_000;

/// The evaluated platform: every kind, enum and object, and the named
/// instances in declaration order.
#[derive(Debug, Default)]
pub struct World {
    pub kinds: Vec<KindInfo>,
    pub enums: Vec<EnumInfo>,
    pub objects: Vec<Object>,
    /// Named instances of the platform's own files (not the stdlib's), in
    /// the order they were declared.
    pub instances: Vec<ObjId>,
    /// The platform instance, when exactly one was found.
    pub platform: Option<ObjId>,
    /// What every name means, as the checker resolved it.
    pub names: Names,
    /// The default of every field of every kind, by kind and field index,
    /// computed on first use. An object's field left at its default is
    /// [`Slot::Default`] and reads the value here.
    pub(crate) defaults: Vec<Vec<Slot>>,
}

/// The scopes the checker built, kept for the language server (hover, go
/// to definition, completion), which resolves names as the checker did.
#[derive(Debug, Default)]
pub struct Names {
    /// Declarations of the platform's own files (one shared namespace).
    pub user: IndexMap<String, Named>,
    /// Declarations of each stdlib module.
    pub modules: HashMap<ModuleId, IndexMap<String, Named>>,
    /// What each module's `use` items bring in.
    pub imports: HashMap<ModuleId, IndexMap<String, Named>>,
    pub prelude: ModuleId,
    /// The object of each named instance, by `DeclKind::Instance` index
    /// (`None` when its kind did not resolve).
    pub instances: Vec<Option<ObjId>>,
    /// Every `let`, by `DeclKind::Let` index.
    pub lets: Vec<LetInfo>,
}

/// A declared name: what it is and where.
#[derive(Clone, Debug)]
pub struct Named {
    pub kind: DeclKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct LetInfo {
    pub name: String,
    pub span: Span,
    pub module: ModuleId,
    /// `None` when evaluating it failed.
    pub value: Option<Value>,
}

impl World {
    /// The evaluated value of a field; `Value::None` when it failed or is
    /// unset (the failure was reported already).
    pub fn get(&self, obj: ObjId, field: &str) -> &Value {
        match self.slot(obj, field) {
            Some(SlotRef::Done(v)) => v,
            _ => &Value::None,
        }
    }

    /// The evaluation state of a field; `None` if the object's kind has no
    /// such field.
    pub fn slot(&self, obj: ObjId, field: &str) -> Option<SlotRef<'_>> {
        let object = self.objects.get(obj)?;
        let index = self.kinds[object.kind].fields.get_index_of(field)?;
        self.slot_at(obj, index)
    }

    /// The evaluation state of the field at `index` of `obj`'s kind.
    #[inline]
    pub fn slot_at(&self, obj: ObjId, index: usize) -> Option<SlotRef<'_>> {
        self.object_slot(self.objects.get(obj)?, index)
    }

    /// As [`Self::slot_at`], for an object already at hand.
    #[inline]
    pub fn object_slot<'a>(&'a self, object: &'a Object, index: usize) -> Option<SlotRef<'a>> {
        match object.fields.get(index)? {
            SlotRef::Default => self.defaults[object.kind].get(index).map(Slot::as_ref),
            SlotRef::Pending if object.evaluated && !object.may_set(index) => Some(
                self.unset_field(object.kind, index)
                    .unwrap_or(SlotRef::Pending),
            ),
            slot => Some(slot),
        }
    }

    /// What a field of `kind` that no statement sets reads, once the
    /// kind's default for it is known: the default, or failed when the
    /// field is required and has none (reported as missing).
    #[inline]
    pub(crate) fn unset_field(&self, kind: KindId, index: usize) -> Option<SlotRef<'_>> {
        match &self.defaults[kind][index] {
            Slot::Done(Value::None) if self.kinds[kind].fields[index].is_required() => {
                Some(SlotRef::Failed)
            }
            Slot::Done(value) => Some(SlotRef::Done(value)),
            Slot::Failed => Some(SlotRef::Failed),
            _ => None,
        }
    }

    pub fn kind_named(&self, name: &str) -> Option<KindId> {
        self.kinds.iter().position(|k| k.name == name && k.builtin)
    }

    /// Whether `kind` is `ancestor` or extends it.
    pub fn extends(&self, mut kind: KindId, ancestor: KindId) -> bool {
        loop {
            if kind == ancestor {
                return true;
            }
            match self.kinds[kind].parent {
                Some(p) => kind = p,
                None => return false,
            }
        }
    }

    /// The prelude kind at the root of `kind`'s chain (`service` for
    /// `postgres`).
    pub fn root_kind(&self, mut kind: KindId) -> KindId {
        while let Some(p) = self.kinds[kind].parent {
            kind = p;
        }
        kind
    }

    pub fn name(&self, obj: ObjId) -> &str {
        self.objects[obj].name.as_deref().unwrap_or("")
    }

    /// A type as the source spells it: `ref[namespace]`, `range[cpu]`.
    pub fn show_ty(&self, ty: &Ty) -> String {
        let names = |t: &Ty| match t {
            Ty::Ref(k) | Ty::Object(k) => self.kinds.get(*k).map(|k| k.name.clone()),
            Ty::Enum(e) => self.enums.get(*e).map(|e| e.name.clone()),
            _ => None,
        };
        ty::TyDisplay { ty, names: &names }.to_string()
    }
}

/// Help for a name that is not among `candidates`: "did you mean `x`?" for
/// a near miss, else `{intro}: ` and every candidate.
pub(crate) fn did_you_mean_among<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    intro: &str,
) -> String {
    let all: Vec<&str> = candidates.into_iter().collect();
    let fallback = format!("{intro}: {}", all.join(", "));
    crate::resolve::suggest::did_you_mean(name, all, &fallback)
}

pub struct Checker<'a> {
    pub(crate) loaded: &'a Loaded,
    pub(crate) diagnostics: &'a mut Diagnostics,
    pub(crate) world: World,
    /// Declarations of the platform's own files (one shared namespace).
    pub(crate) user_scope: FxIndexMap<String, Decl>,
    /// Declarations of each stdlib module.
    pub(crate) module_scopes: FxHashMap<ModuleId, FxIndexMap<String, Decl>>,
    /// What each module's `use` items bring in.
    pub(crate) imports: FxHashMap<ModuleId, FxIndexMap<String, Decl>>,
    pub(crate) lets: Vec<Let>,
    pub(crate) pending: Vec<scope::PendingInstance<'a>>,
    pub(crate) envs: IndexMap<String, (ModuleId, &'a ast::EnvDecl)>,
    pub(crate) depth: usize,
    /// Where the parser found syntax errors: an instance with one inside is
    /// not also told it misses the field the broken line meant to set.
    pub(crate) syntax_errors: Vec<Span>,
    /// Instances the selected environment takes out (`name = none`), with
    /// the statement that does: a reference to one is E0122.
    pub(crate) removed: FxHashMap<ObjId, Span>,
    /// Per kind, which of its first 128 fields have their default known
    /// (computed, or failed): an object's field that no statement sets is
    /// then left for readers to resolve (see [`Object::evaluated`]).
    pub(crate) defaults_known: Vec<u128>,
    /// Per kind of at most 128 fields, which are required: an object whose
    /// statements set them all misses none, known without a look at each.
    pub(crate) required: Vec<Option<u128>>,
}

pub(crate) struct Let {
    pub decl: ast::LetDecl,
    pub module: ModuleId,
    pub slot: Slot,
}

/// Type-checks and evaluates the loaded modules in environment `env` (the
/// default environment when `None`).
pub fn check(loaded: &Loaded, env: Option<&str>, diagnostics: &mut Diagnostics) -> World {
    let mut checker = Checker {
        loaded,
        diagnostics,
        world: World::default(),
        user_scope: FxIndexMap::default(),
        module_scopes: FxHashMap::default(),
        imports: FxHashMap::default(),
        lets: Vec::new(),
        pending: Vec::new(),
        envs: IndexMap::new(),
        depth: 0,
        syntax_errors: Vec::new(),
        removed: FxHashMap::default(),
        defaults_known: Vec::new(),
        required: Vec::new(),
    };
    checker.syntax_errors = checker
        .diagnostics
        .iter()
        .filter(|d| d.code == crate::diagnostics::Code::Syntax)
        .map(|d| d.span())
        .collect();
    checker.declare_all();
    checker.resolve_imports();
    checker.build_kinds();
    checker.world.defaults = (checker.world.kinds.iter())
        .map(|k| vec![Slot::Pending; k.fields.len()])
        .collect();
    checker.defaults_known = vec![0; checker.world.kinds.len()];
    checker.required = (checker.world.kinds.iter())
        .map(|k| {
            (k.fields.len() <= 128).then(|| {
                (k.fields.values().enumerate())
                    .filter(|(_, field)| field.is_required())
                    .fold(0, |mask, (index, _)| mask | 1 << index)
            })
        })
        .collect();
    checker.create_instances();
    checker.apply_env(env);
    checker.validate_statements();
    checker.evaluate_all();
    checker.report_unused();
    checker.world.names = checker.keep_names();
    checker.world
}

impl Checker<'_> {
    pub(crate) fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    pub(crate) fn is_user(&self, module: ModuleId) -> bool {
        self.loaded.modules[module].origin == Origin::User
    }

    pub(crate) fn show_ty(&self, ty: &Ty) -> String {
        self.world.show_ty(ty)
    }

    /// "`tier` is one of: critical, standard": the values of an enum.
    pub(crate) fn enum_values(&self, e: ty::EnumId) -> String {
        let info = &self.world.enums[e];
        format!("`{}` is one of: {}", info.name, info.variants.join(", "))
    }

    /// The scopes, without the use marks they no longer need.
    fn keep_names(&mut self) -> Names {
        let strip = |scope: FxIndexMap<String, Decl>| -> IndexMap<String, Named> {
            scope
                .into_iter()
                .map(|(name, d)| {
                    (
                        name,
                        Named {
                            kind: d.kind,
                            span: d.span,
                        },
                    )
                })
                .collect()
        };
        Names {
            user: strip(std::mem::take(&mut self.user_scope)),
            modules: std::mem::take(&mut self.module_scopes)
                .into_iter()
                .map(|(m, s)| (m, strip(s)))
                .collect(),
            imports: std::mem::take(&mut self.imports)
                .into_iter()
                .map(|(m, s)| (m, strip(s)))
                .collect(),
            prelude: self.loaded.prelude,
            instances: self.pending.iter().map(|p| p.obj).collect(),
            lets: self
                .lets
                .iter()
                .map(|l| LetInfo {
                    name: l.decl.name.name.clone(),
                    span: l.decl.name.span,
                    module: l.module,
                    value: match &l.slot {
                        Slot::Done(v) => Some(v.clone()),
                        _ => None,
                    },
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::value::{Slot, SlotRef};
    use crate::resolve::fs::MemoryFs;

    /// Evaluation leaves most unset fields pending (their kind's default is
    /// known); a reader after the check must see every one of them settled,
    /// as the default, in every object of a kind and not only the first.
    #[test]
    fn every_field_reads_settled_after_a_check_and_unset_ones_read_the_default() {
        let text = crate::synth::platform(12);
        let fs = MemoryFs::default().with("/p/platform.hpl", text.into_bytes());
        let compilation = crate::compile(Path::new("/p/platform.hpl"), None, &fs);
        assert!(!compilation.has_errors(), "{:#?}", compilation.diagnostics);
        let world = &compilation.world;
        let mut defaults_read = 0;
        for (obj, object) in world.objects.iter().enumerate() {
            assert!(object.evaluated, "object {obj} was not evaluated");
            for index in 0..object.fields.len() {
                let slot = world.slot_at(obj, index).expect("a field of the kind");
                assert!(
                    matches!(slot, SlotRef::Done(_) | SlotRef::Failed),
                    "{}.{} reads {slot:?}",
                    world.name(obj),
                    world.kinds[object.kind].field_names[index]
                );
                if let (false, Slot::Done(default), SlotRef::Done(value)) = (
                    object.may_set(index),
                    &world.defaults[object.kind][index],
                    slot,
                ) {
                    assert_eq!(value, default);
                    defaults_read += 1;
                }
            }
        }
        // Most fields of most objects are left at their default.
        assert!(defaults_read > world.objects.len(), "{defaults_read}");
    }

    /// The statements found by a field's number are those found by its
    /// name: for every field of every object, whole, entries and unset.
    #[test]
    fn statements_found_by_field_number_are_those_found_by_name() {
        let mut text = crate::synth::platform(12);
        // Set twice, whole and by entry (an error, but the statements stay).
        text.push_str(concat!(
            "\nservice extra {\n  image = \"x:1\"\n  port = 80\n  volume a = 1Gi\n",
            "  volume b = 2Gi\n  port = 81\n  volume a = 3Gi\n}\n",
        ));
        let fs = MemoryFs::default().with("/p/platform.hpl", text.into_bytes());
        let compilation = crate::compile(Path::new("/p/platform.hpl"), None, &fs);
        let world = &compilation.world;
        let (mut set, mut entries) = (0, 0);
        for object in &world.objects {
            for (index, name) in world.kinds[object.kind].field_names.iter().enumerate() {
                let by_name = (object.stmts.iter().rev())
                    .find(|s| s.stmt.field.name == **name)
                    .map(|s| s.stmt.span);
                assert_eq!(object.last_set_at(index).map(|s| s.span), by_name, "{name}");
                assert_eq!(object.stmt_span(name), by_name);
                let whole = (object.stmts.iter().rev())
                    .find(|s| s.stmt.field.name == **name && s.stmt.key.is_none())
                    .map(|s| s.stmt.span);
                assert_eq!(object.whole_set_at(index).map(|s| s.span), whole, "{name}");
                set += usize::from(by_name.is_some());
                for source in object.stmts.iter().filter(|s| s.stmt.field.name == **name) {
                    let Some(key) = &source.stmt.key else {
                        continue;
                    };
                    let entry = (object.stmts.iter().rev())
                        .map(|s| &*s.stmt)
                        .find(|s| {
                            s.field.name == **name
                                && s.key.as_ref().is_some_and(|k| k.name == key.name)
                        })
                        .map(|s| s.span);
                    assert_eq!(
                        object.entry_span_at(index, &key.name),
                        entry,
                        "{name} {}",
                        key.name
                    );
                    entries += 1;
                }
                assert_eq!(object.entry_span_at(index, "no such key"), None);
            }
        }
        assert!(set > world.objects.len() && entries >= 2, "{set} {entries}");
    }
}
