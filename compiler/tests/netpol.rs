//! The network policies of platform.hpl read by an independent connectivity
//! analyzer (`validate-netpol`, IBM's network-config-analyzer): the default
//! environment's Kubernetes tree, with every upstream chart rendered for
//! real beside it (its pods, Services and own policies), against the flows
//! written by hand in docs/required-flows.yaml (each must be allowed) and
//! docs/forbidden-flows.yaml (each must be denied). `HPLC_NETPOL_ENVS`
//! (comma-separated) reads other environments as well.

mod common;

use hplc::chart_render;
use hplc::resolve::fs::RealFs;

#[test]
fn the_analyzer_finds_every_required_flow_open_and_every_forbidden_one_closed() {
    let shared = common::repo().join("..").join("shared");
    let Some(analyzer) = common::external(
        common::validators_dir().join("validate-netpol"),
        "validate-netpol",
    ) else {
        return;
    };
    let Some(tool) = common::external(shared.join("tools/render-chart"), "render-chart") else {
        return;
    };
    if common::external(
        common::tools_dir().join("nca-venv"),
        "network-config-analyzer",
    )
    .is_none()
        || common::external(
            common::tools_dir().join("helm-venv"),
            "render-chart's Helm SDK",
        )
        .is_none()
    {
        return;
    }
    // The default environment; `HPLC_NETPOL_ENVS=default,free_tier,production`
    // reads others too (each takes a minute or more: every chart is rendered).
    let envs = std::env::var("HPLC_NETPOL_ENVS").unwrap_or_else(|_| "default".to_string());
    for env in envs.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        check(&analyzer, &tool, &shared, env);
    }
}

fn check(analyzer: &std::path::Path, tool: &std::path::Path, shared: &std::path::Path, env: &str) {
    let env_arg = (env != "default").then_some(env);
    let built = hplc::pipeline::build(&common::repo().join("platform.hpl"), env_arg, &RealFs);
    let output = built.output.expect("platform.hpl builds");
    let platform = built.compilation.model.expect("a model");
    let tree = std::env::temp_dir().join(format!("hplc-netpol-{}-{env}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tree);
    std::fs::create_dir_all(tree.join("renders")).expect("a temporary directory");
    for (path, text) in &output.files {
        if let Some(file) = path.strip_prefix("k8s/") {
            let at = tree.join(file);
            std::fs::create_dir_all(at.parent().expect("a parent")).expect("a directory");
            std::fs::write(at, text).expect("write the tree");
        }
    }
    let mut charts = 0;
    for (_, service) in platform.deployed() {
        let Some(chart) = service.chart() else {
            continue;
        };
        let namespace = &platform.namespace_of(service).k8s_name;
        let file = hplc::emit::charts::values_path(namespace, &service.k8s_name);
        let text = chart_render::rendered(
            tool,
            &shared.join("charts"),
            chart,
            output.files.get(&file).map_or("", String::as_str),
            &service.k8s_name,
            namespace,
            &platform.kubernetes_version,
        )
        .unwrap_or_else(|e| panic!("{}: {e}", service.name));
        let name = format!("{namespace}-{}.yaml", service.k8s_name);
        std::fs::write(tree.join("renders").join(name), text).expect("write a render");
        charts += 1;
    }
    assert!(charts > 0);
    let docs = common::repo().join("docs");
    let run = std::process::Command::new(analyzer)
        .arg(&tree)
        .arg("--require")
        .arg(docs.join("required-flows.yaml"))
        .arg("--forbid")
        .arg(docs.join("forbidden-flows.yaml"))
        .output()
        .expect("run validate-netpol");
    // HPL_KEEP_TMP=1 keeps the tree (and the analyzer's own), to read again.
    if std::env::var_os("HPL_KEEP_TMP").is_none() {
        let _ = std::fs::remove_dir_all(&tree);
    }
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
