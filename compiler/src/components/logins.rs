//! The clients of a replicated cluster whose kind gives each client a
//! role of its own (`client_logins`): every service whose `needs` names
//! the cluster logs in with its own login (`logins`, keyed by the client),
//! never with the owner's, the superuser's or another client's, and every
//! login belongs to a client. One password per client can be changed or
//! revoked alone, and the database's own views (`pg_stat_activity`) tell
//! the clients apart.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::{Platform, Replication, SecretRef, Service, ServiceId};

pub fn check(platform: &Platform, diagnostics: &mut Diagnostics) {
    for (id, cluster) in platform.deployed() {
        let Some(replication) = &cluster.replication else {
            continue;
        };
        if !replication.client_logins {
            continue;
        }
        let clients: Vec<&Service> = platform
            .deployed()
            .filter(|(_, s)| s.needs.iter().any(|n| n.target == id))
            .map(|(_, s)| s)
            .collect();
        for client in &clients {
            own_login(cluster, replication, client, id, diagnostics);
            others_logins(cluster, replication, client, id, diagnostics);
        }
        for login in &replication.logins {
            if clients.iter().any(|c| c.name == login.client) {
                continue;
            }
            let names: Vec<String> = clients.iter().map(|c| format!("`{}`", c.name)).collect();
            let help = if names.is_empty() {
                format!(
                    "remove it: no service names `{}` in its `needs`",
                    cluster.name
                )
            } else {
                format!(
                    "key it by one of the clients ({}), or remove it",
                    names.join(", ")
                )
            };
            diagnostics.push(
                Diagnostic::new(
                    Code::LoginOfNoClient,
                    login.span,
                    format!(
                        "a login for `{}`, which is no client of `{}`: the operator would create a role nothing logs in as",
                        login.client, cluster.name
                    ),
                )
                .label("not a client of this cluster")
                .help(help),
            );
        }
    }
}

/// The edge of `client` to the cluster `id`, where it is declared.
fn need_span(client: &Service, id: ServiceId) -> crate::source::Span {
    client
        .needs
        .iter()
        .find(|n| n.target == id)
        .map_or(client.span, |n| n.span)
}

fn own_login(
    cluster: &Service,
    replication: &Replication,
    client: &Service,
    id: ServiceId,
    diagnostics: &mut Diagnostics,
) {
    if replication.logins.iter().any(|l| l.client == client.name) {
        return;
    }
    diagnostics.push(
        Diagnostic::new(
            Code::ClientWithoutLogin,
            need_span(client, id),
            format!(
                "`{}` is a client of `{}`, whose clients each log in as a role of their own, but has no login there",
                client.name, cluster.name
            ),
        )
        .label("a client without a login of its own")
        .help(format!(
            "add `logins {} = secret {{ ... }}` to `{}`'s replication: a Secret whose `username` is `{}` and whose `password` is its own, and read both in `{}`'s `secret`s",
            client.name, cluster.name, client.name, client.name
        )),
    );
}

/// Every Secret `client` reads: its own and its exporter's.
fn read_by(client: &Service) -> impl Iterator<Item = &SecretRef> {
    client
        .pod
        .secrets
        .values()
        .chain(client.pod.exporter.iter().flat_map(|e| e.secrets.values()))
}

fn others_logins(
    cluster: &Service,
    replication: &Replication,
    client: &Service,
    id: ServiceId,
    diagnostics: &mut Diagnostics,
) {
    let others = [
        (
            &replication.owner_login,
            format!("the owner's (`{}`)", replication.owner),
        ),
        (&replication.superuser_login, "the superuser's".to_string()),
    ]
    .into_iter()
    .filter_map(|(login, whose)| Some((login.as_ref()?, whose)))
    .chain(
        replication
            .logins
            .iter()
            .filter(|l| l.client != client.name)
            .map(|l| (&l.secret, format!("`{}`'s", l.client))),
    );
    for (login, whose) in others {
        let Some(read) = read_by(client).find(|s| s.name == login.name) else {
            continue;
        };
        diagnostics.push(
            Diagnostic::new(
                Code::ClientWithOthersLogin,
                read.span,
                format!(
                    "`{}` reads the Secret `{}`, {whose} login to `{}`: a client logs in with its own, with no more rights than its role's",
                    client.name, login.name, cluster.name
                ),
            )
            .label(format!("{whose} login"))
            .with_label(need_span(client, id), "a client of the cluster here")
            .help(format!(
                "read `{}`'s own login (`logins {}`) instead",
                client.name, client.name
            )),
        );
    }
}
