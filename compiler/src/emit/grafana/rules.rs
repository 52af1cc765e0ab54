//! Prometheus rules as one PrometheusRule (monitoring.coreos.com/v1) in the
//! scraper's namespace:
//!
//! - the alerts of seed 000 §7.1 for every service they apply to, with the
//!   thresholds of the platform's `monitoring` (stdlib/monitoring.hpl) and
//!   the service's own limits, volumes and scrape targets;
//! - the alerts declared in the source: `alerts` of a service (its
//!   component's too, such as PostgreSQL's connection failures) and `alert`
//!   instances;
//! - recording rules that give every HTTP service the same request, error
//!   and latency series, whatever its own metric names, for the
//!   application dashboard; and every node its use and requests under the
//!   node's name in the source, for the capacity dashboard.

use std::borrow::Cow;

use super::promql::{self, container, cpu_usage, kube_label, memory_usage, rule_window, target};
use crate::emit::kube::object::{metadata, object};
use crate::emit::yaml::{documents, list, map, s, Value};
use crate::emit::Context;
use crate::graph::EdgeKind;
use crate::model::{Alert, AlertThreshold, Monitoring, Platform, Service, NODE_LABEL};
use crate::source::Span;

#[derive(Clone, Debug)]
pub struct Rule {
    /// `alert` or `record`.
    pub kind: &'static str,
    pub name: String,
    pub expr: String,
    pub for_ms: i64,
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
}

#[derive(Clone, Debug)]
pub struct Group {
    pub name: String,
    pub rules: Vec<Rule>,
}

/// The latency quantiles recorded for every HTTP service.
pub const LATENCY_QUANTILES: [(&str, &str); 3] = [("p50", "0.5"), ("p95", "0.95"), ("p99", "0.99")];

/// The name of a recorded RED series: `service:http_requests:rate1m`.
pub fn red_series(platform: &Platform, measure: &str) -> String {
    match measure {
        "requests" | "errors" => format!("service:http_{measure}:rate{}", rule_window(platform)),
        quantile => format!("service:http_latency_seconds:{quantile}"),
    }
}

/// A series recorded for every node, labelled `label_hplc_dev_node`
/// with the node's name in the source.
#[derive(Clone, Copy, Debug)]
pub enum NodeSeries {
    CpuUsage,
    CpuRequests,
    MemoryUsage,
    MemoryRequests,
}

impl NodeSeries {
    const ALL: [NodeSeries; 4] = [
        NodeSeries::CpuUsage,
        NodeSeries::CpuRequests,
        NodeSeries::MemoryUsage,
        NodeSeries::MemoryRequests,
    ];

    pub fn name(self) -> &'static str {
        match self {
            NodeSeries::CpuUsage => "hplc_node:cpu_usage_cores:sum",
            NodeSeries::CpuRequests => "hplc_node:cpu_requests_cores:sum",
            NodeSeries::MemoryUsage => "hplc_node:memory_working_set_bytes:sum",
            NodeSeries::MemoryRequests => "hplc_node:memory_requests_bytes:sum",
        }
    }

    /// Per Kubernetes node (cAdvisor's series carry the pod, kube_pod_info
    /// its node), then renamed to the source's node by its label.
    fn expr(self, window: &str) -> String {
        let by_node = match self {
            NodeSeries::CpuUsage => format!(
                "sum by (node) ({} {PODS_ON_NODES})",
                cpu_usage("container!=\"\"", window)
            ),
            NodeSeries::MemoryUsage => format!(
                "sum by (node) ({} {PODS_ON_NODES})",
                memory_usage("container!=\"\"")
            ),
            NodeSeries::CpuRequests => {
                "sum by (node) (kube_pod_container_resource_requests{resource=\"cpu\"})".into()
            }
            NodeSeries::MemoryRequests => {
                "sum by (node) (kube_pod_container_resource_requests{resource=\"memory\"})".into()
            }
        };
        let label = kube_label(NODE_LABEL);
        format!("sum by ({label}) ({by_node} * on (node) group_left ({label}) max by (node, {label}) (kube_node_labels))")
    }
}

