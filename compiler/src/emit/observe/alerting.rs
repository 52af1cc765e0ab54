//! An alert router's configuration (Alertmanager): its receivers, a route
//! per severity to the receivers that take it, the Watchdog to the
//! receivers that watch the pipeline (a null receiver otherwise), and
//! warnings held back while a critical alert of the same alert, namespace
//! and service fires. Credentials are files of secrets mounted into the
//! router, never values in the configuration.

use crate::emit::yaml::{b, list, map, s, Value};
use crate::model::{Receiver, SecretRef, Service};

/// Where the router finds a secret's key: one mount per secret.
pub const SECRETS_DIR: &str = "/etc/alertmanager/secrets";

/// The labels alerts are grouped by and inhibitions compared on.
const SAME_ALERT: [&str; 3] = ["alertname", "namespace", "service"];

/// The receiver that drops what nobody takes.
const NULL: &str = "null";

fn file_of(secret: &SecretRef) -> String {
    format!("{SECRETS_DIR}/{}/{}", secret.name, secret.key)
}

/// The configuration of the alert router `service`.
pub fn config(service: &Service) -> Value<'_> {
    let receivers = &service.roles.receivers;
    let mut routes = Vec::new();
    let watchers: Vec<&Receiver> = receivers.iter().filter(|r| r.heartbeat).collect();
    routes.push(map([
        ("matchers", list([s("alertname = \"Watchdog\"")])),
        (
            "receiver",
            s(watchers.first().map_or(NULL, |r| r.name.as_str())),
        ),
        ("repeat_interval", s("1m")),
    ]));
    let mut severities: Vec<&str> = Vec::new();
    for receiver in receivers {
        for severity in &receiver.severities {
            if !severities.contains(&severity.as_str()) {
                severities.push(severity);
            }
        }
    }
    for severity in severities {
        for receiver in receivers
            .iter()
            .filter(|r| r.severities.iter().any(|s| s == severity))
        {
            routes.push(map([
                ("matchers", list([s(format!("severity = \"{severity}\""))])),
                ("receiver", s(&receiver.name)),
                // Every receiver of a severity gets it, not only the first.
                ("continue", b(true)),
            ]));
        }
    }
    let route = map([
        ("receiver", s(NULL)),
        ("group_by", list(SAME_ALERT.iter().map(|l| s(*l)))),
        ("group_wait", s("30s")),
        ("group_interval", s("5m")),
        ("repeat_interval", s("4h")),
        ("routes", list(routes)),
    ]);
    let mut all = vec![map([("name", s(NULL))])];
    all.extend(receivers.iter().map(receiver));
    let inhibit = map([
        ("source_matchers", list([s("severity = \"critical\"")])),
        ("target_matchers", list([s("severity = \"warning\"")])),
        ("equal", list(SAME_ALERT.iter().map(|l| s(*l)))),
    ]);
    map([
        ("route", route),
        ("receivers", list(all)),
        ("inhibit_rules", list([inhibit])),
    ])
}

fn receiver(r: &Receiver) -> Value<'_> {
    let mut pairs: Vec<(&str, Value)> = vec![("name", s(&r.name))];
    if !r.email.is_empty() {
        let mut email: Vec<(&str, Value)> = vec![
            ("to", s(&r.email)),
            ("from", s(&r.smtp_from)),
            ("smarthost", s(&r.smtp)),
        ];
        if !r.smtp_user.is_empty() {
            email.push(("auth_username", s(&r.smtp_user)));
        }
        if let Some(password) = &r.smtp_password {
            email.push(("auth_password_file", s(file_of(password))));
        }
        email.push(("send_resolved", b(true)));
        pairs.push(("email_configs", list([map(email)])));
    }
    if let Some(url) = &r.slack_url {
        let mut slack: Vec<(&str, Value)> = vec![("api_url_file", s(file_of(url)))];
        if !r.slack_channel.is_empty() {
            slack.push(("channel", s(&r.slack_channel)));
        }
        slack.push(("send_resolved", b(true)));
        pairs.push(("slack_configs", list([map(slack)])));
    }
    if let Some(url) = &r.webhook_url {
        pairs.push((
            "webhook_configs",
            list([map([
                ("url_file", s(file_of(url))),
                ("send_resolved", b(true)),
            ])]),
        ));
    }
    map(pairs)
}

/// The secrets the receivers read, once each, by name.
pub use crate::model::secrets::receiver_secrets as secrets;

/// The chart's mounts of those secrets under [`SECRETS_DIR`].
pub fn secret_mounts(service: &Service) -> Value<'_> {
    list(secrets(service).into_iter().map(|secret| {
        map([
            ("name", s(format!("receiver-{}", secret.name))),
            ("mountPath", s(format!("{SECRETS_DIR}/{}", secret.name))),
            ("secretName", s(&secret.name)),
            ("readOnly", b(true)),
        ])
    }))
}
