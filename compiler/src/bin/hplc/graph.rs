//! `hplc graph`: the service dependency graph as dot or Mermaid.

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
    #[command(flatten)]
    target: crate::report::Target,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Dot)]
    format: Format,
    #[command(flatten)]
    report: diagnostics::Options,
}

pub fn run(args: Args) -> u8 {
    let (compilation, failed) = match diagnostics::compile(&args.target, args.report) {
        Ok(compiled) => compiled,
        Err(code) => return code,
    };
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