/// Moves a per-pod series onto the pod's node.
const PODS_ON_NODES: &str =
    "* on (namespace, pod) group_left (node) max by (namespace, pod, node) (kube_pod_info)";

/// The rule groups of one PrometheusRule: the platform's own (`namespace`
/// is `None`), or those of the services of one namespace.
pub struct RuleSet<'a> {
    pub namespace: Option<&'a str>,
    pub groups: Vec<Group>,
}

/// Every rule group, in one set for the platform (the nodes' recording
/// rules, the platform's alerts) and one per namespace of services (their
/// RED recording rules, then a group per service). A PrometheusRule per
/// set keeps each object small, whatever the number of services: the API
/// server refuses objects past about a megabyte.
pub fn rule_sets<'a>(context: &Context<'a>) -> Vec<RuleSet<'a>> {
    let platform = context.platform;
    let mut own = Vec::new();
    if !platform.nodes.is_empty() {
        let window = rule_window(platform);
        let rules = NodeSeries::ALL
            .iter()
            .map(|series| Rule {
                kind: "record",
                name: series.name().into(),
                expr: series.expr(&window),
                for_ms: 0,
                labels: Vec::new(),
                annotations: Vec::new(),
            })
            .collect();
        own.push(Group {
            name: "hplc.nodes".into(),
            rules,
        });
    }
    let mut alerts: Vec<Rule> = Vec::new();
    if let Some(monitoring) = &platform.monitoring {
        alerts.extend(node_disk(context, monitoring));
    }
    alerts.extend(platform.alerts.iter().map(|a| declared(context, a, None)));
    if !alerts.is_empty() {
        own.push(Group {
            name: format!("{}.platform", platform.name),
            rules: alerts,
        });
    }
    let mut sets = vec![RuleSet {
        namespace: None,
        groups: own,
    }];

    // Which services Prometheus scrapes, found in one pass over the edges.
    let mut scraped = vec![false; platform.services.len()];
    for edge in context
        .graph
        .edges
        .iter()
        .filter(|e| e.kind == EdgeKind::Scrape)
    {
        scraped[edge.to] = true;
    }
    let mut by_namespace: Vec<Vec<usize>> = vec![Vec::new(); platform.namespaces.len()];
    for (id, service) in platform.deployed() {
        by_namespace[service.namespace].push(id);
    }
    for (namespace, ids) in by_namespace
        .iter()
        .enumerate()
        .filter(|(_, ids)| !ids.is_empty())
    {
        let k8s_name = platform.namespaces[namespace].k8s_name.as_str();
        let mut groups = Vec::new();
        let red: Vec<Rule> = ids
            .iter()
            .flat_map(|id| red_rules(platform, &platform.services[*id]))
            .collect();
        if !red.is_empty() {
            groups.push(Group {
                name: format!("hplc.red.{k8s_name}"),
                rules: red,
            });
        }
        for &id in ids {
            let service = &platform.services[id];
            let mut rules = Vec::new();
            if let Some(monitoring) = &platform.monitoring {
                rules.extend(seed_alerts(context, monitoring, service, scraped[id]));
            }
            rules.extend(
                service
                    .alerts
                    .iter()
                    .map(|a| declared(context, a, Some(service))),
            );
            if !rules.is_empty() {
                groups.push(Group {
                    name: service.k8s_name.clone(),
                    rules,
                });
            }
        }
        sets.push(RuleSet {
            namespace: Some(k8s_name),
            groups,
        });
    }
    sets.retain(|set| !set.groups.is_empty());
    sets
}

