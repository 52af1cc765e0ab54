//! One component on its own: `tests/components/<kind>/main.hpl` declares a
//! platform with one instance of a stdlib component (and what it needs),
//! and `output.snap` beside it holds what hplc writes for it: its
//! Kubernetes objects, chart values, Argo CD Applications and bootstrap
//! (the Terraform and the dashboards are the platform's, in the goldens).
//! A change to one component shows here, where it belongs, besides in the
//! whole-platform goldens. `INSTA_UPDATE=always cargo test --test
//! components` rewrites the snapshots after a change made on purpose.

use std::path::{Path, PathBuf};

use hplc::resolve::fs::RealFs;

fn component_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(Path::new("tests").join("components"))
        .expect("tests/components exists")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// The files of a build that belong to its components.
fn component_files(output: &hplc::emit::Output) -> String {
    let mut text = String::new();
    for (path, contents) in &output.files {
        let platform_wide = path.starts_with("terraform/")
            || path.starts_with("grafana/")
            || path.starts_with(".github/")
            || path == "README.md";
        if !platform_wide {
            text.push_str(&format!("=== {path}\n{contents}"));
        }
    }
    text
}

fn check(dir: &Path) -> Result<(), String> {
    let main = dir.join("main.hpl");
    let built = hplc::pipeline::build(&main, None, &RealFs);
    let Some(output) = &built.output else {
        return Err(format!(
            "{} does not build: {:#?}",
            main.display(),
            built.compilation.diagnostics
        ));
    };
    if !built.compilation.diagnostics.is_empty() {
        return Err(format!(
            "{}: a component's example builds without warnings: {:#?}",
            main.display(),
            built.compilation.diagnostics
        ));
    }
    let name = dir
        .file_name()
        .expect("component name")
        .to_string_lossy()
        .into_owned();
    let snapshot = component_files(output);
    std::panic::catch_unwind(|| {
        insta::with_settings!({
            snapshot_path => std::fs::canonicalize(dir).expect("component dir"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => format!("{name}: what hplc writes for main.hpl"),
        }, {
            insta::assert_snapshot!("output", snapshot);
        });
    })
    .map_err(|_| format!("{}: output differs from output.snap", dir.display()))
}

#[test]
fn every_component_writes_its_snapshot() {
    let dirs = component_dirs();
    let failures: Vec<String> = dirs.iter().filter_map(|d| check(d).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} components failed:\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n\n")
    );
}

/// Every component kind of the stdlib has its example, and every example
/// is of a stdlib component.
#[test]
fn every_stdlib_component_has_an_example() {
    let components = hplc::embedded::stdlib_module("components").expect("components.hpl");
    let kinds: Vec<String> = components
        .lines()
        .filter_map(|l| l.strip_prefix("kind "))
        .filter_map(|l| l.split(':').next())
        .map(|k| k.trim().to_string())
        .collect();
    let examples: Vec<String> = component_dirs()
        .iter()
        .map(|d| d.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for kind in &kinds {
        assert!(
            examples.contains(kind),
            "no tests/components/{kind}/main.hpl"
        );
    }
    for example in &examples {
        assert!(
            kinds.contains(example),
            "tests/components/{example}: no such component kind"
        );
    }
    for dir in component_dirs() {
        for entry in std::fs::read_dir(&dir).expect("component dir") {
            let name = entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned();
            assert!(
                name == "main.hpl" || name == "output.snap" || name.ends_with(".snap.new"),
                "{}: unexpected file {name}",
                dir.display()
            );
        }
    }
}
