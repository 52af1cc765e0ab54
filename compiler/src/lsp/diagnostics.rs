//! Diagnostics for the editor: the compiler's own `Diagnostic` data (the
//! one rendering path), converted field for field. The code and message
//! are the CLI's; the primary span is the range; every label, the primary
//! one first, becomes related information; the help follows the message.

use std::collections::{BTreeMap, HashMap};

use lsp_types::{
    DiagnosticRelatedInformation, DiagnosticSeverity, DiagnosticTag, Location, NumberOrString,
};

use super::position::LineIndex;
use super::project::Project;
use super::uri::DocId;
use crate::diagnostics::{Code, Diagnostic, Label, Severity};
use crate::source::{FileId, Span};
use crate::Compilation;

/// The diagnostics of every file of the platform, an empty list for a file
/// without any (so that the editor clears what it showed before).
pub fn by_document(project: &Project) -> BTreeMap<DocId, Vec<lsp_types::Diagnostic>> {
    let c = &project.compilation;
    let mut converter = Converter {
        compilation: c,
        lines: HashMap::new(),
    };
    let mut out: BTreeMap<DocId, Vec<lsp_types::Diagnostic>> = project
        .user_files()
        .map(|(_, path)| (DocId::File(path), Vec::new()))
        .collect();
    for diagnostic in &project.diagnostics {
        let Some(doc) = DocId::of_file(c, diagnostic.span().file) else {
            continue;
        };
        let converted = converter.convert(diagnostic);
        out.entry(doc).or_default().push(converted);
    }
    out
}

struct Converter<'c> {
    compilation: &'c Compilation,
    lines: HashMap<FileId, LineIndex<'c>>,
}

impl<'c> Converter<'c> {
    fn range(&mut self, span: Span) -> lsp_types::Range {
        let c = self.compilation;
        self.lines
            .entry(span.file)
            .or_insert_with(|| LineIndex::new(&c.sources.get(span.file).text))
            .span_range(span)
    }

    fn convert(&mut self, d: &Diagnostic) -> lsp_types::Diagnostic {
        let mut message = d.message.clone();
        if !d.help.is_empty() {
            message.push_str("\nhelp: ");
            message.push_str(&d.help);
        }
        let labels = std::iter::once(&d.primary)
            .chain(&d.labels)
            .filter(|l| !l.message.is_empty());
        let related: Vec<DiagnosticRelatedInformation> =
            labels.filter_map(|label| self.related(label)).collect();
        let unnecessary = matches!(d.code, Code::UnusedImport | Code::UnusedDeclaration);
        lsp_types::Diagnostic {
            range: self.range(d.span()),
            severity: Some(match d.severity() {
                Severity::Error => DiagnosticSeverity::ERROR,
                Severity::Warning => DiagnosticSeverity::WARNING,
            }),
            code: Some(NumberOrString::String(d.code.as_str().to_string())),
            code_description: None,
            source: Some("hplc".into()),
            message,
            related_information: (!related.is_empty()).then_some(related),
            tags: unnecessary.then(|| vec![DiagnosticTag::UNNECESSARY]),
            data: None,
        }
    }

    fn related(&mut self, label: &Label) -> Option<DiagnosticRelatedInformation> {
        let uri = DocId::of_file(self.compilation, label.span.file)?.uri()?;
        let range = self.range(label.span);
        Some(DiagnosticRelatedInformation {
            location: Location { uri, range },
            message: label.message.clone(),
        })
    }
}
