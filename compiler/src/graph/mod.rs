//! The service dependency graph: every `needs` edge the source declares and
//! the implicit ones (the ingress controller to each exposed service, the
//! metrics scraper to each metrics endpoint and exporter, the event
//! autoscaler to the metrics store it reads queues from). It is the one
//! source of NetworkPolicies and startup ordering in the backends.
//!
//! Only declared `needs` edges take part in cycle detection and startup
//! order: implicit edges are traffic permissions, not start-up dependencies.

mod render;

pub use render::{dot, mermaid};

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::{Platform, ServiceId};
use crate::source::Span;

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum EdgeKind {
    /// `needs = [...]` in the source.
    Needs,
    /// The public gateway forwards public traffic to an exposed service.
    Ingress,
    /// The scraper reads a metrics endpoint.
    Scrape,
    /// The event autoscaler (KEDA) queries the metrics store for the
    /// queues services scale on.
    Scale,
}

impl EdgeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Needs => "needs",
            EdgeKind::Ingress => "ingress",
            EdgeKind::Scrape => "scrape",
            EdgeKind::Scale => "scale",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Edge {
    pub from: ServiceId,
    pub to: ServiceId,
    pub kind: EdgeKind,
    /// The ports of `to` that `from` may reach, by name.
    pub ports: Vec<(String, u16)>,
    /// Where the edge comes from in the source.
    pub span: Span,
}

#[derive(Debug)]
pub struct Graph {
    pub graph: DiGraph<ServiceId, usize>,
    pub edges: Vec<Edge>,
}

impl Graph {
    /// The edges leaving a service, in the order they were built.
    pub fn edges_from(&self, service: ServiceId) -> impl Iterator<Item = &Edge> {
        self.adjacent(service, petgraph::Direction::Outgoing)
    }

    /// The declared `needs` edges alone: what start-up order and cycles
    /// are about (implicit edges are traffic permissions).
    fn needs_only(&self) -> DiGraph<ServiceId, usize> {
        self.graph.filter_map(
            |_, s| Some(*s),
            |_, e| (self.edges[*e].kind == EdgeKind::Needs).then_some(*e),
        )
    }

    /// The edges reaching a service, in the order they were built.
    pub fn edges_to(&self, service: ServiceId) -> impl Iterator<Item = &Edge> {
        self.adjacent(service, petgraph::Direction::Incoming)
    }

    /// From the graph's adjacency rather than a scan of every edge; petgraph
    /// lists a node's edges newest first, so they are put back in order.
    fn adjacent(
        &self,
        service: ServiceId,
        direction: petgraph::Direction,
    ) -> impl Iterator<Item = &Edge> {
        let mut ids: Vec<usize> = self
            .graph
            .edges_directed(NodeIndex::new(service), direction)
            .map(|e| *e.weight())
            .collect();
        ids.sort_unstable();
        ids.into_iter().map(move |i| &self.edges[i])
    }
}

pub fn build(platform: &Platform) -> Graph {
    let mut edges = Vec::new();
    let mut declared = std::collections::HashSet::new();
    for (from, service) in platform.services.iter().enumerate() {
        for need in &service.needs {
            // `needs = [a, a]` is one edge; an edge opens one port: the one
            // the need names, else the target's main port.
            if declared.insert((from, need.target, need.port.clone())) {
                let target = &platform.services[need.target];
                let port = match &need.port {
                    Some(name) => target.ports.get_key_value(name).map(|(n, p)| (n, *p)),
                    None => target.main_port(),
                };
                let ports = port.map(|(n, p)| (n.clone(), p)).into_iter().collect();
                edges.push(Edge {
                    from,
                    to: need.target,
                    kind: EdgeKind::Needs,
                    ports,
                    span: need.span,
                });
            }
        }
    }
    for (from, controller) in platform
        .services
        .iter()
        .enumerate()
        .filter(|(_, s)| s.roles.ingress)
    {
        // The gateway's own endpoints name the hosts of its routes.
        for (to, target) in platform
            .services
            .iter()
            .enumerate()
            .filter(|(to, s)| *to != from && !s.expose.is_empty())
        {
            let mut ports: Vec<(String, u16)> = Vec::new();
            for endpoint in &target.expose {
                let port = if endpoint.port.is_empty() {
                    target.ports.first()
                } else {
                    target.ports.get_key_value(&endpoint.port)
                };
                if let Some((name, number)) = port {
                    if !ports.iter().any(|(n, _)| n == name) {
                        ports.push((name.clone(), *number));
                    }
                }
            }
            let span = target
                .expose
                .first()
                .map(|e| e.span)
                .unwrap_or(controller.span);
            edges.push(Edge {
                from,
                to,
                kind: EdgeKind::Ingress,
                ports,
                span,
            });
        }
    }
    for (from, scraper) in platform
        .services
        .iter()
        .enumerate()
        .filter(|(_, s)| s.roles.scraper)
    {
        for (to, target) in platform.services.iter().enumerate() {
            if to == from {
                continue;
            }
            let mut ports = Vec::new();
            if let Some(port) = target.metrics_port_number() {
                let name = target
                    .ports
                    .iter()
                    .find(|(_, p)| **p == port)
                    .map(|(n, _)| n.clone())
                    .unwrap_or_default();
                ports.push((name, port));
            }
            if let Some(exporter) = &target.pod.exporter {
                ports.push(("metrics".to_string(), exporter.port));
            }
            if !ports.is_empty() {
                edges.push(Edge {
                    from,
                    to,
                    kind: EdgeKind::Scrape,
                    ports,
                    span: scraper.span,
                });
            }
        }
    }
    edges.extend(scale_edge(platform));
    let mut graph = DiGraph::new();
    let nodes: Vec<NodeIndex> = (0..platform.services.len())
        .map(|s| graph.add_node(s))
        .collect();
    for (i, edge) in edges.iter().enumerate() {
        graph.add_edge(nodes[edge.from], nodes[edge.to], i);
    }
    Graph { graph, edges }
}

