//! Whether every component can do what the platform asks of it, by what
//! its stdlib kind declares: a `backup` needs a backup method
//! (`backup_method`), since what a backup runs belongs to the software
//! (pg_dump for PostgreSQL), not to the compiler; and a server that knows
//! no peers (`single_server`) runs as one replica, since N copies of it
//! are N independent servers behind one Service, unless an operator runs
//! them as one replicated cluster (`replication`): an operator of clusters
//! of its kind, with a fixed number of instances, one at least.

mod logins;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::{Platform, Replication, Service};

pub fn check(platform: &Platform, diagnostics: &mut Diagnostics) {
    backups(platform, diagnostics);
    single_servers(platform, diagnostics);
    replications(platform, diagnostics);
    caches(platform, diagnostics);
    logins::check(platform, diagnostics);
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
        if !service.single_server
            || service.replication.is_some()
            || (most <= 1 && service.autoscale.is_none())
        {
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
            .help("run one replica (its volume and backup keep the data), or hand the replicas to an operator that runs them as one cluster (`replication`; the stdlib's `cloudnative_pg_cluster` for `postgres`)"),
        );
    }
}

fn replications(platform: &Platform, diagnostics: &mut Diagnostics) {
    for (_, service) in platform.deployed() {
        let Some(replication) = &service.replication else {
            continue;
        };
        let operator = &platform.services[replication.operator];
        if operator.roles.replicates.as_deref() != Some(service.kind.as_str()) {
            let runs = match &operator.roles.replicates {
                Some(kind) => format!("runs clusters of `{kind}`"),
                None => "runs no replicated clusters".to_string(),
            };
            let operators: Vec<String> = platform
                .services
                .iter()
                .filter(|s| s.roles.replicates.as_deref() == Some(service.kind.as_str()))
                .map(|s| format!("`{}`", s.name))
                .collect();
            let help = if operators.is_empty() {
                format!(
                    "name an operator whose kind replicates `{}`; none is declared here, and a kind no operator replicates runs one replica without `replication`",
                    service.kind
                )
            } else {
                format!("name one of {}", operators.join(", "))
            };
            diagnostics.push(
                Diagnostic::new(
                    Code::ReplicationWrongOperator,
                    replication.operator_span,
                    format!(
                        "`{}` is a `{}`, but its replication names `{}`, which {runs}",
                        service.name, service.kind, operator.name
                    ),
                )
                .label(format!("does not run `{}` clusters", service.kind))
                .help(help),
            );
            continue;
        }
        unread_fields(service, replication, diagnostics);
        let problem = if service.autoscale.is_some() || service.autoscaled() {
            Some((
                "an autoscaler would add and remove instances the operator alone decides on"
                    .to_string(),
                "not a fixed number".to_string(),
            ))
        } else if service.replicas.request < 1 {
            Some((
                format!(
                    "a cluster of {} instances holds no data",
                    service.replicas.request
                ),
                "no instance".to_string(),
            ))
        } else {
            None
        };
        if let Some((why, label)) = problem {
            diagnostics.push(
                Diagnostic::new(
                    Code::ReplicatedInstances,
                    service.replicas_span,
                    format!(
                        "`{}` is a replicated cluster whose `replicas` are its instances: {why}",
                        service.name
                    ),
                )
                .label(label)
                .help("give a fixed number of instances: 1, or 3 for a primary and two standbys (`replicas = 3`)"),
            );
        }
    }
}

/// The fields of `replication` only CloudNativePG's resources have a place
/// for: PostgreSQL's database, logins and roles, and the archive of its
/// write-ahead log.
const POSTGRES_ONLY: &[&str] = &[
    "plugin",
    "bucket",
    "schedule",
    "keep",
    "secret",
    "database",
    "owner",
    "owner_login",
    "superuser_login",
    "sidecar_env",
    "logins",
    "client_logins",
    "plugin_sidecar",
    "generation",
];

/// A field the operator's resources have no place for would be dropped
/// without a word: a RabbitmqCluster has no database, owner or archive.
fn unread_fields(service: &Service, replication: &Replication, diagnostics: &mut Diagnostics) {
    if !replication.is_rabbitmq() {
        return;
    }
    for (field, span) in &replication.fields_set {
        if !POSTGRES_ONLY.contains(&field.as_str()) {
            continue;
        }
        diagnostics.push(
            Diagnostic::new(
                Code::ReplicationFieldUnread,
                *span,
                format!(
                    "`{}` is run as a RabbitmqCluster, which has no place for the replication's `{field}` (a PostgreSQL cluster's)",
                    service.name
                ),
            )
            .label(format!("`{field}` would be ignored"))
            .help("remove it: a RabbitmqCluster replicates its queues itself (quorum queues), logs its clients in as the default user of the Secret `<name>-default-user`, and archives nothing"),
        );
    }
}

fn backups(platform: &Platform, diagnostics: &mut Diagnostics) {
    for service in &platform.services {
        let Some(backup) = &service.backup else {
            continue;
        };
        // A cache's backup is refused for what it is (E0909).
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
