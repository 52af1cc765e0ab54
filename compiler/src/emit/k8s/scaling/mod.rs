//! HorizontalPodAutoscalers (`autoscaling/v2`) for services whose replicas
//! are a range (KEDA ScaledObjects for those that scale on a queue), and
//! PodDisruptionBudgets for services that run more than one replica, so a
//! node drain never takes them all down at once.

mod queue;

use super::workloads;
use crate::emit::kube::labels;
use crate::emit::kube::object::{object, service_metadata};
use crate::emit::yaml::{list, map, n, s, Value};
use crate::emit::Context;
use crate::model::{Service, ServiceId};

/// Percent in hundredths (the model's unit) to whole percent, rounded up.
fn whole_percent(hundredths: i64) -> i64 {
    (hundredths + 99) / 100
}

fn resource_metric(name: &'static str, percent: i64) -> Value<'static> {
    map([
        ("type", s("Resource")),
        (
            "resource",
            map([
                ("name", s(name)),
                (
                    "target",
                    map([
                        ("type", s("Utilization")),
                        ("averageUtilization", n(percent)),
                    ]),
                ),
            ]),
        ),
    ])
}

/// The autoscaler of `service`, when its replicas are a range: a KEDA
/// ScaledObject when it scales on a queue (KEDA makes and owns the
/// HorizontalPodAutoscaler, `keda-hpa-<name>`; a second one on the same
/// target would fight it), else a HorizontalPodAutoscaler.
pub fn autoscaler<'a>(context: &Context<'a>, id: ServiceId) -> Option<Value<'a>> {
    let platform = context.platform;
    let service = &platform.services[id];
    if !service.autoscaled() {
        return None;
    }
    let meta = service_metadata(context, service, &service.k8s_name, service.replicas_span);
    if let Some(triggers) = queue::triggers(context, service) {
        return Some(queue::scaled_object(service, meta, triggers));
    }
    let spec = map([
        ("scaleTargetRef", target_ref(service)),
        ("minReplicas", n(service.replicas.request)),
        ("maxReplicas", n(service.replicas.limit)),
        ("metrics", list(metrics(context, service))),
    ]);
    Some(object(
        "autoscaling/v2",
        "HorizontalPodAutoscaler",
        meta,
        [("spec", spec)],
    ))
}

/// The workload an autoscaler moves.
fn target_ref(service: &Service) -> Value<'_> {
    map([
        ("apiVersion", s("apps/v1")),
        ("kind", s(workloads::kind(service))),
        ("name", s(&service.k8s_name)),
    ])
}

/// The resource targets of `service`'s autoscaler, in whole percent of
/// the pods' requests: its `autoscale` targets; the platform's default
/// CPU target when it names no metric at all (a queue is one).
fn resource_targets(context: &Context, service: &Service) -> Vec<(&'static str, i64)> {
    let default_cpu = ("cpu", whole_percent(context.platform.default_cpu_target));
    let Some(a) = &service.autoscale else {
        return vec![default_cpu];
    };
    let targets: Vec<(&'static str, i64)> = [("cpu", a.cpu), ("memory", a.memory)]
        .into_iter()
        .filter_map(|(name, target)| Some((name, whole_percent(target?))))
        .collect();
    if targets.is_empty() && service.queue_target().is_none() {
        return vec![default_cpu];
    }
    targets
}

/// What a HorizontalPodAutoscaler of `service` follows (`autoscaling/v2`
/// metrics): its resource targets.
pub fn metrics<'a>(context: &Context<'a>, service: &'a Service) -> Vec<Value<'a>> {
    resource_targets(context, service)
        .into_iter()
        .map(|(name, percent)| resource_metric(name, percent))
        .collect()
}

pub fn disruption_budget<'a>(context: &Context<'a>, id: ServiceId) -> Option<Value<'a>> {
    let platform = context.platform;
    let service = &platform.services[id];
    if service.placement.daemon || service.replicas.request <= 1 {
        return None;
    }
    let meta = service_metadata(context, service, &service.k8s_name, service.replicas_span);
    let spec = map([
        ("maxUnavailable", n(1)),
        (
            "selector",
            map([("matchLabels", labels::selector(service))]),
        ),
    ]);
    Some(object(
        "policy/v1",
        "PodDisruptionBudget",
        meta,
        [("spec", spec)],
    ))
}
