//! The public gateway's routes: an HTTPRoute for every public endpoint
//! (its host and path to the service's port) and for every route of the
//! gateway (its prefix, under the gateway's own hosts, to the routed
//! service), each in the namespace of the service it leads to; a redirect
//! to HTTPS on the HTTP listener for every host with TLS; and the
//! SecurityPolicies that put the routes marked `authenticated` behind the
//! gateway's `jwt`, with the ReferenceGrants that let them fetch the
//! issuer's keys from another namespace.

use std::collections::BTreeMap;

use super::gateway::{
    listener, parent_ref, public, public_endpoints, reference_grant, ENVOY_GATEWAY_API,
    GATEWAY_API, HTTP_LISTENER,
};
use crate::emit::kube::object::{metadata, object};
use crate::emit::kube::{address, labels};
use crate::emit::yaml::{list, map, n, s, Value};
use crate::emit::Context;
use crate::model::{k8s_name, Jwt, Platform, Service};

/// A route to write: its name, where it goes, what it matches.
struct Route<'a> {
    name: String,
    /// The routed service, whose namespace the route lives in.
    service: &'a Service,
    port: &'a str,
    hostnames: Vec<&'a str>,
    prefix: &'a str,
    /// The listeners it attaches to.
    sections: Vec<String>,
    authenticated: bool,
}

/// Every route object, SecurityPolicy and ReferenceGrant, with the
/// namespace it goes in.
pub fn objects<'a>(context: &Context<'a>) -> Vec<(&'a str, Value<'a>)> {
    let platform = context.platform;
    let Some((_, gateway, _)) = public(platform) else {
        return Vec::new();
    };
    let endpoints = public_endpoints(platform);
    let mut routes: Vec<Route> = Vec::new();
    let own: Vec<_> = endpoints
        .iter()
        .filter(|(service, _)| service.k8s_name == gateway.k8s_name)
        .collect();
    for (service, endpoint) in endpoints
        .iter()
        .filter(|(s, _)| s.k8s_name != gateway.k8s_name)
    {
        routes.push(Route {
            name: format!("{}-{}", service.k8s_name, k8s_name(&endpoint.name)),
            service,
            port: &endpoint.port,
            hostnames: vec![&endpoint.host],
            prefix: &endpoint.path,
            sections: vec![section(service, endpoint)],
            authenticated: endpoint.authenticated,
        });
    }
    for route in gateway.roles.gateway.iter().flat_map(|g| &g.routes) {
        routes.push(Route {
            name: format!("{}-{}", gateway.k8s_name, k8s_name(&route.name)),
            service: &platform.services[route.service],
            port: &route.port,
            hostnames: own.iter().map(|(_, e)| e.host.as_str()).collect(),
            prefix: &route.prefix,
            sections: own.iter().map(|(s, e)| section(s, e)).collect(),
            authenticated: route.authenticated,
        });
    }
    let mut objects: Vec<(&str, Value)> = Vec::new();
    for route in &routes {
        if let Some(value) = http_route(context, gateway, route) {
            objects.push((namespace(platform, route.service), value));
        }
    }
    for (service, endpoint) in endpoints.iter().filter(|(_, e)| e.tls) {
        let name = format!("{}-{}-to-https", service.k8s_name, k8s_name(&endpoint.name));
        let meta = metadata(
            context,
            name,
            Some(namespace(platform, service)),
            &labels::of(platform, service),
            endpoint.span,
        );
        let redirect = map([
            ("type", s("RequestRedirect")),
            (
                "requestRedirect",
                map([("scheme", s("https")), ("statusCode", n(301))]),
            ),
        ]);
        let spec = map([
            (
                "parentRefs",
                list([parent_ref(platform, gateway, HTTP_LISTENER.to_string())]),
            ),
            ("hostnames", list([s(&endpoint.host)])),
            ("rules", list([map([("filters", list([redirect]))])])),
        ]);
        objects.push((
            namespace(platform, service),
            object(GATEWAY_API, "HTTPRoute", meta, [("spec", spec)]),
        ));
    }
    if let Some(jwt) = gateway.roles.gateway.as_ref().and_then(|g| g.jwt.as_ref()) {
        objects.extend(security_policies(context, gateway, jwt, &routes));
    }
    objects
}

fn namespace<'a>(platform: &'a Platform, service: &Service) -> &'a str {
    &platform.namespace_of(service).k8s_name
}

