//! The public gateway, in the Gateway API: the GatewayClass of its
//! controller, the Gateway with a listener per public host, the EnvoyProxy
//! that shapes its proxies (requests, nodes, replicas, the load balancer's
//! annotations, tracing), and the ACME ClusterIssuer whose HTTP-01
//! challenges go through it. The routes and their JWT verification are in
//! `routes.rs`.
//!
//! The controller (Envoy Gateway) makes the proxies in its own namespace,
//! labelled with the Gateway's `infrastructure.labels`: hplc gives them the
//! release label (`app.kubernetes.io/instance`), by which its network
//! policies and scrape jobs find them as they find a chart's pods.

use super::placement::{self, Nodes};
use super::scaling;
use crate::emit::kube::object::{annotate, metadata, object};
use crate::emit::kube::{address, labels, quantity};
use crate::emit::yaml::{list, map, n, s, Value};
use crate::emit::Context;
use crate::graph::EdgeKind;
use crate::model::{Endpoint, Platform, Service, ServiceId};

pub const GATEWAY_API: &str = "gateway.networking.k8s.io/v1";
pub const ENVOY_GATEWAY_API: &str = "gateway.envoyproxy.io/v1alpha1";
const ENVOY_GATEWAY_GROUP: &str = "gateway.envoyproxy.io";

/// The listener every HTTP-01 challenge and the redirect to HTTPS use.
pub const HTTP_LISTENER: &str = "http";

/// The platform's public gateway and the controller that makes its
/// proxies: the first deployed service with the gateway role.
pub fn public(platform: &Platform) -> Option<(ServiceId, &Service, &Service)> {
    platform.deployed().find_map(|(id, service)| {
        let by = service.operator()?;
        service
            .roles
            .ingress
            .then(|| (id, service, &platform.services[by]))
    })
}

/// The HTTPS listener of a public endpoint: `<service>-<endpoint>`.
pub fn listener(service: &Service, endpoint: &Endpoint) -> String {
    format!(
        "https-{}-{}",
        service.k8s_name,
        crate::model::k8s_name(&endpoint.name)
    )
}

use crate::emit::kube::{issuer_name, issuer_of_stage};

/// A reference to the gateway as a route's parent, on `section`.
pub fn parent_ref<'a>(platform: &'a Platform, gateway: &'a Service, section: String) -> Value<'a> {
    map([
        ("name", s(&gateway.k8s_name)),
        ("namespace", s(&platform.namespace_of(gateway).k8s_name)),
        ("sectionName", s(section)),
    ])
}

