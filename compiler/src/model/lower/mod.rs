//! From the evaluated world to the [`Platform`]. Types were checked already;
//! lowering only reads values into structs (a value that failed to evaluate
//! never reaches here: `lower` runs only on a world without errors).
//!
//! Every field is read by name. A name the object's kind does not declare
//! (a field renamed in the stdlib, a typo here) is not read as a default:
//! lowering records it and fails, naming every such field.

mod chart;
mod field_cache;
mod foundations;
mod images;
mod object_storage;

use std::collections::{BTreeSet, HashMap};
use std::mem::MaybeUninit;
use std::sync::Mutex;

use indexmap::IndexMap;

use super::*;
use crate::types::value::{ObjId, Value};
use crate::types::World;
use field_cache::FieldCache;

/// The port a replicated cluster's instances serve their metrics on, by
/// name: `metrics`.
pub const REPLICA_METRICS_PORT: &str = "metrics";

/// The platform model, or the fields lowering read that their kinds do not
/// declare (`service.backup`), sorted.
pub fn lower(world: &World, platform: ObjId, env: &str) -> Result<Platform, Vec<String>> {
    let undeclared = Mutex::default();
    let mut model = Lowering::new(world, &undeclared).platform(platform, env);
    foundations::backups_name_cloud_buckets(&mut model);
    object_storage::wire(&mut model);
    let undeclared = undeclared
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if undeclared.is_empty() {
        Ok(model)
    } else {
        Err(undeclared.into_iter().collect())
    }
}

/// From this many services on, they are lowered on every core: below it a
/// thread costs about what it saves.
const PARALLEL_SERVICES: usize = 512;

struct Lowering<'w> {
    world: &'w World,
    /// `kind.field` of every read of a field the kind does not declare
    /// (behind a lock: services are lowered on every core).
    undeclared: &'w Mutex<BTreeSet<String>>,
    /// Where each field read so far sits in its kind's table. One cache
    /// per thread: each share of the services has its own `Lowering`.
    fields: FieldCache,
}

impl<'w> Lowering<'w> {
    fn new(world: &'w World, undeclared: &'w Mutex<BTreeSet<String>>) -> Lowering<'w> {
        Lowering {
            world,
            undeclared,
            fields: FieldCache::new(),
        }
    }
}

