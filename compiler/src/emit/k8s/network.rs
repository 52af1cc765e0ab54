//! NetworkPolicies. Every namespace hplc owns starts closed (default deny,
//! ingress and egress) with DNS open; then each edge of the dependency
//! graph (`needs`, the public gateway to exposed services, the scraper to
//! metrics ports) opens the edge's ports to the target's pods from the
//! source's (ingress) and from the source's to the target's (egress),
//! naming pods of another namespace by namespace and pod selector. Peers
//! opened on the same ports share one rule (`from: [a, b]`), and the pods
//! of one namespace among them one peer (`app.kubernetes.io/name In [a,
//! b]`): the openings are the same, and the scraper's egress policy, which
//! names every scraped service, stays far below what the API server
//! accepts in one object (about a megabyte).
//!
//! The other openings are declared, never guessed: the internet to the
//! public gateway's listeners (at the ports its pods listen on); every
//! flow a component declares (`flows`: the API server and the kubelets in
//! the cluster's private network, webhooks called from it, the instance
//! metadata, addresses outside it, pods a controller makes); the API
//! server for workloads with RBAC permissions; a backup job to its
//! database and to the object storage. Namespaces Kubernetes manages
//! (kube-system) are left as they are.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};

use super::backup;
use crate::emit::kube::labels;
use crate::emit::kube::object::{annotate, metadata, object};
use crate::emit::yaml::{empty_map, list, map, n, s, Value};
use crate::emit::Context;
use crate::model::{Flow, Peer as Declared, Platform, Service, ServiceId};
use crate::source::Span;

/// The port of the `kubernetes` Service, in front of the API server's own
/// (the cloud's `api_server_port`): policies may see either, before or
/// after the Service's address translation.
const KUBERNETES_SERVICE_PORT: u16 = 443;
/// HTTPS, the port of the object storage's S3 endpoint.
const HTTPS: u16 = 443;
/// Any address; the private ranges (RFC 1918) nodes, pods and services
/// use; the link-local range, where the instance metadata answers
/// (169.254.169.254, on OCI as on every major cloud).
const ANYWHERE: &str = "0.0.0.0/0";
const PRIVATE: [&str; 3] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];
const LINK_LOCAL: &str = "169.254.0.0/16";
const INSTANCE_METADATA: &str = "169.254.169.254/32";
/// The instance metadata's port (HTTP).
const METADATA_PORT: u16 = 80;

/// A set of pods a policy selects or a rule names.
#[derive(Clone)]
struct Pods<'a> {
    /// The name its policies are called by (`postgres-health`), which is
    /// also the `app.kubernetes.io/name` of its pods.
    name: Cow<'a, str>,
    namespace: &'a str,
    /// The label that selects them: the service's name on the pods hplc
    /// writes, the release on a chart's (the label charts give their pods).
    label: &'static str,
    /// Whether hplc writes policies for it (its namespace is not managed).
    owned: bool,
    /// The declaration its policies are traced to.
    span: Span,
}

fn service_pods<'a>(platform: &'a Platform, service: &'a Service) -> Pods<'a> {
    let namespace = platform.pods_namespace_of(service);
    Pods {
        name: Cow::Borrowed(
            service
                .chart()
                .map(|c| c.pods_named.as_str())
                .filter(|n| !n.is_empty())
                .unwrap_or(&service.k8s_name),
        ),
        namespace: &namespace.k8s_name,
        label: labels::pod_label(service),
        owned: service.deployed() && !namespace.managed,
        span: service.span,
    }
}

/// What a rule opens to: pods, or addresses (an `ipBlock`).
enum Peer<'a> {
    Pods {
        namespace: &'a str,
        label: &'static str,
        name: Cow<'a, str>,
    },
    Other(Value<'a>),
}

fn peer<'a>(pods: &Pods<'a>) -> Peer<'a> {
    Peer::Pods {
        namespace: pods.namespace,
        label: pods.label,
        name: pods.name.clone(),
    }
}

