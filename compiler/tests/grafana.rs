//! The Grafana backend on the repository's platform.hpl, in every
//! environment: dashboards that Grafana can lay out (short uids, unique
//! panel ids, no overlapping panels), rules and dashboard queries that
//! Prometheus' own parser accepts (promtool), and a capacity dashboard whose
//! thresholds follow the source.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{build, environments, repo};
use hplc::emit::Output;
use hplc::resolve::fs::MemoryFs;
use serde_json::Value;

/// Every environment of platform.hpl, built.
fn builds() -> Vec<(String, Output)> {
    environments()
        .into_iter()
        .map(|(name, env)| (name, build(env.as_deref())))
        .collect()
}

/// Builds a variant of platform.hpl held in memory.
fn build_text(text: &str) -> Output {
    let root = Path::new("/memory/platform.hpl");
    let fs = common::with_platform_modules(MemoryFs::default().with(root, text), "/memory");
    let compilation = hplc::compile(root, None, &fs);
    assert!(
        !compilation.has_errors(),
        "the variant has errors: {:#?}",
        compilation.diagnostics
    );
    common::generate(&compilation)
}

fn dashboards(output: &Output) -> Vec<(String, Value)> {
    output
        .files
        .iter()
        .filter(|(path, _)| path.starts_with("grafana/dashboards/") && path.ends_with(".json"))
        .map(|(path, text)| {
            (
                path.clone(),
                serde_json::from_str(text).unwrap_or_else(|e| panic!("{path}: {e}")),
            )
        })
        .collect()
}

fn panels(dashboard: &Value) -> Vec<&Value> {
    dashboard["panels"]
        .as_array()
        .expect("panels")
        .iter()
        .collect()
}

/// Every panel, those inside collapsed rows too.
fn all_panels(dashboard: &Value) -> Vec<&Value> {
    let mut all = Vec::new();
    for panel in panels(dashboard) {
        all.push(panel);
        all.extend(panel["panels"].as_array().into_iter().flatten());
    }
    all
}

/// The groups of the rule files hplc gives Prometheus (the alerting and
/// the recording rules, values of its chart).
fn rule_groups(output: &Output) -> serde_yaml::Value {
    let values = common::chart_values(output, "serverFiles");
    let files = &values["serverFiles"];
    let mut groups = Vec::new();
    for file in ["alerting_rules.yml", "recording_rules.yml"] {
        groups.extend(
            files[file]["groups"]
                .as_sequence()
                .unwrap_or_else(|| panic!("no groups in {file}"))
                .iter()
                .cloned(),
        );
    }
    assert!(!groups.is_empty(), "no rule groups");
    serde_yaml::Value::Sequence(groups)
}

/// The ConfigMaps Grafana's sidecar loads dashboards from.
fn dashboard_configmaps(output: &Output) -> Vec<serde_yaml::Value> {
    common::k8s_of_kind(output, "ConfigMap")
        .into_iter()
        .filter(|c| c["metadata"]["labels"]["grafana_dashboard"].as_str() == Some("1"))
        .collect()
}

/// promtool from the validators (shared/tools/validate/install.sh).
fn promtool() -> Option<PathBuf> {
    common::external(common::tools_dir().join("bin/promtool"), "promtool")
}

