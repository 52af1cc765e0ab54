//! Every input the fuzzers keep — their seed corpus and every input that
//! once crashed (compiler/fuzz/regressions/) — runs through the same calls
//! as the fuzz targets, so a fixed crash stays fixed without a fuzzer.

use std::path::{Path, PathBuf};

use hplc::resolve::fs::MemoryFs;

fn inputs() -> Vec<PathBuf> {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut files = Vec::new();
    for dir in ["corpus/pipeline", "corpus/format", "regressions"] {
        let Ok(entries) = std::fs::read_dir(fuzz.join(dir)) else {
            continue;
        };
        files.extend(
            entries
                .map(|e| e.expect("entry").path())
                .filter(|p| p.is_file()),
        );
    }
    files.sort();
    files
}

#[test]
fn every_kept_fuzz_input_compiles_builds_and_formats_without_panicking() {
    let files = inputs();
    assert!(
        files.len() >= 10,
        "the seed corpus is present ({} files)",
        files.len()
    );
    for file in files {
        let data = std::fs::read(&file).expect("read input");
        let fs = MemoryFs::default().with("/fuzz/main.hpl", data.clone());
        let root = Path::new("/fuzz/main.hpl");
        let built = hplc::pipeline::build(root, None, &fs);
        for env in built.compilation.envs.iter().take(4) {
            hplc::pipeline::build(root, Some(env), &fs);
        }
        if let Ok(text) = std::str::from_utf8(&data) {
            if let Err(problem) = hplc::fmt::verify(text) {
                assert!(
                    problem.starts_with("not formatted"),
                    "{}: {problem}",
                    file.display()
                );
            }
        }
    }
}
