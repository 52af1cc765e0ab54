//! The Envoy gateway's bootstrap (envoy.yaml, Envoy API v3), generated
//! from the model's `routes` and `jwt`: one listener on the gateway's
//! traffic port, a route per `routes` entry to a cluster per upstream
//! service port, JWT verification against the issuer's published keys on
//! the routes marked `authenticated`, and the admin interface (readiness,
//! Prometheus statistics) on the service's metrics port.

use crate::emit::yaml::{self, b, list, map, n, s, Value};
use crate::emit::Context;
use crate::model::{Platform, Route, ServiceId};

pub const BOOTSTRAP_FILE: &str = "envoy.yaml";

const HCM: &str = "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
const JWT_AUTHN: &str =
    "type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication";
const ROUTER: &str = "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router";
/// Upstream connection timeout and how long fetched signing keys are kept.
const CONNECT_TIMEOUT: &str = "5s";
const JWKS_CACHE: &str = "300s";

/// An upstream: a service's port, by cluster name.
struct Upstream {
    cluster: String,
    host: String,
    port: u16,
}

fn upstream(platform: &Platform, service: ServiceId, port: &str) -> Option<Upstream> {
    let target = &platform.services[service];
    let (port_name, _) = if port.is_empty() {
        target.ports.first()?
    } else {
        target.ports.get_key_value(port)?
    };
    // Through the target's Service, at the port it gives the name.
    let number = target.service_port(port_name)?;
    let namespace = &platform.namespace_of(target).k8s_name;
    Some(Upstream {
        cluster: format!("{}-{}", target.k8s_name, crate::model::k8s_name(port_name)),
        host: crate::types::names::cluster_host(&target.k8s_name, namespace),
        port: number,
    })
}

/// Longest prefix first: Envoy takes the first route that matches.
fn ordered(routes: &[Route]) -> Vec<&Route> {
    let mut routes: Vec<&Route> = routes.iter().collect();
    routes.sort_by(|a, b| {
        b.prefix
            .len()
            .cmp(&a.prefix.len())
            .then_with(|| a.prefix.cmp(&b.prefix))
            .then_with(|| a.name.cmp(&b.name))
    });
    routes
}

fn socket<'a>(address: impl Into<std::borrow::Cow<'a, str>>, port: u16) -> Value<'a> {
    map([(
        "socket_address",
        map([("address", s(address)), ("port_value", n(i64::from(port)))]),
    )])
}

/// The bootstrap of a service with `routes`; `None` for every other.
pub fn envoy_bootstrap(context: &Context, id: ServiceId) -> Option<String> {
    let platform = context.platform;
    let service = &platform.services[id];
    let gateway = service.roles.gateway.as_ref()?;
    if gateway.routes.is_empty() {
        return None;
    }
    let admin = service.metrics_port_name();
    let admin_port = service.ports.get(admin).copied();
    let (_, listen_port) = service.ports.iter().find(|(name, _)| *name != admin)?;
    let routes = ordered(&gateway.routes);

    let mut upstreams: Vec<Upstream> = Vec::new();
    let mut add = |u: Upstream| {
        if !upstreams.iter().any(|e| e.cluster == u.cluster) {
            upstreams.push(u);
        }
    };
    let mut route_entries = Vec::new();
    for route in &routes {
        let Some(u) = upstream(platform, route.service, &route.port) else {
            continue;
        };
        route_entries.push(map([
            ("name", s(&route.name)),
            ("match", map([("prefix", s(&route.prefix))])),
            ("route", map([("cluster", s(u.cluster.clone()))])),
        ]));
        add(u);
    }

    let mut http_filters = Vec::new();
    if let Some(jwt) = &gateway.jwt {
        if let Some(keys) = upstream(platform, jwt.jwks_service, "") {
            let provider = platform.services[jwt.jwks_service].k8s_name.as_str();
            let mut fields: Vec<(&str, Value)> = vec![("issuer", s(&jwt.issuer))];
            if !jwt.audiences.is_empty() {
                fields.push(("audiences", list(jwt.audiences.iter().map(s))));
            }
            let uri = format!("http://{}:{}{}", keys.host, keys.port, jwt.jwks_path);
            fields.push((
                "remote_jwks",
                map([
                    (
                        "http_uri",
                        map([
                            ("uri", s(uri)),
                            ("cluster", s(keys.cluster.clone())),
                            ("timeout", s(CONNECT_TIMEOUT)),
                        ]),
                    ),
                    ("cache_duration", s(JWKS_CACHE)),
                ]),
            ));
            // The upstream learns who called from the verified token.
            fields.push(("forward", b(true)));
            // One rule per route, in route order; a route that needs no
            // token has a rule without `requires`.
            let rules = routes.iter().map(|route| {
                let mut rule: Vec<(&str, Value)> =
                    vec![("match", map([("prefix", s(&route.prefix))]))];
                if route.authenticated {
                    rule.push(("requires", map([("provider_name", s(provider))])));
                }
                map(rule)
            });
            http_filters.push(map([
                ("name", s("envoy.filters.http.jwt_authn")),
                (
                    "typed_config",
                    map([
                        ("@type", s(JWT_AUTHN)),
                        ("providers", map([(provider, map(fields))])),
                        ("rules", list(rules)),
                    ]),
                ),
            ]));
            add(keys);
        }
    }
    http_filters.push(map([
        ("name", s("envoy.filters.http.router")),
        ("typed_config", map([("@type", s(ROUTER))])),
    ]));

    let manager = map([
        ("@type", s(HCM)),
        ("stat_prefix", s(&service.k8s_name)),
        (
            "route_config",
            map([
                ("name", s(&service.k8s_name)),
                (
                    "virtual_hosts",
                    list([map([
                        ("name", s(&service.k8s_name)),
                        ("domains", list([s("*")])),
                        ("routes", list(route_entries)),
                    ])]),
                ),
            ]),
        ),
        ("http_filters", list(http_filters)),
    ]);
    let listener = map([
        ("name", s(&service.k8s_name)),
        ("address", socket("0.0.0.0", *listen_port)),
        (
            "filter_chains",
            list([map([(
                "filters",
                list([map([
                    ("name", s("envoy.filters.network.http_connection_manager")),
                    ("typed_config", manager),
                ])]),
            )])]),
        ),
    ]);
    let clusters = upstreams.iter().map(|u| {
        map([
            ("name", s(u.cluster.clone())),
            ("type", s("STRICT_DNS")),
            ("connect_timeout", s(CONNECT_TIMEOUT)),
            (
                "load_assignment",
                map([
                    ("cluster_name", s(u.cluster.clone())),
                    (
                        "endpoints",
                        list([map([(
                            "lb_endpoints",
                            list([map([(
                                "endpoint",
                                map([("address", socket(&u.host, u.port))]),
                            )])]),
                        )])]),
                    ),
                ]),
            ),
        ])
    });
    let mut bootstrap: Vec<(&str, Value)> = Vec::new();
    if let Some(port) = admin_port {
        bootstrap.push(("admin", map([("address", socket("0.0.0.0", port))])));
    }
    bootstrap.push((
        "static_resources",
        map([
            ("listeners", list([listener])),
            ("clusters", list(clusters)),
        ]),
    ));
    Some(format!(
        "# Envoy bootstrap generated by hplc from {} (`routes`, `jwt`).\n{}",
        context.origin(service.span),
        yaml::to_string(&map(bootstrap))
    ))
}
