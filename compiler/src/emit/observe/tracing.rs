//! What a service that needs a tracing backend is told: where to send its
//! spans over OTLP and how many to keep, in the environment variables every
//! OpenTelemetry SDK reads
//! (<https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/>).

use crate::emit::kube::address;
use crate::emit::observe::promql;
use crate::emit::Context;
use crate::graph::EdgeKind;
use crate::model::ServiceId;

/// The variables, by name, for the service `id`; none when it needs no
/// tracing backend. Spans go over OTLP/HTTP, kept at the platform's
/// sampling ratio unless the caller's trace was sampled otherwise
/// (parent-based).
pub fn otlp_env(context: &Context, id: ServiceId) -> Vec<(&'static str, String)> {
    let platform = context.platform;
    let service = &platform.services[id];
    let Some(endpoint) = context
        .graph
        .edges_from(id)
        .filter(|e| e.kind == EdgeKind::Needs)
        .find_map(|edge| {
            let backend = &platform.services[edge.to];
            let port = backend.roles.otlp_port.as_deref()?;
            address::url(platform, backend, port)
        })
    else {
        return Vec::new();
    };
    vec![
        ("OTEL_SERVICE_NAME", service.k8s_name.clone()),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf".into()),
        ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio".into()),
        (
            "OTEL_TRACES_SAMPLER_ARG",
            promql::ratio(platform.trace_sampling),
        ),
    ]
}
