//! The compiler's stages flow one way (docs/architecture.md): a module
//! names only modules of earlier stages, the backends do not name each
//! other, and no two files of one directory name each other in a cycle.
//!
//! Dependencies are read from the sources: every `use` item and every path
//! written as `crate::a::b` or `super::x`, resolved to the file that holds
//! the module they name.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The top-level modules in the order of the pipeline: each may depend on
/// those before it, never on those after.
const STAGES: &[&str] = &[
    // The binary's memory allocator: below every stage, naming none.
    "allocator",
    "source",
    "diagnostics",
    "embedded",
    "syntax",
    "resolve",
    "types",
    "model",
    "graph",
    "placement",
    "clouds",
    "components",
    "queue_scaling",
    "object_storage",
    "images",
    "admission",
    "safety",
    "emit",
    // What a build needs from the cluster's inputs: it asks the Terraform
    // backend what the tree reserves.
    "build_inputs",
    "pipeline",
    "chart_render",
    "fmt",
    "synth",
    "lsp",
];

/// The backends under `emit/`: each builds on the shared layers of `emit/`
/// (`yaml`, `kube`, `output`, the `Context`), never on another backend.
const BACKENDS: &[&str] = &["k8s", "grafana", "terraform", "charts", "dns"];

/// A module path (`emit::k8s::scaling`) for every source file.
fn modules(src: &Path) -> BTreeMap<Vec<String>, PathBuf> {
    let mut found = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(src).expect("below src");
                if relative.starts_with("bin") {
                    continue;
                }
                let mut parts: Vec<String> = relative
                    .with_extension("")
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
                    parts.pop();
                }
                found.insert(parts, path);
            }
        }
    }
    found
}

/// The paths a file names: `use` trees flattened, and inline
/// `crate::`/`super::` paths, as written (`super::labels::of`).
fn named_paths(text: &str) -> Vec<String> {
    let mut paths = Vec::new();
    // Test modules may reach anywhere; they are not part of the pipeline.
    let text = text.split("#[cfg(test)]").next().unwrap_or(text);
    // `use` items start a line (after any visibility) and end at `;`.
    let mut item: Option<String> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if item.is_none() {
            let visible = trimmed
                .strip_prefix("pub(crate) ")
                .or_else(|| trimmed.strip_prefix("pub "))
                .unwrap_or(trimmed);
            if let Some(tree) = visible.strip_prefix("use ") {
                item = Some(String::new());
                item.as_mut().expect("just set").push_str(tree);
            }
        } else if let Some(tree) = item.as_mut() {
            tree.push_str(trimmed);
        }
        if let Some(tree) = item.take() {
            match tree.split_once(';') {
                Some((whole, _)) => flatten(whole, "", &mut paths),
                None => item = Some(tree),
            }
        }
    }
    for prefix in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(at) = text[from..].find(prefix) {
            let start = from + at;
            let end = text[start..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .map_or(text.len(), |e| start + e);
            paths.push(text[start..end].trim_end_matches(':').to_string());
            from = end;
        }
    }
    paths
}

/// `a::{b, c::{d}}` to `a::b`, `a::c::d`.
fn flatten(tree: &str, prefix: &str, out: &mut Vec<String>) {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let head = tree[..open].trim().trim_end_matches("::");
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let base = join(prefix, head);
        let mut depth = 0;
        let mut start = 0;
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    flatten(&inner[start..i], &base, out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        flatten(&inner[start..], &base, out);
    } else if !tree.is_empty() {
        let item = tree.split(" as ").next().unwrap_or(tree).trim();
        out.push(join(prefix, item));
    }
}

fn join(prefix: &str, rest: &str) -> String {
    match (prefix.is_empty(), rest.is_empty()) {
        (true, _) => rest.to_string(),
        (_, true) => prefix.to_string(),
        _ => format!("{prefix}::{rest}"),
    }
}

/// The module a written path names, from the file at `from`: the longest
/// known module prefix of the absolute path.
fn resolve(
    path: &str,
    from: &[String],
    known: &BTreeMap<Vec<String>, PathBuf>,
) -> Option<Vec<String>> {
    let mut parts: Vec<&str> = path.split("::").collect();
    let mut absolute: Vec<String> = match parts.first() {
        Some(&"crate") => {
            parts.remove(0);
            Vec::new()
        }
        Some(&"super") | Some(&"self") => {
            // `super` of the module `a::b` is `a`, whether it is the file
            // `a/b.rs` or `a/b/mod.rs`; `self` is `a::b`.
            let mut base = from.to_vec();
            if parts[0] == "super" {
                base.pop();
            }
            parts.remove(0);
            while parts.first() == Some(&"super") {
                base.pop();
                parts.remove(0);
            }
            base
        }
        _ => return None,
    };
    absolute.extend(parts.iter().map(|p| p.to_string()));
    while !absolute.is_empty() {
        if known.contains_key(&absolute) {
            return Some(absolute);
        }
        absolute.pop();
    }
    None
}

