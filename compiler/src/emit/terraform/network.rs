//! The OKE network of seed 000 module 1 (§6.1): a VCN with three subnets,
//! the Kubernetes API endpoint and the load balancers public, the nodes
//! private; an internet gateway for the public ones, a NAT gateway and a
//! service gateway (Oracle's services without the internet) for the nodes;
//! a security list per subnet.
//!
//! Security lists, as the seed asks: HTTPS (443) from the internet to the
//! load balancers, the Kubernetes API (6443) from the trusted addresses
//! only, everything out. Beyond the seed, what OKE needs to run: the nodes
//! reach the API endpoint on 6443 and 12250 (OKE's worker-to-control-plane
//! port), the subnets talk to each other inside the VCN, path MTU discovery
//! (ICMP 3/4) is let in, and port 80 reaches the load balancers, because
//! cert-manager proves the platform's domains with ACME HTTP-01 challenges
//! on it (docs/backends/terraform.md). OKE's cloud controller writes no
//! rules of its own for the load balancers (the cloud's
//! `load_balancer_security_rules`, "None"): these lists are the only ones.
//! A private API endpoint is reached through an OCI Bastion in its subnet.

use super::hcl::{Block, Expr, File};

/// ICMP "destination unreachable, fragmentation needed", for path MTU
/// discovery (OKE's documented security rules).
const ICMP_UNREACHABLE: (i64, i64) = (3, 4);
/// TCP, by protocol number as OCI security rules name it.
const TCP: &str = "6";
const ICMP: &str = "1";
/// The Kubernetes API and OKE's worker-to-control-plane port.
const API_PORT: i64 = 6443;
const WORKER_PORT: i64 = 12250;

/// A VCN-scoped resource with the attributes every one of them carries.
fn vcn_resource(kind: &str, label: &str, display_name: &str) -> Block {
    Block::new("resource", [kind, label])
        .attr("compartment_id", Expr::raw("var.compartment_ocid"))
        .attr("vcn_id", Expr::raw("oci_core_vcn.main.id"))
        .attr(
            "display_name",
            Expr::template(format!("${{var.cluster_name}}-{display_name}")),
        )
        .attr("freeform_tags", Expr::raw("var.tags"))
}

fn tcp(min: i64, max: i64) -> Block {
    Block::new::<&str>("tcp_options", [])
        .attr("min", Expr::Int(min))
        .attr("max", Expr::Int(max))
}

/// An ingress rule; `source` is an expression.
fn ingress(description: &str, source: &str, protocol: &str, options: Option<Block>) -> Block {
    let rule = Block::new::<&str>("ingress_security_rules", [])
        .attr("description", Expr::str(description))
        .attr("protocol", Expr::str(protocol))
        .attr("source", Expr::raw(source));
    match options {
        Some(options) => rule.block(options),
        None => rule,
    }
}

fn path_mtu(source: &str) -> Block {
    let (kind, code) = ICMP_UNREACHABLE;
    ingress(
        "Path MTU discovery",
        source,
        ICMP,
        Some(
            Block::new::<&str>("icmp_options", [])
                .attr("type", Expr::Int(kind))
                .attr("code", Expr::Int(code)),
        ),
    )
}

fn egress_all() -> Block {
    Block::new::<&str>("egress_security_rules", [])
        .attr("description", Expr::str("All traffic out"))
        .attr("protocol", Expr::str("all"))
        .attr("destination", Expr::str("0.0.0.0/0"))
}

fn subnet(label: &str, display: &str, public: bool, route_table: &str) -> Block {
    Block::new("resource", ["oci_core_subnet", label])
        .attr("compartment_id", Expr::raw("var.compartment_ocid"))
        .attr("vcn_id", Expr::raw("oci_core_vcn.main.id"))
        .attr(
            "display_name",
            Expr::template(format!("${{var.cluster_name}}-{display}")),
        )
        .attr(
            "cidr_block",
            Expr::raw(format!("local.subnet_cidrs.{label}")),
        )
        .attr("dns_label", Expr::str(display.replace('-', "")))
        .attr("prohibit_public_ip_on_vnic", Expr::Bool(!public))
        .attr(
            "route_table_id",
            Expr::raw(format!("oci_core_route_table.{route_table}.id")),
        )
        .attr(
            "security_list_ids",
            Expr::List(vec![Expr::raw(format!(
                "oci_core_security_list.{label}.id"
            ))]),
        )
        .attr("freeform_tags", Expr::raw("var.tags"))
}

