//! A chart's values: its fixed values from the stdlib, with what the model
//! says about each workload hplc sets, and what else hplc derives (the
//! scraper's jobs, the rules, the data sources, ...), written at the
//! chart's value paths.

use std::borrow::Cow;

use crate::emit::kube::{labels, quantity};
use crate::emit::observe::{alerting, datasources, logs, promql, rules, scrape};
use crate::emit::yaml::{list, map, n, s, Value};
use crate::emit::Context;
use crate::model::{Chart, ChartPod, Data, Derived, Range, Service, ServiceId};
use crate::types::ty::Dim;
use crate::types::units;

pub fn values<'a>(
    context: &Context<'a>,
    id: ServiceId,
    service: &'a Service,
    chart: &'a Chart,
) -> Value<'a> {
    let mut values = data(&chart.values);
    set(&mut values, &chart.fullname, s(&service.k8s_name));
    for pod in &chart.pods {
        set(&mut values, &pod.resources, resources(pod));
        if let Some(selector) = node_selector(context, service) {
            set(&mut values, &pod.node_selector, selector);
        }
    }
    for (derived, path, secret) in &chart.derive {
        if let Some(value) = derive(context, id, service, *derived, secret) {
            set(&mut values, path, value);
        }
    }
    values
}

/// A value hplc derives for a component; `None` where the model has
/// nothing to say (no volume, no retention).
fn derive<'a>(
    context: &Context<'a>,
    id: ServiceId,
    service: &'a Service,
    derived: Derived,
    secret: &str,
) -> Option<Value<'a>> {
    let platform = context.platform;
    let volume = service.volumes.first();
    let retention = service.pod.retention.as_ref().map(|r| r.ms);
    Some(match derived {
        Derived::VolumeSize => s(quantity::bytes(volume?.provisioned())),
        Derived::VolumeClass => s(&volume?.class.name),
        Derived::Retention => s(quantity::duration(retention?)),
        Derived::RetentionHours => s(format!("{}h", retention? / 3_600_000)),
        Derived::ScrapeInterval => s(promql::duration(platform.scrape_interval_ms)),
        Derived::ScrapeConfigs => list(scrape::scrape_configs(context, id)),
        Derived::Alertmanagers => list(scrape::alertmanagers(context, id)),
        Derived::AlertingRules | Derived::RecordingRules => {
            let kind = if derived == Derived::AlertingRules {
                "alert"
            } else {
                "record"
            };
            let sets = rules::rule_sets(context);
            rules::rule_file(&sets, kind).into_owned()
        }
        Derived::AlertmanagerConfig => alerting::config(service),
        Derived::ReceiverSecretMounts => alerting::secret_mounts(service),
        Derived::Datasources => datasources::datasources(context),
        Derived::LogPipeline => s(logs::pipeline(context, id)),
        Derived::SecretName => s(&service.pod.secrets.get(secret)?.name),
        Derived::SecretKey => s(&service.pod.secrets.get(secret)?.key),
    })
}

/// Requests, and the limits that are set.
fn resources(pod: &ChartPod) -> Value<'static> {
    let pair = |cpu: i64, memory: i64| {
        let mut pairs = Vec::new();
        if cpu > 0 {
            pairs.push(("cpu", s(quantity::cpu(cpu))));
        }
        if memory > 0 {
            pairs.push(("memory", s(quantity::bytes(memory))));
        }
        map(pairs)
    };
    let Range { request, limit } = pod.cpu;
    let (memory_request, memory_limit) = (pod.memory.request, pod.memory.limit);
    let mut out = vec![("requests", pair(request, memory_request))];
    if limit > 0 || memory_limit > 0 {
        out.push(("limits", pair(limit, memory_limit)));
    }
    map(out)
}

