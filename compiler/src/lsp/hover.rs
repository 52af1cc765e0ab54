//! `textDocument/hover`: what the name under the cursor is, its type, and
//! its value in the active environment; for a node, its allocatable and how
//! full the plan makes it; for a service, where its replicas run; for a
//! kind, its fields.

use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};

use super::index::{Occurrence, Target};
use super::position::LineIndex;
use super::project::Project;
use super::show;
use crate::model::show as quantity;
use crate::resolve::modules::Origin;
use crate::source::FileId;
use crate::types::ty::KindId;
use crate::types::value::ObjId;

pub fn hover(project: &Project, file: FileId, offset: usize) -> Option<Hover> {
    let occurrence = project.index.at(file, u32::try_from(offset).ok()?)?;
    let value = describe(project, occurrence)?;
    let range = LineIndex::new(project.text(file)).span_range(occurrence.span);
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range: Some(range),
    })
}

fn describe(project: &Project, occurrence: &Occurrence) -> Option<String> {
    let c = &project.compilation;
    let world = &c.world;
    Some(match &occurrence.target {
        Target::Kind(k) => kind(project, *k),
        Target::Enum(e) => {
            let info = world.enums.get(*e)?;
            code(&format!(
                "enum {} {{ {} }}",
                info.name,
                info.variants.join(", ")
            ))
        }
        Target::Variant(e, variant) => code(&format!("{}.{variant}", world.enums.get(*e)?.name)),
        Target::Let(l) => {
            let info = world.names.lets.get(*l)?;
            let value = info
                .value
                .as_ref()
                .map_or("none: it has an error".to_string(), |v| {
                    show::value(world, v)
                });
            code(&format!("let {} = {value}", info.name))
        }
        Target::Instance(obj) => instance(project, *obj),
        Target::Module(m) => {
            let module = c.modules.get(*m)?;
            match &module.origin {
                Origin::Stdlib(name) => format!("stdlib module `{}`", name.replace('/', ".")),
                Origin::User => format!("file `{}`", c.sources.get(module.file).name),
            }
        }
        Target::Field(k, name) => field(project, *k, name, occurrence.owner)?,
    })
}

/// A default written over several lines, shortened to its first.
fn one_line(text: &str) -> String {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default().to_string();
    if lines.next().is_some() {
        first + " …"
    } else {
        first
    }
}

fn code(text: &str) -> String {
    format!("```hpl\n{text}\n```")
}

/// `kind postgres: service` and every field, inherited ones first.
fn kind(project: &Project, k: KindId) -> String {
    let c = &project.compilation;
    let info = &c.world.kinds[k];
    let parent = info
        .parent
        .map(|p| format!(": {}", c.world.kinds[p].name))
        .unwrap_or_default();
    let mut lines = vec![format!("kind {}{parent} {{", info.name)];
    for (name, f) in &info.fields {
        let default = f.defaults.last().map(|(stmt, _)| {
            format!(
                " = {}",
                one_line(c.sources.get(stmt.value.span.file).slice(stmt.value.span))
            )
        });
        lines.push(format!(
            "  {name}: {}{}",
            c.world.show_ty(&f.ty),
            default.unwrap_or_default()
        ));
    }
    lines.push("}".into());
    code(&lines.join("\n"))
}

/// A field's type, where it is declared, and its value on the object at
/// hand in the active environment.
fn field(project: &Project, k: KindId, name: &str, owner: Option<ObjId>) -> Option<String> {
    let world = &project.compilation.world;
    let info = world.kinds.get(k)?.fields.get(name)?;
    let mut text = code(&format!("{name}: {}", world.show_ty(&info.ty)));
    let declared_in = world
        .kinds
        .iter()
        .find(|kind| kind.ast.fields.iter().any(|f| f.name.span == info.span));
    if let Some(declared_in) = declared_in {
        text.push_str(&format!("\n\nA field of `{}`", declared_in.name));
        text.push_str(if info.is_required() {
            ", required."
        } else {
            "."
        });
    }
    if let Some(obj) = owner {
        let object = &world.objects[obj];
        let set = object
            .stmts
            .iter()
            .rfind(|s| s.stmt.field.name == name && s.stmt.key.is_none());
        let how = match set {
            Some(source) if source.from_env => " (set by the environment)",
            Some(_) => "",
            None if object.stmts.iter().any(|s| s.stmt.field.name == name) => {
                " (with the entries set here)"
            }
            None => " (the default)",
        };
        let owner_name = object
            .name
            .as_deref()
            .map(|n| format!(" of `{n}`"))
            .unwrap_or_default();
        text.push_str(&format!(
            "\n\nValue{owner_name} in environment `{}`: {}{how}",
            project.env_name(),
            show::field(world, obj, name)
        ));
    }
    Some(text)
}

