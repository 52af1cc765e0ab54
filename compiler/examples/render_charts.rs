//! `scripts/render-charts`: records in the stdlib what every upstream chart
//! of platform.hpl renders with the values hplc writes for it.
//!
//! For each component installed from a chart, it builds platform.hpl and
//! then the examples of tests/components (the default environment, against
//! the stdlib on disk), renders the vendored chart with the component's
//! values through the shared render tool, and writes the workloads,
//! containers, images, requests and limits to the chart's record module,
//! `stdlib/charts/<chart>.hpl`, from the first platform that installs it.
//!
//!     render_charts REPO CHARTS_DIR RENDER_TOOL

use std::path::{Path, PathBuf};

use hplc::chart_render;

fn main() {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [repo, charts, tool] = args.as_slice() else {
        eprintln!("usage: render_charts REPO CHARTS_DIR RENDER_TOOL");
        std::process::exit(2);
    };
    if let Err(error) = run(repo, charts, tool) {
        eprintln!("render-charts: {error}");
        std::process::exit(1);
    }
}

fn run(repo: &Path, charts: &Path, tool: &Path) -> Result<(), String> {
    let stdlib = repo.join("stdlib");
    let fs = chart_render::StdlibFrom::dir(&stdlib).map_err(|e| e.to_string())?;
    let mut recorded = std::collections::BTreeSet::new();
    let platforms = chart_render::platforms(repo);
    for root in &platforms {
        record(repo, charts, tool, &fs, root, None, &mut recorded)?;
    }
    // Then the other environments, for the charts only an environment
    // installs (production's operators).
    for root in &platforms {
        for env in hplc::compile(root, None, &fs).envs {
            record(repo, charts, tool, &fs, root, Some(&env), &mut recorded)?;
        }
    }
    Ok(())
}

/// Records the charts of one platform that no earlier platform recorded.
fn record(
    repo: &Path,
    charts: &Path,
    tool: &Path,
    fs: &chart_render::StdlibFrom,
    root: &Path,
    env: Option<&str>,
    recorded: &mut std::collections::BTreeSet<String>,
) -> Result<(), String> {
    let stdlib = repo.join("stdlib");
    let name = root
        .strip_prefix(repo)
        .unwrap_or(root)
        .display()
        .to_string();
    let built = hplc::pipeline::build(root, env, fs);
    let (Some(output), Some(platform)) = (&built.output, &built.compilation.model) else {
        let report = hplc::diagnostics::render::human(
            &built.compilation.diagnostics,
            &built.compilation.sources,
            hplc::diagnostics::render::Style::Plain,
            hplc::diagnostics::render::Shown::All,
        );
        return Err(format!("{name} does not build:\n{report}"));
    };
    for (_, service) in platform.deployed() {
        let Some(chart) = service.chart() else {
            continue;
        };
        let module = chart_render::record_module(chart);
        if !recorded.insert(module.clone()) {
            continue;
        }
        let namespace = &platform.namespace_of(service).k8s_name;
        let file = hplc::emit::charts::values_path(namespace, &service.k8s_name);
        let values = match output.files.get(&file) {
            Some(values) => values.as_str(),
            None if chart.manifest => "",
            None => return Err(format!("no {file} in the output")),
        };
        let rendered = chart_render::rendered(
            tool,
            charts,
            chart,
            values,
            &service.k8s_name,
            namespace,
            &platform.kubernetes_version,
        )?;
        let named_after = (!chart.fullname.is_empty()).then_some(service.k8s_name.as_str());
        let render = chart_render::read(&rendered, named_after)?;
        let about = [
            format!(
                "What {} renders with the values hplc",
                hplc::emit::charts::describe(chart)
            ),
            format!("writes for `{}` of {name}", service.name),
            format!(
                "(environment {}), as `helm template` prints it (Kubernetes {}).",
                platform.env, platform.kubernetes_version
            ),
            "`{release}` stands for the release. Written by scripts/render-charts:".into(),
            "do not edit; a test renders again and compares.".into(),
        ]
        .join("\n");
        let path = stdlib.join(format!("{module}.hpl"));
        let text = chart_render::record(chart, &about, &render);
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        println!(
            "{}: {} workloads of {}",
            path.strip_prefix(repo).unwrap_or(&path).display(),
            render.workloads.len(),
            hplc::emit::charts::describe(chart)
        );
    }
    Ok(())
}
