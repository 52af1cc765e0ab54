//! The renderers: a human report through miette, and the versioned JSON
//! document for editors and CI. Both read the same [`Diagnostic`] data.

use std::collections::HashMap;
use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceSpan};
use serde::Serialize;

use super::lines::{Indexed, LineIndex};
use super::{Code, Diagnostic, Label, Severity};
use crate::source::{FileId, SourceMap, Span};

/// Version of the JSON document; bumped on any incompatible change.
pub const JSON_VERSION: u32 = 1;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Style {
    /// Unicode frame, no colour: files, pipes and snapshots.
    Plain,
    /// Unicode frame and ANSI colour: a terminal.
    Colour,
}

/// Which diagnostics a human report draws in full.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Shown {
    /// Every one.
    All,
    /// Every error, and the first `n` warnings of each code; the others of
    /// that code are counted in one line at the end, as compilers do, so
    /// that a thousand of one warning do not bury everything else.
    FirstWarnings(usize),
}

/// How many warnings of one code `hplc` draws before it counts the rest.
pub const WARNINGS_PER_CODE: usize = 5;

/// Renders the diagnostics as miette draws them (without the summary line).
/// Each source file is indexed by line once, for all of its reports.
pub fn human(
    diagnostics: &[Diagnostic],
    sources: &SourceMap,
    style: Style,
    shown: Shown,
) -> String {
    let theme = match style {
        Style::Plain => GraphicalTheme::unicode_nocolor(),
        Style::Colour => GraphicalTheme::unicode(),
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false);
    let mut indexes: HashMap<FileId, LineIndex> = HashMap::new();
    for diagnostic in diagnostics {
        for label in std::iter::once(&diagnostic.primary).chain(&diagnostic.labels) {
            let file = label.span.file;
            indexes
                .entry(file)
                .or_insert_with(|| LineIndex::new(&sources.get(file).text));
        }
    }
    let mut out = String::new();
    // Warnings drawn and held back, by code; codes in order of first sight.
    let mut warnings: Vec<(Code, usize, usize)> = Vec::new();
    for diagnostic in diagnostics {
        if let (Shown::FirstWarnings(limit), Severity::Warning) = (shown, diagnostic.severity()) {
            let i = match warnings
                .iter()
                .position(|(code, ..)| *code == diagnostic.code)
            {
                Some(i) => i,
                None => {
                    warnings.push((diagnostic.code, 0, 0));
                    warnings.len() - 1
                }
            };
            let (_, drawn, held) = &mut warnings[i];
            if *drawn == limit {
                *held += 1;
                continue;
            }
            *drawn += 1;
        }
        let report = Report::new(diagnostic, sources, &indexes);
        // Writing into a String cannot fail.
        let _ = handler.render_report(&mut out, &report);
    }
    for (code, _, held) in warnings.into_iter().filter(|(.., held)| *held > 0) {
        out.push_str(&held_back(code, held));
    }
    out
}

/// The line that counts the warnings of one code not drawn.
fn held_back(code: Code, held: usize) -> String {
    let (more, them) = if held == 1 {
        ("warning", "it")
    } else {
        ("warnings", "them all")
    };
    format!(
        "{code}: {held} more {more} like the above ({title}); --all-warnings shows {them}\n",
        code = code.as_str(),
        title = code.title(),
    )
}

/// One line: "2 errors, 1 warning".
pub fn summary(diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity() == Severity::Error)
        .count();
    let warnings = diagnostics.len() - errors;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

/// How many lines a secondary label may be from the primary one and still
/// share its frame.
const NEAR_LINES: usize = 6;

/// A miette view of one diagnostic. Labels in the primary file are drawn on
/// its source; labels in other files become related reports of their own.
struct Report<'a> {
    diagnostic: &'a Diagnostic,
    source: Indexed<'a>,
    labels: Vec<LabeledSpan>,
    related: Vec<Related<'a>>,
}

