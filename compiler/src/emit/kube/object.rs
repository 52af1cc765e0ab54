//! Kubernetes objects as ordered YAML values, shared by every backend that
//! writes Kubernetes documents (the Grafana backend's ConfigMaps and
//! PrometheusRules too).

use std::borrow::Cow;

use super::labels;
use crate::emit::yaml::{map, s, Value};
use crate::emit::Context;
use crate::model::Service;
use crate::source::Span;

/// The annotation naming the `.hpl` line an object comes from.
pub const SOURCE_ANNOTATION: &str = "hplc.dev/source";
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "hplc");

/// Labels as `object::metadata` takes them: values borrowed from the
/// model where they can be.
pub type Labels<'a> = [(&'static str, Cow<'a, str>)];

/// `metadata`: name, namespace (for namespaced objects), labels (with
/// `app.kubernetes.io/managed-by: hplc`) and the source annotation.
pub fn metadata<'a>(
    context: &Context<'a>,
    name: impl Into<Cow<'a, str>>,
    namespace: Option<&'a str>,
    labels: &Labels<'a>,
    origin: Span,
) -> Value<'a> {
    let mut pairs: Vec<(&str, Value)> = Vec::with_capacity(4);
    pairs.push(("name", s(name)));
    if let Some(ns) = namespace {
        pairs.push(("namespace", s(ns)));
    }
    let mut label_pairs: Vec<(Cow<str>, Value)> = Vec::with_capacity(labels.len() + 1);
    label_pairs.extend(
        labels
            .iter()
            .map(|(k, v)| (Cow::Borrowed(*k), s(v.clone()))),
    );
    if !labels.iter().any(|(k, _)| *k == MANAGED_BY.0) {
        label_pairs.push((Cow::Borrowed(MANAGED_BY.0), s(MANAGED_BY.1)));
    }
    pairs.push(("labels", Value::Map(label_pairs)));
    pairs.push((
        "annotations",
        map([(SOURCE_ANNOTATION, s(context.origin(origin)))]),
    ));
    map(pairs)
}

/// `metadata` of an object generated for a service: in the service's
/// namespace, with its labels ([`labels::of`]).
pub fn service_metadata<'a>(
    context: &Context<'a>,
    service: &'a Service,
    name: impl Into<Cow<'a, str>>,
    origin: Span,
) -> Value<'a> {
    let platform = context.platform;
    metadata(
        context,
        name,
        Some(&platform.namespace_of(service).k8s_name),
        &labels::of(platform, service),
        origin,
    )
}

/// A whole object: `apiVersion`, `kind`, `metadata`, then the rest.
pub fn object<'a>(
    api_version: &'static str,
    kind: &'static str,
    metadata: Value<'a>,
    rest: impl IntoIterator<Item = (&'static str, Value<'a>)>,
) -> Value<'a> {
    let mut pairs: Vec<(&str, Value)> = vec![
        ("apiVersion", s(api_version)),
        ("kind", s(kind)),
        ("metadata", metadata),
    ];
    pairs.extend(rest);
    map(pairs)
}

/// Adds an annotation to a `metadata` built by [`metadata`].
pub fn annotate<'a>(
    metadata: &mut Value<'a>,
    key: impl Into<Cow<'a, str>>,
    value: impl Into<Cow<'a, str>>,
) {
    if let Some(annotations) = metadata.map_at("annotations") {
        annotations.insert(key, s(value));
    }
}
