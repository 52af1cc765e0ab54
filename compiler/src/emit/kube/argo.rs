//! What every Argo CD Application of the platform shares, whichever
//! backend writes it (the tree's own Application, the charts'): the sync
//! policy with its retries, and the sync wave that orders Applications and
//! objects within one sync.

use std::borrow::Cow;

use super::quantity;
use crate::emit::yaml::{b, list, map, n, s, Value};
use crate::model::GitOps;

/// The annotation that orders what one sync applies: lower waves first,
/// each healthy before the next starts.
pub const SYNC_WAVE: &str = "argocd.argoproj.io/sync-wave";

/// Synced automatically and healed from drift; `prune` deletes what left
/// the source (never for a chart that installs custom resource
/// definitions, whose removal would delete every resource of them); a
/// failed sync retried with a growing wait.
pub fn sync_policy<'a>(gitops: &GitOps, prune: bool, options: &[&'a str]) -> Value<'a> {
    map([
        (
            "automated",
            map([("prune", b(prune)), ("selfHeal", b(true))]),
        ),
        ("syncOptions", list(options.iter().map(|o| s(*o)))),
        (
            "retry",
            map([
                ("limit", n(gitops.retry_limit)),
                (
                    "backoff",
                    map([
                        ("duration", s(quantity::duration(gitops.retry_backoff_ms))),
                        ("factor", n(2)),
                        (
                            "maxDuration",
                            s(quantity::duration(gitops.retry_max_backoff_ms)),
                        ),
                    ]),
                ),
            ]),
        ),
    ])
}

/// The sync-wave annotation of an object's metadata.
pub fn wave(metadata: &mut Value<'_>, wave: i64) {
    super::object::annotate(metadata, SYNC_WAVE, Cow::Owned(wave.to_string()));
}