/// For `k8s/<namespace>.yaml`: a PrometheusRule per rule set,
/// all in the scraper's namespace; `None` when there is no rule.
pub fn prometheus_rules(context: &Context, namespace: &str) -> Option<String> {
    let sets = rule_sets(context);
    if sets.is_empty() {
        return None;
    }
    let platform = context.platform;
    let base = format!("{}-rules", crate::model::k8s_name(&platform.name));
    let objects: Vec<Value> = sets
        .iter()
        .map(|set| {
            let name = match set.namespace {
                None => base.clone(),
                Some(services) => format!("{base}-{services}"),
            };
            let meta = metadata(
                context,
                name,
                Some(namespace),
                &[("role", Cow::Borrowed("alert-rules"))],
                platform.span,
            );
            let spec = map([("groups", list(set.groups.iter().map(group_value)))]);
            object(
                "monitoring.coreos.com/v1",
                "PrometheusRule",
                meta,
                [("spec", spec)],
            )
        })
        .collect();
    Some(documents(&objects))
}

fn group_value(group: &Group) -> Value<'_> {
    map([
        ("name", s(&group.name)),
        ("rules", list(group.rules.iter().map(rule_value))),
    ])
}

fn rule_value(rule: &Rule) -> Value<'_> {
    let mut pairs = vec![(rule.kind, s(&rule.name)), ("expr", s(&rule.expr))];
    if rule.for_ms > 0 {
        pairs.push(("for", s(promql::duration(rule.for_ms))));
    }
    fn strings(entries: &[(String, String)]) -> Value<'_> {
        map(entries.iter().map(|(k, v)| (k.as_str(), s(v))))
    }
    if !rule.labels.is_empty() {
        pairs.push(("labels", strings(&rule.labels)));
    }
    if !rule.annotations.is_empty() {
        pairs.push(("annotations", strings(&rule.annotations)));
    }
    map(pairs)
}

/// Request, error and latency series of an HTTP service, under the names
/// of [`red_series`].
fn red_rules(platform: &Platform, service: &Service) -> Vec<Rule> {
    let Some(http) = &service.http_metrics else {
        return Vec::new();
    };
    let window = rule_window(platform);
    let target = target(platform, service);
    let by = "sum by (namespace)";
    // The series are labelled with the service's name, which is not always
    // the Service scraped (an ingress controller's metrics Service).
    let labels = promql::identity(platform, service);
    let record = |name: String, expr: String| Rule {
        kind: "record",
        name,
        expr,
        for_ms: 0,
        labels: labels.clone(),
        annotations: Vec::new(),
    };
    let errors_selector = if http.errors_where.is_empty() {
        target.clone()
    } else {
        format!("{}, {target}", http.errors_where)
    };
    let mut rules = vec![
        record(
            red_series(platform, "requests"),
            format!("{by} (rate({}{{{target}}}[{window}]))", http.requests),
        ),
        record(
            red_series(platform, "errors"),
            format!(
                "{by} (rate({}{{{errors_selector}}}[{window}]))",
                http.errors
            ),
        ),
    ];
    if !http.latency.is_empty() {
        let scale = if http.latency_in_ms { " / 1000" } else { "" };
        for (name, quantile) in LATENCY_QUANTILES {
            rules.push(record(
                red_series(platform, name),
                format!("histogram_quantile({quantile}, sum by (namespace, le) (rate({}_bucket{{{target}}}[{window}]))){scale}", http.latency),
            ));
        }
    }
    rules
}

