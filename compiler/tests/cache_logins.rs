//! The init container of the default environment's Redis runs for real:
//! its script, taken from the StatefulSet `hplc build` writes, writes the
//! configuration a Redis server from Debian's packages (redis-server) then
//! starts with, on loopback. Each client logs in as an ACL user of its own,
//! with its own password, and may use keys but no administrative or
//! dangerous command; redis_exporter's user reads INFO and writes nothing;
//! the default user's password stays the server's.
//!
//! The container's paths are mapped as the pod would have them: the
//! memory-backed directory the script writes (`/run/redis-auth`) to a
//! directory of the test, the secret files (`NAME_FILE`) and the logins
//! (`LOGINS_DIR`) to files of the test.
//!
//! scripts/install-login-servers installs the server (`HPLC_REDIS_BIN`:
//! redis-server and redis-cli). Without it the test says SKIPPED, except
//! under CI.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// Where the pod's memory-backed directory of the configuration is.
const AUTH_DIR: &str = "/run/redis-auth";

fn bin() -> Option<PathBuf> {
    let bin = std::env::var_os("HPLC_REDIS_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin"));
    common::external(
        bin.join("redis-server"),
        "scripts/install-login-servers's Redis",
    )?;
    Some(bin)
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One command through redis-cli as `user`, its reply (errors included:
/// redis-cli prints them and exits 0).
fn cli(bin: &Path, port: u16, user: &str, password: &str, command: &[&str]) -> String {
    let output = Command::new(bin.join("redis-cli"))
        .env("REDISCLI_AUTH", password)
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "--user", user])
        .args(command)
        .output()
        .expect("redis-cli runs");
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
    .trim()
    .to_string()
}

#[test]
fn the_generated_init_container_gives_each_client_an_acl_user() {
    let Some(bin) = bin() else {
        return;
    };
    let output = common::build(None);
    let sets = common::k8s_of_kind(&output, "StatefulSet");
    let set = sets
        .iter()
        .find(|s| s["metadata"]["name"] == "redis-health")
        .expect("the cache's StatefulSet");
    let spec = &set["spec"]["template"]["spec"];
    let init = &spec["initContainers"][0];
    let script = init["command"][2].as_str().expect("sh -c SCRIPT");
    let env: Vec<(&str, &str)> = init["env"]
        .as_sequence()
        .expect("env")
        .iter()
        .filter_map(|e| Some((e["name"].as_str()?, e["value"].as_str()?)))
        .collect();
    let exporter_env = &spec["containers"][1]["env"];
    assert!(
        exporter_env
            .as_sequence()
            .expect("the exporter's env")
            .iter()
            .any(|e| e["name"] == "REDIS_USER" && e["value"] == "exporter"),
        "redis_exporter logs in as its own user"
    );

    let dir = std::env::temp_dir().join(format!("hplc-cache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let auth = dir.join("auth");
    let secrets = dir.join("secrets");
    let logins = dir.join("logins");
    for d in [&auth, &secrets] {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    std::fs::write(secrets.join("REDIS_PASSWORD"), "default-\"secret\\").expect("write");
    common::write_login(&logins, "health_api_server", "api \"secret\"");

    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(script.replace(AUTH_DIR, &auth.display().to_string()))
        .env_clear()
        .env("PATH", "/usr/bin:/bin");
    for (name, value) in env {
        let value = match name {
            "LOGINS_DIR" => logins.display().to_string(),
            _ => match value.strip_prefix("/run/secrets/") {
                Some(file) => secrets.join(file).display().to_string(),
                None => value.to_string(),
            },
        };
        command.env(name, value);
    }
    common::check(&mut command, "the init container's script");
    let exporter: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(auth.join("exporter.json")).expect("exporter.json"),
    )
    .expect("exporter.json is JSON");
    let exporter_password = exporter["redis://localhost:6379"]
        .as_str()
        .expect("the exporter's password for the server")
        .to_string();

    let port = common::free_port();
    let _server = Server(
        Command::new(bin.join("redis-server"))
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&dir)
            .arg("--include")
            .arg(auth.join("redis.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts"),
    );
    let up = (0..50).any(|_| {
        let pong = cli(&bin, port, "default", "default-\"secret\\", &["PING"]) == "PONG";
        if !pong {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        pong
    });
    assert!(
        up,
        "the server does not answer with the default user's password"
    );

    let api = |command: &[&str]| cli(&bin, port, "health_api_server", "api \"secret\"", command);
    assert_eq!(api(&["SET", "limit:1", "3"]), "OK");
    assert_eq!(api(&["INCR", "limit:1"]), "4");
    for refused in [
        &["FLUSHALL"][..],
        &["CONFIG", "SET", "maxmemory", "1"],
        &["KEYS", "*"],
    ] {
        assert!(
            api(refused).contains("NOPERM"),
            "the client ran {refused:?}: {}",
            api(refused)
        );
    }
    assert!(cli(&bin, port, "health_api_server", "wrong", &["PING"]).contains("WRONGPASS"));

    let watch = |command: &[&str]| cli(&bin, port, "exporter", &exporter_password, command);
    assert!(watch(&["INFO", "server"]).contains("redis_version"));
    assert_eq!(watch(&["GET", "limit:1"]), "4");
    assert!(watch(&["SET", "limit:1", "0"]).contains("NOPERM"));
    let _ = std::fs::remove_dir_all(&dir);
}
