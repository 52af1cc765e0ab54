//! The configuration files of a service, as one ConfigMap mounted at its
//! `config_mount`: the files the source declares (`config`) and the ones
//! hplc derives from the model (the Envoy bootstrap of a gateway with
//! `routes`, the scrape configuration of the platform's scraper).

use std::collections::BTreeMap;

use serde_yaml::Value;

use super::object::{map, metadata, object, s};
use super::{gateway, labels, monitoring};
use crate::emit::Context;
use crate::model::ServiceId;

/// File name -> contents, sorted by name.
pub fn files(context: &Context, id: ServiceId) -> BTreeMap<String, String> {
    let service = &context.platform.services[id];
    let mut files: BTreeMap<String, String> = service.config.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    if let Some(bootstrap) = gateway::envoy_bootstrap(context, id) {
        files.insert(gateway::BOOTSTRAP_FILE.into(), bootstrap);
    }
    if let Some(scrape) = monitoring::prometheus_config(context, id) {
        files.insert(monitoring::PROMETHEUS_FILE.into(), scrape);
    }
    files
}

/// A stable digest of the files (FNV-1a, 64 bits): the same files always
/// give the same text, on every machine.
pub fn hash(files: &BTreeMap<String, String>) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (name, contents) in files {
        for byte in name.bytes().chain([0]).chain(contents.bytes()).chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

pub fn config_map(context: &Context, id: ServiceId) -> Option<Value> {
    let platform = context.platform;
    let service = &platform.services[id];
    let files = files(context, id);
    if files.is_empty() {
        return None;
    }
    let namespace = &platform.namespace_of(service).k8s_name;
    let meta = metadata(context, &labels::config_map(service), Some(namespace), &labels::pairs(&labels::of(platform, service)), service.span);
    Some(object("v1", "ConfigMap", meta, [("data", map(files.into_iter().map(|(k, v)| (k, s(v)))))]))
}
