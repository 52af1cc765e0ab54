//! The Kubernetes backend, read back: every environment of platform.hpl is
//! built in memory and its `k8s/` documents parsed with serde_yaml, then
//! checked against the model, the dependency graph and the placement plan
//! they were generated from.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use hplc::graph::EdgeKind;
use hplc::model::{Peer, Platform};
use hplc::Compilation;
use serde_yaml::Value;

/// One environment: its compilation and its Kubernetes objects, with the
/// file each came from.
struct Built {
    env: String,
    compilation: Compilation,
    objects: Vec<(String, Value)>,
}

impl Built {
    fn platform(&self) -> &Platform {
        self.compilation.model.as_ref().expect("model")
    }

    fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.objects
            .iter()
            .map(|(_, o)| o)
            .filter(move |o| o["kind"] == kind)
    }

    fn find(&self, kind: &str, namespace: &str, name: &str) -> Option<&Value> {
        self.objects.iter().map(|(_, o)| o).find(|o| {
            o["kind"] == kind && o["metadata"]["name"] == name && namespace_of(o) == namespace
        })
    }
}

/// Every environment, built once for all the tests of this file.
fn all_environments() -> &'static [Built] {
    static BUILT: std::sync::OnceLock<Vec<Built>> = std::sync::OnceLock::new();
    BUILT.get_or_init(build_all)
}

fn build_all() -> Vec<Built> {
    common::environments()
        .into_iter()
        .map(|(name, env)| {
            let compilation = common::compile(env.as_deref());
            let output = common::generate(&compilation);
            let objects = common::k8s_documents(&output);
            Built {
                env: name,
                compilation,
                objects,
            }
        })
        .collect()
}

fn str_of(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

fn namespace_of(object: &Value) -> &str {
    str_of(&object["metadata"]["namespace"])
}

fn seq(value: &Value) -> Vec<Value> {
    value.as_sequence().cloned().unwrap_or_default()
}

/// The pod spec of a workload or CronJob.
fn pod_spec(object: &Value) -> Option<&Value> {
    match str_of(&object["kind"]) {
        "Deployment" | "StatefulSet" | "DaemonSet" => Some(&object["spec"]["template"]["spec"]),
        "CronJob" => Some(&object["spec"]["jobTemplate"]["spec"]["template"]["spec"]),
        _ => None,
    }
}

fn containers(spec: &Value) -> Vec<Value> {
    let mut all = seq(&spec["initContainers"]);
    all.extend(seq(&spec["containers"]));
    all
}

fn labels_of(value: &Value) -> BTreeMap<String, String> {
    value
        .as_mapping()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (str_of(k).to_string(), str_of(v).to_string()))
                .collect()
        })
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------
// Network policies
// ---------------------------------------------------------------------------

/// One rule as read back: the pods it belongs to (namespace, name label),
/// its direction, its peer and its ports.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Opening {
    owner: (String, String),
    direction: &'static str,
    peer: String,
    ports: Vec<i64>,
}

/// What a peer admits, as `pods NAMESPACE/NAME` (one for each name of an
/// `In` selector) or `ip CIDR`; a pod selector without a namespace selector
/// names pods of the policy's own namespace `home`.
fn peer_texts(peer: &Value, home: &str) -> Vec<String> {
    if let Some(cidr) = peer["ipBlock"]["cidr"].as_str() {
        let except: Vec<String> = seq(&peer["ipBlock"]["except"])
            .iter()
            .map(|e| str_of(e).to_string())
            .collect();
        return vec![if except.is_empty() {
            format!("ip {cidr}")
        } else {
            format!("ip {cidr} except {}", except.join(","))
        }];
    }
    let namespace = match peer.get("namespaceSelector") {
        Some(selector) => labels_of(&selector["matchLabels"])
            .get("kubernetes.io/metadata.name")
            .cloned()
            .unwrap_or_default(),
        None => home.to_string(),
    };
    let selector = &peer["podSelector"];
    if let Some(expressions) = selector["matchExpressions"].as_sequence() {
        assert!(
            selector.get("matchLabels").is_none() && expressions.len() == 1,
            "one In expression: {peer:?}"
        );
        let expression = &expressions[0];
        assert!(
            matches!(
                (str_of(&expression["key"]), str_of(&expression["operator"])),
                (
                    "app.kubernetes.io/name" | "app.kubernetes.io/instance",
                    "In"
                )
            ),
            "{expression:?}"
        );
        return seq(&expression["values"])
            .iter()
            .map(|name| format!("pods {namespace}/{}", str_of(name)))
            .collect();
    }
    let pods = labels_of(&selector["matchLabels"]);
    vec![format!(
        "pods {namespace}/{}",
        pods.values().cloned().collect::<Vec<_>>().join(",")
    )]
}

fn openings(built: &Built) -> Vec<Opening> {
    let mut found = Vec::new();
    for policy in built.of_kind("NetworkPolicy") {
        let selector = labels_of(&policy["spec"]["podSelector"]["matchLabels"]);
        // The pods hplc writes are selected by name, a chart's by release.
        let owner = (
            namespace_of(policy).to_string(),
            selector
                .get("app.kubernetes.io/name")
                .or_else(|| selector.get("app.kubernetes.io/instance"))
                .cloned()
                .unwrap_or_else(|| "*".into()),
        );
        for (direction, key, peers) in [("ingress", "ingress", "from"), ("egress", "egress", "to")]
        {
            for rule in seq(&policy["spec"][key]) {
                let mut ports: Vec<i64> = seq(&rule["ports"])
                    .iter()
                    .map(|p| p["port"].as_i64().expect("numeric port"))
                    .collect();
                ports.sort();
                assert!(
                    !ports.is_empty(),
                    "{}: a rule of {} opens every port",
                    built.env,
                    str_of(&policy["metadata"]["name"])
                );
                let peers = seq(&rule[peers]);
                if peers.is_empty() {
                    found.push(Opening {
                        owner: owner.clone(),
                        direction,
                        peer: "anywhere".into(),
                        ports: ports.clone(),
                    });
                }
                for peer in peers
                    .iter()
                    .flat_map(|p| peer_texts(p, namespace_of(policy)))
                {
                    found.push(Opening {
                        owner: owner.clone(),
                        direction,
                        peer,
                        ports: ports.clone(),
                    });
                }
            }
        }
    }
    found.sort();
    found
}

