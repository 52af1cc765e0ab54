//! Every field the compiler gives meaning to reaches what hplc produces.
//!
//! A field the prelude declares, that a platform sets and the compiler
//! parses, yet that no generated file, plan or diagnostic depends on, is
//! a promise the platform does not keep (`honor_labels` once was one). So
//! each field of a prelude kind that platform.hpl's environments use is
//! changed in the checked world, one at a time (a number by one, a flag
//! flipped, a string lengthened, another variant of an enum, a list or
//! map without its last entry), the rest of the compiler is run again,
//! and the generated files, the plan and the warnings are compared with
//! the unchanged ones. A change that makes the platform invalid says
//! nothing either way, and the next object or change is tried.
//!
//! Fields that only checks read show up as changing the diagnostics; the
//! few that reach nothing on purpose are listed in UNEMITTED with the
//! reason.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use hplc::diagnostics::{Diagnostics, Severity};
use hplc::types::value::{SlotRef, Value};
use hplc::types::World;

/// Fields of prelude kinds that platform.hpl sets and that change nothing
/// generated, with why.
const UNEMITTED: &[(&str, &str, &str)] = &[
    // Besides every field named `source` or `*_source`: where a stdlib
    // datum comes from, for its readers.
    (
        "chart_render",
        "chart",
        "which chart a render came from: tests/charts.rs checks it against the helm_chart it renders",
    ),
    (
        "platform",
        "domain",
        "read by the platform's own expressions (`${platform.domain}`) as they are evaluated; the compiler reads the hosts they make",
    ),
    (
        "kubernetes_release",
        "supported",
        "set only on releases no longer offered, which platform.hpl does not pin; W0603's case test covers it",
    ),
    (
        "kubernetes_release",
        "end_of_support",
        "set on releases past their support, which platform.hpl does not pin; part of W0603's message",
    ),
    (
        "kubernetes_service",
        "name",
        "the managed service's name (OKE), for readers; messages name the cloud's provider",
    ),
    (
        "pod_network",
        "network_policy",
        "part of E0611's help, when the pod network is another provider's",
    ),
    (
        "pricing",
        "provider",
        "the cloud record selects its pricing; the field says whose prices they are, for readers",
    ),
    (
        "reservation",
        "kube_cpu_extra_core_share",
        "applies to cores beyond the reservation's table (4); platform.hpl's nodes have at most 4 (placement::allocatable's unit tests cover it)",
    ),
    (
        "replication",
        "client_logins",
        "refuses a client without a login of its own (E0911) or reading another's (E0912), which platform.hpl's clients do not; the cases client_without_login and client_with_others_login cover it",
    ),
    (
        "service",
        "single_server",
        "refuses a second replica (E0904), which no environment of platform.hpl asks for; the case replicated_single_server covers it",
    ),
    (
        "shape",
        "max_vnics",
        "VNICs limit pods only under VCN-native pod networking (pods_per_vnic); platform.hpl runs flannel (placement::allocatable's unit tests cover it)",
    ),
    (
        "shape",
        "min_vnics",
        "as max_vnics",
    ),
    (
        "shape",
        "vnics_per_ocpu",
        "as max_vnics",
    ),
    (
        "sealed_set",
        "values",
        "read once, when the platform's `sealed_values = default_sealed.values` is evaluated, before this test changes it; `platform.sealed_values`, which reaches the SealedSecrets, is checked here",
    ),
    (
        "storage_class",
        "price_gb_month",
        "the plan prices block storage by pricing.block_gb_month; pricing per class (local-path on the boot volume costs nothing extra) is still to come",
    ),
    (
        "service",
        "management_ports",
        "a management port changes the edges only where it would be the target's main port (its first), and the stdlib declares each one after the port clients use; tests/edge_ports.rs covers the case where it comes first",
    ),
];

fn excused(kind: &str, field: &str) -> bool {
    field == "source"
        || field.ends_with("_source")
        || UNEMITTED.iter().any(|(k, f, _)| *k == kind && *f == field)
}

/// What the platform as checked produces: its generated files, plan and
/// warnings.
struct Baseline {
    files: BTreeMap<String, String>,
    plan: String,
    warnings: BTreeSet<String>,
}

