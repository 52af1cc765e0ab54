//! The scraper's jobs: the targets of its scrape edges, and where it sends
//! alerts. Targets are labelled as the Prometheus Operator labels its
//! targets (job, namespace, service, pod, endpoint), which the rules and
//! the dashboards select on.
//!
//! A service hplc writes is found through the Kubernetes endpoints of its
//! Service, by port name. A service a chart installs is found through its
//! pods, by the release label charts give them and the metrics port's
//! number, since the chart names its Services and their ports. Targets on
//! the same port and path share a job, which keeps them by namespace and
//! name: a job per target would grow the configuration by most of a
//! kilobyte per service. A target whose series describe other objects
//! (`honor_labels`, kube-state-metrics) gets a job of its own that keeps
//! their labels.
//!
//! The kubelets (cAdvisor's container series and the volume statistics)
//! and the scraper itself are the monitoring chart's own jobs.

use indexmap::IndexMap;

use crate::emit::kube::{address, labels};
use crate::emit::yaml::{b, list, map, s, Value};
use crate::emit::Context;
use crate::graph::EdgeKind;
use crate::model::{Service, ServiceId};

/// A metrics endpoint of a service: its port's name and number, and path.
pub struct Endpoint {
    pub port: String,
    pub number: u16,
    pub path: String,
}

/// Where a service serves metrics: its metrics port, and its exporter's.
pub fn endpoints(service: &Service) -> Vec<Endpoint> {
    let mut endpoints = Vec::new();
    if let (Some(number), Some(metrics)) = (service.metrics_port_number(), &service.metrics) {
        if let Some((name, _)) = service.ports.iter().find(|(_, p)| **p == number) {
            endpoints.push(Endpoint {
                port: labels::port(name),
                number,
                path: metrics.path.clone(),
            });
        }
    }
    if let Some(exporter) = &service.pod.exporter {
        endpoints.push(Endpoint {
            port: labels::EXPORTER_PORT.into(),
            number: exporter.port,
            path: exporter.path.clone(),
        });
    }
    endpoints
}

/// The scrape jobs of the scraper `id`, from its scrape edges.
pub fn scrape_configs<'a>(context: &Context<'a>, id: ServiceId) -> Vec<Value<'a>> {
    let platform = context.platform;
    let mut jobs: Vec<Job> = Vec::new();
    let mut by_key: IndexMap<(String, String, bool, bool), usize> = IndexMap::new();
    for edge in context.graph.edges_from(id) {
        if edge.kind != EdgeKind::Scrape {
            continue;
        }
        let target = &platform.services[edge.to];
        let namespace = &platform.pods_namespace_of(target).k8s_name;
        let honor = target.metrics.as_ref().is_some_and(|m| m.honor_labels);
        // A chart's pods, and those a controller makes, carry the release
        // label and no Service of hplc's.
        let chart = target.pods_by_instance();
        for endpoint in endpoints(target) {
            // A chart's pods are kept by port number, a Service's
            // endpoints by port name.
            let port = if chart {
                endpoint.number.to_string()
            } else {
                endpoint.port.clone()
            };
            let key = (port, endpoint.path.clone(), honor, chart);
            let index = *by_key.entry(key).or_insert_with(|| {
                let name = match (chart, honor) {
                    (false, false) => format!("{}{}", endpoint.port, endpoint.path),
                    (true, false) => format!("charts/{}{}", endpoint.number, endpoint.path),
                    (false, true) => format!("honor-labels/{}{}", endpoint.port, endpoint.path),
                    (true, true) => {
                        format!("charts/honor-labels/{}{}", endpoint.number, endpoint.path)
                    }
                };
                jobs.push(Job::new(name, endpoint, honor, chart));
                jobs.len() - 1
            });
            jobs[index].add(namespace, target.k8s_name.clone());
        }
    }
    jobs.into_iter().map(Job::value).collect()
}

