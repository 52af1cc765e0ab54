//! `hplc plan`: where every replica runs, how full each node is, the
//! budget and the cost.

use hplc::placement::report;

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
    #[command(flatten)]
    target: crate::report::Target,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    report: diagnostics::Options,
}

pub fn run(args: Args) -> u8 {
    let (compilation, failed) = match diagnostics::compile(&args.target, args.report) {
        Ok(compiled) => compiled,
        Err(code) => return code,
    };
    // The plan is printed even when checks fail: it shows why.
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
