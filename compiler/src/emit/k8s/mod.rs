//! The Kubernetes backend: `k8s/` of the output, one file per namespace
//! and per cluster-wide concern; a `Kustomization` lists them all.
//!
//! Layout:
//! - `k8s/cluster/`: namespaces, storage classes, the ACME ClusterIssuer
//! - `k8s/<namespace>.yaml`: secret references; then, service by service,
//!   everything generated for it (account and RBAC, configuration,
//!   workload, Services, autoscaler, disruption budget, monitor, backup
//!   job); then the public gateway and its routes, the network policies,
//!   Argo CD applications and Velero schedules of the namespace
//! - `.github/workflows/hplc-drift.yaml` (outside `k8s/`: not deployed)
//! - `restore/<namespace>/<name>.yaml`: the recovery of each archived
//!   cluster (outside `k8s/`: applied by hand, as the README says)

pub(crate) mod backup;
mod cluster;
mod config;
mod gateway;
mod gitops;
mod logins;
mod network;
mod placement;
mod pod;
mod rbac;
mod replicated;
mod routes;
mod scaling;
mod secrets;
mod services;
pub(crate) mod workloads;

use std::collections::BTreeMap;

use super::kube;
use super::yaml::{documents, documents_into, Value};
use super::{Context, Output};
use crate::model::{Install, ServiceId};
use placement::Nodes;

