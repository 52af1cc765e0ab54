//! Diagnostics as data.
//!
//! Every stage reports problems as [`Diagnostic`] values; nothing is printed
//! until the caller picks a renderer ([`render::human`] or [`render::json`]).
//! The CLI, the snapshot tests and the JSON output share that one path.

mod code;
mod lines;
pub mod render;

pub use code::Code;

use std::hash::BuildHasher;

use crate::source::Span;

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    pub code: Code,
    pub message: String,
    /// The exact place the problem is; its message says what is wrong there.
    pub primary: Label,
    /// Other places that explain it ("first declared here").
    pub labels: Vec<Label>,
    pub help: String,
}

impl Diagnostic {
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            message: message.into(),
            primary: Label {
                span,
                message: String::new(),
            },
            labels: Vec::new(),
            help: String::new(),
        }
    }

    /// The text of the primary label (defaults to nothing beyond the message).
    pub fn label(mut self, message: impl Into<String>) -> Diagnostic {
        self.primary.message = message.into();
        self
    }

    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = help.into();
        self
    }

    pub fn severity(&self) -> Severity {
        self.code.severity()
    }

    pub fn span(&self) -> Span {
        self.primary.span
    }
}

/// Where every stage puts what it finds. Identical diagnostics (which happen
/// when several environments share a declaration) are kept once.
#[derive(Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
    /// The first item of each hash, by its index in `items`; the items
    /// that share it follow as a chain through `next`. A set of copies of
    /// the items, hashed with SipHash, cost thousands of instructions a
    /// diagnostic (a check of 10,000 services pushes about 8,000).
    by_hash: rustc_hash::FxHashMap<u64, usize>,
    /// For each item, the next item with the same hash.
    next: Vec<Option<usize>>,
}

impl Diagnostics {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        let hash = rustc_hash::FxBuildHasher.hash_one(&diagnostic);
        let index = self.items.len();
        match self.by_hash.entry(hash) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(index);
            }
            std::collections::hash_map::Entry::Occupied(first) => {
                let mut at = *first.get();
                loop {
                    if self.items[at] == diagnostic {
                        return;
                    }
                    match self.next[at] {
                        Some(next) => at = next,
                        None => break,
                    }
                }
                self.next[at] = Some(index);
            }
        }
        self.items.push(diagnostic);
        self.next.push(None);
    }

    pub fn extend(&mut self, diagnostics: impl IntoIterator<Item = Diagnostic>) {
        for d in diagnostics {
            self.push(d);
        }
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity() == Severity::Error)
    }

    pub fn error_count(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity() == Severity::Error)
            .count()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Sorted by file and position, errors and warnings interleaved, so that
    /// output does not depend on the order stages ran in.
    pub fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.items.sort_by(|a, b| {
            (
                a.primary.span.file,
                a.primary.span.start,
                a.primary.span.end,
                a.code,
            )
                .cmp(&(
                    b.primary.span.file,
                    b.primary.span.start,
                    b.primary.span.end,
                    b.code,
                ))
        });
        self.items
    }

    /// In the order they were reported.
    pub fn into_unsorted(self) -> Vec<Diagnostic> {
        self.items
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }
}
