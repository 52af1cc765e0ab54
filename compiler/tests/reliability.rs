//! Limits, atomic output, drift checks and determinism.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use hplc::diagnostics::Code;
use hplc::emit::{output, Output};
use hplc::resolve::fs::MemoryFs;

fn codes(text: &str) -> Vec<Code> {
    let fs = MemoryFs::default().with("/t/main.hpl", text.as_bytes().to_vec());
    hplc::compile(Path::new("/t/main.hpl"), None, &fs)
        .diagnostics
        .iter()
        .map(|d| d.code)
        .collect()
}

/// A scratch directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("hplc-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The inode of the file at `path` (not of what a link there names).
fn inode(path: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(path).expect("metadata").ino()
}

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path
                    .strip_prefix(dir)
                    .expect("below")
                    .to_string_lossy()
                    .into_owned();
                files.push((relative, std::fs::read(&path).expect("read")));
            }
        }
    }
    files.sort();
    files
}

fn hplc(args: &[&str], cwd: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hplc"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run hplc")
}

// ---- limits ------------------------------------------------------------

#[test]
fn too_many_declarations_is_a_diagnostic() {
    let mut text = String::with_capacity(hplc::types::MAX_DECLARATIONS * 16);
    for i in 0..=hplc::types::MAX_DECLARATIONS {
        text.push_str(&format!("let c{i} = {i}\n"));
    }
    assert!(codes(&text).contains(&Code::TooManyDeclarations));
}

#[test]
fn a_file_over_the_size_limit_is_a_diagnostic() {
    let line = format!("// {}\n", "x".repeat(1000));
    let text = line.repeat(hplc::syntax::MAX_FILE_BYTES / line.len() + 1);
    assert_eq!(codes(&text), vec![Code::FileTooLarge]);
}

#[test]
fn interpolation_nested_too_deep_is_a_diagnostic() {
    let mut value = String::from("\"x\"");
    for _ in 0..60 {
        value = format!("\"${{{value}}}\"");
    }
    assert_eq!(
        codes(&format!("let s = {value}\n")),
        vec![Code::NestingTooDeep]
    );
}

#[test]
fn a_kind_whose_default_builds_itself_stops_with_a_diagnostic() {
    let text = "use oci\nplatform p { domain = \"example.com\", cloud = oci.eu_amsterdam_1, trusted_cidrs = [] }\n\
                kind loop { next: loop? = loop {} }\nlet l = loop {}\n";
    let found = codes(text);
    assert!(
        found.contains(&Code::EvaluationTooDeep) || found.contains(&Code::ValueCycle),
        "{found:?}"
    );
}

// ---- atomic output -----------------------------------------------------

fn output(files: &[(&str, &str)]) -> Output {
    let mut o = Output::default();
    for (path, text) in files {
        o.add(*path, *text);
    }
    o
}

#[test]
fn a_write_that_fails_midway_leaves_the_previous_tree_untouched() {
    let scratch = Scratch::new("atomic");
    let target = scratch.0.join("out");
    output::write(
        &output(&[("k8s/a.yaml", "a: 1\n"), ("k8s/b.yaml", "b: 2\n")]),
        &target,
    )
    .expect("first build");
    let before = snapshot(&target);
    // `k8s/a.yaml` as a file and as a directory: the second file cannot be
    // created after the first was written.
    let broken = output(&[("k8s/a.yaml", "x\n"), ("k8s/a.yaml/c.yaml", "y\n")]);
    assert!(output::write(&broken, &target).is_err());
    assert_eq!(
        snapshot(&target),
        before,
        "out/ is byte-identical after the failed write"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&scratch.0)
        .expect("read")
        .map(|e| e.expect("e").file_name())
        .collect();
    assert_eq!(
        leftovers,
        vec![std::ffi::OsString::from("out")],
        "no staging directory is left behind"
    );
}

#[test]
fn files_of_removed_objects_disappear() {
    let scratch = Scratch::new("removed");
    let target = scratch.0.join("out");
    output::write(
        &output(&[("k8s/a.yaml", "a\n"), ("k8s/b.yaml", "b\n")]),
        &target,
    )
    .expect("first");
    output::write(&output(&[("k8s/a.yaml", "a\n")]), &target).expect("second");
    let names: Vec<String> = snapshot(&target).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        vec![output::MARKER.to_string(), "k8s/a.yaml".to_string()]
    );
}

