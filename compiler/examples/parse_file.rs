//! Parses one file and nothing else, for instruction counts of the front
//! end: `valgrind --tool=callgrind target/release/examples/parse_file F`
//! against `parse_file F --read-only` (the same run without the parse).
//! Prints the items and syntax errors found (`--dump`: the whole tree).

/// The allocator the `hplc` binary uses, so that counts are the binary's.
#[global_allocator]
static ALLOCATOR: hplc::allocator::Allocator = hplc::allocator::Allocator;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: parse_file FILE [--read-only | --dump]");
        std::process::exit(2);
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(2);
    });
    let mode = args.next();
    if mode.as_deref() == Some("--read-only") {
        println!("{} bytes", text.len());
        return;
    }
    let (module, errors) = hplc::syntax::parse(hplc::source::FileId(0), &text);
    if mode.as_deref() == Some("--dump") {
        println!("{module:#?}\n{errors:#?}");
        return;
    }
    println!(
        "{} bytes, {} items, {} errors",
        text.len(),
        module.items.len(),
        errors.len()
    );
    // Freed by the operating system, as the binary does.
    std::mem::forget(module);
}
