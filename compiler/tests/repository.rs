//! Every `.hpl` file of the repository and the whole standard library are
//! compiled by a test, in every environment they declare; the literal seed
//! plan is rejected for the reasons the seeds hide.

use std::path::{Path, PathBuf};

use hplc::diagnostics::{Code, Severity};
use hplc::resolve::fs::{MemoryFs, RealFs};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("repo root")
        .to_path_buf()
}

/// The .hpl files of the repository, skipping build output and directories
/// marked `.hplignore` (deliberately broken inputs).
fn hpl_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if path.is_dir() {
            if !(name.starts_with('.')
                || name == "target"
                || name == "out"
                || name == "golden"
                || name == "node_modules"
                || path.join(".hplignore").exists())
            {
                hpl_files(&path, found);
            }
        } else if name.ends_with(".hpl") {
            found.push(path);
        }
    }
}

/// Files that are modules of another file rather than platforms of their own.
fn is_platform(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .map(|t| t.lines().any(|l| l.trim_start().starts_with("platform ")))
        .unwrap_or(false)
}

const REJECTED: &[&str] = &["examples/seed-literal.hpl"];

#[test]
fn every_platform_in_the_repository_compiles_in_every_environment() {
    let mut files = Vec::new();
    hpl_files(&repo(), &mut files);
    let platforms: Vec<PathBuf> = files
        .into_iter()
        .filter(|f| is_platform(f) && !f.starts_with(repo().join("stdlib")))
        .collect();
    assert!(
        platforms.iter().any(|p| p.ends_with("platform.hpl")),
        "platform.hpl is found"
    );
    let mut failures = Vec::new();
    for file in &platforms {
        let relative = file
            .strip_prefix(repo())
            .expect("in repo")
            .to_string_lossy()
            .replace('\\', "/");
        if REJECTED.contains(&relative.as_str()) {
            continue;
        }
        let first = hplc::compile(file, None, &RealFs);
        let mut envs = vec![None];
        envs.extend(first.envs.iter().cloned().map(Some));
        for env in envs {
            let compilation = hplc::compile(file, env.as_deref(), &RealFs);
            let errors: Vec<String> = compilation
                .diagnostics
                .iter()
                .filter(|d| d.severity() == Severity::Error)
                .map(|d| format!("{} {}", d.code.as_str(), d.message))
                .collect();
            if !errors.is_empty() {
                failures.push(format!(
                    "{relative} ({}): {}",
                    env.as_deref().unwrap_or("default"),
                    errors.join("; ")
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_whole_standard_library_type_checks() {
    let mut root = String::new();
    for (module, _) in hplc::embedded::stdlib_modules() {
        if module != "prelude" {
            root.push_str(&format!("use {}\n", module.replace('/', ".")));
        }
    }
    root.push_str("platform p {\n  domain = \"example.com\"\n  cloud = oci.eu_amsterdam_1\n  trusted_cidrs = []\n}\n");
    let fs = MemoryFs::default().with("/stdlib-check/main.hpl", root);
    let compilation = hplc::compile(Path::new("/stdlib-check/main.hpl"), None, &fs);
    let stdlib_problems: Vec<String> = compilation
        .diagnostics
        .iter()
        .filter(|d| {
            compilation
                .sources
                .get(d.primary.span.file)
                .name
                .starts_with("<stdlib>")
        })
        .map(|d| {
            format!(
                "{} {}: {}",
                d.code.as_str(),
                compilation.sources.get(d.primary.span.file).name,
                d.message
            )
        })
        .collect();
    assert!(stdlib_problems.is_empty(), "{}", stdlib_problems.join("\n"));
    // Every stdlib module was loaded and evaluated.
    let loaded = compilation
        .sources
        .iter()
        .filter(|(_, f)| f.name.starts_with("<stdlib>"))
        .count();
    assert_eq!(loaded, hplc::embedded::stdlib_modules().count());
}

#[test]
fn the_literal_seed_plan_is_rejected_with_the_seeds_own_numbers() {
    let compilation = hplc::compile(&repo().join("examples/seed-literal.hpl"), None, &RealFs);
    let errors: Vec<&hplc::diagnostics::Diagnostic> = compilation
        .diagnostics
        .iter()
        .filter(|d| d.severity() == Severity::Error)
        .collect();
    let node_of = |d: &hplc::diagnostics::Diagnostic| {
        compilation
            .sources
            .get(d.primary.span.file)
            .slice(d.primary.span)
            .to_string()
    };
    let cpu: Vec<String> = errors
        .iter()
        .filter(|d| d.code == Code::NodeCpuOver)
        .map(|d| node_of(d))
        .collect();
    assert_eq!(
        cpu,
        ["system", "app_primary", "app_secondary"],
        "every node is over its CPU"
    );
    let app_primary = errors
        .iter()
        .find(|d| d.code == Code::NodeCpuOver && node_of(d) == "app_primary")
        .expect("app_primary");
    assert!(
        app_primary.message.contains("840m allocatable"),
        "{}",
        app_primary.message
    );
    assert!(
        app_primary
            .message
            .contains("(1000m capacity - 60m kube-reserved - 100m system-reserved)"),
        "{}",
        app_primary.message
    );
    let block = errors
        .iter()
        .find(|d| d.code == Code::BudgetBlockStorage)
        .expect("block storage over budget");
    assert!(block.message.contains("of 200G"), "{}", block.message);
    assert!(
        block.help.contains("boot volume") || block.message.contains("rounded up"),
        "{}",
        block.message
    );
    // Pointed at the largest consumer: MinIO's 80Gi volume.
    assert_eq!(
        compilation
            .sources
            .get(block.primary.span.file)
            .line_col(block.primary.span.start)
            .0,
        line_of("examples/seed-literal.hpl", "volume data = { size = 80Gi")
    );
}

fn line_of(file: &str, needle: &str) -> usize {
    let text = std::fs::read_to_string(repo().join(file)).expect("read");
    text.lines()
        .position(|l| l.contains(needle))
        .expect("needle present")
        + 1
}
