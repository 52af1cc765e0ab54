//! The Terraform backend's output, read back with HashiCorp's own HCL parser
//! (@cdktf/hcl2json, HCL compiled to wasm, installed with the validators by
//! shared/tools/validate/install.sh under /opt/hpl-tools or $HPL_TOOLS).
//! Without node or that package the tests say so and pass, checking nothing.
//!
//! Checked on every environment of platform.hpl and on the DigitalOcean and
//! AWS examples: one node pool per declared node with its OCPUs, memory,
//! boot volume and labels; boot volumes adding up to what the budget check
//! counted; every variable, local, resource, data source, module and module
//! output that an expression names is declared where it is named; the
//! cluster's foundations: bucket names unique across environments, the
//! Kubernetes version pinned in the cloud's form and asserted at plan time,
//! the pod network the model names, node pools that grow their root file
//! system, an identity of its own for every consumer of a bucket.

/// The gigabyte of the clouds' boot volume sizes (`boot_volume_size_in_gbs`,
/// EKS's `disk_size`): binary.
const GIB: f64 = (1u64 << 30) as f64;

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use hplc::emit::output;
use hplc::resolve::fs::RealFs;
use serde_json::Value;

use common::repo;

/// The hcl2json module, if installed.
fn hcl2json() -> Option<PathBuf> {
    let module = common::tools_dir().join("node/node_modules/@cdktf/hcl2json/lib/index.js");
    let node = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    let module = common::external(module, "@cdktf/hcl2json")?;
    node.then_some(module)
}

/// One compiled platform and its generated tree.
struct Built {
    name: String,
    platform: hplc::model::Platform,
    plan: hplc::placement::Plan,
    /// Parsed files under terraform/, by path relative to it.
    files: BTreeMap<String, Value>,
    /// Every generated file's text, by its path in the output.
    texts: BTreeMap<String, String>,
}

fn build(module: &Path, file: &str, env: Option<&str>) -> Built {
    let root = repo().join(file);
    let compilation = hplc::compile(&root, env, &RealFs);
    assert!(
        !compilation.has_errors(),
        "{file} ({env:?}) has errors: {:#?}",
        compilation.diagnostics
    );
    let generated = hplc::pipeline::generate(&compilation, &root).expect("compiles without errors");
    let name = format!("{file} --env {}", env.unwrap_or("default"));
    let dir = std::env::temp_dir().join(format!(
        "hplc-terraform-{}-{}",
        std::process::id(),
        name.replace(['/', ' ', '.'], "_")
    ));
    let _ = std::fs::remove_dir_all(&dir);
    output::write(&generated, &dir).expect("write the tree");
    let paths: Vec<String> = generated
        .files
        .keys()
        .filter(|p| p.starts_with("terraform/") && (p.ends_with(".tf") || p.ends_with(".tfvars")))
        .cloned()
        .collect();
    assert!(!paths.is_empty(), "{name}: no Terraform generated");
    let files = parse(module, &dir, &paths);
    let _ = std::fs::remove_dir_all(&dir);
    Built {
        name,
        platform: compilation.model.expect("model"),
        plan: compilation.plan.expect("plan"),
        files,
        texts: generated.files,
    }
}

/// Parses `paths` (under `dir`) with hcl2json in one node process.
fn parse(module: &Path, dir: &Path, paths: &[String]) -> BTreeMap<String, Value> {
    let script = format!(
        r#"const {{ readFileSync }} = require("node:fs");
import("{}").then(async (mod) => {{
  const parse = mod.parse || mod.default.parse;
  const out = {{}};
  for (const [key, file] of JSON.parse(readFileSync(0, "utf8"))) {{
    out[key] = await parse(file, readFileSync(file, "utf8"));
  }}
  process.stdout.write(JSON.stringify(out));
}}).catch((e) => {{ console.error(String(e)); process.exit(1); }});"#,
        module.display()
    );
    let input: Vec<(String, String)> = paths
        .iter()
        .map(|p| {
            (
                p.trim_start_matches("terraform/").to_string(),
                dir.join(p).to_string_lossy().into_owned(),
            )
        })
        .collect();
    let mut child = Command::new("node")
        .arg("-e")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run node");
    std::io::Write::write_all(
        child.stdin.as_mut().unwrap(),
        serde_json::to_string(&input).unwrap().as_bytes(),
    )
    .unwrap();
    let result = child.wait_with_output().expect("node output");
    assert!(
        result.status.success(),
        "hcl2json rejected the output: {}",
        String::from_utf8_lossy(&result.stderr)
    );
    serde_json::from_slice(&result.stdout).expect("hcl2json JSON")
}

