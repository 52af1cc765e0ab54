//! The workload of a service: a DaemonSet for a `daemon`, a StatefulSet
//! when it has volumes (one claim per volume and replica, at least the
//! storage class's minimum, which the class would round up to anyway), a
//! Deployment otherwise. An autoscaled workload leaves `replicas` to its
//! HorizontalPodAutoscaler, so that a sync from git does not undo scaling.

use super::placement::Nodes;
use super::{config, pod};
use crate::emit::kube::labels;
use crate::emit::kube::object::{object, service_metadata};
use crate::emit::kube::quantity;
use crate::emit::yaml::{list, map, n, s, Value};
use crate::emit::Context;
use crate::model::{Service, ServiceId, Volume};

/// Marks the workload of a `cache`, whose data may be lost at any time.
pub const CACHE_ANNOTATION: &str = "hplc.dev/data";

pub fn workload<'a>(
    context: &Context<'a>,
    nodes: &Nodes,
    id: ServiceId,
    files: &config::Files,
) -> Value<'a> {
    let platform = context.platform;
    let service = &platform.services[id];
    let mut meta = service_metadata(context, service, &service.k8s_name, service.span);
    if service.cache.is_some() {
        // What a restore or a migration may skip: nothing here is kept.
        if let Some(annotations) = meta.map_at("annotations") {
            annotations.insert(CACHE_ANNOTATION, s("cache"));
        }
    }
    let selector = (
        "selector",
        map([("matchLabels", labels::selector(service))]),
    );
    let template = ("template", pod::template(context, nodes, id, files));
    let replicas = (!service.autoscaled()).then(|| ("replicas", n(service.replicas.request)));
    if service.placement.daemon {
        let spec = vec![
            selector,
            ("updateStrategy", map([("type", s("RollingUpdate"))])),
            template,
        ];
        return object("apps/v1", "DaemonSet", meta, [("spec", map(spec))]);
    }
    if service.is_stateful() {
        let mut spec: Vec<(&str, Value)> = vec![("serviceName", s(labels::headless(service)))];
        spec.extend(replicas);
        spec.extend([
            selector,
            template,
            (
                "volumeClaimTemplates",
                list(service.volumes.iter().map(claim)),
            ),
        ]);
        return object("apps/v1", "StatefulSet", meta, [("spec", map(spec))]);
    }
    let mut spec: Vec<(&str, Value)> = replicas.into_iter().collect();
    spec.extend([selector, template]);
    object("apps/v1", "Deployment", meta, [("spec", map(spec))])
}

fn claim(volume: &Volume) -> Value<'_> {
    map([
        ("metadata", map([("name", s(labels::volume(&volume.name)))])),
        (
            "spec",
            map([
                ("accessModes", list([s("ReadWriteOnce")])),
                ("storageClassName", s(&volume.class.name)),
                (
                    "resources",
                    map([(
                        "requests",
                        map([("storage", s(quantity::bytes(volume.provisioned())))]),
                    )]),
                ),
            ]),
        ),
    ])
}

/// `Deployment`, `StatefulSet` or `DaemonSet`.
pub fn kind(service: &Service) -> &'static str {
    if service.placement.daemon {
        "DaemonSet"
    } else if service.is_stateful() {
        "StatefulSet"
    } else {
        "Deployment"
    }
}