/// The node label a pinned component selects, or its role's; `None` where
/// it may run anywhere.
fn node_selector<'a>(context: &Context<'a>, service: &'a Service) -> Option<Value<'a>> {
    let placement = &service.placement;
    if let Some((node, _)) = placement.place {
        let name = &context.platform.nodes[node].k8s_name;
        return Some(map([(labels::NODE, s(name))]));
    }
    (!placement.node_role.is_empty()).then(|| map([(labels::ROLE, s(&placement.node_role))]))
}

/// The keys of a dotted path: `serverFiles.prometheus\\.yml` is
/// `serverFiles`, `prometheus.yml`, as Helm's --set reads it.
fn keys(path: &str) -> Vec<String> {
    let mut keys = vec![String::new()];
    let mut chars = path.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    keys.last_mut().expect("a key").push(next);
                }
            }
            '.' => keys.push(String::new()),
            c => keys.last_mut().expect("a key").push(c),
        }
    }
    keys
}

/// Sets `value` at a dotted path (`webhook.resources`), making the maps on
/// the way; an empty path sets nothing.
fn set<'a>(root: &mut Value<'a>, path: &str, value: Value<'a>) {
    if path.is_empty() {
        return;
    }
    let mut at = root;
    let keys = keys(path);
    let mut keys = keys.into_iter().peekable();
    while let Some(key) = keys.next() {
        let Value::Map(entries) = at else { return };
        let index = match entries.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                entries.push((Cow::Owned(key.clone()), map(Vec::<(&str, Value)>::new())));
                entries.len() - 1
            }
        };
        if keys.peek().is_none() {
            entries[index].1 = value;
            return;
        }
        if !matches!(entries[index].1, Value::Map(_)) {
            entries[index].1 = map(Vec::<(&str, Value)>::new());
        }
        at = &mut entries[index].1;
    }
}

/// Free-form data as YAML: quantities in the notation Kubernetes reads.
pub fn data(value: &Data) -> Value<'_> {
    match value {
        Data::Bool(b) => Value::Bool(*b),
        Data::Int(i) => n(*i),
        Data::Decimal(m, places) => Value::Str(Cow::Owned(units::decimal(*m, *places))),
        Data::Str(text) => s(text),
        Data::Quantity(dim, q) => s(match dim {
            Dim::Cpu => quantity::cpu(*q),
            Dim::Bytes => quantity::bytes(*q),
            Dim::Duration => quantity::duration(*q),
            other => units::format(*other, *q),
        }),
        Data::List(items) => list(items.iter().map(data)),
        Data::Map(entries) => map(entries.iter().map(|(k, v)| (k.as_str(), data(v)))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::yaml::to_string;

    #[test]
    fn sets_a_value_at_a_dotted_path_keeping_what_is_there() {
        let mut values = map([("webhook", map([("replicas", n(1))]))]);
        set(
            &mut values,
            "webhook.resources.requests",
            map([("cpu", s("10m"))]),
        );
        set(&mut values, "", n(3));
        assert_eq!(
            to_string(&values),
            "webhook:\n  replicas: 1\n  resources:\n    requests:\n      cpu: 10m\n"
        );
    }

    #[test]
    fn a_dot_in_a_key_is_escaped() {
        assert_eq!(
            keys("serverFiles.prometheus\\.yml"),
            ["serverFiles", "prometheus.yml"]
        );
        assert_eq!(keys("a.b.c"), ["a", "b", "c"]);
    }

    #[test]
    fn writes_quantities_as_kubernetes_reads_them() {
        let value = Data::Map(
            [
                ("cpu".to_string(), Data::Quantity(Dim::Cpu, 250)),
                ("memory".to_string(), Data::Quantity(Dim::Bytes, 512 << 20)),
                ("ratio".to_string(), Data::Decimal(5, 1)),
            ]
            .into_iter()
            .collect(),
        );
        assert_eq!(
            to_string(&data(&value)),
            "cpu: 250m\nmemory: 512Mi\nratio: '0.5'\n"
        );
    }
}
