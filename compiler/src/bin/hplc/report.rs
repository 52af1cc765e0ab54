//! Printing diagnostics the way the user asked, and the exit statuses.

use std::io::{IsTerminal, Write};

use hplc::diagnostics::render::{self, Shown, Style};
use hplc::diagnostics::Diagnostic;
use hplc::source::SourceMap;

pub const EXIT_OK: u8 = 0;
pub const EXIT_ERRORS: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

#[derive(Copy, Clone, Debug, Default, clap::ValueEnum)]
pub enum Format {
    /// Framed reports with source excerpts, on standard error
    #[default]
    Human,
    /// The versioned JSON document of docs/diagnostics-json.md, on standard output
    Json,
}

#[derive(Copy, Clone, Debug, Default, clap::ValueEnum)]
pub enum Colour {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(clap::Args, Debug, Clone, Copy)]
pub struct Options {
    /// How to print diagnostics
    #[arg(long = "diagnostic-format", value_enum, default_value_t = Format::Human)]
    pub diagnostic_format: Format,
    /// Colour in human diagnostics
    #[arg(long, value_enum, default_value_t = Colour::Auto)]
    pub color: Colour,
    /// Draw every warning in human diagnostics; by default the first few of
    /// each code are drawn and the rest counted
    #[arg(long)]
    pub all_warnings: bool,
}

/// Prints the diagnostics; returns whether any is an error.
pub fn print(diagnostics: &[Diagnostic], sources: &SourceMap, options: Options) -> bool {
    let has_errors = diagnostics
        .iter()
        .any(|d| d.severity() == hplc::diagnostics::Severity::Error);
    match options.diagnostic_format {
        Format::Json => {
            let _ = std::io::stdout().write_all(render::json(diagnostics, sources).as_bytes());
        }
        Format::Human => {
            let colour = match options.color {
                Colour::Always => true,
                Colour::Never => false,
                Colour::Auto => {
                    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
                }
            };
            let style = if colour { Style::Colour } else { Style::Plain };
            let shown = if options.all_warnings {
                Shown::All
            } else {
                Shown::FirstWarnings(render::WARNINGS_PER_CODE)
            };
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(render::human(diagnostics, sources, style, shown).as_bytes());
            if !diagnostics.is_empty() {
                let _ = writeln!(err, "{}", render::summary(diagnostics));
            }
        }
    }
    has_errors
}

/// A missing root file is a usage problem (exit 2), not a platform error.
pub fn require_file(path: &std::path::Path) -> Result<(), u8> {
    if path.is_file() {
        return Ok(());
    }
    if path.is_dir() {
        eprintln!(
            "hplc: {} is a directory; name the platform file (e.g. {}/platform.hpl)",
            path.display(),
            path.display()
        );
    } else {
        eprintln!(
            "hplc: {}: no such file (hplc reads platform.hpl in the current directory by default)",
            path.display()
        );
    }
    Err(EXIT_USAGE)
}

/// The exit status of a command whose diagnostics are printed: whether any
/// was an error.
pub fn status(failed: bool) -> u8 {
    if failed {
        EXIT_ERRORS
    } else {
        EXIT_OK
    }
}

/// Ends a command that holds a compilation: the process is about to exit,
/// and freeing every syntax tree and value one by one took a noticeable
/// share of a large build. The operating system reclaims it all at once.
pub fn finish<T>(compilation: T, code: u8) -> u8 {
    std::mem::forget(compilation);
    code
}

/// The platform and environment `build`, `plan` and `graph` work on.
#[derive(clap::Args, Debug, Clone)]
pub struct Target {
    /// The platform file
    #[arg(default_value = "platform.hpl")]
    pub file: std::path::PathBuf,
    /// The environment (default: the base platform, without any `env` overlay)
    #[arg(long)]
    pub env: Option<String>,
    /// The cluster's inputs file (an `inputs` instance: what only Terraform
    /// knows, and the operator's choices); `build` requires every value
    /// the platform leaves to it
    #[arg(long, value_name = "FILE")]
    pub inputs: Option<std::path::PathBuf>,
}

/// Compiles the target and prints its diagnostics. Returns the compilation
/// and whether it had errors, or the exit code when the file is missing.
/// `require_inputs`: the values the platform leaves to the inputs file
/// must be there (`hplc build`).
pub fn compile(
    target: &Target,
    options: Options,
    require_inputs: bool,
) -> Result<(hplc::Compilation, bool), u8> {
    require_file(&target.file)?;
    if let Some(inputs) = &target.inputs {
        require_file(inputs)?;
    }
    let compilation = hplc::compile_with(
        &target.file,
        &hplc::Inputs {
            file: target.inputs.as_deref(),
            required: require_inputs,
        },
        target.env.as_deref(),
        &hplc::resolve::fs::RealFs,
    );
    let failed = print(&compilation.diagnostics, &compilation.sources, options);
    Ok((compilation, failed))
}
