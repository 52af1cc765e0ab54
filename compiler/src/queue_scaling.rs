//! Whether a service that autoscales on a queue can: its target names the
//! depth, the series and the broker together, the broker's series are
//! scraped, and the environment runs what reads them (KEDA, from the
//! platform's Prometheus). An autoscaler left without its metric never
//! scales, and one quietly put on CPU instead scales on something else
//! than what was asked: both are refused, each where it is written.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::Platform;

pub fn check(platform: &Platform, diagnostics: &mut Diagnostics) {
    for (_, service) in platform.deployed() {
        let Some(autoscale) = &service.autoscale else {
            continue;
        };
        if !autoscale.mentions_queue() {
            continue;
        }
        let missing: Vec<&str> = [
            ("`queue_depth`", autoscale.queue_depth.is_none()),
            ("`queue_metric`", autoscale.queue_metric.is_empty()),
            ("`queue`", autoscale.queue.is_none()),
        ]
        .into_iter()
        .filter_map(|(field, absent)| absent.then_some(field))
        .collect();
        let problem = if !missing.is_empty() {
            Some((
                format!("names no {}", missing.join(" nor ")),
                "set `queue_depth` (work per replica), `queue_metric` (the series that counts it) and `queue` (the service it is scraped from) together, or none of them".to_string(),
            ))
        } else if autoscale.queue_depth.is_some_and(|d| d < 1) {
            Some((
                "has a `queue_depth` below 1".to_string(),
                "give the work one replica takes on, at least 1".to_string(),
            ))
        } else {
            autoscale
                .queue
                .map(|q| &platform.services[q])
                .filter(|q| q.metrics_port_number().is_none() && q.pod.exporter.is_none())
                .map(|q| {
                    (
                        format!("reads the series of `{}`, which serves no metrics", q.name),
                        format!("name the broker whose metrics hold `{}` (a service with `metrics`, or an exporter)", autoscale.queue_metric),
                    )
                })
        };
        if let Some((what, help)) = problem {
            diagnostics.push(
                Diagnostic::new(
                    Code::QueueTargetIncomplete,
                    autoscale.span,
                    format!("the queue target of `{}` {what}", service.name),
                )
                .label("an incomplete queue target")
                .help(help),
            );
            continue;
        }
        let Some(target) = service.queue_target() else {
            continue;
        };
        // hplc writes the ScaledObject only beside a workload it writes:
        // a chart's, an operator's or a replicated cluster's pods are
        // scaled, if at all, by what makes them.
        let why = if service.chart().is_some()
            || service.operator().is_some()
            || service.replication.is_some()
        {
            "its pods are made by a chart or an operator, whose autoscaler hplc does not write"
                .to_string()
        } else {
            let absent: Vec<&str> = [
                ("KEDA (a `keda`)", platform.event_scaler().is_none()),
                ("a Prometheus", platform.metrics_store().is_none()),
            ]
            .into_iter()
            .filter_map(|(what, absent)| absent.then_some(what))
            .collect();
            if absent.is_empty() {
                continue;
            }
            format!(
                "environment `{}` runs no {}",
                platform.env,
                absent.join(" nor ")
            )
        };
        diagnostics.push(
            Diagnostic::new(
                Code::QueueWithoutScaler,
                autoscale.span,
                format!(
                    "`{}` autoscales on the queue `{}`, but {why}: nothing would read it, and the autoscaler would never move",
                    service.name, target.metric,
                ),
            )
            .label("scales on a queue KEDA reads from Prometheus")
            .help(format!(
                "declare a `keda` instance in this environment, or give `{}` a CPU or memory target here (`{}.autoscale = {{ cpu = 70% }}` in the environment)",
                service.name, service.name
            )),
        );
    }
}