/// KEDA to the Prometheus it queries, on its query port, when a service
/// scales on a queue (its ScaledObject's `prometheus` trigger); traced to
/// the first such `autoscale`.
fn scale_edge(platform: &Platform) -> Option<Edge> {
    let from = platform.event_scaler()?;
    let (to, port) = platform.metrics_store()?;
    let span = platform
        .services
        .iter()
        .filter(|s| s.queue_target().is_some())
        .find_map(|s| Some(s.autoscale.as_ref()?.span))?;
    let ports = platform.services[to]
        .ports
        .get_key_value(port)
        .map(|(name, number)| (name.clone(), *number))
        .into_iter()
        .collect();
    Some(Edge {
        from,
        to,
        kind: EdgeKind::Scale,
        ports,
        span,
    })
}

/// Dependency cycles among `needs` edges, each reported once with the whole
/// chain, every edge labelled where it is declared.
pub fn check(graph: &Graph, platform: &Platform, diagnostics: &mut Diagnostics) {
    let needs = graph.needs_only();
    let mut components = tarjan_scc(&needs);
    // tarjan_scc's order depends on traversal; sort for stable output.
    for c in &mut components {
        c.sort_by_key(|n| needs[*n]);
    }
    components.sort_by_key(|c| needs[c[0]]);
    for component in components {
        let start = component[0];
        let is_cycle = component.len() > 1 || needs.find_edge(start, start).is_some();
        if !is_cycle {
            continue;
        }
        let chain = cycle_through(&needs, start, &component);
        let names: Vec<&str> = chain
            .iter()
            .map(|e| platform.services[graph.edges[*e].from].name.as_str())
            .collect();
        let first = &graph.edges[chain[0]];
        let mut diagnostic = Diagnostic::new(
            Code::DependencyCycle,
            first.span,
            format!("dependency cycle: {} -> {}", names.join(" -> "), names[0]),
        )
        .label(format!("`{}` needs `{}`", platform.services[first.from].name, platform.services[first.to].name))
        .help("services start in dependency order, so a cycle can never start; remove one of these `needs`");
        for e in &chain[1..] {
            let edge = &graph.edges[*e];
            diagnostic = diagnostic.with_label(
                edge.span,
                format!(
                    "`{}` needs `{}`",
                    platform.services[edge.from].name, platform.services[edge.to].name
                ),
            );
        }
        diagnostics.push(diagnostic);
    }
}

/// Edges of one cycle from `start` back to it inside its component,
/// preferring the lowest-numbered next service at each step.
fn cycle_through(
    needs: &DiGraph<ServiceId, usize>,
    start: NodeIndex,
    component: &[NodeIndex],
) -> Vec<usize> {
    // Breadth-first search for the shortest way back to `start`.
    let mut previous: std::collections::HashMap<NodeIndex, (NodeIndex, usize)> = Default::default();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        let mut next: Vec<_> = needs
            .edges(node)
            .map(|e| (e.target(), *e.weight()))
            .collect();
        next.sort_by_key(|(t, e)| (needs[*t], *e));
        for (target, edge) in next {
            if !component.contains(&target) {
                continue;
            }
            if target == start {
                let mut chain = vec![edge];
                let mut at = node;
                while at != start {
                    let (p, e) = previous[&at];
                    chain.push(e);
                    at = p;
                }
                chain.reverse();
                return chain;
            }
            if let std::collections::hash_map::Entry::Vacant(slot) = previous.entry(target) {
                slot.insert((node, edge));
                queue.push_back(target);
            }
        }
    }
    Vec::new()
}

/// Services in an order where each comes after what it needs; `None` when
/// the needs have a cycle.
pub fn startup_order(graph: &Graph) -> Option<Vec<ServiceId>> {
    let needs = graph.needs_only();
    let order = petgraph::algo::toposort(&needs, None).ok()?;
    Some(order.into_iter().rev().map(|n| needs[n]).collect())
}
