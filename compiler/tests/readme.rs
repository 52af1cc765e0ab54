//! The generated README's walkthrough against the tree it describes: the
//! steps in the order the bootstrap runs them, only Terraform outputs
//! that exist, a kubeseal command for every sealed Secret, and the hosts.

mod common;

use std::collections::BTreeSet;

/// What `bootstrap.sh` makes, in its order: the files it applies, the
/// Secrets it writes from the environment (by name), Helm releases, and
/// release manifests applied from their clone (`"$work/calico"/...`) or
/// from their release asset (`--field-manager <release>`).
fn bootstrap_steps(script: &str) -> Vec<String> {
    let mut steps = Vec::new();
    let mut in_secret = false;
    for line in script.lines() {
        if in_secret {
            if let Some(name) = line.strip_prefix("  name: ") {
                steps.push(name.to_string());
                in_secret = false;
            }
        } else if let Some(rest) = line.strip_prefix("helm upgrade --install ") {
            steps.extend(rest.split_whitespace().next().map(str::to_string));
        } else if let Some(rest) = line.strip_prefix("kubectl apply --server-side --field-manager ")
        {
            // A release asset, named by its release.
            steps.extend(rest.split_whitespace().next().map(str::to_string));
        } else if let Some(rest) = line.strip_prefix("kubectl apply --server-side -f \"$work/") {
            steps.extend(rest.split('"').next().map(str::to_string));
        } else if line.starts_with("kubectl apply --server-side -f - <<") {
            in_secret = true;
        } else if let Some(file) = line
            .strip_prefix("kubectl apply --server-side -f ")
            .or_else(|| line.strip_prefix("kubectl apply --server-side -k "))
        {
            steps.push(file.to_string());
        }
    }
    steps
}

#[test]
fn the_readme_walks_through_the_tree_it_is_in() {
    for (name, env) in common::environments() {
        let output = common::build(env.as_deref());
        let readme = &output.files["README.md"];
        // The install step names what the bootstrap makes in its order.
        let named = common::install_step_names(readme);
        assert_eq!(
            named,
            bootstrap_steps(&output.files["bootstrap.sh"]),
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
