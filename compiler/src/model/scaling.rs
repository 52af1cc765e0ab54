//! Autoscaling on a queue: which services scale on the work waiting in a
//! queue, and what serves that metric. KEDA reads the queue's series from
//! the platform's Prometheus and owns the HorizontalPodAutoscaler it
//! makes; an environment without either cannot scale on a queue.

use super::{Autoscale, Platform, Service, ServiceId};

/// The API group of KEDA's ScaledObject: a chart that installs it runs the
/// controller that acts on them.
pub const KEDA_GROUP: &str = "keda.sh";

/// The Grafana plugin id a Prometheus declares as its data source; its
/// port is where queries are answered.
pub const PROMETHEUS: &str = "prometheus";

/// A complete queue target: replicas enough that each has at most `depth`
/// of the sum of `metric` over the series scraped from `queue`.
#[derive(Clone, Copy, Debug)]
pub struct QueueTarget<'a> {
    pub depth: i64,
    pub metric: &'a str,
    pub queue: ServiceId,
}

impl Autoscale {
    /// Names any part of a queue target.
    pub fn mentions_queue(&self) -> bool {
        self.queue_depth.is_some() || !self.queue_metric.is_empty() || self.queue.is_some()
    }

    /// The queue target, when all three of its fields are set.
    pub fn queue_target(&self) -> Option<QueueTarget<'_>> {
        Some(QueueTarget {
            depth: self.queue_depth?,
            metric: Some(self.queue_metric.as_str()).filter(|m| !m.is_empty())?,
            queue: self.queue?,
        })
    }
}

impl Service {
    /// The queue it scales on, when its replicas are a range an autoscaler
    /// moves and its `autoscale` names a complete queue target.
    pub fn queue_target(&self) -> Option<QueueTarget<'_>> {
        if !self.autoscaled() {
            return None;
        }
        self.autoscale.as_ref()?.queue_target()
    }
}

impl Platform {
    /// The KEDA this environment installs: a chart that serves ScaledObjects.
    pub fn event_scaler(&self) -> Option<ServiceId> {
        self.deployed()
            .find(|(_, s)| {
                s.chart()
                    .is_some_and(|c| c.render.provides.iter().any(|g| g == KEDA_GROUP))
            })
            .map(|(id, _)| id)
    }

    /// The Prometheus that scrapes the platform, where KEDA asks for a
    /// queue's series, and the port that answers queries.
    pub fn metrics_store(&self) -> Option<(ServiceId, &str)> {
        self.deployed().find_map(|(id, s)| {
            let source = s.roles.datasource.as_ref()?;
            (s.roles.scraper && source.kind == PROMETHEUS).then_some((id, source.port.as_str()))
        })
    }
}