/// How far the world, changed, departs from the baseline: the stages
/// after type checking run again, and the files are generated only when
/// the cheaper plan and diagnostics are the same.
fn departs(
    world: &World,
    env: Option<&str>,
    base: &hplc::Compilation,
    baseline: &Baseline,
) -> Reach {
    let mut diagnostics = Diagnostics::default();
    let (model, graph, plan) = hplc::lower_and_check(world, env, &mut diagnostics);
    let diagnostics = diagnostics.into_sorted();
    let (Some(model), Some(graph), Some(plan)) = (model, graph, plan) else {
        // Refused before a plan: something read the field.
        return Reach::Diagnostics;
    };
    if diagnostics.iter().any(|d| d.severity() == Severity::Error) {
        return Reach::Diagnostics;
    }
    if hplc::placement::report::text(&model, &plan) != baseline.plan {
        return Reach::Output;
    }
    let context = hplc::emit::Context {
        platform: &model,
        graph: &graph,
        plan: &plan,
        waves: hplc::model::Waves::of(&model),
        sources: &base.sources,
        root_dir: &common::repo(),
    };
    if hplc::emit::generate(&context).files != baseline.files {
        Reach::Output
    } else if warnings(&diagnostics) != baseline.warnings {
        Reach::Diagnostics
    } else {
        Reach::Nothing
    }
}

fn warnings(diagnostics: &[hplc::diagnostics::Diagnostic]) -> BTreeSet<String> {
    diagnostics
        .iter()
        .map(|d| format!("{:?} {}", d.code, d.message))
        .collect()
}

fn baseline(compilation: &hplc::Compilation) -> Baseline {
    let output = common::generate(compilation);
    Baseline {
        files: output.files,
        plan: hplc::placement::report::text(
            compilation.model.as_ref().unwrap(),
            compilation.plan.as_ref().unwrap(),
        ),
        warnings: warnings(&compilation.diagnostics),
    }
}

/// The changes tried on a value, in order: small ones first (a number by
/// one), then ones that cross any threshold (doubled, halved, zero, one).
fn changes(value: &Value, world: &World) -> Vec<Value> {
    let mut out = match value {
        Value::Int(i) => [i + 1, i.saturating_mul(2), i / 2, 0, 1]
            .map(Value::Int)
            .to_vec(),
        Value::Bool(b) => vec![Value::Bool(!b)],
        Value::Str(s) => vec![Value::Str(format!("{s}x")), Value::Str(String::new())],
        Value::Quantity(dim, v) => [
            v + 1,
            v.saturating_mul(2),
            v / 2,
            v.saturating_add(1_000_000),
            0,
            1,
        ]
        .map(|v| Value::Quantity(*dim, v))
        .to_vec(),
        Value::Decimal(d) => vec![Value::Decimal(Box::new((d.0 + 1, d.1)))],
        Value::List(items) if !items.is_empty() => vec![
            Value::List(items[..items.len() - 1].to_vec()),
            Value::List(items[1..].to_vec()),
            Value::List(Vec::new()),
        ],
        Value::Map(map) if !map.is_empty() => {
            let mut fewer = (**map).clone();
            fewer.pop();
            vec![Value::Map(Box::new(fewer))]
        }
        Value::Range(low, high) => match high.as_int() {
            Some(h) => vec![Value::Range(low.clone(), Box::new(Value::Int(h + 1)))],
            None => vec![],
        },
        Value::Enum(id, variant) => world.enums[*id]
            .variants
            .iter()
            .filter(|v| *v != variant)
            .map(|v| Value::Enum(*id, v.clone()))
            .collect(),
        _ => vec![],
    };
    out.retain(|v| v != value);
    out.dedup();
    out
}

/// The prelude kind that declares field `field` of kind `kind`: the
/// topmost ancestor that has it.
fn declaring_kind(world: &World, kind: usize, field: &str) -> usize {
    let mut at = kind;
    while let Some(parent) = world.kinds[at].parent {
        if !world.kinds[parent].fields.contains_key(field) {
            break;
        }
        at = parent;
    }
    at
}

