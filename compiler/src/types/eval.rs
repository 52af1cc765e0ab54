//! Evaluating expressions. Fields are evaluated lazily, on first use, so a
//! value may refer to another instance's field (`"api.${platform.domain}"`);
//! a value that ends up depending on itself is reported, not looped on.
//!
//! Every function returns `None` after reporting a problem, and returns
//! `None` silently when a value it needs already failed: one mistake gives
//! one diagnostic, not a cascade.

use indexmap::IndexMap;

use super::coerce::Site;
use super::decl::DeclKind;
use super::ty::{Dim, KindId, Ty};
use super::units::{self, ScaleError};
use super::value::{ObjId, Slot, SlotRef, State, Value};
use super::{did_you_mean_among, Checker, MAX_EVAL_DEPTH};
use crate::diagnostics::{Code, Diagnostic};
use crate::resolve::modules::ModuleId;
use crate::resolve::suggest;
use crate::source::Span;
use crate::syntax::ast::{self, BinOp, Expr, ExprKind, StrPart};

/// When less than this much stack is left, evaluation continues on a new
/// segment of [`STACK_GROWTH`] bytes. Checked every [`STACK_CHECK_EVERY`]
/// levels of evaluation (the check showed in profiles): the red zone holds
/// that many levels even with expressions nested to the parser's limit in
/// each (a level is then some tens of KiB of frames).
const STACK_RED_ZONE: usize = 1024 * 1024;
const STACK_CHECK_EVERY: usize = 4;
const STACK_GROWTH: usize = 8 * 1024 * 1024;

/// What computing a field gives: a value of its own, or its kind's default
/// (which the object then reads rather than copies).
enum Computed {
    Value(Value),
    Default,
}

/// A lazily computed value: a field of an object, or a `let`.
#[derive(Copy, Clone)]
enum Memo {
    /// The field at this index of the object's kind (and slot table).
    Field(ObjId, usize),
    Let(usize),
}

