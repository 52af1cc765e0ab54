//! Kubernetes Services: one per service with ports (its exporter's port
//! included), a headless one beside each StatefulSet for stable pod names,
//! and a LoadBalancer for a service with a `load_balancer` of its own (on
//! OCI, the Always Free flexible load balancer). The public gateway's load
//! balancer is its controller's (k8s/gateway.rs).

use std::borrow::Cow;

use crate::emit::kube::labels;
use crate::emit::kube::object::{annotate, metadata, object};
use crate::emit::yaml::{b, list, map, n, s, Value};
use crate::emit::Context;
use crate::model::{Service, ServiceId};

/// A port of the pod: its name and the number its Service gives it
/// (`service_port`, else the container's), which forwards to the name.
struct Port {
    name: String,
    number: u16,
}

fn ports(service: &Service) -> Vec<Port> {
    let mut ports: Vec<Port> = service
        .ports
        .keys()
        .filter_map(|name| {
            Some(Port {
                name: labels::port(name),
                number: service.service_port(name)?,
            })
        })
        .collect();
    if let Some(exporter) = &service.pod.exporter {
        ports.push(Port {
            name: labels::EXPORTER_PORT.into(),
            number: exporter.port,
        });
    }
    ports
}

fn port_list<'a>(ports: &[Port]) -> Value<'a> {
    list(ports.iter().map(|p| {
        map([
            ("name", s(p.name.clone())),
            ("port", n(i64::from(p.number))),
            ("targetPort", s(p.name.clone())),
            ("protocol", s("TCP")),
        ])
    }))
}

pub fn services<'a>(context: &Context<'a>, id: ServiceId) -> Vec<Value<'a>> {
    let platform = context.platform;
    let service = &platform.services[id];
    let all = ports(service);
    if all.is_empty() {
        return Vec::new();
    }
    let namespace = &platform.namespace_of(service).k8s_name;
    let labels = labels::of(platform, service);
    let make = |name: Cow<'a, str>,
                extra_labels: &[(&'static str, &'static str)],
                spec: Vec<(&'static str, Value<'a>)>,
                annotations: Vec<(&'static str, String)>| {
        let mut all_labels = labels.clone();
        all_labels.extend(extra_labels.iter().map(|(k, v)| (*k, Cow::Borrowed(*v))));
        let mut meta = metadata(context, name, Some(namespace), &all_labels, service.span);
        for (key, value) in annotations {
            annotate(&mut meta, key, value);
        }
        object("v1", "Service", meta, [("spec", map(spec))])
    };
    let mut objects = Vec::new();
    objects.push(make(
        Cow::Borrowed(&service.k8s_name),
        &[],
        vec![
            ("type", s("ClusterIP")),
            ("selector", labels::selector(service)),
            ("ports", port_list(&all)),
        ],
        Vec::new(),
    ));
    if let Some(balancer) = &service.load_balancer {
        let carried: Vec<Port> = service
            .load_balancer_ports()
            .into_iter()
            .map(|(name, number, _)| Port {
                name: labels::port(name),
                number,
            })
            .collect();
        let mut spec = vec![
            ("type", s("LoadBalancer")),
            ("externalTrafficPolicy", s("Local")),
            ("selector", labels::selector(service)),
            ("ports", port_list(&carried)),
        ];
        if !balancer.source_ranges.is_empty() {
            spec.push((
                "loadBalancerSourceRanges",
                list(balancer.source_ranges.iter().map(s)),
            ));
        }
        objects.push(make(
            Cow::Owned(service.public_service_name()),
            &[],
            spec,
            super::gateway::load_balancer_annotations(context.platform),
        ));
    }
    if service.is_stateful() && !service.placement.daemon {
        objects.push(make(
            Cow::Owned(labels::headless(service)),
            &[(labels::HEADLESS, "true")],
            vec![
                ("clusterIP", s("None")),
                // Peers find each other before they are ready (replication).
                ("publishNotReadyAddresses", b(true)),
                ("selector", labels::selector(service)),
                ("ports", port_list(&all)),
            ],
            Vec::new(),
        ));
    }
    objects
}
