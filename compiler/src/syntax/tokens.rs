//! The fast path: the hand-written lexer's tokens (`lexer.rs`) parsed by the
//! token grammar (`tokens.pest`), and the tree built from its pairs. It
//! reads every file without a syntax error; for any other it gives up, and
//! the text grammar reads the file again to describe what is wrong.

use pest::iterators::{Pair, Pairs};
use pest::Parser as _;

use super::ast::Module;
use super::build::{Builder, Kind, Node};
use super::errors::{Syntax, MAX_SYNTAX_ERRORS};
use super::grammars::tokens::{Grammar, Rule};
use super::lexer::{lex, Lexed, Simple};
use crate::diagnostics::Diagnostic;
use crate::source::FileId;

/// The tree of `text` (which starts at byte `base` of the file) and the
/// errors the builder finds in it (an unknown escape); `None` when the
/// text has a syntax error.
pub(super) fn parse(file: FileId, text: &str, base: usize) -> Option<(Module, Vec<Diagnostic>)> {
    let lexed = lex(text)?;
    let mut pairs = Grammar::parse(Rule::file, &lexed.kinds).ok()?;
    let file_pair = pairs.next()?;
    let mut builder: Builder<TokenNode> = Builder::new(Syntax::without_errors(file), base);
    let module = builder.module(TokenNode {
        pair: file_pair,
        lexed: &lexed,
        text,
    });
    // As many as the text grammar would report (unknown escapes).
    let mut errors = builder.syntax.errors;
    errors.truncate(MAX_SYNTAX_ERRORS);
    Some((module, errors))
}

/// A pair of the token grammar, read as the stretch of text its tokens
/// cover.
pub(super) struct TokenNode<'k, 't> {
    pair: Pair<'k, Rule>,
    lexed: &'k Lexed,
    text: &'t str,
}

pub(super) struct Children<'k, 't> {
    pairs: Pairs<'k, Rule>,
    lexed: &'k Lexed,
    text: &'t str,
}

impl<'k, 't> Iterator for Children<'k, 't> {
    type Item = TokenNode<'k, 't>;

    fn next(&mut self) -> Option<TokenNode<'k, 't>> {
        self.pairs.next().map(|pair| TokenNode {
            pair,
            lexed: self.lexed,
            text: self.text,
        })
    }

    /// Exact: the builder sizes its lists by it.
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.pairs.size_hint()
    }
}

impl<'k, 't> Node<'t> for TokenNode<'k, 't> {
    type Children = Children<'k, 't>;

    fn kind(&self) -> Kind {
        self.pair.as_rule().into()
    }

    fn span(&self) -> (usize, usize) {
        // One byte per token: the pair's offsets are token indices.
        let span = self.pair.as_span();
        self.lexed.span(span.start(), span.end())
    }

    fn text(&self) -> &'t str {
        let (start, end) = self.span();
        &self.text[start..end]
    }

    fn simple(&self) -> Option<(&Simple, &'t str)> {
        let token = self.pair.as_span().start();
        Some((self.lexed.simple(token)?, self.text))
    }

    fn children(self) -> Children<'k, 't> {
        Children {
            pairs: self.pair.into_inner(),
            lexed: self.lexed,
            text: self.text,
        }
    }
}
