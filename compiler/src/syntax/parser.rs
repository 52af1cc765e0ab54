//! From text to [`ast::Module`](super::ast::Module): the lexer and the token
//! grammar read a file without errors (`tokens.rs`); a file they cannot
//! read is parsed again by the text grammar (`text.rs`), which recovers from
//! errors and describes them. A large file is cut into parts parsed side by
//! side.

use super::ast::*;
use crate::diagnostics::Diagnostic;
use crate::source::FileId;

pub fn parse(file: FileId, text: &str) -> (Module, Vec<Diagnostic>) {
    let large = (super::parts::MIN_BYTES..=super::limits::MAX_FILE_BYTES).contains(&text.len());
    if !large {
        if let Some(limit) = super::limits::check(file, text) {
            return (Module::default(), vec![limit]);
        }
        return parse_part(file, text, 0);
    }
    let threads = crate::workers().max(1);
    let (limit, cuts) = limits_and_cuts(file, text, threads);
    if let Some(limit) = limit {
        return (Module::default(), vec![limit]);
    }
    if let Some(module) = parse_in_parts(file, text, &cuts, threads) {
        return (module, Vec::new());
    }
    parse_part(file, text, 0)
}

/// The limits check of a large file and the offsets it is cut at: each is
/// a pass over the whole text before any part can be parsed, so with two
/// cores they run side by side. The cuts are thrown away when a limit is
/// breached.
fn limits_and_cuts(file: FileId, text: &str, threads: usize) -> (Option<Diagnostic>, Vec<usize>) {
    let parts = threads.max(text.len().div_ceil(super::parts::PART_BYTES));
    let cut = || super::parts::cuts(text, parts);
    if threads < 2 {
        let limit = super::limits::check(file, text);
        let cuts = if limit.is_none() { cut() } else { Vec::new() };
        return (limit, cuts);
    }
    std::thread::scope(|scope| {
        let cutting = std::thread::Builder::new()
            .name("hplc-cut".into())
            .spawn_scoped(scope, cut);
        let limit = super::limits::check(file, text);
        let cuts = match cutting.map(|t| t.join()) {
            Ok(Ok(cuts)) => cuts,
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            Err(_) => cut(),
        };
        (limit, cuts)
    })
}

/// A large file cut at item boundaries (`parts.rs`, the offsets `cuts`)
/// into parts of about [`PART_BYTES`](super::parts::PART_BYTES), parsed
/// side by side on up to `threads` threads, parsing being most of a large
/// compile. Each thread parses a run of consecutive parts one after the
/// other: a part's token queue is freed before the next is parsed, so the
/// queues' memory is touched once per thread rather than once per byte of
/// the file. `None` when the file cannot be cut or a part has an error:
/// errors come from parsing the whole file, so that they are the same
/// however it was cut.
fn parse_in_parts(file: FileId, text: &str, cuts: &[usize], threads: usize) -> Option<Module> {
    if cuts.is_empty() {
        return None;
    }
    let bounds: Vec<(usize, usize)> = std::iter::once(0)
        .chain(cuts.iter().copied())
        .zip(cuts.iter().copied().chain(std::iter::once(text.len())))
        .collect();
    let per_thread = bounds.len().div_ceil(threads);
    let parsed: Vec<Option<Vec<Module>>> = std::thread::scope(|scope| {
        let threads: Vec<_> = bounds
            .chunks(per_thread)
            .map(|run| {
                std::thread::Builder::new()
                    .name("hplc-parse".into())
                    // The grammar recurses per bracket; the depth limit
                    // bounds it, as on the compiling thread.
                    .stack_size(crate::COMPILE_STACK_BYTES)
                    .spawn_scoped(scope, move || {
                        run.iter()
                            .map(|&(start, end)| {
                                let (module, errors) = parse_part(file, &text[start..end], start);
                                errors.is_empty().then_some(module)
                            })
                            .collect::<Option<Vec<Module>>>()
                    })
            })
            .collect();
        threads
            .into_iter()
            .map(|t| t.ok().and_then(|t| t.join().ok()).flatten())
            .collect()
    });
    let parsed: Vec<Vec<Module>> = parsed.into_iter().collect::<Option<_>>()?;
    // Sized once: grown by doubling, the list of a large file's items was
    // copied into fresh memory about as many times as it has parts.
    let count = parsed.iter().flatten().map(|m| m.items.len()).sum();
    let mut items = Vec::with_capacity(count);
    for module in parsed.into_iter().flatten() {
        items.extend(module.items);
    }
    Some(Module { items })
}

