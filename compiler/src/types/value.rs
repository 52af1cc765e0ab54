//! Evaluated values and the objects (instances and records) they point at.

use indexmap::IndexMap;

use super::ty::{Dim, EnumId, KindId};
use crate::resolve::modules::ModuleId;
use crate::source::Span;
use crate::syntax::ast;

pub type ObjId = usize;

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Int(i64),
    Bool(bool),
    /// Strings, and the string-shaped types (host, image, cron) once valid.
    Str(String),
    Quantity(Dim, i64),
    /// A unitless number with a fraction (`0.5`) before it meets its type:
    /// the mantissa and the number of decimal places. Boxed: it is rare,
    /// and its `i128` would make every value (and every field's slot) half
    /// as large again.
    Decimal(Box<(i128, u32)>),
    List(Vec<Value>),
    /// Boxed: maps are rare, and the box keeps every value (and every
    /// field's slot) at a third of the size.
    Map(Box<IndexMap<String, Value>>),
    Range(Box<Value>, Box<Value>),
    Object(ObjId),
    Enum(EnumId, String),
    /// An optional field left unset.
    None,
}

impl Value {
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_quantity(&self) -> Option<i64> {
        match self {
            Value::Quantity(_, q) => Some(*q),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<ObjId> {
        match self {
            Value::Object(o) => Some(*o),
            _ => None,
        }
    }

    pub fn as_list(&self) -> &[Value] {
        match self {
            Value::List(items) => items,
            _ => &[],
        }
    }

    pub fn as_range(&self) -> Option<(&Value, &Value)> {
        match self {
            Value::Range(a, b) => Some((a, b)),
            _ => None,
        }
    }

    pub fn as_enum(&self) -> Option<&str> {
        match self {
            Value::Enum(_, v) => Some(v),
            _ => None,
        }
    }

    pub fn is_none(&self) -> bool {
        matches!(self, Value::None)
    }
}

/// A statement together with the module whose names it is read in.
/// Shared (`Arc`, so that compiled results can cross threads): evaluating a field takes its statements out of the
/// object, and copying the syntax tree every time showed in profiles.
#[derive(Clone, Debug)]
pub struct Source {
    pub stmt: std::sync::Arc<ast::Stmt>,
    /// The index of the field it sets in the object's kind, when the kind
    /// has that field: evaluation finds a field's statements by number.
    pub field: Option<usize>,
    pub module: ModuleId,
    /// Set by an environment override rather than written in the instance.
    pub from_env: bool,
}

#[derive(Clone, Debug)]
pub enum Slot {
    Pending,
    InProgress,
    Done(Value),
    Failed,
    /// Left at its kind's default, which `World::defaults` holds once for
    /// every object: most fields of most objects are, and a copy in each
    /// was a tenth of a large check. `World::slot` reads through it, so no
    /// reader outside evaluation sees this state.
    Default,
}

/// A named instance (`node system { ... }`) or a record built in place
/// (`oci.a1_flex { cpu = 2 }`).
#[derive(Clone, Debug)]
pub struct Object {
    pub kind: KindId,
    /// The instance name; `None` for records built in place.
    pub name: Option<String>,
    /// The name of an instance, the whole expression of a record.
    pub name_span: Span,
    pub span: Span,
    pub module: ModuleId,
    pub stmts: Vec<Source>,
    /// Which of the first 128 fields some statement of `stmts` sets
    /// (see [`Object::may_set`]): evaluation asks for every field of the
    /// kind, most of them set by no statement, and looking through the
    /// statements for each showed in profiles.
    pub set: u128,
    /// Evaluation state of every field of the kind, in the kind's field
    /// order: `World::kinds[kind].fields` has the names, so an object
    /// holds no table of its own (there are hundreds of thousands).
    pub fields: Vec<Slot>,
}

impl Object {
    /// Whether a statement may set the field at `index`, whole or an entry
    /// of it: `false` only when none does.
    pub fn may_set(&self, index: usize) -> bool {
        index >= 128 || self.set & (1 << index) != 0
    }

    /// Computes [`Object::set`] again after `stmts` changed.
    pub fn index_stmts(&mut self) {
        self.set = self
            .stmts
            .iter()
            .filter_map(|s| s.field)
            .filter(|&index| index < 128)
            .fold(0, |set, index| set | 1 << index);
    }

    /// The last statement that sets a field, whole or an entry.
    fn last_set(&self, field: &str) -> Option<&ast::Stmt> {
        self.stmts
            .iter()
            .rev()
            .map(|s| &*s.stmt)
            .find(|s| s.field.name == field)
    }

    /// Where a field was set, if it was set in the source.
    pub fn stmt_span(&self, field: &str) -> Option<Span> {
        self.last_set(field).map(|s| s.span)
    }

    /// The span of the value of a field, falling back to the object's name.
    pub fn value_span(&self, field: &str) -> Span {
        self.last_set(field)
            .map(|s| s.value.span)
            .unwrap_or(self.name_span)
    }

    /// The span of one entry of a map field (`volume data = ...`).
    pub fn entry_span(&self, field: &str, key: &str) -> Option<Span> {
        self.stmts
            .iter()
            .rev()
            .find(|s| {
                s.stmt.field.name == field && s.stmt.key.as_ref().is_some_and(|k| k.name == key)
            })
            .map(|s| s.stmt.span)
    }
}
