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

use super::promql::{self, container, cpu_usage, kube_label, memory_usage, rule_window, target};
use crate::emit::yaml::{list, map, s, Value};
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
        alerts.push(watchdog(context, monitoring));
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
                rules.extend(derived_alerts(context, monitoring, service, scraped[id]));
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

/// The rule groups of one kind (`alert` or `record`), as a Prometheus
/// rule file reads them: `{ groups: [...] }`. Every group holds rules of
/// one kind.
pub fn rule_file<'a>(sets: &'a [RuleSet<'a>], kind: &str) -> Value<'a> {
    let groups = sets
        .iter()
        .flat_map(|set| set.groups.iter())
        .filter(|g| g.rules.first().is_some_and(|r| r.kind == kind));
    map([("groups", list(groups.map(group_value)))])
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

/// The derived alerts (stdlib/monitoring.hpl) that apply to one service:
/// CPU and memory against the limits it has, restarts, each volume that is
/// not node-local, and downtime (its scrape target when it is scraped, its
/// available replicas otherwise).
fn derived_alerts(
    context: &Context,
    monitoring: &Monitoring,
    service: &Service,
    scraped: bool,
) -> Vec<Rule> {
    let platform = context.platform;
    let base = Fill::for_service(platform, service);
    let mut rules = Vec::new();
    if service.cpu.limit > 0 {
        let cores = promql::cores(service.cpu.limit);
        let fill = base
            .with("limit", &cores)
            .with("limit_text", &format!("{cores} cores"));
        rules.push(derived(
            context,
            &monitoring.cpu,
            service,
            service.cpu_span,
            &fill,
        ));
    }
    if service.memory.limit > 0 {
        let text = crate::model::show::bytes(service.memory.limit);
        let fill = base
            .with("limit", &service.memory.limit.to_string())
            .with("limit_text", &text);
        rules.push(derived(
            context,
            &monitoring.memory,
            service,
            service.memory_span,
            &fill,
        ));
    }
    rules.push(derived(
        context,
        &monitoring.restarts,
        service,
        service.span,
        &base,
    ));
    for volume in service.volumes.iter().filter(|v| !v.class.node_local) {
        let namespace = &platform.namespace_of(service).k8s_name;
        // StatefulSet claims are named <template>-<statefulset>-<ordinal>;
        // a chart's claims carry the release's name somewhere; a replicated
        // cluster's are named after its instances (<name>-<serial>).
        let claims = if let Some((workload, _)) = service.operated_workload() {
            // The claims of the StatefulSet an operator makes.
            let statefulset = workload
                .split_once('/')
                .map_or(workload.as_str(), |(_, n)| n);
            format!(
                "namespace=\"{namespace}\", persistentvolumeclaim=~\"persistence-{statefulset}-[0-9]+\""
            )
        } else if service.replication.is_some() {
            format!(
                "namespace=\"{namespace}\", persistentvolumeclaim=~\"{}-[0-9]+\"",
                service.k8s_name
            )
        } else if service.chart().is_some() {
            format!(
                "namespace=\"{namespace}\", persistentvolumeclaim=~\".*{}.*\"",
                service.k8s_name
            )
        } else {
            format!(
                "namespace=\"{namespace}\", persistentvolumeclaim=~\"{}-{}-[0-9]+\"",
                volume.name, service.k8s_name
            )
        };
        let fill = base.with("volume", &volume.name).with("claims", &claims);
        rules.push(derived(
            context,
            &monitoring.volume,
            service,
            volume.span,
            &fill,
        ));
    }
    if scraped {
        rules.push(derived(
            context,
            &monitoring.down,
            service,
            service.span,
            &base,
        ));
    } else {
        let fill = base.with("available", &available(platform, service));
        rules.push(derived(
            context,
            &monitoring.unavailable,
            service,
            service.span,
            &fill,
        ));
    }
    rules
}

/// kube-state-metrics' series of a service's available replicas, by the
/// kind of its workload (a chart's: its main workload's).
fn available(platform: &Platform, service: &Service) -> String {
    let namespace = &platform.namespace_of(service).k8s_name;
    let (kind, name) = match promql::main_workload(service) {
        Some((workload, _)) => match workload.split_once('/') {
            Some((kind, name)) => (kind.to_string(), name.to_string()),
            None => ("Deployment".to_string(), workload),
        },
        None if service.placement.daemon => ("DaemonSet".into(), service.k8s_name.clone()),
        None if service.is_stateful() => ("StatefulSet".into(), service.k8s_name.clone()),
        None => ("Deployment".into(), service.k8s_name.clone()),
    };
    let (metric, label) = match kind.as_str() {
        "DaemonSet" => ("kube_daemonset_status_number_available", "daemonset"),
        "StatefulSet" => ("kube_statefulset_status_replicas_ready", "statefulset"),
        _ => ("kube_deployment_status_replicas_available", "deployment"),
    };
    format!("{metric}{{namespace=\"{namespace}\", {label}=\"{name}\"}}")
}

/// The dead man's switch, once for the platform.
fn watchdog(context: &Context, monitoring: &Monitoring) -> Rule {
    let t = &monitoring.watchdog;
    let fill = Fill::new(context.platform, t);
    platform_alert(context, t, &fill, monitoring.provenance.span)
}

/// The nodes' disk, once for the platform, when any volume is node-local.
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
    let t = &monitoring.node_disk;
    let fill = Fill::new(platform, t).with("volumes", &names.join(", "));
    Some(platform_alert(context, t, &fill, first))
}

/// A rule of the stdlib for one service, with its placeholders filled.
fn derived(
    context: &Context,
    t: &AlertThreshold,
    service: &Service,
    span: Span,
    fill: &Fill,
) -> Rule {
    let fill = fill.threshold(t);
    let mut rule = Rule {
        kind: "alert",
        name: t.name.clone(),
        expr: fill.apply(&t.expr),
        for_ms: t.for_ms,
        labels: service_labels(context.platform, service, &t.severity),
        annotations: texts(&fill, t),
    };
    annotate(context, &mut rule, &t.runbook, span);
    rule
}

/// An alert the platform has once (the watchdog, the nodes' disk), from
/// its stdlib template filled for the platform, traced to `span`.
fn platform_alert(context: &Context, t: &AlertThreshold, fill: &Fill, span: Span) -> Rule {
    let mut rule = Rule {
        kind: "alert",
        name: t.name.clone(),
        expr: fill.apply(&t.expr),
        for_ms: t.for_ms,
        labels: vec![("severity".into(), t.severity.clone())],
        annotations: texts(fill, t),
    };
    annotate(context, &mut rule, &t.runbook, span);
    rule
}

fn texts(fill: &Fill, t: &AlertThreshold) -> Vec<(String, String)> {
    let mut texts = vec![("summary".into(), fill.apply(&t.summary))];
    if !t.description.is_empty() {
        texts.push(("description".into(), fill.apply(&t.description)));
    }
    texts
}

/// The values of a rule's placeholders (`$service`, `$window`, ...).
#[derive(Clone, Default)]
struct Fill {
    values: Vec<(String, String)>,
}

impl Fill {
    /// The placeholders every rule has: the window, and the threshold's.
    fn new(platform: &Platform, t: &AlertThreshold) -> Fill {
        Fill::default()
            .with("window", &rule_window(platform))
            .threshold(t)
    }

    /// A service's placeholders.
    fn for_service(platform: &Platform, service: &Service) -> Fill {
        Fill::default()
            .with("window", &rule_window(platform))
            .with("service", &service.name)
            .with("container", &container(platform, service))
            .with("target", &target(platform, service))
    }

    fn threshold(&self, t: &AlertThreshold) -> Fill {
        self.with("above", &promql::ratio(t.above))
            .with("above_percent", &promql::percent(t.above))
            .with("count", &t.count.to_string())
            .with("within", &promql::duration(t.within_ms))
            .with("for", &promql::duration(t.for_ms))
    }

    fn with(&self, name: &str, value: &str) -> Fill {
        let mut values = self.values.clone();
        values.retain(|(n, _)| n != name);
        values.push((name.to_string(), value.to_string()));
        Fill { values }
    }

    /// The template with every `$name` it knows replaced; other `$`
    /// words (Prometheus' `$labels`, `$value`) stay as they are.
    fn apply(&self, template: &str) -> String {
        let mut out = String::with_capacity(template.len() + 64);
        let mut rest = template;
        while let Some(at) = rest.find('$') {
            out.push_str(&rest[..at]);
            let word_end = rest[at + 1..]
                .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
                .map_or(rest.len(), |e| at + 1 + e);
            let word = &rest[at + 1..word_end];
            match self.values.iter().find(|(n, _)| n == word) {
                Some((_, value)) => out.push_str(value),
                None => out.push_str(&rest[at..word_end]),
            }
            rest = &rest[word_end..];
        }
        out.push_str(rest);
        out
    }
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
    fn placeholders_are_filled_and_prometheus_templates_kept() {
        let fill = super::Fill::default()
            .with("above", "0.8")
            .with("above_percent", "80%")
            .with("service", "api");
        assert_eq!(
            fill.apply("x > $above: $service at $above_percent, {{ $labels.pod }} $unknown $"),
            "x > 0.8: api at 80%, {{ $labels.pod }} $unknown $"
        );
    }

    #[test]
    fn alert_names_are_camel_case() {
        assert_eq!(super::camel_case("queue_backlog"), "QueueBacklog");
        assert_eq!(
            super::camel_case("database_connection_failures"),
            "DatabaseConnectionFailures"
        );
    }
}
