//! Instances and environments: creating the objects of named instances and
//! applying the selected environment's overlay to them.

use super::decl::DeclKind;
use super::scope::PendingInstance;
use super::ty::KindId;
use super::value::{Fields, ObjId, Object, Source};
use super::{did_you_mean_among, Checker};
use crate::diagnostics::{Code, Diagnostic};
use crate::resolve::modules::ModuleId;
use crate::resolve::suggest;
use crate::source::Span;
use crate::syntax::ast;

/// `none`, the value that takes an instance out of an environment.
fn is_none(expr: &ast::Expr) -> bool {
    matches!(&expr.kind, ast::ExprKind::Path(p) if p.segments.len() == 1 && p.segments[0].name == "none")
}

/// The name of the platform without an overlay: what `--env default`
/// selects, and what generated files and reports call it.
pub const DEFAULT_ENV: &str = "default";

impl<'a> Checker<'a> {
    /// Creates the objects of all named instances in the platform's
    /// declaration order: the root file first, then the other files by
    /// path, each top to bottom. The order `use` lines name files in, or
    /// load them in, changes nothing.
    pub(crate) fn create_instances(&mut self) {
        let loaded = self.loaded;
        let root = loaded
            .modules
            .iter()
            .position(|m| m.origin == crate::resolve::modules::Origin::User);
        // The root file's instances first, then the platform's other
        // files, then the stdlib's, each file by path: the modules ranked
        // once (a path is a new string), equal keys equal ranks, and the
        // instances sorted by rank and position.
        let module_key = |module: ModuleId| {
            let file = loaded.sources.get(loaded.modules[module].file);
            let path = file
                .path
                .as_ref()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_else(|| file.name.clone());
            (Some(module) != root, !self.is_user(module), path)
        };
        let mut modules: Vec<_> = (0..loaded.modules.len())
            .map(|m| (module_key(m), m))
            .collect();
        modules.sort();
        let (mut rank, mut current) = (vec![0usize; modules.len()], 0);
        for (at, (key, module)) in modules.iter().enumerate() {
            if at > 0 && modules[at - 1].0 != *key {
                current = at;
            }
            rank[*module] = current;
        }
        let mut order: Vec<usize> = (0..self.pending.len()).collect();
        order.sort_by_key(|&p| {
            let pending = &self.pending[p];
            (rank[pending.module], pending.ast.span.start)
        });
        self.world.objects.reserve(order.len());
        for pending in order {
            self.create_instance(pending);
        }
    }

    fn create_instance(&mut self, pending: usize) {
        let module = self.pending[pending].module;
        let ast = self.pending[pending].ast;
        let Some(kind) = self.resolve_kind_path(&ast.kind, module) else {
            return;
        };
        let stmts = self.sources(kind, &ast.body, module);
        let (name, name_span, span) = (ast.name.name.clone(), ast.name.span, ast.span);
        let obj = self.new_object(kind, Some(name), name_span, span, module, stmts);
        self.pending[pending].obj = Some(obj);
        if self.is_user(module) {
            self.world.instances.push(obj);
        }
    }

    /// The statements of an instance or record of `kind`, read in `module`.
    pub(crate) fn sources(
        &self,
        kind: KindId,
        stmts: &[std::sync::Arc<ast::Stmt>],
        module: ModuleId,
    ) -> Vec<Source> {
        let fields = &self.world.kinds[kind].fields;
        stmts
            .iter()
            .map(|stmt| Source {
                stmt: stmt.clone(),
                field: fields.get_index_of(&stmt.field.name),
                module,
                from_env: false,
            })
            .collect()
    }

    pub(crate) fn new_object(
        &mut self,
        kind: usize,
        name: Option<String>,
        name_span: Span,
        span: Span,
        module: ModuleId,
        stmts: Vec<Source>,
    ) -> ObjId {
        let mut object = super::value::Object {
            kind,
            name,
            name_span,
            span,
            module,
            stmts,
            set: 0,
            evaluated: false,
            fields: Fields::default(),
        };
        object.index_stmts();
        // A field its statements set is computed to a value of its own;
        // the rest mostly read the kind's default.
        let own_values = object.set.count_ones() as usize;
        object.fields = Fields::pending(self.world.kinds[kind].field_names.len(), own_values);
        self.world.objects.push(object);
        self.world.objects.len() - 1
    }

