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
    /// The cluster's inputs file, as `build` takes it: read and checked
    /// with the platform, and every value the platform leaves to it is
    /// required (E0121), so that a check predicts the build
    #[arg(long, value_name = "FILE")]
    inputs: Option<PathBuf>,
    #[command(flatten)]
    report: report::Options,
}

pub fn run(args: Args) -> u8 {
    if let Err(code) = report::require_file(&args.file) {
        return code;
    }
    if let Some(Err(code)) = args.inputs.as_deref().map(report::require_file) {
        return code;
    }
    let inputs = hplc::Inputs {
        file: args.inputs.as_deref(),
        required: args.inputs.is_some(),
    };
    let (compilation, checked) = compile_all(&args.file, &inputs, args.env.as_deref());
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
pub fn compile_all(
    file: &std::path::Path,
    inputs: &hplc::Inputs,
    env: Option<&str>,
) -> (hplc::Compilation, Vec<String>) {
    let mut compilation = hplc::compile_with(file, inputs, env, &RealFs);
    if let Some(name) = env {
        return (compilation, vec![name.to_string()]);
    }
    let (diagnostics, checked) = hplc::check_every_env(file, inputs, &compilation, &RealFs);
    compilation.diagnostics = diagnostics;
    (compilation, checked)
}
