//! What `hplc check` prints for many warnings of one code: the first few
//! drawn and the rest counted, or every one with `--all-warnings`.

mod common;

use std::path::Path;
use std::process::Command;

const CASE: &str = "tests/cases/many_warnings_of_one_code_are_counted/main.hpl";

fn check(extra: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_hplc"))
        .arg("check")
        .arg(CASE)
        .args(["--color", "never"])
        .args(extra)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .output()
        .expect("hplc runs");
    assert_eq!(output.status.code(), Some(0), "warnings alone pass");
    String::from_utf8(output.stderr).expect("UTF-8")
}

/// The volumes whose warnings were drawn, by name.
fn drawn(report: &str) -> Vec<String> {
    report
        .lines()
        .filter_map(|l| l.trim().strip_prefix("⚠ volume `"))
        .map(|l| l.split('`').next().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn the_first_warnings_of_a_code_are_drawn_and_the_rest_counted() {
    let report = check(&[]);
    assert_eq!(drawn(&report), ["v1", "v2", "v3", "v4", "v5"]);
    assert!(report.contains(
        "W0601: 2 more warnings like the above (volume rounded up to its storage class minimum); --all-warnings shows them all\n"
    ));
    // The summary counts every warning, drawn or not.
    assert!(report.contains("0 errors, 7 warnings\n"), "{report}");
}

#[test]
fn all_warnings_draws_every_one() {
    let report = check(&["--all-warnings"]);
    assert_eq!(drawn(&report), ["v1", "v2", "v3", "v4", "v5", "v6", "v7"]);
    assert!(!report.contains("more warning"), "{report}");
    assert!(report.contains("0 errors, 7 warnings\n"));
}

/// `hplc check` over every environment says which environments a
/// diagnostic comes from when not all of them have it.
#[test]
fn a_warning_of_some_environments_names_them() {
    let output = Command::new(env!("CARGO_BIN_EXE_hplc"))
        .args(["check", "tests/fixtures/envs/warning_in_one_env.hpl"])
        .args(["--color", "never"])
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .output()
        .expect("hplc runs");
    let report = String::from_utf8(output.stderr).expect("UTF-8");
    assert_eq!(output.status.code(), Some(0), "{report}");
    assert!(
        report.contains("50Gi (in environment\n  │ `small_disk`)"),
        "{report}"
    );
    assert!(
        report.contains("50Gi (in environment\n  │ `also_small`)"),
        "{report}"
    );
    assert!(report.contains("0 errors, 2 warnings\n"), "{report}");
    assert!(
        report.contains("ok (default, small_disk, also_small)"),
        "{report}"
    );
}

/// `--env default` selects the platform without an overlay, as the output
/// calls it.
#[test]
fn env_default_is_the_base_platform() {
    let output = Command::new(env!("CARGO_BIN_EXE_hplc"))
        .args(["check", "tests/fixtures/envs/warning_in_one_env.hpl"])
        .args(["--env", "default", "--color", "never"])
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .output()
        .expect("hplc runs");
    let report = String::from_utf8(output.stderr).expect("UTF-8");
    assert_eq!(output.status.code(), Some(0), "{report}");
    assert!(report.contains("ok (default)"), "{report}");
}

/// `hplc plan` adds up every pod's requests at the minimum replicas and at
/// the autoscalers' maxima, and shows what each node has left.
#[test]
fn the_plan_shows_total_requests_and_headroom() {
    let plan = |format: &str| {
        let output = Command::new(env!("CARGO_BIN_EXE_hplc"))
            .args([
                "plan",
                "tests/fixtures/plan/ceiling.hpl",
                "--format",
                format,
            ])
            .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
            .output()
            .expect("hplc runs");
        assert_eq!(output.status.code(), Some(0));
        String::from_utf8(output.stdout).expect("UTF-8")
    };
    let json: serde_json::Value = serde_json::from_str(&plan("json")).expect("JSON");
    assert_eq!(json["requests"]["cpu"], 400);
    assert_eq!(json["requests"]["pods"], 2);
    assert_eq!(json["requests_at_ceiling"]["cpu"], 1000);
    assert_eq!(json["requests_at_ceiling"]["memory"], 5 * 256 * 1024 * 1024);
    assert_eq!(json["requests_at_ceiling"]["pods"], 5);
    let node = &json["nodes"][0];
    let allocatable = node["allocatable"]["cpu"].as_i64().expect("cpu");
    assert_eq!(node["free"]["cpu"].as_i64(), Some(allocatable - 400));
    assert_eq!(
        node["free"]["pods"].as_i64(),
        Some(node["allocatable"]["max_pods"].as_i64().expect("max_pods") - 2)
    );
    let text = plan("text");
    assert!(text.contains("    free    1430m CPU, "), "{text}");
    assert!(
        text.contains("  CPU                   400m        1000m\n"),
        "{text}"
    );
}

/// Each node's backup jobs are counted at their schedule, beside the
/// node's steady requests; every job container asks what its `backup`
/// says.
#[test]
fn the_plan_shows_each_nodes_peak_while_its_jobs_run() {
    let output = Command::new(env!("CARGO_BIN_EXE_hplc"))
        .args(["plan", "../platform.hpl", "--env", "default"])
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .output()
        .expect("hplc runs");
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    // app_primary: 675m steady, and postgres_health's dump (50m, 128Mi).
    assert!(
        text.contains(
            "    jobs    peak at `0 3 * * *` (postgres_health's backup): +50m CPU, +128Mi memory\n            cpu 725m of 840m  86%"
        ),
        "{text}"
    );
    let built = common::build(None);
    let mut jobs = 0;
    for (_, document) in common::k8s_documents(&built) {
        if document["kind"] != "CronJob" {
            continue;
        }
        let pod = &document["spec"]["jobTemplate"]["spec"]["template"]["spec"];
        assert!(pod["nodeSelector"].is_mapping(), "{document:?}");
        for field in ["initContainers", "containers"] {
            for container in pod[field].as_sequence().expect("containers") {
                let resources = &container["resources"];
                for key in ["requests", "limits"] {
                    for what in ["cpu", "memory"] {
                        assert!(
                            !resources[key][what].is_null(),
                            "{}: no {key}.{what}",
                            document["metadata"]["name"].as_str().unwrap_or_default()
                        );
                    }
                }
                jobs += 1;
            }
        }
    }
    assert!(jobs >= 4, "{jobs} job containers");
}
