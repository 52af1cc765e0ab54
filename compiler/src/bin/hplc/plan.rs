//! `hplc plan`: where every replica runs, how full each node is, the
//! budget and the cost.

use hplc::placement::report as plan_report;

use crate::report::{self, EXIT_ERRORS};

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
    target: report::Target,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    report: report::Options,
}

pub fn run(args: Args) -> u8 {
    let (compilation, failed) = match report::compile(&args.target, args.report, false) {
        Ok(compiled) => compiled,
        Err(code) => return code,
    };
    // The plan is printed even when checks fail: it shows why.
    let (Some(model), Some(plan)) = (&compilation.model, &compilation.plan) else {
        return report::finish(compilation, EXIT_ERRORS);
    };
    let text = match args.format {
        Format::Text => plan_report::text(model, plan),
        Format::Json => plan_report::json(model, plan),
        Format::Svg => plan_report::svg(model, plan),
    };
    print!("{text}");
    report::finish(compilation, report::status(failed))
}
