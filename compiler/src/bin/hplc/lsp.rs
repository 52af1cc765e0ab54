//! `hplc lsp`: the language server, on stdin and stdout (docs/editors.md).

#[derive(clap::Args)]
pub struct Args {
    /// Talk over stdin and stdout (the only transport; accepted because
    /// editors' clients pass it)
    #[arg(long)]
    stdio: bool,
}

pub fn run(args: Args) -> u8 {
    let _ = args.stdio;
    u8::try_from(hplc::lsp::run()).unwrap_or(1)
}