/// Parses `text`, which starts at byte `base` of the file: by tokens, or,
/// when that finds a syntax error, by text.
fn parse_part(file: FileId, text: &str, base: usize) -> (Module, Vec<Diagnostic>) {
    super::tokens::parse(file, text, base).unwrap_or_else(|| super::text::parse(file, text, base))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Code;
    use crate::syntax::text;

    /// `text` cut as `parse` cuts it for `threads` and parsed in parts.
    fn parse_in_parts_on(text: &str, threads: usize) -> Option<Module> {
        let (limit, cuts) = limits_and_cuts(FileId::default(), text, threads);
        assert!(limit.is_none(), "{limit:?}");
        parse_in_parts(FileId::default(), text, &cuts, threads)
    }

    /// The limits of a large file are checked beside its cutting, and a
    /// breach is still the one diagnostic.
    #[test]
    fn a_large_file_over_a_limit_is_refused_whole() {
        let mut text = crate::synth::platform(1500);
        let at = text.len() / 2;
        let line = at + text[at..].find('\n').expect("a line") + 1;
        let long = format!(
            "let long = \"{}\"\n",
            "x".repeat(super::super::limits::MAX_LINE_BYTES)
        );
        text.insert_str(line, &long);
        for threads in [1, 2] {
            let (limit, _) = limits_and_cuts(FileId::default(), &text, threads);
            let limit = limit.expect("a line too long");
            assert_eq!(limit.code, Code::LineTooLong);
            assert_eq!(limit.span().start as usize, line);
        }
        let (module, errors) = parse(FileId::default(), &text);
        assert!(module.items.is_empty());
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].code, Code::LineTooLong);
    }

    #[test]
    fn a_file_parsed_in_parts_is_the_file_parsed_whole() {
        let text = crate::synth::platform(300);
        let (whole, errors) = parse_part(FileId::default(), &text, 0);
        assert_eq!(
            (whole.clone(), errors.clone()),
            text::parse(FileId::default(), &text, 0)
        );
        assert!(errors.is_empty(), "{errors:?}");
        for threads in [2, 3, 8] {
            let cut = parse_in_parts_on(&text, threads).expect("cut");
            assert_eq!(cut, whole, "on {threads} threads");
        }
    }

    /// A file of several parts a thread: each thread's parts one after the
    /// other, and their items in the file's order.
    #[test]
    fn a_file_of_more_parts_than_threads_is_the_file_parsed_whole() {
        let text = crate::synth::platform(1500);
        assert!(text.len() > 4 * crate::syntax::parts::PART_BYTES);
        let (whole, errors) = parse_part(FileId::default(), &text, 0);
        assert!(errors.is_empty(), "{errors:?}");
        for threads in [1, 2, 3] {
            let cut = parse_in_parts_on(&text, threads).expect("cut");
            assert_eq!(cut, whole, "on {threads} threads");
        }
    }

    #[test]
    fn string_text_stops_only_at_quotes_escapes_interpolations_and_new_lines() {
        let text = "let s = \"a $5 ${x}$ é // kept\\\"\" // a comment, é \"\n";
        let (module, errors) = parse(FileId::default(), text);
        assert!(errors.is_empty(), "{errors:?}");
        let [Item::Let(decl)] = module.items.as_slice() else {
            panic!("one let: {module:?}")
        };
        let ExprKind::Str(parts) = &decl.value.kind else {
            panic!("a string: {:?}", decl.value)
        };
        let shape: Vec<String> = parts
            .iter()
            .map(|part| match part {
                StrPart::Text(text, _) => format!("text {text:?}"),
                StrPart::Interp(_) => "interp".to_string(),
            })
            .collect();
        assert_eq!(
            shape,
            ["text \"a $5 \"", "interp", "text \"$ é // kept\\\"\""]
        );
    }

    #[test]
    fn an_error_in_a_part_is_reported_as_for_the_whole_file() {
        let mut text = crate::synth::platform(300);
        let at = text.len() * 3 / 4;
        let line = at + text[at..].find("\n  cpu").expect("a cpu line") + 1;
        text.insert_str(line, "  cpu == 1\n");
        assert!(parse_in_parts_on(&text, 2).is_none());
        let (_, errors) = parse(FileId::default(), &text);
        let (_, whole) = parse_part(FileId::default(), &text, 0);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].span(), whole[0].span());
        let start = errors[0].span().start as usize;
        assert!(
            (line..line + 10).contains(&start),
            "{start} not on line {line}"
        );
    }

    /// Every `.hpl` file of the repository.
    fn repository_sources() -> Vec<String> {
        fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let name = entry.file_name();
                if path.is_dir() && name != "target" && name != ".git" {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "hpl") {
                    out.extend(std::fs::read_to_string(&path).ok());
                }
            }
        }
        let mut out = Vec::new();
        walk(
            std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")),
            &mut out,
        );
        out
    }

    /// The fast path reads a file only when the text grammar finds no
    /// syntax error in it, and then builds the same tree, spans included:
    /// checked on every file of the repository and on edits of them that
    /// break or bend them (a character deleted, or one that the lexer
    /// treats specially put in).
    #[test]
    fn tokens_and_text_give_the_same_tree() {
        let sources = repository_sources();
        assert!(sources.len() > 50, "{} files", sources.len());
        const INSERTS: [&str; 16] = [
            " ", "\n", "{", "}", "\"", "-", ".", "..=", "${", "//", "1", "a", "true", "5Gi", "\\",
            "%",
        ];
        let mut seed: u64 = 0x5eed;
        let mut next = move |bound: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize % bound.max(1)
        };
        let (mut same, mut failed) = (0, 0);
        for source in sources.iter().filter(|s| s.len() < 4096) {
            for round in 0..12 {
                let mut text = source.clone();
                if round > 0 {
                    let mut at = next(text.len() + 1);
                    while !text.is_char_boundary(at) {
                        at -= 1;
                    }
                    if round % 3 == 0 && at < text.len() {
                        text.remove(at);
                    } else {
                        text.insert_str(at, INSERTS[next(INSERTS.len())]);
                    }
                }
                let file = FileId::default();
                let by_text = text::parse(file, &text, 0);
                match crate::syntax::tokens::parse(file, &text, 0) {
                    Some(by_tokens) => {
                        assert_eq!(by_tokens, by_text, "{text}");
                        same += 1;
                    }
                    None => {
                        assert!(
                            !by_text.1.is_empty(),
                            "the tokens refused a good file:\n{text}"
                        );
                        failed += 1;
                    }
                }
            }
        }
        // Unknown escapes are errors of the tree builder, on either path,
        // and as many are reported.
        let escapes = "let s = \"\\q\"\n".repeat(30);
        let by_tokens = crate::syntax::tokens::parse(FileId::default(), &escapes, 0);
        let by_text = text::parse(FileId::default(), &escapes, 0);
        assert_eq!(by_text.1.len(), 20);
        assert_eq!(by_tokens, Some(by_text));
        // Both ways are exercised.
        assert!(
            same > 200 && failed > 100,
            "{same} read by tokens, {failed} not"
        );
    }
}