#[test]
fn a_tree_that_holds_the_output_already_is_left_alone() {
    let scratch = Scratch::new("unchanged");
    let target = scratch.0.join("out");
    let first = output(&[("k8s/a.yaml", "a\n"), ("k8s/b.yaml", "b\n")]);
    assert_eq!(
        output::write(&first, &target).expect("first"),
        output::Written::Replaced
    );
    let before = inode(&target.join("k8s/a.yaml"));
    assert_eq!(
        output::write(&first, &target).expect("again"),
        output::Written::Unchanged
    );
    assert_eq!(
        inode(&target.join("k8s/a.yaml")),
        before,
        "the file was not rewritten"
    );
    // Same sizes, other bytes; and a file on disk the output does not have:
    // both are replaced.
    let changed = output(&[("k8s/a.yaml", "x\n"), ("k8s/b.yaml", "b\n")]);
    assert_eq!(
        output::write(&changed, &target).expect("changed"),
        output::Written::Replaced
    );
    assert_eq!(
        std::fs::read_to_string(target.join("k8s/a.yaml")).expect("read"),
        "x\n"
    );
    std::fs::write(target.join("k8s/stray.yaml"), "s\n").expect("stray");
    assert_eq!(
        output::write(&changed, &target).expect("stray"),
        output::Written::Replaced
    );
    assert!(!target.join("k8s/stray.yaml").exists());
}

#[test]
fn files_that_did_not_change_are_carried_over_and_the_rest_rewritten() {
    use std::os::unix::fs::MetadataExt;
    let scratch = Scratch::new("carried");
    let target = scratch.0.join("out");
    let metadata = |path: &str| std::fs::metadata(target.join(path)).expect("metadata");
    output::write(
        &output(&[("k8s/a.yaml", "a\n"), ("k8s/b.yaml", "b\n")]),
        &target,
    )
    .expect("first");
    let a_before = inode(&target.join("k8s/a.yaml"));
    let b_before = inode(&target.join("k8s/b.yaml"));
    output::write(
        &output(&[("k8s/a.yaml", "a\n"), ("k8s/b.yaml", "changed\n")]),
        &target,
    )
    .expect("second");
    assert_eq!(
        inode(&target.join("k8s/a.yaml")),
        a_before,
        "a.yaml is the same file"
    );
    assert_eq!(metadata("k8s/a.yaml").nlink(), 1, "the old tree is gone");
    assert_ne!(
        inode(&target.join("k8s/b.yaml")),
        b_before,
        "b.yaml was rewritten"
    );
    assert_eq!(
        std::fs::read_to_string(target.join("k8s/b.yaml")).expect("read"),
        "changed\n"
    );
    assert!(
        target.join(output::MARKER).is_file(),
        "the tree is still ours"
    );
    let siblings: Vec<_> = std::fs::read_dir(&scratch.0)
        .expect("read")
        .map(|e| e.expect("e").file_name())
        .collect();
    assert_eq!(siblings, vec![std::ffi::OsString::from("out")]);
}

#[test]
fn a_symbolic_link_in_the_tree_becomes_a_plain_file() {
    let scratch = Scratch::new("symlink");
    let target = scratch.0.join("out");
    let first = output(&[("k8s/a.yaml", "a\n"), ("k8s/b.yaml", "b\n")]);
    output::write(&first, &target).expect("first");
    // Same bytes as the output, but through a link to a file outside.
    let outside = scratch.0.join("elsewhere.yaml");
    std::fs::write(&outside, "a\n").expect("outside");
    std::fs::remove_file(target.join("k8s/a.yaml")).expect("remove");
    std::os::unix::fs::symlink(&outside, target.join("k8s/a.yaml")).expect("symlink");
    assert_eq!(
        output::write(&first, &target).expect("again"),
        output::Written::Replaced
    );
    let metadata = std::fs::symlink_metadata(target.join("k8s/a.yaml")).expect("metadata");
    assert!(metadata.is_file(), "{metadata:?}");
    std::fs::write(&outside, "changed outside\n").expect("outside");
    assert_eq!(
        std::fs::read_to_string(target.join("k8s/a.yaml")).expect("read"),
        "a\n"
    );
}

