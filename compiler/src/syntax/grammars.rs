//! The two pest grammars, each in a module of its own: pest derives a
//! `Rule` enum for each, under the same names.

/// The text grammar: source text as written, with recovery rules.
pub(super) mod text {
    use pest_derive::Parser;

    #[derive(Parser)]
    #[grammar = "syntax/grammar.pest"]
    pub(in crate::syntax) struct Grammar;
}

/// The token grammar: the same rules over the lexer's tokens.
pub(super) mod tokens {
    use pest_derive::Parser;

    #[derive(Parser)]
    #[grammar = "syntax/tokens.pest"]
    pub(in crate::syntax) struct Grammar;
}
