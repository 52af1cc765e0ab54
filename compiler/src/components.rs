//! Whether every component can do what the platform asks of it, by what
//! its stdlib kind declares: a `backup` needs a backup method
//! (`backup_method`), since what a backup runs belongs to the software
//! (pg_dump for PostgreSQL), not to the compiler; and a server that knows
//! no peers (`single_server`) runs as one replica, since N copies of it
//! are N independent servers behind one Service.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::Platform;

pub fn check(platform: &Platform, diagnostics: &mut Diagnostics) {
    backups(platform, diagnostics);
    single_servers(platform, diagnostics);
    caches(platform, diagnostics);
}

/// A `cache` holds what may be lost: a backup of it would restore stale
/// sessions and counters over the ones clients rebuilt, so the two
/// declarations contradict each other.
fn caches(platform: &Platform, diagnostics: &mut Diagnostics) {
    for service in &platform.services {
        let (Some(cache), Some(backup)) = (service.cache, &service.backup) else {
            continue;
        };
        diagnostics.push(
            Diagnostic::new(
                Code::BackupOfCache,
                backup.span,
                format!(
                    "`{}` is declared a cache, whose data may be lost, yet has a backup",
                    service.name
                ),
            )
            .label("a backup of a cache")
            .with_label(cache, "declared a cache here")
            .help("remove `backup` if its data can be rebuilt (sessions, counters, cached values), or remove `cache = true` if it keeps data that must survive"),
        );
    }
}

fn single_servers(platform: &Platform, diagnostics: &mut Diagnostics) {
    for (_, service) in platform.deployed() {
        let most = service.replicas.limit.max(service.replicas.request);
        if !service.single_server || (most <= 1 && service.autoscale.is_none()) {
            continue;
        }
        let copies = if service.autoscale.is_some() {
            format!("up to {most}")
        } else {
            most.to_string()
        };
        diagnostics.push(
            Diagnostic::new(
                Code::ReplicatedSingleServer,
                service.replicas_span,
                format!(
                    "`{}` is a `{}`, a server that knows no peers: {copies} replicas would be as many independent servers behind one Service, which split writes and miss reads",
                    service.name, service.kind
                ),
            )
            .label(format!("{copies} independent servers"))
            .help("run one replica (its volume and backup keep the data); replication needs software that runs it, such as an operator with a primary and standbys"),
        );
    }
}

fn backups(platform: &Platform, diagnostics: &mut Diagnostics) {
    for service in &platform.services {
        let Some(backup) = &service.backup else {
            continue;
        };
        // A cache's backup is refused for what it is (E0905).
        if service.backup_method.is_some() || service.cache.is_some() {
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