/// Every tree the tests look at, built once: each environment of
/// platform.hpl, then the two examples on other clouds.
fn all_trees(module: &Path) -> &'static [Built] {
    static TREES: std::sync::OnceLock<Vec<Built>> = std::sync::OnceLock::new();
    TREES.get_or_init(|| {
        let compilation = hplc::compile(&repo().join("platform.hpl"), None, &RealFs);
        let mut trees = vec![build(module, "platform.hpl", None)];
        trees.extend(
            compilation
                .envs
                .iter()
                .map(|env| build(module, "platform.hpl", Some(env))),
        );
        trees.push(build(module, "examples/digitalocean.hpl", None));
        trees.push(build(module, "examples/aws.hpl", None));
        trees
    })
}

fn tree<'a>(trees: &'a [Built], name: &str) -> &'a Built {
    trees
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no tree {name}"))
}

/// `node_pools` of the root's terraform.tfvars.
fn node_pools(tree: &Built) -> &Vec<Value> {
    tree.files["terraform.tfvars"]["node_pools"]
        .as_array()
        .expect("node_pools is a list")
}

fn number(value: &Value) -> f64 {
    value
        .as_f64()
        .unwrap_or_else(|| panic!("{value} is not a number"))
}

#[test]
fn one_node_pool_per_declared_node_with_its_size_and_labels() {
    let Some(module) = hcl2json() else { return };
    for tree in all_trees(&module) {
        let pools = node_pools(tree);
        assert_eq!(
            pools.len(),
            tree.platform.nodes.len(),
            "{}: one pool per node",
            tree.name
        );
        for node in &tree.platform.nodes {
            let pool = pools
                .iter()
                .find(|p| p["name"] == node.k8s_name.as_str())
                .unwrap_or_else(|| panic!("{}: no pool {}", tree.name, node.k8s_name));
            assert_eq!(pool["size"], node.shape.name.as_str(), "{}", tree.name);
            assert_eq!(
                (number(&pool["min_nodes"]), number(&pool["max_nodes"])),
                (1.0, 1.0),
                "{}: size 1",
                tree.name
            );
            assert_eq!(
                number(&pool["boot_volume_gb"]) * GIB,
                node.boot_volume as f64,
                "{}: boot volume of {}",
                tree.name,
                node.name
            );
            if tree.platform.cloud.provider == "oci" {
                let ocpus = node.shape.cpu as f64 / node.shape.vcpus_per_ocpu as f64 / 1000.0;
                assert_eq!(
                    number(&pool["ocpus"]),
                    ocpus,
                    "{}: OCPUs of {}",
                    tree.name,
                    node.name
                );
                assert_eq!(
                    number(&pool["memory_gb"]),
                    node.shape.memory as f64 / (1u64 << 30) as f64,
                    "{}: memory of {}",
                    tree.name,
                    node.name
                );
            } else {
                assert!(
                    pool.get("ocpus").is_none(),
                    "{}: fixed shapes take no OCPUs",
                    tree.name
                );
            }
            let labels = &pool["labels"];
            assert_eq!(
                labels["hplc.dev/node"],
                node.k8s_name.as_str(),
                "{}",
                tree.name
            );
            assert_eq!(labels["hplc.dev/role"], node.role.as_str(), "{}", tree.name);
            for (key, value) in &node.labels {
                assert_eq!(
                    labels[key.as_str()],
                    value.as_str(),
                    "{}: label {key}",
                    tree.name
                );
            }
        }
    }
}