/// Where the scraper sends alerts: the alert routers it needs.
pub fn alertmanagers<'a>(context: &Context<'a>, id: ServiceId) -> Vec<Value<'a>> {
    let platform = context.platform;
    context
        .graph
        .edges_from(id)
        .filter(|e| e.kind == EdgeKind::Needs)
        .filter_map(|edge| {
            let target = &platform.services[edge.to];
            let port = target.roles.alerts_port.as_deref()?;
            let (host, port) = address::address(platform, target, port)?;
            Some(map([(
                "static_configs",
                list([map([("targets", list([s(format!("{host}:{port}"))]))])]),
            )]))
        })
        .collect()
}

/// Service discovery of `role` objects in `namespaces`.
fn sd<'a>(role: &'static str, namespaces: impl IntoIterator<Item = &'a str>) -> Value<'a> {
    list([map([
        ("role", s(role)),
        (
            "namespaces",
            map([("names", list(namespaces.into_iter().map(s)))]),
        ),
    ])])
}

fn copy(from: &'static str, to: &'static str) -> Value<'static> {
    map([("source_labels", list([s(from)])), ("target_label", s(to))])
}

/// A scrape job: the targets it keeps, by namespace, on one port and path.
struct Job<'a> {
    name: String,
    endpoint: Endpoint,
    /// Service (or release) names by namespace, in the order each
    /// namespace first comes.
    targets: IndexMap<&'a str, Vec<String>>,
    honor_labels: bool,
    /// Targets installed by charts, found through their pods.
    pods: bool,
}

impl<'a> Job<'a> {
    fn new(name: String, endpoint: Endpoint, honor_labels: bool, pods: bool) -> Job<'a> {
        Job {
            name,
            endpoint,
            targets: IndexMap::new(),
            honor_labels,
            pods,
        }
    }

    fn add(&mut self, namespace: &'a str, name: String) {
        self.targets.entry(namespace).or_default().push(name);
    }

    /// `namespace;name` of every target, as one regex:
    /// `(team-0;(s1|s2)|team-1;s3)`.
    fn targets_regex(&self) -> String {
        let alternatives: Vec<String> = self
            .targets
            .iter()
            .map(|(namespace, names)| match names.as_slice() {
                [one] => format!("{namespace};{one}"),
                many => format!("{namespace};({})", many.join("|")),
            })
            .collect();
        match alternatives.as_slice() {
            [one] => one.clone(),
            many => format!("({})", many.join("|")),
        }
    }

    fn value(self) -> Value<'a> {
        let (role, name_label, port_label, port) = if self.pods {
            (
                "pod",
                "__meta_kubernetes_pod_label_app_kubernetes_io_instance",
                "__meta_kubernetes_pod_container_port_number",
                self.endpoint.number.to_string(),
            )
        } else {
            (
                "endpoints",
                "__meta_kubernetes_service_name",
                "__meta_kubernetes_endpoint_port_name",
                self.endpoint.port.clone(),
            )
        };
        let keep = map([
            (
                "source_labels",
                list([
                    s("__meta_kubernetes_namespace"),
                    s(name_label),
                    s(port_label),
                ]),
            ),
            ("regex", s(format!("{};{port}", self.targets_regex()))),
            ("action", s("keep")),
        ]);
        let job = copy(name_label, "job");
        let endpoint = if self.pods {
            map([
                ("target_label", s("endpoint")),
                ("replacement", s(self.endpoint.port.clone())),
            ])
        } else {
            copy("__meta_kubernetes_endpoint_port_name", "endpoint")
        };
        let mut pairs: Vec<(&str, Value)> = vec![
            ("job_name", s(self.name.clone())),
            ("metrics_path", s(self.endpoint.path.clone())),
        ];
        if self.honor_labels {
            pairs.push(("honor_labels", b(true)));
        }
        pairs.extend([
            (
                "kubernetes_sd_configs",
                sd(role, self.targets.keys().copied()),
            ),
            (
                "relabel_configs",
                list([
                    keep,
                    copy("__meta_kubernetes_namespace", "namespace"),
                    copy(name_label, "service"),
                    copy("__meta_kubernetes_pod_name", "pod"),
                    endpoint,
                    job,
                ]),
            ),
        ]);
        map(pairs)
    }
}
