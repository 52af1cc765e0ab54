//! The pod template of a workload: the service's container and its
//! exporter sidecar, their environment, probes, resources and the
//! restricted security context (FACTS.md, Pod Security Standards), the
//! volumes, and the node placement of the plan.

use super::config;
use super::logins;
use super::placement::{self, Nodes};
use crate::emit::kube::labels;
use crate::emit::kube::quantity;
use crate::emit::yaml::{b, empty_map, list, map, n, s, Value};
use crate::emit::Context;
use std::borrow::Cow;

use crate::model::{Exporter, InitContainer, Probe, Range, SecretRef, Service, ServiceId};

/// `spec.template` of the Deployment, StatefulSet or DaemonSet of a service.
pub fn template<'a>(
    context: &Context<'a>,
    nodes: &Nodes,
    id: ServiceId,
    files: &config::Files,
) -> Value<'a> {
    let platform = context.platform;
    let service = &platform.services[id];
    let own = labels::of(platform, service)
        .into_iter()
        .map(|(k, v)| (Cow::Borrowed(k), s(v)));
    let extra = service
        .pod
        .labels
        .iter()
        .map(|(k, v)| (Cow::Borrowed(k.as_str()), s(v)));
    let mut meta: Vec<(&str, Value)> = vec![("labels", map(own.chain(extra)))];
    let mut annotations: Vec<(&str, Value)> = Vec::new();
    if !files.is_empty() {
        // A changed configuration changes the template, so pods restart
        // and read it.
        annotations.push(("hplc.dev/config-hash", s(config::hash(files))));
    }
    if !platform.cluster_backups.is_empty() {
        // Velero's file-system backup copies every volume of the pod but
        // those it is told to leave out: the disposable ones.
        let disposable: Vec<String> = service
            .volumes
            .iter()
            .filter(|v| v.disposable)
            .map(|v| labels::volume(&v.name))
            .collect();
        if !disposable.is_empty() {
            annotations.push((
                "backup.velero.io/backup-volumes-excludes",
                s(disposable.join(",")),
            ));
        }
    }
    if !annotations.is_empty() {
        meta.push(("annotations", map(annotations)));
    }
    let mut spec: Vec<(&str, Value)> = vec![
        ("serviceAccountName", s(&service.k8s_name)),
        // Only workloads with RBAC permissions talk to the API server.
        (
            "automountServiceAccountToken",
            b(!service.pod.permissions.is_empty()),
        ),
        ("enableServiceLinks", b(false)),
        ("securityContext", pod_security(service)),
    ];
    if let Some(grace) = service.pod.termination_grace_ms {
        spec.push(("terminationGracePeriodSeconds", n(quantity::seconds(grace))));
    }
    spec.extend(placement::pod_fields(context, nodes, id));
    if !service.pod.init.is_empty() {
        spec.push((
            "initContainers",
            list(
                service
                    .pod
                    .init
                    .iter()
                    .map(|i| init_container(service, i, !files.is_empty())),
            ),
        ));
    }
    let tracing = crate::emit::observe::tracing::otlp_env(context, id);
    let mut containers = vec![main_container(service, !files.is_empty(), tracing)];
    if let Some(exporter) = &service.pod.exporter {
        containers.push(exporter_container(service, exporter));
    }
    spec.push(("containers", list(containers)));
    let volumes = volumes(service, !files.is_empty());
    if !volumes.is_empty() {
        spec.push(("volumes", list(volumes)));
    }
    map([("metadata", map(meta)), ("spec", map(spec))])
}

pub fn pod_security<'a>(service: &Service) -> Value<'a> {
    let mut fields: Vec<(&str, Value)> = Vec::new();
    if service.pod.run_as != 0 {
        fields.push(("runAsNonRoot", b(true)));
    }
    fields.push(("runAsUser", n(service.pod.run_as)));
    fields.push(("runAsGroup", n(service.pod.run_as)));
    if service.pod.run_as != 0 {
        // Volumes are made writable for the service's group.
        fields.push(("fsGroup", n(service.pod.run_as)));
    }
    fields.push(("seccompProfile", map([("type", s("RuntimeDefault"))])));
    map(fields)
}

