//! No input makes hplc panic, hang or overflow its stack: hostile inputs
//! end in a diagnostic and a non-zero exit. Each is run through the library
//! (on a test thread's small stack) and through the binary.

use std::path::PathBuf;
use std::process::Command;

use hplc::diagnostics::Code;
use hplc::resolve::fs::MemoryFs;

fn compile(bytes: Vec<u8>) -> hplc::Compilation {
    let fs = MemoryFs::default().with("main.hpl", bytes);
    hplc::compile(&PathBuf::from("main.hpl"), None, &fs)
}

fn codes(compilation: &hplc::Compilation) -> Vec<Code> {
    compilation.diagnostics.iter().map(|d| d.code).collect()
}

/// Runs the binary on the bytes; returns its exit code and stderr.
fn run_binary(bytes: &[u8]) -> (i32, String) {
    let dir = std::env::temp_dir().join(format!(
        "hplc-robustness-{}-{}",
        std::process::id(),
        bytes.len()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("main.hpl");
    std::fs::write(&file, bytes).expect("write input");
    let output = Command::new(env!("CARGO_BIN_EXE_hplc"))
        .args(["check", "--color", "never"])
        .arg(&file)
        .output()
        .expect("run hplc");
    let _ = std::fs::remove_dir_all(&dir);
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A fixed pseudo-random byte stream (no dependency, same bytes every run).
fn garbage(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as u8
        })
        .collect()
}

#[test]
fn garbage_bytes_are_refused_as_not_utf8() {
    let bytes = garbage(4096, 7);
    let compilation = compile(bytes.clone());
    assert_eq!(codes(&compilation), vec![Code::NotUtf8]);
    let (status, stderr) = run_binary(&bytes);
    assert_eq!(status, 1);
    assert!(stderr.contains("E0002"), "{stderr}");
}

#[test]
fn printable_garbage_gives_syntax_errors_not_a_panic() {
    const ALPHABET: &[u8] = b"{}[]()=.,;:\"$ \nabcxyz0123456789-+*/%";
    let bytes: Vec<u8> = garbage(20_000, 11)
        .into_iter()
        .map(|b| ALPHABET[b as usize % ALPHABET.len()])
        .collect();
    let compilation = compile(bytes.clone());
    assert!(compilation.has_errors());
    assert!(
        codes(&compilation).contains(&Code::Syntax)
            || codes(&compilation).contains(&Code::NestingTooDeep)
    );
    assert_eq!(run_binary(&bytes).0, 1);
}

#[test]
fn an_empty_file_declares_no_platform() {
    let compilation = compile(Vec::new());
    assert_eq!(codes(&compilation), vec![Code::NoPlatform]);
    let (status, stderr) = run_binary(b"");
    assert_eq!(status, 1);
    assert!(stderr.contains("E0112"), "{stderr}");
}

#[test]
fn a_hundred_thousand_nested_brackets_are_too_deep() {
    let mut text = String::from("let x = ");
    text.push_str(&"[".repeat(100_000));
    text.push_str(&"]".repeat(100_000));
    text.push('\n');
    let compilation = compile(text.clone().into_bytes());
    assert_eq!(codes(&compilation), vec![Code::NestingTooDeep]);
    let d = &compilation.diagnostics[0];
    // The bracket past the limit, on the first line.
    assert_eq!(d.primary.span.start as usize, 8 + hplc::syntax::MAX_DEPTH);
    assert_eq!(run_binary(text.as_bytes()).0, 1);
}

#[test]
fn nested_braces_inside_an_unterminated_string_are_too_deep_too() {
    let text = format!("let x = \"{}\n", "{".repeat(100_000));
    let compilation = compile(text.into_bytes());
    assert_eq!(codes(&compilation), vec![Code::NestingTooDeep]);
}

#[test]
fn a_ten_megabyte_line_is_too_long() {
    let mut text = String::from("let x = \"");
    text.push_str(&"a".repeat(10 * 1024 * 1024));
    text.push_str("\"\n");
    let compilation = compile(text.clone().into_bytes());
    assert_eq!(codes(&compilation), vec![Code::LineTooLong]);
    let (status, stderr) = run_binary(text.as_bytes());
    assert_eq!(status, 1);
    assert!(stderr.contains("E0004"), "{stderr}");
}

#[test]
fn a_long_chain_of_references_stops_with_a_diagnostic() {
    let mut text = String::from(
        "use oci\nplatform p { domain = \"example.com\", cloud = oci.eu_amsterdam_1, trusted_cidrs = [] }\n",
    );
    for i in 0..10_000 {
        text.push_str(&format!("let c{i} = c{}\n", i + 1));
    }
    text.push_str("let c10000 = 1\n");
    let compilation = compile(text.into_bytes());
    assert!(
        codes(&compilation).contains(&Code::EvaluationTooDeep),
        "{:?}",
        codes(&compilation)
    );
}

#[test]
fn a_reference_cycle_is_reported_not_looped_on() {
    let text = "use oci\nplatform p { domain = \"example.com\", cloud = oci.eu_amsterdam_1, trusted_cidrs = [] }\nlet a = b\nlet b = a\n";
    let compilation = compile(text.as_bytes().to_vec());
    assert!(
        codes(&compilation).contains(&Code::ValueCycle),
        "{:?}",
        codes(&compilation)
    );
}
