//! Replicated clusters: a component whose `replication` names an operator
//! gets the operator's custom resources instead of a workload hplc writes.
//! For CloudNativePG (`cloudnative_pg`): a `Cluster` with the component's
//! instances, image, resources, volume, placement, database, owner,
//! logins and a role per client; and, when the write-ahead log is
//! archived, the Barman Cloud plugin's `ObjectStore` (the bucket at the
//! object storage's endpoint, with the credentials as Secrets) and a
//! `ScheduledBackup` of base backups. The operator makes the pods, the
//! Services (`<name>-rw` for the primary) and the PodDisruptionBudgets;
//! hplc writes none of them. Beside them, not applied, the `Cluster` that
//! recovers an archived cluster from its archive ([`recovery`]).
//! For the RabbitMQ Cluster Operator (`rabbitmq`): see `rabbitmq`.

use std::borrow::Cow;

use super::placement::{pod_fields, Nodes};
use super::pod;
use crate::emit::kube::labels;
use crate::emit::kube::object::{metadata, object};
use crate::emit::kube::quantity;
use crate::emit::yaml::{b, list, map, n, s, Value};
use crate::emit::Context;
use crate::model::{Replication, Service, ServiceId};

mod rabbitmq;

/// The Barman Cloud plugin's name, which the operator knows it by (its
/// Service's `cnpg.io/pluginName` label, set by the plugin's chart).
const BARMAN_CLOUD: &str = "barman-cloud.cloudnative-pg.io";

/// The objects of one replicated component, in the order they are applied:
/// the object store before the cluster that archives to it.
pub fn objects<'a>(context: &Context<'a>, nodes: &Nodes, id: ServiceId) -> Vec<Value<'a>> {
    let platform = context.platform;
    let service = &platform.services[id];
    let Some(replication) = &service.replication else {
        return Vec::new();
    };
    let operator = &platform.services[replication.operator];
    if replication.is_rabbitmq() {
        return rabbitmq::objects(context, nodes, id);
    }
    if operator.roles.cluster_api.as_deref() != Some("cloudnative_pg") {
        return Vec::new();
    }
    let store = object_store(context, service, replication);
    let mut objects: Vec<Value> = store.iter().cloned().collect();
    objects.push(cluster(
        context,
        nodes,
        id,
        store.is_some(),
        Bootstrap::Initdb,
    ));
    if store.is_some() {
        objects.push(scheduled_backup(context, service, replication));
    }
    objects
}

fn meta<'a>(context: &Context<'a>, service: &'a Service, span: crate::source::Span) -> Value<'a> {
    let platform = context.platform;
    metadata(
        context,
        service.k8s_name.as_str(),
        Some(&platform.namespace_of(service).k8s_name),
        &labels::of(platform, service),
        span,
    )
}

/// A reference to one key of a Secret, as the operators take it.
fn key_ref<'a>(name: &'a str, key: &'a str) -> Value<'a> {
    map([("name", s(name)), ("key", s(key))])
}

/// The `Cluster` that recovers an archived cluster (`None` for one that
/// is not archived, or another operator's): under the same name, so that
/// its Services, clients, policies and scrape stay as they are, its first
/// instance restored from the base backups and write-ahead log of the
/// archive of its generation, up to the last archived transaction; it
/// archives into the next generation's, which is empty (the plugin refuses
/// to archive where another cluster has). Not applied with the platform:
/// the README's restore runbook applies it in place of the lost cluster.
pub fn recovery<'a>(context: &Context<'a>, nodes: &Nodes, id: ServiceId) -> Option<Value<'a>> {
    let platform = context.platform;
    let service = &platform.services[id];
    let replication = service.replication.as_ref()?;
    let operator = &platform.services[replication.operator];
    if operator.roles.cluster_api.as_deref() != Some("cloudnative_pg") {
        return None;
    }
    object_store(context, service, replication)?;
    Some(cluster(context, nodes, id, true, Bootstrap::Recovery))
}

/// How a `Cluster` makes its first instance.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Bootstrap {
    /// An empty database (`initdb`): the cluster as the platform runs it,
    /// archiving into its generation's archive.
    Initdb,
    /// From the archive of its generation (`recovery`), archiving into the
    /// next one's.
    Recovery,
}

