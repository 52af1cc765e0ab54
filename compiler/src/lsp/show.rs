//! Evaluated values written the way hpl source writes them, for hover and
//! completion details: `250m ..= 500m`, `12Gi`, `a1_flex { cpu = 2 }`.

use crate::types::ty::Dim;
use crate::types::units;
use crate::types::value::{ObjId, SlotRef, Value};
use crate::types::World;

/// Past this many characters a value is cut with `…`: a hover is a glance.
const MAX_CHARS: usize = 400;
/// Records nested deeper than this are written `{ … }`.
const MAX_DEPTH: usize = 3;

pub fn value(world: &World, value: &Value) -> String {
    let mut out = String::new();
    write(world, value, 0, &mut out);
    if out.chars().count() > MAX_CHARS {
        out = out.chars().take(MAX_CHARS).collect::<String>() + "…";
    }
    out
}

/// The value of an object's field, or why there is none.
pub fn field(world: &World, obj: ObjId, name: &str) -> String {
    match world.slot(obj, name) {
        Some(SlotRef::Done(Value::None)) => "unset".to_string(),
        Some(SlotRef::Done(v)) => format!("`{}`", value(world, v)),
        Some(SlotRef::Failed) => "none: it has an error".to_string(),
        Some(SlotRef::Pending | SlotRef::InProgress | SlotRef::Default) | None => {
            "not evaluated".to_string()
        }
    }
}

fn write(world: &World, value: &Value, depth: usize, out: &mut String) {
    match value {
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Bool(b) => out.push_str(&b.to_string()),
        Value::Str(s) => out.push_str(&format!("{s:?}")),
        // Bytes as reports write them (`80G`, not `78125000Ki`).
        Value::Quantity(Dim::Bytes, amount) => out.push_str(&crate::model::show::bytes(*amount)),
        Value::Quantity(dim, amount) => out.push_str(&units::format(*dim, *amount)),
        Value::Decimal(d) => out.push_str(&units::decimal(d.0, d.1)),
        Value::Enum(_, variant) => out.push_str(variant),
        Value::None => out.push_str("none"),
        Value::Range(low, high) => {
            write(world, low, depth, out);
            out.push_str(" ..= ");
            write(world, high, depth, out);
        }
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                out.push_str(if i == 0 { "" } else { ", " });
                write(world, item, depth + 1, out);
            }
            out.push(']');
        }
        Value::Map(entries) => {
            let entries = entries.iter().map(|(k, v)| (k.as_str(), v));
            braces(world, entries, depth, out);
        }
        Value::Object(obj) => object(world, *obj, depth, out),
    }
}

/// A named instance by its name; a record by its kind and the fields its
/// source sets.
fn object(world: &World, obj: ObjId, depth: usize, out: &mut String) {
    let Some(object) = world.objects.get(obj) else {
        return;
    };
    if let Some(name) = &object.name {
        out.push_str(name);
        return;
    }
    out.push_str(&world.kinds[object.kind].name);
    out.push(' ');
    let mut set: Vec<&str> = Vec::new();
    for source in &object.stmts {
        if !set.contains(&source.stmt.field.name.as_str()) {
            set.push(&source.stmt.field.name);
        }
    }
    let entries = set.into_iter().map(|name| (name, world.get(obj, name)));
    braces(world, entries, depth, out);
}

fn braces<'v>(
    world: &World,
    entries: impl Iterator<Item = (&'v str, &'v Value)>,
    depth: usize,
    out: &mut String,
) {
    if depth >= MAX_DEPTH {
        out.push_str("{ … }");
        return;
    }
    out.push('{');
    let mut empty = true;
    for (i, (key, v)) in entries.enumerate() {
        out.push_str(if i == 0 { " " } else { ", " });
        out.push_str(key);
        out.push_str(" = ");
        write(world, v, depth + 1, out);
        empty = false;
    }
    out.push_str(if empty { "}" } else { " }" });
}
