//! The generated README's walkthrough against the tree it describes: the
//! charts in the order the bootstrap installs them, only Terraform outputs
//! that exist, a kubeseal command for every sealed Secret, and the hosts.

mod common;

use std::collections::BTreeSet;

/// The releases `bootstrap.sh` installs, in order.
/// What the bootstrap installs, in its order: Helm releases, and release
/// manifests applied from their clone (`"$work/calico"/manifests/...`).
fn bootstrap_releases(script: &str) -> Vec<String> {
    script
        .lines()
        .filter_map(|l| {
            if let Some(rest) = l.strip_prefix("helm upgrade --install ") {
                return Some(rest.split_whitespace().next()?.to_string());
            }
            let rest = l.strip_prefix("kubectl apply --server-side -f \"$work/")?;
            Some(rest.split('"').next()?.to_string())
        })
        .collect()
}

#[test]
fn the_readme_walks_through_the_tree_it_is_in() {
    for (name, env) in common::environments() {
        let output = common::build(env.as_deref());
        let readme = &output.files["README.md"];
        // The install step names the releases in the bootstrap's order.
        let install = readme
            .lines()
            .find(|l| l.contains("**Install.**"))
            .unwrap_or_else(|| panic!("{name}: no install step"));
        let named: Vec<String> = install
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|w| !w.contains(' ') && !w.contains('/') && !w.ends_with(".sh"))
            .map(str::to_string)
            .collect();
        assert_eq!(
            named,
            bootstrap_releases(&output.files["bootstrap.sh"]),
            "{name}"
        );
        // Every Terraform output it reads exists.
        let outputs = &output.files["terraform/outputs.tf"];
        let mut read = 0;
        for part in readme.split("terraform -chdir=terraform output ").skip(1) {
            let output_name = part
                .split_whitespace()
                .find(|w| !w.starts_with('-'))
                .unwrap()
                .trim_end_matches(['`', '.', ',']);
            assert!(
                outputs.contains(&format!("output \"{output_name}\"")),
                "{name}: the README reads output {output_name}, which terraform/outputs.tf does not have"
            );
            read += 1;
        }
        assert!(read >= 3, "{name}: {read} outputs read");
        // A kubeseal command for every SealedSecret of the tree, with the
        // controller's name and namespace.
        let sealed: BTreeSet<(String, String)> = common::k8s_of_kind(&output, "SealedSecret")
            .iter()
            .map(|s| {
                (
                    s["metadata"]["namespace"].as_str().unwrap().to_string(),
                    s["metadata"]["name"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        // Production reads its secrets from the vault instead
        // (tests/external_secrets.rs).
        assert!(
            sealed.is_empty() == (name == "production"),
            "{name}: {} SealedSecrets",
            sealed.len()
        );
        for (namespace, secret) in &sealed {
            assert!(
                readme.lines().any(|l| l.contains("| kubeseal ")
                    && l.contains("--controller-name ")
                    && l.contains("--controller-namespace ")
                    && l.contains(&format!("--namespace {namespace} --name {secret} "))),
                "{name}: no kubeseal command for {namespace}/{secret}"
            );
        }
        // Every public host.
        let compilation = common::compile(env.as_deref());
        for (_, service) in compilation.model.as_ref().unwrap().deployed() {
            for endpoint in &service.expose {
                assert!(
                    readme.contains(&format!("`{}`", endpoint.host)),
                    "{name}: {}",
                    endpoint.host
                );
            }
        }
    }
}
