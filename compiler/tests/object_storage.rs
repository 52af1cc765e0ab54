//! The data lake end to end, in every environment of platform.hpl: each
//! workload that reads a bucket (`object_storage`) gets the S3 endpoint
//! built from the cloud's region and the inputs' namespace, its bucket's
//! name in the cloud, path-style addressing, and its key pair from a
//! Secret the tree makes (SealedSecret or ExternalSecret) with both keys;
//! its NetworkPolicy opens HTTPS outside the cluster's network; and the
//! Terraform tree creates the bucket, a user with one Customer Secret Key,
//! and a policy on that bucket alone, and writes the namespace into the
//! cluster's inputs. No MinIO is left anywhere. validate-hcl reads the
//! Terraform tree when it is installed.

mod common;

use std::collections::BTreeMap;

use common::{build, k8s_documents};
use hplc::emit::Output;
use serde_yaml::Value;

/// The workloads of platform.hpl that read the data lake, with their
/// namespace and the Secret of their key pair.
const CONSUMERS: [(&str, &str, &str, &str); 2] = [
    (
        "health-api",
        "health-api-server",
        "health_api_server_s3",
        "health-api-server-s3",
    ),
    ("health-etl", "etl", "etl_s3", "etl-s3"),
];

/// The value of `field` in the committed inputs.example.
fn input(field: &str) -> String {
    let text = std::fs::read_to_string(common::repo().join("inputs.example")).expect("inputs");
    text.lines()
        .find_map(|line| {
            let (name, value) = line.trim().split_once(" = ")?;
            (name == field).then(|| value.trim_matches('"').to_string())
        })
        .unwrap_or_else(|| panic!("inputs.example sets {field}"))
}

/// The main container's environment: literal values, and secret refs as
/// `secret:NAME/KEY`.
fn environment(workload: &Value) -> BTreeMap<String, String> {
    let container = &workload["spec"]["template"]["spec"]["containers"][0];
    container["env"]
        .as_sequence()
        .expect("env")
        .iter()
        .map(|e| {
            let name = e["name"].as_str().expect("name").to_string();
            let value = match e["value"].as_str() {
                Some(v) => v.to_string(),
                None => {
                    let r = &e["valueFrom"]["secretKeyRef"];
                    format!(
                        "secret:{}/{}",
                        r["name"].as_str().unwrap_or_default(),
                        r["key"].as_str().unwrap_or_default()
                    )
                }
            };
            (name, value)
        })
        .collect()
}

/// The keys a SealedSecret or ExternalSecret gives its Secret.
fn secret_keys(objects: &[Value], namespace: &str, name: &str) -> Vec<String> {
    let found = objects.iter().find(|o| {
        ["SealedSecret", "ExternalSecret"].contains(&o["kind"].as_str().unwrap_or_default())
            && o["metadata"]["namespace"].as_str() == Some(namespace)
            && o["metadata"]["name"].as_str() == Some(name)
    });
    let Some(object) = found else {
        panic!("no SealedSecret or ExternalSecret {namespace}/{name}")
    };
    let mut keys: Vec<String> = match object["kind"].as_str() {
        Some("SealedSecret") => object["spec"]["encryptedData"]
            .as_mapping()
            .expect("encryptedData")
            .keys()
            .filter_map(|k| k.as_str().map(String::from))
            .collect(),
        _ => object["spec"]["data"]
            .as_sequence()
            .expect("data")
            .iter()
            .filter_map(|d| d["secretKey"].as_str().map(String::from))
            .collect(),
    };
    keys.sort();
    keys
}

/// Whether a NetworkPolicy of `namespace` for `name` lets it open `port`
/// to addresses outside the private ranges (not the link-local one).
fn opens_outside(objects: &[Value], namespace: &str, name: &str, port: i64) -> bool {
    objects
        .iter()
        .filter(|o| {
            o["kind"].as_str() == Some("NetworkPolicy")
                && o["metadata"]["namespace"].as_str() == Some(namespace)
                && o["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/name"].as_str()
                    == Some(name)
        })
        .flat_map(|p| {
            p["spec"]["egress"]
                .as_sequence()
                .cloned()
                .unwrap_or_default()
        })
        .any(|rule| {
            let outside = rule["to"].as_sequence().is_some_and(|to| {
                to.iter().any(|peer| {
                    let block = &peer["ipBlock"];
                    let except: Vec<&str> = block["except"]
                        .as_sequence()
                        .map(|e| e.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default();
                    block["cidr"].as_str() == Some("0.0.0.0/0")
                        && ["10.0.0.0/8", "169.254.0.0/16"]
                            .iter()
                            .all(|c| except.contains(c))
                })
            });
            let on_port = rule["ports"]
                .as_sequence()
                .is_some_and(|ports| ports.iter().any(|p| p["port"].as_i64() == Some(port)));
            outside && on_port
        })
}

fn terraform(output: &Output, file: &str) -> String {
    output
        .files
        .iter()
        .find(|(p, _)| p.as_str() == format!("terraform/{file}"))
        .map(|(_, text)| text.clone())
        .unwrap_or_else(|| panic!("terraform/{file}"))
}

/// The body of `resource "TYPE" "LABEL" { ... }` (up to its closing brace
/// at the start of a line).
fn resource<'a>(text: &'a str, kind: &str, label: &str) -> &'a str {
    let head = format!("resource \"{kind}\" \"{label}\" {{");
    let start = text
        .find(&head)
        .unwrap_or_else(|| panic!("no {kind}.{label}"));
    let body = &text[start..];
    &body[..body.find("\n}").expect("closing brace")]
}