/// Every object the platform's instances reach, through their fields.
fn reachable(world: &World) -> Vec<usize> {
    fn visit(value: &Value, out: &mut Vec<usize>) {
        match value {
            Value::Object(id) => out.push(*id),
            Value::List(items) => items.iter().for_each(|v| visit(v, out)),
            Value::Map(map) => map.values().for_each(|v| visit(v, out)),
            Value::Range(a, b) => {
                visit(a, out);
                visit(b, out);
            }
            _ => {}
        }
    }
    let mut seen: BTreeSet<usize> = world.instances.iter().copied().collect();
    seen.extend(world.platform);
    let mut stack: Vec<usize> = seen.iter().copied().collect();
    let mut order = Vec::new();
    while let Some(id) = stack.pop() {
        order.push(id);
        for slot in world.objects[id].fields.iter() {
            if let SlotRef::Done(value) = slot {
                let mut next = Vec::new();
                visit(value, &mut next);
                for id in next {
                    if seen.insert(id) {
                        stack.push(id);
                    }
                }
            }
        }
    }
    order
}

/// Objects of one kind in which a field is changed, at most: a field
/// reaches the output through every object or through none.
const TRIES: usize = 64;

/// Whether an object's field is set by a source: the object's own
/// statements, or a kind of the stdlib or the platform (`kind
/// kube_state_metrics: service { honor_labels = true }`), not only by the
/// prelude's default.
fn set_in_source(world: &World, id: usize, field: &str) -> bool {
    let object = &world.objects[id];
    object.stmt_span(field).is_some()
        || world.kinds[object.kind].fields.get(field).is_some_and(|f| {
            f.defaults
                .iter()
                .any(|(_, module)| *module != world.names.prelude)
        })
}

/// How far a field reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Reach {
    Nothing,
    Diagnostics,
    Output,
}

/// Adds to `reach` how far each field set in environment `env` reaches;
/// a field known to reach something already is not tried again.
fn reach_of_fields(env: Option<&str>, reach: &mut BTreeMap<(String, String), Reach>) {
    let mut compilation = common::compile(env);
    let baseline = baseline(&compilation);
    let mut tried: BTreeMap<(String, String), usize> = BTreeMap::new();
    for id in reachable(&compilation.world) {
        let kind = compilation.world.objects[id].kind;
        for index in 0..compilation.world.objects[id].fields.len() {
            let field = compilation.world.kinds[kind].field_names[index].to_string();
            let owner = declaring_kind(&compilation.world, kind, &field);
            if !compilation.world.kinds[owner].builtin {
                continue;
            }
            let key = (compilation.world.kinds[owner].name.clone(), field);
            if reach.get(&key).is_some_and(|r| *r > Reach::Nothing) {
                continue;
            }
            let object = &compilation.world.objects[id];
            // Set in the source (a prelude default changes nothing when the
            // field does not apply), in at most a few objects of each kind.
            if !set_in_source(&compilation.world, id, &key.1)
                || tried.get(&key) >= Some(&TRIES)
                || excused(&key.0, &key.1)
            {
                continue;
            }
            let Some(SlotRef::Done(original)) = object.fields.get(index) else {
                continue;
            };
            let original = original.clone();
            let candidates = changes(&original, &compilation.world);
            if candidates.is_empty() {
                continue;
            }
            *tried.entry(key.clone()).or_default() += 1;
            let mut found = *reach.get(&key).unwrap_or(&Reach::Nothing);
            for changed in candidates {
                compilation.world.objects[id]
                    .fields
                    .set_value(index, changed);
                let now = departs(&compilation.world, env, &compilation, &baseline);
                (compilation.world.objects[id].fields).set_value(index, original.clone());
                found = found.max(now);
                if found > Reach::Nothing {
                    break;
                }
            }
            reach.insert(key, found);
        }
    }
}

#[test]
fn every_field_platform_hpl_sets_reaches_what_hplc_produces() {
    let mut reach: BTreeMap<(String, String), Reach> = BTreeMap::new();
    for (_, env) in common::environments() {
        reach_of_fields(env.as_deref(), &mut reach);
    }
    let silent: Vec<String> = reach
        .iter()
        .filter(|(_, found)| **found == Reach::Nothing)
        .map(|((kind, field), _)| format!("{kind}.{field}"))
        .collect();
    let counts = reach.values().fold(BTreeMap::new(), |mut m, r| {
        *m.entry(format!("{r:?}")).or_insert(0) += 1;
        m
    });
    eprintln!("fields by reach: {counts:?}");
    assert!(
        reach.len() > 100,
        "only {} fields of prelude kinds were tried",
        reach.len()
    );
    assert!(
        silent.is_empty(),
        "fields that platform.hpl sets and nothing generated depends on:\n  {}",
        silent.join("\n  ")
    );
}
