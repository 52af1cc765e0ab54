//! One port per edge: a `needs` opens the target's main port, or the port
//! it names (`broker.port.management`); a management port opens only to a
//! `needs` that names it, even where it is the target's first port.

use std::path::Path;

use hplc::graph::EdgeKind;
use hplc::resolve::fs::MemoryFs;

const PLATFORM: &str = r#"
use oci

platform p {
  domain = "example.com"
  cloud = oci.eu_amsterdam_1
  trusted_cidrs = []
}

namespace apps { pod_security = restricted }

node small {
  shape = oci.a1_flex { cpu = 2, memory = 12Gi }
  role = "app"
}

// Its management API is declared first.
kind broker: service {
  port management = 15672
  port amqp = 5672
  port metrics = 15692
  metrics = "/metrics"
  metrics_port = "metrics"
  management_ports = ["management"]
}

broker queue {
  namespace = apps
  image = "ghcr.io/example/broker:1.0.0"
  multi_arch = true
  cpu = 100m
  memory = 128Mi
}

service worker {
  namespace = apps
  image = "ghcr.io/example/worker:1.0.0"
  multi_arch = true
  cpu = 100m
  memory = 128Mi
  port http = 8080
  needs = [queue]
}

service console {
  namespace = apps
  image = "ghcr.io/example/console:1.0.0"
  multi_arch = true
  cpu = 100m
  memory = 128Mi
  port http = 8080
  needs = [queue.port.management, queue.port.amqp]
}
"#;

fn edge_ports(from: &str) -> Vec<Vec<(String, u16)>> {
    let fs = MemoryFs::default().with("/p/main.hpl", PLATFORM);
    let compilation = hplc::compile(Path::new("/p/main.hpl"), None, &fs);
    assert!(!compilation.has_errors(), "{:#?}", compilation.diagnostics);
    let model = compilation.model.expect("a model");
    let graph = compilation.graph.expect("a graph");
    let id = model
        .services
        .iter()
        .position(|s| s.name == from)
        .expect("the service");
    graph
        .edges_from(id)
        .filter(|e| e.kind == EdgeKind::Needs)
        .map(|e| e.ports.clone())
        .collect()
}

#[test]
fn a_plain_need_opens_the_main_port_and_never_a_management_one() {
    assert_eq!(edge_ports("worker"), [vec![("amqp".to_string(), 5672)]]);
}

#[test]
fn a_need_that_names_a_port_opens_that_port_alone() {
    assert_eq!(
        edge_ports("console"),
        [
            vec![("management".to_string(), 15672)],
            vec![("amqp".to_string(), 5672)],
        ]
    );
}