/// The OKE module turns each pool into a node pool with its shape config,
/// boot volume and labels, and looks its aarch64 image up.
#[test]
fn oke_node_pools_take_shape_boot_volume_labels_and_image_from_each_pool() {
    let Some(module) = hcl2json() else { return };
    let tree = tree(all_trees(&module), "platform.hpl --env default");
    let file = &tree.files["modules/kubernetes-cluster/oci-oke/node_pools.tf"];
    let pool = &file["resource"]["oci_containerengine_node_pool"]["pool"][0];
    assert_eq!(pool["for_each"], "${local.node_pools}");
    assert_eq!(pool["node_shape"], "${each.value.size}");
    let shape = &pool["dynamic"]["node_shape_config"][0]["content"][0];
    assert_eq!(shape["ocpus"], "${node_shape_config.value.ocpus}");
    assert_eq!(
        shape["memory_in_gbs"],
        "${node_shape_config.value.memory_gb}"
    );
    assert_eq!(
        pool["node_source_details"][0]["boot_volume_size_in_gbs"],
        "${each.value.boot_volume_gb}"
    );
    assert_eq!(
        pool["dynamic"]["initial_node_labels"][0]["for_each"],
        "${each.value.labels}"
    );
    let locals = &file["locals"][0];
    assert!(locals["node_pools"]
        .as_str()
        .unwrap()
        .contains("var.node_pools"));
    // Oracle Linux 9 images, matched by pattern.
    let pattern = locals["image_patterns"]["arm64"].as_str().unwrap();
    assert!(pattern.starts_with("^Oracle-Linux-9"), "{pattern}");
    assert!(pattern.contains("aarch64"), "{pattern}");
    // A newer image is a replacement the operator asks for, never a diff.
    assert_eq!(
        pool["lifecycle"][0]["ignore_changes"],
        serde_json::json!(["${node_source_details[0].image_id}"])
    );
    let cluster = &tree.files["modules/kubernetes-cluster/oci-oke/cluster.tf"]["resource"]
        ["oci_containerengine_cluster"]["main"][0];
    assert_eq!(cluster["type"], "BASIC_CLUSTER");
}

/// Boot volumes count as block storage where the cloud bills them so (OCI,
/// AWS), and not at all where the disk comes with the machine (a droplet).
#[test]
fn boot_volumes_add_up_to_what_the_budget_counted() {
    let Some(module) = hcl2json() else { return };
    for tree in all_trees(&module) {
        let written: f64 = node_pools(tree)
            .iter()
            .map(|p| number(&p["boot_volume_gb"]) * GIB)
            .sum();
        let block = tree
            .plan
            .budget
            .lines
            .iter()
            .find(|l| l.dimension == "block_storage")
            .expect("a block storage line");
        let counted: i64 = block
            .consumers
            .iter()
            .filter(|c| c.name.starts_with("boot volume of "))
            .map(|c| c.amount)
            .sum();
        let billed = if tree.platform.cloud.boot_volume_billed {
            written
        } else {
            assert!(written > 0.0, "{}: boot volumes written", tree.name);
            0.0
        };
        assert_eq!(
            billed, counted as f64,
            "{}: boot volumes in terraform.tfvars against the budget",
            tree.name
        );
        assert_eq!(
            tree.platform.cloud.boot_volume_billed,
            tree.platform.cloud.provider != "digitalocean",
            "{}: a droplet's disk is not billed as block storage",
            tree.name
        );
    }
}