/// Runs `promtool check rules` (with the duplicate-rule lint fatal) on a
/// rule file holding `groups`; panics with promtool's report on failure.
fn check_rules(promtool: &Path, name: &str, groups: &serde_yaml::Value) {
    let dir = std::env::temp_dir().join(format!("hplc-grafana-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join(format!("{name}.yaml"));
    let mut doc = serde_yaml::Mapping::new();
    doc.insert("groups".into(), groups.clone());
    std::fs::write(&file, serde_yaml::to_string(&doc).expect("yaml")).expect("write rules");
    let run = Command::new(promtool)
        .args(["check", "rules", "--lint=duplicate-rules", "--lint-fatal"])
        .arg(&file)
        .output()
        .expect("run promtool");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(run.status.success(), "promtool rejects {name}:\n{report}");
    let _ = std::fs::remove_file(&file);
}

#[test]
fn every_rule_passes_promtool() {
    let Some(promtool) = promtool() else { return };
    for (env, output) in builds() {
        check_rules(&promtool, &format!("rules-{env}"), &rule_groups(&output));
    }
}

#[test]
fn every_dashboard_query_is_valid_promql() {
    let Some(promtool) = promtool() else { return };
    for (env, output) in builds() {
        let mut rules = Vec::new();
        for (path, dashboard) in dashboards(&output) {
            for panel in all_panels(&dashboard) {
                for target in panel["targets"].as_array().into_iter().flatten() {
                    let expr = target["expr"].as_str().expect("expr");
                    // Grafana fills in its own interval before Prometheus
                    // sees the query; `$namespace` and `$service` only occur
                    // inside label values, where any text is valid.
                    let expr = expr.replace("$__rate_interval", "1m");
                    let mut rule = serde_yaml::Mapping::new();
                    rule.insert(
                        "record".into(),
                        format!("hplc:dashboard_query_{}", rules.len()).into(),
                    );
                    rule.insert("expr".into(), expr.into());
                    let mut labels = serde_yaml::Mapping::new();
                    labels.insert(
                        "panel".into(),
                        format!("{path} {}", panel["title"].as_str().unwrap_or_default()).into(),
                    );
                    rule.insert("labels".into(), labels.into());
                    rules.push(serde_yaml::Value::Mapping(rule));
                }
            }
        }
        assert!(rules.len() > 50, "{env}: only {} queries", rules.len());
        let mut group = serde_yaml::Mapping::new();
        group.insert("name".into(), "dashboards".into());
        group.insert("rules".into(), serde_yaml::Value::Sequence(rules));
        check_rules(
            &promtool,
            &format!("dashboards-{env}"),
            &serde_yaml::Value::Sequence(vec![group.into()]),
        );
    }
}

#[test]
fn dashboards_have_short_uids_unique_ids_and_no_overlapping_panels() {
    for (env, output) in builds() {
        let all = dashboards(&output);
        assert_eq!(all.len(), 5, "{env}: the five dashboards of seed 000 §7.2");
        let mut uids = BTreeSet::new();
        for (path, dashboard) in &all {
            let uid = dashboard["uid"].as_str().expect("uid");
            assert!(
                !uid.is_empty() && uid.len() <= 40,
                "{env} {path}: uid {uid}"
            );
            assert!(uids.insert(uid.to_string()), "{env}: uid {uid} twice");
            assert!(dashboard["id"].is_null(), "{env} {path}: id must be null");
            let mut ids = BTreeSet::new();
            for panel in all_panels(dashboard) {
                let id = panel["id"].as_u64().expect("panel id");
                assert!(
                    ids.insert(id),
                    "{env} {path}: panel id {id} twice ({})",
                    panel["title"]
                );
                if panel["targets"].as_array().is_some_and(|t| !t.is_empty()) {
                    assert_eq!(
                        panel["datasource"]["uid"].as_str(),
                        Some("prometheus"),
                        "{env} {path}: {}",
                        panel["title"]
                    );
                }
            }
            // The open layout, and the layout inside each collapsed row
            // (as it is when the row is opened).
            check_layout(&format!("{env} {path}"), &panels(dashboard));
            for row in panels(dashboard)
                .into_iter()
                .filter(|p| p["collapsed"] == true)
            {
                let inner: Vec<&Value> = row["panels"]
                    .as_array()
                    .expect("a collapsed row's panels")
                    .iter()
                    .collect();
                assert!(
                    !inner.is_empty(),
                    "{env} {path}: collapsed row {} is empty",
                    row["title"]
                );
                assert!(
                    row["repeat"].is_string(),
                    "{env} {path}: rows are collapsed only to be repeated"
                );
                let row_y = row["gridPos"]["y"].as_i64().expect("y");
                assert!(
                    inner
                        .iter()
                        .all(|p| p["gridPos"]["y"].as_i64() > Some(row_y)),
                    "{env} {path}: panels above their row"
                );
                check_layout(&format!("{env} {path} {}", row["title"]), &inner);
            }
            let variables: Vec<&str> = dashboard["templating"]["list"]
                .as_array()
                .expect("variables")
                .iter()
                .filter_map(|v| v["name"].as_str())
                .collect();
            assert_eq!(variables, ["namespace", "service"], "{env} {path}");
        }
    }
}

/// Panels within the 24 columns, none overlapping another.
fn check_layout(place: &str, panels: &[&Value]) {
    let mut boxes: Vec<(i64, i64, i64, i64, String)> = Vec::new();
    for panel in panels {
        let title = panel["title"].as_str().unwrap_or_default().to_string();
        let grid = &panel["gridPos"];
        let [x, y, w, h] = ["x", "y", "w", "h"].map(|k| grid[k].as_i64().expect("gridPos"));
        assert!(
            x >= 0 && w > 0 && h > 0 && x + w <= 24,
            "{place}: {title} leaves the 24 columns"
        );
        for (ox, oy, ow, oh, other) in &boxes {
            let apart = x + w <= *ox || *ox + ow <= x || y + h <= *oy || *oy + oh <= y;
            assert!(apart, "{place}: {title} overlaps {other}");
        }
        boxes.push((x, y, w, h, title));
    }
}

#[test]
fn the_dashboards_also_ship_as_sidecar_configmaps() {
    let output = build(None);
    let configmaps = dashboard_configmaps(&output);
    for (path, _) in dashboards(&output) {
        let name = path.trim_start_matches("grafana/dashboards/");
        let configmap = configmaps
            .iter()
            .find(|d| d["data"][name].is_string())
            .unwrap_or_else(|| panic!("no ConfigMap holds {name}"));
        assert_eq!(
            configmap["metadata"]["labels"]["grafana_dashboard"].as_str(),
            Some("1")
        );
        // Compact JSON in the ConfigMap, the same dashboard as the file.
        let shipped: Value =
            serde_json::from_str(configmap["data"][name].as_str().expect("text")).expect("json");
        let file: Value = serde_json::from_str(&output.files[&path]).expect("json");
        assert_eq!(shipped, file, "{name}");
    }
}

#[test]
fn the_seed_alerts_cover_every_service_and_the_declared_alerts_are_there() {
    let output = build(None);
    let groups = rule_groups(&output);
    let alerts: Vec<(String, String)> = groups
        .as_sequence()
        .expect("groups")
        .iter()
        .flat_map(|g| g["rules"].as_sequence().expect("rules").iter())
        .filter_map(|r| {
            Some((
                r["alert"].as_str()?.to_string(),
                r["labels"]["service"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            ))
        })
        .collect();
    let has = |alert: &str, service: &str| alerts.iter().any(|(a, s)| a == alert && s == service);
    for service in [
        "health-api-server",
        "postgres-health",
        "rabbitmq-broker",
        "log-collector",
        "kube-state-metrics-exporter",
    ] {
        for alert in [
            "ContainerCpuHigh",
            "ContainerMemoryHigh",
            "PodRestartLoop",
            "ServiceDown",
        ] {
            assert!(has(alert, service), "{alert} of {service}");
        }
    }
    assert!(
        has("DatabaseConnectionFailures", "postgres-auth"),
        "the postgres component's alert"
    );
    assert!(
        has("DatabaseConnectionFailures", "redis-health"),
        "the redis component's alert"
    );
    assert!(has("QueueBacklog", "etl"), "the alert declared on etl");
    assert!(has("PublicApiErrors", ""), "the alert declared on its own");
    assert!(
        !alerts.iter().any(|(_, s)| s == "system-pods"),
        "managed services are the cloud's"
    );
    let text = serde_yaml::to_string(&groups).expect("yaml");
    assert!(
        text.contains("> 0.8")
            && text.contains("> 0.85")
            && text.contains("for: 5m")
            && text.contains("for: 1m")
    );
}

/// The thresholds of the panel titled `title` in the capacity dashboard.
fn capacity_thresholds(output: &Output, title: &str) -> Vec<(String, Option<f64>)> {
    let dashboard: Value =
        serde_json::from_str(&output.files["grafana/dashboards/capacity.json"]).expect("json");
    let panel = panels(&dashboard)
        .into_iter()
        .find(|p| p["title"] == title)
        .unwrap_or_else(|| panic!("no panel {title}"));
    panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            (
                s["color"].as_str().expect("color").to_string(),
                s["value"].as_f64(),
            )
        })
        .collect()
}

/// The yellow threshold (what the plan requests) of every node's CPU panel.
fn planned_node_cpu(output: &Output) -> BTreeMap<String, f64> {
    let dashboard: Value =
        serde_json::from_str(&output.files["grafana/dashboards/capacity.json"]).expect("json");
    panels(&dashboard)
        .into_iter()
        .filter_map(|p| {
            p["title"]
                .as_str()?
                .strip_suffix(": CPU (cores)")
                .map(|node| (node.to_string(), p))
        })
        .map(|(node, p)| {
            let thresholds = capacity_thresholds(output, &format!("{node}: CPU (cores)"));
            let yellow = thresholds
                .iter()
                .find(|(c, _)| c == "yellow")
                .and_then(|(_, v)| *v);
            let yellow = yellow.unwrap_or_else(|| panic!("{node}: no planned threshold in {p}"));
            (node, yellow)
        })
        .collect()
}

#[test]
fn the_capacity_thresholds_follow_a_request_changed_in_the_source() {
    let text = std::fs::read_to_string(repo().join("platform.hpl")).expect("platform.hpl");
    let original = build_text(&text);
    let before = "  cpu = 100m ..= 500m\n  memory = 256Mi ..= 512Mi\n  replicas = 2 ..= 3";
    assert_eq!(
        text.matches(before).count(),
        1,
        "health_api_server's resources in platform.hpl"
    );
    // Down, not up: the app nodes keep little more room than a surge
    // replica needs (E0612).
    let changed_text = text.replace(before, &before.replace("100m", "75m"));
    let changed = build_text(&changed_text);

    // The planned total of requests shrinks by two replicas' worth
    // (2 x 25m), and so do the nodes that hold the replicas, each by its
    // share.
    let total = |o: &Output| {
        capacity_thresholds(o, "CPU requested (cores)")[1]
            .1
            .expect("planned")
    };
    assert!(
        (total(&original) - total(&changed) - 0.05).abs() < 1e-9,
        "{} -> {}",
        total(&original),
        total(&changed)
    );
    let (nodes_before, nodes_after) = (planned_node_cpu(&original), planned_node_cpu(&changed));
    assert_eq!(
        nodes_before.keys().collect::<Vec<_>>(),
        nodes_after.keys().collect::<Vec<_>>()
    );
    let moved: Vec<(&String, f64)> = nodes_before
        .iter()
        .map(|(node, before)| (node, nodes_after[node] - before))
        .filter(|(_, d)| d.abs() > 1e-9)
        .collect();
    assert!(!moved.is_empty(), "no node's planned CPU moved");
    assert!(
        moved
            .iter()
            // A whole number of 25m steps, however the float rounds.
            .all(|(_, d)| ((d / 0.025) - (d / 0.025).round()).abs() < 1e-6 && *d < 0.0),
        "{moved:?}"
    );
    assert!(
        (moved.iter().map(|(_, d)| d).sum::<f64>() + 0.05).abs() < 1e-9,
        "{moved:?}"
    );
}

/// Kubernetes refuses a ConfigMap over 1 MiB: the dashboards must not grow
/// with the services (only the capacity dashboard grows, by its per-node
/// panels), and no object the build writes may come near the limit.
#[test]
fn dashboard_configmaps_stay_small_as_the_platform_grows() {
    let sizes = |n: usize| -> BTreeMap<String, usize> {
        let fs =
            MemoryFs::default().with("/synth/platform.hpl", hplc::synth::platform(n).into_bytes());
        let built = hplc::pipeline::build(Path::new("/synth/platform.hpl"), None, &fs);
        let output = built.output.expect("the synthetic platform builds");
        for (path, text) in output
            .files
            .iter()
            .filter(|(p, _)| p.starts_with("k8s/") && p.ends_with(".yaml"))
        {
            for document in text.split("---\n") {
                assert!(
                    document.len() < 1 << 19,
                    "{path}: an object of {} bytes at {n} services",
                    document.len()
                );
            }
        }
        let nodes = built.compilation.model.as_ref().expect("model").nodes.len();
        let mut sizes: BTreeMap<String, usize> = dashboard_configmaps(&output)
            .into_iter()
            .map(|d| {
                (
                    d["metadata"]["name"].as_str().expect("name").to_string(),
                    serde_yaml::to_string(&d["data"]).expect("yaml").len(),
                )
            })
            .collect();
        sizes.insert("nodes".into(), nodes);
        sizes
    };
    let (small, large) = (sizes(1000), sizes(2000));
    let added_nodes = large["nodes"] - small["nodes"];
    for (name, size) in large.iter().filter(|(n, _)| *n != "nodes") {
        assert!(*size < 1 << 20, "{name}: {size} bytes at 2,000 services");
        let growth = size - small[name];
        if name.ends_with("-capacity") {
            // Two panels per node, about a kilobyte each.
            assert!(
                growth <= added_nodes * 2200,
                "{name} grows by {growth} bytes for {added_nodes} nodes"
            );
        } else {
            assert!(
                growth < 512,
                "{name} grows with the services: {} -> {size} bytes",
                small[name]
            );
        }
    }
}

/// `validate-grafana` (shared/tools/validate: Grafana's dashboard schema
/// and its provisioning format) on what Grafana reads in every
/// environment: the dashboards, and the data-source provisioning file the
/// chart mounts from its values (`datasources: {datasources.yaml: ...}`),
/// written out as the file Grafana reads. The validator would take the
/// values file itself for a provisioning file, which it is not.
#[test]
fn the_validator_accepts_the_dashboards_and_the_provisioned_data_sources() {
    let Some(validator) = common::external(
        common::validators_dir().join("validate-grafana"),
        "validate-grafana",
    ) else {
        return;
    };
    for (name, output) in builds() {
        let dir = std::env::temp_dir().join(format!("hplc-grafana-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("dashboards")).expect("a temporary directory");
        for (path, text) in output
            .files
            .iter()
            .filter(|(p, _)| p.starts_with("grafana/dashboards/"))
        {
            let file = Path::new(path).file_name().expect("a file name");
            std::fs::write(dir.join("dashboards").join(file), text).expect("write a dashboard");
        }
        let values = common::chart_values(&output, "datasources");
        let files = values["datasources"]
            .as_mapping()
            .expect("the chart's datasources are files by name");
        assert!(!files.is_empty(), "{name}: no data-source file");
        for (file, content) in files {
            let file = file.as_str().expect("a file name");
            let text = serde_yaml::to_string(content).expect("yaml");
            std::fs::write(dir.join(file), text).expect("write the provisioning file");
        }
        let run = Command::new(&validator)
            .arg(&dir)
            .output()
            .expect("run validate-grafana");
        let _ = std::fs::remove_dir_all(&dir);
        let stdout = String::from_utf8_lossy(&run.stdout);
        assert!(
            run.status.success(),
            "{name}: validate-grafana:\n{stdout}{}",
            String::from_utf8_lossy(&run.stderr)
        );
        assert!(
            stdout.contains("grafana provisioning: 1 files, 0 failed"),
            "{name}: the provisioning file was not read as one:\n{stdout}"
        );
        eprintln!("{name}: {}", stdout.lines().collect::<Vec<_>>().join(" / "));
    }
}
