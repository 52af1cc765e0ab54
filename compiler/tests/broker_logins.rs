//! The login script of the default environment's RabbitMQ runs for real:
//! taken from the StatefulSet `hplc build` writes (its container's
//! `postStart`), it runs against a RabbitMQ node from Debian's packages
//! (rabbitmq-server), started on loopback with the default user the
//! image would get from its environment. Each client gets a user of its
//! own, with its own password, no tags (not an administrator) and the
//! permissions the clients need on `/`; a second run, with one password
//! changed, changes it and nothing else.
//!
//! scripts/install-login-servers installs the server
//! (`HPLC_RABBITMQ_BIN`: rabbitmq-server and rabbitmqctl). Without it
//! the test says SKIPPED, except under CI.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

fn bin() -> Option<PathBuf> {
    let bin = std::env::var_os("HPLC_RABBITMQ_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/lib/rabbitmq/bin"));
    common::external(
        bin.join("rabbitmq-server"),
        "scripts/install-login-servers's RabbitMQ",
    )?;
    Some(bin)
}

/// A RabbitMQ node of its own: its name, data, logs and Erlang cookie
/// (`HOME`) under `dir`; stopped when dropped.
struct Node {
    bin: PathBuf,
    env: BTreeMap<&'static str, String>,
    server: Child,
}

impl Node {
    fn start(bin: &Path, dir: &Path) -> Node {
        std::fs::create_dir_all(dir).expect("mkdir");
        std::fs::write(dir.join("enabled_plugins"), "[].\n").expect("write");
        let env = BTreeMap::from([
            ("HOME", dir.display().to_string()),
            (
                "RABBITMQ_NODENAME",
                format!("hplc-test-{}@localhost", std::process::id()),
            ),
            ("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1".to_string()),
            ("RABBITMQ_NODE_PORT", common::free_port().to_string()),
            ("RABBITMQ_DIST_PORT", common::free_port().to_string()),
            (
                "RABBITMQ_MNESIA_BASE",
                dir.join("mnesia").display().to_string(),
            ),
            ("RABBITMQ_LOG_BASE", dir.join("log").display().to_string()),
            (
                "RABBITMQ_ENABLED_PLUGINS_FILE",
                dir.join("enabled_plugins").display().to_string(),
            ),
            (
                "RABBITMQ_CONFIG_FILE",
                dir.join("rabbitmq").display().to_string(),
            ),
            (
                "RABBITMQ_CONF_ENV_FILE",
                dir.join("env").display().to_string(),
            ),
            ("RABBITMQ_DEFAULT_USER", "user".to_string()),
            ("RABBITMQ_DEFAULT_PASS", "default-secret".to_string()),
        ]);
        let server = Command::new(bin.join("rabbitmq-server"))
            .envs(&env)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("rabbitmq-server starts");
        let node = Node {
            bin: bin.to_path_buf(),
            env,
            server,
        };
        // await_startup fails at once while the node is not yet known
        // to epmd, then waits for it to boot.
        let booted = (0..60).any(|_| {
            let up = node
                .ctl_command(&["await_startup", "--timeout", "10"])
                .output()
                .is_ok_and(|o| o.status.success());
            if !up {
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
            up
        });
        assert!(booted, "the RabbitMQ node did not boot within a minute");
        node
    }

    fn ctl_command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(self.bin.join("rabbitmqctl"));
        command
            .envs(
                self.env
                    .iter()
                    .filter(|(k, _)| matches!(**k, "HOME" | "RABBITMQ_NODENAME")),
            )
            .arg("--quiet")
            .args(args);
        command
    }

    fn ctl(&self, args: &[&str]) -> String {
        common::check(
            &mut self.ctl_command(args),
            &format!("rabbitmqctl {args:?}"),
        )
    }

    fn logs_in(&self, user: &str, password: &str) -> bool {
        self.ctl_command(&["authenticate_user", user, password])
            .output()
            .expect("rabbitmqctl runs")
            .status
            .success()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.ctl_command(&["shutdown"]).output();
        let _ = self.server.kill();
        let _ = self.server.wait();
        // The port mapper the node started, which outlives it.
        let _ = Command::new("epmd").arg("-kill").output();
    }
}

#[test]
fn the_generated_login_script_gives_each_client_a_user_of_its_own() {
    let Some(bin) = bin() else {
        return;
    };
    let (script, mut env) = common::post_start(&common::build(None), "rabbitmq-broker");
    let dir = std::env::temp_dir().join(format!("hplc-broker-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let node = Node::start(&bin, &dir.join("node"));

    let logins = dir.join("logins");
    let write_login = |client: &str, password: &str| common::write_login(&logins, client, password);
    write_login("health_api_server", "api-secret");
    write_login("etl", "etl-secret");
    assert!(
        env.contains_key("LOGINS_DIR"),
        "the container names its logins' directory"
    );
    env.insert("LOGINS_DIR".into(), logins.display().to_string());
    // The container's own node and cookie, here the test node's.
    for name in ["HOME", "RABBITMQ_NODENAME"] {
        env.insert(name.into(), node.env[name].clone());
    }
    let run = || {
        common::check(
            Command::new("sh")
                .arg("-c")
                .arg(&script)
                .env_clear()
                .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
                .envs(&env),
            "the login script",
        );
    };
    run();

    assert!(node.logs_in("health_api_server", "api-secret"));
    assert!(node.logs_in("etl", "etl-secret"));
    assert!(
        !node.logs_in("etl", "api-secret"),
        "etl logs in with another's password"
    );
    let users = node.ctl(&["list_users", "--no-table-headers"]);
    let mut users: Vec<&str> = users.lines().collect();
    users.sort_unstable();
    assert_eq!(
        users,
        ["etl\t[]", "health_api_server\t[]", "user\t[administrator]"],
        "each client a user without tags, beside the default user"
    );
    for user in ["etl", "health_api_server"] {
        assert_eq!(
            node.ctl(&["list_user_permissions", "--no-table-headers", user]),
            "/\t.*\t.*\t.*\n"
        );
    }

    // Every start runs it again: a changed password takes effect.
    write_login("etl", "etl-secret-2");
    run();
    assert!(
        !node.logs_in("etl", "etl-secret"),
        "the old password still logs in"
    );
    assert!(node.logs_in("etl", "etl-secret-2"));
    assert!(node.logs_in("health_api_server", "api-secret"));
    drop(node);
    let _ = std::fs::remove_dir_all(&dir);
}
