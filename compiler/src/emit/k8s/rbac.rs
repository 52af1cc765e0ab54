//! A ServiceAccount per workload, and exactly the permissions the service
//! declares: a Role and RoleBinding in its namespace for the namespaced
//! ones, a ClusterRole and ClusterRoleBinding for those marked `cluster`.
//! A service without permissions gets an account without a token.

use super::labels;
use super::object::{metadata, object};
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
        service.permissions.iter().partition(|p| p.cluster);
    if !local.is_empty() {
        objects.push(object(
            RBAC,
            "Role",
            meta(&service.k8s_name, true),
            [("rules", rules(local.into_iter()))],
        ));
        objects.push(object(
            RBAC,
            "RoleBinding",
            meta(&service.k8s_name, true),
            [
                (
                    "roleRef",
                    map([
                        ("apiGroup", s("rbac.authorization.k8s.io")),
                        ("kind", s("Role")),
                        ("name", s(&service.k8s_name)),
                    ]),
                ),
                ("subjects", subject()),
            ],
        ));
    }
    if !cluster.is_empty() {
        let name = labels::cluster_role(platform, service);
        objects.push(object(
            RBAC,
            "ClusterRole",
            meta(&name, false),
            [("rules", rules(cluster.into_iter()))],
        ));
        objects.push(object(
            RBAC,
            "ClusterRoleBinding",
            meta(&name, false),
            [
                (
                    "roleRef",
                    map([
                        ("apiGroup", s("rbac.authorization.k8s.io")),
                        ("kind", s("ClusterRole")),
                        ("name", s(name.clone())),
                    ]),
                ),
                ("subjects", subject()),
            ],
        ));
    }
    objects
}
