//! Warnings for what the platform's own files declare or import and never
//! use. The stdlib is exempt: it exists to be used in part. A name the
//! body of any environment names counts as used: it is, in that
//! environment, whichever one is being checked.

use std::collections::HashSet;

use super::decl::DeclKind;
use super::Checker;
use crate::diagnostics::{Code, Diagnostic};
use crate::syntax::ast::{Expr, ExprKind, StrPart};

impl Checker<'_> {
    pub(crate) fn report_unused(&mut self) {
        let in_envs = self.names_in_envs();
        let mut warnings = Vec::new();
        let mut modules: Vec<_> = self.imports.keys().copied().collect();
        modules.sort();
        for module in modules {
            if !self.is_user(module) {
                continue;
            }
            for (name, decl) in &self.imports[&module] {
                if !decl.used.get() && !in_envs.contains(name.as_str()) {
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
            if !decl.used.get() && !in_envs.contains(name.as_str()) {
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

    /// The first name of every path the environments' bodies write: the
    /// kinds of their instances and every name their values refer to.
    fn names_in_envs(&self) -> HashSet<&str> {
        let mut names = HashSet::new();
        for (_, decl) in self.envs.values() {
            for instance in &decl.instances {
                names.insert(instance.kind.segments[0].name.as_str());
                for stmt in &instance.body {
                    expr_names(&stmt.value, &mut names);
                }
            }
            for o in &decl.overrides {
                expr_names(&o.value, &mut names);
            }
        }
        names
    }
}

fn expr_names<'a>(expr: &'a Expr, names: &mut HashSet<&'a str>) {
    match &expr.kind {
        ExprKind::Path(path) => {
            names.insert(path.segments[0].name.as_str());
        }
        ExprKind::Construct(path, stmts) => {
            names.insert(path.segments[0].name.as_str());
            for stmt in stmts {
                expr_names(&stmt.value, names);
            }
        }
        ExprKind::Record(stmts) => {
            for stmt in stmts {
                expr_names(&stmt.value, names);
            }
        }
        ExprKind::List(items) => items.iter().for_each(|e| expr_names(e, names)),
        ExprKind::Paren(e) => expr_names(e, names),
        ExprKind::Range(a, b) => {
            expr_names(a, names);
            expr_names(b, names);
        }
        ExprKind::Arith(first, rest) => {
            expr_names(first, names);
            rest.iter().for_each(|(_, e)| expr_names(e, names));
        }
        ExprKind::Str(parts) => {
            for part in parts {
                if let StrPart::Interp(e) = part {
                    expr_names(e, names);
                }
            }
        }
        ExprKind::Number { .. } | ExprKind::Bool(_) => {}
    }
}