/// Every file's dependencies on other files, by module path.
fn dependencies() -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let known = modules(&src);
    let mut graph = BTreeMap::new();
    for (module, file) in &known {
        let text = std::fs::read_to_string(file).expect("read source");
        let targets: BTreeSet<Vec<String>> = named_paths(&text)
            .iter()
            .filter_map(|p| resolve(p, module, &known))
            .filter(|t| t != module)
            .collect();
        graph.insert(module.clone(), targets);
    }
    graph
}

fn show(module: &[String]) -> String {
    if module.is_empty() {
        "crate".into()
    } else {
        module.join("::")
    }
}

#[test]
fn stages_depend_only_on_earlier_stages() {
    let rank = |module: &[String]| {
        module
            .first()
            .and_then(|top| STAGES.iter().position(|s| s == top))
    };
    let mut wrong = Vec::new();
    for (module, targets) in dependencies() {
        let Some(own) = rank(&module) else { continue };
        for target in targets {
            if let Some(other) = rank(&target) {
                if other > own {
                    wrong.push(format!("{} names {}", show(&module), show(&target)));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "a stage names a later one:\n{}",
        wrong.join("\n")
    );
    // Every top-level module has its place in the order.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for module in modules(&src).keys().filter(|m| m.len() == 1) {
        assert!(
            STAGES.contains(&module[0].as_str()),
            "{} is in no stage: add it to STAGES",
            show(module)
        );
    }
}

#[test]
fn backends_do_not_name_each_other() {
    let mut wrong = Vec::new();
    for (module, targets) in dependencies() {
        let backend = |m: &[String]| {
            (m.len() >= 2 && m[0] == "emit" && BACKENDS.contains(&m[1].as_str()))
                .then(|| m[1].clone())
        };
        let Some(own) = backend(&module) else {
            continue;
        };
        for target in targets {
            if backend(&target).is_some_and(|other| other != own) {
                wrong.push(format!("{} names {}", show(&module), show(&target)));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "a backend names another:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_two_files_of_a_directory_name_each_other_in_a_cycle() {
    let graph = dependencies();
    let mut cycles = Vec::new();
    // Siblings: the same parent module, neither of them that parent.
    for (module, targets) in &graph {
        let parent = &module[..module.len().saturating_sub(1)];
        let siblings: Vec<&Vec<String>> = targets
            .iter()
            .filter(|t| t.len() == module.len() && t.starts_with(parent))
            .collect();
        for sibling in siblings {
            if let Some(path) = reaches(&graph, sibling, module, parent) {
                if module < sibling {
                    cycles.push(format!(
                        "{} -> {}",
                        show(module),
                        path.iter()
                            .map(|m| show(m))
                            .collect::<Vec<_>>()
                            .join(" -> ")
                    ));
                }
            }
        }
    }
    assert!(
        cycles.is_empty(),
        "files that name each other:\n{}",
        cycles.join("\n")
    );
}

/// A path from `from` to `to` through siblings under `parent`.
fn reaches(
    graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
    from: &[String],
    to: &[String],
    parent: &[String],
) -> Option<Vec<Vec<String>>> {
    let mut stack = vec![vec![from.to_vec()]];
    let mut seen = BTreeSet::new();
    while let Some(path) = stack.pop() {
        let last = path.last().expect("non-empty").clone();
        if last == to {
            return Some(path);
        }
        if !seen.insert(last.clone()) {
            continue;
        }
        for next in graph.get(&last).into_iter().flatten() {
            if next.len() == to.len() && next.starts_with(parent) {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push(longer);
            }
        }
    }
    None
}

#[test]
fn the_reader_resolves_paths_as_rust_does() {
    let mut known = BTreeMap::new();
    for m in [
        vec![],
        vec!["emit".to_string()],
        vec!["emit".into(), "kube".into()],
        vec!["emit".into(), "kube".into(), "labels".into()],
        vec!["emit".into(), "k8s".into()],
        vec!["emit".into(), "k8s".into(), "pod".into()],
    ] {
        known.insert(m, PathBuf::new());
    }
    let pod = vec!["emit".to_string(), "k8s".into(), "pod".into()];
    let mut paths = Vec::new();
    flatten(
        "crate::emit::{kube::labels, yaml::{s, map}}",
        "",
        &mut paths,
    );
    assert_eq!(
        paths,
        [
            "crate::emit::kube::labels",
            "crate::emit::yaml::s",
            "crate::emit::yaml::map"
        ]
    );
    assert_eq!(
        resolve("crate::emit::kube::labels::of", &pod, &known),
        Some(vec!["emit".into(), "kube".into(), "labels".into()])
    );
    assert_eq!(
        resolve("super::Context", &pod, &known),
        Some(vec!["emit".into(), "k8s".into()])
    );
    assert_eq!(
        resolve("self::pod", &["emit".into(), "k8s".into()], &known),
        Some(pod.clone())
    );
    assert_eq!(
        resolve(
            "super::kube::labels",
            &["emit".into(), "k8s".into()],
            &known
        ),
        Some(vec!["emit".into(), "kube".into(), "labels".into()])
    );
}
