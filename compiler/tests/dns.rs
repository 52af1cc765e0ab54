//! The public hosts' DNS records: `dns/records.zone` holds an A record for
//! every public host at the address the cluster's inputs give (the
//! Terraform output `gateway_address`), each in RFC 1035 master file form
//! with an absolute name, and the Terraform output `dns_records` names the
//! same hosts at the same reserved address. Without a gateway address in
//! the inputs, no records file is written.

mod common;

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

#[test]
fn every_public_host_has_an_a_record_at_the_gateway_address() {
    for (name, env) in common::environments() {
        let compilation = common::compile(env.as_deref());
        let output = common::generate(&compilation);
        let platform = compilation.model.as_ref().expect("a model");
        let address = platform
            .inputs
            .gateway_address
            .as_deref()
            .expect("inputs.example gives the gateway's address");
        let hosts: BTreeSet<String> = platform
            .deployed()
            .flat_map(|(_, s)| s.expose.iter().map(|e| e.host.clone()))
            .collect();
        assert!(!hosts.is_empty(), "{name}: no public host");
        let zone = &output.files["dns/records.zone"];
        let mut named = BTreeSet::new();
        for line in zone.lines().filter(|l| !l.starts_with(';')) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [owner, ttl, class, kind, data] = fields[..] else {
                panic!("{name}: not a record: {line}");
            };
            let host = owner
                .strip_suffix('.')
                .unwrap_or_else(|| panic!("{name}: {owner} is not absolute"));
            assert!(named.insert(host.to_string()), "{name}: {host} twice");
            assert_eq!(
                ttl.parse::<i64>().ok(),
                Some(platform.dns_ttl_ms / 1000),
                "{name}: {line}"
            );
            assert_eq!((class, kind), ("IN", "A"), "{name}: {line}");
            assert!(data.parse::<Ipv4Addr>().is_ok(), "{name}: {line}");
            assert_eq!(data, address, "{name}: {line}");
        }
        assert_eq!(named, hosts, "{name}: the hosts of dns/records.zone");
        // Terraform's output names the same hosts at its reserved address.
        let outputs = &output.files["terraform/outputs.tf"];
        let block = outputs
            .split("output \"dns_records\"")
            .nth(1)
            .expect("a dns_records output");
        let block = block.split("\noutput ").next().unwrap_or(block);
        for host in &hosts {
            assert!(
                block.contains(&format!("\"{host}\" = {{")),
                "{name}: dns_records has no {host}"
            );
        }
        assert_eq!(
            block.matches("type  = \"A\"").count(),
            hosts.len(),
            "{name}: dns_records"
        );
    }
}

/// A build without the gateway's address writes no records to import.
#[test]
fn no_records_without_a_gateway_address() {
    let inputs = common::repo().join("inputs.example");
    let text = std::fs::read_to_string(&inputs).expect("inputs.example");
    let without: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("gateway_address"))
        .map(|l| format!("{l}\n"))
        .collect();
    let dir = std::env::temp_dir().join(format!("hplc-dns-{}", std::process::id()));
    common::copy_platform(&dir);
    std::fs::write(dir.join("inputs.example"), without).expect("write the inputs");
    let compilation = hplc::compile_with(
        &dir.join("platform.hpl"),
        &hplc::Inputs {
            file: Some(&dir.join("inputs.example")),
            required: false,
        },
        None,
        &hplc::resolve::fs::RealFs,
    );
    let output = hplc::pipeline::generate(&compilation, &dir.join("platform.hpl"))
        .expect("builds without the address when it is not required");
    assert!(!output.files.contains_key("dns/records.zone"));
    assert!(output.files["README.md"]
        .contains("`terraform -chdir=terraform output dns_records` gives the A records to create"));
    let _ = std::fs::remove_dir_all(&dir);
}
