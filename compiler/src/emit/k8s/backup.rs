//! Disaster recovery: for every component with a `backup`, a CronJob that
//! runs the backup method of the component's kind (stdlib data: its `dump`
//! script in the component's own image), then the backup's `upload` script,
//! which copies the files to the bucket and rotates the copies; and a
//! suspended CronJob that runs the other way when an operator starts it
//! (`kubectl create job --from=cronjob/<name>-restore <name>-restore-1`):
//! the backup's `download` script fetches the newest daily copy, then the
//! method's `restore` script reads it back. A Velero Schedule for every
//! `cluster_backup`.

use std::borrow::Cow;

use super::pod::{self, plain_env as env};
use crate::emit::kube::labels;
use crate::emit::kube::object::{metadata, object};
use crate::emit::kube::quantity;
use crate::emit::yaml::{b, empty_map, list, map, n, s, Value};
use crate::emit::Context;
use crate::model::{Backup, BackupMethod, Platform, Service, ServiceId};

/// The pods of a backup job are told apart from the database's own.
pub fn job_name(service: &Service) -> String {
    service.backup_job_name()
}

/// The restore job of a component, which an operator starts by hand.
pub fn restore_name(service: &Service) -> String {
    service.restore_job_name()
}

/// The labels of the backup's and the restore's pods, which reach the same
/// component and bucket through the same network policies.
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

/// Where the dump is written and read: a directory of the job's pod that
/// both its containers mount (`$BACKUP_DIR` in their scripts).
const BACKUP_DIR: &str = "/backup";

fn mount(name: &'static str, path: &'static str) -> Value<'static> {
    map([("name", s(name)), ("mountPath", s(path))])
}

/// A container that runs a shell script, restricted like every other.
fn script_container<'a>(
    name: &'static str,
    image: &'a str,
    script: &'a str,
    env: Vec<Value<'a>>,
    mounts: Vec<Value<'a>>,
    run_as: i64,
    backup: &Backup,
) -> Value<'a> {
    map([
        ("name", s(name)),
        ("image", s(image)),
        ("imagePullPolicy", s("IfNotPresent")),
        ("command", list([s("sh"), s("-c"), s(script)])),
        ("env", list(env)),
        ("resources", pod::resources(backup.cpu, backup.memory)),
        ("volumeMounts", list(mounts)),
        (
            "securityContext",
            pod::container_security(run_as, true, &[]),
        ),
    ])
}

/// The ServiceAccount, the backup's CronJob and the suspended restore
/// CronJob of a component.
pub fn objects<'a>(context: &Context<'a>, id: ServiceId) -> Vec<Value<'a>> {
    let platform = context.platform;
    let service = &platform.services[id];
    // A backup without a method was refused by the checks.
    let (Some(backup), Some(method)) = (&service.backup, &service.backup_method) else {
        return Vec::new();
    };
    let namespace = &platform.namespace_of(service).k8s_name;
    let job_labels = job_labels(context, service);
    // The jobs run on the node of the component's first replica, where
    // the planner counts them (`job_peaks`).
    let node = job_node(context, id);
    let meta = |name: String| metadata(context, name, Some(namespace), &job_labels, backup.span);
    let account = object(
        "v1",
        "ServiceAccount",
        meta(job_name(service)),
        [("automountServiceAccountToken", b(false))],
    );
    let cron_job = |name: String, spec: Value<'a>, suspend: bool| {
        let pod = map([
            (
                "metadata",
                map([(
                    "labels",
                    map(job_labels.iter().map(|(k, v)| (*k, s(v.clone())))),
                )]),
            ),
            ("spec", spec),
        ]);
        let job = map([("backoffLimit", n(2)), ("template", pod)]);
        let mut spec = vec![
            ("schedule", s(&backup.schedule)),
            // Schedules are read in UTC, whatever the cluster's zone.
            ("timeZone", s("Etc/UTC")),
            ("concurrencyPolicy", s("Forbid")),
        ];
        if suspend {
            spec.push(("suspend", b(true)));
        }
        spec.push(("jobTemplate", map([("spec", job)])));
        object("batch/v1", "CronJob", meta(name), [("spec", map(spec))])
    };
    vec![
        account,
        cron_job(
            job_name(service),
            backup_pod(platform, service, backup, method, node),
            false,
        ),
        cron_job(
            restore_name(service),
            restore_pod(platform, service, backup, method, node),
            true,
        ),
    ]
}

/// What the component's own scripts get: its environment and secrets, and
/// where its Service answers (in the job's own namespace).
fn component_env<'a>(service: &'a Service) -> Vec<Value<'a>> {
    let port = service
        .ports
        .keys()
        .next()
        .and_then(|name| service.service_port(name))
        .unwrap_or_default();
    let mut env_list: Vec<Value> = service
        .pod
        .env
        .iter()
        .map(|(k, v)| env(k, v.as_str()))
        .collect();
    env_list.extend(pod::service_secret_env(service));
    env_list.extend([
        env("SERVICE_HOST", service.client_service_name()),
        env("SERVICE_PORT", port.to_string()),
        env("BACKUP_DIR", BACKUP_DIR),
    ]);
    env_list
}

