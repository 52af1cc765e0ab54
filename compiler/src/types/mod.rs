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
mod env;
mod eval;
mod kinds;
mod scope;
pub mod ty;
pub mod units;
mod unused;
pub mod validate;
pub mod value;

use std::collections::HashMap;

use indexmap::IndexMap;

pub use kinds::{EnumInfo, Field, KindInfo};
pub use scope::{Decl, DeclKind};
use ty::{KindId, Ty};
use value::{ObjId, Object, Slot, Value};

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::resolve::modules::{Loaded, ModuleId, Origin};
use crate::source::Span;
use crate::syntax::ast;

/// Evaluation may nest (a value referring to a value referring to ...); past
/// this depth it stops with a diagnostic rather than exhausting the stack.
pub const MAX_EVAL_DEPTH: usize = 200;

/// Items (kinds, instances, constants, ...) of all files together; ten
/// times the largest platform hplc is benchmarked on.
pub const MAX_DECLARATIONS: usize = 1_000_000;

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
}

impl World {
    /// The evaluated value of a field; `Value::None` when it failed or is
    /// unset (the failure was reported already).
    pub fn get(&self, obj: ObjId, field: &str) -> &Value {
        match self.objects[obj].fields.get(field) {
            Some(Slot::Done(v)) => v,
            _ => &Value::None,
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
}

pub struct Checker<'a> {
    pub(crate) loaded: &'a Loaded,
    pub(crate) diagnostics: &'a mut Diagnostics,
    pub(crate) world: World,
    /// Declarations of the platform's own files (one shared namespace).
    pub(crate) user_scope: IndexMap<String, Decl>,
    /// Declarations of each stdlib module.
    pub(crate) module_scopes: HashMap<ModuleId, IndexMap<String, Decl>>,
    /// What each module's `use` items bring in.
    pub(crate) imports: HashMap<ModuleId, IndexMap<String, Decl>>,
    pub(crate) lets: Vec<Let>,
    pub(crate) pending: Vec<scope::PendingInstance>,
    pub(crate) envs: IndexMap<String, (ModuleId, ast::EnvDecl)>,
    /// Cached defaults per (kind, field).
    pub(crate) defaults: HashMap<(KindId, String), Option<Value>>,
    pub(crate) depth: usize,
    pub(crate) platform: Option<ObjId>,
    /// Where the parser found syntax errors: an instance with one inside is
    /// not also told it misses the field the broken line meant to set.
    pub(crate) syntax_errors: Vec<Span>,
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
        user_scope: IndexMap::new(),
        module_scopes: HashMap::new(),
        imports: HashMap::new(),
        lets: Vec::new(),
        pending: Vec::new(),
        envs: IndexMap::new(),
        defaults: HashMap::new(),
        depth: 0,
        platform: None,
        syntax_errors: Vec::new(),
    };
    checker.syntax_errors =
        checker.diagnostics.iter().filter(|d| d.code == crate::diagnostics::Code::Syntax).map(|d| d.span()).collect();
    checker.declare_all();
    checker.resolve_imports();
    checker.build_kinds();
    checker.create_instances();
    checker.apply_env(env);
    checker.validate_statements();
    checker.evaluate_all();
    checker.report_unused();
    checker.world.platform = checker.platform;
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
        let names = |t: &Ty| match t {
            Ty::Ref(k) | Ty::Object(k) => Some(self.world.kinds[*k].name.clone()),
            Ty::Enum(e) => Some(self.world.enums[*e].name.clone()),
            _ => None,
        };
        ty::TyDisplay { ty, names: &names }.to_string()
    }
}
