//! The microservices example read back: what each construct it shows
//! (Service ports apart from container ports, its own load balancer,
//! addresses derived from the graph, gRPC and header probes, emptyDirs,
//! init containers, the grace period, labels) becomes in its Kubernetes
//! objects; then the shared validators on the written tree, where they are
//! installed.

mod common;

use std::path::PathBuf;

use hplc::resolve::fs::RealFs;
use serde_yaml::Value;

fn example() -> PathBuf {
    common::repo().join("examples/microservices.hpl")
}

fn objects() -> Vec<Value> {
    let compilation = hplc::compile(&example(), None, &RealFs);
    assert!(!compilation.has_errors(), "{:#?}", compilation.diagnostics);
    let output = hplc::pipeline::generate(&compilation, &example()).expect("generates");
    common::k8s_documents(&output)
        .into_iter()
        .map(|(_, o)| o)
        .collect()
}

fn find<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

fn container<'a>(workload: &'a Value, name: &str) -> &'a Value {
    workload["spec"]["template"]["spec"]["containers"]
        .as_sequence()
        .expect("containers")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no container {name}"))
}

fn env<'a>(container: &'a Value, name: &str) -> &'a str {
    container["env"]
        .as_sequence()
        .expect("env")
        .iter()
        .find(|e| e["name"] == name)
        .and_then(|e| e["value"].as_str())
        .unwrap_or_else(|| panic!("no {name}"))
}

#[test]
fn the_frontend_listens_on_8080_behind_port_80_and_its_own_load_balancer() {
    let objects = objects();
    let frontend = find(&objects, "Deployment", "frontend");
    let main = container(frontend, "frontend");
    assert_eq!(main["ports"][0]["containerPort"], 8080);
    for name in ["frontend", "frontend-public"] {
        let service = find(&objects, "Service", name);
        assert_eq!(service["spec"]["ports"][0]["port"], 80, "{name}");
        assert_eq!(service["spec"]["ports"][0]["targetPort"], "http", "{name}");
    }
    assert_eq!(
        find(&objects, "Service", "frontend")["spec"]["type"],
        "ClusterIP"
    );
    assert_eq!(
        find(&objects, "Service", "frontend-public")["spec"]["type"],
        "LoadBalancer"
    );
    // The internet reaches the container port through the load balancer.
    let policy = find(&objects, "NetworkPolicy", "frontend-ingress");
    let text = serde_yaml::to_string(policy).expect("YAML");
    assert!(text.contains("cidr: 0.0.0.0/0"), "{text}");
    assert!(text.contains("port: 8080"), "{text}");
    assert_eq!(
        frontend["spec"]["template"]["spec"]["terminationGracePeriodSeconds"],
        5
    );
    assert_eq!(
        frontend["spec"]["template"]["metadata"]["labels"]["tier"],
        "web"
    );
}

#[test]
fn clients_reach_their_dependencies_at_the_addresses_of_the_graph() {
    let objects = objects();
    let frontend = container(find(&objects, "Deployment", "frontend"), "frontend");
    assert_eq!(
        env(frontend, "CART_SERVICE_ADDR"),
        "cart.shop.svc.cluster.local:7070"
    );
    assert_eq!(env(frontend, "PORT"), "8080");
    let cart = container(find(&objects, "Deployment", "cart"), "cart");
    assert_eq!(
        env(cart, "REDIS_ADDR"),
        "cart-store.shop.svc.cluster.local:6379"
    );
    // Through the frontend's Service, at its Service port.
    let generator = container(
        find(&objects, "Deployment", "load-generator"),
        "load-generator",
    );
    assert_eq!(
        env(generator, "FRONTEND_ADDR"),
        "frontend.shop.svc.cluster.local:80"
    );
}

#[test]
fn probes_are_grpc_or_http_with_headers_and_leave_unset_timings_to_kubernetes() {
    let objects = objects();
    let cart = container(find(&objects, "Deployment", "cart"), "cart");
    assert_eq!(cart["livenessProbe"]["grpc"]["port"], 7070);
    assert_eq!(cart["readinessProbe"]["periodSeconds"], 5);
    assert!(cart["livenessProbe"].get("initialDelaySeconds").is_none());
    let frontend = container(find(&objects, "Deployment", "frontend"), "frontend");
    let header = &frontend["livenessProbe"]["httpGet"]["httpHeaders"][0];
    assert_eq!(header["name"], "Cookie");
    assert_eq!(header["value"], "shop_session-id=x-liveness-probe");
    assert!(frontend["livenessProbe"].get("periodSeconds").is_none());
}

#[test]
fn empty_dirs_and_init_containers() {
    let objects = objects();
    let store = find(&objects, "Deployment", "cart-store");
    let volumes = store["spec"]["template"]["spec"]["volumes"]
        .as_sequence()
        .expect("volumes");
    let data = volumes.iter().find(|v| v["name"] == "data").expect("data");
    assert_eq!(data["emptyDir"]["medium"], "Memory");
    assert_eq!(data["emptyDir"]["sizeLimit"], "256Mi");
    let generator = find(&objects, "Deployment", "load-generator");
    let pod = &generator["spec"]["template"]["spec"];
    let init = &pod["initContainers"][0];
    assert_eq!(init["name"], "wait-for-frontend");
    assert_eq!(init["image"], "busybox:1.37.0");
    let main = container(generator, "load-generator");
    // A disk-backed emptyDir's limit is asked as ephemeral storage.
    assert_eq!(main["resources"]["requests"]["ephemeral-storage"], "100Mi");
}

/// The written tree passes the shared validators: strict schemas, and
/// everything it refers to is in it.
#[test]
fn the_written_tree_is_valid_and_closed() {
    let validators = common::validators_dir();
    let (Some(k8s), Some(closure)) = (
        common::external(validators.join("validate-k8s"), "validate-k8s"),
        common::external(validators.join("validate-closure"), "validate-closure"),
    ) else {
        return;
    };
    let out = std::env::temp_dir().join(format!("hplc-examples-{}", std::process::id()));
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_hplc"))
        .arg("build")
        .arg(example())
        .arg("--out")
        .arg(&out)
        .status()
        .expect("hplc runs");
    assert!(status.success());
    for validator in [k8s, closure] {
        let output = std::process::Command::new(&validator)
            .arg(out.join("k8s"))
            .output()
            .expect("validator runs");
        assert!(
            output.status.success(),
            "{}: {}",
            validator.display(),
            String::from_utf8_lossy(&output.stdout)
        );
    }
    let _ = std::fs::remove_dir_all(&out);
}
