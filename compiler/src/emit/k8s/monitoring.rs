//! Metrics: a ServiceMonitor (Prometheus Operator) for every metrics
//! endpoint, and the plain Prometheus server's own prometheus.yml, whose
//! scrape jobs are the graph's scrape edges and every node's kubelet. Both
//! read the same service endpoints: the service's metrics port and path, and
//! its exporter's.

use std::collections::HashMap;

use indexmap::IndexMap;

use super::services;
use crate::emit::kube::labels;
use crate::emit::kube::object::{object, service_metadata};
use crate::emit::kube::quantity;
use crate::emit::yaml::{self, b, list, map, s, Value};
use crate::emit::Context;
use crate::graph::EdgeKind;
use crate::model::{Service, ServiceId};

pub const PROMETHEUS_FILE: &str = "prometheus.yml";

/// A metrics endpoint of a service: its port name and path.
struct Endpoint {
    port: String,
    path: String,
}

fn endpoints(service: &Service) -> Vec<Endpoint> {
    let mut endpoints = Vec::new();
    if let (Some(number), Some(metrics)) = (service.metrics_port_number(), &service.metrics) {
        if let Some((name, _)) = service.ports.iter().find(|(_, p)| **p == number) {
            endpoints.push(Endpoint {
                port: labels::port(name),
                path: metrics.path.clone(),
            });
        }
    }
    if let Some(exporter) = &service.pod.exporter {
        endpoints.push(Endpoint {
            port: labels::EXPORTER_PORT.into(),
            path: exporter.path.clone(),
        });
    }
    endpoints
}

pub fn service_monitor<'a>(context: &Context<'a>, id: ServiceId) -> Option<Value<'a>> {
    let platform = context.platform;
    let service = &platform.services[id];
    let endpoints = endpoints(service);
    if endpoints.is_empty() {
        return None;
    }
    let interval = quantity::duration(platform.scrape_interval_ms);
    let meta = service_metadata(context, service, &service.k8s_name, service.span);
    let selector = map([
        ("matchLabels", labels::selector(service)),
        // The headless Service of a StatefulSet has the same pods.
        (
            "matchExpressions",
            list([map([
                ("key", s(labels::HEADLESS)),
                ("operator", s("DoesNotExist")),
            ])]),
        ),
    ]);
    let endpoints = endpoints.into_iter().map(|e| {
        map([
            ("port", s(e.port)),
            ("path", s(e.path)),
            ("interval", s(interval.clone())),
        ])
    });
    Some(object(
        "monitoring.coreos.com/v1",
        "ServiceMonitor",
        meta,
        [(
            "spec",
            map([("selector", selector), ("endpoints", list(endpoints))]),
        )],
    ))
}

/// prometheus.yml of the scraper: the targets of its scrape edges, found
/// through the Kubernetes endpoints of each target's Service and labelled
/// as the Prometheus Operator labels ServiceMonitor targets (job, namespace,
/// service, pod, endpoint), so dashboards and rules work with either. What
/// the scraper `needs` is where it sends alerts.
///
/// The targets with the same port and path share a job, which keeps them
/// by namespace and Service name: a job per target, or per namespace,
/// would make the file, and the ConfigMap that holds it, grow by most of a
/// kilobyte per service or namespace, past what Kubernetes accepts (1 MiB).
pub fn prometheus_config(context: &Context, id: ServiceId) -> Option<String> {
    let platform = context.platform;
    let scraper = &platform.services[id];
    if !scraper.roles.scraper {
        return None;
    }
    let interval = quantity::duration(platform.scrape_interval_ms);
    let mut jobs: Vec<Job> = Vec::new();
    let mut by_key: HashMap<(String, String), usize> = HashMap::new();
    let mut alertmanagers = Vec::new();
    for edge in context.graph.edges_from(id) {
        let target = &platform.services[edge.to];
        let namespace = &platform.namespace_of(target).k8s_name;
        match edge.kind {
            EdgeKind::Scrape => {
                for endpoint in endpoints(target) {
                    let service_name = services::name_for_port(target, &endpoint.port);
                    if service_name != target.k8s_name {
                        // Scraped through another Service (an ingress
                        // controller's metrics): a job of its own, which
                        // names the job after the service.
                        let name = format!("{namespace}/{}/{}", target.k8s_name, endpoint.port);
                        let mut job = Job::new(name, endpoint, Some(&target.k8s_name));
                        job.add(namespace, service_name);
                        jobs.push(job);
                        continue;
                    }
                    let key = (endpoint.port.clone(), endpoint.path.clone());
                    let index = *by_key.entry(key).or_insert_with(|| {
                        jobs.push(Job::new(
                            format!("{}{}", endpoint.port, endpoint.path),
                            endpoint,
                            None,
                        ));
                        jobs.len() - 1
                    });
                    jobs[index].add(namespace, service_name);
                }
            }
            EdgeKind::Needs => {
                if let Some((port, _)) = target.ports.first() {
                    alertmanagers.push(map([
                        ("kubernetes_sd_configs", sd([namespace.as_str()])),
                        (
                            "relabel_configs",
                            list([keep_service(&target.k8s_name, &labels::port(port))]),
                        ),
                    ]));
                }
            }
            EdgeKind::Ingress => {}
        }
    }
    let mut config: Vec<(&str, Value)> = vec![(
        "global",
        map([
            ("scrape_interval", s(interval.clone())),
            ("evaluation_interval", s(interval)),
        ]),
    )];
    if !alertmanagers.is_empty() {
        config.push(("alerting", map([("alertmanagers", list(alertmanagers))])));
    }
    let jobs = jobs.into_iter().map(Job::value).chain(kubelet_jobs());
    config.push(("scrape_configs", list(jobs)));
    Some(format!(
        "# Prometheus configuration generated by hplc from {}: the targets of its scrape edges.\n{}",
        context.origin(scraper.span),
        yaml::to_string(&map(config))
    ))
}

