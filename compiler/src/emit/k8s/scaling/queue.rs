//! KEDA ScaledObjects (`keda.sh/v1alpha1`, KEDA 2.20) for the services that
//! scale on a queue. KEDA makes the HorizontalPodAutoscaler from it and
//! serves its external metrics: the queue from the platform's Prometheus
//! (a `prometheus` trigger), the resource targets as `cpu` and `memory`
//! triggers (read from the metrics API, as a HorizontalPodAutoscaler's).
//!
//! The query sums the queue's series over the broker's scrape target
//! (`namespace` and `service`, the labels the scraper gives every target,
//! whether hplc writes its Service or a chart or an operator makes its
//! pods), so a broker's other series and other brokers never count.

use super::{resource_targets, target_ref};
use crate::emit::kube::{address, object::object};
use crate::emit::observe::promql;
use crate::emit::yaml::{list, map, n, s, Value};
use crate::emit::Context;
use crate::model::Service;

/// The ScaledObject's version in KEDA's group (`model::scaling::KEDA_GROUP`),
/// the one KEDA 2.x serves.
const API_VERSION: &str = "keda.sh/v1alpha1";

/// The ScaledObject of `service`, with its `triggers`.
pub fn scaled_object<'a>(
    service: &'a Service,
    meta: Value<'a>,
    triggers: Vec<Value<'a>>,
) -> Value<'a> {
    let spec = map([
        ("scaleTargetRef", target_ref(service)),
        ("minReplicaCount", n(service.replicas.request)),
        ("maxReplicaCount", n(service.replicas.limit)),
        ("triggers", list(triggers)),
    ]);
    object(API_VERSION, "ScaledObject", meta, [("spec", spec)])
}

/// The triggers of `service`'s ScaledObject, when it scales on a queue and
/// the environment has KEDA and a Prometheus to read it (the checks refuse
/// a queue target without them).
pub fn triggers<'a>(context: &Context<'a>, service: &'a Service) -> Option<Vec<Value<'a>>> {
    let platform = context.platform;
    let target = service.queue_target()?;
    platform.event_scaler()?;
    let (store, port) = platform.metrics_store()?;
    let server = address::url(platform, &platform.services[store], port)?;
    let broker = &platform.services[target.queue];
    let query = format!(
        "sum({}{{{}}})",
        target.metric,
        promql::target(platform, broker)
    );
    let mut triggers: Vec<Value> = resource_targets(context, service)
        .into_iter()
        .map(|(name, percent)| {
            map([
                ("type", s(name)),
                ("metricType", s("Utilization")),
                ("metadata", map([("value", s(percent.to_string()))])),
            ])
        })
        .collect();
    triggers.push(map([
        ("type", s("prometheus")),
        (
            "metadata",
            map([
                ("serverAddress", s(server)),
                ("query", s(query)),
                // Per replica: the HorizontalPodAutoscaler's AverageValue.
                ("threshold", s(target.depth.to_string())),
                // A query that returns nothing (the broker's target lost)
                // is an error, which keeps the replicas as they are,
                // rather than a zero that would scale a backlog down.
                ("ignoreNullValues", s("false")),
            ]),
        ),
    ]));
    Some(triggers)
}