/// The restricted profile on every container: no privilege escalation,
/// every capability dropped but those the service names, the runtime's
/// seccomp profile, non-root unless the service runs as root (only allowed
/// in a privileged namespace).
pub fn container_security(run_as: i64, read_only_root: bool, capabilities: &[String]) -> Value<'_> {
    let mut caps: Vec<(&str, Value)> = vec![("drop", list([s("ALL")]))];
    if !capabilities.is_empty() {
        caps.push(("add", list(capabilities.iter().map(s))));
    }
    let mut fields: Vec<(&str, Value)> = vec![
        ("allowPrivilegeEscalation", b(false)),
        ("readOnlyRootFilesystem", b(read_only_root)),
    ];
    if run_as != 0 {
        fields.push(("runAsNonRoot", b(true)));
    }
    fields.push(("runAsUser", n(run_as)));
    fields.push(("capabilities", map(caps)));
    fields.push(("seccompProfile", map([("type", s("RuntimeDefault"))])));
    map(fields)
}

pub(super) fn resources<'a>(cpu: Range, memory: Range) -> Value<'a> {
    resources_with_storage(cpu, memory, 0)
}

/// Requests and limits; `ephemeral` (bytes of disk-backed emptyDirs) is
/// asked and limited as ephemeral storage when not 0, so the scheduler
/// counts it and the kubelet evicts a pod that writes more.
fn resources_with_storage<'a>(cpu: Range, memory: Range, ephemeral: i64) -> Value<'a> {
    let side = |cpu: i64, memory: i64| {
        let mut fields = vec![
            ("cpu", s(quantity::cpu(cpu))),
            ("memory", s(quantity::bytes(memory))),
        ];
        if ephemeral > 0 {
            fields.push(("ephemeral-storage", s(quantity::bytes(ephemeral))));
        }
        map(fields)
    };
    map([
        ("requests", side(cpu.request, memory.request)),
        ("limits", side(cpu.limit, memory.limit)),
    ])
}

pub fn secret_env<'a>(name: &'a str, secret: &'a SecretRef) -> Value<'a> {
    map([
        ("name", s(name)),
        (
            "valueFrom",
            map([(
                "secretKeyRef",
                map([("name", s(&secret.name)), ("key", s(&secret.key))]),
            )]),
        ),
    ])
}

/// Where a service's secrets are mounted as files (`secret_files`).
pub const SECRETS_DIR: &str = "/run/secrets";
/// The volume of the service's secrets as files.
pub const SECRETS_VOLUME: &str = "secrets";

/// `NAME_FILE`, naming the file the secret `secret` is mounted as.
pub fn secret_file_env<'a>(name: &str, secret: &str) -> Value<'a> {
    map([
        ("name", s(format!("{name}_FILE"))),
        ("value", s(format!("{SECRETS_DIR}/{secret}"))),
    ])
}

/// The mount of a volume of secrets ([`secrets_volume`]).
pub fn secrets_mount<'a>(volume: &'static str) -> Value<'a> {
    map([
        ("name", s(volume)),
        ("mountPath", s(SECRETS_DIR)),
        ("readOnly", b(true)),
    ])
}

/// The secrets as files, each named after its variable, readable by the
/// pod's group (its `fsGroup`) alone.
pub fn secrets_volume<'a>(
    volume: &'static str,
    secrets: impl IntoIterator<Item = (&'a String, &'a SecretRef)>,
) -> Value<'a> {
    secrets_volume_with(volume, secrets, Vec::new())
}

/// [`secrets_volume`], with more files (`more`: projected sources).
pub(super) fn secrets_volume_with<'a>(
    volume: &'static str,
    secrets: impl IntoIterator<Item = (&'a String, &'a SecretRef)>,
    more: Vec<Value<'a>>,
) -> Value<'a> {
    let sources = secrets.into_iter().map(|(name, secret)| {
        map([(
            "secret",
            map([
                ("name", s(&secret.name)),
                (
                    "items",
                    list([map([("key", s(&secret.key)), ("path", s(name))])]),
                ),
            ]),
        )])
    });
    map([
        ("name", s(volume)),
        (
            "projected",
            map([
                ("defaultMode", n(0o440)),
                ("sources", list(sources.chain(more))),
            ]),
        ),
    ])
}

/// The service's secrets as files, when its image reads them so.
pub fn has_secret_files(service: &Service) -> bool {
    service.pod.secret_files && !service.pod.secrets.is_empty()
}

/// The pod's secrets volume: the service's secret files, and its
/// clients' logins where it creates their roles itself.
fn has_secrets_volume(service: &Service) -> bool {
    has_secret_files(service) || logins::mounted(service)
}

/// The exporter reads one of the service's secret files (an env value
/// `$(NAME)`); else it mounts none of them.
fn exporter_reads_secrets(service: &Service, exporter: &Exporter) -> bool {
    has_secret_files(service)
        && exporter
            .env
            .values()
            .filter_map(|value| reference(value))
            .any(|name| service.pod.secrets.contains_key(name))
}

