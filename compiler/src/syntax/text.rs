//! The text grammar's path (`grammar.pest`), which reads source text as it
//! is written and recovers from errors: the path of a file with a syntax
//! error, whose errors `errors.rs` describes.

use pest::iterators::{Pair, Pairs};
use pest::Parser as _;

use super::ast::Module;
use super::build::{Builder, Kind, Node};
use super::errors::{detailed_errors, Syntax, MAX_SYNTAX_ERRORS};
use super::grammars::text::{Grammar, Rule};
use crate::diagnostics::Diagnostic;
use crate::source::FileId;

/// Parses `text`, which starts at byte `base` of the file, with recovery.
pub(super) fn parse(file: FileId, text: &str, base: usize) -> (Module, Vec<Diagnostic>) {
    let syntax = Syntax::new(file, text);
    let mut builder: Builder<TextNode> = Builder::new(syntax, base);
    let module = match Grammar::parse(Rule::file, text) {
        Ok(mut pairs) => builder.module(TextNode(pairs.next().expect("file rule"))),
        // The grammar recovers from every error inside an item; what is left
        // is an error the recovery rules could not swallow.
        Err(_) => {
            detailed_errors();
            let error = Grammar::parse(Rule::file, text).expect_err("failed before");
            let error = builder.syntax.pest_error(error, 0);
            builder.syntax.errors.push(error);
            Module::default()
        }
    };
    let mut errors = builder.syntax.errors;
    errors.truncate(MAX_SYNTAX_ERRORS);
    (module, errors)
}

/// A pair of the text grammar.
pub(super) struct TextNode<'t>(Pair<'t, Rule>);

impl<'t> Node<'t> for TextNode<'t> {
    type Children = std::iter::Map<Pairs<'t, Rule>, fn(Pair<'t, Rule>) -> TextNode<'t>>;

    fn kind(&self) -> Kind {
        self.0.as_rule().into()
    }

    fn span(&self) -> (usize, usize) {
        let span = self.0.as_span();
        (span.start(), span.end())
    }

    fn text(&self) -> &'t str {
        self.0.as_str()
    }

    fn children(self) -> Self::Children {
        self.0.into_inner().map(TextNode)
    }

    fn simple(&self) -> Option<(&super::lexer::Simple, &'t str)> {
        None
    }
}
