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
    /// Whether evaluation went through the object's fields. It leaves a
    /// field that no statement sets untouched (pending) once its kind's
    /// default is known, and the field then reads that default: most
    /// fields of most objects are such, and marking each one was a fifth
    /// of type-checking a large platform.
    pub evaluated: bool,
    /// Evaluation state of every field of the kind, in the kind's field
    /// order: `World::kinds[kind].fields` has the names, so an object
    /// holds no table of its own (there are hundreds of thousands).
    pub fields: Fields,
}

/// A field's evaluation state as [`Fields`] gives it: [`Slot`] with the
/// value borrowed.
#[derive(Clone, Copy, Debug)]
pub enum SlotRef<'a> {
    Pending,
    InProgress,
    Done(&'a Value),
    Failed,
    Default,
}

/// A field's evaluation state other than a value of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Pending,
    InProgress,
    Failed,
    Default,
}

impl From<State> for Slot {
    fn from(state: State) -> Slot {
        match state {
            State::Pending => Slot::Pending,
            State::InProgress => Slot::InProgress,
            State::Failed => Slot::Failed,
            State::Default => Slot::Default,
        }
    }
}

impl Slot {
    pub fn as_ref(&self) -> SlotRef<'_> {
        match self {
            Slot::Pending => SlotRef::Pending,
            Slot::InProgress => SlotRef::InProgress,
            Slot::Done(value) => SlotRef::Done(value),
            Slot::Failed => SlotRef::Failed,
            Slot::Default => SlotRef::Default,
        }
    }
}

/// The slots of an object's fields, compact: a word of state per field,
/// and a value only for each field computed to one of its own. Most
/// fields of most objects stay at their kind's default (seven in eight
/// of a large platform's), and a whole [`Slot`] for each was a fifth of
/// the memory a check touched.
#[derive(Clone, Debug, Default)]
pub struct Fields {
    /// Per field: one of the `STATE_*` words, or [`FIRST_VALUE`] plus the
    /// index of its value in `values`. Zero is pending, so that a new
    /// object's states are memory the allocator hands out zeroed.
    states: Box<[u32]>,
    values: Vec<Value>,
}

const STATE_PENDING: u32 = 0;
const STATE_IN_PROGRESS: u32 = 1;
const STATE_FAILED: u32 = 2;
const STATE_DEFAULT: u32 = 3;
const FIRST_VALUE: u32 = 4;

impl Fields {
    /// `count` fields, none computed yet; room for `values` of their own.
    pub fn pending(count: usize, values: usize) -> Fields {
        Fields {
            states: vec![STATE_PENDING; count].into_boxed_slice(),
            values: Vec::with_capacity(values),
        }
    }

