//! The golden outputs: `golden/<env>/` holds what `hplc build --env <env>`
//! writes for the repository's platform.hpl, for every environment it
//! declares (`default` is the base platform). A test compares them byte for
//! byte; `HPLC_UPDATE_GOLDEN=1 cargo test --test golden` rewrites them, for
//! a change of output made on purpose.

mod common;

use common::{build, environments, repo};
use hplc::emit::output;

#[test]
fn golden_outputs_match_a_fresh_build() {
    let update = std::env::var_os("HPLC_UPDATE_GOLDEN").is_some();
    let mut failures = Vec::new();
    for (name, env) in environments() {
        let generated = build(env.as_deref());
        let target = repo().join("golden").join(&name);
        if update {
            output::write(&generated, &target).expect("write golden");
            continue;
        }
        let differences = output::diff(&generated, &target);
        if !differences.is_empty() {
            failures.push(format!("golden/{name}:\n  {}", differences.join("\n  ")));
        }
    }
    assert!(
        failures.is_empty(),
        "the goldens differ from a fresh build (run `HPLC_UPDATE_GOLDEN=1 cargo test --test golden` if the change is on purpose):\n{}",
        failures.join("\n")
    );
}

#[test]
fn two_builds_are_byte_identical() {
    for (_, env) in environments() {
        assert_eq!(build(env.as_deref()), build(env.as_deref()));
    }
}

/// Generated files speak to their reader, who has the platform's sources
/// and the upstream projects, not the documents the platform was planned
/// from: no citation of a seed plan or a research note, nor of a section.
#[test]
fn generated_files_cite_nothing_outside_the_repository() {
    for (name, env) in environments() {
        for (path, text) in &build(env.as_deref()).files {
            for (number, line) in text.lines().enumerate() {
                for cited in ["seed 0", "FACTS", "§"] {
                    assert!(
                        !line.contains(cited),
                        "{name}/{path}:{}: cites `{cited}`: {line}",
                        number + 1
                    );
                }
            }
        }
    }
}
