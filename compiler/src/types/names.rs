//! How hpl names become Kubernetes names, which values already need (a
//! service interpolated into a string is the DNS name of its Service) and
//! every later stage writes.

/// `health_api` -> `health-api`: the DNS-1123 form used in generated files.
pub fn k8s_name(name: &str) -> String {
    name.replace('_', "-").to_ascii_lowercase()
}

/// `cart.shop.svc.cluster.local`: the DNS name of the Service of the
/// service `name` in the namespace `namespace` (the cluster's default
/// domain, which the generated files use throughout).
pub fn service_host(name: &str, namespace: &str) -> String {
    cluster_host(&k8s_name(name), &k8s_name(namespace))
}

/// The DNS name of the Kubernetes Service `service` (already a Kubernetes
/// name) in `namespace`.
pub fn cluster_host(service: &str, namespace: &str) -> String {
    format!("{service}.{namespace}.svc.cluster.local")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_dns_labels() {
        assert_eq!(k8s_name("health_api"), "health-api");
        assert_eq!(
            service_host("cart_service", "shop"),
            "cart-service.shop.svc.cluster.local"
        );
    }
}
