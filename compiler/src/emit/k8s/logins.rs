//! The clients' logins of a server whose kind creates their roles itself
//! (`logins`, `login_script`): each mounted among the pod's secret files as
//! `logins/<client>/username` and `password`, and the script run in the
//! server's container once it has started, which creates or updates each
//! role from them. In hplc's own pods, or patched into an operator's
//! (`override`).

use crate::emit::yaml::{list, map, s, Value};
use crate::model::Service;

/// The script or the init containers read the logins: they are mounted.
pub fn mounted(service: &Service) -> bool {
    service.pod.creates_logins() && !service.logins.is_empty()
}

/// The sources of the secrets volume for the logins: the username and
/// the password of each client.
pub fn sources(service: &Service) -> Vec<Value<'_>> {
    if !mounted(service) {
        return Vec::new();
    }
    service
        .logins
        .iter()
        .map(|login| {
            let item = |key, file: &str| {
                map([
                    ("key", s(key)),
                    ("path", s(format!("logins/{}/{file}", login.client))),
                ])
            };
            map([(
                "secret",
                map([
                    ("name", s(&login.secret.name)),
                    (
                        "items",
                        list([
                            item(login.username.key.as_str(), "username"),
                            item(login.secret.key.as_str(), "password"),
                        ]),
                    ),
                ]),
            )])
        })
        .collect()
}

/// `LOGINS_DIR`, which the script reads: `logins` under the directory
/// of the pod's secret files.
pub fn env<'a>(service: &Service, secrets_dir: &str) -> Option<Value<'a>> {
    service.pod.login_script.as_ref()?;
    Some(dir_env(secrets_dir))
}

/// `LOGINS_DIR` for the init containers, where they write the users.
pub fn init_env<'a>(service: &Service, secrets_dir: &str) -> Option<Value<'a>> {
    service.pod.login_init.then(|| dir_env(secrets_dir))
}

fn dir_env<'a>(secrets_dir: &str) -> Value<'a> {
    map([
        ("name", s("LOGINS_DIR")),
        ("value", s(format!("{secrets_dir}/logins"))),
    ])
}

/// The main container's `lifecycle`: the script after it has started.
pub fn lifecycle(service: &Service) -> Option<Value<'_>> {
    let script = service.pod.login_script.as_ref()?;
    Some(map([(
        "postStart",
        map([(
            "exec",
            map([("command", list([s("sh"), s("-c"), s(script)]))]),
        )]),
    )]))
}