#[test]
fn files_reached_through_a_linked_directory_or_with_another_name_are_not_shared() {
    let scratch = Scratch::new("shared");
    let target = scratch.0.join("out");
    let first = output(&[
        ("k8s/a.yaml", "a\n"),
        ("terraform/main.tf", "t\n"),
        ("README.md", "r\n"),
    ]);
    output::write(&first, &target).expect("first");
    // k8s/ replaced by a link to a directory outside with the same file,
    // and the README given a second name outside the tree.
    let elsewhere = scratch.0.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).expect("mkdir");
    std::fs::write(elsewhere.join("a.yaml"), "a\n").expect("write");
    std::fs::remove_dir_all(target.join("k8s")).expect("rm");
    std::os::unix::fs::symlink(&elsewhere, target.join("k8s")).expect("symlink");
    std::fs::hard_link(target.join("README.md"), scratch.0.join("readme-copy")).expect("link");
    let changed = output(&[
        ("k8s/a.yaml", "a\n"),
        ("terraform/main.tf", "changed\n"),
        ("README.md", "r\n"),
    ]);
    output::write(&changed, &target).expect("second");
    assert!(std::fs::symlink_metadata(target.join("k8s"))
        .expect("k8s")
        .is_dir());
    assert_ne!(
        inode(&target.join("k8s/a.yaml")),
        inode(&elsewhere.join("a.yaml"))
    );
    assert_ne!(
        inode(&target.join("README.md")),
        inode(&scratch.0.join("readme-copy"))
    );
    assert_eq!(
        std::fs::read_to_string(target.join("k8s/a.yaml")).expect("a"),
        "a\n"
    );
    assert_eq!(
        std::fs::read_to_string(target.join("README.md")).expect("r"),
        "r\n"
    );
}

#[test]
fn a_directory_hplc_did_not_create_is_refused() {
    let scratch = Scratch::new("notours");
    let target = scratch.0.join("mine");
    std::fs::create_dir_all(&target).expect("mkdir");
    std::fs::write(target.join("notes.txt"), "keep me").expect("write");
    let error = output::write(&output(&[("a", "b")]), &target).expect_err("refused");
    assert!(matches!(error, output::WriteError::NotOurs(_)));
    assert_eq!(
        std::fs::read_to_string(target.join("notes.txt")).expect("kept"),
        "keep me"
    );
}

#[test]
fn a_failing_build_writes_nothing() {
    let scratch = Scratch::new("failing");
    std::fs::write(
        scratch.0.join("platform.hpl"),
        "platform p {\n  cpu = 512Mi\n}\n",
    )
    .expect("write");
    let result = hplc(&["build"], &scratch.0);
    assert_eq!(result.status.code(), Some(1));
    assert!(!scratch.0.join("out").exists());
}

// ---- drift check -------------------------------------------------------

#[test]
fn build_check_is_clean_after_a_build_and_names_a_changed_file() {
    let scratch = Scratch::new("drift");
    common::copy_platform(&scratch.0);
    assert_eq!(
        hplc(&["build", "--inputs", "inputs.example"], &scratch.0)
            .status
            .code(),
        Some(0)
    );
    let clean = hplc(
        &["build", "--check", "--inputs", "inputs.example"],
        &scratch.0,
    );
    assert_eq!(
        clean.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&clean.stderr)
    );

    let readme = scratch.0.join("out/README.md");
    std::fs::write(&readme, "edited by hand\n").expect("edit");
    let drift = hplc(
        &["build", "--check", "--inputs", "inputs.example"],
        &scratch.0,
    );
    assert_eq!(drift.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&drift.stdout),
        "changed: README.md\n"
    );
}

// ---- the cluster's inputs ----------------------------------------------

