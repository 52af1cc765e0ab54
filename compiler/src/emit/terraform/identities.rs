//! One identity for each consumer of an object storage bucket: every
//! service whose `backup` writes a bucket, every service that reads and
//! writes one (`object_storage`) and every `cluster_backup`. Each
//! gets a user of its own, allowed its bucket alone, and an S3 key pair of
//! its own (OCI allows two Customer Secret Keys per user, so one shared
//! user cannot serve every consumer). The keys are a sensitive output, to
//! be sealed into the secrets the consumers read.

use super::hcl::{Expr, Item};
use super::interface::output;
use super::{buckets, Provider};
use crate::emit::Context;
use crate::model::{k8s_name, Bucket, Platform, S3_KEY_PAIR};
use crate::source::Span;

/// A workload that reads and writes one bucket.
pub struct Consumer {
    /// The resource label: `postgres_health_backup`.
    pub label: String,
    /// The identity's name in the cloud: the cluster's name, then the
    /// consumer's (`health-postgres-health-backup`).
    pub name: String,
    pub description: String,
    /// An index into the platform's buckets.
    pub bucket: usize,
    /// The Kubernetes Secret the consumer reads its key pair from; empty
    /// when the platform names none.
    pub secret: String,
    pub span: Span,
}

/// Every consumer of a bucket, in declaration order: backups of services,
/// then services' own access, then cluster backups.
pub fn consumers(platform: &Platform) -> Vec<Consumer> {
    let cluster = platform.cluster_name();
    let bucket = |name: &str| platform.buckets.iter().position(|b| b.cloud_name == name);
    let mut found = Vec::new();
    for (_, service) in platform.deployed() {
        let Some(backup) = &service.backup else {
            continue;
        };
        let Some(index) = bucket(&backup.bucket) else {
            continue;
        };
        found.push(Consumer {
            label: format!("{}_backup", service.name),
            name: format!("{cluster}-{}-backup", service.k8s_name),
            description: format!(
                "Backups of {} into {}",
                service.k8s_name, platform.buckets[index].cloud_name
            ),
            bucket: index,
            secret: backup
                .secrets
                .get(S3_KEY_PAIR[0])
                .map(|s| s.name.clone())
                .unwrap_or_default(),
            span: backup.span,
        });
    }
    for (_, service) in platform.deployed() {
        let Some(access) = &service.object_storage else {
            continue;
        };
        let Some(bucket) = platform.buckets.get(access.bucket) else {
            continue;
        };
        found.push(Consumer {
            label: format!("{}_s3", service.name),
            name: format!("{cluster}-{}-s3", service.k8s_name),
            description: format!(
                "{} reads and writes {}",
                service.k8s_name, bucket.cloud_name
            ),
            bucket: access.bucket,
            secret: access
                .secrets
                .get(S3_KEY_PAIR[0])
                .map(|s| s.name.clone())
                .unwrap_or_default(),
            span: access.span,
        });
    }
    for backup in &platform.cluster_backups {
        let Some(index) = bucket(&backup.bucket) else {
            continue;
        };
        found.push(Consumer {
            label: backup.name.clone(),
            name: format!("{cluster}-{}", k8s_name(&backup.name)),
            description: format!(
                "Velero backups {} into {}",
                backup.k8s_name, platform.buckets[index].cloud_name
            ),
            bucket: index,
            secret: String::new(),
            span: backup.span,
        });
    }
    found
}

/// The expression of a bucket's name in the root: its resource's name, or
/// the state bucket's literal name (bootstrap/ creates it).
fn bucket_name(provider: &dyn Provider, platform: &Platform, index: usize) -> String {
    let bucket: &Bucket = &platform.buckets[index];
    if platform.terraform_state == Some(index) {
        super::hcl::quote(&bucket.cloud_name)
    } else {
        provider.bucket_name(buckets::label(bucket))
    }
}

/// identities.tf: each consumer's resources under a comment naming it.
pub fn items(context: &Context, provider: &dyn Provider, consumers: &[Consumer]) -> Vec<Item> {
    let platform = context.platform;
    let mut items = Vec::new();
    for consumer in consumers {
        items.push(Item::Comment(format!(
            "{} ({}).",
            consumer.description,
            context.origin(consumer.span)
        )));
        let bucket = bucket_name(provider, platform, consumer.bucket);
        items.extend(
            provider
                .identity(consumer, &bucket)
                .into_iter()
                .map(Item::Block),
        );
    }
    items
}

/// `output "object_storage_credentials"`: each consumer's bucket, key
/// pair and the Secret it goes into, by the consumer's name.
pub fn credentials_output(
    provider: &dyn Provider,
    platform: &Platform,
    consumers: &[Consumer],
) -> super::hcl::Block {
    let entries = consumers
        .iter()
        .map(|consumer| {
            let (access, secret) = provider.credentials(consumer);
            (
                consumer.label.clone(),
                Expr::Object(vec![
                    (
                        "bucket".into(),
                        Expr::raw(bucket_name(provider, platform, consumer.bucket)),
                    ),
                    ("access_key_id".into(), access),
                    ("secret_access_key".into(), secret),
                    ("kubernetes_secret".into(), Expr::str(&consumer.secret)),
                ]),
            )
        })
        .collect();
    output(
        "object_storage_credentials",
        "The S3 key pair of each consumer of a bucket, by consumer, with the Kubernetes Secret it is sealed into.",
        Expr::Object(entries),
        true,
    )
}
