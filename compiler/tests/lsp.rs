//! End-to-end tests of `hplc lsp`: each starts the binary as a process and
//! speaks the protocol to it over stdio (tests/lsp/client.rs), on
//! platform.hpl and on broken copies of it. One module per feature.

#[path = "lsp/client.rs"]
mod client;
#[path = "lsp/completion.rs"]
mod completion;
#[path = "lsp/definition.rs"]
mod definition;
#[path = "lsp/diagnostics.rs"]
mod diagnostics;
#[path = "lsp/fixture.rs"]
mod fixture;
#[path = "lsp/formatting.rs"]
mod formatting;
#[path = "lsp/hover.rs"]
mod hover;
#[path = "lsp/positions.rs"]
mod positions;
#[path = "lsp/robustness.rs"]
mod robustness;