/// The seed's alerts (000 §7.1) that apply to one service.
fn seed_alerts(
    context: &Context,
    monitoring: &Monitoring,
    service: &Service,
    scraped: bool,
) -> Vec<Rule> {
    let platform = context.platform;
    let window = rule_window(platform);
    let selector = container(platform, service);
    let name = &service.name;
    let mut rules = Vec::new();
    if service.cpu.limit > 0 {
        let t = &monitoring.cpu;
        let limit = promql::cores(service.cpu.limit);
        rules.push(seed_rule(
            context,
            t,
            "ContainerCpuHigh",
            service,
            service.cpu_span,
            SeedRule {
                expr: format!(
                    "max by (namespace, pod) ({}) / {limit} > {}",
                    cpu_usage(&selector, &window),
                    promql::ratio(t.above)
                ),
                summary: format!(
                    "{name} uses more than {} of its CPU limit ({limit} cores)",
                    promql::percent(t.above)
                ),
                description:
                    "{{ $labels.pod }} has used {{ $value | humanizePercentage }} of its CPU limit"
                        .into(),
            },
        ));
    }
    if service.memory.limit > 0 {
        let t = &monitoring.memory;
        rules.push(seed_rule(context, t, "ContainerMemoryHigh", service, service.memory_span, SeedRule {
            expr: format!("max by (namespace, pod) ({}) / {} > {}", memory_usage(&selector), service.memory.limit, promql::ratio(t.above)),
            summary: format!(
                "{name} uses more than {} of its memory limit ({})",
                promql::percent(t.above),
                crate::model::show::bytes(service.memory.limit)
            ),
            description: "{{ $labels.pod }} has used {{ $value | humanizePercentage }} of its memory limit".into(),
        }));
    }
    let t = &monitoring.restarts;
    rules.push(seed_rule(context, t, "PodRestartLoop", service, service.span, SeedRule {
        expr: format!(
            "sum by (namespace, pod) (increase(kube_pod_container_status_restarts_total{{{selector}}}[{}])) > {}",
            promql::duration(t.within_ms),
            t.count
        ),
        summary: format!("{name} restarts more than {} times in {}", t.count, promql::duration(t.within_ms)),
        description: "{{ $labels.pod }} restarted {{ $value }} times".into(),
    }));
    for volume in service.volumes.iter().filter(|v| !v.class.node_local) {
        let t = &monitoring.volume;
        let namespace = &platform.namespace_of(service).k8s_name;
        // StatefulSet claims are named <template>-<statefulset>-<ordinal>.
        let claims = format!(
            "namespace=\"{namespace}\", persistentvolumeclaim=~\"{}-{}-[0-9]+\"",
            volume.name, service.k8s_name
        );
        rules.push(seed_rule(context, t, "VolumeNearlyFull", service, volume.span, SeedRule {
            expr: format!(
                "max by (namespace, persistentvolumeclaim) (kubelet_volume_stats_used_bytes{{{claims}}} / kubelet_volume_stats_capacity_bytes{{{claims}}}) > {}",
                promql::ratio(t.above)
            ),
            summary: format!("volume {} of {name} is more than {} full", volume.name, promql::percent(t.above)),
            description: "{{ $labels.persistentvolumeclaim }} is {{ $value | humanizePercentage }} full".into(),
        }));
    }
    let t = &monitoring.down;
    rules.push(seed_rule(
        context,
        t,
        "ServiceDown",
        service,
        service.span,
        SeedRule {
            expr: down_expr(context, service, scraped),
            summary: format!("{name} has no replica up"),
            description: format!(
                "no replica of {name} has answered for {}",
                promql::duration(t.for_ms)
            ),
        },
    ));
    rules
}

/// No replica serving: every scrape target down or gone when the service
/// is scraped, else no available replica as kube-state-metrics sees it.
fn down_expr(context: &Context, service: &Service, scraped: bool) -> String {
    let platform = context.platform;
    if scraped {
        let up = format!("up{{{}}}", target(platform, service));
        return format!("sum by (namespace, service) ({up}) == 0 or absent({up})");
    }
    let namespace = &platform.namespace_of(service).k8s_name;
    let (metric, label) = if service.placement.daemon {
        ("kube_daemonset_status_number_available", "daemonset")
    } else if service.is_stateful() {
        ("kube_statefulset_status_replicas_ready", "statefulset")
    } else {
        ("kube_deployment_status_replicas_available", "deployment")
    };
    format!(
        "{metric}{{namespace=\"{namespace}\", {label}=\"{}\"}} == 0",
        service.k8s_name
    )
}

