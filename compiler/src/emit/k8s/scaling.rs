//! HorizontalPodAutoscalers (`autoscaling/v2`) for services whose replicas
//! are a range, and PodDisruptionBudgets for services that run more than
//! one replica, so a node drain never takes them all down at once.

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

pub fn autoscaler<'a>(context: &Context<'a>, id: ServiceId) -> Option<Value<'a>> {
    let platform = context.platform;
    let service = &platform.services[id];
    if !service.autoscaled() {
        return None;
    }
    let meta = service_metadata(context, service, &service.k8s_name, service.replicas_span);
    let spec = map([
        (
            "scaleTargetRef",
            map([
                ("apiVersion", s("apps/v1")),
                ("kind", s(workloads::kind(service))),
                ("name", s(&service.k8s_name)),
            ]),
        ),
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

/// What an autoscaler of `service` follows (`autoscaling/v2` metrics):
/// its `autoscale` targets, else the platform's default CPU target.
pub fn metrics<'a>(context: &Context<'a>, service: &'a Service) -> Vec<Value<'a>> {
    let platform = context.platform;
    // The platform's default target when no metric is named.
    let default_cpu = whole_percent(platform.default_cpu_target);
    let mut metrics = Vec::new();
    match &service.autoscale {
        None => metrics.push(resource_metric("cpu", default_cpu)),
        Some(a) => {
            if let Some(cpu) = a.cpu {
                metrics.push(resource_metric("cpu", whole_percent(cpu)));
            }
            if let Some(memory) = a.memory {
                metrics.push(resource_metric("memory", whole_percent(memory)));
            }
            if let (Some(depth), false) = (a.queue_depth, a.queue_metric.is_empty()) {
                // Served by a metrics adapter: the work waiting, shared out
                // over the replicas.
                metrics.push(map([
                    ("type", s("External")),
                    (
                        "external",
                        map([
                            ("metric", map([("name", s(&a.queue_metric))])),
                            (
                                "target",
                                map([
                                    ("type", s("AverageValue")),
                                    ("averageValue", s(depth.to_string())),
                                ]),
                            ),
                        ]),
                    ),
                ]));
            }
            if metrics.is_empty() {
                metrics.push(resource_metric("cpu", default_cpu));
            }
        }
    }
    metrics
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
