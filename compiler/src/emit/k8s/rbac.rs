//! A ServiceAccount per workload, and exactly the permissions the service
//! declares: a Role and RoleBinding in its namespace for the namespaced
//! ones, a ClusterRole and ClusterRoleBinding for those marked `cluster`.
//! A service without permissions gets an account without a token.

use crate::emit::kube::labels;
use crate::emit::kube::object::{metadata, object};
use crate::emit::yaml::{b, list, map, s, Value};
use crate::emit::Context;
use crate::model::{Permission, ServiceId};

const RBAC: &str = "rbac.authorization.k8s.io/v1";

fn rules<'a>(permissions: impl Iterator<Item = &'a Permission>) -> Value<'a> {
    list(permissions.map(|p| {
        map([
            ("apiGroups", list([s(&p.group)])),
            ("resources", list(p.resources.iter().map(s))),
            ("verbs", list(p.verbs.iter().map(s))),
        ])
    }))
}

pub fn objects<'a>(context: &Context<'a>, id: ServiceId) -> Vec<Value<'a>> {
    let platform = context.platform;
    let service = &platform.services[id];
    let namespace = &platform.namespace_of(service).k8s_name;
    let labels = labels::of(platform, service);
    let meta = |name: &str, namespaced: bool| {
        metadata(
            context,
            name.to_string(),
            namespaced.then_some(namespace.as_str()),
            &labels,
            service.span,
        )
    };
    let subject = || {
        list([map([
            ("kind", s("ServiceAccount")),
            ("name", s(&service.k8s_name)),
            ("namespace", s(namespace)),
        ])])
    };
    let mut objects = vec![object(
        "v1",
        "ServiceAccount",
        meta(&service.k8s_name, true),
        [("automountServiceAccountToken", b(false))],
    )];
    let (cluster, local): (Vec<&Permission>, Vec<&Permission>) =
        service.pod.permissions.iter().partition(|p| p.cluster);
    let kinds = [
        (local, "Role", "RoleBinding", service.k8s_name.clone(), true),
        (
            cluster,
            "ClusterRole",
            "ClusterRoleBinding",
            labels::cluster_role(platform, service),
            false,
        ),
    ];
    for (permissions, role, binding, name, namespaced) in kinds {
        if permissions.is_empty() {
            continue;
        }
        objects.push(object(
            RBAC,
            role,
            meta(&name, namespaced),
            [("rules", rules(permissions.into_iter()))],
        ));
        objects.push(object(
            RBAC,
            binding,
            meta(&name, namespaced),
            [
                (
                    "roleRef",
                    map([
                        ("apiGroup", s("rbac.authorization.k8s.io")),
                        ("kind", s(role)),
                        ("name", s(name)),
                    ]),
                ),
                ("subjects", subject()),
            ],
        ));
    }
    objects
}
