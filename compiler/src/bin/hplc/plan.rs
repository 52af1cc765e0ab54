//! `hplc plan`: where every replica runs, how full each node is, the
//! budget and the cost.

use std::path::PathBuf;

use hplc::placement::report;
use hplc::resolve::fs::RealFs;

use crate::report::{self as diagnostics, EXIT_ERRORS, EXIT_OK};

#[derive(Copy, Clone, Debug, clap::ValueEnum)]
pub enum Format {
    /// A table for people
    Text,
    /// The versioned document of docs/plan-json.md
    Json,
    /// Capacity bars as an SVG image
    Svg,
}

#[derive(clap::Args)]
pub struct Args {
    /// The platform to plan
    #[arg(default_value = "platform.hpl")]
    file: PathBuf,
    /// The environment to plan (default: the base platform)
    #[arg(long)]
    env: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    report: diagnostics::Options,
}

pub fn run(args: Args) -> u8 {
    if let Err(code) = crate::report::require_file(&args.file) {
        return code;
    }
    let compilation = hplc::compile(&args.file, args.env.as_deref(), &RealFs);
    // The plan is printed even when checks fail: it shows why.
    let failed = diagnostics::print(&compilation.diagnostics, &compilation.sources, args.report);
    let (Some(model), Some(plan)) = (&compilation.model, &compilation.plan) else {
        return EXIT_ERRORS;
    };
    let text = match args.format {
        Format::Text => report::text(model, plan),
        Format::Json => report::json(model, plan),
        Format::Svg => report::svg(model, plan),
    };
    print!("{text}");
    if failed {
        EXIT_ERRORS
    } else {
        EXIT_OK
    }
}
