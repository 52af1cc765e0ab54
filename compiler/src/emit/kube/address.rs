//! Where a service answers inside the cluster: the DNS name of the
//! Kubernetes Service that carries one of its ports, and that port. A
//! service hplc writes is reached through its own Service; one a chart
//! installs, through the Service the chart renders with that port number
//! (the chart's record lists them).

use crate::model::{for_release, Platform, Service};
use crate::types::names::cluster_host;

/// `postgres-health.health-data.svc.cluster.local`, and the port number,
/// of the port named `port` of `service` (its first port when `port` is
/// empty); `None` when it has no such port or no Service carries it.
pub fn address(platform: &Platform, service: &Service, port: &str) -> Option<(String, u16)> {
    let (name, &number) = if port.is_empty() {
        service.ports.first()?
    } else {
        service.ports.get_key_value(port)?
    };
    let namespace = &platform.namespace_of(service).k8s_name;
    let host = match service.chart() {
        None => service.k8s_name.clone(),
        Some(chart) => {
            // The rendered Services that forward a port to this one.
            let carrying: Vec<(&str, u16)> = chart
                .render
                .services
                .iter()
                .filter_map(|s| {
                    let (port, _) = s.targets.iter().find(|(_, t)| **t == number)?;
                    Some((s.name.as_str(), *s.ports.get(port)?))
                })
                .collect();
            // The Service named after the release first, then any but a
            // headless one, whose addresses are the pods' own.
            let (name, port) = carrying
                .iter()
                .find(|(name, _)| *name == "{release}")
                .or_else(|| {
                    carrying
                        .iter()
                        .find(|(name, _)| !name.ends_with("headless"))
                })
                .or_else(|| carrying.first())?;
            let host = for_release(name, &service.k8s_name);
            return Some((cluster_host(&host, namespace), *port));
        }
    };
    // A Service hplc writes gives the port its `service_port`.
    let number = service.service_port(name)?;
    Some((cluster_host(&host, namespace), number))
}

/// `http://host:port`.
pub fn url(platform: &Platform, service: &Service, port: &str) -> Option<String> {
    address(platform, service, port).map(|(host, number)| format!("http://{host}:{number}"))
}
