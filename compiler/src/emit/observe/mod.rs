//! What the platform observes, shared by the backends that write it: the
//! PromQL of a service's series, the alerting and recording rules, and the
//! scraper's scrape jobs. The Grafana backend draws dashboards on them; the
//! chart backend hands them to the monitoring charts as values.

pub mod alerting;
pub mod datasources;
pub mod logs;
pub mod promql;
pub mod rules;
pub mod scrape;
pub mod tracing;

/// `prometheus` -> `Prometheus`.
pub fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}