impl Checker<'_> {
    pub(crate) fn evaluate_all(&mut self) {
        for obj in 0..self.world.objects.len() {
            if self.removed.contains_key(&obj) {
                continue;
            }
            self.evaluate_fields(obj, self.world.objects[obj].name_span);
        }
        for id in 0..self.lets.len() {
            let span = self.lets[id].decl.name.span;
            self.settle(Memo::Let(id), span, false);
        }
    }

    /// Evaluates every field of `obj`, in the kind's order, except those
    /// no statement sets whose default is known already: they stay
    /// pending and read the default (see `Object::evaluated`). Of the rest,
    /// one that settles to a known default is marked here, without the
    /// round through [`Self::settle`].
    fn evaluate_fields(&mut self, obj: ObjId, at: Span) {
        let object = &mut self.world.objects[obj];
        object.evaluated = true;
        let count = object.fields.len();
        // Of the first 128 fields, those a statement sets or whose default
        // is not known yet; every field past them.
        let all = u128::MAX
            .checked_shr(128 - count.min(128) as u32)
            .unwrap_or(0);
        let mut visit = all & (object.set | !self.defaults_known[object.kind]);
        let first = std::iter::from_fn(|| {
            let index = visit.trailing_zeros() as usize;
            visit &= visit.wrapping_sub(1);
            (index < 128).then_some(index)
        });
        for index in first.chain(128..count) {
            match self.known_field_default(obj, index) {
                Some(state) => self.world.objects[obj].fields.set_state(index, state),
                None => {
                    self.settle(Memo::Field(obj, index), at, false);
                }
            }
        }
    }

    /// The value of `obj.name`, evaluating it on first use. `at` is where
    /// it is asked for, for the report of a cycle.
    pub(crate) fn field(&mut self, obj: ObjId, name: &str, at: Span) -> Option<Value> {
        let kind = self.world.objects[obj].kind;
        let index = self.world.kinds[kind].fields.get_index_of(name)?;
        self.memoized(Memo::Field(obj, index), at)
    }

    fn state(&self, memo: Memo) -> SlotRef<'_> {
        match memo {
            Memo::Field(obj, index) => (self.world.objects[obj].fields.get(index))
                .expect("a memo names a field of the object's kind"),
            Memo::Let(id) => self.lets[id].slot.as_ref(),
        }
    }

    fn set_state(&mut self, memo: Memo, state: State) {
        match memo {
            Memo::Field(obj, index) => self.world.objects[obj].fields.set_state(index, state),
            Memo::Let(id) => self.lets[id].slot = state.into(),
        }
    }

    fn set_value(&mut self, memo: Memo, value: Value) {
        match memo {
            Memo::Field(obj, index) => self.world.objects[obj].fields.set_value(index, value),
            Memo::Let(id) => self.lets[id].slot = Slot::Done(value),
        }
    }

    /// The value of `memo`, computing it on first use; a value asked for
    /// while it is being computed is a cycle, reported at `at`.
    fn memoized(&mut self, memo: Memo, at: Span) -> Option<Value> {
        self.settle(memo, at, true)
    }

    /// As [`Self::memoized`]; the value is returned (a copy of the one kept)
    /// only when `wanted`. Evaluating every field of every object wants
    /// none of them, and copying each showed in profiles.
    fn settle(&mut self, memo: Memo, at: Span, wanted: bool) -> Option<Value> {
        if let Some(settled) = self.known_default(memo) {
            let default = settled == State::Default;
            self.set_state(memo, settled);
            return (default && wanted).then(|| self.default_of(memo));
        }
        let check_stack = self.depth % STACK_CHECK_EVERY == 0;
        match self.state(memo) {
            SlotRef::Done(v) => wanted.then(|| v.clone()),
            SlotRef::Default => wanted.then(|| self.default_of(memo)),
            SlotRef::Failed => None,
            SlotRef::InProgress => {
                self.report_cycle(memo, at);
                None
            }
            // Evaluation recurses through references; the depth limit
            // bounds it, and growing the stack on demand keeps that bound
            // safe on any thread (an editor's, a test's), whatever its
            // stack size. Only a value not computed yet recurses.
            SlotRef::Pending if check_stack => {
                stacker::maybe_grow(STACK_RED_ZONE, STACK_GROWTH, || {
                    self.compute(memo, at, wanted)
                })
            }
            SlotRef::Pending => self.compute(memo, at, wanted),
        }
    }

    /// What a field not computed yet, which no statement of its object
    /// sets and whose default is known, settles to: what [`Self::compute`]
    /// would give it, without the stack check and the bookkeeping of a
    /// computation (most fields of most objects come here, and nothing in
    /// them recurses).
    fn known_default(&self, memo: Memo) -> Option<State> {
        match memo {
            Memo::Field(obj, index) => self.known_field_default(obj, index),
            Memo::Let(_) => None,
        }
    }

    #[inline]
    fn known_field_default(&self, obj: ObjId, index: usize) -> Option<State> {
        let object = &self.world.objects[obj];
        if !object.fields.is_pending(index) || object.may_set(index) || self.depth >= MAX_EVAL_DEPTH
        {
            return None;
        }
        match self.world.unset_field(object.kind, index)? {
            SlotRef::Done(_) => Some(State::Default),
            _ => Some(State::Failed),
        }
    }

    fn report_cycle(&mut self, memo: Memo, at: Span) {
        let name = match memo {
            Memo::Field(obj, index) => {
                let field = &self.world.kinds[self.world.objects[obj].kind].field_names[index];
                format!("{}.{field}", self.world.name(obj))
            }
            Memo::Let(id) => self.lets[id].decl.name.name.clone(),
        };
        self.report(
            Diagnostic::new(
                Code::ValueCycle,
                at,
                format!("the value of `{name}` depends on itself"),
            )
            .label("used here while it is being computed")
            .help("break the loop: one of the values in it must be written out"),
        );
        self.set_state(memo, State::Failed);
    }

    /// Computes a value not computed yet and keeps it in its slot.
    fn compute(&mut self, memo: Memo, at: Span, wanted: bool) -> Option<Value> {
        if !self.enter(at) {
            return None;
        }
        self.set_state(memo, State::InProgress);
        let value = match memo {
            Memo::Field(obj, index) => self.compute_field(obj, index),
            Memo::Let(id) => {
                let (expr, module) = (self.lets[id].decl.value.clone(), self.lets[id].module);
                self.eval(&expr, None, module).map(Computed::Value)
            }
        };
        self.depth -= 1;
        // A cycle report may already have marked it failed.
        if matches!(self.state(memo), SlotRef::InProgress) {
            return match value {
                Some(Computed::Default) => {
                    self.set_state(memo, State::Default);
                    wanted.then(|| self.default_of(memo))
                }
                Some(Computed::Value(v)) if wanted => {
                    self.set_value(memo, v.clone());
                    Some(v)
                }
                Some(Computed::Value(v)) => {
                    self.set_value(memo, v);
                    None
                }
                None => {
                    self.set_state(memo, State::Failed);
                    None
                }
            };
        }
        match value {
            Some(Computed::Value(v)) if wanted => Some(v),
            Some(Computed::Default) if wanted => Some(self.default_of(memo)),
            _ => None,
        }
    }

    /// A copy of the default a field left at it reads (`Slot::Default`).
    fn default_of(&self, memo: Memo) -> Value {
        let Memo::Field(obj, index) = memo else {
            unreachable!("only fields have defaults")
        };
        match &self.world.defaults[self.world.objects[obj].kind][index] {
            Slot::Done(v) => v.clone(),
            _ => unreachable!("a field is left at its default only once it is computed"),
        }
    }

    fn enter(&mut self, at: Span) -> bool {
        if self.depth >= MAX_EVAL_DEPTH {
            self.report(
                Diagnostic::new(
                    Code::EvaluationTooDeep,
                    at,
                    format!("values refer to values more than {MAX_EVAL_DEPTH} deep here"),
                )
                .label("too deep")
                .help("shorten the chain of references"),
            );
            return false;
        }
        self.depth += 1;
        true
    }

    /// The field at `index` of `obj`'s kind: its last whole value (or the
    /// default), then its keyed entries in order.
    fn compute_field(&mut self, obj: ObjId, index: usize) -> Option<Computed> {
        let object = &self.world.objects[obj];
        let kind = object.kind;
        if !object.may_set(index) {
            // Set by no statement (most fields of most objects): its
            // default, kept once for the kind.
            if !self.settle_default(kind, index) {
                return None;
            }
            return match &self.world.defaults[kind][index] {
                Slot::Done(Value::None) if self.world.kinds[kind].fields[index].is_required() => {
                    None // reported as missing
                }
                _ => Some(Computed::Default),
            };
        }
        let field = self.world.kinds[kind].fields[index].clone();
        // The object's statements do not change while it is evaluated, so
        // they are found by position rather than copied out.
        let stmts = &object.stmts;
        let count = stmts.len();
        // One pass: the last statement that sets the field whole, and
        // whether any sets an entry of it.
        let (mut whole, mut has_entries) = (None, false);
        for (i, source) in stmts.iter().enumerate() {
            if source.field == Some(index) {
                match source.stmt.key {
                    None => whole = Some(i),
                    Some(_) => has_entries = true,
                }
            }
        }
        let statement = |c: &Self, i: usize| {
            let source = &c.world.objects[obj].stmts[i];
            (source.stmt.clone(), source.module)
        };
        let mut value = match whole {
            Some(i) => {
                let (stmt, module) = statement(self, i);
                self.eval_as(&stmt.value, &field.ty, module)?
            }
            None => match self.default(kind, index)? {
                // No whole value here, so set only if it has entries.
                Value::None if field.is_required() && !has_entries => return None, // reported as missing
                v => v,
            },
        };
        let is_entry = |c: &Self, i: usize| {
            let source = &c.world.objects[obj].stmts[i];
            source.field == Some(index) && source.stmt.key.is_some()
        };
        if has_entries {
            let Ty::Map(item) = field.ty.inner() else {
                return None;
            }; // reported by validation
            let mut map = match value {
                Value::Map(m) => m,
                _ => Box::default(),
            };
            let mut failed = false;
            for i in 0..count {
                if !is_entry(self, i) {
                    continue;
                }
                let (entry, module) = statement(self, i);
                let key = entry.key.as_ref().expect("entry has a key").name.clone();
                match self.eval_as(&entry.value, item, module) {
                    Some(v) => {
                        map.insert(key, v);
                    }
                    None => failed = true,
                }
            }
            if failed {
                return None;
            }
            value = Value::Map(map);
        }
        Some(Computed::Value(value))
    }

    /// The default of the field at `index` in `kind`: `Value::None` when it
    /// has none.
    fn default(&mut self, kind: KindId, index: usize) -> Option<Value> {
        if !self.settle_default(kind, index) {
            return None;
        }
        match &self.world.defaults[kind][index] {
            Slot::Done(v) => Some(v.clone()),
            _ => None,
        }
    }

    /// Computes the default of the field at `index` in `kind` unless it is
    /// known; whether it has one (`Value::None` included) rather than failed.
    fn settle_default(&mut self, kind: KindId, index: usize) -> bool {
        match &self.world.defaults[kind][index] {
            Slot::Done(_) => return true,
            Slot::Failed => return false,
            Slot::InProgress => {
                // The default builds a record whose default builds another ...
                let info = &self.world.kinds[kind];
                let (name, field) = info.fields.get_index(index).expect("field exists");
                let span = field
                    .defaults
                    .last()
                    .map(|(s, _)| s.value.span)
                    .unwrap_or(field.span);
                let message = format!(
                    "the default of `{}.{name}` builds a value that needs the same default again",
                    info.name
                );
                self.report(
                    Diagnostic::new(Code::ValueCycle, span, message)
                        .label("this default refers back to itself")
                        .help("a kind's default cannot contain a record of that kind with the default in it; make the field optional without a default"),
                );
                self.keep_default(kind, index, Slot::Failed);
                return false;
            }
            Slot::Pending | Slot::Default => {}
        }
        self.world.defaults[kind][index] = Slot::InProgress;
        let field = self.world.kinds[kind].fields[index].clone();
        let value = self.default_value(&field);
        let settled = value.is_some();
        let slot = match value {
            Some(v) => Slot::Done(v),
            None => Slot::Failed,
        };
        self.keep_default(kind, index, slot);
        settled
    }

    /// Keeps the default of the field at `index` in `kind`, computed or
    /// failed, and notes that it is known.
    fn keep_default(&mut self, kind: KindId, index: usize, slot: Slot) {
        self.world.defaults[kind][index] = slot;
        if index < 128 {
            self.defaults_known[kind] |= 1 << index;
        }
    }

    fn default_value(&mut self, field: &super::Field) -> Option<Value> {
        let mut value = Value::None;
        for (stmt, module) in &field.defaults {
            match &stmt.key {
                None => value = self.eval_as(&stmt.value, &field.ty, *module)?,
                Some(k) => {
                    let Ty::Map(item) = field.ty.inner() else {
                        return None;
                    };
                    let entry = self.eval_as(&stmt.value, item, *module)?;
                    let mut map = match value {
                        Value::Map(m) => m,
                        _ => Box::default(),
                    };
                    map.insert(k.name.clone(), entry);
                    value = Value::Map(map);
                }
            }
        }
        if value.is_none() {
            if let Ty::Map(_) = field.ty.inner() {
                if !field.defaults.is_empty() {
                    value = Value::Map(Box::default());
                }
            }
        }
        Some(value)
    }

    /// Evaluates `expr` as a value of type `ty`.
    pub(crate) fn eval_as(&mut self, expr: &Expr, ty: &Ty, module: ModuleId) -> Option<Value> {
        let inner = ty.inner();
        match (&expr.kind, inner) {
            (ExprKind::Paren(e), _) => self.eval_as(e, ty, module),
            (ExprKind::List(items), Ty::List(item)) => self.list_as(items, item, module),
            (ExprKind::Range(low, high), Ty::Range(item)) => {
                let low_value = self.eval_as(low, item, module);
                let high_value = self.eval_as(high, item, module)?;
                let low_value = low_value?;
                self.check_order(&low_value, &high_value, low.span, high.span, expr.span)?;
                Some(Value::Range(Box::new(low_value), Box::new(high_value)))
            }
            (ExprKind::Record(stmts), Ty::Object(kind) | Ty::Ref(kind)) => {
                let obj = self.record(*kind, stmts, expr.span, module);
                self.coerce(Value::Object(obj), ty, Site::of(expr))
            }
            (ExprKind::Record(stmts), Ty::Map(item)) => self.map_literal(stmts, item, module),
            (ExprKind::Record(stmts), Ty::Data) => self.data_record(stmts, module),
            (ExprKind::List(items), Ty::Data) => self.list_as(items, &Ty::Data, module),
            (ExprKind::Record(_), _) => {
                self.report(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        expr.span,
                        format!("expected {}, found a record", self.show_ty(ty)),
                    )
                    .label("a record is not a value of this type")
                    .help("records `{ ... }` are the values of kinds and maps"),
                );
                None
            }
            _ => {
                let value = self.eval(expr, Some(inner), module)?;
                self.coerce(value, ty, Site::of(expr))
            }
        }
    }

    /// Every item of a list literal as a value of `item`; every item is
    /// checked, so that each wrong one is reported.
    fn list_as(&mut self, items: &[Expr], item: &Ty, module: ModuleId) -> Option<Value> {
        let mut values = Vec::with_capacity(items.len());
        let mut failed = false;
        for e in items {
            match self.eval_as(e, item, module) {
                Some(v) => values.push(v),
                None => failed = true,
            }
        }
        (!failed).then_some(Value::List(values))
    }

    fn map_literal(
        &mut self,
        stmts: &[std::sync::Arc<ast::Stmt>],
        item: &Ty,
        module: ModuleId,
    ) -> Option<Value> {
        let mut map = IndexMap::new();
        let mut failed = false;
        for stmt in stmts {
            if let Some(key) = &stmt.key {
                self.report(
                    Diagnostic::new(Code::NotAMap, key.span, "a map entry is `key = value`")
                        .label("unexpected second name")
                        .help(format!("write `{} = ...`", stmt.field.name)),
                );
                failed = true;
                continue;
            }
            if let Some(first) = map.get_index_of(&stmt.field.name).map(|i| stmts[i].span) {
                self.set_twice(stmt, first, "remove one of them");
                failed = true;
                continue;
            }
            match self.eval_as(&stmt.value, item, module) {
                Some(v) => {
                    map.insert(stmt.field.name.clone(), v);
                }
                None => failed = true,
            }
        }
        (!failed).then_some(Value::Map(Box::new(map)))
    }

    fn set_twice(&mut self, stmt: &ast::Stmt, first: Span, help: &str) {
        self.report(
            Diagnostic::new(
                Code::FieldSetTwice,
                stmt.span,
                format!("`{}` is set twice", stmt.field.name),
            )
            .label("set again here")
            .with_label(first, "first set here")
            .help(help),
        );
    }

    /// A record of free-form data: `key = value` sets a key, `outer inner =
    /// value` a key of the record under `outer` (`crds enabled = true` is
    /// `crds = { enabled = true }`). A key set twice is an error.
    fn data_record(
        &mut self,
        stmts: &[std::sync::Arc<ast::Stmt>],
        module: ModuleId,
    ) -> Option<Value> {
        let mut map: IndexMap<String, Value> = IndexMap::new();
        let mut spans: IndexMap<(String, Option<String>), Span> = IndexMap::new();
        let mut failed = false;
        for stmt in stmts {
            let path = (
                stmt.field.name.clone(),
                stmt.key.as_ref().map(|k| k.name.clone()),
            );
            let whole = (stmt.field.name.clone(), None);
            let clash = spans.get(&path).or_else(|| {
                // `a = {..}` and `a b = ..` both set inside `a`.
                match &path.1 {
                    Some(_) => spans.get(&whole),
                    None => spans
                        .iter()
                        .find(|((outer, inner), _)| *outer == path.0 && inner.is_some())
                        .map(|(_, span)| span),
                }
            });
            if let Some(first) = clash.copied() {
                self.set_twice(
                    stmt,
                    first,
                    "set each key once; write a nested record as `key = { ... }`",
                );
                failed = true;
                continue;
            }
            spans.insert(path, stmt.span);
            let Some(value) = self.eval_as(&stmt.value, &Ty::Data, module) else {
                failed = true;
                continue;
            };
            match &stmt.key {
                None => {
                    map.insert(stmt.field.name.clone(), value);
                }
                Some(key) => {
                    let inner = map
                        .entry(stmt.field.name.clone())
                        .or_insert_with(|| Value::Map(Box::default()));
                    if let Value::Map(inner) = inner {
                        inner.insert(key.name.clone(), value);
                    }
                }
            }
        }
        (!failed).then_some(Value::Map(Box::new(map)))
    }

    /// A record of `kind` built in place; its fields are evaluated now.
    fn record(
        &mut self,
        kind: usize,
        stmts: &[std::sync::Arc<ast::Stmt>],
        span: Span,
        module: ModuleId,
    ) -> ObjId {
        let sources = self.sources(kind, stmts, module);
        let obj = self.new_object(kind, None, span, span, module, sources);
        self.validate_object(obj);
        self.evaluate_fields(obj, span);
        obj
    }

    /// Evaluates `expr` with no type to meet but a hint: the expected type,
    /// which lets a bare name be an enum value (`restricted`).
    /// (Expressions nest at most `syntax::MAX_DEPTH` deep; the unbounded
    /// recursion, through references, grows the stack in `field`.)
    pub(crate) fn eval(
        &mut self,
        expr: &Expr,
        hint: Option<&Ty>,
        module: ModuleId,
    ) -> Option<Value> {
        match &expr.kind {
            ExprKind::Number { digits, unit } => {
                self.number(digits, unit.as_deref(), expr.span, hint)
            }
            ExprKind::Bool(b) => Some(Value::Bool(*b)),
            ExprKind::Str(parts) => self.string(parts, module),
            ExprKind::Paren(e) => self.eval(e, hint, module),
            ExprKind::List(items) => {
                let item_hint = match hint {
                    Some(Ty::List(t)) => Some(t.as_ref()),
                    _ => None,
                };
                let mut values = Vec::new();
                for e in items {
                    values.push(self.eval(e, item_hint, module)?);
                }
                Some(Value::List(values))
            }
            ExprKind::Range(low, high) => {
                let low = self.eval(low, hint, module)?;
                let high = self.eval(high, hint, module)?;
                Some(Value::Range(Box::new(low), Box::new(high)))
            }
            ExprKind::Record(_) => {
                self.report(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        expr.span,
                        "cannot tell what kind of record this is",
                    )
                    .label("a record without a kind")
                    .help("name the kind before the braces: `probe { path = \"/health\" }`"),
                );
                None
            }
            ExprKind::Construct(path, stmts) => {
                let kind = self.resolve_kind_path(path, module)?;
                Some(Value::Object(self.record(kind, stmts, expr.span, module)))
            }
            ExprKind::Path(path) => self.path_value(path, hint, module),
            ExprKind::Arith(first, rest) => self.arith(first, rest, hint, module),
        }
    }

    fn number(
        &mut self,
        digits: &str,
        unit: Option<&ast::Ident>,
        span: Span,
        hint: Option<&Ty>,
    ) -> Option<Value> {
        let Some((mantissa, decimals)) = units::parse_digits(digits) else {
            self.report(
                Diagnostic::new(
                    Code::NumberOutOfRange,
                    span,
                    format!("`{digits}` has too many digits"),
                )
                .label("too long")
                .help("numbers hold at most 38 digits"),
            );
            return None;
        };
        let Some(unit) = unit else {
            if decimals == 0 {
                return match i64::try_from(mantissa) {
                    Ok(i) => Some(Value::Int(i)),
                    Err(_) => {
                        self.report(
                            Diagnostic::new(
                                Code::NumberOutOfRange,
                                span,
                                format!("`{digits}` does not fit in 64 bits"),
                            )
                            .label("too large")
                            .help("numbers range from -9223372036854775808 to 9223372036854775807"),
                        );
                        None
                    }
                };
            }
            return Some(Value::Decimal(Box::new((mantissa, decimals))));
        };
        let Some((dim, factor)) = units::unit(&unit.name) else {
            let wanted = match hint.map(Ty::inner) {
                Some(Ty::Quantity(d)) => Some(*d),
                Some(Ty::Range(t)) => match t.as_ref() {
                    Ty::Quantity(d) => Some(*d),
                    _ => None,
                },
                _ => None,
            };
            let help = unit_help(&unit.name, wanted);
            self.report(
                Diagnostic::new(
                    Code::UnknownUnit,
                    unit.span,
                    format!("unknown unit `{}`", unit.name),
                )
                .label("not a unit")
                .help(help),
            );
            return None;
        };
        match units::scale(mantissa, decimals, factor) {
            Ok(amount) => Some(Value::Quantity(dim, amount)),
            Err(ScaleError::TooPrecise) => {
                self.report(
                    Diagnostic::new(
                        Code::TooPrecise,
                        span,
                        format!(
                            "`{digits}{}` is finer than the smallest step of {}",
                            unit.name,
                            dim.describe()
                        ),
                    )
                    .label("too precise")
                    .help(format!("the smallest step is 1{}", smallest_unit(dim))),
                );
                None
            }
            Err(ScaleError::TooLarge) => {
                self.report(
                    Diagnostic::new(
                        Code::NumberOutOfRange,
                        span,
                        format!("`{digits}{}` is too large", unit.name),
                    )
                    .label("too large")
                    .help("quantities are held in 64 bits of their smallest unit"),
                );
                None
            }
        }
    }

    fn string(&mut self, parts: &[StrPart], module: ModuleId) -> Option<Value> {
        let mut text = String::new();
        let mut failed = false;
        for part in parts {
            match part {
                StrPart::Text(t, _) => text.push_str(t),
                StrPart::Interp(e) => {
                    match self.eval(e, None, module) {
                        Some(v) => match self.interpolate(&v, e.span) {
                            Some(t) => text.push_str(&t),
                            None => {
                                let found = self.describe_value(&v);
                                self.report(
                                Diagnostic::new(Code::NotInterpolable, e.span, format!("{found} cannot be written into a string"))
                                    .label("not text")
                                    .help("interpolate a string, a number, a quantity or an enum value"),
                            );
                                failed = true;
                            }
                        },
                        None => failed = true,
                    }
                }
            }
        }
        (!failed).then_some(Value::Str(text))
    }

    /// A value as text. A service is its address in the cluster (the DNS
    /// name of its Service), so a client's configuration names it once,
    /// checked; any other instance is its name.
    fn interpolate(&mut self, value: &Value, at: Span) -> Option<String> {
        Some(match value {
            Value::Str(s) => s.clone(),
            Value::Int(i) => i.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Quantity(d, q) => units::format(*d, *q),
            Value::Decimal(d) => units::decimal(d.0, d.1),
            Value::Enum(_, v) => v.clone(),
            Value::Object(o) => match self.service_address(*o, at) {
                Some(address) => address,
                None => self.world.objects[*o].name.clone()?,
            },
            _ => return None,
        })
    }

    /// `cart.shop.svc.cluster.local` for an instance of `service` (or of a
    /// kind extending it; `cart-rw...` for a replicated cluster); `None`
    /// for anything else.
    fn service_address(&mut self, obj: ObjId, at: Span) -> Option<String> {
        let service = self.world.kind_named("service")?;
        let object = &self.world.objects[obj];
        if !self.world.extends(object.kind, service) {
            return None;
        }
        let name = object.name.clone()?;
        let Value::Object(namespace) = self.field(obj, "namespace", at)? else {
            return None;
        };
        let namespace = self.world.objects[namespace].name.clone()?;
        // A replicated cluster's clients reach its primary, through the
        // read-write Service its operator makes (`<name>-rw`).
        if let Some(Value::Object(_)) = self.field(obj, "replication", at) {
            return Some(super::names::cluster_host(
                &format!("{}-rw", super::names::k8s_name(&name)),
                &super::names::k8s_name(&namespace),
            ));
        }
        Some(super::names::service_host(&name, &namespace))
    }

    /// `name`, `module.name`, `instance.field.field`, `enum.value`.
    fn path_value(
        &mut self,
        path: &ast::Path,
        hint: Option<&Ty>,
        module: ModuleId,
    ) -> Option<Value> {
        let first = &path.segments[0];
        let enum_hint = hint.and_then(|h| self.enum_id_of(h));
        if path.segments.len() == 1 {
            if let Some(e) = enum_hint {
                if self.world.enums[e].variants.contains(&first.name) {
                    return Some(Value::Enum(e, first.name.clone()));
                }
            }
        }
        let mut rest = &path.segments[1..];
        let decl = match self.lookup(module, &first.name) {
            Some(decl) => decl,
            None if first.name == "platform" => return self.platform_member(path),
            // `none` leaves an optional field unset (an environment may
            // take back what the base set).
            None if first.name == "none" && path.segments.len() == 1 => return Some(Value::None),
            None if path.segments.len() == 1 && enum_hint.is_some() => {
                self.unknown_variant(enum_hint.expect("checked"), first);
                return None;
            }
            None if path.segments.len() == 1
                && matches!(hint.map(Ty::inner), Some(Ty::Ref(_) | Ty::Object(_))) =>
            {
                let (Some(Ty::Ref(kind)) | Some(Ty::Object(kind))) = hint.map(Ty::inner) else {
                    return None;
                };
                self.unknown_instance(first, *kind);
                return None;
            }
            None => {
                self.unknown_name(first, module, &[]);
                return None;
            }
        };
        let mut kind = decl.kind;
        if let (DeclKind::Module(target), Some(member)) = (&kind, rest.first()) {
            match self.lookup_in(*target, &member.name) {
                Some(d) => {
                    kind = d.kind;
                    rest = &rest[1..];
                }
                None => {
                    self.no_member_in_module(*target, &first.name, member);
                    return None;
                }
            }
        }
        let last = path.segments[path.segments.len() - rest.len() - 1].clone();
        let mut value = match kind {
            DeclKind::Missing => return None,
            DeclKind::Let(id) => self.memoized(Memo::Let(id), last.span)?,
            DeclKind::Instance(pending) => {
                let obj = self.instance_object(pending)?;
                Value::Object(self.present(obj, last.span)?)
            }
            DeclKind::Enum(e) => {
                let Some(variant) = rest.first() else {
                    self.report(
                        Diagnostic::new(
                            Code::NotAValue,
                            last.span,
                            format!("`{}` is an enum, not a value", last.name),
                        )
                        .label("an enum")
                        .help(format!(
                            "name one of its values: {}",
                            self.world.enums[e].variants.join(", ")
                        )),
                    );
                    return None;
                };
                if !self.world.enums[e].variants.contains(&variant.name) {
                    self.unknown_variant(e, variant);
                    return None;
                }
                rest = &rest[1..];
                Value::Enum(e, variant.name.clone())
            }
            DeclKind::Kind(_) if first.name == "platform" && path.segments.len() > 1 => {
                return self.platform_member(path)
            }
            DeclKind::Kind(_) => {
                self.report(
                    Diagnostic::new(
                        Code::NotAValue,
                        last.span,
                        format!("`{}` is a kind, not a value", last.name),
                    )
                    .label("a kind")
                    .help(format!(
                        "build a value of it with `{} {{ ... }}`",
                        path.text()
                    )),
                );
                return None;
            }
            DeclKind::Module(_) => {
                self.report(
                    Diagnostic::new(
                        Code::NotAValue,
                        last.span,
                        format!("`{}` is a module, not a value", last.name),
                    )
                    .label("a module")
                    .help(format!("name one of its members: `{}.name`", last.name)),
                );
                return None;
            }
        };
        // Where a reference is expected, `svc.port.name` is the instance at
        // one of its ports (`needs = [broker.port.amqp]`): the reference,
        // its port checked like any map entry and read by the lowering.
        if let (Some(Ty::Ref(_)), [head @ .., port, key]) = (hint.map(Ty::inner), rest) {
            if port.name == "port" {
                for member in head {
                    value = self.member(value, member)?;
                }
                let ports = self.member(value.clone(), port)?;
                self.member(ports, key)?;
                return Some(value);
            }
        }
        for member in rest {
            value = self.member(value, member)?;
        }
        Some(value)
    }

    /// `platform.domain`: `platform` names the platform instance.
    fn platform_member(&mut self, path: &ast::Path) -> Option<Value> {
        let platform = self.world.platform?;
        let mut value = Value::Object(platform);
        for member in &path.segments[1..] {
            value = self.member(value, member)?;
        }
        Some(value)
    }

    fn member(&mut self, value: Value, member: &ast::Ident) -> Option<Value> {
        // A map's entry by its key: `cart.port.grpc`.
        if let Value::Map(entries) = &value {
            if let Some(entry) = entries.get(&member.name) {
                return Some(entry.clone());
            }
            let help = did_you_mean_among(
                &member.name,
                entries.keys().map(String::as_str),
                "the map has",
            );
            self.report(
                Diagnostic::new(
                    Code::NoSuchMember,
                    member.span,
                    format!("no entry `{}` in this map", member.name),
                )
                .label("no such entry")
                .help(help),
            );
            return None;
        }
        let Value::Object(obj) = value else {
            let found = self.describe_value(&value);
            self.report(
                Diagnostic::new(
                    Code::NoSuchMember,
                    member.span,
                    format!("{found} has no field `{}`", member.name),
                )
                .label("no fields here")
                .help("only instances and records have fields"),
            );
            return None;
        };
        let kind = self.world.objects[obj].kind;
        if !self.world.kinds[kind].fields.contains_key(&member.name) {
            let kind_name = self.world.kinds[kind].name.clone();
            let help = did_you_mean_among(
                &member.name,
                self.world.kinds[kind].fields.keys().map(String::as_str),
                &format!("`{kind_name}` has"),
            );
            self.report(
                Diagnostic::new(
                    Code::NoSuchMember,
                    member.span,
                    format!("`{kind_name}` has no field `{}`", member.name),
                )
                .label("no such field")
                .help(help),
            );
            return None;
        }
        let value = self.field(obj, &member.name, member.span)?;
        if value.is_none() {
            let owner = self.world.name(obj).to_string();
            self.report(
                Diagnostic::new(
                    Code::NoSuchMember,
                    member.span,
                    format!("`{owner}.{}` is not set", member.name),
                )
                .label("unset optional field")
                .help("set it, or do not refer to it"),
            );
            return None;
        }
        Some(value)
    }

    pub(crate) fn unknown_variant(&mut self, e: usize, variant: &ast::Ident) {
        let info = &self.world.enums[e];
        let help = suggest::did_you_mean(
            &variant.name,
            info.variants.iter().map(String::as_str),
            &self.enum_values(e),
        );
        let name = info.name.clone();
        self.report(
            Diagnostic::new(
                Code::UnknownVariant,
                variant.span,
                format!("`{}` is not a value of `{name}`", variant.name),
            )
            .label("unknown value")
            .help(help),
        );
    }

    fn arith(
        &mut self,
        first: &Expr,
        rest: &[(BinOp, Expr)],
        hint: Option<&Ty>,
        module: ModuleId,
    ) -> Option<Value> {
        let add_hint = match hint {
            Some(Ty::Range(t)) => Some(t.as_ref().clone()),
            Some(t) => Some(t.clone()),
            None => None,
        };
        let mut acc = self.eval(first, add_hint.as_ref(), module)?;
        let mut acc_span = first.span;
        for (op, operand) in rest {
            let rhs = self.eval(operand, add_hint.as_ref(), module)?;
            acc = self.binary(*op, acc, rhs, acc_span, operand.span)?;
            acc_span = acc_span.to(operand.span);
        }
        Some(acc)
    }

    fn binary(
        &mut self,
        op: BinOp,
        lhs: Value,
        rhs: Value,
        lspan: Span,
        rspan: Span,
    ) -> Option<Value> {
        use Value::{Int, Quantity};
        let span = lspan.to(rspan);
        let overflow = |c: &mut Self| {
            c.report(
                Diagnostic::new(
                    Code::NumberOutOfRange,
                    span,
                    "the result does not fit in 64 bits",
                )
                .label("overflows")
                .help("use smaller values"),
            );
            None
        };
        // A unitless number next to CPU is in cores (`1 + 500m`, `0.5 + 250m`).
        let is_cpu = |v: &Value| matches!(v, Quantity(Dim::Cpu, _));
        let (lhs, rhs) = if matches!(op, BinOp::Add | BinOp::Sub) && (is_cpu(&lhs) || is_cpu(&rhs))
        {
            (cores(lhs), cores(rhs))
        } else {
            (lhs, rhs)
        };
        let result = match (op, &lhs, &rhs) {
            (BinOp::Div, _, Int(0)) | (BinOp::Div, _, Quantity(_, 0)) => {
                self.report(
                    Diagnostic::new(Code::DivisionByZero, rspan, "division by zero")
                        .label("this is zero")
                        .help("divide by a value other than zero"),
                );
                return None;
            }
            (BinOp::Add, Int(a), Int(b)) => a.checked_add(*b).map(Int),
            (BinOp::Sub, Int(a), Int(b)) => a.checked_sub(*b).map(Int),
            (BinOp::Mul, Int(a), Int(b)) => a.checked_mul(*b).map(Int),
            (BinOp::Div, Int(a), Int(b)) => return self.exact_div(*a, *b, span).map(Int),
            (BinOp::Add, Quantity(d1, a), Quantity(d2, b)) if d1 == d2 => {
                a.checked_add(*b).map(|v| Quantity(*d1, v))
            }
            (BinOp::Sub, Quantity(d1, a), Quantity(d2, b)) if d1 == d2 => {
                a.checked_sub(*b).map(|v| Quantity(*d1, v))
            }
            (BinOp::Mul, Quantity(d, a), Int(b)) | (BinOp::Mul, Int(b), Quantity(d, a)) => {
                a.checked_mul(*b).map(|v| Quantity(*d, v))
            }
            (BinOp::Div, Quantity(d, a), Int(b)) => {
                return self.exact_div(*a, *b, span).map(|v| Quantity(*d, v))
            }
            (BinOp::Div, Quantity(d1, a), Quantity(d2, b)) if d1 == d2 => {
                return self.exact_div(*a, *b, span).map(Int)
            }
            _ => {
                let (l, r) = (self.describe_value(&lhs), self.describe_value(&rhs));
                let mixes_dims = matches!((&lhs, &rhs), (Quantity(a, _), Quantity(b, _)) if a != b);
                let (code, help) = if mixes_dims {
                    (
                        Code::UnitMismatch,
                        "values of different dimensions do not mix; check the units".to_string(),
                    )
                } else if matches!((&lhs, &rhs), (Quantity(..), Quantity(..))) {
                    (
                        Code::UnitMismatch,
                        "a quantity is multiplied or divided by a plain number: `2 * 512Mi`"
                            .to_string(),
                    )
                } else if matches!(
                    (&lhs, &rhs),
                    (Quantity(..), Int(_)) | (Int(_), Quantity(..))
                ) {
                    (
                        Code::UnitMismatch,
                        "give the number a unit: `1Gi + 512Mi`".to_string(),
                    )
                } else {
                    (
                        Code::TypeMismatch,
                        format!("`{}` works on numbers and quantities", op.symbol()),
                    )
                };
                // The primary label on the right operand and a second on the
                // left: labels that do not overlap draw cleanly.
                self.report(
                    Diagnostic::new(code, rspan, format!("cannot {} {l} and {r}", op_verb(op)))
                        .label(r)
                        .with_label(lspan, l)
                        .help(help),
                );
                return None;
            }
        };
        match result {
            Some(v) => Some(v),
            None => overflow(self),
        }
    }

    fn exact_div(&mut self, a: i64, b: i64, span: Span) -> Option<i64> {
        if a % b != 0 {
            self.report(
                Diagnostic::new(Code::TooPrecise, span, format!("this division leaves a remainder ({a} / {b})"))
                    .label("not exact")
                    .help("values are exact; divide by a number that divides evenly, or write the value out"),
            );
            return None;
        }
        Some(a / b)
    }

    /// For messages: "CPU `250m`", "a string", "instance `system` (node)".
    pub(crate) fn describe_value(&self, value: &Value) -> String {
        match value {
            Value::Int(i) => format!("the number `{i}`"),
            Value::Bool(b) => format!("`{b}`"),
            Value::Str(s) => format!("the string \"{}\"", s.chars().take(40).collect::<String>()),
            Value::Quantity(d, q) => format!("{} `{}`", d.describe(), units::format(*d, *q)),
            Value::Decimal(d) => format!("the number `{}`", units::decimal(d.0, d.1)),
            Value::List(_) => "a list".into(),
            Value::Map(_) => "a map".into(),
            Value::Range(..) => "a range".into(),
            Value::Object(o) => {
                let obj = &self.world.objects[*o];
                let kind = &self.world.kinds[obj.kind].name;
                match &obj.name {
                    Some(n) => format!("`{n}` (a {kind})"),
                    None => format!("a {kind} record"),
                }
            }
            Value::Enum(e, v) => format!("`{v}` (a {})", self.world.enums[*e].name),
            Value::None => "nothing".into(),
        }
    }
}

