//! Building Kubernetes objects as ordered YAML values, shared by every
//! backend that writes Kubernetes documents (the Grafana backend's
//! ConfigMaps and PrometheusRules too).

use serde_yaml::{Mapping, Value};

use crate::emit::Context;
use crate::source::Span;

/// The annotation naming the `.hpl` line an object comes from.
pub const SOURCE_ANNOTATION: &str = "hplc.dev/source";
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "hplc");

/// An ordered mapping from `(key, value)` pairs.
pub fn map<K: Into<String>>(pairs: impl IntoIterator<Item = (K, Value)>) -> Value {
    let mut m = Mapping::new();
    for (k, v) in pairs {
        m.insert(Value::String(k.into()), v);
    }
    Value::Mapping(m)
}

pub fn s(text: impl Into<String>) -> Value {
    Value::String(text.into())
}

pub fn n(number: i64) -> Value {
    Value::Number(number.into())
}

pub fn b(flag: bool) -> Value {
    Value::Bool(flag)
}

pub fn list(items: impl IntoIterator<Item = Value>) -> Value {
    Value::Sequence(items.into_iter().collect())
}

/// `metadata`: name, namespace (for namespaced objects), labels (with
/// `app.kubernetes.io/managed-by: hplc`) and the source annotation.
pub fn metadata(context: &Context, name: &str, namespace: Option<&str>, labels: &[(&str, &str)], origin: Span) -> Value {
    let mut pairs: Vec<(String, Value)> = vec![("name".into(), s(name))];
    if let Some(ns) = namespace {
        pairs.push(("namespace".into(), s(ns)));
    }
    let mut label_pairs: Vec<(String, Value)> = labels.iter().map(|(k, v)| (k.to_string(), s(*v))).collect();
    if !labels.iter().any(|(k, _)| *k == MANAGED_BY.0) {
        label_pairs.push((MANAGED_BY.0.into(), s(MANAGED_BY.1)));
    }
    pairs.push(("labels".into(), map(label_pairs)));
    pairs.push(("annotations".into(), map([(SOURCE_ANNOTATION, s(context.origin(origin)))])));
    map(pairs)
}

/// A whole object: `apiVersion`, `kind`, `metadata`, then the rest.
pub fn object(api_version: &str, kind: &str, metadata: Value, rest: impl IntoIterator<Item = (&'static str, Value)>) -> Value {
    let mut pairs: Vec<(String, Value)> = vec![("apiVersion".into(), s(api_version)), ("kind".into(), s(kind)), ("metadata".into(), metadata)];
    pairs.extend(rest.into_iter().map(|(k, v)| (k.to_string(), v)));
    map(pairs)
}

/// Several objects as one multi-document YAML file.
pub fn documents(objects: &[Value]) -> String {
    let mut out = String::new();
    for object in objects {
        out.push_str("---\n");
        out.push_str(&to_yaml(object));
    }
    out
}

/// One value as YAML that YAML 1.1 readers (kubectl's, Prometheus') read
/// back as the same value. serde_yaml writes YAML 1.2, where `yes`, `on`
/// and `off` are strings and need no quotes; a 1.1 reader takes them for
/// booleans (`redis-server --appendonly yes` would become `true`).
pub fn to_yaml(value: &Value) -> String {
    quote_yaml11_booleans(&serde_yaml::to_string(value).expect("YAML values serialise"))
}

const YAML11_BOOLEANS: [&str; 18] =
    ["y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "=", "~"];

/// Quotes plain scalars (after `key: ` or `- `) that YAML 1.1 reads as
/// booleans, leaving the contents of block scalars (`|`) alone.
fn quote_yaml11_booleans(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // The indentation of the line that opened a block scalar, while inside it.
    let mut block: Option<usize> = None;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        let indent = body.len() - body.trim_start().len();
        if let Some(open) = block {
            if body.trim().is_empty() || indent > open {
                out.push_str(line);
                continue;
            }
            block = None;
        }
        let trimmed = body.trim_start();
        // The scalar of `- value`, `key: value` or `- key: value`.
        let mut start = indent;
        let mut rest = trimmed;
        while let Some(after) = rest.strip_prefix("- ") {
            start += 2;
            rest = after;
        }
        if let Some(colon) = rest.find(": ").filter(|_| !rest.starts_with(['\'', '"'])) {
            start += colon + 2;
            rest = &rest[colon + 2..];
        }
        let opens_block = rest.starts_with('|') || rest.starts_with('>');
        if opens_block {
            block = Some(indent);
        }
        if YAML11_BOOLEANS.contains(&rest) {
            out.push_str(&body[..start]);
            out.push_str(&format!("'{rest}'"));
            out.push_str(&line[body.len()..]);
        } else {
            out.push_str(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_what_yaml_1_1_reads_as_booleans() {
        let value = map([
            ("command", list([s("redis-server"), s("--appendonly"), s("yes")])),
            ("flag", s("on")),
            ("script", s("a\n- yes\nb: no\n")),
            ("plain", s("yesterday")),
        ]);
        let text = to_yaml(&value);
        assert!(text.contains("- 'yes'\n"), "{text}");
        assert!(text.contains("flag: 'on'\n"), "{text}");
        assert!(text.contains("  - yes\n  b: no\n"), "block scalars stay as they are: {text}");
        assert!(text.contains("plain: yesterday\n"), "{text}");
        let back: Value = serde_yaml::from_str(&text).expect("parses");
        assert_eq!(back, value);
    }
}

/// Adds an annotation to a `metadata` built by [`metadata`].
pub fn annotate(metadata: &mut Value, key: &str, value: &str) {
    let Value::Mapping(meta) = metadata else { return };
    let annotations = meta.entry(s("annotations")).or_insert_with(|| Value::Mapping(Mapping::new()));
    if let Value::Mapping(a) = annotations {
        a.insert(s(key), s(value));
    }
}