/// Node-local volumes live on the nodes' boot volumes, which kubelet's
/// volume statistics do not cover: their alert is the nodes' disk.
fn node_disk(context: &Context, monitoring: &Monitoring) -> Option<Rule> {
    let platform = context.platform;
    let local: Vec<(Span, String)> = platform
        .services
        .iter()
        .flat_map(|svc| {
            svc.volumes
                .iter()
                .filter(|v| v.class.node_local)
                .map(move |v| (v.span, format!("{}.{}", svc.name, v.name)))
        })
        .collect();
    let first = local.first()?.0;
    let names: Vec<&str> = local.iter().map(|(_, name)| name.as_str()).collect();
    let t = &monitoring.volume;
    let root = promql::ROOT_FILESYSTEM;
    let mut rule = Rule {
        kind: "alert",
        name: "NodeDiskNearlyFull".into(),
        expr: format!(
            "1 - node_filesystem_avail_bytes{{{root}}} / node_filesystem_size_bytes{{{root}}} > {}",
            promql::ratio(t.above)
        ),
        for_ms: t.for_ms,
        labels: vec![("severity".into(), t.severity.clone())],
        annotations: vec![
            ("summary".into(), format!("a node's disk is more than {} full", promql::percent(t.above))),
            (
                "description".into(),
                format!(
                    "{{{{ $labels.instance }}}} is {{{{ $value | humanizePercentage }}}} full; it holds the node-local volumes ({})",
                    names.join(", ")
                ),
            ),
        ],
    };
    annotate(context, &mut rule, &t.runbook, first);
    Some(rule)
}

struct SeedRule {
    expr: String,
    summary: String,
    description: String,
}

fn seed_rule(
    context: &Context,
    t: &AlertThreshold,
    name: &str,
    service: &Service,
    span: Span,
    rule: SeedRule,
) -> Rule {
    let mut r = Rule {
        kind: "alert",
        name: name.to_string(),
        expr: rule.expr,
        for_ms: t.for_ms,
        labels: service_labels(context.platform, service, &t.severity),
        annotations: vec![
            ("summary".into(), rule.summary),
            ("description".into(), rule.description),
        ],
    };
    annotate(context, &mut r, &t.runbook, span);
    r
}

/// An alert the source declares. `$target` in a service's alert stands for
/// the service's scrape target.
fn declared(context: &Context, alert: &Alert, service: Option<&Service>) -> Rule {
    let platform = context.platform;
    let (expr, labels) = match service {
        Some(svc) => (
            promql::expand(&alert.expr, platform, svc),
            service_labels(platform, svc, &alert.severity),
        ),
        None => (
            alert.expr.clone(),
            vec![("severity".into(), alert.severity.clone())],
        ),
    };
    let mut rule = Rule {
        kind: "alert",
        name: camel_case(&alert.name),
        expr,
        for_ms: alert.for_ms,
        labels,
        annotations: vec![("summary".into(), alert.summary.clone())],
    };
    annotate(context, &mut rule, &alert.runbook, alert.span);
    rule
}

fn service_labels(platform: &Platform, service: &Service, severity: &str) -> Vec<(String, String)> {
    let mut labels = vec![("severity".into(), severity.to_string())];
    labels.extend(promql::identity(platform, service));
    labels
}

/// The runbook, when there is one, and the `.hpl` line the rule comes from.
fn annotate(context: &Context, rule: &mut Rule, runbook: &str, span: Span) {
    if !runbook.is_empty() {
        rule.annotations
            .push(("runbook_url".into(), runbook.to_string()));
    }
    rule.annotations
        .push(("source".into(), context.origin(span)));
}

/// `queue_backlog` -> `QueueBacklog`: Prometheus' naming of alerts.
fn camel_case(name: &str) -> String {
    name.split('_').map(super::capitalize).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn alert_names_are_camel_case() {
        assert_eq!(super::camel_case("queue_backlog"), "QueueBacklog");
        assert_eq!(
            super::camel_case("database_connection_failures"),
            "DatabaseConnectionFailures"
        );
    }
}
