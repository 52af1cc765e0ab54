//! The two secret paths of platform.hpl, read back from the goldens:
//! SealedSecrets in the default and free_tier environments (opened by
//! tests/sealed.rs), External Secrets Operator reading OCI Vault in
//! production. Every ExternalSecret resolves to a ClusterSecretStore of the
//! platform, for the vault the cluster's inputs name, as the nodes'
//! instance principal; and the Terraform tree lets the nodes' dynamic group
//! read that vault's secret bundles and nothing wider.

mod common;

use serde::Deserialize;

use common::repo;

/// Every object of golden/<env>/k8s, its subdirectories included.
fn objects(env: &str) -> Vec<serde_yaml::Value> {
    let mut found = Vec::new();
    for path in common::golden_k8s_files(env) {
        if path.ends_with("kustomization.yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("golden file");
        for document in serde_yaml::Deserializer::from_str(&text) {
            let value = serde_yaml::Value::deserialize(document).expect("YAML");
            if !value.is_null() {
                found.push(value);
            }
        }
    }
    found
}

fn of_kind<'a>(objects: &'a [serde_yaml::Value], kind: &str) -> Vec<&'a serde_yaml::Value> {
    objects
        .iter()
        .filter(|o| o["kind"].as_str() == Some(kind))
        .collect()
}

/// The value of `field` in the committed inputs.example.
fn input(field: &str) -> String {
    let text = std::fs::read_to_string(repo().join("inputs.example")).expect("inputs.example");
    text.lines()
        .find_map(|line| {
            let (name, value) = line.trim().split_once(" = ")?;
            (name == field).then(|| value.trim_matches('"').to_string())
        })
        .unwrap_or_else(|| panic!("inputs.example sets {field}"))
}

#[test]
fn each_environment_has_one_secret_path() {
    for env in ["default", "free_tier"] {
        let objects = objects(env);
        assert!(!of_kind(&objects, "SealedSecret").is_empty(), "{env}");
        assert!(of_kind(&objects, "ExternalSecret").is_empty(), "{env}");
        assert!(of_kind(&objects, "ClusterSecretStore").is_empty(), "{env}");
    }
    let production = objects("production");
    assert!(of_kind(&production, "SealedSecret").is_empty());
    assert!(!of_kind(&production, "ExternalSecret").is_empty());
}

#[test]
fn every_external_secret_resolves_to_a_cluster_secret_store_of_the_platform() {
    let objects = objects("production");
    let stores = of_kind(&objects, "ClusterSecretStore");
    assert_eq!(stores.len(), 1, "one store, the platform's");
    let store = stores[0];
    let name = store["metadata"]["name"].as_str().expect("a name");
    assert_eq!(
        store["metadata"]["labels"]["app.kubernetes.io/part-of"].as_str(),
        Some(name),
        "named after the platform"
    );
    let oracle = &store["spec"]["provider"]["oracle"];
    assert_eq!(oracle["vault"].as_str(), Some(input("vault_id").as_str()));
    assert_eq!(oracle["principalType"].as_str(), Some("InstancePrincipal"));
    assert_eq!(oracle["region"].as_str(), Some("eu-amsterdam-1"));
    for secret in of_kind(&objects, "ExternalSecret") {
        let reference = &secret["spec"]["secretStoreRef"];
        let what = secret["metadata"]["name"].as_str().unwrap_or_default();
        assert_eq!(
            reference["kind"].as_str(),
            Some("ClusterSecretStore"),
            "{what}"
        );
        assert_eq!(reference["name"].as_str(), Some(name), "{what}");
        assert!(
            !secret["spec"]["data"]
                .as_sequence()
                .is_none_or(Vec::is_empty),
            "{what}: reads its keys"
        );
    }
    // The operator that serves the store's API is installed by the tree.
    let charts = std::fs::read_dir(repo().join("golden/production/charts/secrets-system"))
        .expect("the operator's values")
        .count();
    assert_eq!(charts, 1);
}

#[test]
fn terraform_lets_the_nodes_read_the_secret_bundles_of_the_vault_alone() {
    let tf = std::fs::read_to_string(repo().join("golden/production/terraform/secrets.tf"))
        .expect("the vault's file");
    assert!(tf.contains("resource \"oci_kms_vault\" \"secrets\""));
    let statements: Vec<&str> = tf
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("\"Allow "))
        .collect();
    assert_eq!(statements.len(), 1, "{statements:?}");
    assert_eq!(
        statements[0],
        "\"Allow dynamic-group ${oci_identity_dynamic_group.nodes.name} to read secret-bundles in compartment id ${var.compartment_ocid} where target.vault.id = '${oci_kms_vault.secrets.id}'\","
    );
    // No other statement anywhere in the tree grants the nodes anything.
    for entry in std::fs::read_dir(repo().join("golden/production/terraform")).expect("tree") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "tf") && !path.ends_with("secrets.tf") {
            let text = std::fs::read_to_string(&path).expect("tf");
            assert!(!text.contains("dynamic-group"), "{}", path.display());
        }
    }
    let outputs = std::fs::read_to_string(repo().join("golden/production/terraform/outputs.tf"))
        .expect("outputs");
    assert!(outputs.contains("value       = oci_kms_vault.secrets.id"));
    assert!(outputs.contains(r#"vault_id = \"${oci_kms_vault.secrets.id}\""#));
}
