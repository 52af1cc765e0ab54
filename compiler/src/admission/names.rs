//! Every name hplc writes into a Kubernetes object is a DNS label of at
//! most `name_length` characters (fewer for StatefulSets and CronJobs),
//! and no two declarations may become the same name among objects of one
//! kind in one namespace (`Api` and `api` are both `api`).

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::{k8s_name, Platform};
use crate::source::Span;

/// A name hplc writes, the declaration it comes from and what it names.
struct Written {
    name: String,
    span: Span,
    /// `the Service`, `the StatefulSet`: for the message.
    object: &'static str,
    /// The longest name this object may have.
    limit: usize,
    /// The object kind and namespace (`None`: cluster-wide) within which
    /// it must be unique.
    scope: (&'static str, Option<usize>),
}

pub fn check(platform: &Platform, diagnostics: &mut Diagnostics) {
    let api = &platform.kubernetes_api;
    let mut written = vec![Written {
        name: k8s_name(&platform.name),
        span: platform.span,
        object: "the `app.kubernetes.io/part-of` label value",
        limit: api.name_length,
        scope: ("platform", None),
    }];
    for namespace in platform.namespaces.iter().filter(|n| !n.managed) {
        written.push(Written {
            name: namespace.k8s_name.clone(),
            span: namespace.span,
            object: "the Namespace",
            limit: api.name_length,
            scope: ("Namespace", None),
        });
    }
    for node in &platform.nodes {
        written.push(Written {
            name: node.k8s_name.clone(),
            span: node.span,
            object: "the node label value",
            limit: api.name_length,
            scope: ("node", None),
        });
    }
    for (_, service) in platform.deployed() {
        let namespace = Some(service.namespace);
        let statefulset = service.is_stateful() && !service.placement.daemon;
        written.push(Written {
            name: service.k8s_name.clone(),
            span: service.span,
            object: if statefulset {
                "the StatefulSet"
            } else {
                "the workload and its Service"
            },
            limit: if statefulset {
                api.stateful_set_name_length
            } else {
                api.name_length
            },
            scope: ("workload", namespace),
        });
        let service_name = |name: String, object: &'static str| Written {
            name,
            span: service.span,
            object,
            limit: api.name_length,
            scope: ("Service", namespace),
        };
        if !service.ports.is_empty() || service.pod.exporter.is_some() {
            written.push(service_name(service.k8s_name.clone(), "the Service"));
            if statefulset {
                written.push(service_name(
                    service.headless_name(),
                    "the headless Service",
                ));
            }
            if service.load_balancer.is_some() {
                written.push(service_name(
                    service.public_service_name(),
                    "the LoadBalancer Service",
                ));
            }
        }
        if let Some(backup) = &service.backup {
            for name in [service.backup_job_name(), service.restore_job_name()] {
                written.push(Written {
                    name,
                    span: backup.span,
                    object: "the CronJob",
                    limit: api.cron_job_name_length,
                    scope: ("CronJob", namespace),
                });
            }
        }
    }
    // FxHash, sized once: one entry per name, 23,000 of them at 10,000
    // services, where SipHash and the table's growth showed in profiles.
    let mut first: crate::types::FxHashMap<(&'static str, Option<usize>, &str), &Written> =
        crate::types::FxHashMap::with_capacity_and_hasher(written.len(), Default::default());
    // One report per declaration: its most demanding object.
    let mut reported: Vec<Span> = Vec::new();
    for w in &written {
        if let Some(why) = not_a_label(&w.name, w.limit) {
            if !reported.contains(&w.span) {
                reported.push(w.span);
                diagnostics.push(
                    Diagnostic::new(
                        Code::KubernetesName,
                        w.span,
                        format!("`{}` cannot name {}: {why}", w.name, w.object),
                    )
                    .label(why.clone())
                    .help(format!(
                        "rename it: a Kubernetes name here is at most {} lower-case letters, digits and `-` (written `_` in hpl), starting with a letter and ending with a letter or digit",
                        w.limit
                    )),
                );
            }
            continue;
        }
        let key = (w.scope.0, w.scope.1, w.name.as_str());
        match first.get(&key) {
            Some(earlier) if earlier.span != w.span => {
                diagnostics.push(
                    Diagnostic::new(
                        Code::KubernetesNameClash,
                        w.span,
                        format!(
                            "`{}` would be written as {} `{}`, which another declaration already names",
                            w.name, w.object, w.name
                        ),
                    )
                    .label("becomes the same Kubernetes name")
                    .with_label(earlier.span, format!("{} `{}` comes from here", earlier.object, w.name))
                    .help("rename one of them: names differing only in case, or a name that ends in a suffix hplc appends (`-headless`, `-metrics`), meet in the cluster"),
                );
            }
            Some(_) => {}
            None => {
                first.insert(key, w);
            }
        }
    }
}

/// Why `name` is not a DNS label of at most `limit` characters that starts
/// with a letter (DNS-1035, which Services require of their names).
fn not_a_label(name: &str, limit: usize) -> Option<String> {
    if name.len() > limit {
        return Some(format!("{} characters, at most {limit}", name.len()));
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Some("it does not start with a letter".to_string());
    }
    if name.ends_with('-') {
        return Some("it ends with `-` (a `_` in hpl)".to_string());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::not_a_label;

    #[test]
    fn labels_start_with_a_letter_and_fit() {
        assert_eq!(not_a_label("api", 63), None);
        assert_eq!(not_a_label(&"a".repeat(63), 63), None);
        assert!(not_a_label(&"a".repeat(64), 63)
            .unwrap()
            .contains("64 characters"));
        assert!(not_a_label("-api", 63).is_some());
        assert!(not_a_label("api-", 63).is_some());
    }
}
