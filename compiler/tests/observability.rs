//! The observability of platform.hpl checked by the programs that read it,
//! offline:
//!
//! - Prometheus' configuration, as the chart renders it into its ConfigMap
//!   and mounts it, passes `promtool check config` with its rule files;
//! - the rules pass `promtool test rules`: every alert of the platform
//!   plan (high CPU and memory, a volume nearly full, restart loops,
//!   database connection failures, downtime; the nodes' disk and the
//!   Watchdog) fires on one series and stays silent on another, and the
//!   recording rules produce values; production's CloudNativePG alerts
//!   (connection failures, replication lag, write-ahead log archiving)
//!   the same. The series are those real exporters expose (recorded from
//!   Debian's node, PostgreSQL and Redis exporters; from the documented
//!   metric lists for cAdvisor and kube-state-metrics, and from
//!   CloudNativePG's collector and default queries, under
//!   tests/fixtures/metrics/), with the labels the scrape jobs add;
//! - Alertmanager's configuration passes `amtool check-config`;
//! - a real Prometheus, given the generated kube-state-metrics job, keeps
//!   the namespace labels of its series (honor_labels);
//! - Grafana's data sources hold every uid the dashboards name, and the
//!   provisioning reaches the Grafana pod;
//! - Loki keeps 168 hours, with the compactor's retention on;
//! - every service that needs the tracing backend is told its endpoint and
//!   the environment's sampling.
//!
//! Each program is found where the validators' install.sh or scripts/test
//! unpack it from Debian's packages; a missing one is skipped with a word, and
//! fails under CI.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_yaml::Value;

fn promtool() -> Option<PathBuf> {
    common::external(common::tools_dir().join("bin/promtool"), "promtool")
}

/// Where Kubernetes mounts a pod's service account token and CA.
const SERVICE_ACCOUNT: &str = "/var/run/secrets/kubernetes.io/serviceaccount/";

fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("hplc-observability-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn run(program: &Path, args: &[&str], dir: &Path) -> (bool, String) {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", program.display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn the_prometheus_configuration_passes_promtool_with_its_rule_files() {
    let Some(promtool) = promtool() else { return };
    let Some(render) = common::render_chart("prometheus") else {
        return;
    };
    let config_maps = common::of_kind(&render, "ConfigMap");
    let config = config_maps
        .iter()
        .find(|c| c["data"]["prometheus.yml"].is_string())
        .expect("the server's ConfigMap");
    // Laid out as the server mounts it: every key a file of /etc/config.
    let dir = scratch("config");
    let data = config["data"].as_mapping().expect("data");
    for (name, text) in data {
        let text = text.as_str().expect("text");
        // The pod's paths, in the scratch directory: the mounted files and
        // the service account the kubelet jobs authenticate with.
        let text = text
            .replace("/etc/config/", &format!("{}/", dir.display()))
            .replace(SERVICE_ACCOUNT, &format!("{}/", dir.display()));
        std::fs::write(dir.join(name.as_str().expect("name")), text).expect("write");
    }
    // Debian's promtool is built without Kubernetes service discovery: each
    // job's discovery is checked here against the documented fields, then
    // given to promtool as file discovery, with everything else as is.
    let config: Value =
        serde_yaml::from_str(&std::fs::read_to_string(dir.join("prometheus.yml")).unwrap())
            .unwrap();
    let mut config = config;
    for job in config["scrape_configs"].as_sequence_mut().unwrap() {
        let job = job.as_mapping_mut().unwrap();
        if let Some(sd) = job.remove("kubernetes_sd_configs") {
            for entry in sd.as_sequence().unwrap() {
                for (key, value) in entry.as_mapping().unwrap() {
                    match key.as_str().unwrap() {
                        "role" => assert!(
                            [
                                "node",
                                "pod",
                                "service",
                                "endpoints",
                                "endpointslice",
                                "ingress"
                            ]
                            .contains(&value.as_str().unwrap()),
                            "{value:?}"
                        ),
                        "namespaces" => assert!(value["names"].is_sequence(), "{value:?}"),
                        "api_server" | "selectors" | "attach_metadata" => {}
                        other => panic!("kubernetes_sd_configs has no field {other}"),
                    }
                }
            }
            job.insert(
                "file_sd_configs".into(),
                serde_yaml::from_str("[{files: [targets.json]}]").unwrap(),
            );
        }
    }
    std::fs::write(dir.join("targets.json"), "[]").unwrap();
    std::fs::write(dir.join("token"), "token").unwrap();
    std::fs::write(dir.join("ca.crt"), "").unwrap();
    std::fs::write(
        dir.join("prometheus.yml"),
        serde_yaml::to_string(&config).unwrap(),
    )
    .unwrap();
    let (ok, report) = run(&promtool, &["check", "config", "prometheus.yml"], &dir);
    assert!(ok, "promtool check config:\n{report}");
    // Both rule files are found and hold the rules hplc derives.
    assert!(report.contains("SUCCESS: 4 rule files found"), "{report}");
    let alerting: Value =
        serde_yaml::from_str(data[&Value::from("alerting_rules.yml")].as_str().unwrap()).unwrap();
    let rules: usize = alerting["groups"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|g| g["rules"].as_sequence().unwrap().len())
        .sum();
    assert!(rules > 20, "{rules} alerting rules");
    assert!(
        report.contains(&format!("SUCCESS: {rules} rules found")),
        "{report}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A series as an exporter exposes it (the fixture's line, its labels) with
/// the labels the scrape adds (`extra`), for promtool's input.
fn fixture_series(fixture: &str, metric: &str, select: &str, extra: &str) -> String {
    let path = common::repo()
        .join("compiler/tests/fixtures/metrics")
        .join(fixture);
    let text = std::fs::read_to_string(&path).expect("fixture");
    let line = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .find(|l| {
            (l.starts_with(&format!("{metric}{{")) || l.starts_with(&format!("{metric} ")))
                && l.contains(select)
        })
        .unwrap_or_else(|| panic!("{fixture} has no {metric} with {select}"));
    let labels = match line.rfind('}') {
        Some(end) => &line[metric.len() + 1..end],
        None => "",
    };
    if labels.is_empty() {
        return format!("{metric}{{{extra}}}");
    }
    if extra.is_empty() {
        format!("{metric}{{{labels}}}")
    } else {
        format!("{metric}{{{labels},{extra}}}")
    }
}

/// An alert test: the series, scraped every 15 seconds as the platform
/// scrapes (a rate over a minute needs more than one sample), and the
/// alerts expected after 20 minutes.
fn case(series: &[(String, &str)], alert: &str, expected: &str) -> String {
    let mut text = String::from("  - interval: 15s\n    input_series:\n");
    for (s, values) in series {
        text.push_str(&format!(
            "      - series: '{s}'\n        values: '{values}'\n"
        ));
    }
    text.push_str(&format!(
        "    alert_rule_test:\n      - eval_time: 20m\n        alertname: {alert}\n        exp_alerts:{expected}\n"
    ));
    text
}

/// The annotations of a rule of the generated files, with the templates
/// promtool expands filled as they will be.
fn annotations(rules: &Value, alert: &str, service: &str, fill: &[(&str, &str)]) -> String {
    let rule = rules["groups"]
        .as_sequence()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_sequence().unwrap())
        .find(|r| r["alert"] == alert && (service.is_empty() || r["labels"]["service"] == service))
        .unwrap_or_else(|| panic!("no {alert} of {service}"));
    let mut out = String::from("\n            exp_annotations:\n");
    for (key, value) in rule["annotations"].as_mapping().unwrap() {
        let mut value = value.as_str().unwrap().to_string();
        for (template, filled) in fill {
            value = value.replace(template, filled);
        }
        out.push_str(&format!(
            "              {}: {}\n",
            key.as_str().unwrap(),
            serde_json::to_string(&value).unwrap()
        ));
    }
    out
}

fn labels_yaml(pairs: &[(&str, &str)]) -> String {
    let mut out = String::from("\n          - exp_labels:\n");
    for (k, v) in pairs {
        out.push_str(&format!(
            "              {k}: {}\n",
            serde_json::to_string(v).unwrap()
        ));
    }
    out
}

#[test]
fn every_alert_of_the_plan_fires_on_one_series_and_not_on_another() {
    let Some(promtool) = promtool() else { return };
    for (env, cases) in [
        (None, default_cases as fn(&Value) -> Vec<String>),
        (Some("production"), production_cases),
    ] {
        let output = common::build(env);
        let values = common::chart_values(&output, "serverFiles");
        let files = &values["serverFiles"];
        let dir = scratch(env.unwrap_or("default"));
        for file in ["alerting_rules.yml", "recording_rules.yml"] {
            std::fs::write(dir.join(file), serde_yaml::to_string(&files[file]).unwrap()).unwrap();
        }
        // Evaluated every minute (the server does every 15 seconds): the
        // `for` durations and the windows mean the same, at a quarter of
        // promtool's time.
        let mut tests = String::from(
            "rule_files:\n  - alerting_rules.yml\n  - recording_rules.yml\nevaluation_interval: 1m\ntests:\n",
        );
        for case in cases(&files["alerting_rules.yml"]) {
            tests.push_str(&case);
        }
        std::fs::write(dir.join("tests.yml"), &tests).unwrap();
        let (ok, report) = run(&promtool, &["test", "rules", "tests.yml"], &dir);
        assert!(ok, "{env:?}: promtool test rules:\n{report}\n{tests}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

const API: &str =
    r#"namespace="health-api",service="health-api-server",job="health-api-server",endpoint="http""#;

fn default_cases(alerting: &Value) -> Vec<String> {
    let pod = "health-api-server-7d4b9c6f5-x2k8p";
    let api = |alert: &str, fill: &[(&str, &str)], with_pod: bool| {
        let mut labels = vec![
            (
                "severity",
                if alert == "ServiceDown" {
                    "critical"
                } else {
                    "warning"
                },
            ),
            ("namespace", "health-api"),
            ("service", "health-api-server"),
        ];
        if with_pod {
            labels.push(("pod", pod));
        }
        labels_yaml(&labels) + &annotations(alerting, alert, "health-api-server", fill)
    };
    let cpu = fixture_series(
        "cadvisor.prom",
        "container_cpu_usage_seconds_total",
        "health-api-server",
        "",
    );
    let memory = fixture_series(
        "cadvisor.prom",
        "container_memory_working_set_bytes",
        "health-api-server",
        "",
    );
    let restarts = fixture_series(
        "kube-state-metrics.prom",
        "kube_pod_container_status_restarts_total",
        "health-api-server",
        "",
    );
    let up = format!("up{{{API},instance=\"10.0.1.5:8001\",pod=\"{pod}\"}}");
    let pg_target = r#"namespace="health-data",service="postgres-health",job="postgres-health",endpoint="metrics",instance="10.0.2.7:9187",pod="postgres-health-0""#;
    let pg = fixture_series("postgres-exporter.prom", "pg_up", "", pg_target);
    let node_target = r#"namespace="health-node-agents",service="node-exporter-agent",job="node-exporter-agent",instance="10.0.0.2:9100",pod="node-exporter-agent-abcde""#;
    let avail = fixture_series(
        "node-exporter.prom",
        "node_filesystem_avail_bytes",
        r#"mountpoint="/""#,
        node_target,
    );
    let size = fixture_series(
        "node-exporter.prom",
        "node_filesystem_size_bytes",
        r#"mountpoint="/""#,
        node_target,
    );
    let requests = format!("http_requests_total{{{API},method=\"GET\",handler=\"/health/live\",status=\"2xx\",pod=\"{pod}\"}}");
    let none = " []";
    let pg_fires = labels_yaml(&[
        ("severity", "critical"),
        ("namespace", "health-data"),
        ("service", "postgres-health"),
        ("endpoint", "metrics"),
        ("instance", "10.0.2.7:9187"),
        ("job", "postgres-health"),
        ("pod", "postgres-health-0"),
    ]) + &annotations(
        alerting,
        "DatabaseConnectionFailures",
        "postgres-health",
        &[
            ("{{ $labels.service }}", "postgres-health"),
            ("{{ $labels.namespace }}", "health-data"),
        ],
    );
    let mut disk_labels = vec![("severity", "warning")];
    for pair in node_target.split(',') {
        let (k, v) = pair.split_once('=').unwrap();
        disk_labels.push((k, v.trim_matches('"')));
    }
    disk_labels.extend([
        ("device", "/dev/vda"),
        ("fstype", "ext4"),
        ("mountpoint", "/"),
    ]);
    let disk_fires = labels_yaml(&disk_labels)
        + &annotations(
            alerting,
            "NodeDiskNearlyFull",
            "",
            &[
                ("{{ $labels.instance }}", "10.0.0.2:9100"),
                ("{{ $value | humanizePercentage }}", "90%"),
            ],
        );
    let watchdog =
        labels_yaml(&[("severity", "info")]) + &annotations(alerting, "Watchdog", "", &[]);
    let mut cases = vec![
        // Half a core used of a 0.5-core limit, then a tenth.
        case(
            &[(cpu.clone(), "0+7.5x80")],
            "ContainerCpuHigh",
            &api(
                "ContainerCpuHigh",
                &[
                    ("{{ $labels.pod }}", pod),
                    ("{{ $value | humanizePercentage }}", "100%"),
                ],
                true,
            ),
        ),
        case(&[(cpu, "0+1.5x80")], "ContainerCpuHigh", none),
        // The whole 512Mi limit, then half.
        case(
            &[(memory.clone(), "536870912x80")],
            "ContainerMemoryHigh",
            &api(
                "ContainerMemoryHigh",
                &[
                    ("{{ $labels.pod }}", pod),
                    ("{{ $value | humanizePercentage }}", "100%"),
                ],
                true,
            ),
        ),
        case(&[(memory, "268435456x80")], "ContainerMemoryHigh", none),
        // A restart a minute: 15 in 15 minutes; none.
        case(
            &[(restarts.clone(), "0+0.25x80")],
            "PodRestartLoop",
            &api(
                "PodRestartLoop",
                &[("{{ $labels.pod }}", pod), ("{{ $value }}", "15")],
                true,
            ),
        ),
        case(&[(restarts, "0x80")], "PodRestartLoop", none),
        // Every target down; one up.
        // (every other service up, or its alert fires for want of a target).
        case(
            &with_others_up(alerting, up.clone(), "0x80"),
            "ServiceDown",
            &api("ServiceDown", &[], false),
        ),
        case(&with_others_up(alerting, up, "1x80"), "ServiceDown", none),
        // The exporter cannot reach PostgreSQL; it can.
        case(
            &[(pg.clone(), "0x80")],
            "DatabaseConnectionFailures",
            &pg_fires,
        ),
        case(&[(pg, "1x80")], "DatabaseConnectionFailures", none),
        // 10% of the root filesystem left; half.
        case(
            &[(avail.clone(), "10x80"), (size.clone(), "100x80")],
            "NodeDiskNearlyFull",
            &disk_fires,
        ),
        case(
            &[(avail, "50x80"), (size, "100x80")],
            "NodeDiskNearlyFull",
            none,
        ),
        case(&[], "Watchdog", &watchdog),
    ];
    // The recording rules: the API's request rate, one a second.
    cases.push(format!(
        "  - interval: 15s\n    input_series:\n      - series: '{requests}'\n        values: '0+15x80'\n    promql_expr_test:\n      - expr: 'service:http_requests:rate1m{{service=\"health-api-server\"}}'\n        eval_time: 20m\n        exp_samples:\n          - labels: 'service:http_requests:rate1m{{namespace=\"health-api\",service=\"health-api-server\"}}'\n            value: 1\n"
    ));
    cases
}

/// `up` of the API with `values`, and `up` 1 for every other service the
/// rules expect a target of.
fn with_others_up(
    alerting: &Value,
    api: String,
    values: &'static str,
) -> Vec<(String, &'static str)> {
    let mut series = vec![(api, values)];
    for rule in alerting["groups"]
        .as_sequence()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_sequence().unwrap())
    {
        if rule["alert"] == "ServiceDown" && rule["labels"]["service"] != "health-api-server" {
            // The rule's own selector: `... or absent(up{...})`; a rule
            // without absent() (the scraper's own, from its Deployment's
            // replicas) is silent without series.
            let expr = rule["expr"].as_str().unwrap();
            if let Some(selector) = expr
                .rsplit_once("absent(")
                .and_then(|(_, rest)| rest.strip_suffix(')'))
            {
                series.push((selector.to_string(), "1x80"));
            }
        }
    }
    series
}

fn production_cases(alerting: &Value) -> Vec<String> {
    // Production's PostgreSQL is a CloudNativePG cluster, whose claims are
    // named after its instances.
    let claim = |series: String| series.replace("data-postgres-health-0", "postgres-health-1");
    let used = claim(fixture_series(
        "kubelet.prom",
        "kubelet_volume_stats_used_bytes",
        "postgres-health",
        "",
    ));
    let capacity = claim(fixture_series(
        "kubelet.prom",
        "kubelet_volume_stats_capacity_bytes",
        "postgres-health",
        "",
    ));
    let fires = labels_yaml(&[
        ("severity", "warning"),
        ("namespace", "health-data"),
        ("service", "postgres-health"),
        ("persistentvolumeclaim", "postgres-health-1"),
    ]) + &annotations(
        alerting,
        "VolumeNearlyFull",
        "postgres-health",
        &[
            ("{{ $labels.persistentvolumeclaim }}", "postgres-health-1"),
            ("{{ $value | humanizePercentage }}", "90%"),
        ],
    );
    let mut cases = vec![
        // 90% of a 50Gi volume used; half.
        case(
            &[
                (used.clone(), "48318382080x80"),
                (capacity.clone(), "53687091200x80"),
            ],
            "VolumeNearlyFull",
            &fires,
        ),
        case(
            &[(used, "26843545600x80"), (capacity, "53687091200x80")],
            "VolumeNearlyFull",
            " []",
        ),
    ];
    // The instances' pods are the operator's (`postgres-health-<serial>`)
    // and their server's container is `postgres`, not the component's
    // name: the whole 2Gi limit used, then half.
    let memory = "container_memory_working_set_bytes{container=\"postgres\",namespace=\"health-data\",pod=\"postgres-health-1\"}".to_string();
    let memory_fires = labels_yaml(&[
        ("severity", "warning"),
        ("namespace", "health-data"),
        ("service", "postgres-health"),
        ("pod", "postgres-health-1"),
    ]) + &annotations(
        alerting,
        "ContainerMemoryHigh",
        "postgres-health",
        &[
            ("{{ $labels.pod }}", "postgres-health-1"),
            ("{{ $value | humanizePercentage }}", "100%"),
        ],
    );
    cases.push(case(
        &[(memory.clone(), "2147483648x80")],
        "ContainerMemoryHigh",
        &memory_fires,
    ));
    cases.push(case(
        &[(memory, "1073741824x80")],
        "ContainerMemoryHigh",
        " []",
    ));
    cases.extend(cluster_cases(alerting));
    cases
}

/// The labels the scrape of a CloudNativePG instance adds (the job
/// `charts/9187/metrics`: by pod, named after the cluster).
fn instance_labels(pod: &str, address: &str) -> Vec<(&'static str, String)> {
    vec![
        ("namespace", "health-data".to_string()),
        ("service", "postgres-health".to_string()),
        ("pod", pod.to_string()),
        ("endpoint", "metrics".to_string()),
        ("job", "postgres-health".to_string()),
        ("instance", format!("{address}:9187")),
    ]
}

/// A series of the CloudNativePG fixture as the scrape of `pod` stores it,
/// and the labels of an alert on it.
fn instance_series(metric: &str, pod: &str, address: &str) -> (String, Vec<(String, String)>) {
    let labels = instance_labels(pod, address);
    let extra = labels
        .iter()
        .map(|(k, v)| format!("{k}=\"{v}\""))
        .collect::<Vec<_>>()
        .join(",");
    let series = fixture_series("cloudnative-pg.prom", metric, "", &extra);
    let mut alert: Vec<(String, String)> = labels
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    if metric == "cnpg_collector_up" {
        alert.push(("cluster".to_string(), "postgres-health".to_string()));
    }
    (series, alert)
}

/// The alerts of the CloudNativePG cluster (stdlib `cloudnative_pg_cluster`),
/// each firing on the series of an instance in trouble and silent on a
/// healthy one: the primary `postgres-health-1`, a standby
/// `postgres-health-2`.
fn cluster_cases(alerting: &Value) -> Vec<String> {
    let fires =
        |alert: &str, severity: &str, labels: &[(String, String)], fill: &[(&str, &str)]| {
            let mut pairs: Vec<(&str, &str)> = vec![("severity", severity)];
            pairs.extend(labels.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            labels_yaml(&pairs) + &annotations(alerting, alert, "postgres-health", fill)
        };
    let (up, up_labels) = instance_series("cnpg_collector_up", "postgres-health-1", "10.244.1.12");
    let (lag, lag_labels) =
        instance_series("cnpg_pg_replication_lag", "postgres-health-2", "10.244.2.7");
    let (archived, archived_labels) = instance_series(
        "cnpg_pg_stat_archiver_seconds_since_last_archival",
        "postgres-health-1",
        "10.244.1.12",
    );
    let (primary, _) = instance_series(
        "cnpg_pg_replication_in_recovery",
        "postgres-health-1",
        "10.244.1.12",
    );
    let (standby, _) = instance_series(
        "cnpg_pg_replication_in_recovery",
        "postgres-health-2",
        "10.244.2.7",
    );
    vec![
        // The instance manager cannot query PostgreSQL; it can.
        case(
            &[(up.clone(), "0x80")],
            "DatabaseConnectionFailures",
            &fires(
                "DatabaseConnectionFailures",
                "critical",
                &up_labels,
                &[("{{ $labels.pod }}", "postgres-health-1")],
            ),
        ),
        case(&[(up, "1x80")], "DatabaseConnectionFailures", " []"),
        // A standby ten minutes behind; five seconds behind.
        case(
            &[(lag.clone(), "600x80")],
            "ReplicationLag",
            &fires(
                "ReplicationLag",
                "warning",
                &lag_labels,
                &[
                    ("{{ $labels.pod }}", "postgres-health-2"),
                    ("{{ $value }}", "600"),
                ],
            ),
        ),
        case(&[(lag, "5x80")], "ReplicationLag", " []"),
        // The primary has archived nothing for two hours; a minute ago
        // (a standby's archiver is not queried, and stays out).
        case(
            &[(archived.clone(), "7200+15x80"), (primary.clone(), "0x80")],
            "WalArchiving",
            &fires(
                "WalArchiving",
                "warning",
                &archived_labels,
                &[("{{ $labels.pod }}", "postgres-health-1")],
            ),
        ),
        case(
            &[(archived, "60x80"), (primary, "0x80"), (standby, "1x80")],
            "WalArchiving",
            " []",
        ),
    ]
}

#[test]
fn the_alertmanager_configuration_passes_amtool() {
    let Some(amtool) = common::external(
        common::tools_dir().join("alertmanager/usr/bin/amtool"),
        "amtool (Debian's prometheus-alertmanager, unpacked by scripts/test)",
    ) else {
        return;
    };
    let output = common::build(None);
    let values = common::chart_values(&output, "extraSecretMounts");
    let dir = scratch("alertmanager");
    let mut config = values["config"].clone();
    // The receivers' secrets, where the chart mounts them.
    let secrets = hplc::emit::observe::alerting::SECRETS_DIR;
    let text = serde_yaml::to_string(&config)
        .unwrap()
        .replace(secrets, &dir.display().to_string());
    for mount in values["extraSecretMounts"].as_sequence().unwrap() {
        let secret = mount["secretName"].as_str().unwrap();
        std::fs::create_dir_all(dir.join(secret)).unwrap();
        for key in ["password", "url"] {
            std::fs::write(dir.join(secret).join(key), "https://example.com/heartbeat").unwrap();
        }
    }
    config = serde_yaml::from_str(&text).unwrap();
    // Debian's amtool (0.25) predates `url_file` of webhook receivers (the
    // deployed Alertmanager, 0.34, reads it): the file is checked to be one
    // the chart mounts, and amtool is given its content as `url`.
    let mut webhooks = 0;
    for receiver in config["receivers"].as_sequence_mut().unwrap() {
        for hook in receiver["webhook_configs"]
            .as_sequence_mut()
            .into_iter()
            .flatten()
        {
            let hook = hook.as_mapping_mut().unwrap();
            if let Some(file) = hook.remove("url_file") {
                let file = file.as_str().unwrap();
                let url = std::fs::read_to_string(file)
                    .unwrap_or_else(|e| panic!("url_file {file} is not mounted: {e}"));
                hook.insert("url".into(), url.into());
                webhooks += 1;
            }
        }
    }
    assert!(
        webhooks > 0,
        "the heartbeat's webhook reads its URL from a mounted secret"
    );
    std::fs::write(
        dir.join("alertmanager.yml"),
        serde_yaml::to_string(&config).unwrap(),
    )
    .unwrap();
    let (ok, report) = run(&amtool, &["check-config", "alertmanager.yml"], &dir);
    assert!(ok, "amtool check-config:\n{report}\n{text}");
    assert!(report.contains("SUCCESS"), "{report}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_real_prometheus_keeps_the_namespace_of_kube_state_metrics_series() {
    let Some(prometheus) = common::external(
        common::tools_dir().join("prometheus/usr/bin/prometheus"),
        "prometheus (Debian's, unpacked by the validators' install.sh)",
    ) else {
        return;
    };
    let output = common::build(None);
    let values = common::chart_values(&output, "serverFiles");
    let jobs = values["serverFiles"]["prometheus.yml"]["scrape_configs"]
        .as_sequence()
        .unwrap();
    let mut job = jobs
        .iter()
        .find(|j| j["honor_labels"] == true)
        .expect("a job that keeps its targets' labels")
        .clone();
    // A fixture server in place of the discovered pod: static targets carry
    // the labels discovery would have given, and the job's own relabelling
    // keeps and names the target.
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port();
    let text = std::fs::read_to_string(common::repo().join("compiler/tests/fixtures/metrics/kube-state-metrics.prom")).unwrap()
        + "kube_pod_container_status_restarts_total{namespace=\"health-system\",pod=\"cert-manager-controller-0\",uid=\"u\",container=\"cert-manager-controller\"} 2\n";
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for stream in server.incoming().flatten() {
            let mut stream = stream;
            let mut buffer = [0u8; 4096];
            let _ = stream.read(&mut buffer);
            let body = text.as_bytes();
            let _ = write!(stream, "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = stream.write_all(body);
        }
    });
    let discovered = serde_yaml::from_str::<Value>(&format!(
        "- targets: ['127.0.0.1:{port}']\n  labels:\n    __meta_kubernetes_namespace: health-observability\n    __meta_kubernetes_pod_label_app_kubernetes_io_instance: kube-state-metrics-exporter\n    __meta_kubernetes_pod_container_port_number: '8080'\n    __meta_kubernetes_pod_name: kube-state-metrics-exporter-0\n"
    )).unwrap();
    let map = job.as_mapping_mut().unwrap();
    map.remove("kubernetes_sd_configs");
    map.insert("static_configs".into(), discovered);
    map.insert("scrape_interval".into(), "1s".into());
    let config = serde_yaml::to_string(
        &serde_yaml::from_str::<Value>(&format!(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n{}",
            serde_yaml::to_string(&Value::Sequence(vec![job])).unwrap()
        ))
        .unwrap(),
    )
    .unwrap();
    let dir = scratch("prometheus");
    std::fs::write(dir.join("prometheus.yml"), &config).unwrap();
    let web = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(&prometheus)
        .arg("--config.file=prometheus.yml")
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{web}"))
        .current_dir(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start prometheus");
    let query = "kube_pod_container_status_restarts_total%7Bnamespace%3D%22health-system%22%7D";
    let mut answer = String::new();
    for _ in 0..60 {
        std::thread::sleep(std::time::Duration::from_millis(500));
        if let Ok(text) = http_get(web, &format!("/api/v1/query?query={query}")) {
            if text.contains("cert-manager-controller") {
                answer = text;
                break;
            }
            answer = text;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        answer.contains("\"namespace\":\"health-system\"")
            && answer.contains("cert-manager-controller"),
        "the series kept its namespace: {answer}\n{config}"
    );
}

fn http_get(port: u16, path: &str) -> std::io::Result<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )?;
    let mut text = String::new();
    stream.read_to_string(&mut text)?;
    Ok(text)
}

#[test]
fn every_dashboard_names_a_provisioned_data_source_and_grafana_mounts_them() {
    for (name, env) in common::environments() {
        let output = common::build(env.as_deref());
        let values = common::chart_values(&output, "datasources");
        let provisioned: BTreeSet<String> = values["datasources"]["datasources.yaml"]
            ["datasources"]
            .as_sequence()
            .expect("data sources")
            .iter()
            .map(|d| d["uid"].as_str().unwrap().to_string())
            .collect();
        for (path, text) in output
            .files
            .iter()
            .filter(|(p, _)| p.starts_with("grafana/dashboards/"))
        {
            let dashboard: serde_json::Value = serde_json::from_str(text).unwrap();
            let mut uids = Vec::new();
            collect_uids(&dashboard, &mut uids);
            assert!(!uids.is_empty(), "{name} {path} names no data source");
            for uid in uids {
                assert!(
                    provisioned.contains(&uid),
                    "{name} {path}: data source {uid} is not provisioned ({provisioned:?})"
                );
            }
        }
    }
    // The render: the data sources' ConfigMap is a volume of the Grafana
    // pod, mounted where Grafana reads provisioning; the dashboards'
    // sidecar runs beside it.
    let Some(render) = common::render_chart("grafana") else {
        return;
    };
    let config = common::of_kind(&render, "ConfigMap")
        .into_iter()
        .find(|c| c["data"]["datasources.yaml"].is_string())
        .expect("the data sources' ConfigMap");
    let config_name = config["metadata"]["name"].as_str().unwrap();
    let deployment = common::of_kind(&render, "Deployment")[0];
    let pod = &deployment["spec"]["template"]["spec"];
    let volume = pod["volumes"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|v| v["configMap"]["name"] == config_name)
        .expect("a volume of the data sources");
    let grafana = pod["containers"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "grafana")
        .unwrap();
    let mount = grafana["volumeMounts"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|m| {
            m["name"] == volume["name"]
                && m["mountPath"]
                    .as_str()
                    .is_some_and(|p| p.starts_with("/etc/grafana/provisioning/datasources"))
        })
        .expect("the data sources mounted where Grafana provisions from");
    assert!(
        mount["mountPath"]
            .as_str()
            .unwrap()
            .starts_with("/etc/grafana/provisioning/datasources"),
        "{mount:?}"
    );
    assert!(pod["containers"]
        .as_sequence()
        .unwrap()
        .iter()
        .any(|c| c["name"] == "grafana-sc-dashboard"));
}

fn collect_uids(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(uid) = map
                .get("datasource")
                .and_then(|d| d.get("uid"))
                .and_then(|u| u.as_str())
            {
                if !uid.starts_with('$') && !uid.starts_with("-- ") {
                    out.push(uid.to_string());
                }
            }
            map.values().for_each(|v| collect_uids(v, out));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_uids(v, out)),
        _ => {}
    }
}

#[test]
fn loki_keeps_a_week_with_the_compactor_deleting_what_is_older() {
    let Some(render) = common::render_chart("loki") else {
        return;
    };
    let config = common::of_kind(&render, "ConfigMap")
        .into_iter()
        .chain(common::of_kind(&render, "Secret"))
        .find_map(|c| {
            c["data"]["config.yaml"]
                .as_str()
                .map(str::to_string)
                .or_else(|| c["stringData"]["config.yaml"].as_str().map(str::to_string))
        })
        .expect("Loki's configuration");
    let config: Value = serde_yaml::from_str(&config).expect("Loki's configuration is YAML");
    assert_eq!(
        config["limits_config"]["retention_period"], "168h",
        "{config:?}"
    );
    assert_eq!(config["compactor"]["retention_enabled"], true, "{config:?}");
}

#[test]
fn every_service_that_needs_the_tracing_backend_is_told_its_endpoint_and_sampling() {
    for (name, env) in common::environments() {
        let compilation = common::compile(env.as_deref());
        let output = common::generate(&compilation);
        let platform = compilation.model.as_ref().unwrap();
        let backend = platform
            .services
            .iter()
            .find(|s| s.roles.otlp_port.is_some())
            .expect("a tracing backend");
        let (host, port) = hplc::emit::kube::address::address(
            platform,
            backend,
            backend.roles.otlp_port.as_deref().unwrap(),
        )
        .unwrap();
        // The address is a Service of the backend's chart, on that port.
        let chart = backend.chart().unwrap();
        assert!(chart.render.services.iter().any(|s| {
            host.starts_with(&format!(
                "{}.",
                hplc::model::for_release(&s.name, &backend.k8s_name)
            )) && s.ports.values().any(|p| *p == port)
        }));
        let expected_ratio = match env.as_deref() {
            None => "1",
            _ => "0.1",
        };
        let mut told = 0;
        for (id, service) in platform.deployed() {
            let needs = compilation.graph.as_ref().unwrap().edges_from(id).any(|e| {
                e.kind == hplc::graph::EdgeKind::Needs
                    && platform.services[e.to].roles.otlp_port.is_some()
            });
            if !needs || service.chart().is_some() {
                continue;
            }
            if service.operator().is_some() {
                // Pods a controller makes (the gateway's proxies): told by
                // the EnvoyProxy they are made from, through a backend
                // reference to the backend's OTLP/gRPC port (Envoy's
                // OpenTelemetry tracer speaks gRPC).
                let (host, port) = hplc::emit::kube::address::address(
                    platform,
                    backend,
                    backend
                        .roles
                        .otlp_grpc_port
                        .as_deref()
                        .expect("an OTLP/gRPC port"),
                )
                .unwrap();
                let proxy = common::k8s_of_kind(&output, "EnvoyProxy")
                    .into_iter()
                    .find(|o| o["metadata"]["name"] == service.k8s_name.as_str())
                    .unwrap_or_else(|| panic!("{name}: no EnvoyProxy of {}", service.name));
                let tracing = &proxy["spec"]["telemetry"]["tracing"];
                let backend_ref = &tracing["provider"]["backendRefs"][0];
                let reached = format!(
                    "{}.{}.svc.cluster.local",
                    backend_ref["name"].as_str().unwrap_or_default(),
                    backend_ref["namespace"].as_str().unwrap_or_default()
                );
                assert_eq!(
                    (reached, backend_ref["port"].as_u64()),
                    (host.clone(), Some(u64::from(port))),
                    "{name} {}",
                    service.name
                );
                let percent: f64 = expected_ratio.parse::<f64>().unwrap() * 100.0;
                assert_eq!(
                    tracing["samplingRate"].as_f64(),
                    Some(percent),
                    "{name} {}",
                    service.name
                );
                told += 1;
                continue;
            }
            let workload = common::k8s_documents(&output)
                .into_iter()
                .map(|(_, o)| o)
                .find(|o| {
                    o["metadata"]["name"] == service.k8s_name.as_str()
                        && o["spec"]["template"].is_mapping()
                })
                .unwrap_or_else(|| panic!("{name}: no workload of {}", service.name));
            let env_of = |key: &str| {
                workload["spec"]["template"]["spec"]["containers"][0]["env"]
                    .as_sequence()
                    .unwrap()
                    .iter()
                    .find(|e| e["name"] == key)
                    .and_then(|e| e["value"].as_str())
                    .map(str::to_string)
            };
            assert_eq!(
                env_of("OTEL_EXPORTER_OTLP_ENDPOINT"),
                Some(format!("http://{host}:{port}")),
                "{name} {}",
                service.name
            );
            assert_eq!(
                env_of("OTEL_TRACES_SAMPLER_ARG").as_deref(),
                Some(expected_ratio),
                "{name} {}",
                service.name
            );
            told += 1;
        }
        assert!(told >= 3, "{name}: {told} services traced");
    }
}
