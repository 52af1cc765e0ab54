//! What the platform observes, shared by the backends that write it: the
//! PromQL of a service's series, the alerting and recording rules, and the
//! scraper's scrape jobs. The Grafana backend draws dashboards on them; the
//! chart backend hands them to the monitoring charts as values.

pub mod promql;
pub mod rules;
