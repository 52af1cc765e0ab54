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

use super::yaml::{documents, Value};
use super::{Context, Output};
use crate::model::ServiceId;
use placement::Nodes;

/// What every service's objects look up, found once for all of them.
struct Shared<'a> {
    nodes: Nodes<'a>,
    /// The IngressClass every Ingress names.
    ingress_class: Option<&'a str>,
}

pub fn emit(context: &Context, output: &mut Output) {
    let platform = context.platform;
    add(
        output,
        "k8s/cluster/namespaces.yaml",
        &cluster::namespaces(context),
    );
    add(
        output,
        "k8s/cluster/storage-classes.yaml",
        &cluster::storage_classes(context),
    );
    let shared = Shared {
        nodes: Nodes::new(context),
        ingress_class: ingress::class(platform),
    };
    add(
        output,
        "k8s/cluster/cluster-issuer.yaml",
        &ingress::cluster_issuer(context, shared.ingress_class)
            .into_iter()
            .collect::<Vec<_>>(),
    );
    let services: Vec<ServiceId> = (0..platform.services.len())
        .filter(|id| !platform.services[*id].managed)
        .collect();
    // The services' files are most of the output and independent of each
    // other: they are written on every core, the network policies beside
    // them. The files go into a sorted map, so the output is the same
    // whatever finishes first.
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let (service_files, policies) = std::thread::scope(|scope| {
        let handles: Vec<_> = services
            .chunks(services.len().div_ceil(workers).max(1))
            .map(|ids| {
                scope.spawn(|| {
                    ids.iter()
                        .map(|&id| service_file(context, &shared, id))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let policies: Vec<(String, String)> = network::by_namespace(context)
            .into_iter()
            .map(|(namespace, policies)| {
                (
                    format!("k8s/{namespace}/network-policies.yaml"),
                    documents(&policies),
                )
            })
            .collect();
        let files: Vec<Vec<(String, String)>> = handles
            .into_iter()
            .map(|h| h.join().expect("a Kubernetes worker panicked"))
            .collect();
        (files, policies)
    });
    for (path, text) in service_files.into_iter().flatten().chain(policies) {
        output.add(path, text);
    }
    for (namespace, references) in secrets::by_namespace(context) {
        add(
            output,
            &format!("k8s/{namespace}/secrets.yaml"),
            &references,
        );
    }
    for (name, schedule) in backup::velero_schedules(context) {
        add(
            output,
            &format!("k8s/{}/{name}.yaml", backup::VELERO_NAMESPACE),
            &[schedule],
        );
    }
    for (namespace, name, application) in gitops::applications(context) {
        add(
            output,
            &format!("k8s/{namespace}/gitops-{name}.yaml"),
            &[application],
        );
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

/// `k8s/<namespace>/<service>.yaml`: its path and text.
fn service_file(context: &Context, shared: &Shared, id: ServiceId) -> (String, String) {
    let service = &context.platform.services[id];
    let namespace = &context.platform.namespace_of(service).k8s_name;
    (
        format!("k8s/{namespace}/{}.yaml", service.k8s_name),
        documents(&service_objects(context, shared, id)),
    )
}

/// Everything generated for one service, in the order a reader looks for
/// it (and kubectl applies it): identity, configuration, the workload, how
/// it is reached, how it scales, how it is watched and backed up.
fn service_objects<'a>(
    context: &Context<'a>,
    shared: &Shared<'a>,
    id: ServiceId,
) -> Vec<Value<'a>> {
    let files = config::files(context, id);
    let workload = workloads::workload(context, &shared.nodes, id, &files);
    let mut objects = rbac::objects(context, id);
    objects.extend(config::config_map(context, id, files));
    objects.push(workload);
    objects.extend(services::services(context, id));
    objects.extend(ingress::ingress_class(context, id));
    objects.extend(ingress::ingress(context, shared.ingress_class, id));
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
    let resources: Vec<&str> = output
        .files
        .keys()
        .filter_map(|p| p.strip_prefix("k8s/"))
        .filter(|p| p.ends_with(".yaml"))
        .collect();
    if resources.is_empty() {
        return;
    }
    let mut text = String::from(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n",
    );
    for r in resources {
        text.push_str("- ");
        text.push_str(r);
        text.push('\n');
    }
    output.add(KUSTOMIZATION_FILE, text);
}
