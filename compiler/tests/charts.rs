//! The upstream charts, rendered for real (the vendored charts of
//! ../shared/charts through ../shared/tools/render-chart, Helm's Go SDK,
//! offline) with the values hplc writes for every environment of
//! platform.hpl, against what the stdlib recorded (scripts/render-charts):
//! the same workloads, containers and images, each container at its
//! recorded requests and limits, and those hplc sets at what the planner
//! counted. A chart upgrade, a values path that does not reach the chart,
//! or a stale record fails here.

mod common;

use std::path::PathBuf;

use hplc::chart_render;
use hplc::resolve::fs::RealFs;

fn shared() -> PathBuf {
    common::repo().join("..").join("shared")
}

#[test]
fn every_chart_renders_what_the_stdlib_recorded_and_the_planner_counted() {
    let Some(tool) = common::external(shared().join("tools/render-chart"), "render-chart") else {
        return;
    };
    let tools = common::tools_dir().join("helm-venv");
    if common::external(tools, "render-chart's Helm SDK (helm-venv)").is_none() {
        return;
    }
    let mut rendered = 0;
    // Every environment of platform.hpl, and every component's example.
    let mut builds: Vec<(String, PathBuf, Option<String>)> = common::environments()
        .into_iter()
        .map(|(name, env)| (name, common::repo().join("platform.hpl"), env))
        .collect();
    for example in chart_render::platforms(&common::repo()).into_iter().skip(1) {
        let name = example.parent().unwrap().display().to_string();
        builds.push((name, example, None));
    }
    for (name, root, env) in builds {
        let built = hplc::pipeline::build(&root, env.as_deref(), &RealFs);
        let output = built.output.expect("platform.hpl builds");
        let platform = built.compilation.model.expect("a model");
        for (id, service) in platform.deployed() {
            let Some(chart) = service.chart() else {
                continue;
            };
            let namespace = &platform.namespace_of(service).k8s_name;
            let file = hplc::emit::charts::values_path(namespace, &service.k8s_name);
            let values = output.files.get(&file).map_or("", String::as_str);
            let text = chart_render::rendered(
                &tool,
                &shared().join("charts"),
                chart,
                values,
                &service.k8s_name,
                namespace,
                &platform.kubernetes_version,
            )
            .unwrap_or_else(|e| panic!("{name}: {e}"));
            let named_after = (!chart.fullname.is_empty()).then_some(service.k8s_name.as_str());
            let render = chart_render::read(&text, named_after)
                .unwrap_or_else(|e| panic!("{name} {}: {e}", service.name));
            // The pods go where the plan put the component: its replicas'
            // workloads on the nodes of its replicas, its DaemonSets on
            // every node.
            let plan = built.compilation.plan.as_ref().expect("a plan");
            let replica_nodes: std::collections::BTreeSet<String> = plan
                .placements
                .iter()
                .filter(|p| p.service == id && i64::from(p.replica) < service.replicas.limit.max(1))
                .map(|p| platform.nodes[p.node].k8s_name.clone())
                .collect();
            let every_node: std::collections::BTreeSet<String> =
                platform.nodes.iter().map(|n| n.k8s_name.clone()).collect();
            // A release manifest is applied as it is: its pods go wherever
            // its own selectors let them.
            let selectors = if chart.manifest {
                Vec::new()
            } else {
                node_selectors(&text)
            };
            for (kind, selector) in selectors {
                let planned = if kind == "DaemonSet" {
                    &every_node
                } else {
                    &replica_nodes
                };
                for node in &platform.nodes {
                    // The labels hplc gives the node, and those the kubelet sets.
                    let mut labels = node.cluster_labels();
                    labels.insert("kubernetes.io/os".into(), "linux".into());
                    labels.insert("kubernetes.io/arch".into(), node.shape.arch.clone());
                    let admitted = selector
                        .iter()
                        .all(|(k, v)| labels.get(k).is_some_and(|l| l == v));
                    assert_eq!(
                        admitted,
                        planned.contains(&node.k8s_name),
                        "{name}: a {kind} of `{}` and the plan disagree on node {}",
                        service.name,
                        node.name
                    );
                }
            }
            let differences = chart_render::differences(chart, &render);
            assert!(
                differences.is_empty(),
                "{name}: `{}` ({}) renders other than recorded; run scripts/render-charts and review:\n{}",
                service.name,
                hplc::emit::charts::describe(chart),
                differences.join("\n")
            );
            rendered += 1;
        }
    }
    assert!(rendered > 0, "no chart was rendered");
}

/// The node selector of every workload of a render, with its kind.
fn node_selectors(rendered: &str) -> Vec<(String, Vec<(String, String)>)> {
    use serde::Deserialize;
    let mut found = Vec::new();
    for document in serde_yaml::Deserializer::from_str(rendered) {
        let Ok(object) = serde_yaml::Value::deserialize(document) else {
            continue;
        };
        let kind = object["kind"].as_str().unwrap_or_default().to_string();
        if !matches!(kind.as_str(), "Deployment" | "StatefulSet" | "DaemonSet") {
            continue;
        }
        let selector = &object["spec"]["template"]["spec"]["nodeSelector"];
        let pairs = selector
            .as_mapping()
            .into_iter()
            .flatten()
            .map(|(k, v)| {
                (
                    k.as_str().unwrap_or_default().to_string(),
                    v.as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        found.push((kind, pairs));
    }
    found
}

/// The comparison itself: a record that names another image, or a request
/// the planner would not count, is found.
#[test]
fn a_render_that_differs_from_the_record_is_reported() {
    let compilation = common::compile(None);
    let platform = compilation.model.expect("a model");
    let chart = platform
        .services
        .iter()
        .find_map(|s| s.chart())
        .expect("platform.hpl installs a chart")
        .clone();
    let mut rendered = chart.render.clone();
    assert!(chart_render::differences(&chart, &rendered).is_empty());
    rendered.workloads[0].containers[0].image = "example.com/other:1".into();
    rendered.workloads[0].containers[0].cpu.request += 1;
    let found = chart_render::differences(&chart, &rendered);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(found[0].contains("example.com/other:1"), "{found:#?}");
    assert!(found[1].contains("are counted"), "{found:#?}");
}