/// What the graph and the documented exceptions say must be open.
fn expected_openings(built: &Built) -> Vec<Opening> {
    let platform = built.platform();
    let graph = built.compilation.graph.as_ref().expect("graph");
    // Pods are where they run: a gateway's proxies in their controller's
    // namespace.
    let owned = |id: usize| {
        let s = &platform.services[id];
        s.deployed() && !platform.pods_namespace_of(s).managed
    };
    let key = |id: usize| {
        let s = &platform.services[id];
        // A release manifest names its pods itself (`pods_named`).
        let name = s
            .chart()
            .map(|c| c.pods_named.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| s.k8s_name.clone());
        (platform.pods_namespace_of(s).k8s_name.clone(), name)
    };
    let network = format!(
        "ip {}",
        platform
            .cloud
            .terraform
            .as_ref()
            .map_or("0.0.0.0/0", |t| t.network_cidr.as_str())
    );
    let outside = "ip 0.0.0.0/0 except 10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,169.254.0.0/16";
    let mut api = vec![443, i64::from(platform.cloud.api_server_port)];
    api.sort();
    api.dedup();
    let pods = |(ns, name): &(String, String)| format!("pods {ns}/{name}");
    let mut expected = Vec::new();
    for edge in &graph.edges {
        let mut ports: Vec<i64> = edge.ports.iter().map(|(_, p)| i64::from(*p)).collect();
        ports.sort();
        if owned(edge.from) {
            expected.push(Opening {
                owner: key(edge.from),
                direction: "egress",
                peer: pods(&key(edge.to)),
                ports: ports.clone(),
            });
        }
        if owned(edge.to) {
            expected.push(Opening {
                owner: key(edge.to),
                direction: "ingress",
                peer: pods(&key(edge.from)),
                ports,
            });
        }
    }
    for (id, service) in platform
        .services
        .iter()
        .enumerate()
        .filter(|(id, _)| owned(*id))
    {
        if service.roles.ingress {
            let mut public: Vec<i64> = service
                .ports
                .iter()
                .filter(|(n, _)| *n != service.metrics_port_name())
                .map(|(_, p)| i64::from(*p))
                .collect();
            public.sort();
            expected.push(Opening {
                owner: key(id),
                direction: "ingress",
                peer: "ip 0.0.0.0/0".into(),
                ports: public,
            });
        }
        if !service.pod.permissions.is_empty() {
            expected.push(Opening {
                owner: key(id),
                direction: "egress",
                peer: network.clone(),
                ports: api.clone(),
            });
        }
        for flow in service.flows.iter().filter(|_| owned(id)) {
            let mut ports: Vec<i64> = flow.ports.iter().map(|p| i64::from(*p)).collect();
            let direction = if flow.inbound { "ingress" } else { "egress" };
            let address = match flow.peer {
                Peer::Dns => continue,
                Peer::ApiServer | Peer::Kubelets => network.clone(),
                Peer::InstanceMetadata => "ip 169.254.169.254/32".into(),
                Peer::Internet => outside.into(),
                Peer::Labelled => {
                    let labels: Vec<String> = flow.labels.values().cloned().collect();
                    let (ns, _) = key(id);
                    expected.push(Opening {
                        owner: (ns.clone(), "*".into()),
                        direction: if flow.inbound { "egress" } else { "ingress" },
                        peer: pods(&key(id)),
                        ports: ports.clone(),
                    });
                    format!("pods {ns}/{}", labels.join(","))
                }
                Peer::Operated | Peer::Itself => {
                    let others: Vec<usize> = if flow.peer == Peer::Itself {
                        vec![id]
                    } else {
                        (0..platform.services.len())
                            .filter(|o| platform.services[*o].operator() == Some(id))
                            .collect()
                    };
                    for other in others {
                        let (from, to) = if flow.inbound {
                            (other, id)
                        } else {
                            (id, other)
                        };
                        expected.push(Opening {
                            owner: key(from),
                            direction: "egress",
                            peer: pods(&key(to)),
                            ports: ports.clone(),
                        });
                        expected.push(Opening {
                            owner: key(to),
                            direction: "ingress",
                            peer: pods(&key(from)),
                            ports: ports.clone(),
                        });
                    }
                    continue;
                }
            };
            if ports.is_empty() && flow.peer == Peer::ApiServer && !flow.inbound {
                ports = api.clone();
            }
            ports.sort();
            expected.push(Opening {
                owner: key(id),
                direction,
                peer: address,
                ports,
            });
        }
        if service.backup.is_some() {
            let (ns, name) = key(id);
            let job = (ns.clone(), format!("{name}-backup"));
            let port = i64::from(
                *service
                    .ports
                    .values()
                    .next()
                    .expect("a database has a port"),
            );
            expected.push(Opening {
                owner: job.clone(),
                direction: "egress",
                peer: pods(&key(id)),
                ports: vec![port],
            });
            expected.push(Opening {
                owner: key(id),
                direction: "ingress",
                peer: pods(&job),
                ports: vec![port],
            });
            expected.push(Opening {
                owner: job,
                direction: "egress",
                peer: outside.into(),
                ports: vec![443],
            });
        }
    }
    for namespace in platform.namespaces.iter().filter(|n| !n.managed) {
        if platform.services.iter().any(|s| {
            s.deployed() && platform.namespaces[s.namespace].k8s_name == namespace.k8s_name
        }) {
            expected.push(Opening {
                owner: (namespace.k8s_name.clone(), "*".into()),
                direction: "egress",
                peer: "pods kube-system/kube-dns".into(),
                ports: vec![53, 53],
            });
        }
    }
    // Two edges between the same pods on the same ports open one thing.
    expected.sort();
    expected.dedup();
    expected
}

#[test]
fn one_allow_rule_per_graph_edge_and_nothing_else_open() {
    for built in all_environments() {
        let platform = built.platform();
        // Every namespace hplc owns is closed both ways first.
        for namespace in platform.namespaces.iter().filter(|n| !n.managed) {
            let deny = built
                .find("NetworkPolicy", &namespace.k8s_name, "default-deny")
                .unwrap_or_else(|| {
                    panic!("{}: no default-deny in {}", built.env, namespace.k8s_name)
                });
            assert_eq!(
                deny["spec"]["podSelector"],
                Value::Mapping(Default::default())
            );
            assert_eq!(
                seq(&deny["spec"]["policyTypes"]),
                vec![Value::from("Ingress"), Value::from("Egress")]
            );
            assert!(deny["spec"]["ingress"].is_null() && deny["spec"]["egress"].is_null());
        }
        let found = openings(built);
        let expected = expected_openings(built);
        let graph = built.compilation.graph.as_ref().expect("graph");
        assert!(
            graph.edges.iter().any(|e| e.kind == EdgeKind::Scrape)
                && graph.edges.iter().any(|e| e.kind == EdgeKind::Ingress)
        );
        let missing: Vec<_> = expected.iter().filter(|e| !found.contains(e)).collect();
        let extra: Vec<_> = found.iter().filter(|f| !expected.contains(f)).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{}: missing {missing:#?}\nnot accounted for {extra:#?}",
            built.env
        );
        assert_eq!(found, expected, "{}: each opening exactly once", built.env);
    }
}

// ---------------------------------------------------------------------------
// Pod Security
// ---------------------------------------------------------------------------