impl Lowering<'_> {
    /// The value of a field the object's kind declares. The kind named is
    /// the prelude kind at the root of the object's chain, which declares
    /// every field the compiler reads.
    fn get(&self, obj: ObjId, field: &'static str) -> &Value {
        let Some(index) = self.field_index(obj, field) else {
            return &Value::None;
        };
        match self.world.object_slot(&self.world.objects[obj], index) {
            Some(crate::types::value::SlotRef::Done(value)) => value,
            _ => &Value::None,
        }
    }

    /// Where `field` sits in `obj`'s kind; a field the kind does not
    /// declare is recorded, as [`Lowering::get`] records it. Inlined, the
    /// record kept apart: this is most of every read of a field.
    #[inline(always)]
    fn field_index(&self, obj: ObjId, field: &'static str) -> Option<usize> {
        let object = self.world.objects.get(obj)?;
        let index = (self.fields).index(object.kind, field, || {
            self.world.kinds[object.kind].fields.get_index_of(field)
        });
        if index.is_none() {
            self.undeclared_field(object.kind, field);
        }
        index
    }

    #[cold]
    #[inline(never)]
    fn undeclared_field(&self, kind: usize, field: &'static str) {
        let root = &self.world.kinds[self.world.root_kind(kind)].name;
        self.undeclared_read(format!("{root}.{field}"));
    }

    /// The span of the value of `obj`'s `field`, falling back to the
    /// object's name. Found by the field's number: a service's dozen spans
    /// are mostly of fields no statement sets, and comparing names read
    /// every statement of the service, long out of the caches.
    fn value_span(&self, obj: ObjId, field: &'static str) -> Span {
        let object = &self.world.objects[obj];
        (self.field_index(obj, field))
            .and_then(|index| object.last_set_at(index))
            .map_or(object.name_span, |s| s.value.span)
    }

    /// The last statement that sets `obj`'s `field` whole.
    fn whole_set(&self, obj: ObjId, field: &'static str) -> Option<&crate::syntax::ast::Stmt> {
        let index = self.field_index(obj, field)?;
        self.world.objects[obj].whole_set_at(index)
    }

    /// The span of the entry `key` of `obj`'s map field `field`.
    fn entry_span(&self, obj: ObjId, field: &'static str, key: &str) -> Option<Span> {
        let index = self.field_index(obj, field)?;
        self.world.objects[obj].entry_span_at(index, key)
    }

    /// Records a read of a field its kind does not declare.
    fn undeclared_read(&self, field: String) {
        self.undeclared
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(field);
    }

    /// Every service, in order. Each is lowered from the world alone, so
    /// a large platform's are lowered on every core, a share each, written
    /// in place into the list of all: a service is a few kilobytes, and at
    /// 10,000 a list per share joined after would be tens of megabytes
    /// touched and copied for nothing.
    fn services(
        &self,
        services: &[ObjId],
        node_index: &HashMap<ObjId, NodeId>,
        namespace_index: &HashMap<ObjId, NamespaceId>,
        service_index: &HashMap<ObjId, ServiceId>,
    ) -> Vec<Service> {
        let (world, undeclared) = (self.world, self.undeclared);
        // One service into each slot, in order (a share and its slots are
        // the same length).
        let lower = |share: &[ObjId], slots: &mut [MaybeUninit<Service>]| {
            let lowering = Lowering::new(world, undeclared);
            for (slot, s) in slots.iter_mut().zip(share) {
                slot.write(lowering.service(*s, node_index, namespace_index, service_index));
            }
        };
        let mut lowered: Vec<Service> = Vec::with_capacity(services.len());
        let slots = &mut lowered.spare_capacity_mut()[..services.len()];
        let workers = crate::workers();
        let parallel = services.len() >= PARALLEL_SERVICES && workers >= 2;
        let in_shares = parallel
            && std::thread::scope(|scope| {
                let chunk = services.len().div_ceil(workers);
                let mut shares = services.chunks(chunk).zip(slots.chunks_mut(chunk));
                let first = shares.next();
                let others: Vec<_> = shares
                    .map(|(share, slots)| {
                        std::thread::Builder::new()
                            .name("hplc-lower".into())
                            .stack_size(crate::COMPILE_STACK_BYTES)
                            .spawn_scoped(scope, move || lower(share, slots))
                    })
                    .collect();
                if let Some((share, slots)) = first {
                    lower(share, slots);
                }
                let mut complete = true;
                for thread in others {
                    match thread.map(|t| t.join()) {
                        Ok(Ok(())) => {}
                        Ok(Err(panic)) => std::panic::resume_unwind(panic),
                        // Its share was never lowered.
                        Err(_) => complete = false,
                    }
                }
                complete
            });
        if !in_shares {
            // Small, or a thread could not start: all lowered here. Services
            // written before are overwritten without being dropped
            // (forgotten, not freed).
            lower(services, slots);
        }
        // SAFETY: every one of the first `services.len()` slots was written:
        // by the shares' `lower` (`chunks` and `chunks_mut` cut the services
        // and the slots alike, each thread joined before this point, and a
        // panic resumed above), or all of them by the `lower` just above.
        unsafe { lowered.set_len(services.len()) };
        lowered
    }

    fn string(&self, obj: ObjId, field: &'static str) -> String {
        self.get(obj, field)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    fn int(&self, obj: ObjId, field: &'static str) -> i64 {
        self.get(obj, field).as_int().unwrap_or_default()
    }

    fn quantity(&self, obj: ObjId, field: &'static str) -> i64 {
        self.get(obj, field).as_quantity().unwrap_or_default()
    }

    fn boolean(&self, obj: ObjId, field: &'static str) -> bool {
        self.get(obj, field).as_bool().unwrap_or_default()
    }

    fn object(&self, obj: ObjId, field: &'static str) -> Option<ObjId> {
        self.get(obj, field).as_object()
    }

    fn range(&self, obj: ObjId, field: &'static str) -> Range {
        match self.get(obj, field).as_range() {
            Some((low, high)) => Range {
                request: number(low),
                limit: number(high),
            },
            None => Range {
                request: 0,
                limit: 0,
            },
        }
    }

    /// A shell script written a line per list item.
    fn script(&self, obj: ObjId, field: &'static str) -> String {
        self.script_if_any(obj, field)
            .unwrap_or_else(|| "\n".to_string())
    }

    /// [`Lowering::script`], or None where the list is empty.
    fn script_if_any(&self, obj: ObjId, field: &'static str) -> Option<String> {
        let lines = self.strings(obj, field);
        (!lines.is_empty()).then(|| {
            let mut text = lines.join("\n");
            text.push('\n');
            text
        })
    }

    fn strings(&self, obj: ObjId, field: &'static str) -> Vec<String> {
        self.get(obj, field)
            .as_list()
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    }

    fn string_map(&self, obj: ObjId, field: &'static str) -> IndexMap<String, String> {
        match self.get(obj, field) {
            Value::Map(m) => m
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect(),
            _ => IndexMap::new(),
        }
    }

    fn provenance(&self, obj: ObjId) -> Provenance {
        let o = &self.world.objects[obj];
        let has_source = self.world.kinds[o.kind].fields.contains_key("source");
        Provenance {
            name: o.name.clone().unwrap_or_default(),
            source: if has_source {
                self.string(obj, "source")
            } else {
                String::new()
            },
            span: o.name_span,
        }
    }

    fn instances_of(&self, kind: &str) -> Vec<ObjId> {
        let Some(kind) = self.world.kind_named(kind) else {
            return Vec::new();
        };
        self.world
            .instances
            .iter()
            .copied()
            .filter(|o| self.world.extends(self.world.objects[*o].kind, kind))
            .collect()
    }

    fn platform(&self, obj: ObjId, env: &str) -> Platform {
        let o = &self.world.objects[obj];
        let nodes = self.instances_of("node");
        let namespaces = self.instances_of("namespace");
        let services = self.instances_of("service");
        let buckets = self.instances_of("bucket");
        let node_index: HashMap<ObjId, NodeId> = positions(&nodes);
        let namespace_index: HashMap<ObjId, NamespaceId> = positions(&namespaces);
        let service_index: HashMap<ObjId, ServiceId> = positions(&services);
        let budget_of = |field: &'static str| {
            self.object(obj, field).map(|b| Budget {
                name: self.string(b, "name"),
                as_of: self.string(b, "as_of"),
                cpu: self.quantity(b, "cpu"),
                memory: self.quantity(b, "memory"),
                block_storage: self.quantity(b, "block_storage"),
                object_storage: self.quantity(b, "object_storage"),
                load_balancers: self.int(b, "load_balancers"),
                provenance: self.provenance(b),
                span: self.value_span(obj, field),
                superseded_by: self.newest_superseding(b, obj),
            })
        };
        let (budget, allowance) = (budget_of("budget"), budget_of("allowance"));
        let name = o.name.clone().unwrap_or_default();
        let cluster = cluster_name(&name, env);
        let cloud = self.cloud(
            self.object(obj, "cloud")
                .expect("platform.cloud is required"),
        );
        let (kubernetes_version, kubernetes_version_span) = self.kubernetes_version(obj, &cloud);
        let (pod_network, pod_network_span) = self.platform_pod_network(obj, &cloud);
        // The inputs file's values; the platform's own `trusted_cidrs` first.
        let inputs = self.instances_of("inputs").into_iter().next();
        let is_set = |o: ObjId, field: &'static str| !matches!(self.get(o, field), Value::None);
        let cidrs_from = if is_set(obj, "trusted_cidrs") {
            Some(obj)
        } else {
            inputs.filter(|&i| is_set(i, "trusted_cidrs"))
        };
        let trusted_cidrs = cidrs_from
            .map(|o| self.strings(o, "trusted_cidrs"))
            .unwrap_or_default();
        let cluster_inputs = ClusterInputs {
            span: inputs.map(|i| self.world.objects[i].name_span),
            trusted_cidrs_set: cidrs_from.is_some(),
            gateway_address: inputs
                .filter(|&i| is_set(i, "gateway_address"))
                .map(|i| self.string(i, "gateway_address")),
            gateway_address_span: inputs
                .filter(|&i| is_set(i, "gateway_address"))
                .map(|i| self.value_span(i, "gateway_address")),
            vault_id: inputs
                .filter(|&i| is_set(i, "vault_id"))
                .map(|i| self.string(i, "vault_id")),
            object_storage_namespace: inputs
                .filter(|&i| is_set(i, "object_storage_namespace"))
                .map(|i| self.string(i, "object_storage_namespace")),
        };
        let bucket_names: HashMap<ObjId, String> = buckets
            .iter()
            .map(|&b| (b, format!("{cluster}-{}", k8s_name(self.world.name(b)))))
            .collect();
        Platform {
            name,
            env: env.to_string(),
            span: o.name_span,
            domain: self.string(obj, "domain"),
            budget,
            allowance,
            kubernetes_version,
            kubernetes_version_span,
            scrape_interval_ms: self.quantity(obj, "scrape_interval"),
            default_cpu_target: self.quantity(obj, "default_cpu_target"),
            trace_sampling: self.quantity(obj, "trace_sampling"),
            acme_email: self.string(obj, "acme_email"),
            acme_server: self.string(obj, "acme_server"),
            acme_staging_server: self.string(obj, "acme_staging_server"),
            tls_stage: self
                .get(obj, "tls_stage")
                .as_enum()
                .unwrap_or("staging")
                .to_string(),
            dns_ttl_ms: self.quantity(obj, "dns_ttl"),
            cluster_backups: self
                .instances_of("cluster_backup")
                .into_iter()
                .map(|b| {
                    let name = self.world.name(b).to_string();
                    ClusterBackup {
                        k8s_name: k8s_name(&name),
                        name,
                        span: self.world.objects[b].name_span,
                        schedule: self.string(b, "schedule"),
                        keep_ms: self.quantity(b, "keep"),
                        exclude: self
                            .get(b, "exclude")
                            .as_list()
                            .iter()
                            .filter_map(|v| namespace_index.get(&v.as_object()?).copied())
                            .collect(),
                        bucket: self
                            .object(b, "bucket")
                            .and_then(|o| bucket_names.get(&o).cloned())
                            .unwrap_or_default(),
                        velero: self
                            .object(b, "velero")
                            .and_then(|v| service_index.get(&v).copied())
                            .unwrap_or_default(),
                    }
                })
                .collect(),
            gitops: self
                .instances_of("gitops")
                .into_iter()
                .map(|g| {
                    let name = self.world.name(g).to_string();
                    GitOps {
                        k8s_name: k8s_name(&name),
                        name,
                        span: self.world.objects[g].name_span,
                        repo: self.string(g, "repo"),
                        revision: self.string(g, "revision"),
                        path: self.string(g, "path"),
                        namespace: self
                            .object(g, "namespace")
                            .and_then(|n| namespace_index.get(&n).copied())
                            .unwrap_or_default(),
                        retry_limit: self.int(g, "retry_limit"),
                        retry_backoff_ms: self.quantity(g, "retry_backoff"),
                        retry_max_backoff_ms: self.quantity(g, "retry_max_backoff"),
                    }
                })
                .collect(),
            alerts: self
                .instances_of("alert")
                .into_iter()
                .map(|a| self.alert(self.world.name(a).to_string(), a))
                .collect(),
            monitoring: self.object(obj, "monitoring").map(|m| self.monitoring(m)),
            images: self.object(obj, "images").map(|t| self.image_table(t)),
            trusted_cidrs_spans: self
                .trusted_cidrs_spans(cidrs_from.unwrap_or(obj), trusted_cidrs.len()),
            trusted_cidrs,
            nodes: nodes.iter().map(|n| self.node(*n, &pod_network)).collect(),
            pod_network,
            pod_network_span,
            cloud,
            namespaces: namespaces
                .iter()
                .map(|n| {
                    let name = self.world.name(*n).to_string();
                    Namespace {
                        k8s_name: k8s_name(&name),
                        name,
                        span: self.world.objects[*n].name_span,
                        pod_security: self.get(*n, "pod_security").as_enum().map(str::to_string),
                        managed: self.boolean(*n, "managed"),
                    }
                })
                .collect(),
            services: self.services(&services, &node_index, &namespace_index, &service_index),
            buckets: buckets
                .iter()
                .map(|&b| {
                    let name = self.world.name(b).to_string();
                    Bucket {
                        k8s_name: k8s_name(&name),
                        cloud_name: bucket_names[&b].clone(),
                        name,
                        span: self.world.objects[b].name_span,
                        size: self.quantity(b, "size"),
                        purpose: self.string(b, "purpose"),
                        public: self.boolean(b, "public"),
                    }
                })
                .collect(),
            terraform_state: self
                .object(obj, "terraform_state")
                .and_then(|state| buckets.iter().position(|b| *b == state)),
            shapes: self.shape_offers(),
            kubernetes_api: self.kubernetes_api(
                self.object(obj, "kubernetes_api")
                    .expect("platform.kubernetes_api has a default"),
            ),
            sealed_values: self
                .objects(obj, "sealed_values")
                .into_iter()
                .filter_map(|v| {
                    Some(SealedValue {
                        namespace: *namespace_index.get(&self.object(v, "namespace")?)?,
                        name: self.string(v, "name"),
                        key: self.string(v, "key"),
                        ciphertext: self.string(v, "ciphertext"),
                        span: self.world.objects[v].span,
                    })
                })
                .collect(),
            inputs: cluster_inputs,
            secret_store: self.get(obj, "secret_store").as_enum().map(str::to_string),
        }
    }

    fn cloud(&self, obj: ObjId) -> Cloud {
        let r = self
            .object(obj, "reservation")
            .expect("cloud.reservation is required");
        let reservation = Reservation {
            kube_cpu: self
                .get(r, "kube_cpu")
                .as_list()
                .iter()
                .map(number)
                .collect(),
            kube_cpu_extra_core_share: self.quantity(r, "kube_cpu_extra_core_share"),
            kube_memory: self
                .get(r, "kube_memory")
                .as_list()
                .iter()
                .filter_map(Value::as_object)
                .map(|step| (self.quantity(step, "up_to"), self.quantity(step, "reserve")))
                .collect(),
            system_cpu: self.quantity(r, "system_cpu"),
            system_memory: self.quantity(r, "system_memory"),
            eviction_memory: self.quantity(r, "eviction_memory"),
            max_pods: self.int(r, "max_pods"),
            provenance: self.provenance(r),
        };
        let pricing = self.object(obj, "pricing").map(|p| Pricing {
            provider: self.string(p, "provider"),
            as_of: self.string(p, "as_of"),
            cpu_month: self.quantity(p, "cpu_month"),
            memory_gb_month: self.quantity(p, "memory_gb_month"),
            block_gb_month: self.quantity(p, "block_gb_month"),
            object_gb_month: self.quantity(p, "object_gb_month"),
            load_balancer_month: self.quantity(p, "load_balancer_month"),
            control_plane_month: self.quantity(p, "control_plane_month"),
            provenance: self.provenance(p),
        });
        Cloud {
            provider: self.string(obj, "provider"),
            region: self.string(obj, "region"),
            reservation,
            block: self.storage_class(self.object(obj, "block").expect("cloud.block is required")),
            boot_volume_min: self.quantity(obj, "boot_volume_min"),
            boot_volume_system: self.quantity(obj, "boot_volume_system"),
            boot_volume_billed: self.boolean(obj, "boot_volume_billed"),
            load_balancer_bandwidth: self.quantity(obj, "load_balancer_bandwidth"),
            api_server_port: self.int(obj, "api_server_port") as u16,
            pricing,
            terraform: self
                .object(obj, "terraform")
                .map(|t| self.terraform_provider(t)),
            object_storage_endpoint: self.string(obj, "object_storage_endpoint"),
            s3_endpoint: self.string(obj, "s3_endpoint"),
            kubernetes: self
                .object(obj, "kubernetes")
                .map(|k| self.kubernetes_service(k)),
            load_balancer_security_rules: self.string(obj, "load_balancer_security_rules"),
            existing: self.boolean(obj, "existing"),
            provenance: self.provenance(obj),
        }
    }

    fn kubernetes_api(&self, obj: ObjId) -> KubernetesApi {
        let length =
            |field: &'static str| usize::try_from(self.int(obj, field)).unwrap_or_default();
        KubernetesApi {
            name_length: length("name_length"),
            stateful_set_name_length: length("stateful_set_name_length"),
            cron_job_name_length: length("cron_job_name_length"),
            port_name_length: length("port_name_length"),
            int32_max: self.int(obj, "int32_max"),
            rolling_surge: self.quantity(obj, "rolling_surge"),
            provenance: self.provenance(obj),
        }
    }

    fn storage_class(&self, obj: ObjId) -> StorageClass {
        StorageClass {
            name: self.string(obj, "name"),
            provisioner: self.string(obj, "provisioner"),
            min_size: self.quantity(obj, "min_size"),
            max_size: self.quantity(obj, "max_size"),
            node_local: self.boolean(obj, "node_local"),
            provided_by_cloud: self.boolean(obj, "provided_by_cloud"),
            parameters: self.string_map(obj, "parameters"),
            annotations: self.string_map(obj, "annotations"),
            file_system_backup: self.boolean(obj, "file_system_backup"),
            price_gb_month: self.quantity(obj, "price_gb_month"),
            provenance: self.provenance(obj),
        }
    }

    fn node(&self, obj: ObjId, network: &PodNetwork) -> Node {
        let o = &self.world.objects[obj];
        let shape = self.object(obj, "shape").expect("node.shape is required");
        let name = o.name.clone().unwrap_or_default();
        let shape = Shape {
            provider: self.string(shape, "provider"),
            name: self.string(shape, "name"),
            arch: self
                .get(shape, "arch")
                .as_enum()
                .unwrap_or("arm64")
                .to_string(),
            cpu: self.quantity(shape, "cpu"),
            memory: self.quantity(shape, "memory"),
            vcpus_per_ocpu: self.int(shape, "vcpus_per_ocpu"),
            max_pods: self.int(shape, "max_pods"),
            vnics_per_ocpu: self.int(shape, "vnics_per_ocpu"),
            min_vnics: self.int(shape, "min_vnics"),
            max_vnics: self.int(shape, "max_vnics"),
            price_month: self.quantity(shape, "price_month"),
            provenance: self.provenance(shape),
        };
        let (network_max_pods, network_limit) = network.max_pods(&shape);
        Node {
            k8s_name: k8s_name(&name),
            name,
            span: o.name_span,
            shape,
            shape_span: self.value_span(obj, "shape"),
            role: self.string(obj, "role"),
            boot_volume: self.quantity(obj, "boot_volume"),
            boot_volume_span: self.value_span(obj, "boot_volume"),
            labels: self.string_map(obj, "labels"),
            network_max_pods,
            network_limit,
        }
    }

    fn probe(&self, obj: Option<ObjId>) -> Option<Probe> {
        let p = obj?;
        Some(Probe {
            path: self.string(p, "path"),
            headers: self.string_map(p, "headers"),
            exec: self.strings(p, "exec"),
            grpc: self.boolean(p, "grpc"),
            grpc_service: self.string(p, "grpc_service"),
            port: self.string(p, "port"),
            port_span: self.value_span(p, "port"),
            initial_delay_ms: self.get(p, "initial_delay").as_quantity(),
            period_ms: self.get(p, "period").as_quantity(),
            timeout_ms: self.get(p, "timeout").as_quantity(),
            failures: self.get(p, "failures").as_int(),
        })
    }

    fn service(
        &self,
        obj: ObjId,
        nodes: &HashMap<ObjId, NodeId>,
        namespaces: &HashMap<ObjId, NamespaceId>,
        services: &HashMap<ObjId, ServiceId>,
    ) -> Service {
        let o = &self.world.objects[obj];
        // The service's fields were evaluated long before and are out of
        // the caches; lowering reads most of them in no order the
        // processor can predict, each a miss it waits for.
        o.fields.read_ahead();
        let name = o.name.clone().unwrap_or_default();
        let probes = self.object(obj, "probes");
        let needs_span = self.value_span(obj, "needs");
        let need_spans: Vec<(Span, Option<String>)> = (self.whole_set(obj, "needs"))
            .map(|s| match &s.value.kind {
                crate::syntax::ast::ExprKind::List(items) => {
                    items.iter().map(|e| (e.span, named_port(e))).collect()
                }
                _ => Vec::new(),
            })
            .unwrap_or_default();
        let needs = self
            .get(obj, "needs")
            .as_list()
            .iter()
            .enumerate()
            .filter_map(|(i, v)| {
                let target = services.get(&v.as_object()?)?;
                let (span, port) = need_spans.get(i).cloned().unwrap_or((needs_span, None));
                Some(Need {
                    target: *target,
                    port,
                    span,
                })
            })
            .collect();
        let map_objects = |field: &'static str| self.entries(obj, field);
        let metrics_path = self.string(obj, "metrics");
        let routes: Vec<Route> = map_objects("routes")
            .into_iter()
            .filter_map(|(name, r)| {
                Some(Route {
                    port_span: self.value_span(r, "port"),
                    name,
                    prefix: self.string(r, "prefix"),
                    service: *services.get(&self.object(r, "service")?)?,
                    port: self.string(r, "port"),
                    authenticated: self.boolean(r, "authenticated"),
                })
            })
            .collect();
        let jwt = self.object(obj, "jwt").and_then(|j| {
            Some(Jwt {
                issuer: self.string(j, "issuer"),
                jwks_service: *services.get(&self.object(j, "jwks_service")?)?,
                jwks_path: self.string(j, "jwks_path"),
                audiences: self.strings(j, "audiences"),
            })
        });
        let roles = Roles {
            ingress: self.boolean(obj, "public_gateway"),
            gateway_controller: Some(self.string(obj, "gateway_controller_name"))
                .filter(|c| !c.is_empty()),
            scraper: self.boolean(obj, "scraper"),
            gateway: (!routes.is_empty() || jwt.is_some()).then_some(Gateway { routes, jwt }),
            datasource: self.object(obj, "datasource").map(|d| DataSource {
                kind: self.string(d, "type"),
                port: self.string(d, "port"),
            }),
            otlp_port: Some(self.string(obj, "otlp_port")).filter(|p| !p.is_empty()),
            otlp_grpc_port: Some(self.string(obj, "otlp_grpc_port")).filter(|p| !p.is_empty()),
            log_push_path: Some(self.string(obj, "log_push_path")).filter(|p| !p.is_empty()),
            alerts_port: Some(self.string(obj, "alerts_port")).filter(|p| !p.is_empty()),
            replicates: Some(self.string(obj, "replicates")).filter(|k| !k.is_empty()),
            cluster_api: self.get(obj, "cluster_api").as_enum().map(str::to_string),
            receivers: self
                .entries(obj, "receivers")
                .into_iter()
                .map(|(name, r)| self.receiver(name, r))
                .collect(),
        };
        let retention_flag = self.string(obj, "retention_flag");
        // A replicated cluster runs the operator's image of the software,
        // which serves its own metrics: no exporter beside it.
        let replicated = self.object(obj, "replication");
        let replication = replicated.and_then(|r| self.replication(obj, r, services));
        let operator_creates_logins = replication.as_ref().is_some_and(|r| r.client_logins);
        // Its instances' metrics port: the component's port of that number
        // where it has one (RabbitMQ's `prometheus`, as the operator's
        // Service names it too), else one named `metrics`.
        let replica_metrics = replicated.map(|r| {
            let number = self.int(r, "metrics_port");
            let declared = match self.get(obj, "port") {
                Value::Map(m) => m
                    .iter()
                    .find(|(_, v)| v.as_int() == Some(number))
                    .map(|(k, _)| k.clone()),
                _ => None,
            };
            (declared, number as u16)
        });
        let observed = replicated
            .filter(|&r| {
                !self.entries(r, "alerts").is_empty() || !self.entries(r, "panels").is_empty()
            })
            .unwrap_or(obj);
        let (image_from, image_span) = match replicated {
            Some(r) => (r, self.value_span(r, "image")),
            None => (obj, self.value_span(obj, "image")),
        };
        let secrets = self.secrets(obj);
        let pod = Pod {
            image: self.string(image_from, "image"),
            image_span,
            multi_arch: self.boolean(obj, "multi_arch"),
            command: self.strings(obj, "command"),
            args: self.strings(obj, "args"),
            env: self.string_map(obj, "env"),
            env_spans: self
                .string_map(obj, "env")
                .keys()
                .map(|k| {
                    (
                        k.clone(),
                        self.entry_span(obj, "env", k)
                            .unwrap_or_else(|| self.value_span(obj, "env")),
                    )
                })
                .collect(),
            secret_spans: secrets
                .keys()
                .filter_map(|k| Some((k.clone(), self.entry_span(obj, "secret", k)?)))
                .collect(),
            secrets,
            run_as: self.int(image_from, "run_as"),
            read_only_root: self.boolean(obj, "read_only_root"),
            secret_files: self.boolean(obj, "secret_files"),
            capabilities: self.strings(obj, "capabilities"),
            host_access: self.boolean(obj, "host_access"),
            host_paths: self.string_map(obj, "host_paths"),
            config: self.string_map(obj, "config"),
            config_mount: self.string(obj, "config_mount"),
            permissions: self
                .get(obj, "permissions")
                .as_list()
                .iter()
                .filter_map(Value::as_object)
                .map(|p| Permission {
                    resources: self.strings(p, "resources"),
                    verbs: self.strings(p, "verbs"),
                    group: self.string(p, "group"),
                    cluster: self.boolean(p, "cluster"),
                })
                .collect(),
            live: self
                .probe(probes.and_then(|p| self.object(p, "live")))
                .map(Box::new),
            ready: self
                .probe(probes.and_then(|p| self.object(p, "ready")))
                .map(Box::new),
            exporter: (replicated.is_none())
                .then(|| self.object(obj, "exporter"))
                .flatten()
                .map(|e| Exporter {
                    image: self.string(e, "image"),
                    port: self.int(e, "port") as u16,
                    path: self.string(e, "path"),
                    cpu: self.range(e, "cpu"),
                    memory: self.range(e, "memory"),
                    env: self.string_map(e, "env"),
                    secrets: self.secrets(e),
                    mounts: self.strings(e, "mounts"),
                })
                .map(Box::new),
            empty_dirs: self
                .entries(obj, "empty_dir")
                .into_iter()
                .map(|(name, e)| EmptyDir {
                    span: self
                        .entry_span(obj, "empty_dir", &name)
                        .unwrap_or(o.name_span),
                    name,
                    mount: self.string(e, "mount"),
                    size: self.get(e, "size").as_quantity(),
                    memory: self.boolean(e, "memory"),
                })
                .collect(),
            init: self
                .entries(obj, "init")
                .into_iter()
                .map(|(name, i)| InitContainer {
                    name,
                    image: self.string(i, "image"),
                    command: self.strings(i, "command"),
                    args: self.strings(i, "args"),
                    env: self.string_map(i, "env"),
                })
                .collect(),
            termination_grace_ms: self.get(obj, "termination_grace").as_quantity(),
            labels: self.string_map(obj, "labels"),
            labels_span: self.value_span(obj, "labels"),
            retention: self
                .get(obj, "retention")
                .as_quantity()
                .map(|ms| Retention {
                    ms,
                    flag: retention_flag,
                }),
            // Unless the operator of its replicated cluster creates the
            // roles itself (`client_logins` on the replication).
            login_script: self
                .script_if_any(obj, "login_script")
                .filter(|_| !operator_creates_logins),
            login_init: self.boolean(obj, "login_init"),
        };
        Service {
            k8s_name: k8s_name(&name),
            kind: self.world.kinds[o.kind].name.clone(),
            component: self.is_component(obj),
            span: o.name_span,
            namespace: self
                .object(obj, "namespace")
                .and_then(|n| namespaces.get(&n).copied())
                .unwrap_or_default(),
            install: if self.boolean(obj, "managed") {
                Install::Cloud
            } else if let Some(chart) = self.object(obj, "chart") {
                let (cpu, memory) = (self.range(obj, "cpu"), self.range(obj, "memory"));
                Install::Chart(Box::new(self.chart(chart, obj, cpu, memory)))
            } else if let Some(replication) = &replication {
                Install::Operated(replication.operator)
            } else if let Some(by) = self
                .object(obj, "operated_by")
                .and_then(|o| services.get(&o))
            {
                Install::Operated(*by)
            } else {
                Install::Manifests
            },
            ports: match self.get(obj, "port") {
                Value::Map(m) => m
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_int().unwrap_or_default() as u16))
                    .chain(
                        replica_metrics
                            .iter()
                            .filter(|(declared, _)| declared.is_none())
                            .map(|(_, number)| (REPLICA_METRICS_PORT.to_string(), *number)),
                    )
                    .collect(),
                _ => IndexMap::new(),
            },
            service_ports: match self.get(obj, "service_port") {
                Value::Map(m) => m
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_int().unwrap_or_default() as u16))
                    .collect(),
                _ => IndexMap::new(),
            },
            service_port_spans: match self.get(obj, "service_port") {
                Value::Map(m) => m
                    .keys()
                    .map(|k| {
                        let span = self
                            .entry_span(obj, "service_port", k)
                            .unwrap_or(o.name_span);
                        (k.clone(), span)
                    })
                    .collect(),
                _ => IndexMap::new(),
            },
            load_balancer: self.object(obj, "load_balancer").map(|l| {
                Box::new(LoadBalancer {
                    ports: self.strings(l, "ports"),
                    tls: self.boolean(l, "tls"),
                    plaintext: self.boolean(l, "plaintext"),
                    source_ranges: self.strings(l, "source_ranges"),
                    span: self.value_span(obj, "load_balancer"),
                })
            }),
            port_spans: match self.get(obj, "port") {
                Value::Map(m) => m
                    .keys()
                    .map(|k| {
                        (
                            k.clone(),
                            self.entry_span(obj, "port", k).unwrap_or(o.name_span),
                        )
                    })
                    .collect(),
                _ => IndexMap::new(),
            },
            sidecars: map_objects("sidecars")
                .into_iter()
                .map(|(name, s)| self.sidecar(name, s))
                // The backup plugin's, in every instance of a cluster that
                // archives.
                .chain(
                    replication
                        .iter()
                        .filter(|r| r.archives())
                        .filter_map(|r| r.plugin_sidecar.clone()),
                )
                .collect(),
            flows: map_objects("flows")
                .into_iter()
                .map(|(name, f)| {
                    (
                        self.entry_span(obj, "flows", &name).unwrap_or(o.name_span),
                        name,
                        f,
                    )
                })
                .chain(replicated.iter().flat_map(|&r| {
                    let span = self.value_span(obj, "replication");
                    self.entries(r, "flows")
                        .into_iter()
                        .map(move |(name, f)| (span, name, f))
                }))
                .filter_map(|(span, name, f)| self.flow(span, name, f))
                .collect(),
            cpu: self.range(obj, "cpu"),
            cpu_span: self.value_span(obj, "cpu"),
            memory: self.range(obj, "memory"),
            memory_span: self.value_span(obj, "memory"),
            replicas: self.range(obj, "replicas"),
            replicas_span: self.value_span(obj, "replicas"),
            autoscale: self.object(obj, "autoscale").map(|a| {
                Box::new(Autoscale {
                    cpu: self.get(a, "cpu").as_quantity(),
                    memory: self.get(a, "memory").as_quantity(),
                    queue_depth: self.get(a, "queue_depth").as_int(),
                    queue_metric: self.string(a, "queue_metric"),
                    queue: self
                        .object(a, "queue")
                        .and_then(|q| services.get(&q).copied()),
                    span: self.value_span(obj, "autoscale"),
                })
            }),
            main_port: Some(self.string(obj, "main_port")).filter(|p| !p.is_empty()),
            management_ports: self.strings(obj, "management_ports"),
            admin_ports: self.strings(obj, "admin_ports"),
            needs,
            expose: map_objects("expose")
                .into_iter()
                .map(|(key, e)| Endpoint {
                    span: self.entry_span(obj, "expose", &key).unwrap_or(o.name_span),
                    name: key,
                    host: self.string(e, "host"),
                    port: self.string(e, "port"),
                    port_span: self.value_span(e, "port"),
                    path: self.string(e, "path"),
                    tls: self.boolean(e, "tls"),
                    authenticated: self.boolean(e, "authenticated"),
                })
                .collect(),
            pod,
            metrics: match &replica_metrics {
                Some((declared, _)) => Some(Metrics {
                    path: "/metrics".into(),
                    port: declared.as_deref().unwrap_or(REPLICA_METRICS_PORT).into(),
                    honor_labels: false,
                }),
                None => (!metrics_path.is_empty()).then(|| Metrics {
                    path: metrics_path,
                    port: self.string(obj, "metrics_port"),
                    honor_labels: self.boolean(obj, "honor_labels"),
                }),
            },
            volumes: map_objects("volume")
                .into_iter()
                .map(|(key, v)| Volume {
                    span: self.entry_span(obj, "volume", &key).unwrap_or(o.name_span),
                    name: key,
                    size: self.quantity(v, "size"),
                    class: self
                        .storage_class(self.object(v, "class").expect("volume.class is required")),
                    mount: self.string(v, "mount"),
                    disposable: self.boolean(v, "disposable"),
                })
                .collect(),
            placement: Placement {
                place: self
                    .object(obj, "place")
                    .and_then(|n| Some((*nodes.get(&n)?, self.value_span(obj, "place")))),
                node_role: self.string(obj, "node_role"),
                spread: self.boolean(obj, "spread"),
                daemon: self.boolean(obj, "daemon"),
            },
            backup: self
                .object(obj, "backup")
                .map(|b| Backup {
                    schedule: self.string(b, "schedule"),
                    keep_daily: self.int(b, "keep_daily"),
                    keep_weekly: self.int(b, "keep_weekly"),
                    bucket: self
                        .object(b, "bucket")
                        .map(|o| k8s_name(self.world.name(o)))
                        .unwrap_or_default(),
                    span: self.value_span(obj, "backup"),
                    uploader: self.string(b, "uploader"),
                    uploader_env: self.string_map(b, "uploader_env"),
                    cpu: self.range(b, "cpu"),
                    memory: self.range(b, "memory"),
                    upload: self.script(b, "upload"),
                    download: self.script(b, "download"),
                    secrets: self.secrets(b),
                })
                .map(Box::new),
            object_storage: self
                .object(obj, "object_storage")
                .map(|a| Box::new(self.bucket_access(a, self.value_span(obj, "object_storage")))),
            // A replicated cluster's instances serve the operator's metrics,
            // which its replication's alerts and panels read; one that
            // declares none serves the software's own (RabbitMQ's plugin).
            alerts: self
                .entries(observed, "alerts")
                .into_iter()
                .map(|(name, a)| self.alert(name, a))
                .collect(),
            panels: self.panels(observed),
            http_metrics: self.object(obj, "http_metrics").map(|h| {
                Box::new(HttpMetrics {
                    requests: self.string(h, "requests"),
                    errors: self.string(h, "errors"),
                    errors_where: self.string(h, "errors_where"),
                    latency: self.string(h, "latency"),
                    latency_in_ms: self.boolean(h, "latency_in_ms"),
                })
            }),
            single_server: self.boolean(obj, "single_server"),
            logins: self.client_logins(obj),
            client_logins: self.boolean(obj, "client_logins"),
            replication: replication.map(Box::new),
            cache: self
                .boolean(obj, "cache")
                .then(|| self.value_span(obj, "cache")),
            backup_method: self.object(obj, "backup_method").map(|m| {
                Box::new(BackupMethod {
                    dump: self.script(m, "dump"),
                    restore: self.script(m, "restore"),
                    check: self.string(m, "check"),
                })
            }),
            roles,
            name,
        }
    }
}

