//! Numbers the Kubernetes API holds in narrower fields than hpl's integers:
//! replicas and an autoscaler's bounds are int32, and an autoscaler's
//! minimum is at least 1.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::Platform;

pub fn check(platform: &Platform, diagnostics: &mut Diagnostics) {
    let max = platform.kubernetes_api.int32_max;
    for (_, service) in platform.deployed() {
        let replicas = service.replicas;
        let field = if service.autoscaled() {
            "the autoscaler's maxReplicas"
        } else {
            "`replicas`"
        };
        let problem = if replicas.limit > max {
            Some((
                format!(
                    "{} replicas of `{}` do not fit {field}, an int32 (at most {})",
                    replicas.limit, service.name, max
                ),
                "above int32".to_string(),
                format!("ask for at most {} replicas", max),
            ))
        } else if replicas.request < 0 {
            Some((
                format!("`{}` asks for {} replicas", service.name, replicas.request),
                "negative".to_string(),
                "replicas run from 0".to_string(),
            ))
        } else if service.autoscaled() && replicas.request < 1 {
            Some((
                format!(
                    "the autoscaler of `{}` would scale down to {} replicas; its minReplicas is at least 1",
                    service.name, replicas.request
                ),
                "minReplicas 0".to_string(),
                "start the range at 1 (`1 ..= N`), or give a fixed number".to_string(),
            ))
        } else {
            None
        };
        if let Some((message, label, help)) = problem {
            diagnostics.push(
                Diagnostic::new(Code::NumberOutOfField, service.replicas_span, message)
                    .label(label)
                    .help(help),
            );
        }
    }
}
