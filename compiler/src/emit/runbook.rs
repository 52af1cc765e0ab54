//! The README's restore runbook: for every component with a `backup`, the
//! commands that restore the newest daily copy into a fresh instance and
//! show what came back; Velero's restore where a `cluster_backup` exists;
//! and the volumes that have no backup (W0604), which a replaced node loses.

use std::fmt::Write as _;

use crate::emit::k8s::{backup, workloads};
use crate::emit::kube::labels;
use crate::emit::Context;
use crate::model::show;

pub fn write(context: &Context) -> String {
    let platform = context.platform;
    let mut out = String::new();
    let backed_up: Vec<_> = platform
        .deployed()
        .filter(|(_, s)| s.backup.is_some() && s.backup_method.is_some())
        .collect();
    if backed_up.is_empty() && platform.cluster_backups.is_empty() {
        return out;
    }
    out.push_str("## Restoring the data\n\n");
    for (_, service) in &backed_up {
        let (Some(copy), Some(method)) = (&service.backup, &service.backup_method) else {
            continue;
        };
        let namespace = &platform.namespace_of(service).k8s_name;
        let restore = backup::restore_name(service);
        let workload = format!(
            "{}/{}",
            workloads::kind(service).to_lowercase(),
            service.k8s_name
        );
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
        let _ = writeln!(out, "kubectl -n {namespace} rollout status {workload}");
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
                "kubectl -n {namespace} exec {workload} -c {} -- sh -c '{}'",
                service.k8s_name, method.check
            );
        }
        out.push_str("```\n\n");
        let writers: Vec<String> = platform
            .deployed()
            .filter(|(_, s)| {
                s.needs
                    .iter()
                    .any(|n| platform.services[n.target].name == service.name)
            })
            .map(|(_, s)| format!("`{}`", s.name))
            .collect();
        if !writers.is_empty() {
            let _ = writeln!(
                out,
                "{} {} to it and reconnect{} by themselves; a restore replaces whatever {} wrote since the dump.\n",
                writers.join(", "),
                if writers.len() == 1 { "connects" } else { "connect" },
                if writers.len() == 1 { "s" } else { "" },
                if writers.len() == 1 { "it" } else { "they" },
            );
        }
        let _ = writeln!(
            out,
            "To test the backup now rather than at its schedule: `kubectl -n {namespace} create job --from=cronjob/{} {}-manual`.\n",
            backup::job_name(service),
            backup::job_name(service),
        );
    }
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
