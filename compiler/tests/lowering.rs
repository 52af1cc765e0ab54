//! What the compiler reads from the standard library is checked: a field
//! that lowering reads and the stdlib no longer declares is an error that
//! names it (E0120), never a value made up from nothing.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use hplc::diagnostics::Code;
use hplc::resolve::fs::MemoryFs;

/// The embedded stdlib with one field renamed everywhere it is declared or
/// set, so that the stdlib itself still checks.
fn stdlib_renaming(field: &str, to: &str) -> BTreeMap<String, String> {
    hplc::embedded::stdlib_modules()
        .map(|(name, text)| (name.to_string(), rename_word(text, field, to)))
        .collect()
}

/// Replaces `word` where it stands as a whole name.
fn rename_word(text: &str, word: &str, to: &str) -> String {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(word) {
        let before = rest[..at].chars().next_back();
        let after = rest[at + word.len()..].chars().next();
        out.push_str(&rest[..at]);
        if before.is_some_and(is_name) || after.is_some_and(is_name) {
            out.push_str(word);
        } else {
            out.push_str(to);
        }
        rest = &rest[at + word.len()..];
    }
    out.push_str(rest);
    out
}

fn compile_with(stdlib: BTreeMap<String, String>) -> hplc::Compilation {
    let platform = std::fs::read(common::repo().join("platform.hpl")).expect("platform.hpl");
    let fs = common::with_platform_modules(MemoryFs::default(), "/p")
        .with("/p/platform.hpl", platform)
        .with_stdlib(stdlib);
    hplc::compile(Path::new("/p/platform.hpl"), None, &fs)
}

#[test]
fn the_embedded_stdlib_served_from_memory_compiles_the_platform() {
    let stdlib: BTreeMap<String, String> = hplc::embedded::stdlib_modules()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    let compilation = compile_with(stdlib);
    assert!(!compilation.has_errors(), "{:#?}", compilation.diagnostics);
    assert!(compilation.model.is_some());
}

#[test]
fn a_field_lowering_reads_renamed_in_the_stdlib_is_named_in_an_error() {
    for (kind, field) in [
        ("shape", "vcpus_per_ocpu"),
        ("cloud", "boot_volume_system"),
        ("service", "honor_labels"),
        ("backup", "uploader"),
    ] {
        let compilation = compile_with(stdlib_renaming(field, &format!("{field}_renamed")));
        let errors: Vec<_> = compilation
            .diagnostics
            .iter()
            .filter(|d| d.severity() == hplc::diagnostics::Severity::Error)
            .collect();
        assert_eq!(errors.len(), 1, "{field}: {errors:#?}");
        assert_eq!(errors[0].code, Code::UndeclaredField, "{field}");
        assert!(
            errors[0].message.contains(&format!("`{kind}.{field}`")),
            "{field}: {}",
            errors[0].message
        );
        assert!(compilation.model.is_none(), "{field}: a model was built");
    }
}

#[test]
fn renaming_keeps_other_names_that_contain_the_word() {
    assert_eq!(
        rename_word("keep_weekly = 4\nkeep_weekly_x = 1", "keep_weekly", "k"),
        "k = 4\nkeep_weekly_x = 1"
    );
}