/// What every service's objects look up, found once for all of them.
struct Shared<'a> {
    nodes: Nodes<'a>,
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
    };
    add(
        output,
        "k8s/cluster/cluster-issuer.yaml",
        &gateway::cluster_issuers(context),
    );
    let mut namespaces: BTreeMap<&str, Namespace> = BTreeMap::new();
    // The secret references of each namespace in a file of their own, which
    // bootstrap.sh applies as soon as their controller runs, before the
    // charts whose pods read them (kubectl apply -k k8s/ comes last).
    for (namespace, references) in secrets::by_namespace(context) {
        add(output, &kube::secrets_file(namespace), &references);
    }
    // A chart's objects come from the chart (see emit/charts), the pods of
    // an operated service from its controller (the gateway's below; a
    // replicated cluster's from the custom resources written here).
    for (id, service) in platform
        .deployed()
        .filter(|(_, s)| matches!(s.install, Install::Manifests) || s.replication.is_some())
    {
        let namespace = &platform.namespace_of(service).k8s_name;
        namespaces.entry(namespace).or_default().services.push(id);
    }
    // The services' objects are most of the output and independent of each
    // other: namespaces are written on every core, their network policies
    // computed meanwhile. Each worker returns its namespaces in order, so
    // the output is the same whatever finishes first.
    let (mut texts, policies) = std::thread::scope(|scope| {
        let handles: Vec<_> = balanced_chunks(&namespaces, crate::workers())
            .into_iter()
            .map(|chunk| {
                let shared = &shared;
                scope.spawn(move || {
                    chunk
                        .into_iter()
                        .map(|(name, namespace)| (name, namespace.text(context, shared)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let policies = network::by_namespace(context);
        let texts: BTreeMap<&str, String> = handles
            .into_iter()
            .flat_map(|h| h.join().expect("a Kubernetes worker panicked"))
            .collect();
        (texts, policies)
    });
    // The gateway and its routes, then what lets the workloads talk, syncs
    // and backs them up.
    let public = gateway::objects(context, &shared.nodes)
        .into_iter()
        .chain(routes::objects(context));
    for (namespace, object) in public {
        documents_into(texts.entry(namespace).or_default(), &[object]);
    }
    for (namespace, objects) in policies {
        documents_into(texts.entry(namespace).or_default(), &objects);
    }
    for (namespace, _, application) in gitops::applications(context) {
        documents_into(texts.entry(namespace).or_default(), &[application]);
    }
    for (namespace, schedule) in backup::velero_schedules(context) {
        documents_into(texts.entry(namespace).or_default(), &[schedule]);
    }
    for (namespace, text) in texts {
        if !text.is_empty() {
            output.add(kube::namespace_file(namespace), text);
        }
    }
    if let Some(workflow) = gitops::workflow(context) {
        output.add(gitops::WORKFLOW_FILE, workflow);
    }
    recoveries(context, &shared, output);
}

/// `restore/<namespace>/<name>.yaml`: the `Cluster` that recovers each
/// archived cluster from its archive. Outside `k8s/`, so that neither
/// `kubectl apply -k k8s/` nor Argo CD applies it; the README's restore
/// runbook does, in place of a lost cluster.
fn recoveries(context: &Context, shared: &Shared, output: &mut Output) {
    let platform = context.platform;
    for (id, service) in platform.deployed() {
        if let Some(cluster) = replicated::recovery(context, &shared.nodes, id) {
            let namespace = &platform.namespace_of(service).k8s_name;
            add(
                output,
                &recovery_file(namespace, &service.k8s_name),
                &[cluster],
            );
        }
    }
}

/// Where the recovery manifest of the cluster `name` is written.
pub fn recovery_file(namespace: &str, name: &str) -> String {
    format!("restore/{namespace}/{name}.yaml")
}

/// The objects of one namespace that the workers write: every service in
/// the platform's order.
#[derive(Default)]
struct Namespace {
    services: Vec<ServiceId>,
}

impl Namespace {
    fn text(&self, context: &Context, shared: &Shared) -> String {
        let mut text = String::with_capacity(8 * 1024 * (self.services.len() + 1));
        for &id in &self.services {
            documents_into(&mut text, &service_objects(context, shared, id));
        }
        text
    }
}

/// The namespaces in order, cut into at most `parts` runs of about the same
/// number of services (a namespace's size is mostly its services).
fn balanced_chunks<'m, 'a>(
    namespaces: &'m BTreeMap<&'a str, Namespace>,
    parts: usize,
) -> Vec<Vec<(&'a str, &'m Namespace)>> {
    let total: usize = namespaces.values().map(|n| n.services.len() + 1).sum();
    let share = total.div_ceil(parts.max(1)).max(1);
    let mut chunks = vec![Vec::new()];
    let mut filled = 0;
    for (name, namespace) in namespaces {
        if filled >= share {
            chunks.push(Vec::new());
            filled = 0;
        }
        filled += namespace.services.len() + 1;
        chunks
            .last_mut()
            .expect("one chunk")
            .push((*name, namespace));
    }
    chunks
}

fn add(output: &mut Output, path: &str, objects: &[Value]) {
    if !objects.is_empty() {
        output.add(path, documents(objects));
    }
}

/// Everything generated for one service, in the order a reader looks for
/// it (and kubectl applies it): identity, configuration, the workload, how
/// it is reached, how it scales, how it is watched and backed up.
fn service_objects<'a>(
    context: &Context<'a>,
    shared: &Shared<'a>,
    id: ServiceId,
) -> Vec<Value<'a>> {
    if context.platform.services[id].replication.is_some() {
        let mut objects = replicated::objects(context, &shared.nodes, id);
        objects.extend(backup::objects(context, id));
        return objects;
    }
    let files = config::files(context, id);
    let workload = workloads::workload(context, &shared.nodes, id, &files);
    let mut objects = rbac::objects(context, id);
    objects.extend(config::config_map(context, id, files));
    objects.push(workload);
    objects.extend(services::services(context, id));
    objects.extend(scaling::autoscaler(context, id));
    objects.extend(scaling::disruption_budget(context, id));
    objects.extend(backup::objects(context, id));
    objects
}

/// The kustomization file, under the name kustomize looks for first.
pub const KUSTOMIZATION_FILE: &str = "k8s/kustomization.yaml";

/// `k8s/kustomization.yaml`, listing every file under `k8s/` (whichever
/// backend wrote it), so that `kubectl apply -k out/k8s` deploys them all.
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
