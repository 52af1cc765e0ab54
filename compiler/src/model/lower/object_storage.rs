//! Lowering of a workload's access to a bucket (`object_storage`): the
//! bucket it names, its key pair, and the environment hplc gives its pod,
//! which every backend then writes like the service's own.

use super::*;

/// The value of the addressing style variable: the bucket in the URL's
/// path, which OCI's S3 endpoint has always accepted (virtual-hosted
/// style only since 2026-02-10).
const PATH_STYLE: &str = "path";

impl Lowering<'_> {
    pub(super) fn bucket_access(&self, obj: ObjId, span: Span) -> BucketAccess {
        let bucket = self.object(obj, "bucket");
        BucketAccess {
            bucket: self
                .instances_of("bucket")
                .iter()
                .position(|b| Some(*b) == bucket)
                .unwrap_or_default(),
            secrets: self.secrets(obj),
            endpoint_env: self.string(obj, "endpoint_env"),
            bucket_env: self.string(obj, "bucket_env"),
            region_env: self.string(obj, "region_env"),
            addressing_env: self.string(obj, "addressing_env"),
            span,
        }
    }
}

/// The name of the flow that opens the endpoint to the service's pods.
const FLOW: &str = "object_storage";

/// The port an endpoint URL names: its own (`https://host:8443`), else its
/// scheme's.
fn port_of(endpoint: &str) -> u16 {
    let (scheme, rest) = endpoint.split_once("://").unwrap_or(("https", endpoint));
    let host = rest.split('/').next().unwrap_or_default();
    host.rsplit_once(':')
        .and_then(|(_, port)| port.parse().ok())
        .unwrap_or(if scheme == "http" { 80 } else { 443 })
}

/// Puts each accessing service's endpoint, bucket, region and addressing
/// style in its environment and its key pair among its secrets, and opens
/// the endpoint to it (a flow to the internet, on the endpoint's port). What the
/// service sets itself under the same name stays (a deliberate override,
/// such as an endpoint through a proxy).
pub(super) fn wire(platform: &mut Platform) {
    let endpoint = platform.s3_endpoint();
    let region = platform.cloud.region.clone();
    let buckets: Vec<String> = platform
        .buckets
        .iter()
        .map(|b| b.cloud_name.clone())
        .collect();
    let cloud = platform.cloud.provenance.name.clone();
    for service in &mut platform.services {
        let Some(access) = &service.object_storage else {
            continue;
        };
        let bucket = buckets.get(access.bucket).cloned().unwrap_or_default();
        let derived = [
            (&access.endpoint_env, endpoint.clone()),
            (&access.bucket_env, bucket.clone()),
            (&access.region_env, region.clone()),
            (&access.addressing_env, PATH_STYLE.to_string()),
        ];
        if !service.flows.iter().any(|f| f.name == FLOW) {
            service.flows.push(Flow {
                name: FLOW.to_string(),
                peer: Peer::Internet,
                inbound: false,
                ports: vec![port_of(&endpoint)],
                labels: IndexMap::new(),
                why: format!(
                    "reads and writes the bucket {bucket} through the object storage's S3 endpoint {endpoint}"
                ),
                source: format!("s3_endpoint of the cloud {cloud} in the stdlib"),
                span: access.span,
            });
        }
        let pod = &mut service.pod;
        for (name, value) in derived {
            if name.is_empty() || pod.env.contains_key(name) {
                continue;
            }
            pod.env.insert(name.clone(), value);
            pod.env_spans.insert(name.clone(), access.span);
        }
        for (name, secret) in &access.secrets {
            if !pod.secrets.contains_key(name) {
                pod.secrets.insert(name.clone(), secret.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::port_of;

    #[test]
    fn an_endpoint_s_port_is_its_own_else_its_scheme_s() {
        assert_eq!(
            port_of("https://ns.compat.objectstorage.eu-amsterdam-1.oraclecloud.com"),
            443
        );
        assert_eq!(port_of("http://minio.local:9000"), 9000);
        assert_eq!(port_of("http://store.local/path"), 80);
    }
}