    /// The object of a named instance, if its kind resolved.
    pub(crate) fn instance_object(&self, pending: usize) -> Option<ObjId> {
        self.pending[pending].obj
    }

    /// Adds the environment's instances and applies its overrides.
    pub(crate) fn apply_env(&mut self, env: Option<&str>) {
        if let Some(name) = env {
            match self.envs.get(name).copied() {
                Some((module, decl)) => self.apply_env_decl(module, decl),
                // The base platform, as the output and `hplc check` name it.
                None if name == DEFAULT_ENV => {}
                None => {
                    let names: Vec<String> = self.envs.keys().cloned().collect();
                    let span = self.platform_name_span();
                    let declared = if names.is_empty() {
                        "none".to_string()
                    } else {
                        names.join(", ")
                    };
                    let help = suggest::did_you_mean(
                        name,
                        names.iter().map(String::as_str),
                        &format!("declared environments: {declared}"),
                    );
                    self.report(
                        Diagnostic::new(
                            Code::UnknownEnv,
                            span,
                            format!("there is no environment `{name}`"),
                        )
                        .label("in this platform")
                        .help(help),
                    );
                }
            }
        }
        self.find_platform();
    }

    /// The name of the platform instance, for problems with the platform as
    /// a whole; the start of the root file when there is none.
    fn platform_name_span(&self) -> Span {
        let Some(kind) = self.world.kind_named("platform") else {
            return self.platform_span();
        };
        self.world
            .instances
            .iter()
            .find(|o| self.world.extends(self.world.objects[**o].kind, kind))
            .map(|o| self.world.objects[*o].name_span)
            .unwrap_or_else(|| self.platform_span())
    }

    fn platform_span(&self) -> Span {
        let root = self
            .loaded
            .modules
            .iter()
            .find(|m| m.origin == crate::resolve::modules::Origin::User);
        root.map(|m| Span::new(m.file, 0, 0)).unwrap_or_default()
    }

    fn apply_env_decl(&mut self, module: ModuleId, decl: &'a ast::EnvDecl) {
        for instance in &decl.instances {
            let pending = self.pending.len();
            self.pending.push(PendingInstance {
                ast: instance,
                module,
                obj: None,
            });
            if self.declare(&instance.name, DeclKind::Instance(pending), module) {
                self.create_instance(pending);
            }
        }
        for o in &decl.overrides {
            self.apply_override(module, o);
        }
    }

    fn apply_override(&mut self, module: ModuleId, o: &ast::Override) {
        let segments = &o.target.segments;
        let removal = segments.len() == 1 && o.key.is_none() && is_none(&o.value);
        if segments.len() != 2 && !removal {
            self.report(
                Diagnostic::new(Code::NoSuchMember, o.target.span, "an override names an instance and one of its fields")
                    .label("expected `instance.field`")
                    .help("write `health_api.replicas = 3 ..= 10`, `health_api.port http = 8080` for a map entry, or `health_api = none` to take the instance out"),
            );
            return;
        }
        let target = &segments[0];
        let Some(obj) = self.overridden_instance(module, target) else {
            return;
        };
        if let Some(removed_at) = self.removed.get(&obj).copied() {
            self.report(
                Diagnostic::new(
                    Code::RemovedInstanceUsed,
                    o.span,
                    format!("`{}` is taken out of this environment", target.name),
                )
                .label("set after it was taken out")
                .with_label(removed_at, "taken out here")
                .help("remove this override, or keep the instance"),
            );
            return;
        }
        if removal {
            // Out of the platform's instances, so nothing lowers it; its
            // fields are never evaluated, and a reference to it is E0122.
            self.world.instances.retain(|i| *i != obj);
            self.removed.insert(obj, o.span);
            return;
        }
        let field = &segments[1];
        let stmt = ast::Stmt {
            field: field.clone(),
            key: o.key.clone().map(Box::new),
            value: o.value.clone(),
            span: o.span,
        };
        let index = self.world.kinds[self.world.objects[obj].kind]
            .fields
            .get_index_of(&field.name);
        let object: &mut Object = &mut self.world.objects[obj];
        object.stmts.retain(|s| {
            s.stmt.field.name != field.name
                || (o.key.is_some()
                    && s.stmt.key.as_ref().map(|k| &k.name) != o.key.as_ref().map(|k| &k.name))
        });
        object.stmts.push(Source {
            stmt: stmt.into(),
            field: index,
            module,
            from_env: true,
        });
        object.index_stmts();
    }