struct Related<'a> {
    label: &'a Label,
    source: Indexed<'a>,
}

impl<'a> Report<'a> {
    fn new(
        diagnostic: &'a Diagnostic,
        sources: &'a SourceMap,
        indexes: &'a HashMap<FileId, LineIndex>,
    ) -> Report<'a> {
        let file = diagnostic.primary.span.file;
        // The text is read in place, through the file's line index.
        let named = |span: Span| {
            let f = sources.get(span.file);
            Indexed {
                name: &f.name,
                text: &f.text,
                lines: &indexes[&span.file],
            }
        };
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            Some(diagnostic.primary.message.clone()).filter(|m| !m.is_empty()),
            source_span(diagnostic.primary.span),
        )];
        let mut related = Vec::new();
        let primary_file = sources.get(file);
        let primary_line = primary_file.line_col(diagnostic.primary.span.start).0;
        for label in &diagnostic.labels {
            // A label far from the primary one is drawn as its own snippet:
            // one frame would print every line in between.
            let near = label.span.file == file
                && primary_file
                    .line_col(label.span.start)
                    .0
                    .abs_diff(primary_line)
                    <= NEAR_LINES;
            if near {
                labels.push(LabeledSpan::new_with_span(
                    Some(label.message.clone()),
                    source_span(label.span),
                ));
            } else {
                related.push(Related {
                    label,
                    source: named(label.span),
                });
            }
        }
        Report {
            diagnostic,
            source: named(diagnostic.primary.span),
            labels,
            related,
        }
    }
}

fn source_span(span: Span) -> SourceSpan {
    SourceSpan::new((span.start as usize).into(), span.len())
}

/// miette's reports are errors: `Debug` and `Display` both print the
/// message.
macro_rules! error_with_message {
    ($report:ident, $($message:ident).+) => {
        impl fmt::Debug for $report<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.$($message).+)
            }
        }

        impl fmt::Display for $report<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.$($message).+)
            }
        }

        impl std::error::Error for $report<'_> {}
    };
}

error_with_message!(Report, diagnostic.message);
error_with_message!(Related, label.message);

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diagnostic.code.as_str()))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity() {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(&self.diagnostic.help)
            .filter(|h| !h.is_empty())
            .map(|h| Box::new(h) as _)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }
}

impl miette::Diagnostic for Related<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        None
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(None, source_span(self.label.span)),
        )))
    }
}

#[derive(Serialize)]
struct JsonDocument<'a> {
    version: u32,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'static str,
    severity: &'static str,
    message: &'a str,
    #[serde(flatten)]
    location: JsonLocation<'a>,
    labels: Vec<JsonLabel<'a>>,
    help: &'a str,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    message: &'a str,
    #[serde(flatten)]
    location: JsonLocation<'a>,
}

#[derive(Serialize)]
struct JsonLocation<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    start: u32,
    end: u32,
}

fn location(span: Span, sources: &SourceMap) -> JsonLocation<'_> {
    let file = sources.get(span.file);
    let (line, column) = file.line_col(span.start);
    let (end_line, end_column) = file.line_col(span.end);
    JsonLocation {
        file: &file.name,
        line,
        column,
        end_line,
        end_column,
        start: span.start,
        end: span.end,
    }
}

/// The versioned JSON document described in `docs/diagnostics-json.md`. The
/// primary label comes first in `labels`.
pub fn json(diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
    let document = JsonDocument {
        version: JSON_VERSION,
        diagnostics: diagnostics
            .iter()
            .map(|d| JsonDiagnostic {
                code: d.code.as_str(),
                severity: d.severity().as_str(),
                message: &d.message,
                location: location(d.primary.span, sources),
                labels: std::iter::once(&d.primary)
                    .chain(&d.labels)
                    .map(|l| JsonLabel {
                        message: &l.message,
                        location: location(l.span, sources),
                    })
                    .collect(),
                help: &d.help,
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&document).expect("diagnostics serialise");
    text.push('\n');
    text
}
