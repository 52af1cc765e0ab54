//! `hplc check`: every check, no output files.

use std::path::PathBuf;

use hplc::resolve::fs::RealFs;

use crate::report::{self, EXIT_ERRORS, EXIT_OK};

#[derive(clap::Args)]
pub struct Args {
    /// The platform to check
    #[arg(default_value = "platform.hpl")]
    file: PathBuf,
    /// Check only this environment; without it, the default environment and
    /// every declared one are checked
    #[arg(long)]
    env: Option<String>,
    #[command(flatten)]
    report: report::Options,
}

pub fn run(args: Args) -> u8 {
    if let Err(code) = report::require_file(&args.file) {
        return code;
    }
    let (compilation, checked) = compile_all(&args.file, args.env.as_deref());
    let failed = report::print(&compilation.diagnostics, &compilation.sources, args.report);
    if failed {
        return report::finish(compilation, EXIT_ERRORS);
    }
    if matches!(args.report.diagnostic_format, report::Format::Human) {
        eprintln!("{}: ok ({})", args.file.display(), checked.join(", "));
    }
    report::finish(compilation, EXIT_OK)
}

/// Compiles `env`, or the default environment and every declared one; the
/// diagnostics of all of them are merged (each once).
pub fn compile_all(file: &std::path::Path, env: Option<&str>) -> (hplc::Compilation, Vec<String>) {
    let mut compilation = hplc::compile(file, env, &RealFs);
    if let Some(name) = env {
        return (compilation, vec![name.to_string()]);
    }
    let (diagnostics, checked) = hplc::check_every_env(file, &compilation, &RealFs);
    compilation.diagnostics = diagnostics;
    (compilation, checked)
}
