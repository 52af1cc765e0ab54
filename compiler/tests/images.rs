//! The image table (stdlib/images.hpl) against what the stdlib runs: every
//! image a component names or a chart renders has a row, every row dates
//! its facts with sources, and platform.hpl is checked with it.

mod common;

use std::collections::BTreeSet;

use hplc::diagnostics::Code;
use hplc::model::images::qualified;
use hplc::model::ImageTable;

/// The table, as platform.hpl (which names it) lowers it.
fn table() -> ImageTable {
    common::compile(None)
        .model
        .expect("a model")
        .images
        .expect("platform.hpl names the image table")
}

/// Every `image = "..."` (and the prelude's `uploader: image = "..."`) of
/// the stdlib's files, with where it is written.
fn stdlib_images() -> Vec<(String, String)> {
    let mut images = Vec::new();
    let stdlib = common::repo().join("stdlib");
    let mut files: Vec<_> = std::fs::read_dir(&stdlib)
        .unwrap()
        .chain(std::fs::read_dir(stdlib.join("charts")).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "hpl"))
        .filter(|p| p.file_name().is_some_and(|n| n != "images.hpl"))
        .collect();
    files.sort();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.starts_with("//") {
                continue;
            }
            for marker in ["image = \"", "image: image = \""] {
                if let Some(at) = line.find(marker) {
                    let rest = &line[at + marker.len()..];
                    let image = &rest[..rest.find('"').unwrap()];
                    let name = file.file_name().unwrap().to_string_lossy();
                    images.push((image.to_string(), format!("{name}:{}", number + 1)));
                }
            }
        }
    }
    images
}

#[test]
fn every_image_the_stdlib_runs_has_a_row() {
    let table = table();
    let images = stdlib_images();
    assert!(images.len() > 30, "{} images found", images.len());
    let missing: Vec<String> = images
        .iter()
        .filter(|(image, _)| table.find(image).is_none())
        .map(|(image, at)| format!("{at}: {image}"))
        .collect();
    assert!(
        missing.is_empty(),
        "images the table does not list:\n  {}",
        missing.join("\n  ")
    );
    // And no row for an image nothing runs any more.
    let run: BTreeSet<String> = images.iter().map(|(i, _)| qualified(i)).collect();
    let stale: Vec<&str> = table
        .builds
        .iter()
        .map(|b| b.image.as_str())
        .filter(|i| !run.contains(*i))
        .collect();
    assert!(stale.is_empty(), "rows for images nothing runs: {stale:?}");
}

#[test]
fn every_row_dates_its_facts_with_sources() {
    let text = std::fs::read_to_string(common::repo().join("stdlib/images.hpl")).unwrap();
    let table = table();
    let mut seen = BTreeSet::new();
    for build in &table.builds {
        assert!(seen.insert(&build.image), "{} listed twice", build.image);
        assert!(
            !build.architectures.is_empty(),
            "{}: no architectures",
            build.image
        );
        let eol = &build.end_of_life;
        assert!(
            eol.is_empty()
                || (eol.len() == 10
                    && eol.chars().enumerate().all(|(i, c)| if i == 4 || i == 7 {
                        c == '-'
                    } else {
                        c.is_ascii_digit()
                    })),
            "{}: end_of_life {eol:?} is not YYYY-MM-DD",
            build.image
        );
        for cve in &build.critical_cves {
            assert!(cve.starts_with("CVE-"), "{}: {cve}", build.image);
        }
    }
    // Every row names the sources of its facts (the model keeps none of
    // them: they are for readers, so the text is read).
    let rows = text.matches("image = \"").count();
    assert_eq!(rows, table.builds.len(), "rows in the text and the table");
    for field in [
        "source = \"https://",
        "support_source = \"",
        "cve_source = \"",
    ] {
        let count = text.matches(&format!("\n      {field}")).count();
        assert_eq!(count, rows, "every row has `{field}...`");
    }
    assert!(
        !text.contains("support_source = \"\"") && !text.contains("cve_source = \"\""),
        "an empty source"
    );
}

/// What platform.hpl pins past its end of life, by the table: the image
/// the data-tier change replaces (RabbitMQ 3.13's), and Jaeger 2.19, the
/// version of the newest jaeger chart in ../shared/charts (4.11.1; Jaeger
/// supports only its newest minor). Nothing else.
#[test]
fn platform_hpl_pins_nothing_else_past_its_end_of_life() {
    let mut past = BTreeSet::new();
    for (_, env) in common::environments() {
        let compilation = common::compile(env.as_deref());
        for diagnostic in &compilation.diagnostics {
            assert!(
                ![Code::ImageNotInTable, Code::CatalogImage].contains(&diagnostic.code),
                "{env:?}: {}",
                diagnostic.message
            );
            if diagnostic.code == Code::PastEndOfLife {
                let image = diagnostic.message.split('`').nth(3).unwrap().to_string();
                past.insert(image);
            }
        }
    }
    let expected: BTreeSet<String> = ["jaegertracing/jaeger:2.19.0"].map(String::from).into();
    assert_eq!(past, expected);
}
