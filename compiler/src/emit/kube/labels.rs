//! The names and labels that tie a service's objects together: its pods'
//! selector, and the names of the objects generated for it. Every file
//! refers to them through here, so a Service always selects the pods of
//! its workload and a pod always names a ServiceAccount that exists.

use std::borrow::Cow;

use crate::emit::yaml::{map, s, Value};
use crate::model::{Platform, Service};

/// The label every pod of a service carries and every selector matches.
pub const NAME: &str = "app.kubernetes.io/name";
/// The label charts give their pods: the release's name.
pub const INSTANCE: &str = "app.kubernetes.io/instance";
pub const COMPONENT: &str = "app.kubernetes.io/component";
pub const PART_OF: &str = "app.kubernetes.io/part-of";
/// Marks the headless Service of a StatefulSet, so that monitors select
/// only the main Service and scrape each pod once.
pub const HEADLESS: &str = "hplc.dev/headless";
/// Node labels the Terraform node pools set (`Node::cluster_labels`):
/// placement selects on them.
pub const NODE: &str = crate::model::NODE_LABEL;
pub const ROLE: &str = crate::model::ROLE_LABEL;
/// The namespace label Kubernetes sets on every namespace.
pub const NAMESPACE_NAME: &str = "kubernetes.io/metadata.name";

/// Labels of every object of a service (and of its pods).
pub fn of<'a>(platform: &'a Platform, service: &'a Service) -> Vec<(&'static str, Cow<'a, str>)> {
    vec![
        (NAME, Cow::Borrowed(&service.k8s_name)),
        (COMPONENT, dashed(&service.kind)),
        (PART_OF, part_of(platform)),
    ]
}

/// The `app.kubernetes.io/part-of` of everything the platform deploys.
pub fn part_of(platform: &Platform) -> Cow<'_, str> {
    dashed(&platform.name)
}

/// `node_exporter` -> `node-exporter`, borrowed when there is no `_`.
fn dashed(name: &str) -> Cow<'_, str> {
    if name.contains('_') {
        Cow::Owned(name.replace('_', "-"))
    } else {
        Cow::Borrowed(name)
    }
}

/// `{app.kubernetes.io/name: <service>}`: what selects the pods of a service.
pub fn selector(service: &Service) -> Value<'_> {
    map([(NAME, s(&service.k8s_name))])
}

/// The label that selects the pods of a service wherever they come from:
/// its name on the pods hplc writes, the release on a chart's and on the
/// pods a controller makes for it.
pub fn pod_label(service: &Service) -> &'static str {
    if service.pods_by_instance() {
        INSTANCE
    } else {
        NAME
    }
}

/// `{<pod_label>: <service>}`.
pub fn pods(service: &Service) -> Value<'_> {
    map([(pod_label(service), s(&service.k8s_name))])
}

pub fn config_map(service: &Service) -> String {
    format!("{}-config", service.k8s_name)
}

pub fn headless(service: &Service) -> String {
    service.headless_name()
}

/// Cluster-scoped RBAC objects share one namespace of names across the
/// cluster: prefixed with the platform so they cannot clash with others.
pub fn cluster_role(platform: &Platform, service: &Service) -> String {
    format!("{}:{}", part_of(platform), service.k8s_name)
}

/// A volume's name in the pod: the claim of the StatefulSet and the mount
/// of the container.
pub fn volume(name: &str) -> String {
    crate::model::k8s_name(name)
}

/// Port names in Kubernetes are DNS labels of at most 15 characters.
pub fn port(name: &str) -> String {
    crate::model::k8s_name(name)
}

/// The exporter sidecar's port name.
pub const EXPORTER_PORT: &str = "metrics";

/// Ports only Prometheus reads: the metrics port and the exporter's.
pub fn is_metrics(service: &Service, port: &str) -> bool {
    port == self::port(service.metrics_port_name())
        || (service.pod.exporter.is_some() && port == EXPORTER_PORT)
}