#[test]
fn the_security_lists_open_443_to_all_and_6443_to_trusted_networks_only() {
    let Some(module) = hcl2json() else { return };
    let tree = tree(all_trees(&module), "platform.hpl --env default");
    let lists = &tree.files["modules/kubernetes-cluster/oci-oke/network.tf"]["resource"]
        ["oci_core_security_list"];
    let rules = |list: &str| {
        lists[list][0]["ingress_security_rules"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    let https = rules("load_balancers")
        .into_iter()
        .find(|r| r["tcp_options"][0]["min"] == 443)
        .expect("443 on the load balancers");
    assert_eq!(https["source"], "0.0.0.0/0");
    let api = &lists["api_endpoint"][0];
    let trusted = &api["dynamic"]["ingress_security_rules"][0];
    assert_eq!(trusted["for_each"], "${var.trusted_cidrs}");
    assert_eq!(trusted["content"][0]["tcp_options"][0]["min"], 6443);
    for rule in rules("api_endpoint") {
        assert_ne!(
            rule["source"], "0.0.0.0/0",
            "6443 is not open to the internet"
        );
    }
    assert_eq!(
        tree.files["terraform.tfvars"]["trusted_cidrs"],
        serde_json::json!(tree.platform.trusted_cidrs)
    );
}

#[test]
fn examples_on_other_clouds_build_their_providers_tree() {
    let Some(module) = hcl2json() else { return };
    for (file, implementation, cluster, pools) in [
        (
            "examples/digitalocean.hpl",
            "digitalocean-doks",
            "digitalocean_kubernetes_cluster",
            "digitalocean_kubernetes_node_pool",
        ),
        (
            "examples/aws.hpl",
            "aws-eks",
            "aws_eks_cluster",
            "aws_eks_node_group",
        ),
    ] {
        let compilation = hplc::compile(&repo().join(file), None, &RealFs);
        assert!(
            compilation.diagnostics.is_empty(),
            "{file}: `hplc check` reports {:#?}",
            compilation.diagnostics
        );
        let tree = tree(all_trees(&module), &format!("{file} --env default"));
        let dir = format!("modules/kubernetes-cluster/{implementation}");
        let main = &tree.files["main.tf"]["module"]["kubernetes_cluster"][0];
        assert_eq!(main["source"], format!("./{dir}").as_str());
        let cluster_file = &tree.files[&format!("{dir}/cluster.tf")];
        assert!(
            cluster_file["resource"][cluster].is_object(),
            "{file}: {cluster}"
        );
        assert!(
            cluster_file["resource"][pools].is_object(),
            "{file}: {pools}"
        );
        for (path, parsed) in &tree.files {
            for section in ["resource", "data"] {
                if let Some(types) = parsed[section].as_object() {
                    assert!(
                        types.keys().all(|t| !t.starts_with("oci_")),
                        "{file}: {path} has OCI {section}s"
                    );
                }
            }
        }
    }
    // Graviton nodes get the EKS arm64 image.
    let tree = tree(all_trees(&module), "examples/aws.hpl --env default");
    let cluster = &tree.files["modules/kubernetes-cluster/aws-eks/cluster.tf"];
    assert_eq!(
        cluster["locals"][0]["ami_types"]["arm64"],
        "AL2023_ARM_64_STANDARD"
    );
    assert!(node_pools(tree).iter().all(|p| p["arch"] == "arm64"));
}

/// What one module directory declares and what its expressions name.
#[derive(Default)]
struct Scope {
    variables: BTreeSet<String>,
    locals: BTreeSet<String>,
    resources: BTreeSet<String>,
    data: BTreeSet<String>,
    /// Module name to its source directory, relative to terraform/.
    modules: BTreeMap<String, String>,
    outputs: BTreeSet<String>,
    /// (file, traversal) of every reference.
    references: Vec<(String, Vec<String>)>,
    /// Module name to the inputs its block sets.
    module_inputs: BTreeMap<String, BTreeSet<String>>,
}

fn scopes(tree: &Built) -> BTreeMap<String, Scope> {
    let mut scopes: BTreeMap<String, Scope> = BTreeMap::new();
    for (path, parsed) in &tree.files {
        let dir = path
            .rsplit_once('/')
            .map(|(d, _)| d.to_string())
            .unwrap_or_default();
        let scope = scopes.entry(dir.clone()).or_default();
        let keys = |value: &Value| {
            value
                .as_object()
                .map(|o| o.keys().cloned().collect::<Vec<_>>())
                .unwrap_or_default()
        };
        scope.variables.extend(keys(&parsed["variable"]));
        scope.outputs.extend(keys(&parsed["output"]));
        for locals in parsed["locals"].as_array().into_iter().flatten() {
            scope.locals.extend(keys(locals));
        }
        for (section, set) in [
            ("resource", &mut scope.resources),
            ("data", &mut scope.data),
        ] {
            for kind in keys(&parsed[section]) {
                set.extend(
                    keys(&parsed[section][&kind])
                        .into_iter()
                        .map(|name| format!("{kind}.{name}")),
                );
            }
        }
        for name in keys(&parsed["module"]) {
            let block = &parsed["module"][&name][0];
            let source = block["source"].as_str().unwrap().trim_start_matches("./");
            let source = if dir.is_empty() {
                source.to_string()
            } else {
                format!("{dir}/{source}")
            };
            scope.modules.insert(name.clone(), source);
            scope.module_inputs.insert(
                name.clone(),
                keys(block).into_iter().filter(|k| k != "source").collect(),
            );
        }
        if path.ends_with(".tfvars") {
            // A value for each declared variable: the keys are references.
            scope.references.extend(
                keys(parsed)
                    .into_iter()
                    .map(|k| (path.clone(), vec!["var".to_string(), k])),
            );
        } else {
            let mut found = Vec::new();
            strings(parsed, &mut found);
            for text in found {
                for expression in templates(&text) {
                    scope.references.extend(
                        traversals(&expression)
                            .into_iter()
                            .map(|t| (path.clone(), t)),
                    );
                }
            }
        }
    }
    scopes
}

fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

/// The expressions inside the `${ ... }` of a template string.
fn templates(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'$' && bytes[i + 1] == b'$' {
            i += 3;
            continue;
        }
        if bytes[i] == b'$' && bytes[i + 1] == b'{' {
            let end = closing(bytes, i + 2);
            found.push(text[i + 2..end].to_string());
            i = end + 1;
        } else {
            i += 1;
        }
    }
    found
}

/// The index of the `}` closing a `${` whose contents start at `start`,
/// skipping nested braces and quoted strings.
fn closing(bytes: &[u8], start: usize) -> usize {
    let (mut depth, mut i) = (0, start);
    while i < bytes.len() {
        match bytes[i] {
            b'"' => i = string_end(bytes, i),
            b'{' => depth += 1,
            b'}' if depth == 0 => return i,
            b'}' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    panic!("unclosed ${{ in {}", String::from_utf8_lossy(bytes))
}

/// The index of the quote closing the string that opens at `start`.
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'"' => return i,
            b'$' if bytes.get(i + 1) == Some(&b'{') => i = closing(bytes, i + 2),
            _ => {}
        }
        i += 1;
    }
    panic!("unclosed string in {}", String::from_utf8_lossy(bytes))
}