/// The pods named `names` in `namespace`, as a peer of a policy in
/// namespace `home`: the pod selector alone names pods of the policy's own
/// namespace.
fn pods_peer<'a>(
    namespace: &'a str,
    label: &'static str,
    names: Vec<Cow<'a, str>>,
    home: &str,
) -> Value<'a> {
    let selector = match <[_; 1]>::try_from(names) {
        Ok([name]) => map([("matchLabels", map([(label, s(name))]))]),
        Err(names) => map([(
            "matchExpressions",
            list([map([
                ("key", s(label)),
                ("operator", s("In")),
                ("values", list(names.into_iter().map(s))),
            ])]),
        )]),
    };
    if namespace == home {
        return map([("podSelector", selector)]);
    }
    map([
        (
            "namespaceSelector",
            map([("matchLabels", map([(labels::NAMESPACE_NAME, s(namespace))]))]),
        ),
        ("podSelector", selector),
    ])
}

/// The peers of one rule as written: pods of one namespace gathered into
/// one peer, in the order each namespace first comes, each pod once (two
/// edges between the same services on the same ports are one opening, and
/// so are two flows to the same addresses).
fn peer_values<'a>(peers: Vec<Peer<'a>>, home: &str) -> Vec<Value<'a>> {
    enum Gathered<'a> {
        Pods(&'a str, &'static str, Vec<Cow<'a, str>>),
        Other(Value<'a>),
    }
    let mut gathered: Vec<Gathered> = Vec::new();
    let mut by_namespace: HashMap<(&str, &str), usize> = HashMap::new();
    let mut seen: HashSet<(&str, &str, Cow<str>)> = HashSet::new();
    for peer in peers {
        match peer {
            Peer::Pods {
                namespace,
                label,
                name,
            } if !seen.insert((namespace, label, name.clone())) => {}
            Peer::Pods {
                namespace,
                label,
                name,
            } => match by_namespace.get(&(namespace, label)) {
                Some(&i) => {
                    if let Gathered::Pods(_, _, names) = &mut gathered[i] {
                        names.push(name);
                    }
                }
                None => {
                    by_namespace.insert((namespace, label), gathered.len());
                    gathered.push(Gathered::Pods(namespace, label, vec![name]));
                }
            },
            // Two flows to the same addresses (the internet for a model
            // hub and for the object storage) are one opening.
            Peer::Other(value) => {
                let known = gathered
                    .iter()
                    .any(|g| matches!(g, Gathered::Other(v) if *v == value));
                if !known {
                    gathered.push(Gathered::Other(value));
                }
            }
        }
    }
    gathered
        .into_iter()
        .map(|g| match g {
            Gathered::Pods(namespace, label, names) => pods_peer(namespace, label, names, home),
            Gathered::Other(value) => value,
        })
        .collect()
}

/// Addresses outside the cluster's private network, the instance metadata
/// among them excepted.
fn outside() -> Value<'static> {
    map([(
        "ipBlock",
        map([
            ("cidr", s(ANYWHERE)),
            (
                "except",
                list(PRIVATE.iter().chain([&LINK_LOCAL]).map(|c| s(*c))),
            ),
        ]),
    )])
}

fn block(cidr: &str) -> Value<'_> {
    map([("ipBlock", map([("cidr", s(cidr))]))])
}

/// The cluster's private network (the VCN: the API endpoint, the nodes,
/// the load balancers), where the API server and the kubelets answer and
/// webhook calls come from; any address on a cloud the stdlib gives no
/// network for.
fn cluster_network(platform: &Platform) -> Value<'_> {
    block(
        platform
            .cloud
            .terraform
            .as_ref()
            .map_or(ANYWHERE, |t| t.network_cidr.as_str()),
    )
}

