//! The order a fresh cluster is brought up in, read back from the generated
//! tree of every environment: Argo CD syncs its root Application wave by
//! wave, and starts a wave only when everything of the waves before it is
//! healthy. So a custom resource must sit in a later wave than the chart
//! whose CRDs (and webhooks, whose Deployment the chart's Application waits
//! for) it needs; a chart that renders another chart's custom resources
//! must come after that chart; the namespaces come first; and an
//! Application's health must mean its resources' health (argocd-cm's
//! health check for Applications, which Argo CD has not shipped since 1.8).
//! Which API groups a chart provides and uses is checked against its real
//! render by tests/charts.rs; here they order the tree.

mod common;

use std::collections::BTreeMap;

use hplc::emit::Output;
use hplc::model::Platform;
use serde_yaml::Value;

const APPLICATION_HEALTH: &str = "resource.customizations.health.argoproj.io_Application";

fn group(object: &Value) -> String {
    let api = object["apiVersion"].as_str().unwrap_or_default();
    api.rsplit_once('/').map_or("", |(g, _)| g).to_string()
}

fn name(object: &Value) -> String {
    object["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The sync wave of an object: its annotation, 0 without one (Argo CD's
/// default).
fn wave(object: &Value) -> i64 {
    let annotation = &object["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"];
    annotation
        .as_str()
        .map(|w| {
            w.parse()
                .unwrap_or_else(|_| panic!("{}: wave {w}", name(object)))
        })
        .unwrap_or(0)
}

/// The chart Applications of a build, by name, with the model's chart
/// record of each.
fn chart_applications<'a>(
    platform: &'a Platform,
    objects: &'a [(String, Value)],
) -> Vec<(&'a hplc::model::Service, &'a Value)> {
    platform
        .deployed()
        .filter(|(_, s)| s.chart().is_some())
        .map(|(_, service)| {
            let namespace = &platform.namespace_of(service).k8s_name;
            let expected = format!("{namespace}-{}", service.k8s_name);
            let (_, application) = objects
                .iter()
                .find(|(_, o)| o["kind"] == "Application" && name(o) == expected)
                .unwrap_or_else(|| panic!("no Application `{expected}` for `{}`", service.name));
            (service, application)
        })
        .collect()
}

struct Build {
    env: String,
    platform: Platform,
    output: Output,
}

/// The builds whose tree Argo CD syncs (a `gitops` instance): the sync
/// waves order them. An environment without one (`free_tier`) is installed
/// by bootstrap.sh alone, every chart before the tree, which
/// bootstrap_installs_argo_cd_and_each_chart_after_what_it_needs_before_the_tree
/// checks for every environment.
fn synced_builds() -> Vec<Build> {
    let synced: Vec<Build> = builds()
        .into_iter()
        .filter(|b| !b.platform.gitops.is_empty())
        .collect();
    assert!(!synced.is_empty(), "no environment is synced by Argo CD");
    synced
}

fn builds() -> Vec<Build> {
    common::environments()
        .into_iter()
        .map(|(env, flag)| {
            let compilation = common::compile(flag.as_deref());
            let output = common::generate(&compilation);
            let platform = compilation.model.expect("a model");
            Build {
                env,
                platform,
                output,
            }
        })
        .collect()
}

#[test]
fn custom_resources_wait_for_the_charts_that_define_them() {
    for build in synced_builds() {
        let objects = common::k8s_documents(&build.output);
        let charts = chart_applications(&build.platform, &objects);
        // The wave of the Application that installs each API group.
        let mut provider: BTreeMap<String, (i64, String)> = BTreeMap::new();
        for (service, application) in &charts {
            for g in &service.chart().expect("a chart").render.provides {
                provider.insert(g.clone(), (wave(application), name(application)));
            }
        }
        let mut checked = 0;
        for (file, object) in &objects {
            let g = group(object);
            // Argo CD itself is installed by the bootstrap, before the root
            // Application exists (bootstrap_installs_argo_cd_before_the_tree).
            if common::BUILT_IN.contains(&g.as_str()) || g == "argoproj.io" {
                continue;
            }
            let Some((installed_at, by)) = provider.get(&g) else {
                panic!(
                    "{}: {file}: {} `{}` of `{g}`, which no chart of the platform installs",
                    build.env,
                    object["kind"].as_str().unwrap_or_default(),
                    name(object)
                );
            };
            assert!(
                wave(object) > *installed_at,
                "{}: {file}: {} `{}` (wave {}) is not after `{by}` (wave {installed_at}), which installs `{g}`",
                build.env,
                object["kind"].as_str().unwrap_or_default(),
                name(object),
                wave(object)
            );
            checked += 1;
        }
        assert!(checked > 0, "{}: no custom resource in the tree", build.env);
        // A chart that renders another chart's custom resources.
        for (service, application) in &charts {
            for g in &service.chart().expect("a chart").render.uses {
                let (installed_at, by) = provider.get(g).unwrap_or_else(|| {
                    panic!(
                        "{}: `{}` renders `{g}`, which no chart installs",
                        build.env, service.name
                    )
                });
                assert!(
                    wave(application) > *installed_at,
                    "{}: `{}` renders `{g}` before `{by}` installs it",
                    build.env,
                    name(application)
                );
            }
        }
    }
}

/// A chart whose pods mount a platform Secret (Alertmanager's SMTP
/// password, Grafana's admin) must wait for the SealedSecret or
/// ExternalSecret that creates it: in the same wave, Argo CD would wait
/// for the chart's health, which waits for a Secret of a later wave.
#[test]
fn charts_that_read_the_platforms_secrets_wait_for_their_references() {
    for build in synced_builds() {
        let objects = common::k8s_documents(&build.output);
        let charts = chart_applications(&build.platform, &objects);
        let references: BTreeMap<(String, String), i64> = objects
            .iter()
            .filter(|(_, o)| o["kind"] == "SealedSecret" || o["kind"] == "ExternalSecret")
            .map(|(_, o)| {
                let namespace = o["metadata"]["namespace"].as_str().unwrap_or_default();
                ((namespace.to_string(), name(o)), wave(o))
            })
            .collect();
        let mut checked = 0;
        for (service, application) in &charts {
            let namespace = &build.platform.namespace_of(service).k8s_name;
            for secret in hplc::model::secrets::references(service) {
                let key = (namespace.clone(), secret.name.clone());
                let created_at = references.get(&key).unwrap_or_else(|| {
                    panic!(
                        "{}: `{}` reads Secret `{}` in `{namespace}`, which nothing creates",
                        build.env, service.name, secret.name
                    )
                });
                assert!(
                    wave(application) > *created_at,
                    "{}: `{}` (wave {}) reads Secret `{}`, whose reference comes in wave {created_at}",
                    build.env,
                    name(application),
                    wave(application),
                    secret.name
                );
                checked += 1;
            }
        }
        assert!(
            checked > 0,
            "{}: no chart reads a platform Secret",
            build.env
        );
    }
}

#[test]
fn namespaces_come_first_and_every_application_retries_and_reports_health() {
    for build in synced_builds() {
        let objects = common::k8s_documents(&build.output);
        let namespaces: Vec<i64> = objects
            .iter()
            .filter(|(_, o)| o["kind"] == "Namespace")
            .map(|(_, o)| wave(o))
            .collect();
        assert!(!namespaces.is_empty(), "{}: no Namespace", build.env);
        let first = *namespaces.iter().max().expect("a namespace");
        for (file, object) in objects.iter().filter(|(_, o)| o["kind"] != "Namespace") {
            assert!(
                wave(object) > first,
                "{}: {file}: {} `{}` is in wave {}, not after the namespaces ({first})",
                build.env,
                object["kind"].as_str().unwrap_or_default(),
                name(object),
                wave(object)
            );
        }
        let applications: Vec<&Value> = objects
            .iter()
            .filter(|(_, o)| o["kind"] == "Application")
            .map(|(_, o)| o)
            .collect();
        assert!(!applications.is_empty());
        for application in &applications {
            let policy = &application["spec"]["syncPolicy"];
            let retries = policy["retry"]["limit"].as_i64().unwrap_or_default();
            assert!(
                retries > 0,
                "{}: `{}` gives up on its first failed sync",
                build.env,
                name(application)
            );
            assert!(
                policy["automated"].is_mapping(),
                "{}: `{}` does not sync by itself",
                build.env,
                name(application)
            );
        }
        // A chart that installs CRDs is never pruned: pruning deletes the
        // CRDs, and every custom resource of theirs with them.
        for (service, application) in chart_applications(&build.platform, &objects) {
            if !service.chart().expect("a chart").render.provides.is_empty() {
                assert_eq!(
                    application["spec"]["syncPolicy"]["automated"]["prune"],
                    Value::Bool(false),
                    "{}: `{}` installs CRDs and may be pruned",
                    build.env,
                    name(application)
                );
            }
        }
        // Argo CD's own values hold the health check of Applications,
        // without which a parent sees a child Healthy before its resources.
        let argo = build
            .output
            .files
            .iter()
            .filter(|(p, _)| p.starts_with("charts/"))
            .map(|(_, text)| serde_yaml::from_str::<Value>(text).expect("chart values"))
            .find(|values| !values["configs"]["cm"].is_null())
            .unwrap_or_else(|| panic!("{}: no values for Argo CD's argocd-cm", build.env));
        let check = argo["configs"]["cm"][APPLICATION_HEALTH]
            .as_str()
            .unwrap_or_else(|| panic!("{}: argocd-cm has no Application health", build.env));
        assert!(
            check.contains("obj.status.health.status"),
            "{}: the Application health check does not read the child's health",
            build.env
        );
    }
}

/// The line of the bootstrap that installs a release: its Helm install,
/// or the apply of its release manifest from the clone named after it, or
/// from its release asset with a field manager named after it.
fn install_line(script: &str, release: &str) -> Option<usize> {
    let install = format!("helm upgrade --install {release} ");
    let apply = format!("kubectl apply --server-side -f \"$work/{release}\"");
    let asset = format!("kubectl apply --server-side --field-manager {release} -f https://");
    script
        .lines()
        .position(|l| l.starts_with(&install) || l.starts_with(&apply) || l.starts_with(&asset))
}

#[test]
fn bootstrap_installs_argo_cd_and_each_chart_after_what_it_needs_before_the_tree() {
    for build in builds() {
        let script = &build.output.files["bootstrap.sh"];
        let tree = script
            .lines()
            .position(|l| l.starts_with("kubectl apply") && l.contains("-k k8s"))
            .unwrap_or_else(|| panic!("{}: bootstrap.sh never applies the tree", build.env));
        let mut argo = false;
        for (_, service) in build.platform.deployed() {
            let Some(chart) = service.chart() else {
                continue;
            };
            let installed = install_line(script, &service.k8s_name).unwrap_or_else(|| {
                panic!(
                    "{}: bootstrap.sh never installs `{}`",
                    build.env, service.k8s_name
                )
            });
            assert!(
                installed < tree,
                "{}: bootstrap.sh applies the tree before `{}` is installed",
                build.env,
                service.k8s_name
            );
            argo |= chart.render.provides.iter().any(|g| g == "argoproj.io");
            for g in &chart.render.uses {
                for (_, other) in build.platform.deployed() {
                    if other.chart().is_some_and(|c| c.render.provides.contains(g)) {
                        let before = install_line(script, &other.k8s_name).expect("installed");
                        assert!(
                            before < installed,
                            "{}: `{}` is installed before `{}`, whose `{g}` it renders",
                            build.env,
                            service.k8s_name,
                            other.k8s_name
                        );
                    }
                }
            }
        }
        assert!(
            argo || build.platform.gitops.is_empty(),
            "{}: the tree is synced by Argo CD, which no chart installs",
            build.env
        );
    }
}