/// Every dotted name chain of an expression (`var.region`,
/// `oci_core_vcn.main.id`), function names excepted; the templates inside
/// its quoted strings included.
fn traversals(expression: &str) -> Vec<Vec<String>> {
    let bytes = expression.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'"' {
            let end = string_end(bytes, i);
            for inner in templates(&expression[i + 1..end]) {
                found.extend(traversals(&inner));
            }
            i = end + 1;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let preceded_by_dot = i > 0 && bytes[i - 1] == b'.';
            let mut chain = Vec::new();
            loop {
                let start = i;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'-')
                {
                    i += 1;
                }
                chain.push(expression[start..i].to_string());
                if i + 1 < bytes.len()
                    && bytes[i] == b'.'
                    && (bytes[i + 1].is_ascii_alphabetic() || bytes[i + 1] == b'_')
                {
                    i += 1;
                } else {
                    break;
                }
            }
            let call = bytes.get(i) == Some(&b'(');
            if !call && !preceded_by_dot {
                found.push(chain);
            }
        } else if c.is_ascii_digit() {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'.') {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    found
}

#[test]
fn every_name_an_expression_uses_is_declared() {
    let Some(module) = hcl2json() else { return };
    for tree in all_trees(&module) {
        let scopes = scopes(tree);
        let mut missing = Vec::new();
        let mut checked = 0;
        for (dir, scope) in &scopes {
            for (file, chain) in &scope.references {
                let name = |n: usize| chain.get(n).cloned().unwrap_or_default();
                let ok = match chain[0].as_str() {
                    "var" => scope.variables.contains(&name(1)),
                    "local" => scope.locals.contains(&name(1)),
                    "data" => scope.data.contains(&format!("{}.{}", name(1), name(2))),
                    "module" => scope.modules.get(&name(1)).is_some_and(|source| {
                        scopes
                            .get(source)
                            .is_some_and(|m| m.outputs.contains(&name(2)))
                    }),
                    root if ["oci_", "aws_", "digitalocean_"]
                        .iter()
                        .any(|p| root.starts_with(p)) =>
                    {
                        scope.resources.contains(&format!("{root}.{}", name(1)))
                    }
                    _ => continue,
                };
                checked += 1;
                if !ok {
                    missing.push(format!("{file}: {}", chain.join(".")));
                }
            }
            for (name, inputs) in &scope.module_inputs {
                let callee = &scopes[&scope.modules[name]];
                for input in inputs {
                    if !callee.variables.contains(input) {
                        missing.push(format!("{dir}: module {name} has no input {input}"));
                    }
                }
                for variable in &callee.variables {
                    if !inputs.contains(variable) {
                        missing.push(format!("{dir}: module {name} is not given {variable}"));
                    }
                }
            }
        }
        assert!(
            checked > 50,
            "{}: only {checked} references found",
            tree.name
        );
        assert!(
            missing.is_empty(),
            "{}: undeclared names:\n{}",
            tree.name,
            missing.join("\n")
        );
    }
}