fn route(description: &str, destination: &str, kind: &str, target: &str) -> Block {
    Block::new::<&str>("route_rules", [])
        .attr("description", Expr::str(description))
        .attr("destination", Expr::raw(destination))
        .attr("destination_type", Expr::str(kind))
        .attr("network_entity_id", Expr::raw(target))
}

/// What the load balancers' list says about who writes its rules.
fn load_balancer_rules_comment(mode: &str) -> String {
    let mode = if mode.is_empty() { "None" } else { mode };
    format!(
        "OKE's cloud controller leaves the security rules of load balancers to
these lists: Services of type LoadBalancer carry
oci.oraclecloud.com/security-rule-management-mode: \"{mode}\" (the cloud's
load_balancer_security_rules). The nodes' list lets the load balancers
reach the node ports (all traffic inside the VCN)."
    )
}

/// A port of a service's own load balancer, open to the internet or to
/// the networks it names.
pub struct PublicPort {
    pub service: String,
    pub port: u16,
    /// CIDR blocks; empty: anywhere.
    pub sources: Vec<String>,
}

/// The ports of the services' own load balancers (`load_balancer`).
pub fn own_load_balancers(platform: &crate::model::Platform) -> Vec<PublicPort> {
    platform
        .deployed()
        .flat_map(|(_, service)| {
            let sources = service
                .load_balancer
                .as_ref()
                .map(|b| b.source_ranges.clone())
                .unwrap_or_default();
            service
                .load_balancer_ports()
                .into_iter()
                .map(move |(_, port, _)| PublicPort {
                    service: service.name.clone(),
                    port,
                    sources: sources.clone(),
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

pub fn file(load_balancer_rules: &str, own: &[PublicPort]) -> File {
    let all_services = "data.oci_core_services.all.services[0]";
    let subnets = Block::new::<&str>("locals", [])
        .comment(
            "The VCN's address plan (for a /16): a /28 for the API endpoint, a /24 for\nthe load balancers, a /20 for the nodes (and their pods with VCN-native pod\nnetworking; flannel's pods live in its overlay).",
        )
        .attr(
            "subnet_cidrs",
            Expr::Object(vec![
                ("api_endpoint".into(), Expr::raw("cidrsubnet(var.network_cidr, 12, 0)")),
                ("load_balancers".into(), Expr::raw("cidrsubnet(var.network_cidr, 8, 1)")),
                ("nodes".into(), Expr::raw("cidrsubnet(var.network_cidr, 4, 1)")),
            ]),
        );
    let services = Block::new("data", ["oci_core_services", "all"])
        .comment("Oracle's services in the region, reached through the service gateway.")
        .block(
            Block::new::<&str>("filter", [])
                .attr("name", Expr::str("name"))
                .attr(
                    "values",
                    Expr::strings(["All .* Services In Oracle Services Network"]),
                )
                .attr("regex", Expr::Bool(true)),
        );
    let vcn = Block::new("resource", ["oci_core_vcn", "main"])
        .attr("compartment_id", Expr::raw("var.compartment_ocid"))
        .attr(
            "cidr_blocks",
            Expr::List(vec![Expr::raw("var.network_cidr")]),
        )
        .attr("display_name", Expr::template("${var.cluster_name}-vcn"))
        .comment("A DNS label is at most 15 letters and digits.")
        .attr(
            "dns_label",
            Expr::raw(r#"substr(replace(var.cluster_name, "-", ""), 0, 15)"#),
        )
        .attr("freeform_tags", Expr::raw("var.tags"));
    let internet = vcn_resource("oci_core_internet_gateway", "main", "internet")
        .attr("enabled", Expr::Bool(true));
    let nat = vcn_resource("oci_core_nat_gateway", "main", "nat");
    let service_gateway = vcn_resource("oci_core_service_gateway", "main", "services").block(
        Block::new::<&str>("services", [])
            .attr("service_id", Expr::raw(format!("{all_services}.id"))),
    );
    let public_routes = vcn_resource("oci_core_route_table", "public", "public").block(route(
        "The internet",
        r#""0.0.0.0/0""#,
        "CIDR_BLOCK",
        "oci_core_internet_gateway.main.id",
    ));
    let private_routes = vcn_resource("oci_core_route_table", "private", "private")
        .block(route(
            "The internet, outbound only",
            r#""0.0.0.0/0""#,
            "CIDR_BLOCK",
            "oci_core_nat_gateway.main.id",
        ))
        .block(route(
            "Oracle's services",
            &format!("{all_services}.cidr_block"),
            "SERVICE_CIDR_BLOCK",
            "oci_core_service_gateway.main.id",
        ));
    let api_list = vcn_resource("oci_core_security_list", "api_endpoint", "api-endpoint")
        .block(Block::dynamic(
            "ingress_security_rules",
            Expr::raw("var.trusted_cidrs"),
            Block::new::<&str>("content", [])
                .attr(
                    "description",
                    Expr::str(
                        "Kubernetes API from a trusted network (the platform's trusted_cidrs)",
                    ),
                )
                .attr("protocol", Expr::str(TCP))
                .attr("source", Expr::raw("ingress_security_rules.value"))
                .block(tcp(API_PORT, API_PORT)),
        ))
        .block(ingress(
            "Kubernetes API from the OCI Bastion of a private endpoint",
            "local.subnet_cidrs.api_endpoint",
            TCP,
            Some(tcp(API_PORT, API_PORT)),
        ))
        .block(ingress(
            "Kubernetes API from the nodes",
            "local.subnet_cidrs.nodes",
            TCP,
            Some(tcp(API_PORT, API_PORT)),
        ))
        .block(ingress(
            "OKE control plane from the nodes",
            "local.subnet_cidrs.nodes",
            TCP,
            Some(tcp(WORKER_PORT, WORKER_PORT)),
        ))
        .block(path_mtu("local.subnet_cidrs.nodes"))
        .block(egress_all());
    let lb_list = vcn_resource("oci_core_security_list", "load_balancers", "load-balancers")
        .comment(load_balancer_rules_comment(load_balancer_rules))
        .block(ingress(
            "HTTPS from the internet",
            r#""0.0.0.0/0""#,
            TCP,
            Some(tcp(443, 443)),
        ))
        .block(ingress(
            "HTTP from the internet, for ACME HTTP-01 challenges",
            r#""0.0.0.0/0""#,
            TCP,
            Some(tcp(80, 80)),
        ));
    let mut lb_list = lb_list;
    for public in own {
        let anywhere = [r#""0.0.0.0/0""#.to_string()];
        let quoted: Vec<String> = public.sources.iter().map(|s| format!("{s:?}")).collect();
        let sources = if quoted.is_empty() {
            &anywhere[..]
        } else {
            &quoted[..]
        };
        for source in sources {
            lb_list = lb_list.block(ingress(
                &format!("{} on its own load balancer", public.service),
                source,
                TCP,
                Some(tcp(i64::from(public.port), i64::from(public.port))),
            ));
        }
    }
    let lb_list = lb_list.block(egress_all());
    let node_list = vcn_resource("oci_core_security_list", "nodes", "nodes")
        .block(ingress(
            "Nodes, pods, API endpoint and load balancers inside the VCN",
            "var.network_cidr",
            "all",
            None,
        ))
        .block(path_mtu(r#""0.0.0.0/0""#))
        .block(egress_all());
    File::of_blocks([
        subnets,
        services,
        vcn,
        internet,
        nat,
        service_gateway,
        public_routes,
        private_routes,
        api_list,
        lb_list,
        node_list,
        subnet("api_endpoint", "api-endpoint", true, "public"),
        subnet("load_balancers", "load-balancers", true, "public"),
        subnet("nodes", "nodes", false, "private"),
    ])
}