/// The listener a public endpoint is served on.
fn section(service: &Service, endpoint: &crate::model::Endpoint) -> String {
    if endpoint.tls {
        listener(service, endpoint)
    } else {
        HTTP_LISTENER.to_string()
    }
}

/// The Service and port a route leads to; `None` when the service has no
/// such port.
fn backend<'a>(platform: &'a Platform, service: &'a Service, port: &str) -> Option<Value<'a>> {
    let (host, number) = address::address(platform, service, port)?;
    let name = host.split('.').next().unwrap_or_default().to_string();
    Some(map([("name", s(name)), ("port", n(i64::from(number)))]))
}

fn http_route<'a>(
    context: &Context<'a>,
    gateway: &'a Service,
    route: &Route<'a>,
) -> Option<Value<'a>> {
    let platform = context.platform;
    let backend = backend(platform, route.service, route.port)?;
    let meta = metadata(
        context,
        route.name.clone(),
        Some(namespace(platform, route.service)),
        &labels::of(platform, gateway),
        gateway.span,
    );
    let rule = map([
        (
            "matches",
            list([map([(
                "path",
                map([("type", s("PathPrefix")), ("value", s(route.prefix))]),
            )])]),
        ),
        ("backendRefs", list([backend])),
    ]);
    let spec = map([
        (
            "parentRefs",
            list(
                route
                    .sections
                    .iter()
                    .map(|section| parent_ref(platform, gateway, section.clone())),
            ),
        ),
        ("hostnames", list(route.hostnames.iter().map(|h| s(*h)))),
        ("rules", list([rule])),
    ]);
    Some(object(GATEWAY_API, "HTTPRoute", meta, [("spec", spec)]))
}

/// One SecurityPolicy per namespace of authenticated routes, targeting
/// them: a JWT from the issuer, for one of the audiences, signed by a key
/// the issuer's service publishes. Routes not targeted need no token.
fn security_policies<'a>(
    context: &Context<'a>,
    gateway: &'a Service,
    jwt: &'a Jwt,
    routes: &[Route<'a>],
) -> Vec<(&'a str, Value<'a>)> {
    let platform = context.platform;
    let keys = &platform.services[jwt.jwks_service];
    let Some((host, port)) = address::address(platform, keys, "") else {
        return Vec::new();
    };
    let mut by_namespace: BTreeMap<&str, Vec<&Route>> = BTreeMap::new();
    for route in routes.iter().filter(|r| r.authenticated) {
        by_namespace
            .entry(namespace(platform, route.service))
            .or_default()
            .push(route);
    }
    let keys_namespace = namespace(platform, keys);
    let service_name = host.split('.').next().unwrap_or_default().to_string();
    let mut objects = Vec::new();
    let mut grants: Vec<&str> = Vec::new();
    for (home, targets) in by_namespace {
        let provider = map([
            ("name", s(&keys.k8s_name)),
            ("issuer", s(&jwt.issuer)),
            ("audiences", list(jwt.audiences.iter().map(s))),
            (
                "remoteJWKS",
                map([
                    ("uri", s(format!("http://{host}:{port}{}", jwt.jwks_path))),
                    (
                        "backendRefs",
                        list([map([
                            ("group", s("")),
                            ("kind", s("Service")),
                            ("name", s(service_name.clone())),
                            ("namespace", s(keys_namespace)),
                            ("port", n(i64::from(port))),
                        ])]),
                    ),
                ]),
            ),
        ]);
        let spec = map([
            (
                "targetRefs",
                list(targets.iter().map(|route| {
                    map([
                        ("group", s("gateway.networking.k8s.io")),
                        ("kind", s("HTTPRoute")),
                        ("name", s(route.name.clone())),
                    ])
                })),
            ),
            ("jwt", map([("providers", list([provider]))])),
        ]);
        let meta = metadata(
            context,
            format!("{}-jwt", gateway.k8s_name),
            Some(home),
            &labels::of(platform, gateway),
            gateway.span,
        );
        objects.push((
            home,
            object(ENVOY_GATEWAY_API, "SecurityPolicy", meta, [("spec", spec)]),
        ));
        if home != keys_namespace {
            grants.push(home);
        }
    }
    if !grants.is_empty() {
        objects.push((
            keys_namespace,
            reference_grant(
                context,
                gateway,
                keys,
                "SecurityPolicy",
                &grants,
                &service_name,
            ),
        ));
    }
    objects
}
