//! NetworkPolicies. Every namespace hplc owns starts closed (default deny,
//! ingress and egress) with DNS open; then each edge of the dependency
//! graph (`needs`, the ingress controller to exposed services, the scraper
//! to metrics ports) opens exactly one ingress rule on the target's pods
//! and one egress rule on the source's, on the edge's ports, across
//! namespaces by namespace and pod selector. The only other openings:
//! the internet to the ingress controller's public ports, the API server
//! for workloads with RBAC permissions, and a backup job to its database
//! and to the object storage. Namespaces Kubernetes manages (kube-system)
//! are left as they are.

use std::collections::BTreeMap;

use serde_yaml::Value;

use super::object::{list, map, metadata, n, object, s};
use super::{backup, labels, services};
use crate::emit::Context;
use crate::model::{Platform, Service, ServiceId};
use crate::source::Span;

/// The port of the `kubernetes` Service, in front of the API server's own
/// (the cloud's `api_server_port`): policies may see either, before or
/// after the Service's address translation.
const KUBERNETES_SERVICE_PORT: u16 = 443;
/// HTTPS, the port of the object storage's S3 endpoint.
const HTTPS: u16 = 443;
/// Addresses outside the cluster: anything but the private ranges
/// (RFC 1918) that nodes, pods and services use.
const ANYWHERE: &str = "0.0.0.0/0";
const PRIVATE: [&str; 3] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

/// A set of pods a policy selects or a rule names.
#[derive(Clone)]
struct Pods {
    /// The name its policies are called by (`postgres-health`).
    name: String,
    namespace: String,
    selector: Value,
    /// Whether hplc writes policies for it (its namespace is not managed).
    owned: bool,
    /// The declaration its policies are traced to.
    span: Span,
}

fn service_pods(platform: &Platform, service: &Service) -> Pods {
    let namespace = platform.namespace_of(service);
    Pods {
        name: service.k8s_name.clone(),
        namespace: namespace.k8s_name.clone(),
        selector: labels::selector(service),
        owned: !service.managed && !namespace.managed,
        span: service.span,
    }
}

fn peer(pods: &Pods) -> Value {
    map([
        ("namespaceSelector", map([("matchLabels", map([(labels::NAMESPACE_NAME, s(&pods.namespace))]))])),
        ("podSelector", map([("matchLabels", pods.selector.clone())])),
    ])
}

fn outside() -> Value {
    map([("ipBlock", map([("cidr", s(ANYWHERE)), ("except", list(PRIVATE.iter().map(|c| s(*c))))]))])
}

fn ports(numbers: &[u16]) -> Value {
    list(numbers.iter().map(|p| map([("protocol", s("TCP")), ("port", n(i64::from(*p)))])))
}

/// One rule of a policy: the peer (`None`: any address) and ports.
struct Rule {
    peer: Option<Value>,
    ports: Vec<u16>,
}

impl Rule {
    fn value(&self, direction: &str) -> Value {
        let mut fields: Vec<(&str, Value)> = Vec::new();
        if let Some(peer) = &self.peer {
            fields.push((direction, list([peer.clone()])));
        }
        fields.push(("ports", ports(&self.ports)));
        map(fields)
    }
}

/// The ingress and egress rules of every owned set of pods, by name.
#[derive(Default)]
struct Rules {
    pods: BTreeMap<(String, String), Pods>,
    ingress: BTreeMap<(String, String), Vec<Rule>>,
    egress: BTreeMap<(String, String), Vec<Rule>>,
}

impl Rules {
    fn key(pods: &Pods) -> (String, String) {
        (pods.namespace.clone(), pods.name.clone())
    }

    /// `from` may open connections to `to` on `ports`.
    fn allow(&mut self, from: &Pods, to: &Pods, port_numbers: Vec<u16>) {
        if from.owned {
            self.pods.insert(Self::key(from), from.clone());
            self.egress.entry(Self::key(from)).or_default().push(Rule { peer: Some(peer(to)), ports: port_numbers.clone() });
        }
        if to.owned {
            self.pods.insert(Self::key(to), to.clone());
            self.ingress.entry(Self::key(to)).or_default().push(Rule { peer: Some(peer(from)), ports: port_numbers });
        }
    }

    fn ingress_from(&mut self, to: &Pods, peer: Value, port_numbers: Vec<u16>) {
        if to.owned {
            self.pods.insert(Self::key(to), to.clone());
            self.ingress.entry(Self::key(to)).or_default().push(Rule { peer: Some(peer), ports: port_numbers });
        }
    }

    fn egress_to(&mut self, from: &Pods, peer: Option<Value>, port_numbers: Vec<u16>) {
        if from.owned {
            self.pods.insert(Self::key(from), from.clone());
            self.egress.entry(Self::key(from)).or_default().push(Rule { peer, ports: port_numbers });
        }
    }
}

