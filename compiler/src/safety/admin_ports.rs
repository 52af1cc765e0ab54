//! Admin endpoints stay private: a port a component declares in
//! `admin_ports` (one that can stop, reconfigure or dump it) may be
//! reached only by a `needs` that names it, and never published: not
//! exposed through the gateway, not routed to by one, not carried by a
//! load balancer, not a listener of the public gateway itself.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::{Platform, Service};
use crate::source::Span;

pub fn check(platform: &Platform, diagnostics: &mut Diagnostics) {
    for (_, service) in platform.deployed() {
        if service.admin_ports.is_empty() {
            continue;
        }
        let admin = |port: &str| service.admin_ports.iter().any(|p| p == port);
        for endpoint in &service.expose {
            let port = if endpoint.port.is_empty() {
                service.ports.keys().next().map_or("", String::as_str)
            } else {
                endpoint.port.as_str()
            };
            if admin(port) {
                push(
                    diagnostics,
                    service,
                    port,
                    endpoint.port_span,
                    "exposed through the gateway",
                );
            }
        }
        if service.load_balancer.is_some() {
            for (port, _, _) in service.load_balancer_ports() {
                if admin(port) {
                    let span = service
                        .load_balancer
                        .as_ref()
                        .map_or(service.span, |b| b.span);
                    push(
                        diagnostics,
                        service,
                        port,
                        span,
                        "carried by its load balancer",
                    );
                }
            }
        }
        if service.roles.ingress {
            for port in service.ports.keys().filter(|p| admin(p)) {
                let span = service
                    .port_spans
                    .get(port)
                    .copied()
                    .unwrap_or(service.span);
                push(
                    diagnostics,
                    service,
                    port,
                    span,
                    "a listener of the public gateway",
                );
            }
        }
    }
    // Routes of a gateway to another service's admin port.
    for (_, gateway) in platform.deployed() {
        let Some(routes) = gateway.roles.gateway.as_ref().map(|g| &g.routes) else {
            continue;
        };
        for route in routes {
            let target = &platform.services[route.service];
            if target.admin_ports.contains(&route.port) {
                push(
                    diagnostics,
                    target,
                    &route.port,
                    route.port_span,
                    "routed to by the gateway",
                );
            }
        }
    }
}

fn push(diagnostics: &mut Diagnostics, service: &Service, port: &str, span: Span, how: &str) {
    diagnostics.push(
        Diagnostic::new(
            Code::AdminPortPublished,
            span,
            format!("`{}` publishes its admin port `{port}`", service.name),
        )
        .label(format!("admin port, {how}"))
        .help(format!(
            "an admin endpoint can stop, reconfigure or dump `{}`: keep it private, and reach it from the workloads that need it (`needs = [{}.port.{port}]`) or through `kubectl port-forward`",
            service.name, service.name
        )),
    );
}
