//! The chart backend: what installs the components that come from upstream
//! charts. hplc never renders a chart; it writes, for each such component,
//!
//! - `charts/<namespace>/<release>.yaml`: the values, which are the chart's
//!   fixed values from the stdlib with what the model sets (requests and
//!   limits, the nodes the pods may run on) at the chart's value paths;
//! - an Argo CD Application per component, when the platform syncs from git
//!   (`gitops`), with the same values;
//! - `bootstrap.sh`: the same charts installed with Helm in the same order,
//!   then `k8s/` applied, for a cluster without Argo CD.
//!
//! Everything here is generic: what differs between charts is stdlib data.

pub mod bootstrap;
mod values;

use super::kube::object::{metadata, object};
use super::kube::{argo, labels, namespace_file};
use super::yaml::{documents, list, map, s, Value};
use super::{Context, Output};
use crate::model::{Chart, GitOps, Service, ServiceId};

pub use values::values;

/// `charts/<namespace>/<release>.yaml`.
pub fn values_file(context: &Context, service: &Service) -> String {
    values_path(
        &context.platform.namespace_of(service).k8s_name,
        &service.k8s_name,
    )
}

/// Where the values of the release `release` in `namespace` are written.
pub fn values_path(namespace: &str, release: &str) -> String {
    format!("charts/{namespace}/{release}.yaml")
}

/// The services installed from charts, in the order they are installed:
/// by wave, then in the platform's order.
pub fn installed<'a>(context: &Context<'a>) -> Vec<(ServiceId, &'a Service, &'a Chart)> {
    let mut charts: Vec<_> = context
        .platform
        .deployed()
        .filter_map(|(id, service)| Some((id, service, service.chart()?)))
        .collect();
    charts.sort_by_key(|(id, _, _)| (context.waves.charts[*id], *id));
    charts
}

pub fn emit(context: &Context, output: &mut Output) {
    let charts = installed(context);
    if charts.is_empty() {
        return;
    }
    // A release manifest takes no values.
    for (id, service, chart) in charts.iter().filter(|(_, _, c)| !c.manifest) {
        let id = *id;
        let header = format!(
            "# Values of {} for `{}` ({}), written by hplc from {}.\n",
            describe(chart),
            service.name,
            chart.home,
            context.origin(service.span)
        );
        let text = header + &super::yaml::to_string(&values(context, id, service, chart));
        output.add(values_file(context, service), text);
    }
    output.add(
        "bootstrap.sh",
        bootstrap::script(context, &bootstrap::steps(context)),
    );
    if let Some(gitops) = context.platform.gitops.first() {
        let namespace = &context.platform.namespaces[gitops.namespace].k8s_name;
        let applications: Vec<Value> = charts
            .iter()
            .map(|(id, service, chart)| application(context, gitops, *id, service, chart))
            .collect();
        output.append(namespace_file(namespace), &documents(&applications));
    }
}

/// `local-path-provisioner 0.0.37`.
pub fn describe(chart: &Chart) -> String {
    format!("{} {}", chart.display_name(), chart.version)
}

/// The Argo CD Application that installs a component's chart.
fn application<'a>(
    context: &Context<'a>,
    gitops: &'a GitOps,
    id: ServiceId,
    service: &'a Service,
    chart: &'a Chart,
) -> Value<'a> {
    let platform = context.platform;
    let namespace = &platform.namespaces[gitops.namespace].k8s_name;
    let mut meta = metadata(
        context,
        format!(
            "{}-{}",
            platform.namespace_of(service).k8s_name,
            service.k8s_name
        ),
        Some(namespace),
        &[(labels::PART_OF, labels::part_of(platform))],
        service.span,
    );
    // Argo CD names a chart in an OCI registry by the registry's path,
    // without the scheme Helm's command line takes.
    let repo = chart.repo.strip_prefix("oci://").unwrap_or(&chart.repo);
    let mut source: Vec<(&str, Value)> = vec![("repoURL", s(repo))];
    if chart.manifest && !chart.release_asset.is_empty() {
        // Built from its kustomize directory, as the release build does,
        // without the Namespace hplc writes itself (one owner per object).
        let images = chart.images.iter().map(s);
        let namespace = &platform.namespace_of(service).k8s_name;
        let drop = map([
            ("target", map([("kind", s("Namespace"))])),
            (
                "patch",
                s(format!(
                    "$patch: delete\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {namespace}\n"
                )),
            ),
        ]);
        source.push(("path", s(&chart.path)));
        source.push(("targetRevision", s(&chart.version)));
        source.push((
            "kustomize",
            map([("images", list(images)), ("patches", list([drop]))]),
        ));
    } else if chart.manifest {
        // The manifest's directory, narrowed to the manifest.
        let (dir, file) = chart.path.rsplit_once('/').unwrap_or((".", &chart.path));
        source.push(("path", s(dir)));
        source.push(("targetRevision", s(&chart.version)));
        source.push(("directory", map([("include", s(file))])));
    } else {
        if chart.name.is_empty() {
            source.push(("path", s(&chart.path)));
        } else {
            source.push(("chart", s(&chart.name)));
        }
        source.push(("targetRevision", s(&chart.version)));
        source.push((
            "helm",
            map([
                ("releaseName", s(&service.k8s_name)),
                ("valuesObject", values(context, id, service, chart)),
            ]),
        ));
    }
    // A chart that installs custom resource definitions is never pruned:
    // a definition gone from the chart would take every resource of it
    // along. No resources finalizer either: deleting the Application
    // leaves what it installed in place.
    let prune = chart.render.provides.is_empty();
    let spec = map([
        ("project", s("default")),
        ("source", map(source)),
        (
            "destination",
            map([
                ("server", s("https://kubernetes.default.svc")),
                ("namespace", s(&platform.namespace_of(service).k8s_name)),
            ]),
        ),
        (
            "syncPolicy",
            argo::sync_policy(gitops, prune, &["ServerSideApply=true"]),
        ),
    ]);
    if let Some(wave) = context.waves.charts[id] {
        argo::wave(&mut meta, wave);
    }
    object(
        "argoproj.io/v1alpha1",
        "Application",
        meta,
        [("spec", spec)],
    )
}