impl Lowering<'_> {
    /// A declared flow; `None` for a peer the prelude does not declare
    /// (recorded as undeclared).
    fn flow(&self, span: Span, name: String, f: ObjId) -> Option<Flow> {
        let peer = self.get(f, "peer").as_enum().unwrap_or_default();
        let found = Peer::named(peer);
        if found.is_none() {
            self.undeclared_read(format!("peer.{peer}"));
        }
        Some(Flow {
            span,
            name,
            peer: found?,
            inbound: self.boolean(f, "inbound"),
            ports: self
                .get(f, "ports")
                .as_list()
                .iter()
                .filter_map(Value::as_int)
                .map(|p| p as u16)
                .collect(),
            labels: self.string_map(f, "labels"),
            why: self.string(f, "why"),
            source: self.string(f, "source"),
        })
    }

    /// How an operator runs the service `obj` as one replicated cluster.
    fn replication(
        &self,
        obj: ObjId,
        r: ObjId,
        services: &HashMap<ObjId, ServiceId>,
    ) -> Option<Replication> {
        let ro = &self.world.objects[r];
        let operator = *services.get(&self.object(r, "operator")?)?;
        let mut replication = Replication {
            operator,
            span: self.value_span(obj, "replication"),
            operator_span: self.value_span(r, "operator"),
            plugin: self
                .object(r, "plugin")
                .and_then(|p| services.get(&p).copied()),
            bucket: self
                .object(r, "bucket")
                .map(|b| k8s_name(self.world.name(b))),
            schedule: self.string(r, "schedule"),
            keep_ms: self.quantity(r, "keep"),
            secrets: self.secrets(r),
            sidecar_env: self.string_map(r, "sidecar_env"),
            database: self.string(r, "database"),
            owner: self.string(r, "owner"),
            owner_login: self.object(r, "owner_login").map(|s| self.secret(s)),
            superuser_login: self.object(r, "superuser_login").map(|s| self.secret(s)),
            refs: Vec::new(),
            // Unset on the cluster: the clients' logins of the component.
            logins: match self.client_logins(r) {
                logins if logins.is_empty() => self.client_logins(obj),
                logins => logins,
            },
            client_logins: self.boolean(r, "client_logins"),
            plugin_sidecar: self
                .object(r, "plugin_sidecar")
                .map(|s| self.sidecar("plugin_sidecar".to_string(), s)),
            generation: self.int(r, "generation"),
            container: self.string(r, "container"),
            cluster_api: self
                .object(r, "operator")
                .and_then(|operator| self.get(operator, "cluster_api").as_enum())
                .map(str::to_string),
            fields_set: ro
                .stmts
                .iter()
                .map(|s| (s.stmt.field.name.clone(), s.stmt.span))
                .collect(),
        }
        .with_refs();
        // A RabbitmqCluster's default user, from the platform's store.
        if replication.is_rabbitmq() {
            let name = default_user_secret(&k8s_name(self.world.name(obj)));
            replication
                .refs
                .extend(DEFAULT_USER_KEYS.map(|key| SecretRef {
                    store: "sealed".into(),
                    name: name.clone(),
                    key: key.into(),
                    span: replication.span,
                }));
        }
        Some(replication)
    }

    /// The `logins` of `obj`, keyed by client, each where it is set.
    fn client_logins(&self, obj: ObjId) -> Vec<ClientLogin> {
        match self.get(obj, "logins") {
            Value::Map(m) => m
                .iter()
                .filter_map(|(client, v)| {
                    let secret = self.secret(v.as_object()?);
                    Some(ClientLogin {
                        client: client.clone(),
                        username: SecretRef {
                            key: "username".to_string(),
                            ..secret.clone()
                        },
                        secret,
                        span: (self.entry_span(obj, "logins", client))
                            .unwrap_or_else(|| self.value_span(obj, "logins")),
                    })
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    fn sidecar(&self, name: String, s: ObjId) -> Sidecar {
        Sidecar {
            name,
            cpu: self.range(s, "cpu"),
            memory: self.range(s, "memory"),
        }
    }

    fn secrets(&self, obj: ObjId) -> IndexMap<String, SecretRef> {
        match self.get(obj, "secret") {
            Value::Map(m) => m
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), self.secret(v.as_object()?))))
                .collect(),
            _ => IndexMap::new(),
        }
    }

    fn secret(&self, s: ObjId) -> SecretRef {
        SecretRef {
            store: self
                .get(s, "store")
                .as_enum()
                .unwrap_or("sealed")
                .to_string(),
            name: self.string(s, "name"),
            key: self.string(s, "key"),
            span: self.world.objects[s].span,
        }
    }

    fn receiver(&self, name: String, r: ObjId) -> Receiver {
        let secret = |field: &'static str| self.object(r, field).map(|s| self.secret(s));
        Receiver {
            name,
            severities: self
                .get(r, "severities")
                .as_list()
                .iter()
                .filter_map(|v| v.as_enum().map(str::to_string))
                .collect(),
            heartbeat: self.boolean(r, "heartbeat"),
            email: self.string(r, "email"),
            smtp: self.string(r, "smtp"),
            smtp_from: self.string(r, "smtp_from"),
            smtp_user: self.string(r, "smtp_user"),
            smtp_password: secret("smtp_password"),
            slack_channel: self.string(r, "slack_channel"),
            slack_url: secret("slack_url"),
            webhook_url: secret("webhook_url"),
        }
    }

    fn alert(&self, name: String, a: ObjId) -> Alert {
        Alert {
            name,
            span: self.world.objects[a].span,
            expr: self.string(a, "expr"),
            for_ms: self.quantity(a, "for"),
            severity: self
                .get(a, "severity")
                .as_enum()
                .unwrap_or("warning")
                .to_string(),
            summary: self.string(a, "summary"),
            runbook: self.string(a, "runbook"),
        }
    }
}