/// Every object of the gateway, with the namespace whose file it goes in:
/// the gateway's (the cluster-scoped GatewayClass too), and the tracing
/// backend's for the grant that lets the proxies' traces reach it.
pub fn objects<'a>(context: &Context<'a>, nodes: &Nodes<'a>) -> Vec<(&'a str, Value<'a>)> {
    let platform = context.platform;
    let Some((id, gateway, controller)) = public(platform) else {
        return Vec::new();
    };
    let Some(class) = &controller.roles.gateway_controller else {
        return Vec::new();
    };
    let namespace = &platform.namespace_of(gateway).k8s_name;
    let own = labels::of(platform, gateway);
    let gateway_class = object(
        GATEWAY_API,
        "GatewayClass",
        metadata(context, &controller.k8s_name, None, &own, controller.span),
        [("spec", map([("controllerName", s(class))]))],
    );
    let (spec, traces) = proxy_spec(context, nodes, id, gateway);
    let envoy_proxy = object(
        ENVOY_GATEWAY_API,
        "EnvoyProxy",
        metadata(
            context,
            &gateway.k8s_name,
            Some(namespace),
            &own,
            gateway.span,
        ),
        [("spec", spec)],
    );
    let mut meta = metadata(
        context,
        &gateway.k8s_name,
        Some(namespace),
        &own,
        gateway.span,
    );
    let endpoints = public_endpoints(platform);
    if endpoints.iter().any(|(_, e)| e.tls) {
        // cert-manager's gateway support: a Certificate for every HTTPS
        // listener, into the Secret the listener names.
        annotate(
            &mut meta,
            "cert-manager.io/cluster-issuer",
            issuer_name(platform),
        );
    }
    let allowed = allowed_routes(platform, gateway, &endpoints);
    let mut listeners = vec![map([
        ("name", s(HTTP_LISTENER)),
        ("protocol", s("HTTP")),
        ("port", n(i64::from(port(gateway, "http", 80)))),
        ("allowedRoutes", allowed.clone()),
    ])];
    for (service, endpoint) in endpoints.iter().filter(|(_, e)| e.tls) {
        listeners.push(map([
            ("name", s(listener(service, endpoint))),
            ("protocol", s("HTTPS")),
            ("port", n(i64::from(port(gateway, "https", 443)))),
            ("hostname", s(&endpoint.host)),
            (
                "tls",
                map([
                    ("mode", s("Terminate")),
                    (
                        "certificateRefs",
                        list([map([("name", s(tls_secret(service, endpoint)))])]),
                    ),
                ]),
            ),
            ("allowedRoutes", allowed.clone()),
        ]));
    }
    let spec = map([
        ("gatewayClassName", s(&controller.k8s_name)),
        (
            "infrastructure",
            map([
                ("labels", map([(labels::INSTANCE, s(&gateway.k8s_name))])),
                (
                    "parametersRef",
                    map([
                        ("group", s(ENVOY_GATEWAY_GROUP)),
                        ("kind", s("EnvoyProxy")),
                        ("name", s(&gateway.k8s_name)),
                    ]),
                ),
            ]),
        ),
        ("listeners", list(listeners)),
    ]);
    let gateway_object = object(GATEWAY_API, "Gateway", meta, [("spec", spec)]);
    let mut objects = vec![
        (namespace.as_str(), gateway_class),
        (namespace.as_str(), envoy_proxy),
        (namespace.as_str(), gateway_object),
    ];
    if let Some((backend, name)) = traces {
        let home = &platform.namespace_of(backend).k8s_name;
        if home != namespace {
            objects.push((
                home.as_str(),
                reference_grant(context, gateway, backend, "EnvoyProxy", &[namespace], &name),
            ));
        }
    }
    objects
}

/// The number of the gateway's port `name` on its Service (where the load
/// balancer sends it), `default` without one.
fn port(gateway: &Service, name: &str, default: u16) -> u16 {
    gateway.service_port(name).unwrap_or(default)
}

/// Every public endpoint the gateway serves, with its service: the
/// gateway's own (the hosts of its routes) and every other service's.
pub fn public_endpoints(platform: &Platform) -> Vec<(&Service, &Endpoint)> {
    platform
        .deployed()
        .flat_map(|(_, service)| service.expose.iter().map(move |e| (service, e)))
        .collect()
}

fn tls_secret(service: &Service, endpoint: &Endpoint) -> String {
    format!(
        "{}-{}-tls",
        service.k8s_name,
        crate::model::k8s_name(&endpoint.name)
    )
}

/// Routes may attach from the namespaces of the routed services and from
/// the gateway's own (where cert-manager adds its HTTP-01 routes).
fn allowed_routes<'a>(
    platform: &'a Platform,
    gateway: &'a Service,
    endpoints: &[(&'a Service, &'a Endpoint)],
) -> Value<'a> {
    let mut namespaces: Vec<&str> = vec![&platform.namespace_of(gateway).k8s_name];
    let routed = endpoints
        .iter()
        .map(|(service, _)| *service)
        .filter(|service| service.k8s_name != gateway.k8s_name)
        .chain(
            gateway
                .roles
                .gateway
                .iter()
                .flat_map(|g| g.routes.iter().map(|r| &platform.services[r.service])),
        );
    for service in routed {
        let namespace = platform.namespace_of(service).k8s_name.as_str();
        if !namespaces.contains(&namespace) {
            namespaces.push(namespace);
        }
    }
    map([(
        "namespaces",
        map([
            ("from", s("Selector")),
            (
                "selector",
                map([(
                    "matchExpressions",
                    list([map([
                        ("key", s(labels::NAMESPACE_NAME)),
                        ("operator", s("In")),
                        ("values", list(namespaces.into_iter().map(s))),
                    ])]),
                )]),
            ),
        ]),
    )])
}

