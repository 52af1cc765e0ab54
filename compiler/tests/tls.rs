//! TLS starts on Let's Encrypt's staging directory and moves to production
//! by a declared step: both ClusterIssuers are written, and the gateway
//! names the one of the platform's `tls_stage`.

mod common;

use std::path::Path;

use hplc::resolve::fs::MemoryFs;

/// The gateway's issuer annotation and the ClusterIssuers' servers of
/// platform.hpl with `edit` applied to its text.
fn issuers(edit: impl Fn(String) -> String) -> (String, Vec<(String, String)>) {
    let text = std::fs::read_to_string(common::repo().join("platform.hpl")).expect("platform.hpl");
    let root = Path::new("/p/platform.hpl");
    let fs = common::with_platform_modules(MemoryFs::default().with(root, edit(text)), "/p");
    let compilation = hplc::compile(root, None, &fs);
    assert!(!compilation.has_errors(), "{:#?}", compilation.diagnostics);
    let output = common::generate(&compilation);
    let gateway = common::k8s_of_kind(&output, "Gateway")
        .into_iter()
        .next()
        .expect("a Gateway");
    let named = gateway["metadata"]["annotations"]["cert-manager.io/cluster-issuer"]
        .as_str()
        .expect("an issuer annotation")
        .to_string();
    let servers = common::k8s_of_kind(&output, "ClusterIssuer")
        .iter()
        .map(|i| {
            (
                i["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                i["spec"]["acme"]["server"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect();
    (named, servers)
}

#[test]
fn a_platform_starts_on_staging_and_declares_the_switch_to_production() {
    let both = vec![
        (
            "health-acme-staging".to_string(),
            "https://acme-staging-v02.api.letsencrypt.org/directory".to_string(),
        ),
        (
            "health-acme".to_string(),
            "https://acme-v02.api.letsencrypt.org/directory".to_string(),
        ),
    ];
    let (named, servers) = issuers(|text| text);
    assert_eq!(named, "health-acme-staging");
    assert_eq!(servers, both);

    let (named, servers) = issuers(|text| {
        assert!(
            text.contains("  tls_stage = staging\n"),
            "platform.hpl declares its stage"
        );
        text.replacen("  tls_stage = staging\n", "  tls_stage = production\n", 1)
    });
    assert_eq!(named, "health-acme");
    assert_eq!(servers, both, "the staging issuer stays, for a later retry");
}