fn ports(numbers: &[u16]) -> Value<'static> {
    list(
        numbers
            .iter()
            .map(|p| map([("protocol", s("TCP")), ("port", n(i64::from(*p)))])),
    )
}

/// One rule of a policy: the peer (`None`: any address) and ports (none:
/// every port).
struct Rule<'a> {
    peer: Option<Peer<'a>>,
    ports: Vec<u16>,
}

/// The rules of one policy as written: the peers opened on the same
/// ports gathered into one rule, in the order each set of ports first
/// comes; a rule open to any address stays on its own.
fn merged<'a>(rules: Vec<Rule<'a>>, direction: &'static str, home: &str) -> Value<'a> {
    let mut gathered: Vec<(Vec<u16>, Option<Vec<Peer>>)> = Vec::new();
    let mut by_ports: HashMap<Vec<u16>, usize> = HashMap::new();
    for rule in rules {
        let Some(peer) = rule.peer else {
            gathered.push((rule.ports, None));
            continue;
        };
        match by_ports.get(&rule.ports) {
            Some(&i) => gathered[i].1.get_or_insert_with(Vec::new).push(peer),
            None => {
                by_ports.insert(rule.ports.clone(), gathered.len());
                gathered.push((rule.ports, Some(vec![peer])));
            }
        }
    }
    list(gathered.into_iter().map(|(numbers, peers)| {
        let mut fields: Vec<(&str, Value)> = Vec::with_capacity(2);
        if let Some(peers) = peers {
            fields.push((direction, Value::List(peer_values(peers, home))));
        }
        if !numbers.is_empty() {
            fields.push(("ports", ports(&numbers)));
        }
        map(fields)
    }))
}

/// The ingress and egress rules of every owned set of pods, by name.
#[derive(Default)]
struct Rules<'a> {
    pods: BTreeMap<Key<'a>, Pods<'a>>,
    ingress: BTreeMap<Key<'a>, Vec<Rule<'a>>>,
    egress: BTreeMap<Key<'a>, Vec<Rule<'a>>>,
    /// The `labelled` flows, by service: their pods get a policy of their
    /// own.
    labelled: Vec<(ServiceId, &'a Flow)>,
}

/// Namespace and name of a set of pods.
type Key<'a> = (&'a str, Cow<'a, str>);

