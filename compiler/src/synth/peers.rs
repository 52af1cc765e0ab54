//! The shape peers are benchmarked on (`scripts/synth-platform N --shape
//! peers`): N plain services with a random image, port, requests and
//! replicas, up to three `needs` to earlier services, a volume on 20% of
//! them (most below their storage class minimum, so a check warns about
//! each), and 30% pinned to one of N/20 nodes. As many nodes again take the
//! services that are not pinned (a node runs at most 31 pods). The random numbers come from
//! a fixed seed: the same N gives the same platform, byte for byte.
//!
//! [`services`] is the list both sides of the comparison read: [`platform`]
//! writes it as hpl, [`helm_values`] as the values of the Helm chart in
//! `scripts/helm-peers/`, so that Helm renders the same services.

use std::fmt::Write as _;

const SERVICES_PER_NAMESPACE: usize = 20;
/// One node per this many services for the pins, and as many more for the
/// rest; a pinned service picks one of the first at random.
const SERVICES_PER_NODE: usize = 20;
/// The block storage class minimum (`oci.block`); volumes are drawn from
/// 1Gi up to a bit past it, so about two in three are rounded up.
const VOLUME_MAX_GI: u64 = 75;

/// One service, as both the hpl and the Helm values describe it.
#[derive(Clone, Debug, PartialEq)]
pub struct Service {
    pub name: String,
    pub namespace: String,
    pub image: String,
    pub port: u16,
    pub cpu_millis: u64,
    pub memory_mi: u64,
    pub replicas: u64,
    /// Indices of earlier services.
    pub needs: Vec<usize>,
    pub volume_gi: Option<u64>,
    /// Index of the node the service is pinned to.
    pub node: Option<usize>,
}

/// SplitMix64: small, and the same numbers on every platform.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `low..=high`.
    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }

    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// The nodes services may be pinned to.
pub fn pin_nodes(services: usize) -> usize {
    (services / SERVICES_PER_NODE).max(1)
}

pub fn services(n: usize) -> Vec<Service> {
    let mut random = Random(0x6870_6c63);
    let nodes = pin_nodes(n);
    (0..n)
        .map(|i| {
            let mut needs: Vec<usize> = Vec::new();
            if i > 0 {
                for _ in 0..random.between(0, 3) {
                    let target = random.between(0, i as u64 - 1) as usize;
                    if !needs.contains(&target) {
                        needs.push(target);
                    }
                }
            }
            Service {
                name: format!("s{i}"),
                namespace: format!("team_{}", i / SERVICES_PER_NAMESPACE),
                image: format!(
                    "ghcr.io/peers/app{}:1.{}.{}",
                    random.between(0, 49),
                    random.between(0, 20),
                    random.between(0, 9)
                ),
                port: random.between(1024, 9999) as u16,
                cpu_millis: random.between(1, 12) * 10,
                memory_mi: random.between(1, 8) * 32,
                replicas: random.between(1, 3),
                needs,
                volume_gi: random.chance(20).then(|| random.between(1, VOLUME_MAX_GI)),
                node: random
                    .chance(30)
                    .then(|| random.between(0, nodes as u64 - 1) as usize),
            }
        })
        .collect()
}