/// The volume types the restricted profile allows.
const RESTRICTED_VOLUMES: [&str; 8] = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

fn restricted_violations(spec: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let pod = &spec["securityContext"];
    for host in ["hostNetwork", "hostPID", "hostIPC"] {
        if spec[host].as_bool() == Some(true) {
            problems.push(host.to_string());
        }
    }
    for volume in seq(&spec["volumes"]) {
        let kinds: Vec<String> = volume
            .as_mapping()
            .expect("volume")
            .keys()
            .map(|k| str_of(k).to_string())
            .filter(|k| k != "name")
            .collect();
        if !kinds
            .iter()
            .all(|k| RESTRICTED_VOLUMES.contains(&k.as_str()))
        {
            problems.push(format!("volume {} is {kinds:?}", str_of(&volume["name"])));
        }
    }
    for container in containers(spec) {
        let c = &container["securityContext"];
        let name = str_of(&container["name"]).to_string();
        if c["allowPrivilegeEscalation"].as_bool() != Some(false) {
            problems.push(format!("{name}: allowPrivilegeEscalation is not false"));
        }
        if c["privileged"].as_bool() == Some(true) {
            problems.push(format!("{name}: privileged"));
        }
        let non_root = c["runAsNonRoot"]
            .as_bool()
            .or(pod["runAsNonRoot"].as_bool());
        if non_root != Some(true) {
            problems.push(format!("{name}: runAsNonRoot is not true"));
        }
        if c["runAsUser"].as_i64().or(pod["runAsUser"].as_i64()) == Some(0) {
            problems.push(format!("{name}: runs as uid 0"));
        }
        let seccomp = c["seccompProfile"]["type"]
            .as_str()
            .or(pod["seccompProfile"]["type"].as_str());
        if !matches!(seccomp, Some("RuntimeDefault") | Some("Localhost")) {
            problems.push(format!("{name}: seccomp profile {seccomp:?}"));
        }
        if !seq(&c["capabilities"]["drop"]).contains(&Value::from("ALL")) {
            problems.push(format!("{name}: does not drop ALL capabilities"));
        }
        for added in seq(&c["capabilities"]["add"]) {
            if added != "NET_BIND_SERVICE" {
                problems.push(format!("{name}: adds {added:?}"));
            }
        }
    }
    problems
}

