//! The source of a human report, read through a line index.
//!
//! miette reads a snippet by walking the whole text from its first byte to
//! count lines, so each report cost the size of the file: a platform of 2 MB
//! with a thousand warnings took seconds to print. [`Indexed`] gives miette
//! the same answer from a few lines around the span: the file's line starts
//! are found once ([`LineIndex`], shared by every report on the file), and
//! miette's own reader runs on a window of whole lines, its line numbers
//! shifted back to the file's. The output is byte for byte what miette
//! prints when it reads the whole text.

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

/// Where every line starts, with miette's idea of a line break: `\n`,
/// `\r\n`, or a `\r` alone.
#[derive(Debug)]
pub(super) struct LineIndex {
    /// The offset after each line break, after a 0 for the first line.
    starts: Vec<usize>,
}

impl LineIndex {
    pub(super) fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        // memchr rather than a test of every byte: the file is read whole
        // (2 MB for a large platform) before its first report is drawn.
        for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
            let breaks = bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n');
            if breaks {
                starts.push(i + 1);
            }
        }
        LineIndex { starts }
    }

    /// The 0-based line that holds `offset`.
    fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset) - 1
    }
}

/// A named source file whose spans are read through its [`LineIndex`].
#[derive(Debug)]
pub(super) struct Indexed<'a> {
    pub(super) name: &'a str,
    pub(super) text: &'a str,
    pub(super) lines: &'a LineIndex,
}

/// Lines of margin beyond the context miette asks for, so that its reader
/// sees the window start and end as it would see the whole file.
const MARGIN: usize = 2;

impl SourceCode for Indexed<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let starts = &self.lines.starts;
        let first = self.lines.line(span.offset());
        let last = self
            .lines
            .line((span.offset() + span.len()).saturating_sub(1));
        // Whole lines only: a window boundary is right after a line break
        // (never inside `\r\n`), or an end of the file.
        let from_line = first.saturating_sub(context_lines_before + MARGIN);
        let to_line = last + context_lines_after + MARGIN + 1;
        let from = starts[from_line];
        let to = starts.get(to_line).copied().unwrap_or(self.text.len());
        let window = &self.text.as_bytes()[from..to];
        let local = SourceSpan::new((span.offset().saturating_sub(from)).into(), span.len());
        let read = window.read_span(&local, context_lines_before, context_lines_after)?;
        // miette counts lines (and the breaks it passed, `line_count`) from
        // the start of what it reads: add the lines before the window.
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            read.data(),
            SourceSpan::new((read.span().offset() + from).into(), read.span().len()),
            read.line() + from_line,
            read.column(),
            read.line_count() + from_line,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field of what miette reads, for comparison.
    fn read(source: &dyn SourceCode, span: SourceSpan, context: usize) -> String {
        match source.read_span(&span, context, context) {
            Ok(c) => format!(
                "{:?} {:?} {} {} {} {:?}",
                std::str::from_utf8(c.data()),
                c.span(),
                c.line(),
                c.column(),
                c.line_count(),
                c.name()
            ),
            Err(e) => format!("{e:?}"),
        }
    }

    #[test]
    fn a_window_reads_as_the_whole_file() {
        let text = "a\nbb\r\ncc c\rd\n\n  é e\nf\n\ng = 1\nh {\n  i\n}\n".repeat(3);
        let lines = LineIndex::new(&text);
        let indexed = Indexed {
            name: "f.hpl",
            text: &text,
            lines: &lines,
        };
        let whole = miette::NamedSource::new("f.hpl", text.clone());
        for start in 0..=text.len() {
            for len in [0, 1, 2, 5, 17] {
                if !text.is_char_boundary(start)
                    || !text.is_char_boundary((start + len).min(text.len()))
                {
                    continue;
                }
                let span = SourceSpan::new(start.into(), len);
                for context in [0, 1, 3] {
                    assert_eq!(
                        read(&indexed, span, context),
                        read(&whole, span, context),
                        "span {start}+{len}, context {context}"
                    );
                }
            }
        }
    }
}
