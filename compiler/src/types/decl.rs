//! What a declared name is: the kinds of declaration the checker records
//! in its scopes, shared by the scopes (scope.rs), the kinds (kinds.rs) and
//! the language server.

use std::cell::Cell;

use super::ty::{EnumId, KindId};
use crate::resolve::modules::ModuleId;
use crate::source::Span;

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
    /// Brought in by a `use` that failed: using it says nothing more.
    Missing,
}

impl DeclKind {
    /// With its article: "a kind", "an instance".
    pub fn describe(&self) -> &'static str {
        match self {
            DeclKind::Kind(_) => "a kind",
            DeclKind::Enum(_) => "an enum",
            DeclKind::Let(_) => "a constant",
            DeclKind::Instance(_) => "an instance",
            DeclKind::Module(_) => "a module",
            DeclKind::Missing => "a missing import",
        }
    }

    /// Without its article: "kind", "instance".
    pub fn noun(&self) -> &'static str {
        let described = self.describe();
        described
            .split_once(' ')
            .map_or(described, |(_, noun)| noun)
    }
}
