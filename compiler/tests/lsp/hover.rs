//! Hover: types, values in the active environment, node capacity, kinds.

use serde_json::json;

use crate::fixture;

#[test]
fn a_field_shows_its_type_and_its_value_in_the_active_environment() {
    let mut session = fixture::open_platform();
    let text = session.hover("replicas = 2 ..= 3", 0, 1);
    assert!(text.contains("replicas: range[int]"), "{text}");
    assert!(
        text.contains("Value of `health_api_server` in environment `default`: `2 ..= 3`"),
        "{text}"
    );

    let path = fixture::repo().join("platform.hpl");
    let mut production = fixture::open(&path, json!({ "env": "production" }));
    let text = production.hover("replicas = 2 ..= 3", 0, 1);
    assert!(
        text.contains("in environment `production`: `2 ..= 10` (set by the environment)"),
        "{text}"
    );
}

#[test]
fn a_node_shows_its_allocatable_and_how_full_it_is() {
    let mut session = fixture::open_platform();
    let text = session.hover("node system {", 0, "node ".len());
    assert!(text.contains("node system"), "{text}");
    // 000 §1.2: a 2-OCPU A1 node keeps 1830m and 11064Mi for pods.
    let cpu = text
        .lines()
        .find(|l| l.starts_with("| CPU |"))
        .unwrap_or_else(|| panic!("a CPU row: {text}"));
    assert!(cpu.contains("| 1830m |") && cpu.ends_with("% |"), "{cpu}");
    assert!(
        text.contains("| memory |") && text.contains("| 11064Mi |"),
        "{text}"
    );
    assert!(
        text.contains("Replicas here:") && text.contains("prometheus_server"),
        "{text}"
    );
}

#[test]
fn a_kind_shows_its_fields_and_a_reference_what_it_names() {
    let mut session = fixture::open_platform();
    let text = session.hover("postgres postgres_health", 0, 1);
    assert!(text.contains("kind postgres: service {"), "{text}");
    assert!(text.contains("  namespace: ref[namespace]\n"), "{text}");
    assert!(text.contains("  cpu: range[cpu]\n"), "{text}");

    let text = session.hover("namespace = health_data", 0, "namespace = ".len());
    assert!(text.contains("namespace health_data"), "{text}");
    assert!(text.contains("`pod_security`: `restricted`"), "{text}");

    let text = session.hover("oci.a1_flex", 0, "oci.".len());
    assert!(text.contains("kind a1_flex: shape"), "{text}");

    let text = session.hover("boot_volume = 80Gi", 0, 1);
    assert!(
        text.contains("boot_volume: memory") && text.contains(": `80Gi`"),
        "{text}"
    );
}

#[test]
fn a_placed_service_shows_where_its_replicas_run() {
    let mut session = fixture::open_platform();
    let text = session.hover("postgres postgres_health", 0, "postgres ".len());
    assert!(text.contains("postgres postgres_health"), "{text}");
    assert!(text.contains("1 replica(s) on app_primary"), "{text}");
}
