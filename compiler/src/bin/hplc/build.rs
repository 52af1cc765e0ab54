//! `hplc build`: check, then write Kubernetes, Terraform and Grafana files.

use std::path::PathBuf;

use hplc::emit::{self, output};

use crate::report::{self, EXIT_ERRORS, EXIT_OK, EXIT_USAGE};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    target: report::Target,
    /// Where to write: DIR/k8s, DIR/terraform, DIR/grafana. Replaced as a
    /// whole, and only if hplc created it
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Write nothing; compare a fresh build with DIR and exit 1 listing
    /// every file that differs (for CI drift checks)
    #[arg(long)]
    check: bool,
    #[command(flatten)]
    report: report::Options,
}

pub fn run(args: Args) -> u8 {
    let (compilation, failed) = match report::compile(&args.target, args.report, true) {
        Ok(compiled) => compiled,
        Err(code) => return code,
    };
    let code = if failed {
        eprintln!("hplc: nothing written: fix the errors above");
        EXIT_ERRORS
    } else {
        generate(&args, &compilation)
    };
    report::finish(compilation, code)
}

/// Generates the files of a compiled platform and writes (or compares) them.
fn generate(args: &Args, compilation: &hplc::Compilation) -> u8 {
    let Some(generated) = hplc::pipeline::generate(compilation, &args.target.file) else {
        return EXIT_ERRORS;
    };
    let code = deliver(args, &generated);
    // As with the compilation: the process is about to exit.
    std::mem::forget(generated);
    code
}

fn deliver(args: &Args, generated: &emit::Output) -> u8 {
    if args.check {
        let differences = output::diff(generated, &args.out);
        if differences.is_empty() {
            eprintln!(
                "{}: up to date ({} files)",
                args.out.display(),
                generated.files.len()
            );
            return EXIT_OK;
        }
        for line in &differences {
            println!("{line}");
        }
        eprintln!(
            "hplc: {} differs from a fresh build of {} in {} files",
            args.out.display(),
            args.target.file.display(),
            differences.len()
        );
        return EXIT_ERRORS;
    }
    match output::write(generated, &args.out) {
        Ok(output::Written::Replaced) => {
            eprintln!(
                "wrote {} files to {}",
                generated.files.len(),
                args.out.display()
            );
            EXIT_OK
        }
        Ok(output::Written::Unchanged) => {
            eprintln!(
                "{}: up to date ({} files, nothing written)",
                args.out.display(),
                generated.files.len()
            );
            EXIT_OK
        }
        Err(error) => {
            eprintln!("hplc: {error}");
            EXIT_USAGE
        }
    }
}