impl<'a> Rules<'a> {
    fn key(pods: &Pods<'a>) -> Key<'a> {
        (pods.namespace, pods.name.clone())
    }

    /// `from` may open connections to `to` on `ports`.
    fn allow(&mut self, from: &Pods<'a>, to: &Pods<'a>, port_numbers: Vec<u16>) {
        self.egress_to(from, Some(peer(to)), port_numbers.clone());
        self.ingress_from(to, peer(from), port_numbers);
    }

    /// An ingress rule of `to`, when hplc writes its policies.
    fn ingress_from(&mut self, to: &Pods<'a>, peer: Peer<'a>, port_numbers: Vec<u16>) {
        if to.owned {
            self.pods.insert(Self::key(to), to.clone());
            self.ingress.entry(Self::key(to)).or_default().push(Rule {
                peer: Some(peer),
                ports: port_numbers,
            });
        }
    }

    /// An egress rule of `from` (`None`: to any address), when hplc writes
    /// its policies.
    fn egress_to(&mut self, from: &Pods<'a>, peer: Option<Peer<'a>>, port_numbers: Vec<u16>) {
        if from.owned {
            self.pods.insert(Self::key(from), from.clone());
            self.egress.entry(Self::key(from)).or_default().push(Rule {
                peer,
                ports: port_numbers,
            });
        }
    }
}

fn collect<'a>(context: &Context<'a>) -> Rules<'a> {
    let platform = context.platform;
    let mut rules = Rules::default();
    for edge in &context.graph.edges {
        let (from, to) = (&platform.services[edge.from], &platform.services[edge.to]);
        // At the ports the target's pods listen on.
        let numbers: Vec<u16> = edge.ports.iter().map(|(_, p)| *p).collect();
        if numbers.is_empty() {
            continue;
        }
        rules.allow(
            &service_pods(platform, from),
            &service_pods(platform, to),
            numbers,
        );
    }
    for (id, service) in platform.deployed() {
        let pods = service_pods(platform, service);
        if service.roles.ingress {
            // The listeners, where the load balancer sends the internet's
            // requests; never the metrics port.
            let public: Vec<u16> = service
                .ports
                .iter()
                .filter(|(name, _)| name.as_str() != service.metrics_port_name())
                .map(|(_, p)| *p)
                .collect();
            rules.ingress_from(&pods, Peer::Other(block(ANYWHERE)), public);
        }
        if let Some(balancer) = &service.load_balancer {
            let carried: Vec<u16> = service
                .load_balancer_ports()
                .into_iter()
                .map(|(_, _, target)| target)
                .collect();
            if balancer.source_ranges.is_empty() {
                rules.ingress_from(
                    &pods,
                    Peer::Other(map([("ipBlock", map([("cidr", s(ANYWHERE))]))])),
                    carried,
                );
            } else {
                for range in &balancer.source_ranges {
                    rules.ingress_from(
                        &pods,
                        Peer::Other(map([("ipBlock", map([("cidr", s(range))]))])),
                        carried.clone(),
                    );
                }
            }
        }
        if !service.pod.permissions.is_empty() {
            rules.egress_to(
                &pods,
                Some(Peer::Other(cluster_network(platform))),
                api_ports(platform),
            );
        }
        for flow in &service.flows {
            flow_rules(platform, id, flow, &mut rules);
        }
        backup_rules(context, id, &mut rules);
    }
    rules
}

/// The API server's ports: the `kubernetes` Service's and its own.
fn api_ports(platform: &Platform) -> Vec<u16> {
    let mut api = vec![KUBERNETES_SERVICE_PORT, platform.cloud.api_server_port];
    api.sort_unstable();
    api.dedup();
    api
}

/// The rules of one declared flow of the service `id`.
fn flow_rules<'a>(platform: &'a Platform, id: ServiceId, flow: &'a Flow, rules: &mut Rules<'a>) {
    let service = &platform.services[id];
    let pods = service_pods(platform, service);
    let ports = flow.ports.clone();
    let address = match flow.peer {
        // Every namespace's `allow-dns`.
        Declared::Dns => return,
        Declared::ApiServer | Declared::Kubelets => cluster_network(platform),
        Declared::InstanceMetadata => block(INSTANCE_METADATA),
        Declared::Internet => outside(),
        Declared::Labelled => {
            rules.labelled.push((id, flow));
            let peer = labelled_peer(platform, service, flow);
            if flow.inbound {
                rules.ingress_from(&pods, peer, ports);
            } else {
                rules.egress_to(&pods, Some(peer), ports);
            }
            return;
        }
        Declared::Operated | Declared::Itself => {
            let others: Vec<&Service> = if flow.peer == Declared::Itself {
                vec![service]
            } else {
                platform
                    .services
                    .iter()
                    .filter(|s| s.operator() == Some(id))
                    .collect()
            };
            for other in others {
                let other = service_pods(platform, other);
                if flow.inbound {
                    rules.allow(&other, &pods, ports.clone());
                } else {
                    rules.allow(&pods, &other, ports.clone());
                }
            }
            return;
        }
    };
    let ports = match (flow.peer, ports.is_empty()) {
        (Declared::ApiServer, true) if !flow.inbound => api_ports(platform),
        (Declared::InstanceMetadata, true) => vec![METADATA_PORT],
        _ => ports,
    };
    if flow.inbound {
        rules.ingress_from(&pods, Peer::Other(address), ports);
    } else {
        rules.egress_to(&pods, Some(Peer::Other(address)), ports);
    }
}