/// What the uploader's scripts get: the bucket's credentials, as files
/// (`S3_ACCESS_KEY_FILE`), where the component's copies are kept, the
/// region the store signs requests for, and the client's own settings.
fn store_env<'a>(
    platform: &'a Platform,
    service: &'a Service,
    backup: &'a Backup,
) -> Vec<Value<'a>> {
    let mut env_list: Vec<Value> = backup
        .secrets
        .keys()
        .map(|k| pod::secret_file_env(k, k))
        .collect();
    env_list.extend([
        env("BUCKET", &backup.bucket),
        env("PREFIX", &service.k8s_name),
        env("KEEP_DAILY", backup.keep_daily.to_string()),
        env("KEEP_WEEKLY", backup.keep_weekly.to_string()),
        env("S3_REGION", &platform.cloud.region),
        env("BACKUP_DIR", BACKUP_DIR),
    ]);
    env_list.extend(backup.uploader_env.iter().map(|(k, v)| env(k, v.as_str())));
    env_list
}

/// The dump runs first, in the component's image; the upload only after
/// it succeeded.
fn backup_pod<'a>(
    platform: &'a Platform,
    service: &'a Service,
    backup: &'a Backup,
    method: &'a BackupMethod,
    node: Option<&'a str>,
) -> Value<'a> {
    let dump = script_container(
        "dump",
        &service.pod.image,
        &method.dump,
        component_env(service),
        component_mounts(service),
        service.pod.run_as,
        backup,
    );
    let upload = script_container(
        "upload",
        &backup.uploader,
        &backup.upload,
        store_env(platform, service, backup),
        store_mounts(backup),
        service.pod.run_as,
        backup,
    );
    job_pod(service, backup, job_name(service), node, dump, upload)
}

/// The newest daily copy is fetched first; the restore reads it after.
fn restore_pod<'a>(
    platform: &'a Platform,
    service: &'a Service,
    backup: &'a Backup,
    method: &'a BackupMethod,
    node: Option<&'a str>,
) -> Value<'a> {
    let download = script_container(
        "download",
        &backup.uploader,
        &backup.download,
        store_env(platform, service, backup),
        store_mounts(backup),
        service.pod.run_as,
        backup,
    );
    let restore = script_container(
        "restore",
        &service.pod.image,
        &method.restore,
        component_env(service),
        component_mounts(service),
        service.pod.run_as,
        backup,
    );
    job_pod(service, backup, job_name(service), node, download, restore)
}

/// The node a component's jobs run on: its first replica's.
fn job_node<'a>(context: &Context<'a>, id: ServiceId) -> Option<&'a str> {
    let node = *context.plan.nodes_of(id).first()?;
    Some(&context.platform.nodes[node].k8s_name)
}

/// The volume of the bucket's credentials, the uploader's alone.
const STORE_SECRETS: &str = "store-secrets";

/// The component's container: the dump directory, and its secrets as
/// files where its image reads them so.
fn component_mounts<'a>(service: &Service) -> Vec<Value<'a>> {
    let mut mounts = vec![mount("backup", BACKUP_DIR)];
    if pod::has_secret_files(service) {
        mounts.push(pod::secrets_mount(pod::SECRETS_VOLUME));
    }
    mounts
}

/// The uploader's: the dump directory, a scratch directory and the
/// bucket's credentials as files.
fn store_mounts<'a>(backup: &Backup) -> Vec<Value<'a>> {
    let mut mounts = vec![mount("backup", BACKUP_DIR), mount("tmp", "/tmp")];
    if !backup.secrets.is_empty() {
        mounts.push(pod::secrets_mount(STORE_SECRETS));
    }
    mounts
}

fn job_pod<'a>(
    service: &'a Service,
    backup: &'a Backup,
    account: String,
    node: Option<&'a str>,
    first: Value<'a>,
    then: Value<'a>,
) -> Value<'a> {
    let mut spec = vec![
        ("serviceAccountName", s(account)),
        ("automountServiceAccountToken", b(false)),
        ("enableServiceLinks", b(false)),
        ("restartPolicy", s("Never")),
        ("securityContext", pod::pod_security(service)),
    ];
    if let Some(node) = node {
        spec.push(("nodeSelector", map([(labels::NODE, s(node))])));
    }
    let mut volumes = vec![
        map([("name", s("backup")), ("emptyDir", empty_map())]),
        map([("name", s("tmp")), ("emptyDir", empty_map())]),
    ];
    if pod::has_secret_files(service) {
        volumes.push(pod::secrets_volume(
            pod::SECRETS_VOLUME,
            &service.pod.secrets,
        ));
    }
    if !backup.secrets.is_empty() {
        volumes.push(pod::secrets_volume(STORE_SECRETS, &backup.secrets));
    }
    spec.extend([
        ("initContainers", list([first])),
        ("containers", list([then])),
        ("volumes", list(volumes)),
    ]);
    map(spec)
}

/// A Velero Schedule per `cluster_backup`, in its Velero's namespace.
/// Volume data is copied by Velero's file-system backup, which works for
/// node-local volumes that have no snapshots. The storage location is the
/// one named after the bucket. Each Schedule with its namespace.
pub fn velero_schedules<'a>(context: &Context<'a>) -> Vec<(&'a str, Value<'a>)> {
    let platform = context.platform;
    platform
        .cluster_backups
        .iter()
        .map(|backup| {
            let part_of = [(labels::PART_OF, labels::part_of(platform))];
            let namespace = &platform
                .namespace_of(&platform.services[backup.velero])
                .k8s_name;
            let meta = metadata(
                context,
                &backup.k8s_name,
                Some(namespace),
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
                namespace.as_str(),
                object("velero.io/v1", "Schedule", meta, [("spec", spec)]),
            )
        })
        .collect()
}
