//! `hplc graph`: the service dependency graph as dot or Mermaid.

use std::path::PathBuf;

use hplc::resolve::fs::RealFs;

use crate::report::{self as diagnostics, EXIT_ERRORS, EXIT_OK};

#[derive(Copy, Clone, Debug, clap::ValueEnum)]
pub enum Format {
    /// Graphviz: `hplc graph | dot -Tsvg > graph.svg`
    Dot,
    /// Mermaid flowchart, for Markdown
    Mermaid,
}

#[derive(clap::Args)]
pub struct Args {
    /// The platform to draw
    #[arg(default_value = "platform.hpl")]
    file: PathBuf,
    /// The environment to draw (default: the base platform)
    #[arg(long)]
    env: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Dot)]
    format: Format,
    #[command(flatten)]
    report: diagnostics::Options,
}

pub fn run(args: Args) -> u8 {
    if let Err(code) = crate::report::require_file(&args.file) {
        return code;
    }
    let compilation = hplc::compile(&args.file, args.env.as_deref(), &RealFs);
    let failed = diagnostics::print(&compilation.diagnostics, &compilation.sources, args.report);
    let (Some(model), Some(graph)) = (&compilation.model, &compilation.graph) else {
        return EXIT_ERRORS;
    };
    let text = match args.format {
        Format::Dot => hplc::graph::dot(model, graph),
        Format::Mermaid => hplc::graph::mermaid(model, graph),
    };
    print!("{text}");
    if failed {
        EXIT_ERRORS
    } else {
        EXIT_OK
    }
}