/// The name of the external cluster a recovery reads the archive as.
const ARCHIVE: &str = "archive";

/// The `Cluster`: the operator runs `replicas` instances from it.
fn cluster<'a>(
    context: &Context<'a>,
    nodes: &Nodes,
    id: ServiceId,
    archived: bool,
    bootstrap: Bootstrap,
) -> Value<'a> {
    let platform = context.platform;
    let service = &platform.services[id];
    let replication = service.replication.as_ref().expect("a replicated service");
    // The operator's pods carry these labels too, so that the platform's
    // selectors (network policies, spread, scrape) find them as they find
    // a chart's pods.
    let inherited = map([(
        "labels",
        map([
            (labels::INSTANCE, s(&service.k8s_name)),
            (labels::PART_OF, s(labels::part_of(platform))),
        ]),
    )]);
    let mut database = vec![
        ("database", s(&replication.database)),
        ("owner", s(&replication.owner)),
    ];
    if let Some(login) = &replication.owner_login {
        database.push(("secret", map([("name", s(&login.name))])));
    }
    let (first, archive_into) = match bootstrap {
        Bootstrap::Initdb => (("initdb", map(database)), replication.generation),
        Bootstrap::Recovery => {
            database.insert(0, ("source", s(ARCHIVE)));
            (("recovery", map(database)), replication.generation + 1)
        }
    };
    let mut spec: Vec<(&'static str, Value)> = vec![
        ("instances", n(service.replicas.request)),
        ("imageName", s(&service.pod.image)),
        // The user the image runs as, which owns the data directory.
        ("postgresUID", n(service.pod.run_as)),
        ("postgresGID", n(service.pod.run_as)),
        ("inheritedMetadata", inherited),
        ("bootstrap", map([first])),
    ];
    if let Some(roles) = managed_roles(replication) {
        spec.push(("managed", roles));
    }
    if let Some(login) = &replication.superuser_login {
        spec.push(("enableSuperuserAccess", b(true)));
        spec.push(("superuserSecret", map([("name", s(&login.name))])));
    }
    if let Some(volume) = service.volumes.first() {
        spec.push((
            "storage",
            map([
                ("size", s(quantity::bytes(volume.provisioned()))),
                ("storageClass", s(&volume.class.name)),
            ]),
        ));
    }
    spec.push(("resources", pod::resources(service.cpu, service.memory)));
    let mut affinity: Vec<(&'static str, Value)> = Vec::new();
    for (field, value) in pod_fields(context, nodes, id) {
        match field {
            "affinity" => {
                if let Value::Map(pairs) = value {
                    affinity.extend(pairs.into_iter().filter_map(|(k, v)| match k {
                        Cow::Borrowed("nodeAffinity") => Some(("nodeAffinity", v)),
                        _ => None,
                    }));
                }
            }
            "nodeSelector" => affinity.push(("nodeSelector", value)),
            other => spec.push((other, value)),
        }
    }
    if !affinity.is_empty() {
        spec.push(("affinity", map(affinity)));
    }
    if archived {
        spec.push((
            "plugins",
            list([map([
                ("name", s(BARMAN_CLOUD)),
                ("isWALArchiver", b(true)),
                ("parameters", archive_parameters(service, archive_into)),
            ])]),
        ));
    }
    if bootstrap == Bootstrap::Recovery {
        spec.push((
            "externalClusters",
            list([map([
                ("name", s(ARCHIVE)),
                (
                    "plugin",
                    map([
                        ("name", s(BARMAN_CLOUD)),
                        (
                            "parameters",
                            archive_parameters(service, replication.generation),
                        ),
                    ]),
                ),
            ])]),
        ));
    }
    object(
        "postgresql.cnpg.io/v1",
        "Cluster",
        meta(context, service, replication.span),
        [("spec", map(spec))],
    )
}

/// The plugin's parameters for the archive of one generation of the
/// cluster: its ObjectStore, and the server name the archive is kept under
/// ([`Replication::server_name`]).
fn archive_parameters<'a>(service: &'a Service, generation: i64) -> Value<'a> {
    let replication = service.replication.as_ref().expect("a replicated service");
    map([
        ("barmanObjectName", s(&service.k8s_name)),
        (
            "serverName",
            s(replication.server_name(&service.k8s_name, generation)),
        ),
    ])
}