/// The pods a `labelled` flow names: of the service's own namespace, by
/// their labels.
fn labelled_peer<'a>(platform: &'a Platform, service: &'a Service, flow: &'a Flow) -> Peer<'a> {
    let selector = map([(
        "matchLabels",
        map(flow.labels.iter().map(|(k, v)| (k.as_str(), s(v)))),
    )]);
    let home = &platform.namespace_of(service).k8s_name;
    if *home == platform.pods_namespace_of(service).k8s_name {
        return Peer::Other(map([("podSelector", selector)]));
    }
    Peer::Other(map([
        (
            "namespaceSelector",
            map([("matchLabels", map([(labels::NAMESPACE_NAME, s(home))]))]),
        ),
        ("podSelector", selector),
    ]))
}

fn backup_rules<'a>(context: &Context<'a>, id: ServiceId, rules: &mut Rules<'a>) {
    let platform = context.platform;
    let service = &platform.services[id];
    let Some(backup) = &service.backup else {
        return;
    };
    let database = service_pods(platform, service);
    let job = Pods {
        label: labels::NAME,
        name: Cow::Owned(backup::job_name(service)),
        namespace: database.namespace,
        owned: database.owned,
        span: backup.span,
    };
    if let Some(port) = service.ports.values().next() {
        rules.allow(&job, &database, vec![*port]);
    }
    rules.egress_to(&job, Some(Peer::Other(outside())), vec![HTTPS]);
}

/// The annotation that says why each declared flow a policy opens is
/// open, and where that is documented: one line per flow.
pub const FLOWS_ANNOTATION: &str = "hplc.dev/flows";

fn flow_notes<'a>(flows: impl IntoIterator<Item = &'a Flow>) -> Option<String> {
    let lines: Vec<String> = flows
        .into_iter()
        .map(|f| format!("{}: {} ({})", f.name, f.why, f.source))
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// Annotates a policy with the flows it opens.
fn with_notes<'a>(mut policy: Value<'a>, notes: Option<String>) -> Value<'a> {
    if let (Some(notes), Some(meta)) = (notes, policy.map_at("metadata")) {
        annotate(meta, FLOWS_ANNOTATION, notes);
    }
    policy
}

fn policy<'a>(
    context: &Context<'a>,
    name: impl Into<Cow<'a, str>>,
    namespace: &'a str,
    span: Span,
    selector: Value<'a>,
    types: &[&'static str],
    rest: Vec<(&'static str, Value<'a>)>,
) -> Value<'a> {
    let meta = metadata(
        context,
        name,
        Some(namespace),
        &[(labels::PART_OF, labels::part_of(context.platform))],
        span,
    );
    let mut spec: Vec<(&str, Value)> = vec![
        ("podSelector", selector),
        ("policyTypes", list(types.iter().map(|t| s(*t)))),
    ];
    spec.extend(rest);
    object(
        "networking.k8s.io/v1",
        "NetworkPolicy",
        meta,
        [("spec", map(spec))],
    )
}

