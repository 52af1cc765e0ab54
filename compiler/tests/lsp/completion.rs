//! Completion: keywords, the fields of the kind being written, and names
//! of the type the field wants.

use serde_json::json;

use crate::client;
use crate::fixture;

/// The completion labels on a copy of platform.hpl where `old` is
/// replaced by `new`, at the `|` in `new`.
fn complete_after(test: &str, old: &str, new: &str) -> Vec<String> {
    let mut session = fixture::open_copy(test, &fixture::platform_text());
    let (before, after) = new.split_once('|').expect("a cursor in the new text");
    session.replace(2, old, 0, &format!("{before}{after}"));
    let offset = session
        .text
        .find(&format!("{before}{after}"))
        .expect("the new text")
        + before.len();
    let (line, character) = client::line_column(&session.text, offset);
    session.completion_labels(
        json!({ "textDocument": { "uri": session.uri }, "position": { "line": line, "character": character } }),
    )
}

fn has(labels: &[String], wanted: &[&str]) -> bool {
    wanted.iter().all(|w| labels.iter().any(|l| l == w))
}

#[test]
fn at_the_start_of_a_line_keywords_and_kinds() {
    let labels = complete_after("keywords", "\n// Node 1:", "\nno|\n// Node 1:");
    assert!(
        has(
            &labels,
            &[
                "use",
                "kind",
                "enum",
                "let",
                "env",
                "node",
                "namespace",
                "service",
                "postgres"
            ]
        ),
        "{labels:?}"
    );
    assert!(!labels.contains(&"health_data".to_string()), "{labels:?}");
}

#[test]
fn in_a_body_the_fields_of_its_kind() {
    let labels = complete_after(
        "fields",
        "  role = \"system\"\n",
        "  role = \"system\"\n  bo|",
    );
    assert!(
        has(&labels, &["shape", "role", "boot_volume", "labels"]),
        "{labels:?}"
    );
    assert!(
        !labels.contains(&"namespace".to_string()),
        "a node has no namespace: {labels:?}"
    );

    // A record in a field of kind type: `volume data = { ... }` is a volume.
    let labels = complete_after(
        "record",
        "volume data = { size = 30Gi,",
        "volume data = { size = 30Gi, cl|",
    );
    assert!(has(&labels, &["size", "class", "mount"]), "{labels:?}");
}

#[test]
fn after_the_equals_names_of_the_right_type() {
    let labels = complete_after(
        "refs",
        "  namespace = health_data\n  cpu = 100m ..= 500m\n  memory = 1Gi",
        "  namespace = hea|\n  cpu = 100m ..= 500m\n  memory = 1Gi",
    );
    assert!(
        has(&labels, &["health_data", "health_api", "kube_system"]),
        "{labels:?}"
    );
    assert!(
        !labels
            .iter()
            .any(|l| l == "system" || l == "postgres_health" || l == "health_dump"),
        "only namespaces: {labels:?}"
    );

    let labels = complete_after(
        "enum",
        "namespace health_auth { pod_security = restricted }",
        "namespace health_auth { pod_security = |",
    );
    assert_eq!(labels, ["privileged", "baseline", "restricted", "none"]);

    let labels = complete_after("let", "  backup = health_dump\n", "  backup = h|\n");
    assert!(
        has(&labels, &["health_dump"]) && !labels.contains(&"pg_health_password".to_string()),
        "{labels:?}"
    );

    let labels = complete_after(
        "list",
        "needs = [webauthn, jaeger_all_in_one.port.otlp_grpc]",
        "needs = [webauthn, |",
    );
    assert!(
        has(
            &labels,
            &["webauthn", "postgres_health", "jaeger_all_in_one"]
        ),
        "{labels:?}"
    );
    assert!(
        !labels.contains(&"health_data".to_string()),
        "needs lists services: {labels:?}"
    );
}

#[test]
fn after_a_module_its_members_of_the_right_type() {
    let labels = complete_after("module", "  cloud = oci.eu_amsterdam_1", "  cloud = oci.|");
    assert!(has(&labels, &["eu_amsterdam_1"]), "{labels:?}");
    assert!(
        !labels
            .iter()
            .any(|l| l == "a1_flex" || l == "always_free_2025"),
        "only clouds: {labels:?}"
    );
}

#[test]
fn in_an_environment_instances_then_their_fields() {
    let old = "env free_tier {\n";
    let labels = complete_after("env", old, "env free_tier {\n  post|\n");
    assert!(
        has(&labels, &["postgres_health", "health", "node"]),
        "{labels:?}"
    );
    let labels = complete_after(
        "env-fields",
        old,
        "env free_tier {\n  postgres_health.rep|\n",
    );
    assert!(
        has(&labels, &["replicas", "cpu", "namespace"]),
        "{labels:?}"
    );
    assert!(!labels.contains(&"shape".to_string()), "{labels:?}");
}
