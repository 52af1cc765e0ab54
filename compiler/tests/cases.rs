//! Failing-input cases: `tests/cases/<case>/main.hpl`, each with its
//! expected diagnostics written in the source as
//!
//! ```text
//! // expect: E0204 18:9-18:13
//! ```
//!
//! (code, then 1-based line:column of the primary span's start and end),
//! and the rendered report snapshotted beside it as `report.snap`. A case
//! may select an environment with `// env: NAME`. Every expected diagnostic
//! must appear, and nothing else may.

use std::path::{Path, PathBuf};

use hplc::diagnostics::render::{self, Shown, Style};
use hplc::resolve::fs::RealFs;

fn cases_dir() -> PathBuf {
    Path::new("tests").join("cases")
}

fn case_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .expect("tests/cases exists")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Clone)]
struct Expected {
    code: String,
    start: (usize, usize),
    end: (usize, usize),
}

impl std::fmt::Display for Expected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}:{}-{}:{}",
            self.code, self.start.0, self.start.1, self.end.0, self.end.1
        )
    }
}

fn parse_expectations(source: &str) -> (Vec<Expected>, Option<String>) {
    let mut expected = Vec::new();
    let mut env = None;
    for line in source.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("// expect:") {
            let mut parts = rest.split_whitespace();
            let code = parts.next().expect("expect: needs a code").to_string();
            let range = parts.next().expect("expect: needs a span");
            let (start, end) = range.split_once('-').expect("span is start-end");
            let point = |p: &str| {
                let (l, c) = p.split_once(':').expect("line:col");
                (l.parse().expect("line"), c.parse().expect("col"))
            };
            expected.push(Expected {
                code,
                start: point(start),
                end: point(end),
            });
        } else if let Some(rest) = line.strip_prefix("// env:") {
            env = Some(rest.trim().to_string());
        }
    }
    expected.sort();
    (expected, env)
}

fn run_case(dir: &Path) -> Result<(), String> {
    let main = dir.join("main.hpl");
    let source = std::fs::read(&main).map_err(|e| format!("{}: {e}", main.display()))?;
    let text = String::from_utf8_lossy(&source);
    let (expected, env) = parse_expectations(&text);
    if expected.is_empty() {
        return Err(format!("{}: no `// expect:` line", main.display()));
    }
    let compilation = hplc::compile(&main, env.as_deref(), &RealFs);
    let mut actual: Vec<Expected> = compilation
        .diagnostics
        .iter()
        .map(|d| {
            let file = compilation.sources.get(d.primary.span.file);
            Expected {
                code: d.code.as_str().to_string(),
                start: file.line_col(d.primary.span.start),
                end: file.line_col(d.primary.span.end),
            }
        })
        .collect();
    actual.sort();
    if actual != expected {
        let show = |v: &[Expected]| {
            v.iter()
                .map(|e| format!("  {e}"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        return Err(format!(
            "{}:\n expected\n{}\n found\n{}\n{}",
            main.display(),
            show(&expected),
            show(&actual),
            render::human(
                &compilation.diagnostics,
                &compilation.sources,
                Style::Plain,
                Shown::All
            )
        ));
    }
    // As `hplc check` prints it.
    let report = render::human(
        &compilation.diagnostics,
        &compilation.sources,
        Style::Plain,
        Shown::FirstWarnings(render::WARNINGS_PER_CODE),
    );
    let snapshot = format!("{report}{}\n", render::summary(&compilation.diagnostics));
    let name = dir
        .file_name()
        .expect("case name")
        .to_string_lossy()
        .into_owned();
    let result = std::panic::catch_unwind(|| {
        insta::with_settings!({
            snapshot_path => std::fs::canonicalize(dir).expect("case dir"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => format!("{name}: the report for main.hpl"),
        }, {
            insta::assert_snapshot!("report", snapshot);
        });
    });
    result.map_err(|_| format!("{}: report differs from report.snap", dir.display()))
}

#[test]
fn every_case_reports_exactly_its_expected_diagnostics() {
    let dirs = case_dirs();
    let failures: Vec<String> = dirs.iter().filter_map(|d| run_case(d).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n\n")
    );
    assert!(
        dirs.len() >= 40,
        "at least 40 failing-input cases, found {}",
        dirs.len()
    );
}

/// No snapshot without its case, no case without its snapshot.
#[test]
fn no_orphan_snapshots() {
    for dir in case_dirs() {
        let has_main = dir.join("main.hpl").is_file();
        let has_snap = dir.join("report.snap").is_file();
        assert!(has_main, "{}: report.snap without main.hpl", dir.display());
        assert!(
            has_snap || std::env::var("INSTA_UPDATE").is_ok(),
            "{}: main.hpl without report.snap",
            dir.display()
        );
        for entry in std::fs::read_dir(&dir).expect("case dir") {
            let name = entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned();
            assert!(
                name.ends_with(".hpl") || name == "report.snap" || name.ends_with(".snap.new"),
                "{}: unexpected file {name}",
                dir.display()
            );
        }
    }
}
