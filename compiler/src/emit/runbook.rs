//! The README's restore runbook: for every component with a `backup`, the
//! commands that restore the newest daily copy into a fresh instance and
//! show what came back; Velero's restore where a `cluster_backup` exists;
//! and the volumes that have no backup (W0604), which a replaced node loses.

use std::fmt::Write as _;

use crate::emit::k8s::{backup, workloads};
use crate::emit::kube::labels;
use crate::emit::Context;
use crate::graph::EdgeKind;
use crate::model::{show, ServiceId};

/// The deployed services that need `service`, in order, each once: from
/// the graph's edges into it (a client's `needs` edges are built in order,
/// one per port it opens).
fn clients<'a>(context: &Context<'a>, service: ServiceId) -> Vec<&'a str> {
    let mut clients: Vec<&str> = Vec::new();
    for edge in context.graph.edges_to(service) {
        let client = &context.platform.services[edge.from];
        if edge.kind == EdgeKind::Needs
            && client.deployed()
            && clients.last() != Some(&client.name.as_str())
        {
            clients.push(&client.name);
        }
    }
    clients
}

pub fn write(context: &Context) -> String {
    let platform = context.platform;
    let mut out = String::new();
    let backed_up: Vec<_> = platform
        .deployed()
        .filter(|(_, s)| s.backup.is_some() && s.backup_method.is_some())
        .collect();
    let archived = platform
        .deployed()
        .any(|(_, s)| s.replication.as_ref().is_some_and(|r| r.archives()));
    if backed_up.is_empty() && platform.cluster_backups.is_empty() && !archived {
        return out;
    }
    out.push_str("## Restoring the data\n\n");
    for (id, service) in &backed_up {
        let (Some(copy), Some(method)) = (&service.backup, &service.backup_method) else {
            continue;
        };
        let namespace = &platform.namespace_of(service).k8s_name;
        let restore = backup::restore_name(service);
        // A replicated cluster has no workload of hplc's: it is ready when
        // its Cluster is, and its primary is behind `<name>-rw`, in the
        // operator's container `postgres`.
        let (ready, exec) = if service.replication.is_some() {
            (
                format!(
                    "wait --for=condition=Ready --timeout=30m cluster/{}",
                    service.k8s_name
                ),
                format!("svc/{}-rw -c postgres", service.k8s_name),
            )
        } else {
            let workload = format!(
                "{}/{}",
                workloads::kind(service).to_lowercase(),
                service.k8s_name
            );
            (
                format!("rollout status {workload}"),
                format!("{workload} -c {}", service.k8s_name),
            )
        };
        let _ = writeln!(
            out,
            "### `{}`\n\nThe CronJob `{}` dumps it at `{}` (UTC) into the bucket `{}` under `{}/daily/<date>/` ({} daily and {} weekly copies). To bring the newest daily copy back into a fresh, empty instance (a replaced node, a lost volume, a new cluster):\n",
            service.name,
            backup::job_name(service),
            copy.schedule,
            copy.bucket,
            service.k8s_name,
            copy.keep_daily,
            copy.keep_weekly,
        );
        let claims: Vec<String> = service
            .volumes
            .iter()
            .filter(|v| v.class.node_local)
            .map(|v| format!("{}-{}-0", labels::volume(&v.name), service.k8s_name))
            .collect();
        if !claims.is_empty() {
            let _ = writeln!(
                out,
                "If its node was replaced, its claim still names the old node's volume and its pod stays Pending: delete them, and the StatefulSet makes a new, empty volume on the new node: `kubectl -n {namespace} delete pvc {} --wait=false && kubectl -n {namespace} delete pod {}-0`.\n",
                claims.join(" "),
                service.k8s_name,
            );
        }
        let _ = writeln!(
            out,
            "Then, once the instance runs, the restore job (from its suspended CronJob) downloads the newest daily copy and restores it{}:\n",
            if method.check.is_empty() { "" } else { "; the last command shows what came back" },
        );
        let _ = writeln!(out, "```sh\njob={restore}-$(date -u +%Y%m%d%H%M)");
        let _ = writeln!(out, "kubectl -n {namespace} {ready}");
        let _ = writeln!(
            out,
            "kubectl -n {namespace} create job --from=cronjob/{restore} \"$job\""
        );
        let _ = writeln!(
            out,
            "kubectl -n {namespace} wait --for=condition=complete --timeout=30m \"job/$job\""
        );
        let _ = writeln!(
            out,
            "kubectl -n {namespace} logs \"job/$job\" -c download   # the day it fetched"
        );
        let _ = writeln!(out, "kubectl -n {namespace} logs \"job/$job\" -c restore");
        if !method.check.is_empty() {
            let _ = writeln!(
                out,
                "kubectl -n {namespace} exec {exec} -- sh -c '{}'",
                method.check
            );
        }
        out.push_str("```\n\n");
        let writers: Vec<String> = clients(context, *id)
            .iter()
            .map(|s| format!("`{s}`"))
            .collect();
        if !writers.is_empty() {
            let (connect, reconnect, they) = match writers.len() {
                1 => ("connects", "reconnects by itself", "it"),
                _ => ("connect", "reconnect by themselves", "they"),
            };
            let _ = writeln!(
                out,
                "{} {connect} to it and {reconnect}; a restore replaces whatever {they} wrote since the dump.\n",
                writers.join(", "),
            );
        }
        let _ = writeln!(
            out,
            "To test the backup now rather than at its schedule: `kubectl -n {namespace} create job --from=cronjob/{} {}-manual`.\n",
            backup::job_name(service),
            backup::job_name(service),
        );
    }
    archives(context, &mut out);
    for cluster in &platform.cluster_backups {
        let velero = &platform.services[cluster.velero];
        let namespace = &platform.namespace_of(velero).k8s_name;
        let _ = writeln!(
            out,
            "### Velero's `{}`\n\nThe cluster's objects and the files of its volumes (file-system backup; not the disposable volumes of the pods hplc writes), at `{}` (UTC), into the bucket `{}`. `velero -n {namespace} backup get` lists the backups; `velero -n {namespace} restore create --from-schedule {}` restores the newest into the cluster, and `velero -n {namespace} restore describe <name> --details` says what it restored.\n",
            cluster.name, cluster.schedule, cluster.bucket, cluster.k8s_name,
        );
    }
    let lost = crate::safety::unprotected_volumes(platform);
    if !lost.is_empty() {
        let list: Vec<String> = lost
            .iter()
            .map(|(service, volume)| {
                format!(
                    "`{}`'s `{}` ({} on {})",
                    service.name,
                    volume.name,
                    show::bytes(volume.size),
                    volume.class.name
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "### No backup\n\nThese volumes have no backup path (W0604): what they hold is lost with them. {}.\n",
            list.join(", ")
        );
    }
    out
}

/// The field manager of Argo CD's server-side apply (argo-cd's
/// common/common.go, `ArgoCDSSAManager`), which its syncs use with
/// `ServerSideApply=true`.
const ARGO_CD_MANAGER: &str = "argocd-controller";

/// Each archived cluster's recovery from its archive, with the manifest
/// hplc writes for it (`restore/`): Argo CD paused so that it does not
/// recreate the lost cluster empty, the cluster replaced by its recovery,
/// and the next generation set in the source so that the cluster the
/// platform applies archives where the recovered one does.
fn archives(context: &Context, out: &mut String) {
    let platform = context.platform;
    for (_, service) in platform.deployed() {
        let Some(replication) = service.replication.as_ref().filter(|r| r.archives()) else {
            continue;
        };
        let Some(bucket) = platform
            .buckets
            .iter()
            .find(|b| Some(&b.k8s_name) == replication.bucket.as_ref())
        else {
            continue;
        };
        let namespace = &platform.namespace_of(service).k8s_name;
        let name = &service.k8s_name;
        let file = crate::emit::k8s::recovery_file(namespace, name);
        let generation = replication.generation;
        let server = replication.server_name(name, generation);
        let next = replication.server_name(name, generation + 1);
        let _ = writeln!(
            out,
            "### `{}`: recovery from its archive\n\nCloudNativePG archives its write-ahead log as it is written, and a base backup at `{}` (UTC), into the bucket `{}` under `{name}/{server}/` (kept {} days). When the cluster is lost (every instance's volume gone) or its data damaged, `{file}` recovers it from there up to the last archived transaction: a `Cluster` of the same name, which the platform does not apply, so that its Services, clients and policies stay as they are. It archives from then on under `{name}/{next}/`, as the plugin refuses to archive where a former cluster has. To stop at an earlier moment, add `recoveryTarget: {{targetTime: \"<RFC 3339 time>\"}}` under its `bootstrap.recovery` first.\n",
            service.name,
            replication.schedule,
            bucket.cloud_name,
            replication.keep_ms / (24 * 60 * 60 * 1000),
        );
        let _ = writeln!(out, "```sh");
        let gitops = platform.gitops.first();
        if let Some(gitops) = gitops {
            let _ = writeln!(
                out,
                "kubectl -n {} patch application {} --type merge -p '{{\"spec\":{{\"syncPolicy\":{{\"automated\":null}}}}}}'   # or Argo CD recreates it empty",
                platform.namespaces[gitops.namespace].k8s_name, gitops.k8s_name
            );
        }
        let _ = writeln!(
            out,
            "kubectl -n {namespace} delete cluster {name} --ignore-not-found   # its volumes go with it"
        );
        // Applied by the field manager that applies the platform, so that
        // its next apply of the cluster replaces the recovery's bootstrap
        // rather than adding `initdb` beside it (which the operator's
        // webhook refuses).
        match gitops {
            Some(_) => {
                let _ = writeln!(
                    out,
                    "kubectl apply --server-side --field-manager={ARGO_CD_MANAGER} -f {file}   # as Argo CD applies"
                );
            }
            None => {
                let _ = writeln!(out, "kubectl apply --server-side -f {file}");
            }
        }
        let _ = writeln!(
            out,
            "kubectl -n {namespace} wait --for=condition=Ready --timeout=2h cluster/{name}"
        );
        let _ = writeln!(
            out,
            "kubectl -n {namespace} exec svc/{name}-rw -c postgres -- psql --list"
        );
        out.push_str("```\n\n");
        let resume = match gitops {
            Some(gitops) => format!(
                ", then turn Argo CD's automated sync back on (`kubectl apply --server-side -f {}`)",
                crate::emit::kube::namespace_file(&platform.namespaces[gitops.namespace].k8s_name)
            ),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "Then write `generation = {}` in `{}`'s `replication`, build and commit, so that the cluster the platform applies archives under `{next}` too{resume}. The archive under `{name}/{server}/` stays in the bucket: delete it once the new one holds a base backup older than {} days.\n",
            generation + 1,
            service.name,
            replication.keep_ms / (24 * 60 * 60 * 1000),
        );
    }
}
