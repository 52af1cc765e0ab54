//! Warnings for what the platform's own files declare or import and never
//! use. The stdlib is exempt: it exists to be used in part.

use super::decl::DeclKind;
use super::Checker;
use crate::diagnostics::{Code, Diagnostic};

impl Checker<'_> {
    pub(crate) fn report_unused(&mut self) {
        let mut warnings = Vec::new();
        let mut modules: Vec<_> = self.imports.keys().copied().collect();
        modules.sort();
        for module in modules {
            if !self.is_user(module) {
                continue;
            }
            for (name, decl) in &self.imports[&module] {
                if !decl.used.get() {
                    warnings.push(
                        Diagnostic::new(
                            Code::UnusedImport,
                            decl.span,
                            format!("`{name}` is imported but never used"),
                        )
                        .label("unused")
                        .help("remove it from the `use` line"),
                    );
                }
            }
        }
        for (name, decl) in &self.user_scope {
            let what = match decl.kind {
                DeclKind::Let(_) | DeclKind::Kind(_) | DeclKind::Enum(_) => decl.kind.noun(),
                DeclKind::Instance(_) | DeclKind::Module(_) | DeclKind::Missing => continue,
            };
            if !decl.used.get() {
                warnings.push(
                    Diagnostic::new(
                        Code::UnusedDeclaration,
                        decl.span,
                        format!("{what} `{name}` is never used"),
                    )
                    .label("unused")
                    .help(format!("remove the {what}, or use it")),
                );
            }
        }
        for w in warnings {
            self.report(w);
        }
    }
}