#[test]
fn the_reference_scanner_finds_names_in_templates_and_skips_functions() {
    let found =
        traversals(r#"length(var.a) > 0 ? "https://${oci_x.main.endpoints[0].ip}" : local.b["k"]"#);
    assert_eq!(
        found,
        vec![
            vec!["var", "a"],
            vec!["oci_x", "main", "endpoints"],
            vec!["local", "b"]
        ]
    );
    assert_eq!(templates("$${not} ${var.x}-y"), vec!["var.x"]);
}

/// The names of the buckets a tree creates: buckets.tf and bootstrap/'s
/// state bucket, whatever the provider.
fn bucket_names(tree: &Built) -> Vec<String> {
    let mut names = Vec::new();
    for file in ["buckets.tf", "bootstrap/state_bucket.tf"] {
        let Some(parsed) = tree.files.get(file) else {
            continue;
        };
        for (kind, attr) in [
            ("oci_objectstorage_bucket", "name"),
            ("aws_s3_bucket", "bucket"),
            ("digitalocean_spaces_bucket", "name"),
        ] {
            if let Some(buckets) = parsed["resource"][kind].as_object() {
                for bucket in buckets.values() {
                    names.push(bucket[0][attr].as_str().unwrap().to_string());
                }
            }
        }
    }
    names
}

#[test]
fn no_two_environments_share_a_bucket_name() {
    let Some(module) = hcl2json() else { return };
    let trees: Vec<&Built> = all_trees(&module)
        .iter()
        .filter(|t| t.name.starts_with("platform.hpl"))
        .collect();
    assert!(trees.len() >= 3, "every environment of platform.hpl");
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for tree in trees {
        let names = bucket_names(tree);
        assert_eq!(
            names.len(),
            tree.platform.buckets.len(),
            "{}: every bucket, the state bucket included",
            tree.name
        );
        for name in names {
            assert!(
                name.starts_with(&format!("{}-", tree.platform.cluster_name())),
                "{}: {name} is prefixed with the cluster's name",
                tree.name
            );
            if let Some(other) = seen.insert(name.clone(), tree.name.clone()) {
                panic!("{name} is a bucket of both {other} and {}", tree.name);
            }
        }
    }
}

/// The cluster resource of each provider's module: (file, type).
fn cluster_resource(tree: &Built) -> &Value {
    let (dir, kind) = match tree.platform.cloud.provider.as_str() {
        "oci" => ("oci-oke", "oci_containerengine_cluster"),
        "aws" => ("aws-eks", "aws_eks_cluster"),
        _ => ("digitalocean-doks", "digitalocean_kubernetes_cluster"),
    };
    &tree.files[&format!("modules/kubernetes-cluster/{dir}/cluster.tf")]["resource"][kind]["main"]
        [0]
}

#[test]
fn the_kubernetes_version_is_pinned_strict_and_asserted_at_plan_time() {
    let Some(module) = hcl2json() else { return };
    for tree in all_trees(&module) {
        let service = tree
            .platform
            .cloud
            .kubernetes
            .as_ref()
            .expect("the stdlib describes the cloud's Kubernetes");
        let version = tree.files["terraform.tfvars"]["kubernetes_version"]
            .as_str()
            .expect("a pinned version");
        assert_eq!(version, tree.platform.kubernetes_version, "{}", tree.name);
        assert!(
            service.matches_format(version),
            "{}: {version} is in the form {}",
            tree.name,
            service.version_format
        );
        assert!(
            service.release(version).is_some_and(|r| r.supported),
            "{}: {version} is one the stdlib lists as offered",
            tree.name
        );
        // The variable refuses any other form.
        let validation = &tree.files["variables.tf"]["variable"]["kubernetes_version"][0]
            ["validation"][0]["condition"];
        assert!(
            validation
                .as_str()
                .unwrap()
                .contains(&service.format_regex().replace('\\', "\\\\")),
            "{}: {validation}",
            tree.name
        );
        // A precondition on the cluster asks the provider whether it still
        // offers the version.
        let precondition = &cluster_resource(tree)["lifecycle"][0]["precondition"][0];
        let condition = precondition["condition"].as_str().unwrap();
        assert!(
            condition.contains("data.") && condition.contains("kubernetes_version"),
            "{}: {condition}",
            tree.name
        );
    }
    let oke = tree(all_trees(&module), "platform.hpl --env default");
    let condition = cluster_resource(oke)["lifecycle"][0]["precondition"][0]["condition"]
        .as_str()
        .unwrap();
    assert!(
        condition.contains("data.oci_containerengine_cluster_option.all.kubernetes_versions"),
        "{condition}"
    );
}

#[test]
fn every_oke_node_pool_runs_the_init_script_and_grows_its_root_file_system() {
    let Some(module) = hcl2json() else { return };
    for tree in all_trees(&module)
        .iter()
        .filter(|t| t.platform.cloud.provider == "oci")
    {
        let dir = "modules/kubernetes-cluster/oci-oke";
        let pool = &tree.files[&format!("{dir}/node_pools.tf")]["resource"]
            ["oci_containerengine_node_pool"]["pool"][0];
        // One resource for every pool of terraform.tfvars.
        assert_eq!(pool["for_each"], "${local.node_pools}", "{}", tree.name);
        let user_data = pool["node_metadata"]["user_data"].as_str().unwrap();
        assert!(
            user_data.contains("filebase64(\"${path.module}/cloud-init.sh\")"),
            "{}: {user_data}",
            tree.name
        );
        let script = &tree.texts[&format!("terraform/{dir}/cloud-init.sh")];
        assert!(script.starts_with("#!/bin/bash\n"), "{}", tree.name);
        let init = script
            .find("bash /var/run/oke-init.sh")
            .expect("runs OKE's init");
        let grow = script
            .find("/usr/libexec/oci-growfs -y")
            .expect("grows the root");
        assert!(init < grow, "{}: joins, then grows", tree.name);
    }
}

#[test]
fn the_cluster_runs_the_pod_network_the_model_names() {
    let Some(module) = hcl2json() else { return };
    for tree in all_trees(&module) {
        assert_eq!(
            tree.files["terraform.tfvars"]["pod_network"],
            tree.platform.pod_network.name.as_str(),
            "{}",
            tree.name
        );
    }
    for tree in all_trees(&module)
        .iter()
        .filter(|t| t.platform.cloud.provider == "oci")
    {
        assert_eq!(tree.platform.pod_network.name, "FLANNEL_OVERLAY");
        let cluster = cluster_resource(tree);
        assert_eq!(
            cluster["cluster_pod_network_options"][0]["cni_type"],
            "${var.pod_network}"
        );
        let pool = &tree.files["modules/kubernetes-cluster/oci-oke/node_pools.tf"]["resource"]
            ["oci_containerengine_node_pool"]["pool"][0];
        assert_eq!(
            pool["node_config_details"][0]["node_pool_pod_network_option_details"][0]["cni_type"],
            "${var.pod_network}"
        );
    }
}

#[test]
fn every_object_storage_consumer_has_an_identity_and_a_policy_of_its_own() {
    let Some(module) = hcl2json() else { return };
    for tree in all_trees(&module) {
        let platform = &tree.platform;
        // The consumers in the model: backups of services, cluster backups.
        let mut consumers: Vec<(String, String)> = platform
            .services
            .iter()
            .filter_map(|s| {
                Some((
                    format!("{}_backup", s.name),
                    s.backup.as_ref()?.bucket.clone(),
                ))
            })
            .collect();
        consumers.extend(
            platform
                .cluster_backups
                .iter()
                .map(|b| (b.name.clone(), b.bucket.clone())),
        );
        assert!(!consumers.is_empty(), "{}: consumers", tree.name);
        let identities = &tree.files["identities.tf"]["resource"];
        let credentials = &tree.files["outputs.tf"]["output"]["object_storage_credentials"][0];
        assert_eq!(credentials["sensitive"], true, "{}", tree.name);
        let mut names = BTreeSet::new();
        for (label, bucket) in &consumers {
            let bucket = platform
                .buckets
                .iter()
                .find(|b| &b.cloud_name == bucket)
                .expect("a bucket of the platform");
            let bucket_ref = format!("{}.", bucket.name);
            let (user, policy, key) = match platform.cloud.provider.as_str() {
                "oci" => (
                    &identities["oci_identity_user"][label][0],
                    identities["oci_identity_policy"][label][0]["statements"].to_string(),
                    &identities["oci_identity_customer_secret_key"][label][0],
                ),
                "aws" => (
                    &identities["aws_iam_user"][label][0],
                    identities["aws_iam_user_policy"][label][0]["policy"].to_string(),
                    &identities["aws_iam_access_key"][label][0],
                ),
                _ => (
                    &identities["digitalocean_spaces_key"][label][0],
                    identities["digitalocean_spaces_key"][label][0]["grant"].to_string(),
                    &identities["digitalocean_spaces_key"][label][0],
                ),
            };
            assert!(
                user.is_object() && key.is_object(),
                "{}: {label}",
                tree.name
            );
            let name = user["name"].as_str().unwrap().to_string();
            assert!(names.insert(name.clone()), "{}: {name} twice", tree.name);
            assert!(
                policy.contains(&bucket_ref),
                "{}: {label}'s policy names its bucket {}: {policy}",
                tree.name,
                bucket.name
            );
            for other in platform.buckets.iter().filter(|b| b.name != bucket.name) {
                assert!(
                    !policy.contains(&format!("{}.", other.name)),
                    "{}: {label}'s policy names {} too",
                    tree.name,
                    other.name
                );
            }
            assert!(
                credentials["value"][label].is_object(),
                "{}: {label}'s key pair is an output",
                tree.name
            );
        }
    }
}