    pub fn len(&self) -> usize {
        self.states.len()
    }

    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }

    /// The state of the field at `index` as evaluation left it; `None` past
    /// the last field. A field left pending in an evaluated object reads
    /// its kind's default: readers go through `World::object_slot`.
    #[inline]
    pub fn get(&self, index: usize) -> Option<SlotRef<'_>> {
        let state = *self.states.get(index)?;
        Some(match state.checked_sub(FIRST_VALUE) {
            Some(at) => SlotRef::Done(&self.values[at as usize]),
            None => match state {
                STATE_PENDING => SlotRef::Pending,
                STATE_IN_PROGRESS => SlotRef::InProgress,
                STATE_FAILED => SlotRef::Failed,
                _ => SlotRef::Default,
            },
        })
    }

    /// Whether the field at `index` is not computed yet (nor being).
    #[inline]
    pub fn is_pending(&self, index: usize) -> bool {
        self.states[index] == STATE_PENDING
    }

    /// Every field's state as evaluation left it, in order.
    pub fn iter(&self) -> impl Iterator<Item = SlotRef<'_>> {
        (0..self.len()).filter_map(|index| self.get(index))
    }

    /// Sets the field at `index` to a state without a value of its own.
    #[inline]
    pub fn set_state(&mut self, index: usize, state: State) {
        self.states[index] = match state {
            State::Pending => STATE_PENDING,
            State::InProgress => STATE_IN_PROGRESS,
            State::Failed => STATE_FAILED,
            State::Default => STATE_DEFAULT,
        };
    }

    /// Sets the field at `index` to a value, replacing the one it had.
    #[inline]
    pub fn set_value(&mut self, index: usize, value: Value) {
        let state = &mut self.states[index];
        match state.checked_sub(FIRST_VALUE) {
            Some(at) => self.values[at as usize] = value,
            None => {
                // At most one value per field, so the index fits in a
                // state word as the field's own index does.
                *state = FIRST_VALUE + self.values.len() as u32;
                self.values.push(value);
            }
        }
    }

    /// Reads one word of each cache line the slots occupy, in order, so
    /// that a reader about to look at many fields in no predictable order
    /// has the misses overlap rather than wait for each.
    pub fn read_ahead(&self) {
        const WORDS_PER_LINE: usize = 64 / std::mem::size_of::<u32>();
        const VALUES_PER_LINE: usize = 64 / std::mem::size_of::<Value>();
        for state in self.states.iter().step_by(WORDS_PER_LINE) {
            std::hint::black_box(*state);
        }
        for value in self.values.iter().step_by(VALUES_PER_LINE.max(1)) {
            std::hint::black_box(std::mem::discriminant(value));
        }
    }
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

    /// The statements that set the field at `index` of the object's kind,
    /// whole or an entry, the last first, found by the field's number: no
    /// other statement is read, and none at all when the field's bit in
    /// [`Object::set`] is clear.
    pub fn sets_at(&self, index: usize) -> impl Iterator<Item = &ast::Stmt> {
        let stmts = if self.may_set(index) {
            &self.stmts[..]
        } else {
            &[]
        };
        (stmts.iter().rev())
            .filter(move |s| s.field == Some(index))
            .map(|s| &*s.stmt)
    }

    /// The last statement that sets the field at `index`, whole or an entry.
    pub fn last_set_at(&self, index: usize) -> Option<&ast::Stmt> {
        self.sets_at(index).next()
    }

    /// The last statement that sets the field at `index` whole
    /// (`needs = [...]`, not `volume data = ...`).
    pub fn whole_set_at(&self, index: usize) -> Option<&ast::Stmt> {
        self.sets_at(index).find(|s| s.key.is_none())
    }

    /// The span of one entry, `key`, of the map field at `index`.
    pub fn entry_span_at(&self, index: usize, key: &str) -> Option<Span> {
        (self.sets_at(index))
            .find(|s| s.key.as_ref().is_some_and(|k| k.name == key))
            .map(|s| s.span)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_keep_a_value_only_for_the_fields_computed_to_one() {
        let mut fields = Fields::pending(4, 1);
        assert!(fields.is_pending(0) && fields.is_pending(3));
        fields.set_state(0, State::Default);
        fields.set_value(2, Value::Int(7));
        fields.set_state(3, State::Failed);
        fields.set_state(1, State::InProgress);
        let states: Vec<String> = fields.iter().map(|s| format!("{s:?}")).collect();
        assert_eq!(states, ["Default", "InProgress", "Done(Int(7))", "Failed"]);
        assert_eq!(fields.values.len(), 1);
        assert!(fields.get(4).is_none());
    }

    #[test]
    fn a_field_set_to_a_value_again_replaces_its_value() {
        let mut fields = Fields::pending(2, 0);
        fields.set_value(1, Value::Bool(false));
        fields.set_value(1, Value::Bool(true));
        assert!(matches!(
            fields.get(1),
            Some(SlotRef::Done(Value::Bool(true)))
        ));
        assert!(matches!(fields.get(0), Some(SlotRef::Pending)));
        assert_eq!(fields.values.len(), 1);
    }
}
