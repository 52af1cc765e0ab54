//! `hplc graph`: the service dependency graph as dot or Mermaid.

use crate::report::{self, EXIT_ERRORS};

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
    target: report::Target,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Dot)]
    format: Format,
    #[command(flatten)]
    report: report::Options,
}

pub fn run(args: Args) -> u8 {
    let (compilation, failed) = match report::compile(&args.target, args.report, false) {
        Ok(compiled) => compiled,
        Err(code) => return code,
    };
    let (Some(model), Some(graph)) = (&compilation.model, &compilation.graph) else {
        return report::finish(compilation, EXIT_ERRORS);
    };
    let text = match args.format {
        Format::Dot => hplc::graph::dot(model, graph),
        Format::Mermaid => hplc::graph::mermaid(model, graph),
    };
    print!("{text}");
    report::finish(compilation, report::status(failed))
}
