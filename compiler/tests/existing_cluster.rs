//! examples/existing-cluster.hpl, a platform for a cluster that already
//! runs (`existing = true` on its cloud): no Terraform and no warning about
//! it, no nodes, so nothing pinned and no capacity checked, a README that
//! creates nothing; and the same platform with a declared pool, which the
//! planner checks and pins to, and whose labels the README lists. Both
//! trees pass validate-k8s and validate-closure where they are installed.

mod common;

use std::path::{Path, PathBuf};

use hplc::emit::Output;
use hplc::resolve::fs::MemoryFs;

fn example() -> String {
    std::fs::read_to_string(common::repo().join("examples/existing-cluster.hpl"))
        .expect("examples/existing-cluster.hpl")
}

/// The example with `extra` appended, built in memory: its diagnostics as
/// codes, and its files. Its one warning is deliberate: the database's
/// volume has no backup path (W0604).
fn build(extra: &str) -> (Vec<&'static str>, Output) {
    let root = Path::new("/memory/existing-cluster.hpl");
    let text = format!("{}{extra}", example());
    let fs = MemoryFs::default().with(root, text);
    let compilation = hplc::compile(root, None, &fs);
    let codes = compilation
        .diagnostics
        .iter()
        .map(|d| d.code.as_str())
        .collect();
    assert!(!compilation.has_errors(), "{:#?}", compilation.diagnostics);
    let output = hplc::pipeline::generate(&compilation, root).expect("generates");
    (codes, output)
}

const POOL: &str = r#"
shape mini_pc {
  provider = "k3s"
  name = "mini-pc"
  arch = amd64
  cpu = 4
  memory = 16Gi
  max_pods = 110
  price_month = 0usd
  source = "the home server"
}

node box_a {
  shape = mini_pc
  role = "app"
  boot_volume = 200G
}

node box_b {
  shape = mini_pc
  role = "app"
  boot_volume = 200G
}
"#;

fn pinned(output: &Output) -> Vec<String> {
    output
        .files
        .iter()
        .filter(|(p, text)| {
            p.starts_with("k8s/") && (text.contains("nodeSelector:") || text.contains("affinity:"))
        })
        .map(|(p, _)| p.clone())
        .collect()
}

#[test]
fn without_nodes_nothing_is_created_pinned_or_counted() {
    let (codes, output) = build("");
    assert_eq!(codes, ["W0604"], "the database's volume alone warns");
    assert!(
        !output.files.keys().any(|p| p.starts_with("terraform/")),
        "Terraform for an existing cluster"
    );
    assert!(pinned(&output).is_empty(), "{:?}", pinned(&output));
    let readme = &output.files["README.md"];
    assert!(readme.contains("The cluster already runs, and hplc creates nothing"));
    assert!(!readme.contains("terraform"), "{readme}");
    let root = Path::new("/memory/existing-cluster.hpl");
    let fs = MemoryFs::default().with(root, example());
    let compilation = hplc::compile(root, None, &fs);
    let plan = hplc::placement::report::text(
        compilation.model.as_ref().expect("a model"),
        compilation.plan.as_ref().expect("a plan"),
    );
    assert!(plan.contains("capacity is not checked"), "{plan}");
}

#[test]
fn a_declared_pool_is_checked_pinned_and_labelled_in_the_readme() {
    let (codes, output) = build(POOL);
    assert_eq!(codes, ["W0604"], "the database's volume alone warns");
    assert!(!pinned(&output).is_empty(), "nothing pinned to the pool");
    let readme = &output.files["README.md"];
    assert!(
        readme.contains("`hplc.dev/node=box-a` and `hplc.dev/role=app`"),
        "{readme}"
    );
    // The pool is the capacity: a request it cannot hold is refused.
    let root = Path::new("/memory/existing-cluster.hpl");
    let text = format!("{}{POOL}", example()).replace("cpu = 50m ..= 200m", "cpu = 5 ..= 5");
    let fs = MemoryFs::default().with(root, text);
    let compilation = hplc::compile(root, None, &fs);
    assert!(
        compilation
            .diagnostics
            .iter()
            .any(|d| d.code.as_str() == "E0604" || d.code.as_str() == "E0601"),
        "{:#?}",
        compilation.diagnostics
    );
}

fn write(output: &Output, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hplc-existing-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in output.files.iter().filter(|(p, _)| p.starts_with("k8s/")) {
        let at = dir.join(path);
        std::fs::create_dir_all(at.parent().expect("a parent")).expect("a directory");
        std::fs::write(at, text).expect("write");
    }
    dir.join("k8s")
}

#[test]
fn the_validators_accept_both_trees() {
    let validators = common::validators_dir();
    let Some(k8s) = common::external(validators.join("validate-k8s"), "validate-k8s") else {
        return;
    };
    let Some(closure) = common::external(validators.join("validate-closure"), "validate-closure")
    else {
        return;
    };
    for (name, extra) in [("bare", ""), ("pool", POOL)] {
        let (_, output) = build(extra);
        let tree = write(&output, name);
        for (validator, args) in [
            (&k8s, vec![]),
            (&closure, vec!["--assume-storage-class", "local-path"]),
        ] {
            let run = std::process::Command::new(validator)
                .args(&args)
                .arg(&tree)
                .output()
                .expect("run a validator");
            let stdout = String::from_utf8_lossy(&run.stdout);
            assert!(
                run.status.success(),
                "{name}: {}:\n{stdout}{}",
                validator.display(),
                String::from_utf8_lossy(&run.stderr)
            );
            eprintln!("{name}: {}", stdout.lines().last().unwrap_or_default());
        }
        let _ = std::fs::remove_dir_all(tree.parent().expect("a parent"));
    }
}