fn collect(context: &Context) -> Rules {
    let platform = context.platform;
    let mut rules = Rules::default();
    for edge in &context.graph.edges {
        let (from, to) = (&platform.services[edge.from], &platform.services[edge.to]);
        let numbers: Vec<u16> = edge.ports.iter().map(|(_, p)| *p).collect();
        if numbers.is_empty() {
            continue;
        }
        rules.allow(&service_pods(platform, from), &service_pods(platform, to), numbers);
    }
    for (id, service) in platform.services.iter().enumerate().filter(|(_, s)| !s.managed) {
        let pods = service_pods(platform, service);
        if service.ingress_controller {
            let public: Vec<u16> = services::public_ports(service).into_iter().map(|(_, p)| p).collect();
            rules.ingress_from(&pods, map([("ipBlock", map([("cidr", s(ANYWHERE))]))]), public);
        }
        if !service.permissions.is_empty() {
            let mut api = vec![KUBERNETES_SERVICE_PORT, platform.cloud.api_server_port];
            api.sort_unstable();
            api.dedup();
            rules.egress_to(&pods, None, api);
        }
        backup_rules(context, id, &mut rules);
    }
    rules
}

fn backup_rules(context: &Context, id: ServiceId, rules: &mut Rules) {
    let platform = context.platform;
    let service = &platform.services[id];
    if service.backup.is_none() {
        return;
    }
    let database = service_pods(platform, service);
    let job_labels = backup::job_labels(context, service);
    let job = Pods {
        name: backup::job_name(service),
        namespace: database.namespace.clone(),
        selector: map([(labels::NAME, s(&job_labels[0].1))]),
        owned: database.owned,
        span: service.backup.as_ref().map(|b| b.span).unwrap_or(service.span),
    };
    if let Some(port) = service.ports.values().next() {
        rules.allow(&job, &database, vec![*port]);
    }
    rules.egress_to(&job, Some(outside()), vec![HTTPS]);
}

fn policy(context: &Context, name: &str, namespace: &str, span: Span, selector: Value, types: &[&str], rest: Vec<(&'static str, Value)>) -> Value {
    let part_of = context.platform.name.replace('_', "-");
    let meta = metadata(context, name, Some(namespace), &[(labels::PART_OF, &part_of)], span);
    let mut spec: Vec<(&str, Value)> = vec![("podSelector", selector), ("policyTypes", list(types.iter().map(|t| s(*t))))];
    spec.extend(rest);
    object("networking.k8s.io/v1", "NetworkPolicy", meta, [("spec", map(spec))])
}

/// The policies of every owned namespace, by namespace.
pub fn by_namespace(context: &Context) -> BTreeMap<String, Vec<Value>> {
    let platform = context.platform;
    let mut policies: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (id, namespace) in platform.namespaces.iter().enumerate() {
        if namespace.managed || !platform.services.iter().any(|s| s.namespace == id && !s.managed) {
            continue;
        }
        let all = map::<&str>([]);
        let dns = map([
            ("namespaceSelector", map([("matchLabels", map([(labels::NAMESPACE_NAME, s("kube-system"))]))])),
            ("podSelector", map([("matchLabels", map([("k8s-app", s("kube-dns"))]))])),
        ]);
        let dns_ports = list(["UDP", "TCP"].iter().map(|p| map([("protocol", s(*p)), ("port", n(53))])));
        policies.entry(namespace.k8s_name.clone()).or_default().extend([
            policy(context, "default-deny", &namespace.k8s_name, namespace.span, all.clone(), &["Ingress", "Egress"], vec![]),
            policy(context, "allow-dns", &namespace.k8s_name, namespace.span, all, &["Egress"], vec![(
                "egress",
                list([map([("to", list([dns])), ("ports", dns_ports)])]),
            )]),
        ]);
    }
    let rules = collect(context);
    for (key, pods) in &rules.pods {
        let namespace_policies = policies.entry(pods.namespace.clone()).or_default();
        let selector = map([("matchLabels", pods.selector.clone())]);
        if let Some(ingress) = rules.ingress.get(key) {
            let values = list(ingress.iter().map(|r| r.value("from")));
            namespace_policies.push(policy(context, &format!("{}-ingress", pods.name), &pods.namespace, pods.span, selector.clone(), &["Ingress"], vec![("ingress", values)]));
        }
        if let Some(egress) = rules.egress.get(key) {
            let values = list(egress.iter().map(|r| r.value("to")));
            namespace_policies.push(policy(context, &format!("{}-egress", pods.name), &pods.namespace, pods.span, selector, &["Egress"], vec![("egress", values)]));
        }
    }
    policies
}