/// `NAME` of a value that is exactly `$(NAME)`.
fn reference(value: &str) -> Option<&str> {
    value.strip_prefix("$(")?.strip_suffix(')')
}

pub fn plain_env<'a>(name: &'a str, value: impl Into<std::borrow::Cow<'a, str>>) -> Value<'a> {
    map([("name", s(name)), ("value", s(value))])
}

fn field_env(name: &'static str, path: &'static str) -> Value<'static> {
    map([
        ("name", s(name)),
        (
            "valueFrom",
            map([("fieldRef", map([("fieldPath", s(path))]))]),
        ),
    ])
}

/// The pod's own name and namespace (which controllers such as
/// ingress-nginx and cert-manager require), the secrets, then the plain
/// values, which may refer to the secrets as `$(NAME)`.
fn main_env(service: &Service) -> Vec<Value<'_>> {
    pod_env(service, service.pod.env.iter())
}

/// The pod's name and namespace, the service's secrets, then `values`.
fn pod_env<'a>(
    service: &'a Service,
    values: impl Iterator<Item = (&'a String, &'a String)>,
) -> Vec<Value<'a>> {
    let mut env = vec![
        field_env("POD_NAME", "metadata.name"),
        field_env("POD_NAMESPACE", "metadata.namespace"),
    ];
    env.extend(service_secret_env(service));
    env.extend(values.map(|(name, value)| plain_env(name, value.as_str())));
    env
}

/// The service's secrets: each a `NAME_FILE` where its image reads them
/// from files, else its value by reference.
pub fn service_secret_env(service: &Service) -> Vec<Value<'_>> {
    service
        .pod
        .secrets
        .iter()
        .map(|(name, secret)| {
            if service.pod.secret_files {
                secret_file_env(name, name)
            } else {
                secret_env(name, secret)
            }
        })
        .collect()
}

/// The exporter's own secrets and values. A value that is exactly
/// `$(NAME)` of a secret of the service it watches becomes that secret's
/// reference (the password is declared once, on the service); one naming a
/// secret the service does not have is left out rather than passed on as
/// literal text.
fn exporter_env<'a>(service: &'a Service, exporter: &'a Exporter) -> Vec<Value<'a>> {
    let mut env: Vec<Value> = exporter
        .secrets
        .iter()
        .map(|(name, secret)| secret_env(name, secret))
        .collect();
    for (name, value) in &exporter.env {
        match reference(value) {
            Some(reference) => match service.pod.secrets.get(reference) {
                Some(_) if service.pod.secret_files => env.push(secret_file_env(name, reference)),
                Some(secret) => env.push(secret_env(name, secret)),
                None => {}
            },
            None => env.push(plain_env(name, value.as_str())),
        }
    }
    env
}

/// The probe on the named port (default: the service's first port): an
/// HTTP GET of `path`, else the command, else a gRPC health check, else a
/// TCP connection; the timings the service sets, Kubernetes' for the rest.
fn probe<'a>(service: &'a Service, probe: &'a Probe) -> Option<Value<'a>> {
    let port = if probe.port.is_empty() {
        service.ports.keys().next()
    } else {
        Some(&probe.port)
    };
    let handler = if !probe.path.is_empty() {
        let mut get = vec![("path", s(&probe.path)), ("port", s(labels::port(port?)))];
        if !probe.headers.is_empty() {
            get.push((
                "httpHeaders",
                list(
                    probe
                        .headers
                        .iter()
                        .map(|(name, value)| map([("name", s(name)), ("value", s(value))])),
                ),
            ));
        }
        ("httpGet", map(get))
    } else if !probe.exec.is_empty() {
        ("exec", map([("command", list(probe.exec.iter().map(s)))]))
    } else if probe.grpc {
        // A gRPC probe takes the port's number, not its name.
        let number = service.ports.get(port?)?;
        let mut grpc = vec![("port", n(i64::from(*number)))];
        if !probe.grpc_service.is_empty() {
            grpc.push(("service", s(&probe.grpc_service)));
        }
        ("grpc", map(grpc))
    } else {
        ("tcpSocket", map([("port", s(labels::port(port?)))]))
    };
    let mut fields = vec![handler];
    let seconds = [
        ("initialDelaySeconds", probe.initial_delay_ms),
        ("periodSeconds", probe.period_ms),
        ("timeoutSeconds", probe.timeout_ms),
    ];
    fields.extend(
        seconds
            .into_iter()
            .filter_map(|(key, ms)| Some((key, n(quantity::seconds(ms?))))),
    );
    if let Some(failures) = probe.failures {
        fields.push(("failureThreshold", n(failures)));
    }
    Some(map(fields))
}

