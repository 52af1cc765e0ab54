//! `hplc graph`: the dependency graph as Graphviz dot or Mermaid, namespaces
//! as clusters, services as nodes, edges labelled with their ports.

use std::fmt::Write as _;

use super::{EdgeKind, Graph};
use crate::model::{Namespace, Platform, Service};

/// Every namespace that has services, with its services in order: the
/// clusters both formats draw, found in one pass over the services.
fn clusters(platform: &Platform) -> Vec<(&Namespace, Vec<&Service>)> {
    let mut members: Vec<Vec<&Service>> = vec![Vec::new(); platform.namespaces.len()];
    for service in &platform.services {
        members[service.namespace].push(service);
    }
    platform
        .namespaces
        .iter()
        .zip(members)
        .filter(|(_, services)| !services.is_empty())
        .collect()
}

fn edge_label(ports: &[(String, u16)]) -> String {
    let ports: Vec<String> = ports
        .iter()
        .map(|(n, p)| {
            if n.is_empty() {
                p.to_string()
            } else {
                format!("{n} {p}")
            }
        })
        .collect();
    ports.join(", ")
}

fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

pub fn dot(platform: &Platform, graph: &Graph) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph {} {{", quote(&platform.name));
    let _ = writeln!(out, "  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];");
    for (namespace, members) in clusters(platform) {
        let _ = writeln!(
            out,
            "  subgraph {} {{",
            quote(&format!("cluster_{}", namespace.name))
        );
        let _ = writeln!(out, "    label={};", quote(&namespace.k8s_name));
        for s in members {
            let _ = writeln!(
                out,
                "    {} [label={}];",
                quote(&s.name),
                quote(&s.k8s_name)
            );
        }
        let _ = writeln!(out, "  }}");
    }
    for edge in &graph.edges {
        let style = match edge.kind {
            EdgeKind::Needs => "solid",
            EdgeKind::Ingress => "bold",
            EdgeKind::Scrape => "dashed",
            EdgeKind::Scale => "dotted",
        };
        let _ = writeln!(
            out,
            "  {} -> {} [label={}, style={style}];",
            quote(&platform.services[edge.from].name),
            quote(&platform.services[edge.to].name),
            quote(&edge_label(&edge.ports)),
        );
    }
    out.push_str("}\n");
    out
}

pub fn mermaid(platform: &Platform, graph: &Graph) -> String {
    let mut out = String::from("flowchart LR\n");
    for (namespace, members) in clusters(platform) {
        let _ = writeln!(
            out,
            "  subgraph {}[\"{}\"]",
            namespace.name, namespace.k8s_name
        );
        for s in members {
            let _ = writeln!(out, "    {}[\"{}\"]", s.name, s.k8s_name);
        }
        let _ = writeln!(out, "  end");
    }
    for edge in &graph.edges {
        let arrow = match edge.kind {
            EdgeKind::Needs => "-->",
            EdgeKind::Ingress => "==>",
            EdgeKind::Scrape | EdgeKind::Scale => "-.->",
        };
        let label = edge_label(&edge.ports);
        let (from, to) = (
            &platform.services[edge.from].name,
            &platform.services[edge.to].name,
        );
        if label.is_empty() {
            let _ = writeln!(out, "  {from} {arrow} {to}");
        } else {
            let _ = writeln!(out, "  {from} {arrow}|\"{label}\"| {to}");
        }
    }
    out
}