    /// The object of the instance an override names, after reporting a
    /// name that is not one.
    fn overridden_instance(&mut self, module: ModuleId, target: &ast::Ident) -> Option<ObjId> {
        let Some(decl) = self.lookup(module, &target.name) else {
            self.unknown_name(target, module, &[]);
            return None;
        };
        let DeclKind::Instance(pending) = decl.kind else {
            self.report(
                Diagnostic::new(
                    Code::NotAValue,
                    target.span,
                    format!(
                        "`{}` is {}, not an instance",
                        target.name,
                        decl.kind.describe()
                    ),
                )
                .label("not an instance")
                .help("an environment overrides fields of instances"),
            );
            return None;
        };
        self.instance_object(pending)
    }

    /// Reports a reference, at `span`, to an instance the environment took
    /// out; `None` when it is one.
    pub(crate) fn present(&mut self, obj: ObjId, span: Span) -> Option<ObjId> {
        let Some(removed_at) = self.removed.get(&obj).copied() else {
            return Some(obj);
        };
        let name = self.world.name(obj).to_string();
        self.report(
            Diagnostic::new(
                Code::RemovedInstanceUsed,
                span,
                format!("`{name}` is taken out of this environment, but is still used here"),
            )
            .label("used here")
            .with_label(removed_at, "taken out here")
            .help(format!(
                "take out what uses `{name}` too, or override this field so that it no longer names it"
            )),
        );
        None
    }

    /// Whether a kind or one of its ancestors is part of an `extends` cycle.
    pub(crate) fn kind_is_broken(&self, mut kind: usize) -> bool {
        loop {
            if self.world.kinds[kind].broken {
                return true;
            }
            match self.world.kinds[kind].parent {
                Some(p) => kind = p,
                None => return false,
            }
        }
    }

    fn find_platform(&mut self) {
        let Some(platform_kind) = self.world.kind_named("platform") else {
            return;
        };
        let platforms: Vec<ObjId> = self
            .world
            .instances
            .iter()
            .copied()
            .filter(|o| {
                self.world
                    .extends(self.world.objects[*o].kind, platform_kind)
            })
            .collect();
        match platforms.as_slice() {
            // A file that could not be read or parsed has told its story.
            [] if self.diagnostics.has_errors() => {}
            [] => {
                let span = self.platform_span();
                self.report(
                    Diagnostic::new(Code::NoPlatform, span, "this file declares no platform")
                        .label("no `platform` in this file or the files it uses")
                        .help("declare one: `platform health { domain = \"example.com\"  cloud = oci.eu_amsterdam_1  trusted_cidrs = [] }`"),
                );
            }
            [first, rest @ ..] => {
                self.world.platform = Some(*first);
                for other in rest {
                    let (span, first_span) = (
                        self.world.objects[*other].name_span,
                        self.world.objects[*first].name_span,
                    );
                    self.report(
                        Diagnostic::new(Code::SecondPlatform, span, "a second platform is declared")
                            .label("second platform")
                            .with_label(first_span, "first platform")
                            .help("one compilation describes one platform; split the others into their own files"),
                    );
                }
            }
        }
    }

    /// Unknown fields, entries on non-map fields, fields set twice, and
    /// required fields left unset: checked once per object, before any
    /// value is evaluated.
    pub(crate) fn validate_statements(&mut self) {
        for obj in 0..self.world.objects.len() {
            if self.removed.contains_key(&obj) {
                continue;
            }
            self.validate_object(obj);
        }
    }

