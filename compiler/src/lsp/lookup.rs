//! Looking names up the way the checker does (types/scope.rs): a module's
//! imports, then its own namespace (shared by all the platform's files),
//! then the prelude, over the scopes the checker kept in `World::names`.

use indexmap::IndexMap;

use super::target::Target;
use crate::resolve::modules::{ModuleId, Origin};
use crate::source::FileId;
use crate::types::{DeclKind, Named, World};
use crate::Compilation;

#[derive(Clone, Copy)]
pub struct Scopes<'c> {
    pub compilation: &'c Compilation,
}

impl<'c> Scopes<'c> {
    pub fn new(compilation: &'c Compilation) -> Scopes<'c> {
        Scopes { compilation }
    }

    pub fn world(&self) -> &'c World {
        &self.compilation.world
    }

    pub fn module_of(&self, file: FileId) -> Option<ModuleId> {
        self.compilation.modules.iter().position(|m| m.file == file)
    }

    /// The namespace a module declares into.
    pub fn scope_of(&self, module: ModuleId) -> Option<&'c IndexMap<String, Named>> {
        let names = &self.world().names;
        match self.compilation.modules.get(module).map(|m| &m.origin) {
            Some(Origin::User) => Some(&names.user),
            Some(Origin::Stdlib(_)) => names.modules.get(&module),
            None => None,
        }
    }

    /// Every name visible from `module`, the nearer first: imports, its
    /// namespace, the prelude.
    pub fn visible(&self, module: Option<ModuleId>) -> Vec<&'c IndexMap<String, Named>> {
        let names = &self.world().names;
        let own = module.map(|m| (names.imports.get(&m), self.scope_of(m)));
        let (imports, scope) = own.unwrap_or((None, None));
        [imports, scope, names.modules.get(&names.prelude)]
            .into_iter()
            .flatten()
            .collect()
    }

    pub fn lookup(&self, module: Option<ModuleId>, name: &str) -> Option<&'c Named> {
        self.visible(module)
            .into_iter()
            .find_map(|scope| scope.get(name))
    }

    /// A member of a module reached through its alias: `oci.a1_flex`.
    pub fn lookup_in(&self, module: ModuleId, name: &str) -> Option<&'c Named> {
        self.scope_of(module)?.get(name)
    }

    /// What a declared name means now that the checker is done; `None` for
    /// an instance whose kind failed or an import that failed.
    pub fn target(&self, named: &Named) -> Option<Target> {
        Some(match named.kind {
            DeclKind::Kind(k) => Target::Kind(k),
            DeclKind::Enum(e) => Target::Enum(e),
            DeclKind::Let(l) => Target::Let(l),
            DeclKind::Instance(p) => Target::Instance((*self.world().names.instances.get(p)?)?),
            DeclKind::Module(m) => Target::Module(m),
            DeclKind::Missing => return None,
        })
    }
}
