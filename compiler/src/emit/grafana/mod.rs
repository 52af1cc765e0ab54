//! The Grafana backend: `grafana/` of the output, and the dashboards and
//! alert rules as Kubernetes objects under `k8s/`.

use super::{Context, Output};

pub fn emit(context: &Context, output: &mut Output) {
    let _ = (context, output);
}
