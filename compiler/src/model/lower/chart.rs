//! Lowering a component's upstream chart: the pinned chart, its fixed
//! values, the workloads hplc sets, and what the chart renders.

use super::Lowering;
use crate::model::{
    Chart, ChartPod, ChartRender, Data, Derived, Range, RenderedContainer, RenderedService,
    RenderedWorkload,
};
use crate::types::value::{ObjId, Value};

impl Lowering<'_> {
    /// The chart of a component that asks `cpu` and `memory` (what a
    /// workload hplc sets asks, unless the chart says otherwise).
    /// `instance` sets its own values (`chart_values`) over the kind's.
    pub(super) fn chart(&self, obj: ObjId, instance: ObjId, cpu: Range, memory: Range) -> Chart {
        let pods = self
            .entries(obj, "pods")
            .into_iter()
            .map(|(_, p)| ChartPod {
                workload: self.string(p, "workload"),
                container: self.string(p, "container"),
                resources: self.string(p, "resources"),
                node_selector: self.string(p, "node_selector"),
                cpu: self.optional_range(p, "cpu").unwrap_or(cpu),
                memory: self.optional_range(p, "memory").unwrap_or(memory),
            })
            .collect();
        let derive = self
            .objects(obj, "derive")
            .into_iter()
            .filter_map(|d| {
                let name = self.get(d, "value").as_enum().unwrap_or_default();
                let derived = Derived::named(name);
                if derived.is_none() {
                    self.undeclared_read(format!("derived.{name}"));
                }
                Some((derived?, self.string(d, "at"), self.string(d, "secret")))
            })
            .collect();
        let render = self
            .object(obj, "render")
            .map(|r| ChartRender {
                chart: self.string(r, "chart"),
                workloads: self
                    .objects(r, "workloads")
                    .into_iter()
                    .map(|w| RenderedWorkload {
                        workload: self.string(w, "workload"),
                        per_node: self.boolean(w, "per_node"),
                        replicas: self.int(w, "replicas"),
                        containers: self
                            .objects(w, "containers")
                            .into_iter()
                            .map(|c| RenderedContainer {
                                name: self.string(c, "name"),
                                image: self.string(c, "image"),
                                cpu: Range {
                                    request: self.quantity(c, "cpu_request"),
                                    limit: self.quantity(c, "cpu_limit"),
                                },
                                memory: Range {
                                    request: self.quantity(c, "memory_request"),
                                    limit: self.quantity(c, "memory_limit"),
                                },
                                init: self.boolean(c, "init"),
                            })
                            .collect(),
                    })
                    .collect(),
                services: self
                    .objects(r, "services")
                    .into_iter()
                    .map(|s| RenderedService {
                        name: self.string(s, "name"),
                        ports: self.port_map(s, "port"),
                        targets: self.port_map(s, "target"),
                    })
                    .collect(),
                provides: self.strings(r, "provides"),
                uses: self.strings(r, "uses"),
            })
            .unwrap_or(ChartRender {
                chart: String::new(),
                workloads: Vec::new(),
                services: Vec::new(),
                provides: Vec::new(),
                uses: Vec::new(),
            });
        Chart {
            repo: self.string(obj, "repo"),
            name: self.string(obj, "name"),
            path: self.string(obj, "path"),
            manifest: self.boolean(obj, "manifest"),
            release_asset: self.string(obj, "release_asset"),
            images: self.strings(obj, "images"),
            pods_named: self.string(obj, "pods_named"),
            version: self.string(obj, "version"),
            home: self.string(obj, "home"),
            fullname: self.string(obj, "fullname"),
            values: merged(
                data(self.get(obj, "values")),
                data(self.get(instance, "chart_values")),
            ),
            pods,
            derive,
            render,
            provenance: self.provenance(obj),
        }
    }

    pub(super) fn port_map(
        &self,
        obj: ObjId,
        field: &'static str,
    ) -> indexmap::IndexMap<String, u16> {
        match self.get(obj, field) {
            Value::Map(m) => m
                .iter()
                .map(|(k, v)| (k.clone(), v.as_int().unwrap_or_default() as u16))
                .collect(),
            _ => Default::default(),
        }
    }

    fn optional_range(&self, obj: ObjId, field: &'static str) -> Option<Range> {
        matches!(self.get(obj, field), Value::Range(..)).then(|| self.range(obj, field))
    }

    /// The records of a list field.
    pub(super) fn objects(&self, obj: ObjId, field: &'static str) -> Vec<ObjId> {
        self.get(obj, field)
            .as_list()
            .iter()
            .filter_map(Value::as_object)
            .collect()
    }

    /// The records of a map field, by key.
    pub(super) fn entries(&self, obj: ObjId, field: &'static str) -> Vec<(String, ObjId)> {
        match self.get(obj, field) {
            Value::Map(m) => m
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_object()?)))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// A checked `data` value (the type checker let nothing else through).
fn data(value: &Value) -> Data {
    match value {
        Value::Bool(b) => Data::Bool(*b),
        Value::Int(i) => Data::Int(*i),
        Value::Decimal(d) => Data::Decimal(d.0, d.1),
        Value::Str(s) => Data::Str(s.clone()),
        Value::Quantity(d, q) => Data::Quantity(*d, *q),
        Value::List(items) => Data::List(items.iter().map(data).collect()),
        Value::Map(entries) => {
            Data::Map(entries.iter().map(|(k, v)| (k.clone(), data(v))).collect())
        }
        _ => Data::Map(Default::default()),
    }
}

/// `over` laid over `base`: records merged key by key, anything else
/// replaced, as Helm merges values.
fn merged(base: Data, over: Data) -> Data {
    match (base, over) {
        (Data::Map(mut base), Data::Map(over)) => {
            for (key, value) in over {
                let value = match base.shift_remove(&key) {
                    Some(old) => merged(old, value),
                    None => value,
                };
                base.insert(key, value);
            }
            Data::Map(base)
        }
        (_, over) => over,
    }
}
