//! PromQL pieces shared by the alerting rules and the dashboards: which
//! series belong to a service, windows and durations, and numbers written
//! the way PromQL reads them.
//!
//! The label contract (docs/backends/grafana.md): scraped series carry the
//! `namespace` and `service` of their Kubernetes Service (as a
//! ServiceMonitor labels them); container series (cAdvisor, kube-state-
//! metrics) carry `namespace`, `pod` and `container`, the container being
//! named after the service.

use crate::model::{Platform, Service};
use crate::types::units;

/// Stands for the scrape target's label matchers in stdlib expressions.
pub const TARGET_PLACEHOLDER: &str = "$target";

/// `namespace="health-data", service="postgres-health"`: the series scraped
/// from the Kubernetes Service that carries the service's metrics.
/// The namespace is where its pods run (a gateway's proxies run in their
/// controller's).
pub fn target(platform: &Platform, service: &Service) -> String {
    format!(
        "namespace=\"{}\", service=\"{}\"",
        platform.pods_namespace_of(service).k8s_name,
        service.k8s_name
    )
}

/// The labels hplc gives the series it records and the alerts it raises
/// for a service: its namespace and its name.
pub fn identity(platform: &Platform, service: &Service) -> Vec<(String, String)> {
    vec![
        (
            "namespace".into(),
            platform.namespace_of(service).k8s_name.clone(),
        ),
        ("service".into(), service.k8s_name.clone()),
    ]
}

/// [`identity`] as matchers: `namespace="health-system", service="ingress-nginx"`.
pub fn named(platform: &Platform, service: &Service) -> String {
    identity(platform, service)
        .iter()
        .map(|(k, v)| format!("{k}=\"{v}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `namespace="health-data", container="postgres-health"`: the series of the
/// service's main container. A chart's main container has the chart's
/// name for it, in the pods named after the release.
pub fn container(platform: &Platform, service: &Service) -> String {
    let namespace = &platform.namespace_of(service).k8s_name;
    if let Some((pods, container)) = service.operated_instances() {
        return format!("namespace=\"{namespace}\", pod=~\"{pods}-.*\", container=\"{container}\"");
    }
    match main_workload(service) {
        Some((workload, container)) => format!(
            "namespace=\"{namespace}\", pod=~\"{}-.*\", container=\"{container}\"",
            workload
                .split_once('/')
                .map_or(workload.as_str(), |(_, name)| name)
        ),
        None => format!(
            "namespace=\"{namespace}\", container=\"{}\"",
            service.k8s_name
        ),
    }
}

/// The workload (`Deployment/name`, the release's name in it) and the
/// container whose requests hplc sets, of a chart's first workload that
/// hplc sets, or a release asset's first workload (whose names the
/// manifest fixes), or the workload an operator makes for a replicated
/// cluster where hplc knows it; `None` for a service hplc writes.
pub fn main_workload(service: &Service) -> Option<(String, String)> {
    if let Some(operated) = service.operated_workload() {
        return Some(operated);
    }
    let chart = service.chart()?;
    if chart.pods.is_empty() && !chart.release_asset.is_empty() {
        let workload = chart.render.workloads.first()?;
        let container = workload.containers.iter().find(|c| !c.init)?;
        return Some((workload.workload.clone(), container.name.clone()));
    }
    let pod = chart.pods.first()?;
    let workload = chart
        .render
        .workloads
        .iter()
        .find(|w| w.workload == pod.workload)?;
    let index = crate::model::set_container(workload, pod)?;
    Some((
        crate::model::for_release(&workload.workload, &service.k8s_name),
        workload.containers[index].name.clone(),
    ))
}

/// An expression of the stdlib with `$target` replaced by the service's
/// matchers.
pub fn expand(expr: &str, platform: &Platform, service: &Service) -> String {
    expr.replace(TARGET_PLACEHOLDER, &target(platform, service))
}

/// The range of `rate()` in alerting rules: four scrape intervals, the
/// shortest window that still holds several samples when one scrape fails
/// (the rule Grafana's `$__rate_interval` follows too).
pub fn rule_window(platform: &Platform) -> String {
    duration(4 * platform.scrape_interval_ms)
}

/// Milliseconds as a PromQL duration in the largest unit that states them
/// exactly: `1m`, `15s`, `1h30m` is written `90m`.
pub fn duration(ms: i64) -> String {
    const UNITS: [(&str, i64); 5] = [
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
        ("ms", 1),
    ];
    if ms <= 0 {
        return "0s".into();
    }
    let (unit, size) = UNITS
        .iter()
        .find(|(_, size)| ms % size == 0)
        .expect("1 ms divides every duration");
    format!("{}{unit}", ms / size)
}

/// CPU seconds per second of the containers `selector` picks (cAdvisor).
pub fn cpu_usage(selector: &str, window: &str) -> String {
    format!("rate(container_cpu_usage_seconds_total{{{selector}}}[{window}])")
}

/// Memory the kernel cannot reclaim, what the memory limit is checked
/// against (cAdvisor).
pub fn memory_usage(selector: &str) -> String {
    format!("container_memory_working_set_bytes{{{selector}}}")
}

/// The root filesystem of a node (its boot volume), as the node exporter
/// reports it.
pub const ROOT_FILESYSTEM: &str = "mountpoint=\"/\", fstype!~\"tmpfs|overlay\"";

/// Hundredths of a percent as a ratio: 8000 -> `0.8`.
pub fn ratio(hundredths_of_percent: i64) -> String {
    units::decimal(hundredths_of_percent as i128, 4)
}

/// Hundredths of a percent for people: 8000 -> `80%`.
pub fn percent(hundredths_of_percent: i64) -> String {
    format!("{}%", units::decimal(hundredths_of_percent as i128, 2))
}

/// Millicores as cores: 500 -> `0.5`.
pub fn cores(millis: i64) -> String {
    units::decimal(millis as i128, 3)
}

/// A Kubernetes label key as kube-state-metrics exports it:
/// `hplc.dev/node` -> `label_hplc_dev_node`.
pub fn kube_label(key: &str) -> String {
    let sanitized: String = key
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("label_{sanitized}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_durations_and_numbers_as_promql_reads_them() {
        assert_eq!(duration(60_000), "1m");
        assert_eq!(duration(15_000), "15s");
        assert_eq!(duration(5_400_000), "90m");
        assert_eq!(duration(86_400_000), "1d");
        assert_eq!(ratio(8000), "0.8");
        assert_eq!(ratio(8550), "0.855");
        assert_eq!(percent(8500), "85%");
        assert_eq!(cores(1830), "1.83");
        assert_eq!(kube_label("hplc.dev/node"), "label_hplc_dev_node");
    }
}