/// The policies of every owned namespace, by namespace.
pub fn by_namespace<'a>(context: &Context<'a>) -> BTreeMap<&'a str, Vec<Value<'a>>> {
    let platform = context.platform;
    let mut policies: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    let mut deployed = vec![false; platform.namespaces.len()];
    for (_, service) in platform.deployed() {
        deployed[service.namespace] = true;
    }
    for (id, namespace) in platform.namespaces.iter().enumerate() {
        if namespace.managed || !deployed[id] {
            continue;
        }
        let all = empty_map();
        let dns = map([
            (
                "namespaceSelector",
                map([(
                    "matchLabels",
                    map([(labels::NAMESPACE_NAME, s("kube-system"))]),
                )]),
            ),
            (
                "podSelector",
                map([("matchLabels", map([("k8s-app", s("kube-dns"))]))]),
            ),
        ]);
        let dns_ports = list(
            ["UDP", "TCP"]
                .iter()
                .map(|p| map([("protocol", s(*p)), ("port", n(53))])),
        );
        policies.entry(&namespace.k8s_name).or_default().extend([
            policy(
                context,
                "default-deny",
                &namespace.k8s_name,
                namespace.span,
                all.clone(),
                &["Ingress", "Egress"],
                vec![],
            ),
            policy(
                context,
                "allow-dns",
                &namespace.k8s_name,
                namespace.span,
                all,
                &["Egress"],
                vec![(
                    "egress",
                    list([map([("to", list([dns])), ("ports", dns_ports)])]),
                )],
            ),
        ]);
    }
    // The declared flows of each service's pods, by direction: inbound
    // ones are in its ingress policy, the others in its egress policy.
    let mut declared: HashMap<(String, bool), Vec<&Flow>> = HashMap::new();
    for (_, service) in platform.deployed() {
        let name = service_pods(platform, service).name.into_owned();
        for flow in &service.flows {
            declared
                .entry((name.clone(), flow.inbound))
                .or_default()
                .push(flow);
        }
    }
    let mut notes = |name: &str, inbound: bool| {
        flow_notes(
            declared
                .remove(&(name.to_string(), inbound))
                .unwrap_or_default(),
        )
    };
    let Rules {
        pods,
        mut ingress,
        mut egress,
        labelled,
    } = collect(context);
    for (key, pods) in pods {
        let namespace_policies = policies.entry(pods.namespace).or_default();
        let selector = map([("matchLabels", map([(pods.label, s(pods.name.clone()))]))]);
        if let Some(rules) = ingress.remove(&key) {
            let name = format!("{}-ingress", pods.name);
            let rules = vec![("ingress", merged(rules, "from", pods.namespace))];
            let made = policy(
                context,
                name,
                pods.namespace,
                pods.span,
                selector.clone(),
                &["Ingress"],
                rules,
            );
            namespace_policies.push(with_notes(made, notes(&pods.name, true)));
        }
        if let Some(rules) = egress.remove(&key) {
            let name = format!("{}-egress", pods.name);
            let rules = vec![("egress", merged(rules, "to", pods.namespace))];
            let made = policy(
                context,
                name,
                pods.namespace,
                pods.span,
                selector,
                &["Egress"],
                rules,
            );
            namespace_policies.push(with_notes(made, notes(&pods.name, false)));
        }
    }
    for (id, flow) in labelled {
        let (home, value) = labelled_policy(context, id, flow);
        policies.entry(home).or_default().push(value);
    }
    policies
}

/// The policy of the pods a `labelled` flow names, which another
/// controller makes for the service: the flow's other end.
fn labelled_policy<'a>(
    context: &Context<'a>,
    id: ServiceId,
    flow: &'a Flow,
) -> (&'a str, Value<'a>) {
    let platform = context.platform;
    let service = &platform.services[id];
    let home = &platform.namespace_of(service).k8s_name;
    let pods = service_pods(platform, service);
    let peer = pods_peer(pods.namespace, pods.label, vec![pods.name.clone()], home);
    let mut rule: Vec<(&str, Value)> =
        vec![(if flow.inbound { "to" } else { "from" }, list([peer]))];
    if !flow.ports.is_empty() {
        rule.push(("ports", ports(&flow.ports)));
    }
    let (kind, direction) = if flow.inbound {
        ("Egress", "egress")
    } else {
        ("Ingress", "ingress")
    };
    let selector = map([(
        "matchLabels",
        map(flow.labels.iter().map(|(k, v)| (k.as_str(), s(v)))),
    )]);
    let value = policy(
        context,
        format!(
            "{}-{}",
            service.k8s_name,
            crate::model::k8s_name(&flow.name)
        ),
        home,
        flow.span,
        selector,
        &[kind],
        vec![(direction, list([map(rule)]))],
    );
    (home, with_notes(value, flow_notes([flow])))
}
