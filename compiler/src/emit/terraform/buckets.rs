//! The platform's `bucket` instances as object storage buckets. Their
//! names are the names the Kubernetes backend gives its backup jobs
//! (`cloud_name`), so that both sides meet; the Terraform state bucket is
//! left to bootstrap/ (a tree cannot keep its state in a bucket it creates).

use super::hcl::{Block, Expr, Item};
use super::interface::output;
use super::Provider;
use crate::emit::Context;
use crate::model::{show, Bucket};

/// The resource label of a bucket: its name in the source.
pub fn label(bucket: &Bucket) -> &str {
    &bucket.name
}

/// A comment saying what the bucket holds and where it was declared.
fn comment(context: &Context, bucket: &Bucket) -> Item {
    let purpose = if bucket.purpose.is_empty() {
        String::new()
    } else {
        format!("{}; ", bucket.purpose)
    };
    Item::Comment(format!(
        "{purpose}{} counted against the object storage budget ({}).",
        show::bytes(bucket.size),
        context.origin(bucket.span)
    ))
}

/// The buckets, each under its comment, after the lookups they need:
/// buckets.tf (every bucket but the state bucket) or, with `state`,
/// bootstrap/'s state bucket.
pub fn items(
    context: &Context,
    provider: &dyn Provider,
    buckets: &[&Bucket],
    state: bool,
) -> Vec<Item> {
    let mut items: Vec<Item> = provider
        .bucket_lookups()
        .into_iter()
        .map(Item::Block)
        .collect();
    for bucket in buckets {
        items.push(comment(context, bucket));
        items.extend(
            provider
                .bucket(label(bucket), bucket, state)
                .into_iter()
                .map(Item::Block),
        );
    }
    items
}

/// `output "bucket_names"`: each bucket's name by its name in the source,
/// the state bucket's included.
pub fn names_output(provider: &dyn Provider, buckets: &[&Bucket], state: Option<&Bucket>) -> Block {
    let mut names: Vec<(String, Expr)> = buckets
        .iter()
        .map(|b| {
            (
                label(b).to_string(),
                Expr::raw(provider.bucket_name(label(b))),
            )
        })
        .collect();
    if let Some(state) = state {
        names.push((label(state).to_string(), Expr::str(&state.cloud_name)));
    }
    names.sort_by(|a, b| a.0.cmp(&b.0));
    output(
        "bucket_names",
        "Object storage bucket names, by their names in the platform.",
        Expr::Object(names),
        false,
    )
}