/// The platform as hpl.
pub fn platform(n: usize) -> String {
    let services = services(n);
    let mut out = String::with_capacity(n * 260 + 4096);
    let _ = writeln!(
        out,
        "// {n} services in the shape peers are benchmarked on, from\n// `scripts/synth-platform {n} --shape peers`.\n"
    );
    out.push_str("use oci\n\nplatform peers {\n  domain = \"peers.example.com\"\n  cloud = oci.eu_amsterdam_1\n  trusted_cidrs = []\n}\n\n");
    for node in 0..2 * pin_nodes(n) {
        let _ = writeln!(
            out,
            "node n{node} {{\n  shape = oci.a1_flex {{ cpu = 4, memory = 24Gi }}\n  role = \"app\"\n}}\n"
        );
    }
    for ns in 0..n.div_ceil(SERVICES_PER_NAMESPACE) {
        let _ = writeln!(out, "namespace team_{ns} {{ pod_security = restricted }}\n");
    }
    for s in &services {
        let _ = writeln!(out, "service {} {{", s.name);
        let _ = writeln!(out, "  namespace = {}", s.namespace);
        let _ = writeln!(out, "  image = \"{}\"", s.image);
        out.push_str("  multi_arch = true\n");
        let _ = writeln!(out, "  port http = {}", s.port);
        let _ = writeln!(
            out,
            "  cpu = {}m ..= {}m\n  memory = {}Mi ..= {}Mi",
            s.cpu_millis,
            s.cpu_millis * 2,
            s.memory_mi,
            s.memory_mi * 2
        );
        if s.replicas > 1 {
            let _ = writeln!(out, "  replicas = {}", s.replicas);
        }
        if !s.needs.is_empty() {
            let names: Vec<String> = s.needs.iter().map(|i| format!("s{i}")).collect();
            let _ = writeln!(out, "  needs = [{}]", names.join(", "));
        }
        if let Some(gi) = s.volume_gi {
            let _ = writeln!(
                out,
                "  volume data = {{ size = {gi}Gi, class = oci.block }}"
            );
        }
        match s.node {
            Some(node) => {
                let _ = writeln!(out, "  place = n{node}");
            }
            None => out.push_str("  node_role = \"app\"\n"),
        }
        out.push_str("}\n\n");
    }
    out
}

/// The same services as the values of `scripts/helm-peers/chart`: YAML
/// written by hand (it is flat), names in Kubernetes' spelling.
pub fn helm_values(n: usize) -> String {
    let services = services(n);
    let dns = |name: &str| name.replace('_', "-");
    let mut out = String::with_capacity(n * 300);
    out.push_str("services:\n");
    for s in &services {
        let _ = writeln!(out, "  - name: {}", dns(&s.name));
        let _ = writeln!(out, "    namespace: {}", dns(&s.namespace));
        let _ = writeln!(out, "    image: \"{}\"", s.image);
        let _ = writeln!(out, "    port: {}", s.port);
        let _ = writeln!(
            out,
            "    cpu: {{ request: {}m, limit: {}m }}",
            s.cpu_millis,
            s.cpu_millis * 2
        );
        let _ = writeln!(
            out,
            "    memory: {{ request: {}Mi, limit: {}Mi }}",
            s.memory_mi,
            s.memory_mi * 2
        );
        let _ = writeln!(out, "    replicas: {}", s.replicas);
        // Who may connect: the services that need this one.
        let _ = writeln!(out, "    needs:");
        for i in &s.needs {
            let need = &services[*i];
            let _ = writeln!(
                out,
                "      - {{ name: {}, namespace: {}, port: {} }}",
                dns(&need.name),
                dns(&need.namespace),
                need.port
            );
        }
        if let Some(gi) = s.volume_gi {
            let _ = writeln!(out, "    volume: {gi}Gi");
        }
        if let Some(node) = s.node {
            let _ = writeln!(out, "    node: n{node}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shape_has_the_mix_it_promises() {
        let all = services(2_000);
        let share =
            |f: &dyn Fn(&Service) -> bool| all.iter().filter(|s| f(s)).count() * 100 / all.len();
        assert!((17..=23).contains(&share(&|s| s.volume_gi.is_some())));
        assert!((27..=33).contains(&share(&|s| s.node.is_some())));
        assert!(all.iter().all(|s| s.needs.len() <= 3));
        assert!(all
            .iter()
            .enumerate()
            .all(|(i, s)| s.needs.iter().all(|n| *n < i)));
        assert!(all
            .iter()
            .all(|s| s.node.is_none_or(|n| n < pin_nodes(2_000))));
        assert_eq!(platform(300), platform(300));
        assert_eq!(helm_values(300), helm_values(300));
    }
}