/// A role for each client (`managed.roles`), which the operator creates
/// and keeps as declared: it logs in with the password of its login's
/// Secret (whose `username` is the role's name) and is a member of the
/// owner, inheriting its privileges on the owner's tables; no other
/// right. `None` without logins.
fn managed_roles<'a>(replication: &'a Replication) -> Option<Value<'a>> {
    if replication.logins.is_empty() {
        return None;
    }
    let roles = replication.logins.iter().map(|login| {
        map([
            ("name", s(&login.client)),
            ("ensure", s("present")),
            ("login", b(true)),
            ("inherit", b(true)),
            ("inRoles", list([s(&replication.owner)])),
            ("passwordSecret", map([("name", s(&login.secret.name))])),
        ])
    });
    Some(map([("roles", list(roles))]))
}

/// The plugin's `ObjectStore`: the write-ahead log and base backups under
/// `s3://<bucket>/<name>` at the cloud's S3 endpoint (named by the
/// cluster's inputs); `None` without a bucket.
fn object_store<'a>(
    context: &Context<'a>,
    service: &'a Service,
    replication: &'a Replication,
) -> Option<Value<'a>> {
    let platform = context.platform;
    if !replication.archives() {
        return None;
    }
    let bucket = replication.bucket.as_ref()?;
    let bucket = platform.buckets.iter().find(|b| &b.k8s_name == bucket)?;
    let endpoint = platform.s3_endpoint();
    let credential = |key: &str| {
        replication
            .secrets
            .get(key)
            .map(|secret| key_ref(&secret.name, &secret.key))
    };
    let mut credentials: Vec<(&'static str, Value)> = Vec::new();
    if let Some(id) = credential("ACCESS_KEY_ID") {
        credentials.push(("accessKeyId", id));
    }
    if let Some(key) = credential("ACCESS_SECRET_KEY") {
        credentials.push(("secretAccessKey", key));
    }
    let configuration = map([
        (
            "destinationPath",
            s(format!("s3://{}/{}", bucket.cloud_name, service.k8s_name)),
        ),
        ("endpointURL", s(endpoint)),
        ("s3Credentials", map(credentials)),
        ("wal", map([("compression", s("gzip"))])),
        ("data", map([("compression", s("gzip"))])),
    ]);
    let mut spec: Vec<(&'static str, Value)> = vec![
        ("configuration", configuration),
        (
            "retentionPolicy",
            s(format!("{}d", replication.keep_ms / DAY_MS)),
        ),
    ];
    let mut sidecar: Vec<(&'static str, Value)> = Vec::new();
    if !replication.sidecar_env.is_empty() {
        let env = replication
            .sidecar_env
            .iter()
            .map(|(k, v)| pod::plain_env(k, v.as_str()));
        sidecar.push(("env", list(env)));
    }
    // The requests and limits the planner counted on the instances' nodes.
    if let Some(planned) = &replication.plugin_sidecar {
        sidecar.push(("resources", pod::resources(planned.cpu, planned.memory)));
    }
    if !sidecar.is_empty() {
        spec.push(("instanceSidecarConfiguration", map(sidecar)));
    }
    Some(object(
        "barmancloud.cnpg.io/v1",
        "ObjectStore",
        meta(context, service, replication.span),
        [("spec", map(spec))],
    ))
}

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Base backups through the plugin on the replication's schedule; the
/// operator's schedules have a seconds field first.
fn scheduled_backup<'a>(
    context: &Context<'a>,
    service: &'a Service,
    replication: &'a Replication,
) -> Value<'a> {
    let spec = map([
        ("schedule", s(format!("0 {}", replication.schedule))),
        ("cluster", map([("name", s(&service.k8s_name))])),
        ("method", s("plugin")),
        ("pluginConfiguration", map([("name", s(BARMAN_CLOUD))])),
        ("backupOwnerReference", s("self")),
        ("immediate", b(true)),
    ]);
    object(
        "postgresql.cnpg.io/v1",
        "ScheduledBackup",
        meta(context, service, replication.span),
        [("spec", spec)],
    )
}
