//! Reading source text: limits, the pest grammar, the syntax tree, and the
//! comments the formatter keeps.

pub mod ast;
pub mod comments;
mod limits;
mod parser;
mod parts;
mod scan;

pub use limits::{MAX_DEPTH, MAX_FILE_BYTES, MAX_LINE_BYTES};
pub use parser::parse;