/// An init container: its image and process, the service's environment
/// values and secrets, requests and security.
fn init_container<'a>(
    service: &'a Service,
    init: &'a InitContainer,
    has_config: bool,
) -> Value<'a> {
    let mut fields: Vec<(&str, Value)> = vec![
        ("name", s(crate::model::k8s_name(&init.name))),
        ("image", s(&init.image)),
        ("imagePullPolicy", s("IfNotPresent")),
    ];
    if !init.command.is_empty() {
        fields.push(("command", list(init.command.iter().map(s))));
    }
    if !init.args.is_empty() {
        fields.push(("args", list(init.args.iter().map(s))));
    }
    // The service's values, where the init container sets none of its own.
    let values = service
        .pod
        .env
        .iter()
        .filter(|(name, _)| !init.env.contains_key(*name));
    let mut env = pod_env(service, values.chain(&init.env));
    env.extend(logins::init_env(service, SECRETS_DIR));
    fields.push(("env", list(env)));
    fields.push(("resources", resources(service.cpu, service.memory)));
    fields.push((
        "securityContext",
        container_security(service.pod.run_as, service.pod.read_only_root, &[]),
    ));
    let mounts = mounts(service, has_config);
    if !mounts.is_empty() {
        fields.push(("volumeMounts", list(mounts)));
    }
    map(fields)
}

/// The arguments, then `retention` through the flag that takes it.
fn args(service: &Service) -> Vec<Value<'_>> {
    let mut args: Vec<Value> = service.pod.args.iter().map(s).collect();
    if let Some(retention) = service
        .pod
        .retention
        .as_ref()
        .filter(|r| !r.flag.is_empty())
    {
        args.push(s(format!(
            "{}={}",
            retention.flag,
            quantity::duration(retention.ms)
        )));
    }
    args
}

fn main_container<'a>(
    service: &'a Service,
    has_config: bool,
    tracing: Vec<(&'static str, String)>,
) -> Value<'a> {
    let mut fields: Vec<(&str, Value)> = vec![
        ("name", s(&service.k8s_name)),
        ("image", s(&service.pod.image)),
        ("imagePullPolicy", s("IfNotPresent")),
    ];
    if !service.pod.command.is_empty() {
        fields.push(("command", list(service.pod.command.iter().map(s))));
    }
    let args = args(service);
    if !args.is_empty() {
        fields.push(("args", list(args)));
    }
    if !service.ports.is_empty() {
        fields.push((
            "ports",
            list(service.ports.iter().map(|(name, port)| {
                map([
                    ("name", s(labels::port(name))),
                    ("containerPort", n(i64::from(*port))),
                    ("protocol", s("TCP")),
                ])
            })),
        ));
    }
    let mut env = main_env(service);
    env.extend(
        tracing
            .into_iter()
            .map(|(name, value)| plain_env(name, value)),
    );
    env.extend(logins::env(service, SECRETS_DIR));
    fields.push(("env", list(env)));
    fields.push((
        "resources",
        resources_with_storage(service.cpu, service.memory, service.ephemeral_storage()),
    ));
    if let Some(live) = service.pod.live.as_ref().and_then(|p| probe(service, p)) {
        fields.push(("livenessProbe", live));
    }
    if let Some(ready) = service.pod.ready.as_ref().and_then(|p| probe(service, p)) {
        fields.push(("readinessProbe", ready));
    }
    if let Some(lifecycle) = logins::lifecycle(service) {
        fields.push(("lifecycle", lifecycle));
    }
    let mounts = mounts(service, has_config);
    if !mounts.is_empty() {
        fields.push(("volumeMounts", list(mounts)));
    }
    fields.push((
        "securityContext",
        container_security(
            service.pod.run_as,
            service.pod.read_only_root,
            &service.pod.capabilities,
        ),
    ));
    map(fields)
}

