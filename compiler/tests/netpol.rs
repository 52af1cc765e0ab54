//! The network policies of platform.hpl read by an independent connectivity
//! analyzer (`validate-netpol`, IBM's network-config-analyzer): the default
//! environment's Kubernetes tree, with every upstream chart rendered for
//! real beside it (its pods, Services and own policies), against the flows
//! written by hand in docs/required-flows.yaml (each must be allowed) and
//! docs/forbidden-flows.yaml (each must be denied). `HPLC_NETPOL_ENVS`
//! (comma-separated) reads other environments as well, with the flows of
//! `docs/required-flows.<env>.yaml` and `docs/forbidden-flows.<env>.yaml`
//! where an environment has its own.

mod common;

#[test]
fn the_analyzer_finds_every_required_flow_open_and_every_forbidden_one_closed() {
    let Some(analyzer) = common::external(
        common::validators_dir().join("validate-netpol"),
        "validate-netpol",
    ) else {
        return;
    };
    if common::external(
        common::tools_dir().join("nca-venv"),
        "network-config-analyzer",
    )
    .is_none()
    {
        return;
    }
    // The default environment; `HPLC_NETPOL_ENVS=default,free_tier,production`
    // reads others too (each takes a minute or more: every chart is rendered).
    let envs = std::env::var("HPLC_NETPOL_ENVS").unwrap_or_else(|_| "default".to_string());
    for env in envs.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        check(&analyzer, env);
    }
}

fn check(analyzer: &std::path::Path, env: &str) {
    let env_arg = (env != "default").then_some(env);
    // Skipped (and said so) without render-chart and its Helm SDK.
    let Some(tree) = common::rendered_tree(env_arg, false) else {
        return;
    };
    let docs = common::repo().join("docs");
    let require = flows(&docs, "required-flows", env, &tree);
    let forbid = flows(&docs, "forbidden-flows", env, &tree);
    let run = std::process::Command::new(analyzer)
        .arg(&tree)
        .arg("--require")
        .arg(&require)
        .arg("--forbid")
        .arg(&forbid)
        .output()
        .expect("run validate-netpol");
    // HPL_KEEP_TMP=1 keeps the tree (and the analyzer's own), to read again.
    if std::env::var_os("HPL_KEEP_TMP").is_none() {
        let _ = std::fs::remove_dir_all(&tree);
    }
    let _ = std::fs::remove_file(&require);
    let _ = std::fs::remove_file(&forbid);
    let stdout = String::from_utf8_lossy(&run.stdout);
    let failures: Vec<&str> = stdout.lines().filter(|l| l.starts_with("FAIL")).collect();
    assert!(
        run.status.success() && failures.is_empty(),
        "validate-netpol on {env}:\n{}\n{}{}",
        failures.join("\n"),
        stdout.lines().last().unwrap_or_default(),
        String::from_utf8_lossy(&run.stderr)
    );
    eprintln!("{env}: {}", stdout.lines().last().unwrap_or_default());
}

/// `docs/<name>.yaml`, followed by the environment's own
/// `docs/<name>.<env>.yaml` where there is one, as one file beside `tree`.
fn flows(
    docs: &std::path::Path,
    name: &str,
    env: &str,
    tree: &std::path::Path,
) -> std::path::PathBuf {
    let mut text = std::fs::read_to_string(docs.join(format!("{name}.yaml"))).expect("flows file");
    if let Ok(own) = std::fs::read_to_string(docs.join(format!("{name}.{env}.yaml"))) {
        text.push('\n');
        text.push_str(&own);
    }
    let path = tree.with_extension(format!("{name}.yaml"));
    std::fs::write(&path, text).expect("write the flows");
    path
}
