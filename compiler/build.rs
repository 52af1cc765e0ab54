//! Embeds the standard library (`stdlib/**/*.hpl`) and the error pages
//! (`docs/errors/*.md`) in the compiler, listed in a stable order.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf();
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));

    let stdlib = root.join("stdlib");
    let mut modules = Vec::new();
    collect(&stdlib, &stdlib, "hpl", &mut modules);
    write_table(&out.join("stdlib_files.rs"), "STDLIB_FILES", &modules);

    let errors = root.join("docs").join("errors");
    let mut pages = Vec::new();
    collect(&errors, &errors, "md", &mut pages);
    write_table(&out.join("error_pages.rs"), "ERROR_PAGES", &pages);

    println!("cargo:rerun-if-changed={}", stdlib.display());
    println!("cargo:rerun-if-changed={}", errors.display());
}

/// Files below `dir` with the extension, as (name relative to `base`
/// without extension and with `/` separators, absolute path).
fn collect(base: &Path, dir: &Path, ext: &str, found: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(base, &path, ext, found);
        } else if path.extension().is_some_and(|e| e == ext) {
            println!("cargo:rerun-if-changed={}", path.display());
            let relative = path
                .strip_prefix(base)
                .expect("below base")
                .with_extension("");
            let name: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            found.push((name.join("/"), path));
        }
    }
}

fn write_table(target: &Path, name: &str, files: &[(String, PathBuf)]) {
    let mut text = format!("pub static {name}: &[(&str, &str)] = &[\n");
    for (key, path) in files {
        writeln!(
            text,
            "    ({key:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .expect("write");
    }
    text.push_str("];\n");
    std::fs::write(target, text).expect("write generated table");
}
