//! The clients of a server whose kind gives each client a role of its
//! own (`client_logins`), whether an operator runs it as a replicated
//! cluster (the replication's logins) or its kind creates the roles
//! itself (the service's: `login_script` after the server started,
//! `login_init` before, in hplc's pods or patched into an operator's):
//! every service whose `needs` names the server logs in with its own
//! login (`logins`, keyed by the client), never with the owner's, the
//! superuser's (the server's own secrets) or another client's, and every
//! login belongs to a client. One password per client can be changed or
//! revoked alone, and the database's own views (`pg_stat_activity`) tell
//! the clients apart. Logins on a server nothing creates roles on are
//! refused (E0916).

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::{ClientLogin, Platform, SecretRef, Service, ServiceId};

/// The logins of one server and the Secrets no client may read.
struct Logins<'a> {
    logins: &'a [ClientLogin],
    /// Each with whose it is, for the message.
    forbidden: Vec<(&'a SecretRef, String)>,
}

/// The logins of `server`, when its clients each need one.
fn of(server: &Service) -> Option<Logins<'_>> {
    match &server.replication {
        Some(replication) if replication.client_logins => Some(Logins {
            logins: &replication.logins,
            forbidden: [
                (
                    &replication.owner_login,
                    format!("the owner's (`{}`)", replication.owner),
                ),
                (&replication.superuser_login, "the superuser's".to_string()),
            ]
            .into_iter()
            .filter_map(|(login, whose)| Some((login.as_ref()?, whose)))
            .collect(),
        }),
        // Its kind's `login_script` creates them, in hplc's pods or in
        // the operator's (a RabbitmqCluster's override).
        replication if server.client_logins => {
            let default_user = server.default_user_secret();
            Some(Logins {
                logins: &server.logins,
                forbidden: server
                    .pod
                    .secrets
                    .iter()
                    .map(|(name, secret)| (secret, format!("the server's own (`{name}`)")))
                    .chain(
                        replication
                            .iter()
                            .flat_map(|r| &r.refs)
                            .filter(|secret| {
                                secret.key == "password"
                                    && default_user.as_ref() == Some(&secret.name)
                            })
                            .map(|secret| (secret, "the default user's".to_string())),
                    )
                    .collect(),
            })
        }
        _ => None,
    }
}

pub fn check(platform: &Platform, diagnostics: &mut Diagnostics) {
    for (id, server) in platform.deployed() {
        nothing_creates(server, diagnostics);
        let Some(logins) = of(server) else {
            continue;
        };
        let clients: Vec<&Service> = platform
            .deployed()
            .filter(|(_, s)| s.needs.iter().any(|n| n.target == id))
            .map(|(_, s)| s)
            .collect();
        for client in &clients {
            own_login(server, &logins, client, id, diagnostics);
            others_logins(server, &logins, client, id, diagnostics);
        }
        for login in logins.logins {
            if clients.iter().any(|c| c.name == login.client) {
                continue;
            }
            let names: Vec<String> = clients.iter().map(|c| format!("`{}`", c.name)).collect();
            let help = if names.is_empty() {
                format!(
                    "remove it: no service names `{}` in its `needs`",
                    server.name
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
                        "a login for `{}`, which is no client of `{}`: a role would be created that nothing logs in as",
                        login.client, server.name
                    ),
                )
                .label("not a client of this server")
                .help(help),
            );
        }
    }
}

/// Logins on a server hplc runs whose kind creates no roles: nothing
/// would create them, and the clients could not log in.
fn nothing_creates(server: &Service, diagnostics: &mut Diagnostics) {
    let Some(first) = server.logins.first() else {
        return;
    };
    if server.replication.is_some() || server.pod.creates_logins() {
        return;
    }
    diagnostics.push(
        Diagnostic::new(
            Code::LoginsNothingCreates,
            first.span,
            format!(
                "`{}` has `logins`, but its kind `{}` creates no roles from them: its clients could not log in",
                server.name, server.kind
            ),
        )
        .label("nothing creates this role")
        .help("remove `logins`, or give the kind a `login_script` that creates each client's role after the server started (as `postgres` does), or init containers that write them before (`login_init`, as `redis` does)"),
    );
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
    logins: &Logins,
    client: &Service,
    id: ServiceId,
    diagnostics: &mut Diagnostics,
) {
    if logins.logins.iter().any(|l| l.client == client.name) {
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
            "add `logins {} = secret {{ ... }}` to `{}`: a Secret whose `username` is `{}` and whose `password` is its own, and read both in `{}`'s `secret`s",
            client.name, cluster.name, client.name, client.name
        )),
    );
}

/// Every Secret `client` reads, with where it reads it: its own (the
/// `secret` entry) and its exporter's.
fn read_by(client: &Service) -> impl Iterator<Item = (crate::source::Span, &SecretRef)> {
    let own = client.pod.secrets.iter().map(|(name, secret)| {
        let span = client.pod.secret_spans.get(name).copied();
        (span.unwrap_or(secret.span), secret)
    });
    let exporter = client
        .pod
        .exporter
        .iter()
        .flat_map(|e| e.secrets.values())
        .map(|secret| (secret.span, secret));
    own.chain(exporter)
}

fn others_logins(
    cluster: &Service,
    logins: &Logins,
    client: &Service,
    id: ServiceId,
    diagnostics: &mut Diagnostics,
) {
    let others = logins.forbidden.iter().map(|(s, w)| (*s, w.clone())).chain(
        logins
            .logins
            .iter()
            .filter(|l| l.client != client.name)
            .map(|l| (&l.secret, format!("`{}`'s", l.client))),
    );
    for (login, whose) in others {
        let Some((read, _)) = read_by(client).find(|(_, s)| s.name == login.name) else {
            continue;
        };
        diagnostics.push(
            Diagnostic::new(
                Code::ClientWithOthersLogin,
                read,
                format!(
                    "`{}` reads the Secret `{}`, {whose} login to `{}`: a client logs in with its own, with no more rights than its role's",
                    client.name, login.name, cluster.name
                ),
            )
            .label(format!("{whose} login"))
            .with_label(need_span(client, id), "a client of the server here")
            .help(format!(
                "read `{}`'s own login (`logins {}`) instead",
                client.name, client.name
            )),
        );
    }
}
