//! What a name in the source can mean, as the language server's index
//! (index.rs) records it and its lookups (lookup.rs) resolve it.

use crate::resolve::modules::ModuleId;
use crate::types::ty::{EnumId, KindId};
use crate::types::value::ObjId;

/// A declaration a name can mean.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    Kind(KindId),
    Enum(EnumId),
    Variant(EnumId, String),
    Let(usize),
    /// A named instance, or the record it stands for.
    Instance(ObjId),
    Module(ModuleId),
    /// A field of a kind, declared in that kind or one it extends.
    Field(KindId, String),
}
