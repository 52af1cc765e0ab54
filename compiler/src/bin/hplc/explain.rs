//! `hplc explain CODE`: the page of a diagnostic code.

use hplc::diagnostics::Code;

use crate::report::{EXIT_OK, EXIT_USAGE};

#[derive(clap::Args)]
pub struct Args {
    /// A diagnostic code such as E0204; without it, lists every code
    code: Option<String>,
}

pub fn run(args: Args) -> u8 {
    let Some(text) = args.code else {
        for code in Code::ALL {
            println!(
                "{}  {:<8} {}",
                code.as_str(),
                code.severity().as_str(),
                code.title()
            );
        }
        return EXIT_OK;
    };
    let Some(code) = Code::parse(&text) else {
        eprintln!("hplc: `{text}` is not a diagnostic code; `hplc explain` lists them all");
        return EXIT_USAGE;
    };
    match hplc::embedded::error_page(code.as_str()) {
        Some(page) => {
            print!("{page}");
            EXIT_OK
        }
        None => {
            eprintln!("hplc: {} has no page yet", code.as_str());
            EXIT_USAGE
        }
    }
}