/// Each object's position in the list: the model's ids.
fn positions(objects: &[ObjId]) -> HashMap<ObjId, usize> {
    objects.iter().enumerate().map(|(i, o)| (*o, i)).collect()
}

fn number(value: &Value) -> i64 {
    match value {
        Value::Int(i) => *i,
        Value::Quantity(_, q) => *q,
        _ => 0,
    }
}

impl Lowering<'_> {
    fn terraform_provider(&self, obj: ObjId) -> TerraformProvider {
        TerraformProvider {
            registry: self.string(obj, "registry"),
            version: self.string(obj, "version"),
            terraform_version: self.string(obj, "terraform_version"),
            network_cidr: self.string(obj, "network_cidr"),
            images: self.string_map(obj, "images"),
            flexible_shapes: self.strings(obj, "flexible_shapes"),
            provenance: self.provenance(obj),
        }
    }

    /// Every shape of the loaded modules: named instances of `shape` (and
    /// of kinds extending it), and the kinds extending it that fix their
    /// provider (`oci.a1_flex`, whose size each node chooses).
    /// The newest budget that supersedes `budget`, following `supersedes`
    /// back from every budget of the loaded modules.
    fn newest_superseding(&self, budget: ObjId, platform: ObjId) -> Option<NewerBudget> {
        let kind = self.world.kind_named("budget")?;
        let budgets = (0..self.world.objects.len()).filter(|&o| {
            self.world.objects[o].name.is_some()
                && self.world.extends(self.world.objects[o].kind, kind)
        });
        let supersedes = |mut newer: ObjId| {
            // Bounded: a chain longer than the budgets loops.
            for _ in 0..self.world.objects.len() {
                match self.world.get(newer, "supersedes").as_object() {
                    Some(older) if older == budget => return true,
                    Some(older) => newer = older,
                    None => return false,
                }
            }
            false
        };
        let newest = budgets
            .filter(|&b| b != budget && supersedes(b))
            .max_by(|a, b| self.string(*a, "as_of").cmp(&self.string(*b, "as_of")))?;
        let name = self.world.name(newest).to_string();
        let module = self.world.objects[newest].module;
        // The name the platform's file gives the budget's module (`use oci`).
        let names = &self.world.names;
        let scopes = names
            .imports
            .get(&self.world.objects[platform].module)
            .into_iter()
            .chain([&names.user]);
        let prefix = scopes
            .flat_map(|scope| scope.iter())
            .find_map(|(alias, named)| {
                matches!(named.kind, crate::types::DeclKind::Module(m) if m == module)
                    .then_some(alias)
            });
        Some(NewerBudget {
            path: match prefix {
                Some(alias) => format!("{alias}.{name}"),
                None => name,
            },
            as_of: self.string(newest, "as_of"),
        })
    }

    fn shape_offers(&self) -> Vec<ShapeOffer> {
        let Some(shape) = self.world.kind_named("shape") else {
            return Vec::new();
        };
        let instances = self.world.objects.iter().enumerate().filter_map(|(id, o)| {
            let path = o.name.clone()?;
            self.world.extends(o.kind, shape).then(|| ShapeOffer {
                provider: self.string(id, "provider"),
                path,
                name: self.string(id, "name"),
                sized: false,
            })
        });
        let kinds = self
            .world
            .kinds
            .iter()
            .enumerate()
            .filter(|(id, _)| *id != shape && self.world.extends(*id, shape));
        let kinds = kinds.filter_map(|(_, kind)| {
            Some(ShapeOffer {
                provider: literal_default(kind, "provider")?,
                path: kind.name.clone(),
                name: literal_default(kind, "name").unwrap_or_default(),
                sized: true,
            })
        });
        let mut offers: Vec<ShapeOffer> = kinds
            .chain(instances)
            .filter(|o| !o.provider.is_empty())
            .collect();
        offers.sort_by(|a, b| (&a.provider, &a.path).cmp(&(&b.provider, &b.path)));
        offers.dedup_by(|a, b| a.provider == b.provider && a.path == b.path);
        offers
    }
}