#[test]
fn every_container_in_a_restricted_namespace_meets_the_restricted_profile() {
    for built in all_environments() {
        let restricted: BTreeSet<String> = built
            .of_kind("Namespace")
            .filter(|n| {
                n["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
            })
            .map(|n| str_of(&n["metadata"]["name"]).to_string())
            .collect();
        assert!(
            restricted.len() >= 5,
            "{}: restricted namespaces {restricted:?}",
            built.env
        );
        let mut checked = 0;
        for (path, object) in &built.objects {
            let Some(spec) = pod_spec(object) else {
                continue;
            };
            if !restricted.contains(namespace_of(object)) {
                continue;
            }
            checked += containers(spec).len();
            let problems = restricted_violations(spec);
            assert!(
                problems.is_empty(),
                "{}: {path} {}: {problems:#?}",
                built.env,
                str_of(&object["metadata"]["name"])
            );
        }
        assert!(
            checked >= 15,
            "{}: only {checked} containers checked",
            built.env
        );
        // Every namespace hplc writes states its level.
        for namespace in built.of_kind("Namespace") {
            for mode in ["enforce", "audit", "warn"] {
                assert!(namespace["metadata"]["labels"]
                    [format!("pod-security.kubernetes.io/{mode}")]
                .is_string());
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Placement
// ---------------------------------------------------------------------------

/// Whether a node with `labels` satisfies a nodeSelectorRequirement.
fn satisfies(labels: &BTreeMap<String, String>, requirement: &Value) -> bool {
    let value = labels.get(str_of(&requirement["key"]));
    let values: Vec<String> = seq(&requirement["values"])
        .iter()
        .map(|v| str_of(v).to_string())
        .collect();
    match str_of(&requirement["operator"]) {
        "In" => value.is_some_and(|v| values.contains(v)),
        "NotIn" => !value.is_some_and(|v| values.contains(v)),
        "Exists" => value.is_some(),
        "DoesNotExist" => value.is_none(),
        other => panic!("operator {other}"),
    }
}

/// The nodes a pod spec admits, by the labels the node pools set.
fn admitted(platform: &Platform, spec: &Value) -> BTreeSet<usize> {
    let selector = labels_of(&spec["nodeSelector"]);
    let terms = seq(&spec["affinity"]["nodeAffinity"]
        ["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]);
    (0..platform.nodes.len())
        .filter(|n| {
            let node = &platform.nodes[*n];
            // What the Terraform node pools set.
            let labels: BTreeMap<String, String> = node.cluster_labels().into_iter().collect();
            let by_selector = selector.iter().all(|(k, v)| labels.get(k) == Some(v));
            let by_affinity = terms.is_empty()
                || terms.iter().any(|t| {
                    seq(&t["matchExpressions"])
                        .iter()
                        .all(|r| satisfies(&labels, r))
                });
            by_selector && by_affinity
        })
        .collect()
}

#[test]
fn every_workload_is_placed_where_the_plan_put_its_replicas() {
    for built in all_environments() {
        let platform = built.platform();
        let plan = built.compilation.plan.as_ref().expect("plan");
        let mut checked = 0;
        // A chart's workloads come from the chart, placed by the values
        // tests/charts.rs checks.
        for (id, service) in platform
            .services
            .iter()
            .enumerate()
            .filter(|(_, s)| s.deployed() && s.chart().is_none())
        {
            let namespace = &platform.namespaces[service.namespace].k8s_name;
            // A replicated cluster: its Cluster's affinity, which holds the
            // node selector and the node affinity a pod spec would.
            // A RabbitmqCluster's: the same, its spread a required
            // anti-affinity over the pods' name label.
            if let Some(replication) = &service.replication {
                let kind = if replication.is_rabbitmq() {
                    "RabbitmqCluster"
                } else {
                    "Cluster"
                };
                let cluster = built
                    .find(kind, namespace, &service.k8s_name)
                    .unwrap_or_else(|| {
                        panic!("{}: no {kind} {namespace}/{}", built.env, service.k8s_name)
                    });
                if replication.is_rabbitmq() && service.placement.spread {
                    let anti = &cluster["spec"]["affinity"]["podAntiAffinity"]
                        ["requiredDuringSchedulingIgnoredDuringExecution"][0];
                    assert_eq!(anti["topologyKey"], "kubernetes.io/hostname");
                    assert_eq!(
                        anti["labelSelector"]["matchLabels"]["app.kubernetes.io/name"],
                        service.k8s_name.as_str()
                    );
                }
                let affinity = &cluster["spec"]["affinity"];
                let mut spec = serde_yaml::Mapping::new();
                spec.insert("nodeSelector".into(), affinity["nodeSelector"].clone());
                let mut node_affinity = serde_yaml::Mapping::new();
                node_affinity.insert("nodeAffinity".into(), affinity["nodeAffinity"].clone());
                spec.insert("affinity".into(), Value::Mapping(node_affinity));
                let planned: BTreeSet<usize> = plan.nodes_of(id).into_iter().collect();
                assert_eq!(
                    admitted(platform, &Value::Mapping(spec)),
                    planned,
                    "{}: {kind} {}",
                    built.env,
                    service.k8s_name
                );
                checked += 1;
                continue;
            }
            // A gateway's proxies: the pod of its EnvoyProxy.
            let (kind, pod) = if service.operator().is_some() {
                (
                    "EnvoyProxy",
                    &["spec", "provider", "kubernetes", "envoyDeployment", "pod"][..],
                )
            } else if service.placement.daemon {
                ("DaemonSet", &["spec", "template", "spec"][..])
            } else if service.is_stateful() {
                ("StatefulSet", &["spec", "template", "spec"][..])
            } else {
                ("Deployment", &["spec", "template", "spec"][..])
            };
            let workload = built
                .find(kind, namespace, &service.k8s_name)
                .unwrap_or_else(|| {
                    panic!("{}: no {kind} {namespace}/{}", built.env, service.k8s_name)
                });
            let planned: BTreeSet<usize> = plan.nodes_of(id).into_iter().collect();
            let spec = pod.iter().fold(workload, |v: &Value, key| &v[*key]);
            let admitted = admitted(platform, spec);
            assert_eq!(
                admitted, planned,
                "{}: {} admits other nodes than the plan uses",
                built.env, service.name
            );
            if service.placement.spread && service.replicas.limit > 1 && !service.placement.daemon {
                let spread = seq(&spec["topologySpreadConstraints"]);
                assert_eq!(spread.len(), 1, "{}: {} spreads", built.env, service.name);
                // Over the service's own pods: a workload's selector, or
                // the release label the gateway gives its proxies.
                let own = if service.operator().is_some() {
                    let mut labels = serde_yaml::Mapping::new();
                    labels.insert(
                        "app.kubernetes.io/instance".into(),
                        service.k8s_name.as_str().into(),
                    );
                    Value::Mapping(labels)
                } else {
                    workload["spec"]["selector"]["matchLabels"].clone()
                };
                assert_eq!(spread[0]["labelSelector"]["matchLabels"], own);
            }
            checked += 1;
        }
        assert!(checked >= 9, "{}: {checked} workloads", built.env);
    }
}

// ---------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------

#[test]
fn no_secret_carries_a_value() {
    for built in all_environments() {
        assert_eq!(
            built.of_kind("Secret").count(),
            0,
            "{}: a Secret object was written",
            built.env
        );
        // One path per environment: SealedSecrets, or ExternalSecrets.
        let sealed: Vec<&Value> = built.of_kind("SealedSecret").collect();
        let external = built.of_kind("ExternalSecret").count();
        assert!(
            sealed.is_empty() != (external == 0),
            "{}: {} SealedSecrets and {external} ExternalSecrets",
            built.env,
            sealed.len()
        );
        for secret in sealed {
            let data = secret["spec"]["encryptedData"]
                .as_mapping()
                .expect("encryptedData");
            for (key, value) in data {
                // Ciphertext as kubeseal prints it (tests/sealed.rs opens
                // it): base64 of the RSA ciphertext's length, the RSA
                // ciphertext and the sealed value, never a placeholder.
                let text = str_of(value);
                assert!(
                    text.len() > 400
                        && text
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b)),
                    "{}: {}/{} key {key:?} holds {value:?}",
                    built.env,
                    namespace_of(secret),
                    str_of(&secret["metadata"]["name"])
                );
            }
            assert!(
                secret["spec"]["template"]["data"].is_null()
                    && secret["spec"]["template"]["stringData"].is_null()
            );
        }
        for external in built.of_kind("ExternalSecret") {
            for entry in seq(&external["spec"]["data"]) {
                assert!(entry["remoteRef"]["key"].is_string());
            }
        }
        // Workloads read secrets only by reference.
        for (_, object) in &built.objects {
            let Some(spec) = pod_spec(object) else {
                continue;
            };
            for container in containers(spec) {
                for env in seq(&container["env"]) {
                    let name = str_of(&env["name"]).to_ascii_uppercase();
                    let credential = [
                        "PASS",
                        "SECRET",
                        "TOKEN",
                        "ACCESS_KEY",
                        "SIGNING_KEY",
                        "PRIVATE_KEY",
                    ];
                    if credential.iter().any(|c| name.contains(c)) {
                        // Or the path of the file the secret is mounted as
                        // (`NAME_FILE`, `secret_files`), or of one an init
                        // container wrote from it on a memory volume
                        // (Redis's auth files).
                        let value = str_of(&env["value"]);
                        assert!(
                            value.is_empty()
                                || value.starts_with("$(")
                                || (name.ends_with("_FILE")
                                    && (value.starts_with("/run/secrets/")
                                        || value.starts_with("/run/redis-auth/"))),
                            "{}: {name} = {value:?}",
                            built.env
                        );
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// References
// ---------------------------------------------------------------------------

/// Secret names and their keys that the SealedSecrets and ExternalSecrets
/// of a namespace will create.
fn secret_keys(built: &Built, namespace: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut keys: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for sealed in built
        .of_kind("SealedSecret")
        .filter(|o| namespace_of(o) == namespace)
    {
        let entry = keys
            .entry(str_of(&sealed["metadata"]["name"]).to_string())
            .or_default();
        entry.extend(
            sealed["spec"]["encryptedData"]
                .as_mapping()
                .expect("data")
                .keys()
                .map(|k| str_of(k).to_string()),
        );
    }
    for external in built
        .of_kind("ExternalSecret")
        .filter(|o| namespace_of(o) == namespace)
    {
        let entry = keys
            .entry(str_of(&external["spec"]["target"]["name"]).to_string())
            .or_default();
        entry.extend(
            seq(&external["spec"]["data"])
                .iter()
                .map(|d| str_of(&d["secretKey"]).to_string()),
        );
    }
    keys
}

fn selects(selector: &BTreeMap<String, String>, labels: &BTreeMap<String, String>) -> bool {
    !selector.is_empty() && selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

fn check_pod_references(
    built: &Built,
    namespace: &str,
    owner: &str,
    object: &Value,
    spec: &Value,
    problems: &mut Vec<String>,
) {
    let account = str_of(&spec["serviceAccountName"]);
    if built.find("ServiceAccount", namespace, account).is_none() {
        problems.push(format!("{owner}: ServiceAccount {account:?}"));
    }
    let secrets = secret_keys(built, namespace);
    let claims: BTreeSet<String> = seq(&object["spec"]["volumeClaimTemplates"])
        .iter()
        .map(|c| str_of(&c["metadata"]["name"]).to_string())
        .collect();
    let mut volumes: BTreeSet<String> = claims.clone();
    for volume in seq(&spec["volumes"]) {
        volumes.insert(str_of(&volume["name"]).to_string());
        if let Some(name) = volume["configMap"]["name"].as_str() {
            if built.find("ConfigMap", namespace, name).is_none() {
                problems.push(format!("{owner}: ConfigMap {name}"));
            }
        }
        if let Some(name) = volume["secret"]["secretName"].as_str() {
            if !secrets.contains_key(name) {
                problems.push(format!("{owner}: Secret {name}"));
            }
        }
        if let Some(name) = volume["persistentVolumeClaim"]["claimName"].as_str() {
            if built
                .find("PersistentVolumeClaim", namespace, name)
                .is_none()
            {
                problems.push(format!("{owner}: PersistentVolumeClaim {name}"));
            }
        }
    }
    for claim in seq(&object["spec"]["volumeClaimTemplates"]) {
        let class = str_of(&claim["spec"]["storageClassName"]);
        let provided = built
            .of_kind("StorageClass")
            .any(|c| c["metadata"]["name"] == class);
        if !provided && class != built.platform().cloud.block.name {
            problems.push(format!("{owner}: StorageClass {class}"));
        }
    }
    for container in containers(spec) {
        let ports: BTreeSet<String> = seq(&container["ports"])
            .iter()
            .map(|p| str_of(&p["name"]).to_string())
            .collect();
        for mount in seq(&container["volumeMounts"]) {
            if !volumes.contains(str_of(&mount["name"])) {
                problems.push(format!("{owner}: volume {:?}", mount["name"]));
            }
        }
        for env in seq(&container["env"]) {
            let reference = &env["valueFrom"]["secretKeyRef"];
            if reference.is_mapping() {
                let (name, key) = (str_of(&reference["name"]), str_of(&reference["key"]));
                if !secrets.get(name).is_some_and(|keys| keys.contains(key)) {
                    problems.push(format!("{owner}: Secret {name} key {key}"));
                }
            }
            let reference = &env["valueFrom"]["configMapKeyRef"];
            if reference.is_mapping()
                && built
                    .find("ConfigMap", namespace, str_of(&reference["name"]))
                    .is_none()
            {
                problems.push(format!("{owner}: ConfigMap {:?}", reference["name"]));
            }
        }
        for probe in ["livenessProbe", "readinessProbe"] {
            for handler in ["httpGet", "tcpSocket"] {
                if let Some(port) = container[probe][handler]["port"].as_str() {
                    if !ports.contains(port) {
                        problems.push(format!("{owner}: {probe} on port {port}"));
                    }
                }
            }
        }
    }
}

#[test]
fn every_referenced_object_exists() {
    for built in all_environments() {
        let mut problems = Vec::new();
        let mut pods: Vec<(String, BTreeMap<String, String>, BTreeSet<String>)> = built
            .objects
            .iter()
            .filter_map(|(_, o)| {
                let spec = pod_spec(o)?;
                let template = if o["kind"] == "CronJob" {
                    &o["spec"]["jobTemplate"]["spec"]["template"]
                } else {
                    &o["spec"]["template"]
                };
                let ports = containers(spec)
                    .iter()
                    .flat_map(|c| seq(&c["ports"]))
                    .map(|p| str_of(&p["name"]).to_string())
                    .collect();
                Some((
                    namespace_of(o).to_string(),
                    labels_of(&template["metadata"]["labels"]),
                    ports,
                ))
            })
            .collect();
        // The pods the RabbitMQ Cluster Operator makes from a
        // RabbitmqCluster carry its name (`app.kubernetes.io/name`).
        let platform = built.platform();
        pods.extend(
            platform
                .services
                .iter()
                .filter(|s| s.operated_workload().is_some())
                .map(|s| {
                    (
                        platform.namespace_of(s).k8s_name.clone(),
                        BTreeMap::from([(
                            "app.kubernetes.io/name".to_string(),
                            s.k8s_name.clone(),
                        )]),
                        s.ports.keys().cloned().collect(),
                    )
                }),
        );
        for (path, object) in &built.objects {
            let namespace = namespace_of(object);
            let owner = format!(
                "{path} {}/{}",
                str_of(&object["kind"]),
                str_of(&object["metadata"]["name"])
            );
            if let Some(spec) = pod_spec(object) {
                check_pod_references(built, namespace, &owner, object, spec, &mut problems);
            }
            match str_of(&object["kind"]) {
                "StatefulSet" => {
                    let service = str_of(&object["spec"]["serviceName"]);
                    if built.find("Service", namespace, service).is_none() {
                        problems.push(format!("{owner}: Service {service}"));
                    }
                }
                "Service" => {
                    let selector = labels_of(&object["spec"]["selector"]);
                    let matched: Vec<_> = pods
                        .iter()
                        .filter(|(ns, labels, _)| ns == namespace && selects(&selector, labels))
                        .collect();
                    if matched.is_empty() {
                        problems.push(format!("{owner}: selects no pods"));
                    }
                    for port in seq(&object["spec"]["ports"]) {
                        let target = str_of(&port["targetPort"]);
                        if !matched.iter().all(|(_, _, ports)| ports.contains(target)) {
                            problems.push(format!("{owner}: targetPort {target}"));
                        }
                    }
                }
                "Ingress" => {
                    for rule in seq(&object["spec"]["rules"]) {
                        for path in seq(&rule["http"]["paths"]) {
                            let backend = &path["backend"]["service"];
                            let service =
                                built.find("Service", namespace, str_of(&backend["name"]));
                            let has_port = service.is_some_and(|s| {
                                seq(&s["spec"]["ports"])
                                    .iter()
                                    .any(|p| p["name"] == backend["port"]["name"])
                            });
                            if !has_port {
                                problems.push(format!(
                                    "{owner}: Service {:?} port {:?}",
                                    backend["name"], backend["port"]["name"]
                                ));
                            }
                        }
                    }
                    let class = str_of(&object["spec"]["ingressClassName"]);
                    if !built
                        .of_kind("IngressClass")
                        .any(|c| c["metadata"]["name"] == class)
                    {
                        problems.push(format!("{owner}: IngressClass {class}"));
                    }
                    let issuer = str_of(
                        &object["metadata"]["annotations"]["cert-manager.io/cluster-issuer"],
                    );
                    if !built
                        .of_kind("ClusterIssuer")
                        .any(|c| c["metadata"]["name"] == issuer)
                    {
                        problems.push(format!("{owner}: ClusterIssuer {issuer}"));
                    }
                }
                "HorizontalPodAutoscaler" => {
                    let target = &object["spec"]["scaleTargetRef"];
                    if built
                        .find(str_of(&target["kind"]), namespace, str_of(&target["name"]))
                        .is_none()
                    {
                        problems.push(format!("{owner}: scale target {target:?}"));
                    }
                }
                "PodDisruptionBudget" => {
                    let selector = labels_of(&object["spec"]["selector"]["matchLabels"]);
                    if !pods
                        .iter()
                        .any(|(ns, labels, _)| ns == namespace && selects(&selector, labels))
                    {
                        problems.push(format!("{owner}: selects no pods"));
                    }
                }
                "ServiceMonitor" => {
                    let selector = labels_of(&object["spec"]["selector"]["matchLabels"]);
                    let services: Vec<&Value> = built
                        .of_kind("Service")
                        .filter(|s| {
                            namespace_of(s) == namespace
                                && selects(&selector, &labels_of(&s["metadata"]["labels"]))
                        })
                        .filter(|s| s["metadata"]["labels"]["hplc.dev/headless"].is_null())
                        .collect();
                    for endpoint in seq(&object["spec"]["endpoints"]) {
                        if !services.iter().any(|s| {
                            seq(&s["spec"]["ports"])
                                .iter()
                                .any(|p| p["name"] == endpoint["port"])
                        }) {
                            problems
                                .push(format!("{owner}: no Service port {:?}", endpoint["port"]));
                        }
                    }
                }
                "RoleBinding" | "ClusterRoleBinding" => {
                    let role = &object["roleRef"];
                    let exists = built
                        .of_kind(str_of(&role["kind"]))
                        .any(|r| r["metadata"]["name"] == role["name"]);
                    if !exists {
                        problems.push(format!(
                            "{owner}: {} {:?}",
                            str_of(&role["kind"]),
                            role["name"]
                        ));
                    }
                    for subject in seq(&object["subjects"]) {
                        if built
                            .find(
                                "ServiceAccount",
                                str_of(&subject["namespace"]),
                                str_of(&subject["name"]),
                            )
                            .is_none()
                        {
                            problems.push(format!("{owner}: ServiceAccount {subject:?}"));
                        }
                    }
                }
                _ => {}
            }
            // Every namespaced object lives in a namespace hplc writes or
            // the cluster has (kube-system, Velero's own).
            if !namespace.is_empty()
                && built.find("Namespace", "", namespace).is_none()
                && !built
                    .platform()
                    .namespaces
                    .iter()
                    .any(|n| n.managed && n.k8s_name == namespace)
                && namespace != "velero"
            {
                problems.push(format!("{owner}: Namespace {namespace}"));
            }
        }
        assert!(
            problems.is_empty(),
            "{}: dangling references:\n{}",
            built.env,
            problems.join("\n")
        );
    }
}

// ---------------------------------------------------------------------------
// The rest of the issue, spot-checked
// ---------------------------------------------------------------------------

#[test]
fn every_object_names_its_source_line() {
    for built in all_environments() {
        for (path, object) in &built.objects {
            let source = str_of(&object["metadata"]["annotations"]["hplc.dev/source"]);
            let (file, line) = source
                .rsplit_once(':')
                .unwrap_or_else(|| panic!("{}: {path}: no source in {object:?}", built.env));
            assert!(
                file.ends_with(".hpl") && line.parse::<u32>().is_ok(),
                "{}: {path}: {source}",
                built.env
            );
        }
    }
}

#[test]
fn the_issue_s_objects_are_there() {
    for built in all_environments() {
        let platform = built.platform();
        let count = |kind: &str| built.of_kind(kind).count();
        // Managed services (the cluster's own system pods) are not written.
        assert!(platform
            .services
            .iter()
            .filter(|s| !s.deployed())
            .all(|s| built
                .objects
                .iter()
                .all(|(_, o)| o["metadata"]["name"] != s.k8s_name.as_str())));
        let backups = platform
            .services
            .iter()
            .filter(|s| s.backup.is_some())
            .count();
        // A backup and a suspended restore per component with a backup.
        assert_eq!(count("CronJob"), 2 * backups, "{}", built.env);
        assert_eq!(count("Schedule"), platform.cluster_backups.len());
        // One for the tree, one per component installed from a chart.
        let charts = platform
            .services
            .iter()
            .filter(|s| s.chart().is_some())
            .count();
        assert_eq!(count("Application"), platform.gitops.len() * (1 + charts));
        // Let's Encrypt staging and production (tests/tls.rs).
        assert_eq!(count("ClusterIssuer"), 2);
        // No Ingress: a route per public endpoint of a service and per route
        // of the gateway, and a redirect to HTTPS per host with TLS.
        assert_eq!(count("Ingress"), 0);
        let gateway = platform.services.iter().find(|s| s.roles.ingress);
        let endpoints = platform
            .services
            .iter()
            .flat_map(|s| s.expose.iter().map(move |e| (s, e)));
        let routed = endpoints.clone().filter(|(s, _)| !s.roles.ingress).count()
            + gateway.map_or(0, |g| {
                g.roles.gateway.as_ref().map_or(0, |r| r.routes.len())
            });
        let redirects = endpoints.filter(|(_, e)| e.tls).count();
        assert_eq!(count("HTTPRoute"), routed + redirects, "{}", built.env);
        assert_eq!(count("Gateway"), usize::from(gateway.is_some()));
        // A gateway's proxies scale by their EnvoyProxy's autoscaler; a
        // service that scales on a queue by a ScaledObject, whose HPA KEDA
        // makes (never a second one of hplc's on the same workload).
        let autoscaled: Vec<_> = platform
            .services
            .iter()
            .filter(|s| !s.placement.daemon && s.replicas.request < s.replicas.limit)
            .filter(|s| s.operator().is_none())
            .collect();
        let on_queues = autoscaled
            .iter()
            .filter(|s| s.queue_target().is_some())
            .count();
        assert_eq!(count("ScaledObject"), on_queues, "{}", built.env);
        assert_eq!(
            count("HorizontalPodAutoscaler"),
            autoscaled.len() - on_queues
        );
        for hpa in built.of_kind("HorizontalPodAutoscaler") {
            assert_eq!(hpa["apiVersion"], "autoscaling/v2");
        }
        for scaled in built.of_kind("ScaledObject") {
            assert_eq!(scaled["apiVersion"], "keda.sh/v1alpha1");
            let target = &scaled["spec"]["scaleTargetRef"];
            assert!(built.of_kind("HorizontalPodAutoscaler").all(|hpa| {
                hpa["metadata"]["namespace"] != scaled["metadata"]["namespace"]
                    || hpa["spec"]["scaleTargetRef"] != *target
            }));
        }
        let daemons = platform
            .services
            .iter()
            .filter(|s| s.placement.daemon && s.deployed() && s.chart().is_none())
            .count();
        assert_eq!(count("DaemonSet"), daemons);
        // The load balancer is the gateway proxies' Service, made from the
        // EnvoyProxy: OCI's free flexible one, its security rules the
        // Terraform tree's alone.
        let proxies: Vec<Value> = built.of_kind("EnvoyProxy").cloned().collect();
        assert_eq!(proxies.len(), 1);
        let annotations =
            &proxies[0]["spec"]["provider"]["kubernetes"]["envoyService"]["annotations"];
        assert_eq!(
            annotations["service.beta.kubernetes.io/oci-load-balancer-shape"],
            "flexible"
        );
        assert_eq!(
            annotations["service.beta.kubernetes.io/oci-load-balancer-shape-flex-max"],
            "10"
        );
        assert_eq!(
            annotations["oci.oraclecloud.com/security-rule-management-mode"],
            "None"
        );
        assert!(built
            .of_kind("Service")
            .all(|s| s["spec"]["type"] != "LoadBalancer"));
        // Velero keeps 30 days (in the environments that run it).
        let Some(schedule) = built.of_kind("Schedule").next() else {
            assert!(platform.cluster_backups.is_empty(), "{}", built.env);
            continue;
        };
        assert_eq!(schedule["spec"]["template"]["ttl"], "720h0m0s");
        assert_eq!(
            seq(&schedule["spec"]["template"]["excludedNamespaces"]),
            vec![Value::from("kube-system")]
        );
    }
}

/// A backup runs its kind's method (stdlib data) in the component's own
/// image, then the backup's upload; its restore, suspended until an
/// operator starts it, downloads the newest copy, then runs the method's
/// restore. Nothing of the method is the compiler's own.
#[test]
fn backups_and_restores_run_the_method_of_their_kind() {
    let mut checked = 0;
    for built in all_environments() {
        let platform = built.platform();
        for service in platform.services.iter().filter(|s| s.backup.is_some()) {
            let method = service.backup_method.as_ref().expect("a backup method");
            let backup = service.backup.as_ref().expect("a backup");
            let namespace = &platform.namespaces[service.namespace].k8s_name;
            let containers = |name: String| {
                let job = built
                    .find("CronJob", namespace, &name)
                    .unwrap_or_else(|| panic!("{}: no CronJob {name}", built.env));
                let pod = &job["spec"]["jobTemplate"]["spec"]["template"]["spec"];
                let steps: Vec<(String, String, String)> = seq(&pod["initContainers"])
                    .iter()
                    .chain(seq(&pod["containers"]).iter())
                    .map(|c| {
                        (
                            str_of(&c["name"]).to_string(),
                            str_of(&c["image"]).to_string(),
                            str_of(&c["command"][2]).to_string(),
                        )
                    })
                    .collect();
                (job["spec"]["suspend"].as_bool().unwrap_or(false), steps)
            };
            let (suspended, steps) = containers(format!("{}-backup", service.k8s_name));
            assert!(!suspended);
            assert_eq!(
                steps,
                vec![
                    (
                        "dump".into(),
                        service.pod.image.clone(),
                        method.dump.clone()
                    ),
                    (
                        "upload".into(),
                        backup.uploader.clone(),
                        backup.upload.clone()
                    ),
                ]
            );
            let (suspended, steps) = containers(format!("{}-restore", service.k8s_name));
            assert!(suspended, "the restore waits for an operator");
            assert_eq!(
                steps,
                vec![
                    (
                        "download".into(),
                        backup.uploader.clone(),
                        backup.download.clone()
                    ),
                    (
                        "restore".into(),
                        service.pod.image.clone(),
                        method.restore.clone()
                    ),
                ]
            );
            checked += 1;
        }
    }
    assert!(checked > 0);
}

#[test]
fn two_builds_are_byte_identical() {
    for (_, env) in common::environments() {
        let (first, second) = (common::build(env.as_deref()), common::build(env.as_deref()));
        assert_eq!(
            first.files.keys().collect::<Vec<_>>(),
            second.files.keys().collect::<Vec<_>>()
        );
        for (path, text) in &first.files {
            assert!(
                second.files[path] == *text,
                "{path} differs between two builds"
            );
        }
    }
}

/// `validate-k8s` (shared/tools/validate: strict Kubernetes and CRD
/// schemas) on the Kubernetes tree of every golden environment. It has no
/// models for the Gateway API and Envoy Gateway: their objects are checked
/// against the CRDs of the vendored gateway-helm chart instead
/// (tests/fixtures/crd_schemas.py), unknown fields as errors.
#[test]
fn the_validator_accepts_the_golden_kubernetes_trees() {
    let Some(validator) = common::external(
        common::validators_dir().join("validate-k8s"),
        "validate-k8s",
    ) else {
        return;
    };
    if common::external(common::tools_dir().join("venv"), "the validators' venv").is_none() {
        return;
    }
    for (name, _) in common::environments() {
        let tree = common::repo().join("golden").join(&name).join("k8s");
        let result = std::process::Command::new(&validator)
            .arg(&tree)
            .arg("--allow-unknown-kinds")
            .output()
            .expect("run validate-k8s");
        let stdout = String::from_utf8_lossy(&result.stdout);
        assert!(
            result.status.success(),
            "validate-k8s golden/{name}/k8s failed:\n{stdout}{}",
            String::from_utf8_lossy(&result.stderr)
        );
        eprintln!(
            "golden/{name}/k8s: {}",
            stdout.lines().last().unwrap_or_default()
        );
        let crds = common::repo().join("../shared/charts/gateway-helm/charts/crds/crds");
        let checked = std::process::Command::new(common::tools_dir().join("venv/bin/python"))
            .arg(common::repo().join("compiler/tests/fixtures/crd_schemas.py"))
            .arg(&crds)
            .arg(&tree)
            .output()
            .expect("run crd_schemas.py");
        let stdout = String::from_utf8_lossy(&checked.stdout);
        assert!(
            checked.status.success(),
            "golden/{name}/k8s against the Gateway API and Envoy Gateway CRDs:\n{stdout}{}",
            String::from_utf8_lossy(&checked.stderr)
        );
    }
}

// ---------------------------------------------------------------------------
// The public gateway's routes and JWT verification
// ---------------------------------------------------------------------------

/// The hosts and path prefixes of an HTTPRoute, and the Service and port it
/// leads to.
fn route_of(route: &Value) -> (Vec<String>, String, String, i64) {
    let hosts = seq(&route["spec"]["hostnames"])
        .iter()
        .map(|h| str_of(h).to_string())
        .collect();
    let rules = seq(&route["spec"]["rules"]);
    let matches = seq(&rules[0]["matches"]);
    let prefix = str_of(&matches[0]["path"]["value"]).to_string();
    let backends = seq(&rules[0]["backendRefs"]);
    let backend = &backends[0];
    (
        hosts,
        prefix,
        str_of(&backend["name"]).to_string(),
        backend["port"].as_i64().expect("a port"),
    )
}

#[test]
fn public_ceremonies_and_keys_are_open_and_everything_else_needs_a_jwt() {
    for built in all_environments() {
        let auth = "auth.health-platform.example.com";
        let api = "api.health-platform.example.com";
        let routes: Vec<&Value> = built
            .of_kind("HTTPRoute")
            .filter(|r| !seq(&r["spec"]["rules"][0]["backendRefs"]).is_empty())
            .collect();
        let policies: Vec<&Value> = built.of_kind("SecurityPolicy").collect();
        // Which routes a policy puts behind a JWT, by namespace and name.
        let guarded: BTreeSet<(String, String)> = policies
            .iter()
            .flat_map(|p| {
                seq(&p["spec"]["targetRefs"]).into_iter().map(move |t| {
                    assert_eq!(t["kind"], "HTTPRoute");
                    (namespace_of(p).to_string(), str_of(&t["name"]).to_string())
                })
            })
            .collect();
        let open_to = |host: &str, path: &str| -> bool {
            // The longest matching prefix of the host's routes decides, as
            // the Gateway API orders path matches.
            let route = routes
                .iter()
                .filter(|r| {
                    let (hosts, prefix, _, _) = route_of(r);
                    hosts.iter().any(|h| h == host) && path.starts_with(&prefix)
                })
                .max_by_key(|r| route_of(r).1.len())
                .unwrap_or_else(|| panic!("{}: no route for {host}{path}", built.env));
            let key = (
                namespace_of(route).to_string(),
                str_of(&route["metadata"]["name"]).to_string(),
            );
            !guarded.contains(&key)
        };
        assert!(open_to(auth, "/webauthn/register/begin"), "{}", built.env);
        assert!(open_to(auth, "/.well-known/jwks.json"), "{}", built.env);
        assert!(!open_to(auth, "/account/credentials"), "{}", built.env);
        assert!(!open_to(auth, "/"), "{}", built.env);
        assert!(!open_to(api, "/v1/records"), "{}", built.env);
        // Every ceremony goes to the WebAuthn server.
        for route in &routes {
            let (hosts, _, service, port) = route_of(route);
            if hosts.iter().any(|h| h == auth) {
                assert_eq!((service.as_str(), port), ("webauthn", 8080));
            }
        }
        // Every policy asks for a token of the declared issuer and
        // audiences, checked against the WebAuthn server's key set.
        assert!(!policies.is_empty());
        for policy in &policies {
            let providers = seq(&policy["spec"]["jwt"]["providers"]);
            assert_eq!(providers.len(), 1);
            let provider = &providers[0];
            assert_eq!(
                provider["issuer"],
                "https://auth.health-platform.example.com"
            );
            let audiences = seq(&provider["audiences"]);
            let audiences: Vec<&str> = audiences.iter().map(str_of).collect();
            assert_eq!(audiences, vec![api, auth]);
            assert_eq!(
                provider["remoteJWKS"]["uri"],
                "http://webauthn.health-auth.svc.cluster.local:8080/.well-known/jwks.json"
            );
            let keys = seq(&provider["remoteJWKS"]["backendRefs"]);
            let keys = &keys[0];
            assert_eq!(
                (str_of(&keys["name"]), str_of(&keys["namespace"])),
                ("webauthn", "health-auth")
            );
            // A policy outside the keys' namespace may name them: a grant.
            if namespace_of(policy) != "health-auth" {
                assert!(built.of_kind("ReferenceGrant").any(|g| {
                    namespace_of(g) == "health-auth"
                        && seq(&g["spec"]["from"]).iter().any(|f| {
                            f["kind"] == "SecurityPolicy" && f["namespace"] == namespace_of(policy)
                        })
                }));
            }
        }
    }
}

/// ingress-nginx was retired in March 2026: no object, alert, panel or
/// Terraform resource of any environment may still refer to it, its
/// metrics or its ports' Service.
#[test]
fn nothing_generated_refers_to_ingress_nginx() {
    for (name, env) in common::environments() {
        let output = common::build(env.as_deref());
        for (path, text) in &output.files {
            let lower = text.to_ascii_lowercase();
            assert!(
                !lower.contains("nginx_ingress") && !lower.contains("ingress-nginx"),
                "{name}: {path} refers to ingress-nginx"
            );
            assert!(!lower.contains("nginx"), "{name}: {path} names nginx");
        }
    }
}

/// A pod holds an API token only when its service talks to the API server:
/// its kind (or the service) declares RBAC `permissions`. Every other pod
/// hplc writes, the backup jobs among them, mounts none.
#[test]
fn only_pods_that_talk_to_the_api_mount_a_service_account_token() {
    for built in all_environments() {
        let platform = built.platform();
        let mut pods = 0;
        for (_, object) in &built.objects {
            let Some(spec) = pod_spec(object) else {
                continue;
            };
            let name = str_of(&object["metadata"]["name"]);
            let namespace = namespace_of(object);
            let talks = platform.services.iter().any(|s| {
                s.k8s_name == name
                    && platform.namespace_of(s).k8s_name == namespace
                    && !s.pod.permissions.is_empty()
            });
            assert_eq!(
                spec["automountServiceAccountToken"].as_bool(),
                Some(talks),
                "{}: {} {namespace}/{name}",
                built.env,
                str_of(&object["kind"])
            );
            pods += 1;
        }
        assert!(pods > 5, "{}: {pods} pod templates", built.env);
    }
}

/// Secrets reach the pods of a kind whose image reads files (`secret_files`)
/// and the backup jobs as files under /run/secrets, never as environment
/// values (checkov's CKV_K8S_35).
#[test]
fn secrets_read_from_files_are_never_in_the_environment() {
    for built in all_environments() {
        let platform = built.platform();
        let mut checked = 0;
        for (_, object) in &built.objects {
            let Some(spec) = pod_spec(object) else {
                continue;
            };
            let name = str_of(&object["metadata"]["name"]);
            let namespace = namespace_of(object);
            let files = str_of(&object["kind"]) == "CronJob"
                || platform.services.iter().any(|s| {
                    s.k8s_name == name
                        && platform.namespace_of(s).k8s_name == namespace
                        && s.pod.secret_files
                });
            if !files {
                continue;
            }
            for container in containers(spec) {
                for env in seq(&container["env"]) {
                    assert!(
                        env["valueFrom"]["secretKeyRef"].is_null(),
                        "{}: {namespace}/{name} {}: {:?}",
                        built.env,
                        str_of(&container["name"]),
                        env["name"]
                    );
                }
            }
            checked += 1;
        }
        assert!(checked >= 4, "{}: {checked} pods", built.env);
    }
}
