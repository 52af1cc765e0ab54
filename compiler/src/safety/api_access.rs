//! Who may reach the Kubernetes API: every entry of `trusted_cidrs` must be
//! a CIDR block of real addresses, and none may open the API to the whole
//! internet. A documentation range (RFC 5737, RFC 3849, RFC 9637) is
//! refused: a cluster applied with one is reachable by nobody.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::Platform;
use crate::types::validate::{cidr as parse_cidr, Cidr};

/// Why `text` is not a CIDR block, or the block.
fn parse(text: &str) -> Result<Cidr, String> {
    parse_cidr(text).map_err(|invalid| invalid.message)
}

/// Address ranges reserved for documentation: (range, its RFC).
const DOCUMENTATION: [(&str, &str); 5] = [
    ("192.0.2.0/24", "RFC 5737, TEST-NET-1"),
    ("198.51.100.0/24", "RFC 5737, TEST-NET-2"),
    ("203.0.113.0/24", "RFC 5737, TEST-NET-3"),
    ("2001:db8::/32", "RFC 3849"),
    ("3fff::/20", "RFC 9637"),
];

pub fn check(platform: &Platform, diagnostics: &mut Diagnostics) {
    for (cidr, span) in platform
        .trusted_cidrs
        .iter()
        .zip(&platform.trusted_cidrs_spans)
    {
        let block = match parse(cidr) {
            Ok(block) => block,
            Err(why) => {
                diagnostics.push(
                    Diagnostic::new(
                        Code::NotACidr,
                        *span,
                        format!("`{cidr}` in `trusted_cidrs` is not a CIDR block: {why}"),
                    )
                    .label("not a CIDR block")
                    .help("write a network as ADDRESS/PREFIX, such as the /32 of your office's public address, or `[]` to keep the API private"),
                );
                continue;
            }
        };
        if block.prefix == 0 {
            diagnostics.push(
                Diagnostic::new(
                    Code::ApiOpenToInternet,
                    *span,
                    format!("`{cidr}` in `trusted_cidrs` opens the Kubernetes API to the whole internet"),
                )
                .label("every address")
                .help("list the networks you administer the cluster from, or write `trusted_cidrs = []` to keep the API endpoint private (on OCI, reached through the OCI Bastion the Terraform tree creates)"),
            );
            continue;
        }
        let documentation = DOCUMENTATION.iter().find_map(|(range, rfc)| {
            let range = parse(range).expect("documentation ranges parse");
            block.within(&range).then_some((range, *rfc))
        });
        if let Some((range, rfc)) = documentation {
            diagnostics.push(
                Diagnostic::new(
                    Code::DocumentationRange,
                    *span,
                    format!(
                        "`{cidr}` in `trusted_cidrs` is {}`{}`, an address range reserved for documentation ({rfc}): no one can reach the API from it",
                        if block.prefix == range.prefix { "" } else { "inside " },
                        range.show_network()
                    ),
                )
                .label("a documentation range")
                .help("replace it with the public range you administer the cluster from, or write `trusted_cidrs = []` to keep the API endpoint private (on OCI, reached through the OCI Bastion the Terraform tree creates)"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_blocks_and_says_why_not() {
        assert!(parse("10.0.0.0/16").is_ok());
        assert!(parse("2001:db8::/32").is_ok());
        assert!(parse("0.0.0.0/0").is_ok());
        assert!(parse("10.0.0.1").unwrap_err().contains("no prefix length"));
        assert!(parse("10.0.0.0/33").unwrap_err().contains("0 to 32"));
        assert!(parse("10.0.0.0/+8").is_err());
        assert!(parse("example.com/24").unwrap_err().contains("not an IPv4"));
        assert!(parse("10.0.0.1/24").unwrap_err().contains("`10.0.0.0/24`"));
    }

    #[test]
    fn documentation_ranges_contain_their_subnets_only() {
        let test_net = parse("203.0.113.0/24").unwrap();
        assert!(parse("203.0.113.128/25").unwrap().within(&test_net));
        assert!(!parse("203.0.0.0/16").unwrap().within(&test_net));
        assert!(!parse("2001:db8::/32").unwrap().within(&test_net));
        let v6 = parse("2001:db8::/32").unwrap();
        assert!(parse("2001:db8:1::/48").unwrap().within(&v6));
    }
}
