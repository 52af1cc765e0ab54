//! Whether every component can do what the platform asks of it, by what
//! its stdlib kind declares: a `backup` needs a backup method
//! (`backup_method`), since what a backup runs belongs to the software
//! (pg_dump for PostgreSQL), not to the compiler.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::Platform;

pub fn check(platform: &Platform, diagnostics: &mut Diagnostics) {
    for service in &platform.services {
        let Some(backup) = &service.backup else {
            continue;
        };
        if service.backup_method.is_some() {
            continue;
        }
        let with_method: Vec<&str> = platform
            .services
            .iter()
            .filter(|s| s.backup_method.is_some())
            .map(|s| s.kind.as_str())
            .collect();
        let mut kinds = with_method.clone();
        kinds.sort_unstable();
        kinds.dedup();
        let known = if kinds.is_empty() {
            String::new()
        } else {
            format!(" (the kinds here that have one: {})", kinds.join(", "))
        };
        diagnostics.push(
            Diagnostic::new(
                Code::BackupWithoutMethod,
                backup.span,
                format!(
                    "`{}` is a `{}`, whose kind has no backup method: nothing knows how to dump its data",
                    service.name, service.kind
                ),
            )
            .label("no backup method for this kind")
            .help(format!(
                "remove `backup`, or give the kind a `backup_method` with the `dump` and `restore` scripts its software needs{known}"
            )),
        );
    }
}
