//! A deterministic generator of synthetic platforms, for benchmarks and
//! scale tests (`scripts/synth-platform N`): N services in namespaces of
//! twenty, a realistic mix of stateless services (70%), PostgreSQL (20%,
//! with a volume and a nightly dump) and Redis (10%), `needs` edges to
//! earlier services only (so no cycles), a public endpoint on every tenth,
//! autoscaling on every fourth, and enough 4-OCPU nodes for everything to
//! fit. The same N gives the same text, byte for byte.
//!
//! [`peers`] is a second shape, the one other tools are benchmarked on:
//! random services, pins and undersized volumes (its own module).

use std::fmt::Write as _;

pub mod peers;

/// Services a node of 4 OCPU / 24Gi takes in this mix, with room to spare.
const SERVICES_PER_NODE: usize = 22;
const SERVICES_PER_NAMESPACE: usize = 20;

pub fn platform(services: usize) -> String {
    let mut out = String::with_capacity(services * 420 + 4096);
    let _ = writeln!(
        out,
        "// A synthetic platform of {services} services, from `scripts/synth-platform {services}`."
    );
    out.push_str(
        "use oci\nuse components.{postgres, redis, prometheus, envoy_gateway, envoy_proxy}\n\n",
    );
    out.push_str("platform synthetic {\n  domain = \"synthetic.example.com\"\n  cloud = oci.eu_amsterdam_1\n  trusted_cidrs = []\n}\n\n");
    out.push_str("bucket dumps { size = 50G }\n\n");
    out.push_str("node system {\n  shape = oci.a1_flex { cpu = 4, memory = 24Gi }\n  role = \"system\"\n}\n\n");
    let nodes = services / SERVICES_PER_NODE + 2;
    for n in 0..nodes {
        let _ = writeln!(out, "node app_{n} {{\n  shape = oci.a1_flex {{ cpu = 4, memory = 24Gi }}\n  role = \"app\"\n}}\n");
    }
    out.push_str("namespace platform_system { pod_security = restricted }\n\n");
    out.push_str(
        "prometheus metrics {\n  namespace = platform_system\n  cpu = 500m ..= 1\n  memory = 2Gi ..= 4Gi\n  place = system\n}\n\n",
    );
    out.push_str("envoy_gateway gateway_controller {\n  namespace = platform_system\n  cpu = 25m ..= 500m\n  memory = 128Mi ..= 512Mi\n  place = system\n}\n\n");
    out.push_str("envoy_proxy gateway {\n  namespace = platform_system\n  operated_by = gateway_controller\n  cpu = 100m ..= 200m\n  memory = 128Mi ..= 256Mi\n  place = system\n}\n\n");
    let namespaces = services.div_ceil(SERVICES_PER_NAMESPACE).max(1);
    for ns in 0..namespaces {
        let _ = writeln!(out, "namespace team_{ns} {{ pod_security = restricted }}\n");
    }
    // The data services' clients share no logins and declare none
    // (`client_logins = false`): the shape measures the graph, the
    // placement and the backends, not a Secret per edge.
    for i in 0..services {
        let ns = i / SERVICES_PER_NAMESPACE;
        let needs: Vec<String> = [1usize, 7, 31]
            .iter()
            .filter(|d| i >= **d && (i + **d) % 3 != 0)
            .map(|d| format!("s{}", i - d))
            .collect();
        match i % 10 {
            0 | 5 => {
                let _ = writeln!(
                    out,
                    "postgres s{i} {{\n  namespace = team_{ns}\n  cpu = 100m ..= 300m\n  memory = 256Mi ..= 512Mi\n  volume data = {{ size = 50Gi, class = oci.block }}\n  node_role = \"app\"\n  backup = {{ schedule = \"0 3 * * *\", bucket = dumps }}\n  client_logins = false\n}}\n"
                );
            }
            3 => {
                let _ = writeln!(out, "redis s{i} {{\n  namespace = team_{ns}\n  cpu = 50m ..= 200m\n  memory = 128Mi ..= 256Mi\n  node_role = \"app\"\n  client_logins = false\n}}\n");
            }
            _ => {
                let _ = writeln!(out, "service s{i} {{");
                let _ = writeln!(out, "  namespace = team_{ns}");
                let _ = writeln!(out, "  image = \"ghcr.io/synthetic/s{i}:1.{}.0\"", i % 17);
                out.push_str("  multi_arch = true\n  port http = 8080\n  cpu = 50m ..= 200m\n  memory = 64Mi ..= 256Mi\n");
                if i % 4 == 1 {
                    out.push_str("  replicas = 2 ..= 4\n  autoscale = { cpu = 70% }\n");
                }
                if !needs.is_empty() {
                    let _ = writeln!(out, "  needs = [{}]", needs.join(", "));
                }
                if i % 10 == 1 {
                    let _ = writeln!(
                        out,
                        "  expose web = {{ host = \"s{i}.${{platform.domain}}\" }}"
                    );
                }
                out.push_str("  probes = { live = { path = \"/healthz\" }, ready = { path = \"/ready\" } }\n");
                out.push_str("  metrics = \"/metrics\"\n  node_role = \"app\"\n}\n\n");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_same_size_gives_the_same_text() {
        assert_eq!(super::platform(50), super::platform(50));
        assert!(super::platform(50).contains("service s49 {"));
    }
}