/// The EnvoyProxy's spec: the proxies' Deployment (image, requests and
/// limits, nodes, replicas or autoscaler, disruption budget), their
/// load balancer Service, and their traces; with the tracing backend and
/// its Service's name, when there is one.
fn proxy_spec<'a>(
    context: &Context<'a>,
    nodes: &Nodes<'a>,
    id: ServiceId,
    gateway: &'a Service,
) -> (Value<'a>, Option<(&'a Service, String)>) {
    let platform = context.platform;
    let resources = map([
        (
            "requests",
            map([
                ("cpu", s(quantity::cpu(gateway.cpu.request))),
                ("memory", s(quantity::bytes(gateway.memory.request))),
            ]),
        ),
        (
            "limits",
            map([
                ("cpu", s(quantity::cpu(gateway.cpu.limit))),
                ("memory", s(quantity::bytes(gateway.memory.limit))),
            ]),
        ),
    ]);
    let mut deployment: Vec<(&str, Value)> = Vec::new();
    if !gateway.autoscaled() {
        deployment.push(("replicas", n(gateway.replicas.request)));
    }
    deployment.push((
        "container",
        map([("image", s(&gateway.pod.image)), ("resources", resources)]),
    ));
    let pod = placement::pod_fields(context, nodes, id);
    if !pod.is_empty() {
        deployment.push(("pod", map(pod)));
    }
    let mut kubernetes: Vec<(&str, Value)> = vec![("envoyDeployment", map(deployment))];
    let mut service: Vec<(&str, Value)> = vec![
        // Keeps the client's address (for logs and policies) and sends
        // traffic only to nodes that run a proxy.
        ("externalTrafficPolicy", s("Local")),
    ];
    // The address the Terraform tree reserved (the cluster's inputs), so
    // that DNS records outlive a recreated load balancer.
    if let Some(address) = &platform.inputs.gateway_address {
        service.push(("loadBalancerIP", s(address.as_str())));
    }
    let annotations = load_balancer_annotations(platform);
    if !annotations.is_empty() {
        service.push((
            "annotations",
            map(annotations.into_iter().map(|(k, v)| (k, s(v)))),
        ));
    }
    kubernetes.push(("envoyService", map(service)));
    if gateway.autoscaled() {
        kubernetes.push((
            "envoyHpa",
            map([
                ("minReplicas", n(gateway.replicas.request)),
                ("maxReplicas", n(gateway.replicas.limit)),
                ("metrics", list(scaling::metrics(context, gateway))),
            ]),
        ));
    }
    if gateway.replicas.request > 1 {
        kubernetes.push(("envoyPDB", map([("maxUnavailable", n(1))])));
    }
    let mut spec: Vec<(&str, Value)> = vec![(
        "provider",
        map([("type", s("Kubernetes")), ("kubernetes", map(kubernetes))]),
    )];
    let traces = tracing(context, id).map(|(tracing, backend, name)| {
        spec.push(("telemetry", map([("tracing", tracing)])));
        (backend, name)
    });
    (map(spec), traces)
}

/// The proxies' traces, to the tracing backend the gateway needs, over
/// OTLP/gRPC, at the platform's sampling rate.
fn tracing<'a>(context: &Context<'a>, id: ServiceId) -> Option<(Value<'a>, &'a Service, String)> {
    let platform = context.platform;
    let (backend, host, port) = context
        .graph
        .edges_from(id)
        .filter(|e| e.kind == EdgeKind::Needs)
        .find_map(|edge| {
            let backend = &platform.services[edge.to];
            let grpc = backend.roles.otlp_grpc_port.as_deref()?;
            let (host, port) = address::address(platform, backend, grpc)?;
            Some((backend, host, port))
        })?;
    let service_name = host.split('.').next().unwrap_or_default().to_string();
    let tracing = map([
        // Whole percent, as Envoy Gateway takes it.
        ("samplingRate", n((platform.trace_sampling + 99) / 100)),
        (
            "provider",
            map([
                ("type", s("OpenTelemetry")),
                (
                    "backendRefs",
                    list([map([
                        ("name", s(service_name.clone())),
                        ("namespace", s(&platform.namespace_of(backend).k8s_name)),
                        ("port", n(i64::from(port))),
                    ])]),
                ),
            ]),
        ),
    ]);
    Some((tracing, backend, service_name))
}