/// A unitless number read as cores; any other value unchanged.
fn cores(value: Value) -> Value {
    match value {
        Value::Int(i) => i
            .checked_mul(1000)
            .map(|c| Value::Quantity(Dim::Cpu, c))
            .unwrap_or(Value::Int(i)),
        Value::Decimal(d) => match units::scale(d.0, d.1, 1000) {
            Ok(c) => Value::Quantity(Dim::Cpu, c),
            Err(_) => Value::Decimal(d),
        },
        other => other,
    }
}

fn op_verb(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "add",
        BinOp::Sub => "subtract",
        BinOp::Mul => "multiply",
        BinOp::Div => "divide",
    }
}

fn smallest_unit(dim: Dim) -> &'static str {
    match dim {
        Dim::Cpu => "m",
        Dim::Bytes => " byte",
        Dim::Duration => "ms",
        Dim::Percent => "/100 of a percent",
        Dim::Bandwidth => "bps",
        Dim::Money => "/1,000,000 usd",
    }
}

/// Help for an unknown unit: the likely intended one, or the units of the
/// expected dimension.
fn unit_help(unit: &str, wanted: Option<Dim>) -> String {
    let known: Vec<&str> = units::unit_names().collect();
    let fixes: &[(&str, &str)] = &[
        ("GB", "G (decimal) or Gi (binary)"),
        ("MB", "M (decimal) or Mi (binary)"),
        ("KB", "K (decimal) or Ki (binary)"),
        ("TB", "T (decimal) or Ti (binary)"),
        ("GiB", "Gi"),
        ("MiB", "Mi"),
        ("m", "min for minutes"),
        ("sec", "s"),
        ("mins", "min"),
        ("hr", "h"),
        ("days", "d"),
    ];
    if let Some((_, fix)) = fixes.iter().find(|(f, _)| f.eq_ignore_ascii_case(unit)) {
        return format!("write {fix}");
    }
    if let Some(close) = suggest::closest(unit, known.iter().copied()) {
        return format!("did you mean `{close}`?");
    }
    match wanted {
        Some(dim) => {
            let units: Vec<&str> = known
                .iter()
                .copied()
                .filter(|u| units::unit(u).is_some_and(|(d, _)| d == dim))
                .collect();
            format!("units of {}: {}", dim.describe(), units.join(", "))
        }
        None => format!("the units are: {}", known.join(" ")),
    }
}
