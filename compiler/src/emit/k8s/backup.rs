//! Disaster recovery (seed 000 §8.1): a pg_dump CronJob for every database
//! with a `backup`, which dumps each database, checks that the dump reads
//! back, uploads it to the backup bucket and rotates the copies (daily ones
//! for `keep_daily` days, Sunday ones for `keep_weekly` weeks); and a
//! Velero Schedule for every `cluster_backup`.

use std::borrow::Cow;

use super::pod::{self, plain_env as env};
use crate::emit::kube::labels;
use crate::emit::kube::object::{metadata, object};
use crate::emit::kube::quantity;
use crate::emit::yaml::{b, empty_map, list, map, n, s, Value};
use crate::emit::Context;
use crate::model::{Backup, Service, ServiceId};

/// Dumps every database of the server in pg_dump's compressed custom
/// format and lists each dump back (pg_restore --list) to catch a broken one.
const DUMP_SCRIPT: &str = r#"set -eu
for db in $(psql --no-align --tuples-only --command "SELECT datname FROM pg_database WHERE NOT datistemplate"); do
  pg_dump --format=custom --file="/backup/$db.dump" "$db"
  pg_restore --list "/backup/$db.dump" > /dev/null
done
"#;

/// Uploads the dumps under daily/DATE/ (and weekly/DATE/ on Sundays), then
/// removes the copies older than the retention.
const UPLOAD_SCRIPT: &str = r#"set -eu
mc alias set store "$S3_ENDPOINT" "$S3_ACCESS_KEY" "$S3_SECRET_KEY" --api S3v4 --path on > /dev/null
day="$(date -u +%Y-%m-%d)"
mc cp --recursive /backup/ "store/$BUCKET/$PREFIX/daily/$day/"
if [ "$(date -u +%u)" = 7 ]; then
  mc cp --recursive /backup/ "store/$BUCKET/$PREFIX/weekly/$day/"
fi
mc rm --recursive --force --older-than "${KEEP_DAILY}d" "store/$BUCKET/$PREFIX/daily/"
mc rm --recursive --force --older-than "$((KEEP_WEEKLY * 7))d" "store/$BUCKET/$PREFIX/weekly/"
"#;

/// The pods of a backup job are told apart from the database's own.
pub fn job_name(service: &Service) -> String {
    format!("{}-backup", service.k8s_name)
}

pub fn job_labels<'a>(
    context: &Context<'a>,
    service: &Service,
) -> Vec<(&'static str, Cow<'a, str>)> {
    vec![
        (labels::NAME, Cow::Owned(job_name(service))),
        (labels::COMPONENT, Cow::Borrowed("backup")),
        (labels::PART_OF, labels::part_of(context.platform)),
    ]
}

fn mount(name: &'static str, path: &'static str) -> Value<'static> {
    map([("name", s(name)), ("mountPath", s(path))])
}

/// A container that runs a shell script, restricted like every other.
fn script_container<'a>(
    name: &'static str,
    image: &'a str,
    script: &'static str,
    env: Vec<Value<'a>>,
    mounts: Vec<Value<'a>>,
    run_as: i64,
) -> Value<'a> {
    map([
        ("name", s(name)),
        ("image", s(image)),
        ("imagePullPolicy", s("IfNotPresent")),
        ("command", list([s("sh"), s("-c"), s(script)])),
        ("env", list(env)),
        ("volumeMounts", list(mounts)),
        (
            "securityContext",
            pod::container_security(run_as, true, &[]),
        ),
    ])
}

/// The ServiceAccount and CronJob of a database's backup.
pub fn objects<'a>(context: &Context<'a>, id: ServiceId) -> Vec<Value<'a>> {
    let platform = context.platform;
    let service = &platform.services[id];
    let Some(backup) = &service.backup else {
        return Vec::new();
    };
    let namespace = &platform.namespace_of(service).k8s_name;
    let name = job_name(service);
    let job_labels = job_labels(context, service);
    let meta = || {
        metadata(
            context,
            name.clone(),
            Some(namespace),
            &job_labels,
            backup.span,
        )
    };
    let account = object(
        "v1",
        "ServiceAccount",
        meta(),
        [("automountServiceAccountToken", b(false))],
    );
    let pod = map([
        (
            "metadata",
            map([(
                "labels",
                map(job_labels.iter().map(|(k, v)| (*k, s(v.clone())))),
            )]),
        ),
        ("spec", pod_spec(service, backup, name.clone())),
    ]);
    let job = map([("backoffLimit", n(2)), ("template", pod)]);
    let spec = map([
        ("schedule", s(&backup.schedule)),
        // The seed's times are UTC (000 §8.1).
        ("timeZone", s("Etc/UTC")),
        ("concurrencyPolicy", s("Forbid")),
        ("jobTemplate", map([("spec", job)])),
    ]);
    vec![
        account,
        object("batch/v1", "CronJob", meta(), [("spec", spec)]),
    ]
}