#[test]
fn build_without_the_inputs_file_names_each_missing_value_and_its_source() {
    let scratch = Scratch::new("inputs-missing");
    common::copy_platform(&scratch.0);
    let without = hplc(&["build", "--diagnostic-format", "json"], &scratch.0);
    assert_eq!(without.status.code(), Some(1));
    assert!(!scratch.0.join("out").exists(), "nothing written");
    let report: serde_json::Value =
        serde_json::from_slice(&without.stdout).expect("a JSON report on stdout");
    let missing: Vec<&str> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["code"] == Code::MissingInput.as_str())
        .map(|d| d["message"].as_str().expect("a message"))
        .collect();
    assert_eq!(
        missing,
        [
            "the build needs the input `trusted_cidrs`, from the Terraform variable `trusted_cidrs` (the networks that may reach the Kubernetes API; `[]`: none, the API stays private)",
            "the build needs the input `gateway_address`, from the Terraform output `gateway_address` (`terraform -chdir=terraform output -raw gateway_address`)",
            "the build needs the input `object_storage_namespace`, from the Terraform output `hplc_inputs` (`terraform -chdir=terraform output -raw hplc_inputs`; `oci os ns get` prints it too), the tenancy's Object Storage namespace that names the S3 endpoint (of the data lake's workloads, of the replicated clusters' archives)",
        ]
    );

    // An inputs file without one of them names that one, at the file.
    std::fs::write(
        scratch.0.join("partial.hpl"),
        "inputs cluster {\n  trusted_cidrs = []\n  object_storage_namespace = \"ns\"\n}\n",
    )
    .expect("write");
    let partial = hplc(&["build", "--inputs", "partial.hpl"], &scratch.0);
    assert_eq!(partial.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&partial.stderr);
    assert_eq!(stderr.matches("E0121").count(), 1, "{stderr}");
    assert!(
        stderr.contains("`gateway_address`") && stderr.contains("partial.hpl:1:8"),
        "{stderr}"
    );

    // Read and checked like the source: a number where a string belongs.
    std::fs::write(
        scratch.0.join("wrong.hpl"),
        "inputs cluster {\n  trusted_cidrs = []\n  gateway_address = 10\n}\n",
    )
    .expect("write");
    let wrong = hplc(&["build", "--inputs", "wrong.hpl"], &scratch.0);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("wrong.hpl:3:"));

    // `check` takes the file as `build` does and predicts it, for every
    // environment: the same missing value at the same place, and
    // production's vault.
    let check = hplc(&["check", "--inputs", "partial.hpl"], &scratch.0);
    assert_eq!(check.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert_eq!(stderr.matches("E0121").count(), 2, "{stderr}");
    assert!(
        stderr.contains("partial.hpl:1:8")
            && stderr.contains("`gateway_address`")
            && stderr.contains("`vault_id`"),
        "{stderr}"
    );
    let check = hplc(&["check", "--inputs", "wrong.hpl"], &scratch.0);
    assert_eq!(check.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&check.stderr).contains("wrong.hpl:3:"));
    let check = hplc(&["check", "--inputs", "inputs.example"], &scratch.0);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    // Without the file, check asks for nothing the build would.
    let check = hplc(&["check"], &scratch.0);
    assert!(!String::from_utf8_lossy(&check.stderr).contains("E0121"));

    let with = hplc(&["build", "--inputs", "inputs.example"], &scratch.0);
    assert_eq!(
        with.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&with.stderr)
    );
    let gateway = std::fs::read_to_string(scratch.0.join("out/k8s/health-system.yaml"))
        .expect("the gateway's file");
    assert!(gateway.contains("loadBalancerIP: '192.0.2.10'"));
}

// ---- determinism -------------------------------------------------------

#[test]
fn output_does_not_depend_on_directory_locale_time_zone_or_hash_seed() {
    let a = Scratch::new("determinism-a");
    let b = Scratch::new("determinism-b");
    common::copy_platform(&a.0);
    // The same platform reached through another working directory.
    let run = |cwd: &Path, file: &str, out: &Path, vars: &[(&str, &str)]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_hplc"));
        command
            .args(["build", file, "--inputs"])
            .arg(a.0.join("inputs.example"))
            .arg("--out")
            .arg(out)
            .current_dir(cwd);
        for (k, v) in vars {
            command.env(k, v);
        }
        let result = command.output().expect("run");
        assert_eq!(
            result.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&result.stderr)
        );
    };
    run(
        &a.0,
        "platform.hpl",
        &a.0.join("out"),
        &[("TZ", "UTC"), ("LANG", "C")],
    );
    run(
        &b.0,
        a.0.join("platform.hpl").to_str().expect("utf8"),
        &b.0.join("out"),
        &[
            ("TZ", "Pacific/Kiritimati"),
            ("LANG", "tr_TR.UTF-8"),
            ("LC_ALL", "tr_TR.UTF-8"),
            ("RUST_MIN_STACK", "16777216"),
        ],
    );
    assert_eq!(snapshot(&a.0.join("out")), snapshot(&b.0.join("out")));
}

#[test]
fn the_order_of_use_lines_changes_nothing() {
    // The two extra services ask 1m of CPU: platform.hpl's nodes keep
    // little more room than its surge replicas need (E0612).
    let split = |order: [&str; 2]| {
        let fs = common::with_platform_modules(MemoryFs::default(), "/p")
            .with("/p/main.hpl", format!("use {}\nuse {}\n{}", order[0], order[1], include_str!("../../platform.hpl")))
            .with("/p/extra_a.hpl", "use oci\nnamespace extra_a { pod_security = restricted }\nservice alpha { namespace = extra_a, image = \"ghcr.io/x/alpha:1.0.0\", multi_arch = true, cpu = 1m, memory = 16Mi }\n")
            .with("/p/extra_b.hpl", "namespace extra_b { pod_security = restricted }\nservice beta { namespace = extra_b, image = \"ghcr.io/x/beta:1.0.0\", multi_arch = true, cpu = 1m, memory = 16Mi, needs = [alpha] }\n");
        let built = hplc::pipeline::build(Path::new("/p/main.hpl"), None, &fs);
        assert!(
            !built.compilation.has_errors(),
            "{:?}",
            built.compilation.diagnostics
        );
        built.output.expect("output")
    };
    assert_eq!(split(["extra_a", "extra_b"]), split(["extra_b", "extra_a"]));
}