/// Where a pod finds its service account's token and the cluster's CA.
const ACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// The kubelet of every node: what the dashboards and alert rules read of
/// containers (cAdvisor's `container_*`, at `/metrics/cadvisor`) and of
/// volumes (`kubelet_volume_stats_*`, at `/metrics`). Node discovery gives
/// each kubelet's own address and port; the scraper authenticates with its
/// service account token, which needs `get` on `nodes/metrics` (the stdlib's
/// `prometheus` kind has it). Kubelet serving certificates are often
/// self-signed or issued by another CA than the API server's, so they are
/// not verified, as kube-prometheus does for its kubelet monitor.
fn kubelet_jobs<'a>() -> impl Iterator<Item = Value<'a>> {
    [("kubelet", "/metrics"), ("cadvisor", "/metrics/cadvisor")]
        .into_iter()
        .map(|(name, path)| {
            map([
                ("job_name", s(name)),
                ("metrics_path", s(path)),
                ("scheme", s("https")),
                (
                    "authorization",
                    map([("credentials_file", s(format!("{ACCOUNT_DIR}/token")))]),
                ),
                (
                    "tls_config",
                    map([
                        ("ca_file", s(format!("{ACCOUNT_DIR}/ca.crt"))),
                        ("insecure_skip_verify", b(true)),
                    ]),
                ),
                ("kubernetes_sd_configs", list([map([("role", s("node"))])])),
                (
                    "relabel_configs",
                    list([copy("__meta_kubernetes_node_name", "node")]),
                ),
            ])
        })
}

/// Service discovery of the endpoints in `namespaces`.
fn sd<'a>(namespaces: impl IntoIterator<Item = &'a str>) -> Value<'a> {
    list([map([
        ("role", s("endpoints")),
        (
            "namespaces",
            map([("names", list(namespaces.into_iter().map(s)))]),
        ),
    ])])
}

/// Keeps the endpoints of `service` on `port`.
fn keep_service<'a>(service: &str, port: &str) -> Value<'a> {
    map([
        (
            "source_labels",
            list([
                s("__meta_kubernetes_service_name"),
                s("__meta_kubernetes_endpoint_port_name"),
            ]),
        ),
        ("regex", s(format!("{service};{port}"))),
        ("action", s("keep")),
    ])
}

fn copy(from: &'static str, to: &'static str) -> Value<'static> {
    map([("source_labels", list([s(from)])), ("target_label", s(to))])
}

/// A scrape job: the Services it keeps, by namespace, on one port and path.
struct Job<'a> {
    name: String,
    endpoint: Endpoint,
    /// Service names by namespace, in the order each namespace first comes.
    targets: IndexMap<&'a str, Vec<String>>,
    /// The `job` label when it is not the Service's name.
    job: Option<&'a str>,
}

impl<'a> Job<'a> {
    fn new(name: String, endpoint: Endpoint, job: Option<&'a str>) -> Job<'a> {
        Job {
            name,
            endpoint,
            targets: IndexMap::new(),
            job,
        }
    }

    fn add(&mut self, namespace: &'a str, service: String) {
        self.targets.entry(namespace).or_default().push(service);
    }

    /// `namespace;service;port` of every target, as one regex:
    /// `(team-0;(s1|s2)|team-1;s3);http`.
    fn regex(&self) -> String {
        let alternatives: Vec<String> = self
            .targets
            .iter()
            .map(|(namespace, services)| match services.as_slice() {
                [one] => format!("{namespace};{one}"),
                many => format!("{namespace};({})", many.join("|")),
            })
            .collect();
        match alternatives.as_slice() {
            [one] => format!("{one};{}", self.endpoint.port),
            many => format!("({});{}", many.join("|"), self.endpoint.port),
        }
    }

    fn value(self) -> Value<'a> {
        let keep = map([
            (
                "source_labels",
                list([
                    s("__meta_kubernetes_namespace"),
                    s("__meta_kubernetes_service_name"),
                    s("__meta_kubernetes_endpoint_port_name"),
                ]),
            ),
            ("regex", s(self.regex())),
            ("action", s("keep")),
        ]);
        let job = match self.job {
            Some(name) => map([("target_label", s("job")), ("replacement", s(name))]),
            None => copy("__meta_kubernetes_service_name", "job"),
        };
        map([
            ("job_name", s(self.name)),
            ("metrics_path", s(self.endpoint.path)),
            ("kubernetes_sd_configs", sd(self.targets.keys().copied())),
            (
                "relabel_configs",
                list([
                    keep,
                    copy("__meta_kubernetes_namespace", "namespace"),
                    copy("__meta_kubernetes_service_name", "service"),
                    copy("__meta_kubernetes_pod_name", "pod"),
                    copy("__meta_kubernetes_endpoint_port_name", "endpoint"),
                    job,
                ]),
            ),
        ])
    }
}
