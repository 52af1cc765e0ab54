//! Every volume that holds data has a way back after its loss (W0604): its
//! service's `backup` (the kind's dump, copied to object storage), its
//! replication's archive (an operator's base backups and write-ahead log in
//! a bucket), or a `cluster_backup` whose Velero copies the volume's files (file-system
//! backup: not from a class whose volumes are hostPath ones, and not in a
//! namespace it excludes), or it is declared `disposable`.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::show;
use crate::model::{Platform, Service, ServiceId, Volume};
use crate::placement::Plan;

pub fn check(platform: &Platform, plan: &Plan, diagnostics: &mut Diagnostics) {
    for (id, service, volume) in unprotected(platform) {
        diagnostics.push(warning(platform, plan, id, service, volume));
    }
}

/// The volumes that hold data and have no backup path, with their service.
pub fn unprotected_volumes(platform: &Platform) -> Vec<(&Service, &Volume)> {
    unprotected(platform)
        .map(|(_, service, volume)| (service, volume))
        .collect()
}

fn unprotected(platform: &Platform) -> impl Iterator<Item = (ServiceId, &Service, &Volume)> {
    platform
        .deployed()
        .filter(|(_, service)| service.backup.is_none() && !archived(service))
        .flat_map(move |(id, service)| {
            service
                .volumes
                .iter()
                .filter(move |v| !v.disposable && !copied_by_velero(platform, service, v))
                .map(move |v| (id, service, v))
        })
}

/// A replicated cluster whose operator archives it to a bucket.
fn archived(service: &Service) -> bool {
    service.replication.as_ref().is_some_and(|r| r.archives())
}

fn copied_by_velero(platform: &Platform, service: &Service, volume: &Volume) -> bool {
    volume.class.file_system_backup
        && platform
            .cluster_backups
            .iter()
            .any(|b| !b.exclude.contains(&service.namespace))
}

fn warning(
    platform: &Platform,
    plan: &Plan,
    id: ServiceId,
    service: &Service,
    volume: &Volume,
) -> Diagnostic {
    let size = show::bytes(volume.size);
    let class = &volume.class.name;
    let (what, lost) = if volume.class.node_local {
        let nodes: Vec<&str> = plan
            .nodes_of(id)
            .into_iter()
            .map(|n| platform.nodes[n].name.as_str())
            .collect();
        let on = match nodes.as_slice() {
            [] => String::new(),
            [one] => format!(", node {one}"),
            many => format!(", nodes {}", many.join(", ")),
        };
        (
            format!("{size} on {class}{on}"),
            "it lives on its node's boot volume, which replacing the node (a node pool's upgrade or cycle) replaces: the data is lost",
        )
    } else {
        (
            format!("{size} on {class}"),
            "it outlives its node, but nothing copies it elsewhere: deleting its claim, or a corrupted file system, loses the data",
        )
    };
    let velero = if volume.class.file_system_backup {
        format!(
            "add a `cluster_backup` (Velero's file-system backup) that includes namespace `{}`",
            platform.namespaces[service.namespace].name
        )
    } else {
        format!("move it to a class Velero's file-system backup copies ({class} volumes are hostPath ones, which it refuses)")
    };
    Diagnostic::new(
        Code::VolumeWithoutBackup,
        volume.span,
        format!(
            "`{}`'s volume `{}` ({what}) has no backup: {lost}",
            service.name, volume.name
        ),
    )
    .label("no backup path")
    .help(format!(
        "give `{}` a `backup` where its kind has a backup method, {velero}, or write `disposable = true` in the volume if what it holds may be lost (a cache, state the service rebuilds)",
        service.name
    ))
}