/// What the cloud's load balancer controller reads from a LoadBalancer
/// Service: the proxies', or a service's own. OCI provisions a paid 100 Mbps load balancer unless told
/// otherwise: the flexible shape at the cloud's bandwidth (10 Mbps) is the
/// Always Free one (FACTS.md, OKE); and who writes its security rules
/// (`load_balancer_security_rules`: "None", the Terraform tree's security
/// lists alone).
pub(super) fn load_balancer_annotations(platform: &Platform) -> Vec<(&'static str, String)> {
    let cloud = &platform.cloud;
    if cloud.provider != "oci" {
        return Vec::new();
    }
    let mbps = (cloud.load_balancer_bandwidth / 1_000_000).to_string();
    let mut annotations = vec![
        (
            "service.beta.kubernetes.io/oci-load-balancer-shape",
            "flexible".to_string(),
        ),
        (
            "service.beta.kubernetes.io/oci-load-balancer-shape-flex-min",
            mbps.clone(),
        ),
        (
            "service.beta.kubernetes.io/oci-load-balancer-shape-flex-max",
            mbps,
        ),
    ];
    if !cloud.load_balancer_security_rules.is_empty() {
        annotations.push((
            "oci.oraclecloud.com/security-rule-management-mode",
            cloud.load_balancer_security_rules.clone(),
        ));
    }
    annotations
}

/// The ACME ClusterIssuers, staging and production, when any endpoint asks
/// for TLS; the gateway names the one of the platform's `tls_stage`. Each
/// proves control of each host with an HTTP-01 challenge through the
/// gateway's HTTP listener; its account key is a Secret cert-manager
/// creates itself.
pub fn cluster_issuers<'a>(context: &Context<'a>) -> Vec<Value<'a>> {
    let platform = context.platform;
    let Some((_, gateway, _)) = public(platform) else {
        return Vec::new();
    };
    if !public_endpoints(platform).iter().any(|(_, e)| e.tls) {
        return Vec::new();
    }
    [
        ("staging", &platform.acme_staging_server),
        ("production", &platform.acme_server),
    ]
    .into_iter()
    .map(|(stage, server)| cluster_issuer(context, gateway, stage, server))
    .collect()
}

/// The ClusterIssuer of one stage's ACME directory.
fn cluster_issuer<'a>(
    context: &Context<'a>,
    gateway: &'a Service,
    stage: &str,
    server: &'a str,
) -> Value<'a> {
    let platform = context.platform;
    let name = issuer_of_stage(platform, stage);
    let meta = metadata(
        context,
        name.clone(),
        None,
        &[(labels::PART_OF, labels::part_of(platform))],
        platform.span,
    );
    let http01 = map([(
        "gatewayHTTPRoute",
        map([(
            "parentRefs",
            list([map([
                ("name", s(&gateway.k8s_name)),
                ("namespace", s(&platform.namespace_of(gateway).k8s_name)),
                ("kind", s("Gateway")),
                ("sectionName", s(HTTP_LISTENER)),
            ])]),
        )]),
    )]);
    let mut acme: Vec<(&str, Value)> = vec![("server", s(server))];
    if !platform.acme_email.is_empty() {
        acme.push(("email", s(&platform.acme_email)));
    }
    acme.push((
        "privateKeySecretRef",
        map([("name", s(format!("{name}-account-key")))]),
    ));
    acme.push(("solvers", list([map([("http01", http01)])])));
    object(
        "cert-manager.io/v1",
        "ClusterIssuer",
        meta,
        [("spec", map([("acme", map(acme))]))],
    )
}

/// Lets `kind` objects of Envoy Gateway in `from` name the Service `name`
/// of `to`'s namespace.
pub fn reference_grant<'a>(
    context: &Context<'a>,
    gateway: &'a Service,
    to: &'a Service,
    kind: &'static str,
    from: &[&'a str],
    name: &str,
) -> Value<'a> {
    let platform = context.platform;
    let meta = metadata(
        context,
        format!("{}-{}", gateway.k8s_name, crate::model::k8s_name(kind)),
        Some(&platform.namespace_of(to).k8s_name),
        &labels::of(platform, gateway),
        gateway.span,
    );
    let spec = map([
        (
            "from",
            list(from.iter().map(|namespace| {
                map([
                    ("group", s("gateway.envoyproxy.io")),
                    ("kind", s(kind)),
                    ("namespace", s(*namespace)),
                ])
            })),
        ),
        (
            "to",
            list([map([
                ("group", s("")),
                ("kind", s("Service")),
                ("name", s(name.to_string())),
            ])]),
        ),
    ]);
    object(
        "gateway.networking.k8s.io/v1beta1",
        "ReferenceGrant",
        meta,
        [("spec", spec)],
    )
}