fn exporter_container<'a>(service: &'a Service, exporter: &'a Exporter) -> Value<'a> {
    let mut fields: Vec<(&str, Value)> = vec![
        ("name", s("exporter")),
        ("image", s(&exporter.image)),
        ("imagePullPolicy", s("IfNotPresent")),
        (
            "ports",
            list([map([
                ("name", s(labels::EXPORTER_PORT)),
                ("containerPort", n(i64::from(exporter.port))),
                ("protocol", s("TCP")),
            ])]),
        ),
    ];
    let env = exporter_env(service, exporter);
    if !env.is_empty() {
        fields.push(("env", list(env)));
    }
    fields.push(("resources", resources(exporter.cpu, exporter.memory)));
    // Its listener, not its metrics: a scrape of postgres_exporter queries
    // the database. Liveness restarts the exporter alone; it is ready as
    // soon as it listens, so it holds the pod's readiness back only while
    // it starts.
    let listening = || {
        map([
            ("tcpSocket", map([("port", s(labels::EXPORTER_PORT))])),
            ("periodSeconds", n(10)),
        ])
    };
    fields.push(("livenessProbe", listening()));
    fields.push(("readinessProbe", listening()));
    // An exporter is a plain HTTP server that writes nothing; it runs as
    // the pod's user, or as nobody beside a root agent.
    let run_as = if service.pod.run_as == 0 {
        NOBODY
    } else {
        service.pod.run_as
    };
    fields.push(("securityContext", container_security(run_as, true, &[])));
    let mut mounts: Vec<Value> = service
        .pod
        .empty_dirs
        .iter()
        .filter(|dir| exporter.mounts.contains(&dir.name))
        .map(|dir| {
            map([
                ("name", s(labels::volume(&dir.name))),
                ("mountPath", s(&dir.mount)),
                ("readOnly", b(true)),
            ])
        })
        .collect();
    if exporter_reads_secrets(service, exporter) {
        mounts.push(secrets_mount(SECRETS_VOLUME));
    }
    if !mounts.is_empty() {
        fields.push(("volumeMounts", list(mounts)));
    }
    map(fields)
}

/// The unprivileged user of most images.
const NOBODY: i64 = 65534;

const CONFIG_VOLUME: &str = "config";
const TMP_VOLUME: &str = "tmp";

fn host_volume(name: &str) -> String {
    format!("host-{}", crate::model::k8s_name(name))
}

fn mounts(service: &Service, has_config: bool) -> Vec<Value<'_>> {
    let mut mounts = Vec::new();
    if has_config {
        mounts.push(map([
            ("name", s(CONFIG_VOLUME)),
            ("mountPath", s(&service.pod.config_mount)),
            ("readOnly", b(true)),
        ]));
    }
    if service.pod.read_only_root {
        // A read-only root still needs somewhere for temporary files.
        mounts.push(map([("name", s(TMP_VOLUME)), ("mountPath", s("/tmp"))]));
    }
    for volume in &service.volumes {
        mounts.push(map([
            ("name", s(labels::volume(&volume.name))),
            ("mountPath", s(&volume.mount)),
        ]));
    }
    for dir in &service.pod.empty_dirs {
        mounts.push(map([
            ("name", s(labels::volume(&dir.name))),
            ("mountPath", s(&dir.mount)),
        ]));
    }
    for name in service.pod.host_paths.keys() {
        mounts.push(map([
            ("name", s(host_volume(name))),
            ("mountPath", s(format!("/host/{name}"))),
            ("readOnly", b(true)),
        ]));
    }
    if has_secrets_volume(service) {
        mounts.push(secrets_mount(SECRETS_VOLUME));
    }
    mounts
}

/// The pod's volumes (the service's own volumes are claims of the
/// StatefulSet, not listed here).
fn volumes(service: &Service, has_config: bool) -> Vec<Value<'_>> {
    let mut volumes = Vec::new();
    if has_config {
        volumes.push(map([
            ("name", s(CONFIG_VOLUME)),
            ("configMap", map([("name", s(labels::config_map(service)))])),
        ]));
    }
    if service.pod.read_only_root {
        volumes.push(map([("name", s(TMP_VOLUME)), ("emptyDir", empty_map())]));
    }
    for dir in &service.pod.empty_dirs {
        let mut fields = Vec::new();
        if dir.memory {
            fields.push(("medium", s("Memory")));
        }
        if let Some(size) = dir.size {
            fields.push(("sizeLimit", s(quantity::bytes(size))));
        }
        let source = if fields.is_empty() {
            empty_map()
        } else {
            map(fields)
        };
        volumes.push(map([
            ("name", s(labels::volume(&dir.name))),
            ("emptyDir", source),
        ]));
    }
    for (name, path) in &service.pod.host_paths {
        volumes.push(map([
            ("name", s(host_volume(name))),
            (
                "hostPath",
                map([("path", s(path)), ("type", s("Directory"))]),
            ),
        ]));
    }
    if has_secrets_volume(service) {
        let secrets = service
            .pod
            .secrets
            .iter()
            .filter(|_| service.pod.secret_files);
        volumes.push(secrets_volume_with(
            SECRETS_VOLUME,
            secrets,
            logins::sources(service),
        ));
    }
    volumes
}
