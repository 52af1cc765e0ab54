//! Reading source text: limits, a lexer and the pest grammars, the syntax
//! tree, and the comments the formatter keeps.

pub mod ast;
mod build;
pub mod comments;
mod errors;
mod grammars;
mod lexer;
mod limits;
mod parser;
mod parts;
mod scan;
mod text;
mod tokens;

pub use limits::{MAX_DEPTH, MAX_FILE_BYTES, MAX_LINE_BYTES};
pub use parser::parse;