fn pod_spec<'a>(service: &'a Service, backup: &'a Backup, account: String) -> Value<'a> {
    let port = service.ports.values().next().copied().unwrap_or_default();
    // The server's own credentials, then libpq's variables built from them.
    let mut dump_env: Vec<Value> = service
        .pod
        .secrets
        .iter()
        .map(|(k, v)| pod::secret_env(k, v))
        .collect();
    dump_env.extend([
        // The server's Service, in the job's own namespace.
        env("PGHOST", &service.k8s_name),
        env("PGPORT", port.to_string()),
        env(
            "PGUSER",
            service
                .pod
                .env
                .get("POSTGRES_USER")
                .map_or("postgres", String::as_str),
        ),
    ]);
    if service.pod.secrets.contains_key("POSTGRES_PASSWORD") {
        dump_env.push(env("PGPASSWORD", "$(POSTGRES_PASSWORD)"));
    }
    // The server's image: pg_dump of the same major version.
    let dump = script_container(
        "dump",
        &service.pod.image,
        DUMP_SCRIPT,
        dump_env,
        vec![mount("backup", "/backup")],
        service.pod.run_as,
    );
    let mut upload_env: Vec<Value> = backup
        .secrets
        .iter()
        .map(|(k, v)| pod::secret_env(k, v))
        .collect();
    upload_env.extend([
        env("BUCKET", &backup.bucket),
        env("PREFIX", &service.k8s_name),
        env("KEEP_DAILY", backup.keep_daily.to_string()),
        env("KEEP_WEEKLY", backup.keep_weekly.to_string()),
        env("MC_CONFIG_DIR", "/tmp/mc"),
    ]);
    let mounts = vec![mount("backup", "/backup"), mount("tmp", "/tmp")];
    let upload = script_container(
        "upload",
        &backup.uploader,
        UPLOAD_SCRIPT,
        upload_env,
        mounts,
        service.pod.run_as,
    );
    map([
        ("serviceAccountName", s(account)),
        ("automountServiceAccountToken", b(false)),
        ("enableServiceLinks", b(false)),
        ("restartPolicy", s("Never")),
        ("securityContext", pod::pod_security(service)),
        // The dump runs first; the upload only after it succeeded.
        ("initContainers", list([dump])),
        ("containers", list([upload])),
        (
            "volumes",
            list([
                map([("name", s("backup")), ("emptyDir", empty_map())]),
                map([("name", s("tmp")), ("emptyDir", empty_map())]),
            ]),
        ),
    ])
}

/// A Velero Schedule per `cluster_backup`, in Velero's namespace. Volume
/// data is copied by Velero's file-system backup, which works for
/// node-local volumes that have no snapshots. The storage location is the
/// one named after the bucket, set up when Velero is installed.
/// Each Schedule with its name.
pub fn velero_schedules<'a>(context: &Context<'a>) -> Vec<(&'a str, Value<'a>)> {
    let platform = context.platform;
    platform
        .cluster_backups
        .iter()
        .map(|backup| {
            let part_of = [(labels::PART_OF, labels::part_of(platform))];
            let meta = metadata(
                context,
                &backup.k8s_name,
                Some(VELERO_NAMESPACE),
                &part_of,
                backup.span,
            );
            let mut template: Vec<(&str, Value)> = vec![("includedNamespaces", list([s("*")]))];
            if !backup.exclude.is_empty() {
                template.push((
                    "excludedNamespaces",
                    list(
                        backup
                            .exclude
                            .iter()
                            .map(|n| s(&platform.namespaces[*n].k8s_name)),
                    ),
                ));
            }
            template.extend([
                ("includeClusterResources", b(true)),
                ("defaultVolumesToFsBackup", b(true)),
                ("storageLocation", s(&backup.bucket)),
                ("ttl", s(quantity::go_hours(backup.keep_ms))),
            ]);
            let spec = map([
                ("schedule", s(&backup.schedule)),
                ("template", map(template)),
            ]);
            (
                backup.k8s_name.as_str(),
                object("velero.io/v1", "Schedule", meta, [("spec", spec)]),
            )
        })
        .collect()
}

pub const VELERO_NAMESPACE: &str = "velero";
