//! Public traffic: the IngressClass of the ingress controller, an Ingress
//! for every service with public endpoints, each host with a certificate
//! from cert-manager, and the ClusterIssuer that gets them from the ACME
//! server of the platform (Let's Encrypt production by default).

use crate::emit::kube::labels;
use crate::emit::kube::object::{annotate, metadata, object, service_metadata};
use crate::emit::yaml::{empty_map, list, map, s, Value};
use crate::emit::Context;
use crate::model::{Platform, Service, ServiceId};

/// The IngressClass every Ingress (and the ACME solver) names: the class of
/// the ingress controller that serves the platform's Ingresses, the first
/// one declared, when it has one.
pub fn class(platform: &Platform) -> Option<&str> {
    platform
        .services
        .iter()
        .filter(|s| s.deployed())
        .find_map(|s| s.roles.ingress.as_ref())
        .map(|ingress| ingress.class.as_str())
        .filter(|class| !class.is_empty())
}

pub fn issuer_name(platform: &Platform) -> String {
    format!("{}-acme", labels::part_of(platform))
}

fn tls_secret(service: &Service, endpoint: &str) -> String {
    format!(
        "{}-{}-tls",
        service.k8s_name,
        crate::model::k8s_name(endpoint)
    )
}

pub fn ingress_class<'a>(context: &Context<'a>, id: ServiceId) -> Option<Value<'a>> {
    let platform = context.platform;
    let service = &platform.services[id];
    let ingress = service.roles.ingress.as_ref()?;
    if ingress.class.is_empty() {
        return None;
    }
    let meta = metadata(
        context,
        &ingress.class,
        None,
        &labels::of(platform, service),
        service.span,
    );
    Some(object(
        "networking.k8s.io/v1",
        "IngressClass",
        meta,
        [("spec", map([("controller", s(&ingress.controller))]))],
    ))
}

/// The Ingress of a service with public endpoints, for `class` ([`class`],
/// found once for every service).
pub fn ingress<'a>(
    context: &Context<'a>,
    class: Option<&'a str>,
    id: ServiceId,
) -> Option<Value<'a>> {
    let platform = context.platform;
    let service = &platform.services[id];
    let first = service.expose.first()?;
    let mut meta = service_metadata(context, service, &service.k8s_name, first.span);
    let tls: Vec<Value> = service
        .expose
        .iter()
        .filter(|e| e.tls)
        .map(|e| {
            map([
                ("hosts", list([s(&e.host)])),
                ("secretName", s(tls_secret(service, &e.name))),
            ])
        })
        .collect();
    if !tls.is_empty() {
        annotate(
            &mut meta,
            "cert-manager.io/cluster-issuer",
            issuer_name(platform),
        );
    }
    let rules = service.expose.iter().filter_map(|e| {
        let port = if e.port.is_empty() {
            service.ports.keys().next()?
        } else {
            &e.port
        };
        let backend = map([(
            "service",
            map([
                ("name", s(&service.k8s_name)),
                ("port", map([("name", s(labels::port(port)))])),
            ]),
        )]);
        let path = map([
            ("path", s(&e.path)),
            ("pathType", s("Prefix")),
            ("backend", backend),
        ]);
        Some(map([
            ("host", s(&e.host)),
            ("http", map([("paths", list([path]))])),
        ]))
    });
    let mut spec: Vec<(&str, Value)> = Vec::new();
    if let Some(class) = class {
        spec.push(("ingressClassName", s(class)));
    }
    if !tls.is_empty() {
        spec.push(("tls", list(tls)));
    }
    spec.push(("rules", list(rules)));
    Some(object(
        "networking.k8s.io/v1",
        "Ingress",
        meta,
        [("spec", map(spec))],
    ))
}

/// The ACME ClusterIssuer, when any endpoint asks for TLS. It proves
/// control of each host with an HTTP-01 challenge through the ingress
/// controller; its account key is a Secret cert-manager creates itself.
pub fn cluster_issuer<'a>(context: &Context<'a>, class: Option<&'a str>) -> Option<Value<'a>> {
    let platform = context.platform;
    if !platform
        .services
        .iter()
        .any(|s| s.deployed() && s.expose.iter().any(|e| e.tls))
    {
        return None;
    }
    let name = issuer_name(platform);
    let meta = metadata(
        context,
        name.clone(),
        None,
        &[(labels::PART_OF, labels::part_of(platform))],
        platform.span,
    );
    let http01 = match class {
        Some(class) => map([("ingress", map([("ingressClassName", s(class))]))]),
        None => map([("ingress", empty_map())]),
    };
    let mut acme: Vec<(&str, Value)> = vec![("server", s(&platform.acme_server))];
    if !platform.acme_email.is_empty() {
        acme.push(("email", s(&platform.acme_email)));
    }
    acme.push((
        "privateKeySecretRef",
        map([("name", s(format!("{name}-account-key")))]),
    ));
    acme.push(("solvers", list([map([("http01", http01)])])));
    Some(object(
        "cert-manager.io/v1",
        "ClusterIssuer",
        meta,
        [("spec", map([("acme", map(acme))]))],
    ))
}
