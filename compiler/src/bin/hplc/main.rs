//! The `hplc` command line: a thin layer over the library, one file per
//! subcommand.

mod build;
mod check;
mod explain;
mod fmt;
mod graph;
mod lsp;
mod plan;
mod report;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Compilation runs on a thread of its own (see `main`), and glibc grows a
/// thread's heap with an `mprotect` call every 128 KiB: at 10,000 services
/// that was a third of `hplc check`'s time. mimalloc maps memory in large
/// segments and allocates faster besides.
#[global_allocator]
static ALLOCATOR: hplc::allocator::Allocator = hplc::allocator::Allocator;

/// hplc compiles a platform description (platform.hpl) into Kubernetes,
/// Terraform and Grafana files, and refuses platforms that cannot work.
#[derive(Parser)]
#[command(name = "hplc", version, about, long_about = None, propagate_version = true)]
#[command(
    after_help = "Exit status: 0 success, 1 errors in the platform, 2 usage or I/O problems.\n\
                        Run `hplc explain E0101` to read about a diagnostic code."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check, then write Kubernetes, Terraform and Grafana files to out/
    Build(build::Args),
    /// Type-check a platform and run every check, writing nothing
    Check(check::Args),
    /// Show where every replica runs, node and budget use, and the cost
    Plan(plan::Args),
    /// Draw the service dependency graph (Graphviz dot or Mermaid)
    Graph(graph::Args),
    /// Format .hpl files in place (or only check that they are formatted)
    Fmt(fmt::Args),
    /// Print the documentation of a diagnostic code, e.g. `hplc explain E0204`
    Explain(explain::Args),
    /// Run the language server for editors, over stdin and stdout
    Lsp(lsp::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let worker = std::thread::Builder::new()
        // Deeply nested input is refused by the parser's limits, but
        // evaluation still recurses: the stack every compiling thread gets.
        .stack_size(hplc::COMPILE_STACK_BYTES)
        .spawn(move || match cli.command {
            Command::Build(args) => build::run(args),
            Command::Check(args) => check::run(args),
            Command::Plan(args) => plan::run(args),
            Command::Graph(args) => graph::run(args),
            Command::Fmt(args) => fmt::run(args),
            Command::Explain(args) => explain::run(args),
            Command::Lsp(args) => lsp::run(args),
        });
    match worker.map(|w| w.join()) {
        Ok(Ok(code)) => ExitCode::from(code),
        _ => ExitCode::from(report::EXIT_USAGE),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
