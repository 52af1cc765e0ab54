//! `hplc fmt`: rewrite .hpl files in their canonical layout.

use std::path::{Path, PathBuf};

use hplc::source::SourceMap;

use crate::report::{self, EXIT_ERRORS, EXIT_OK, EXIT_USAGE};

#[derive(clap::Args)]
pub struct Args {
    /// Files or directories to format; directories are searched for .hpl
    /// files, skipping target/, out/, hidden directories and directories
    /// that hold a `.hplignore` file. Default: `.`
    files: Vec<PathBuf>,
    /// Change nothing; list the files that are not formatted and exit 1 if any
    #[arg(long)]
    check: bool,
    #[command(flatten)]
    report: report::Options,
}

pub fn run(args: Args) -> u8 {
    let roots = if args.files.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.files.clone()
    };
    let mut files = Vec::new();
    for root in &roots {
        if root.is_dir() {
            find_hpl(root, &mut files);
        } else if root.is_file() {
            files.push(root.clone());
        } else {
            eprintln!("hplc: {}: no such file or directory", root.display());
            return EXIT_USAGE;
        }
    }
    let mut sources = SourceMap::default();
    let mut errors = Vec::new();
    let mut unformatted = Vec::new();
    for path in &files {
        let text = match std::fs::read(path).map(String::from_utf8) {
            Ok(Ok(text)) => text,
            Ok(Err(_)) => {
                eprintln!("hplc: {}: not UTF-8 text", path.display());
                return EXIT_ERRORS;
            }
            Err(e) => {
                eprintln!("hplc: {}: {e}", path.display());
                return EXIT_USAGE;
            }
        };
        let file = sources.add(
            path.display().to_string(),
            Some(path.clone()),
            text.as_str().into(),
        );
        match hplc::fmt::format(file, &text) {
            Err(diagnostics) => errors.extend(diagnostics),
            Ok(formatted) if formatted != text => {
                unformatted.push(path.clone());
                if !args.check {
                    if let Err(e) = std::fs::write(path, formatted) {
                        eprintln!("hplc: {}: {e}", path.display());
                        return EXIT_USAGE;
                    }
                }
            }
            Ok(_) => {}
        }
    }
    if !errors.is_empty() {
        report::print(&errors, &sources, args.report);
        return EXIT_ERRORS;
    }
    for path in &unformatted {
        if args.check {
            println!("not formatted: {}", path.display());
        } else {
            println!("formatted {}", path.display());
        }
    }
    if args.check && !unformatted.is_empty() {
        eprintln!(
            "hplc: {} of {} files are not formatted; run `hplc fmt`",
            unformatted.len(),
            files.len()
        );
        return EXIT_ERRORS;
    }
    EXIT_OK
}

const IGNORE_FILE: &str = ".hplignore";

fn find_hpl(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if path.is_dir() {
            // A directory holding `.hplignore` (deliberately broken inputs,
            // say) is not searched.
            let ignored = path.join(IGNORE_FILE).is_file();
            if !(ignored
                || name.starts_with('.')
                || name == "target"
                || name == "out"
                || name == "node_modules")
            {
                find_hpl(&path, found);
            }
        } else if name.ends_with(".hpl") {
            found.push(path);
        }
    }
}