    pub(crate) fn validate_object(&mut self, obj: ObjId) {
        if self.kind_is_broken(self.world.objects[obj].kind) {
            return;
        }
        // Borrowed, not cloned: this runs for every object and record.
        let object = &self.world.objects[obj];
        let kind = &self.world.kinds[object.kind];
        let kind_name = &kind.name;
        let fields = &kind.fields;
        let mut seen: Vec<(&str, Option<&str>, Span)> = Vec::with_capacity(object.stmts.len());
        let mut problems = Vec::new();
        // Required fields an unknown field was probably meant to be: the
        // "did you mean" says it already.
        let mut misspelled: Vec<&String> = Vec::new();
        for source in &object.stmts {
            let stmt = &source.stmt;
            // `source.field` is where this name is in `fields`, found once
            // when the object was made.
            let Some((_, field)) = source.field.and_then(|index| fields.get_index(index)) else {
                if let Some(close) =
                    suggest::closest(&stmt.field.name, fields.keys().map(String::as_str))
                {
                    if let Some((name, _)) = fields.get_key_value(close) {
                        misspelled.push(name);
                    }
                }
                let help = did_you_mean_among(
                    &stmt.field.name,
                    fields.keys().map(String::as_str),
                    &format!("the fields of `{kind_name}` are"),
                );
                problems.push(
                    Diagnostic::new(
                        Code::UnknownField,
                        stmt.field.span,
                        format!("`{kind_name}` has no field `{}`", stmt.field.name),
                    )
                    .label("unknown field")
                    .help(help),
                );
                continue;
            };
            if let Some(key) = &stmt.key {
                if !matches!(field.ty.inner(), super::ty::Ty::Map(_)) {
                    problems.push(
                        Diagnostic::new(
                            Code::NotAMap,
                            key.span,
                            format!(
                                "`{}` is not a map, so it takes no entry name",
                                stmt.field.name
                            ),
                        )
                        .label("unexpected entry name")
                        .help(format!("write `{} = value`", stmt.field.name)),
                    );
                    continue;
                }
            }
            let key = stmt.key.as_ref().map(|k| k.name.as_str());
            if let Some((_, _, first)) = seen.iter().find(|(f, k, _)| {
                *f == stmt.field.name && (*k == key || k.is_none() || key.is_none())
            }) {
                let what = match key {
                    Some(k) => format!("`{} {k}`", stmt.field.name),
                    None => format!("`{}`", stmt.field.name),
                };
                problems.push(
                    Diagnostic::new(
                        Code::FieldSetTwice,
                        stmt.span,
                        format!("{what} is set twice"),
                    )
                    .label("set again here")
                    .with_label(*first, "first set here")
                    .help(
                        "remove one of them; to change a value per environment use an `env` block",
                    ),
                );
                continue;
            }
            seen.push((&stmt.field.name, key, stmt.span));
        }
        let broken = self.syntax_errors.iter().any(|e| {
            e.file == object.span.file && e.start >= object.span.start && e.end <= object.span.end
        });
        let none_missing = self.required[object.kind].is_some_and(|r| r & !object.set == 0);
        let missing: Vec<&String> = if none_missing {
            Vec::new()
        } else {
            (fields.iter().enumerate())
                .filter(|(index, (_, f))| {
                    f.is_required() && object.sets_at(*index).next().is_none()
                })
                .map(|(_, (name, _))| name)
                .filter(|name| !misspelled.contains(name))
                .collect()
        };
        if !missing.is_empty() && !broken {
            let list: Vec<String> = missing.iter().map(|m| format!("`{m}`")).collect();
            let what = match &object.name {
                Some(name) => format!("`{name}`"),
                None => format!("this `{kind_name}`"),
            };
            let plural = if missing.len() == 1 {
                "field"
            } else {
                "fields"
            };
            problems.push(
                Diagnostic::new(
                    Code::MissingField,
                    object.name_span,
                    format!(
                        "{what} is missing the required {plural} {}",
                        list.join(", ")
                    ),
                )
                .label(format!("needs {}", list.join(", ")))
                .help(format!("set {} in the body of {what}", list.join(", "))),
            );
        }
        for p in problems {
            self.report(p);
        }
    }
}
