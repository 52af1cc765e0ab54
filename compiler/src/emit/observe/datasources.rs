//! Grafana's data sources: every service with a `datasource` (Prometheus,
//! Loki, Jaeger), at its address in the cluster, as Grafana's provisioning
//! reads them. The Grafana chart gets them as values; the dashboards name
//! them by uid.

use crate::emit::kube::address;
use crate::emit::yaml::{b, list, map, n, s, Value};
use crate::emit::Context;
use crate::model::Service;

/// The uid and plugin of the Prometheus data source every panel reads.
pub const PROMETHEUS_UID: &str = "prometheus";
pub const PROMETHEUS_KIND: &str = crate::model::scaling::PROMETHEUS;

/// The data source uid of a Grafana plugin: its id, so dashboards can name
/// it before Grafana has seen it.
pub fn uid_of(kind: &str) -> String {
    kind.to_string()
}

/// The data sources, as a provisioning file holds them:
/// `{ apiVersion: 1, datasources: [...] }`.
pub fn datasources<'a>(context: &Context<'a>) -> Value<'a> {
    let platform = context.platform;
    let served: Vec<(&Service, &str)> = platform
        .services
        .iter()
        .filter_map(|svc| {
            svc.roles
                .datasource
                .as_ref()
                .map(|d| (svc, d.kind.as_str()))
        })
        .collect();
    let has = |kind: &str| served.iter().any(|(_, k)| *k == kind);
    let mut first_of_kind = Vec::new();
    let sources: Vec<Value> = served
        .iter()
        .filter(|(_, kind)| {
            // One data source per plugin: the uid is the plugin id.
            let new = !first_of_kind.contains(kind);
            first_of_kind.push(kind);
            new
        })
        .map(|(svc, kind)| {
            let port = svc
                .roles
                .datasource
                .as_ref()
                .map_or("", |d| d.port.as_str());
            let url = address::url(platform, svc, port).unwrap_or_default();
            let mut pairs = vec![
                ("name", s(super::capitalize(kind))),
                ("type", s(*kind)),
                ("uid", s(uid_of(kind))),
                ("access", s("proxy")),
                ("url", s(url)),
                ("isDefault", b(*kind == PROMETHEUS_KIND)),
                ("editable", b(false)),
            ];
            if let Some(json) = json_data(context, kind, &has) {
                pairs.push(("jsonData", json));
            }
            map(pairs)
        })
        .collect();
    map([("apiVersion", n(1)), ("datasources", list(sources))])
}

/// Plugin settings: Prometheus at the platform's scrape interval; logs and
/// traces linked both ways by trace id (structured logs carry `trace_id`,
/// seed 000 §7.4).
fn json_data<'a>(context: &Context, kind: &str, has: &dyn Fn(&str) -> bool) -> Option<Value<'a>> {
    match kind {
        "prometheus" => Some(map([
            (
                "timeInterval",
                s(crate::emit::observe::promql::duration(
                    context.platform.scrape_interval_ms,
                )),
            ),
            ("httpMethod", s("POST")),
        ])),
        "loki" if has("jaeger") => Some(map([(
            "derivedFields",
            list([map([
                ("name", s("TraceID")),
                ("matcherRegex", s("\"trace_id\":\\s*\"(\\w+)\"")),
                ("url", s("$${__value.raw}")),
                ("datasourceUid", s(uid_of("jaeger"))),
            ])]),
        )])),
        "jaeger" if has("loki") => Some(map([(
            "tracesToLogsV2",
            map([
                ("datasourceUid", s(uid_of("loki"))),
                ("filterByTraceID", b(true)),
            ]),
        )])),
        _ => None,
    }
}
