//! Security (seed 000 §7.2, dashboard 5): failed authentications (at the
//! ingress controller and the JWT gateway), NetworkPolicy denials and
//! certificate expiry, from the panels components and the platform's
//! `monitoring` declare; beside them, the security posture the source
//! declares (public endpoints, Pod Security levels, privileged workloads).

use std::fmt::Write as _;

use super::{with_panels, Board};
use crate::emit::grafana::layout::{Chart, Spec};
use crate::emit::grafana::schema::Dashboard;
use crate::emit::Context;

pub fn build(context: &Context) -> Dashboard {
    let services = with_panels(context, "security");
    let mut board = Board::new(context, "security", services.clone());
    board.component_rows(&services);
    board.row("posture", "Declared in the source");
    board.add(Spec::new("posture/text", Chart::Text, "Public endpoints, Pod Security, privileges").text(posture(context)));
    board.finish()
}

fn posture(context: &Context) -> String {
    let platform = context.platform;
    let mut out = String::from("| public endpoint | service | TLS |\n|---|---|---|\n");
    for service in &platform.services {
        for endpoint in &service.expose {
            let tls = if endpoint.tls { "yes" } else { "**no**" };
            let _ = writeln!(out, "| {} | {} | {tls} |", endpoint.host, service.name);
        }
    }
    out.push_str("\n| namespace | Pod Security |\n|---|---|\n");
    for namespace in platform.namespaces.iter().filter(|n| !n.managed) {
        let _ = writeln!(out, "| {} | {} |", namespace.k8s_name, namespace.pod_security.as_deref().unwrap_or("**none**"));
    }
    let privileged: Vec<String> = platform
        .services
        .iter()
        .filter(|svc| !svc.managed && (svc.run_as == 0 || svc.host_access || !svc.capabilities.is_empty()))
        .map(|svc| {
            let mut what = Vec::new();
            if svc.run_as == 0 {
                what.push("runs as root".to_string());
            }
            if svc.host_access {
                what.push("reads the host".to_string());
            }
            if !svc.capabilities.is_empty() {
                what.push(format!("adds {}", svc.capabilities.join(", ")));
            }
            format!("| {} | {} |", svc.name, what.join("; "))
        })
        .collect();
    if !privileged.is_empty() {
        let _ = writeln!(out, "\n| workload with privileges | what |\n|---|---|\n{}", privileged.join("\n"));
    }
    out
}