#[test]
fn every_consumer_reaches_the_data_lake_through_the_s3_endpoint_with_a_key_of_its_own() {
    let endpoint = format!(
        "https://{}.compat.objectstorage.eu-amsterdam-1.oraclecloud.com",
        input("object_storage_namespace")
    );
    for (env, arg) in common::environments() {
        let output = build(arg.as_deref());
        let objects: Vec<Value> = k8s_documents(&output).into_iter().map(|(_, o)| o).collect();
        let bucket = if env == "default" {
            "health-data-lake".to_string()
        } else {
            format!("health-{env}-data-lake").replace('_', "-")
        };
        for (namespace, name, label, secret) in CONSUMERS {
            let workload = objects
                .iter()
                .find(|o| {
                    ["Deployment", "StatefulSet"].contains(&o["kind"].as_str().unwrap_or_default())
                        && o["metadata"]["namespace"].as_str() == Some(namespace)
                        && o["metadata"]["name"].as_str() == Some(name)
                })
                .unwrap_or_else(|| panic!("{env}: workload {namespace}/{name}"));
            let env_vars = environment(workload);
            let expected = [
                ("S3_ENDPOINT_URL", endpoint.clone()),
                ("S3_BUCKET", bucket.clone()),
                ("S3_REGION", "eu-amsterdam-1".to_string()),
                ("S3_ADDRESSING_STYLE", "path".to_string()),
                ("S3_ACCESS_KEY", format!("secret:{secret}/access-key")),
                ("S3_SECRET_KEY", format!("secret:{secret}/secret-key")),
            ];
            for (variable, value) in expected {
                assert_eq!(
                    env_vars.get(variable),
                    Some(&value),
                    "{env}: {name}'s {variable}"
                );
            }
            assert_eq!(
                secret_keys(&objects, namespace, secret),
                ["access-key", "secret-key"],
                "{env}: {namespace}/{secret}"
            );
            assert!(
                opens_outside(&objects, namespace, name, 443),
                "{env}: {name} may not reach the S3 endpoint on 443"
            );

            // The Terraform tree: a user, its group and membership, one
            // key, and a policy on the data lake alone.
            let identities = terraform(&output, "identities.tf");
            for kind in [
                "oci_identity_user",
                "oci_identity_group",
                "oci_identity_user_group_membership",
            ] {
                resource(&identities, kind, label);
            }
            let key = resource(&identities, "oci_identity_customer_secret_key", label);
            assert!(
                key.contains(&format!("user_id      = oci_identity_user.{label}.id")),
                "{env}: {key}"
            );
            let policy = resource(&identities, "oci_identity_policy", label);
            let statements: Vec<&str> = policy
                .lines()
                .filter(|l| l.trim_start().starts_with("\"Allow"))
                .collect();
            assert_eq!(statements.len(), 2, "{env}: {policy}");
            for statement in statements {
                assert!(
                    statement.contains(
                        "where target.bucket.name = '${oci_objectstorage_bucket.data_lake.name}'"
                    ),
                    "{env}: not scoped to the data lake: {statement}"
                );
            }
            let outputs = terraform(&output, "outputs.tf");
            assert!(
                outputs.contains(&format!("kubernetes_secret = \"{secret}\"")),
                "{env}: object_storage_credentials names no {secret}"
            );
        }
        let buckets = terraform(&output, "buckets.tf");
        let lake = resource(&buckets, "oci_objectstorage_bucket", "data_lake");
        assert!(
            lake.contains(&format!("name           = \"{bucket}\"")),
            "{env}: {lake}"
        );
        assert!(lake.contains("\"NoPublicAccess\""), "{env}: {lake}");
        let outputs = terraform(&output, "outputs.tf");
        assert!(
            outputs.contains(
                r#"object_storage_namespace = \"${data.oci_objectstorage_namespace.main.namespace}\""#
            ),
            "{env}: hplc_inputs lacks the namespace"
        );
        // Nothing of MinIO is left: no workload, route, host or image.
        for (path, text) in &output.files {
            assert!(
                !text.to_lowercase().contains("minio-data-lake")
                    && !text.contains("minio.health-platform.example.com")
                    && !text.contains("quay.io/minio/minio"),
                "{env}: {path} still names MinIO"
            );
        }
    }
}

/// The generated Terraform of every environment passes validate-hcl (both
/// HCL parsers and the OCI provider's argument schema), when installed.
#[test]
fn the_terraform_tree_with_the_data_lake_passes_validate_hcl() {
    let Some(validator) = common::external(
        common::validators_dir().join("validate-hcl"),
        "validate-hcl",
    ) else {
        return;
    };
    for (env, _) in common::environments() {
        let dir = common::repo().join("golden").join(&env).join("terraform");
        let run = std::process::Command::new(&validator)
            .arg(&dir)
            .output()
            .expect("run validate-hcl");
        assert!(
            run.status.success(),
            "validate-hcl {env}:\n{}{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
    }
}
