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
        out.push_str(&serde_yaml::to_string(object).expect("YAML values serialise"));
    }
    out
}
