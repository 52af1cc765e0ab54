//! A workload's ports: each number once (a container cannot listen twice on
//! one port, and a Service rejects two ports with one number), each name a
//! valid port name, and every port a probe, a route or a public endpoint
//! names declared.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::{k8s_name, Platform, Service};
use crate::source::Span;

pub fn check(platform: &Platform, diagnostics: &mut Diagnostics) {
    for (_, service) in platform.deployed() {
        numbers(service, diagnostics);
        names(platform, service, diagnostics);
        let probes = [
            (&service.pod.live, "the liveness probe"),
            (&service.pod.ready, "the readiness probe"),
        ];
        for (probe, user) in probes {
            if let Some(p) = probe.as_ref().filter(|p| p.exec.is_empty()) {
                named(service, &p.port, p.port_span, user, diagnostics);
            }
        }
        for (name, span) in &service.service_port_spans {
            named(service, name, *span, "`service_port`", diagnostics);
        }
        if let Some(balancer) = &service.load_balancer {
            for name in &balancer.ports {
                named(
                    service,
                    name,
                    balancer.span,
                    "the load balancer",
                    diagnostics,
                );
            }
        }
        for endpoint in &service.expose {
            let user = "the public endpoint";
            named(
                service,
                &endpoint.port,
                endpoint.port_span,
                user,
                diagnostics,
            );
        }
        for route in service.roles.gateway.iter().flat_map(|g| &g.routes) {
            let target = &platform.services[route.service];
            named(
                target,
                &route.port,
                route.port_span,
                "the route",
                diagnostics,
            );
        }
    }
}

/// Each number once among the service's ports and its exporter's, in the
/// container and on its Service (where `service_port` renumbers them).
fn numbers(service: &Service, diagnostics: &mut Diagnostics) {
    let exporter = service.pod.exporter.as_ref().map(|e| ("exporter", e.port));
    let container = service
        .ports
        .iter()
        .map(|(name, number)| (name.as_str(), *number))
        .chain(exporter);
    let container: Vec<(&str, u16)> = container.collect();
    once_each(service, &container, &service.port_spans, "", diagnostics);
    if !service.service_ports.is_empty() {
        let published: Vec<(&str, u16)> = service
            .ports
            .keys()
            .filter_map(|name| Some((name.as_str(), service.service_port(name)?)))
            .chain(exporter)
            .collect();
        let spans = &service.service_port_spans;
        once_each(service, &published, spans, " on its Service", diagnostics);
    }
}

fn once_each(
    service: &Service,
    ports: &[(&str, u16)],
    spans: &indexmap::IndexMap<String, Span>,
    place: &str,
    diagnostics: &mut Diagnostics,
) {
    let mut seen: Vec<(u16, &str)> = Vec::new();
    let span_of = |name: &str| {
        spans
            .get(name)
            .or_else(|| service.port_spans.get(name))
            .copied()
            .unwrap_or(service.span)
    };
    for &(name, number) in ports {
        match seen.iter().find(|(n, _)| *n == number) {
            Some(&(_, first)) => diagnostics.push(
                Diagnostic::new(
                    Code::DuplicatePort,
                    span_of(name),
                    format!(
                        "`{}` declares port {number} twice{place}: `{first}` and `{name}`",
                        service.name
                    ),
                )
                .label(format!("{number} again"))
                .with_label(span_of(first), format!("`{first}` is {number}"))
                .help("a container listens once on a port and a Service has one port of a number: give each port its own number"),
            ),
            None => seen.push((number, name)),
        }
    }
}

/// Port names as Kubernetes takes them (IANA_SVC_NAME): at most
/// `port_name_length` characters, with a letter.
fn names(platform: &Platform, service: &Service, diagnostics: &mut Diagnostics) {
    let limit = platform.kubernetes_api.port_name_length;
    for name in service.ports.keys() {
        let written = k8s_name(name);
        let why = if written.len() > limit {
            format!("{} characters, at most {limit}", written.len())
        } else if !written.chars().any(|c| c.is_ascii_lowercase()) {
            "it has no letter".to_string()
        } else if written.starts_with('-') || written.ends_with('-') || written.contains("--") {
            "`-` (a `_` in hpl) at either end or twice in a row".to_string()
        } else {
            continue;
        };
        let span = service
            .port_spans
            .get(name)
            .copied()
            .unwrap_or(service.span);
        diagnostics.push(
            Diagnostic::new(
                Code::KubernetesName,
                span,
                format!("`{written}` cannot name a port of `{}`: {why}", service.name),
            )
            .label(why)
            .help(format!(
                "rename the port: at most {limit} lower-case letters, digits and single `-` (`_` in hpl), with a letter (`http`, `grpc`, `metrics`)"
            )),
        );
    }
}

/// A port named by `user` exists on `service` (an empty name is its first
/// port, which must exist too).
fn named(service: &Service, port: &str, span: Span, user: &str, diagnostics: &mut Diagnostics) {
    if port.is_empty() {
        if service.ports.is_empty() {
            diagnostics.push(
                Diagnostic::new(
                    Code::NoSuchPort,
                    span,
                    format!(
                        "{user} goes to the first port of `{}`, which declares none",
                        service.name
                    ),
                )
                .label("no port to send to")
                .help(format!(
                    "declare one on `{}`: `port http = 8080`",
                    service.name
                )),
            );
        }
        return;
    }
    if service.ports.contains_key(port) {
        return;
    }
    let known: Vec<String> = service.ports.keys().map(|k| format!("`{k}`")).collect();
    let help = if known.is_empty() {
        format!(
            "`{}` declares no ports: declare it (`port {port} = ...`)",
            service.name
        )
    } else {
        format!(
            "name one of the ports of `{}`: {}",
            service.name,
            known.join(", ")
        )
    };
    diagnostics.push(
        Diagnostic::new(
            Code::NoSuchPort,
            span,
            format!(
                "{user} names the port `{port}`, which `{}` does not declare",
                service.name
            ),
        )
        .label("no such port")
        .help(help),
    );
}