fn instance(project: &Project, obj: ObjId) -> String {
    let c = &project.compilation;
    let world = &c.world;
    let object = &world.objects[obj];
    let kind = world.kinds[object.kind].name.as_str();
    let name = world.name(obj);
    let mut text = code(&format!("{kind} {name}"));
    let is = |prelude: &str| {
        world
            .kind_named(prelude)
            .is_some_and(|p| world.extends(object.kind, p))
    };
    let extra = if is("node") {
        node(project, name)
    } else if is("service") {
        service(project, name)
    } else {
        fields(project, obj)
    };
    text.push_str("\n\n");
    text.push_str(&extra);
    text
}

fn fields(project: &Project, obj: ObjId) -> String {
    let world = &project.compilation.world;
    let object = &world.objects[obj];
    let lines: Vec<String> = world.kinds[object.kind]
        .field_names
        .iter()
        .map(|name| format!("- `{name}`: {}", show::field(world, obj, name)))
        .collect();
    format!(
        "In environment `{}`:\n\n{}",
        project.env_name(),
        lines.join("\n")
    )
}

fn no_plan(project: &Project) -> String {
    format!(
        "No placement plan in environment `{}`: the platform has errors to fix first.",
        project.env_name()
    )
}

/// Allocatable and requested CPU, memory, pods and node-local storage.
fn node(project: &Project, name: &str) -> String {
    let c = &project.compilation;
    let (Some(model), Some(plan)) = (&c.model, &c.plan) else {
        return no_plan(project);
    };
    let Some(id) = model.node_named(name) else {
        return no_plan(project);
    };
    let Some(n) = plan.nodes.iter().find(|n| n.node == id) else {
        return no_plan(project);
    };
    let node = &model.nodes[id];
    let a = &n.allocatable;
    let row = |what: &str, used: i64, total: i64, show: &dyn Fn(i64) -> String| {
        format!(
            "| {what} | {} | {} | {}% |",
            show(used),
            show(total),
            quantity::percent(used, total)
        )
    };
    let plain = |v: i64| v.to_string();
    let mut replicas: Vec<(String, usize)> = Vec::new();
    for placement in plan.placements.iter().filter(|p| p.node == id) {
        let name = &model.services[placement.service].name;
        match replicas.iter_mut().find(|(n, _)| n == name) {
            Some((_, count)) => *count += 1,
            None => replicas.push((name.clone(), 1)),
        }
    }
    let replicas: Vec<String> = replicas
        .into_iter()
        .map(|(name, count)| {
            if count == 1 {
                name
            } else {
                format!("{name} ×{count}")
            }
        })
        .collect();
    [
        format!(
            "Shape {} ({}, {} CPU, {} memory); in environment `{}`:",
            node.shape.name,
            node.shape.arch,
            quantity::cpu(node.shape.cpu),
            quantity::bytes(node.shape.memory),
            project.env_name()
        ),
        String::new(),
        "| | requested | allocatable | used |".into(),
        "|---|---|---|---|".into(),
        row("CPU", n.requested_cpu, a.cpu, &quantity::cpu),
        row("memory", n.requested_memory, a.memory, &quantity::bytes),
        row("pods", n.pods, a.max_pods, &plain),
        row(
            "node-local volumes",
            n.local_storage,
            n.local_storage_available,
            &quantity::bytes,
        ),
        String::new(),
        format!(
            "Replicas here: {}",
            if replicas.is_empty() {
                "none".to_string()
            } else {
                replicas.join(", ")
            }
        ),
    ]
    .join("\n")
}

/// Per-pod requests and the nodes the replicas were placed on.
fn service(project: &Project, name: &str) -> String {
    let c = &project.compilation;
    let (Some(model), Some(plan)) = (&c.model, &c.plan) else {
        return no_plan(project);
    };
    let Some(id) = model.services.iter().position(|s| s.name == name) else {
        return no_plan(project);
    };
    let service = &model.services[id];
    let (cpu, memory) = (service.pod_cpu(), service.pod_memory());
    let nodes: Vec<String> = plan
        .nodes_of(id)
        .into_iter()
        .map(|n| model.nodes[n].name.clone())
        .collect();
    format!(
        "In environment `{}`: {} replica(s) on {}; each pod requests {} CPU (limit {}) and {} memory (limit {}), namespace `{}`.",
        project.env_name(),
        nodes.len(),
        if nodes.is_empty() { "no node".to_string() } else { nodes.join(", ") },
        quantity::cpu(cpu.request),
        quantity::cpu(cpu.limit),
        quantity::bytes(memory.request),
        quantity::bytes(memory.limit),
        model.namespace_of(service).name
    )
}
