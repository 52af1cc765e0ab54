//! `hplc lsp`: a language server over stdio. It compiles with the same
//! [`crate::compile`] as the CLI (which generates no files) and converts
//! the same diagnostics; on top of the compilation it answers hover, go to
//! definition, completion, formatting and document symbols.
//!
//! One file per concern: [`server`] is the loop, [`workspace`] the open
//! documents and the platforms compiled from them, [`index`] what each
//! name in the sources means, then one file per request kind. The editor
//! side is `editors/vscode/`; docs/editors.md describes both.

mod capabilities;
mod completion;
mod context;
mod definition;
mod diagnostics;
mod documents;
mod formatting;
mod hover;
pub mod index;
mod lookup;
mod position;
mod project;
mod server;
mod show;
mod symbols;
mod target;
mod transport;
pub mod uri;
mod workspace;

pub use server::STDLIB_REQUEST;

/// Serves the protocol on stdin and stdout until the editor says `exit`;
/// returns the process exit code.
pub fn run() -> i32 {
    let (connection, threads) = match transport::stdio() {
        Ok(pair) => pair,
        Err(error) => {
            eprintln!("hplc lsp: cannot start: {error}");
            return 2;
        }
    };
    let code = server::Server::new(connection).serve();
    // The server's sender is dropped with it: the writer drains and ends.
    threads.join();
    code
}
