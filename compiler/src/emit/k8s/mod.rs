//! The Kubernetes backend: `k8s/` of the output.

pub mod object;

use super::{Context, Output};

pub fn emit(context: &Context, output: &mut Output) {
    let _ = (context, output);
}

/// `k8s/kustomization.yaml`, listing every file under `k8s/` (whichever
/// backend wrote it), so that `kubectl apply -k out/k8s` deploys them all.
pub fn kustomization(output: &mut Output) {
    let resources: Vec<String> = output
        .files
        .keys()
        .filter_map(|p| p.strip_prefix("k8s/"))
        .filter(|p| p.ends_with(".yaml") && *p != "kustomization.yaml")
        .map(str::to_string)
        .collect();
    if resources.is_empty() {
        return;
    }
    let mut text = String::from("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n");
    for r in resources {
        text.push_str(&format!("- {r}\n"));
    }
    output.add("k8s/kustomization.yaml", text);
}
