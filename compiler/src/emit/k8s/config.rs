//! The configuration files of a service, as one ConfigMap mounted at its
//! `config_mount`: the files the source declares (`config`).

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::emit::kube::labels;
use crate::emit::kube::object::{object, service_metadata};
use crate::emit::yaml::{map, s, Value};
use crate::emit::Context;
use crate::model::ServiceId;

/// File name -> contents, sorted by name: the source's own files
/// borrowed, the derived ones made here.
pub type Files<'a> = BTreeMap<&'a str, Cow<'a, str>>;

/// The configuration files of a service (built once per service: the
/// scraper's can be megabytes).
pub fn files<'a>(context: &Context<'a>, id: ServiceId) -> Files<'a> {
    let service = &context.platform.services[id];
    service
        .pod
        .config
        .iter()
        .map(|(k, v)| (k.as_str(), Cow::Borrowed(v.as_str())))
        .collect()
}

/// A stable digest of the files (FNV-1a, 64 bits): the same files always
/// give the same text, on every machine.
pub fn hash(files: &Files) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (name, contents) in files {
        for byte in name.bytes().chain([0]).chain(contents.bytes()).chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

pub fn config_map<'a>(context: &Context<'a>, id: ServiceId, files: Files<'a>) -> Option<Value<'a>> {
    let platform = context.platform;
    let service = &platform.services[id];
    if files.is_empty() {
        return None;
    }
    let meta = service_metadata(context, service, labels::config_map(service), service.span);
    Some(object(
        "v1",
        "ConfigMap",
        meta,
        [("data", map(files.into_iter().map(|(k, v)| (k, s(v)))))],
    ))
}