/// The default a kind gives a string field, when it is a plain literal.
fn literal_default(kind: &crate::types::KindInfo, field: &'static str) -> Option<String> {
    let (stmt, _) = kind.fields.get(field)?.defaults.last()?;
    match &stmt.value.kind {
        crate::syntax::ast::ExprKind::Str(parts) => match parts.as_slice() {
            [crate::syntax::ast::StrPart::Text(text, _)] => Some(text.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// Monitoring data: alert thresholds and dashboard panels.
impl Lowering<'_> {
    fn monitoring(&self, obj: ObjId) -> Monitoring {
        let threshold = |field: &'static str| {
            let t = self
                .object(obj, field)
                .expect("monitoring thresholds are required");
            AlertThreshold {
                name: self.string(t, "name"),
                expr: self.string(t, "expr"),
                summary: self.string(t, "summary"),
                description: self.string(t, "description"),
                above: self.quantity(t, "above"),
                count: self.int(t, "count"),
                within_ms: self.quantity(t, "within"),
                for_ms: self.quantity(t, "for"),
                severity: self
                    .get(t, "severity")
                    .as_enum()
                    .unwrap_or("warning")
                    .to_string(),
                runbook: self.string(t, "runbook"),
            }
        };
        Monitoring {
            cpu: threshold("cpu"),
            memory: threshold("memory"),
            volume: threshold("volume"),
            node_disk: threshold("node_disk"),
            restarts: threshold("restarts"),
            down: threshold("down"),
            unavailable: threshold("unavailable"),
            watchdog: threshold("watchdog"),
            panels: self.panels(obj),
            provenance: self.provenance(obj),
        }
    }

    fn panels(&self, obj: ObjId) -> Vec<Panel> {
        let Value::Map(panels) = self.get(obj, "panels") else {
            return Vec::new();
        };
        panels
            .iter()
            .filter_map(|(name, v)| {
                let p = v.as_object()?;
                Some(Panel {
                    name: name.clone(),
                    title: self.string(p, "title"),
                    expr: self.string(p, "expr"),
                    unit: self.string(p, "unit"),
                    legend: self.string(p, "legend"),
                    dashboard: self
                        .get(p, "dashboard")
                        .as_enum()
                        .unwrap_or("infrastructure")
                        .to_string(),
                    chart: self
                        .get(p, "chart")
                        .as_enum()
                        .unwrap_or("timeseries")
                        .to_string(),
                })
            })
            .collect()
    }
}

/// The port a `needs` entry names: `broker.port.amqp` (the checker has
/// made sure the entry exists).
fn named_port(expr: &crate::syntax::ast::Expr) -> Option<String> {
    let crate::syntax::ast::ExprKind::Path(path) = &expr.kind else {
        return None;
    };
    match path.segments.as_slice() {
        [.., port, key] if path.segments.len() >= 3 && port.name == "port" => {
            Some(key.name.clone())
        }
        _ => None,
    }
}
