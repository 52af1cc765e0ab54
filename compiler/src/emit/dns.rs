//! `dns/records.zone`: the A record of every public host at the gateway's
//! reserved address, which comes from the Terraform tree's output
//! `gateway_address` through the cluster's inputs file. A zone file
//! fragment (RFC 1035 master file, absolute names) that DNS providers
//! import as it is (OCI DNS, Route 53, Cloud DNS and Cloudflare read this
//! form), so no record is typed by hand. Without the address (no inputs
//! file, a cloud hplc writes no Terraform for), nothing is written and the
//! README says which records to create.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::{Context, Output};

pub const RECORDS_FILE: &str = "dns/records.zone";

/// The public hosts of the platform, each once, in order.
pub fn public_hosts<'a>(context: &Context<'a>) -> BTreeSet<&'a str> {
    context
        .platform
        .deployed()
        .flat_map(|(_, service)| service.expose.iter().map(|e| e.host.as_str()))
        .collect()
}

pub fn emit(context: &Context, output: &mut Output) {
    let platform = context.platform;
    let Some(address) = platform.inputs.gateway_address.as_deref() else {
        return;
    };
    let hosts = public_hosts(context);
    if hosts.is_empty() {
        return;
    }
    let ttl = platform.dns_ttl_ms / 1000;
    let mut text = format!(
        "; The DNS records of `{}` (environment {}), written by hplc from {} and\n\
; the cluster's inputs: every public host at the gateway's reserved address\n\
; ({address}, the input `gateway_address`). Import into the zone that holds\n\
; these names at your DNS provider. Do not edit: build again instead.\n",
        platform.name,
        platform.env,
        context.file_name(platform.span.file),
    );
    for host in hosts {
        let _ = writeln!(text, "{host}. {ttl} IN A {address}");
    }
    output.add(RECORDS_FILE, text);
}
