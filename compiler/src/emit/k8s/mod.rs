//! The Kubernetes backend: `k8s/` of the output, one file per service
//! (everything generated for it: account and RBAC, configuration, workload,
//! Services, Ingress, autoscaler, disruption budget, monitor, backup job),
//! per namespace (network policies, secret references), and per
//! cluster-wide concern; a `kustomization.yaml` lists them all.
//!
//! Layout:
//! - `k8s/cluster/`: namespaces, storage classes, the ACME ClusterIssuer
//! - `k8s/<namespace>/<service>.yaml`, `network-policies.yaml`,
//!   `secrets.yaml`, `gitops-<name>.yaml`
//! - `k8s/velero/<schedule>.yaml`
//! - `.github/workflows/hplc-drift.yaml` (outside `k8s/`: not deployed)

mod backup;
mod cluster;
mod config;
mod gateway;
mod gitops;
mod ingress;
pub mod labels;
mod monitoring;
mod network;
pub mod object;
mod placement;
mod pod;
mod quantity;
mod rbac;
mod scaling;
mod secrets;
mod services;
mod workloads;

use serde_yaml::Value;

use super::{Context, Output};
use crate::model::ServiceId;
use object::documents;

pub fn emit(context: &Context, output: &mut Output) {
    let platform = context.platform;
    add(output, "k8s/cluster/namespaces.yaml", &cluster::namespaces(context));
    add(output, "k8s/cluster/storage-classes.yaml", &cluster::storage_classes(context));
    add(output, "k8s/cluster/cluster-issuer.yaml", &ingress::cluster_issuer(context).into_iter().collect::<Vec<_>>());
    for (id, service) in platform.services.iter().enumerate().filter(|(_, s)| !s.managed) {
        let namespace = &platform.namespace_of(service).k8s_name;
        add(output, &format!("k8s/{namespace}/{}.yaml", service.k8s_name), &service_objects(context, id));
    }
    for (namespace, policies) in network::by_namespace(context) {
        add(output, &format!("k8s/{namespace}/network-policies.yaml"), &policies);
    }
    for (namespace, references) in secrets::by_namespace(context) {
        add(output, &format!("k8s/{namespace}/secrets.yaml"), &references);
    }
    for schedule in backup::velero_schedules(context) {
        let name = schedule["metadata"]["name"].as_str().unwrap_or_default().to_string();
        add(output, &format!("k8s/{}/{name}.yaml", backup::VELERO_NAMESPACE), &[schedule]);
    }
    for (namespace, application) in gitops::applications(context) {
        let name = application["metadata"]["name"].as_str().unwrap_or_default().to_string();
        add(output, &format!("k8s/{namespace}/gitops-{name}.yaml"), &[application]);
    }
    if let Some(workflow) = gitops::workflow(context) {
        output.add(gitops::WORKFLOW_FILE, workflow);
    }
}

fn add(output: &mut Output, path: &str, objects: &[Value]) {
    if !objects.is_empty() {
        output.add(path, documents(objects));
    }
}

/// Everything generated for one service, in the order a reader looks for
/// it (and kubectl applies it): identity, configuration, the workload, how
/// it is reached, how it scales, how it is watched and backed up.
fn service_objects(context: &Context, id: ServiceId) -> Vec<Value> {
    let mut objects = rbac::objects(context, id);
    objects.extend(config::config_map(context, id));
    objects.push(workloads::workload(context, id));
    objects.extend(services::services(context, id));
    objects.extend(ingress::ingress_class(context, id));
    objects.extend(ingress::ingress(context, id));
    objects.extend(scaling::autoscaler(context, id));
    objects.extend(scaling::disruption_budget(context, id));
    objects.extend(monitoring::service_monitor(context, id));
    objects.extend(backup::objects(context, id));
    objects
}

/// The kustomization file. Kustomize also reads it under this name (as it
/// does `kustomization.yaml`); without the `.yaml` ending it is not taken
/// for a Kubernetes document by schema validators, which it is not.
pub const KUSTOMIZATION_FILE: &str = "k8s/Kustomization";

/// `k8s/Kustomization`, listing every file under `k8s/` (whichever backend
/// wrote it), so that `kubectl apply -k out/k8s` deploys them all.
pub fn kustomization(output: &mut Output) {
    let resources: Vec<String> = output
        .files
        .keys()
        .filter_map(|p| p.strip_prefix("k8s/"))
        .filter(|p| p.ends_with(".yaml"))
        .map(str::to_string)
        .collect();
    if resources.is_empty() {
        return;
    }
    let mut text = String::from("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n");
    for r in resources {
        text.push_str(&format!("- {r}\n"));
    }
    output.add(KUSTOMIZATION_FILE, text);
}
