//! Security (seed 000 §7.2, dashboard 5): failed authentications (at the
//! ingress controller and the JWT gateway), NetworkPolicy denials and
//! certificate expiry, from the panels components and the platform's
//! `monitoring` declare; beside them, the security posture the source
//! declares (public endpoints, Pod Security levels, privileged workloads).

use std::fmt::Write as _;

use super::{deployed, Board, Scope};
use crate::emit::grafana::layout::{Chart, Spec};
use crate::emit::grafana::schema::Dashboard;
use crate::emit::Context;

/// Rows a posture table shows; the rest are counted (the dashboard must
/// stay small whatever the platform's size; the source lists them all).
const MAX_ROWS: usize = 50;

pub fn build(context: &Context) -> Dashboard {
    let mut board = Board::new(context, "security", Scope::Targets);
    board.component_rows(&deployed(context));
    board.row("posture", "Declared in the source");
    board.add(
        Spec::new(
            "posture/text",
            Chart::Text,
            "Public endpoints, Pod Security, privileges",
        )
        .text(posture(context)),
    );
    board.finish()
}

/// Appends `rows` to a Markdown table, the first [`MAX_ROWS`] of them.
fn table(out: &mut String, rows: impl Iterator<Item = String>, columns: usize) {
    let mut count = 0;
    for row in rows {
        if count < MAX_ROWS {
            out.push_str(&row);
            out.push('\n');
        }
        count += 1;
    }
    if count > MAX_ROWS {
        let _ = writeln!(
            out,
            "| … and {} more |{}",
            count - MAX_ROWS,
            " |".repeat(columns - 1)
        );
    }
}

fn posture(context: &Context) -> String {
    let platform = context.platform;
    let mut out = String::from("| public endpoint | service | TLS |\n|---|---|---|\n");
    // Endpoints without TLS first: they are what a reviewer looks for.
    let endpoints = platform
        .services
        .iter()
        .flat_map(|svc| svc.expose.iter().map(move |e| (svc, e)));
    let (plain, tls): (Vec<_>, Vec<_>) = endpoints.partition(|(_, e)| !e.tls);
    let rows = plain.iter().chain(&tls).map(|(svc, e)| {
        format!(
            "| {} | {} | {} |",
            e.host,
            svc.name,
            if e.tls { "yes" } else { "**no**" }
        )
    });
    table(&mut out, rows, 3);
    out.push_str("\n| namespace | Pod Security |\n|---|---|\n");
    let namespaces = platform.namespaces.iter().filter(|n| !n.managed);
    let (others, restricted): (Vec<_>, Vec<_>) =
        namespaces.partition(|n| n.pod_security.as_deref() != Some("restricted"));
    let rows = others.iter().chain(&restricted).map(|n| {
        format!(
            "| {} | {} |",
            n.k8s_name,
            n.pod_security.as_deref().unwrap_or("**none**")
        )
    });
    table(&mut out, rows, 2);
    let mut privileged = platform
        .services
        .iter()
        .filter(|svc| {
            svc.deployed()
                && (svc.pod.run_as == 0 || svc.pod.host_access || !svc.pod.capabilities.is_empty())
        })
        .map(|svc| {
            let mut what = Vec::new();
            if svc.pod.run_as == 0 {
                what.push("runs as root".to_string());
            }
            if svc.pod.host_access {
                what.push("reads the host".to_string());
            }
            if !svc.pod.capabilities.is_empty() {
                what.push(format!("adds {}", svc.pod.capabilities.join(", ")));
            }
            format!("| {} | {} |", svc.name, what.join("; "))
        })
        .peekable();
    if privileged.peek().is_some() {
        out.push_str("\n| workload with privileges | what |\n|---|---|\n");
        table(&mut out, privileged, 2);
    }
    out
}
