//! The generated backup and restore jobs run for real: their scripts, taken
//! from the CronJobs `hplc build` writes (platform.hpl, default
//! environment), run against a PostgreSQL server from Debian's packages and
//! moto's S3 server, with the same rclone release the uploader image pins.
//!
//! The dump and the upload go first: the newest daily copy lands in the
//! bucket with the roles (globals.sql) beside each database's dump, and a
//! copy older than kept is removed. Then a fresh, empty PostgreSQL gets the
//! download and the restore: the same rows come back, and the role logs in
//! with its own password and reads what it was granted.
//!
//! The containers' paths are mapped as the pod would have them: each
//! secret file (`NAME_FILE=/run/secrets/NAME`) to a file of the test, the
//! shared /backup directory (`BACKUP_DIR`) to a directory of the test, the
//! Service (`SERVICE_HOST`, `SERVICE_PORT`) to the server's address.
//!
//! scripts/install-backup-tools installs the tools (`HPLC_BACKUP_TOOLS`:
//! moto_server and rclone; `HPLC_POSTGRES_BIN`: initdb, pg_ctl, psql,
//! pg_dump). Without them the test says SKIPPED, except under CI.

mod common;

use common::check;
use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The tools, or None (skipped) where they are not installed.
fn tools() -> Option<(PathBuf, PathBuf)> {
    let venv = std::env::var_os("HPLC_BACKUP_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::tools_dir().join("backup-venv/bin"));
    let postgres = std::env::var_os("HPLC_POSTGRES_BIN")
        .map(PathBuf::from)
        .or_else(|| {
            let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
                .ok()?
                .filter_map(|e| Some(e.ok()?.path().join("bin")))
                .collect();
            found.sort();
            found.pop()
        })
        .unwrap_or_else(|| PathBuf::from("/usr/lib/postgresql/15/bin"));
    let what = "scripts/install-backup-tools's";
    common::external(venv.join("moto_server"), &format!("{what} moto_server"))?;
    common::external(venv.join("rclone"), &format!("{what} rclone"))?;
    common::external(
        postgres.join("initdb"),
        "PostgreSQL's server (postgresql-15)",
    )?;
    Some((venv, postgres))
}

/// A script container of a generated CronJob: its script and environment.
struct Script {
    text: String,
    env: BTreeMap<String, String>,
}

fn container(job: &serde_yaml::Value, list: &str) -> Script {
    let spec = &job["spec"]["jobTemplate"]["spec"]["template"]["spec"][list][0];
    let text = spec["command"][2]
        .as_str()
        .expect("a script container runs sh -c SCRIPT")
        .to_string();
    let env = spec["env"]
        .as_sequence()
        .expect("env")
        .iter()
        .map(|e| {
            (
                e["name"].as_str().expect("name").to_string(),
                e["value"].as_str().expect("a plain value").to_string(),
            )
        })
        .collect();
    Script { text, env }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("an address")
        .port()
}

fn wait_for_port(port: u16) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "nothing listens on {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A PostgreSQL server in a directory of its own, its superuser `postgres`
/// with `password`; stopped when dropped. PostgreSQL refuses to run as
/// root: as root, the server runs as Debian's `postgres` user.
struct Postgres {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
}

impl Postgres {
    fn as_server(bin: &Path, program: &str) -> Command {
        if is_root() {
            let mut command = Command::new("runuser");
            command
                .args(["-u", "postgres", "--"])
                .arg(bin.join(program));
            command
        } else {
            Command::new(bin.join(program))
        }
    }

    fn start(bin: &Path, dir: &Path, password: &str) -> Postgres {
        Postgres::start_with(bin, dir, password, "scram-sha-256")
    }

    /// [`Postgres::start`], authenticating local (socket) connections by
    /// `auth_local`; TCP connections always by password.
    fn start_with(bin: &Path, dir: &Path, password: &str, auth_local: &str) -> Postgres {
        std::fs::create_dir_all(dir).expect("mkdir");
        let pwfile = dir.join("pwfile");
        std::fs::write(&pwfile, password).expect("write");
        if is_root() {
            check(
                Command::new("chown").args(["-R", "postgres:"]).arg(dir),
                "chown",
            );
        }
        let data = dir.join("data");
        check(
            Postgres::as_server(bin, "initdb")
                .args(["--username=postgres", "--auth-host=scram-sha-256"])
                .arg(format!("--auth-local={auth_local}"))
                .arg("--pwfile")
                .arg(&pwfile)
                .arg("-D")
                .arg(&data),
            "initdb",
        );
        let port = free_port();
        check(
            Postgres::as_server(bin, "pg_ctl")
                .arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(dir.join("log"))
                .arg("-o")
                .arg(format!(
                    "-p {port} -c listen_addresses=127.0.0.1 -k {}",
                    dir.display()
                ))
                .args(["-w", "start"]),
            "pg_ctl start",
        );
        Postgres {
            bin: bin.to_path_buf(),
            data,
            port,
        }
    }

    /// psql as `user`, one command, unaligned tuples.
    fn psql(&self, user: &str, password: &str, database: &str, sql: &str) -> String {
        check(
            &mut self.psql_command(user, password, database, sql),
            &format!("psql {sql}"),
        )
    }

    /// [`Postgres::psql`] succeeds (logs in and runs `sql`).
    fn succeeds(&self, user: &str, password: &str, database: &str, sql: &str) -> bool {
        self.psql_command(user, password, database, sql)
            .output()
            .expect("psql runs")
            .status
            .success()
    }

    fn psql_command(&self, user: &str, password: &str, database: &str, sql: &str) -> Command {
        let mut command = Command::new(self.bin.join("psql"));
        command
            .env("PGPASSWORD", password)
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-U", user, "-d", database])
            .args(["-v", "ON_ERROR_STOP=1", "--no-align", "--tuples-only"])
            .args(["-c", sql]);
        command
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = Postgres::as_server(&self.bin, "pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "fast", "stop"])
            .output();
    }
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs a generated script as its container would: only its environment,
/// with its paths mapped into the test's directory.
fn run(script: &Script, path: &str, mapped: &BTreeMap<&str, String>, secrets: &Path) {
    let mut command = Command::new("sh");
    command.arg("-c").arg(&script.text).env_clear();
    command
        .env("PATH", path)
        .env("HOME", secrets.parent().expect("a parent"));
    for (name, value) in &script.env {
        let value = match (name.strip_suffix("_FILE"), mapped.get(name.as_str())) {
            (_, Some(mapped)) => mapped.clone(),
            (Some(_), None) => {
                let file = value
                    .strip_prefix("/run/secrets/")
                    .unwrap_or_else(|| panic!("{name} names a file under /run/secrets"));
                secrets.join(file).display().to_string()
            }
            (None, None) => value.clone(),
        };
        command.env(name, value);
    }
    check(&mut command, &format!("the script\n{}\n", script.text));
}

#[test]
fn the_generated_dump_restores_into_a_fresh_postgres() {
    let Some((venv, bin)) = tools() else {
        return;
    };
    let output = common::build(None);
    let jobs = common::k8s_of_kind(&output, "CronJob");
    let job = |name: &str| {
        jobs.iter()
            .find(|j| j["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("no CronJob {name}"))
    };
    let (dump, upload) = (
        container(job("postgres-health-backup"), "initContainers"),
        container(job("postgres-health-backup"), "containers"),
    );
    let (download, restore) = (
        container(job("postgres-health-restore"), "initContainers"),
        container(job("postgres-health-restore"), "containers"),
    );

    let dir = std::env::temp_dir().join(format!("hplc-backup-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mkdir");
    if is_root() {
        // The servers' directories below are the postgres user's.
        check(Command::new("chmod").arg("755").arg(&dir), "chmod");
    }
    let secrets = dir.join("secrets");
    std::fs::create_dir_all(&secrets).expect("mkdir");
    let superuser = "superuser-secret";
    let s3_port = free_port();
    for (name, value) in [
        ("POSTGRES_PASSWORD", superuser.to_string()),
        ("S3_ENDPOINT", format!("http://127.0.0.1:{s3_port}")),
        ("S3_ACCESS_KEY", "test-access-key".to_string()),
        ("S3_SECRET_KEY", "test-secret-key".to_string()),
    ] {
        std::fs::write(secrets.join(name), value).expect("write a secret");
    }
    let path = format!(
        "{}:{}:/usr/local/bin:/usr/bin:/bin",
        bin.display(),
        venv.display()
    );

    // The bucket's stand-in, with the bucket the Terraform tree would
    // create, and a daily copy older than kept.
    let _moto = Killed(
        Command::new(venv.join("moto_server"))
            .args(["-H", "127.0.0.1", "-p", &s3_port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server starts"),
    );
    wait_for_port(s3_port);
    let bucket = &upload.env["BUCKET"];
    let prefix = &upload.env["PREFIX"];
    let rclone = |args: &[&str]| {
        let mut command = Command::new(venv.join("rclone"));
        command.args(["--config", ""]).args(args);
        for (name, value) in upload.env.iter().filter(|(k, _)| k.starts_with("RCLONE_")) {
            command.env(name, value);
        }
        command
            .env(
                "RCLONE_CONFIG_STORE_ENDPOINT",
                format!("http://127.0.0.1:{s3_port}"),
            )
            .env("RCLONE_CONFIG_STORE_REGION", &upload.env["S3_REGION"])
            .env("RCLONE_CONFIG_STORE_ACCESS_KEY_ID", "test-access-key")
            .env("RCLONE_CONFIG_STORE_SECRET_ACCESS_KEY", "test-secret-key");
        check(&mut command, &format!("rclone {args:?}"))
    };
    // The scripts never create the bucket (`no_check_bucket`); the test
    // does, as the Terraform tree would.
    rclone(&[
        "mkdir",
        "--s3-no-check-bucket=false",
        &format!("--s3-location-constraint={}", upload.env["S3_REGION"]),
        &format!("store:{bucket}"),
    ]);
    let old = dir.join("old");
    std::fs::create_dir_all(&old).expect("mkdir");
    std::fs::write(old.join("globals.sql"), "-- an old copy\n").expect("write");
    check(
        Command::new("touch")
            .args(["-d", "2000-01-01T00:00:00Z"])
            .arg(old.join("globals.sql")),
        "touch",
    );
    let old_copy = format!("store:{bucket}/{prefix}/daily/2000-01-01");
    rclone(&["copy", &old.display().to_string(), &old_copy]);

    // The database as it runs: a role that owns nothing but may read a
    // table, in a database of its own.
    let source = Postgres::start(&bin, &dir.join("source"), superuser);
    for sql in [
        "CREATE ROLE reader LOGIN PASSWORD 'reader-secret'",
        "CREATE DATABASE health",
    ] {
        source.psql("postgres", superuser, "postgres", sql);
    }
    for sql in [
        "CREATE TABLE readings (id int PRIMARY KEY, value text NOT NULL)",
        "INSERT INTO readings VALUES (1, 'pulse 61'), (2, 'pulse 64'), (3, 'sleep 7h')",
        "GRANT SELECT ON readings TO reader",
    ] {
        source.psql("postgres", superuser, "health", sql);
    }

    // The backup job: dump, then upload.
    let backup_dir = dir.join("backup");
    std::fs::create_dir_all(&backup_dir).expect("mkdir");
    let mapped = |port: u16, backup: &Path| {
        BTreeMap::from([
            ("SERVICE_HOST", "127.0.0.1".to_string()),
            ("SERVICE_PORT", port.to_string()),
            ("BACKUP_DIR", backup.display().to_string()),
        ])
    };
    run(&dump, &path, &mapped(source.port, &backup_dir), &secrets);
    run(&upload, &path, &mapped(source.port, &backup_dir), &secrets);
    let stored = rclone(&["lsf", "-R", &format!("store:{bucket}/{prefix}")]);
    let today = check(Command::new("date").args(["-u", "+%Y-%m-%d"]), "date");
    let today = today.trim();
    for file in ["globals.sql", "health.dump", "postgres.dump"] {
        assert!(
            stored.lines().any(|l| l == format!("daily/{today}/{file}")),
            "{file} is not in the bucket's newest daily copy:\n{stored}"
        );
    }
    assert!(
        !stored.contains("2000-01-01/globals.sql"),
        "the copy older than kept is still there:\n{stored}"
    );
    drop(source);

    // A fresh server, as a replaced node would have: download, then restore.
    let fresh = Postgres::start(&bin, &dir.join("fresh"), superuser);
    assert_eq!(
        fresh
            .psql(
                "postgres",
                superuser,
                "postgres",
                "SELECT count(*) FROM pg_roles WHERE rolname = 'reader'"
            )
            .trim(),
        "0"
    );
    let restore_dir = dir.join("restore");
    std::fs::create_dir_all(&restore_dir).expect("mkdir");
    run(
        &download,
        &path,
        &mapped(fresh.port, &restore_dir),
        &secrets,
    );
    run(&restore, &path, &mapped(fresh.port, &restore_dir), &secrets);
    let rows = fresh.psql(
        "reader",
        "reader-secret",
        "health",
        "SELECT id, value FROM readings ORDER BY id",
    );
    assert_eq!(rows, "1|pulse 61\n2|pulse 64\n3|sleep 7h\n");
    drop(fresh);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The login script of the default environment's health database runs
/// against a server that authenticates as the image does (the local
/// socket trusted, TCP by password): each client's role logs in with its
/// own password, is no superuser, and uses the tables another client
/// created through `app`; the exporter's role reads pg_monitor's views.
/// A second run, with one password changed, changes it and nothing else.
#[test]
fn the_generated_login_script_creates_each_clients_role() {
    let Some((_, bin)) = tools() else {
        return;
    };
    let output = common::build(None);
    let (text, env) = common::post_start(&output, "postgres-health");
    let mut script = Script { text, env };

    let dir = std::env::temp_dir().join(format!("hplc-logins-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mkdir");
    if is_root() {
        check(Command::new("chmod").arg("755").arg(&dir), "chmod");
    }
    let superuser = "superuser-secret";
    let server_dir = dir.join("server");
    let server = Postgres::start_with(&bin, &server_dir, superuser, "trust");
    let logins = dir.join("logins");
    let write_login = |client: &str, password: &str| common::write_login(&logins, client, password);
    write_login("health_api_server", "api-secret");
    write_login("etl", "etl-secret");

    let secrets = dir.join("secrets");
    std::fs::create_dir_all(&secrets).expect("mkdir");
    std::fs::write(secrets.join("POSTGRES_PASSWORD"), superuser).expect("write");
    // The pod's defaults (the socket, port 5432) are the test server's.
    script
        .env
        .insert("PGHOST".into(), server_dir.display().to_string());
    script.env.insert("PGPORT".into(), server.port.to_string());
    let mapped = BTreeMap::from([("LOGINS_DIR", logins.display().to_string())]);
    let path = format!("{}:/usr/local/bin:/usr/bin:/bin", bin.display());
    run(&script, &path, &mapped, &secrets);

    server.psql(
        "health_api_server",
        "api-secret",
        "postgres",
        "CREATE TABLE readings (id serial PRIMARY KEY, value text NOT NULL)",
    );
    server.psql(
        "etl",
        "etl-secret",
        "postgres",
        "INSERT INTO readings (value) VALUES ('pulse 61')",
    );
    assert_eq!(
        server.psql(
            "health_api_server",
            "api-secret",
            "postgres",
            "SELECT value FROM readings"
        ),
        "pulse 61\n"
    );
    let attributes = server.psql(
        "postgres",
        superuser,
        "postgres",
        "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, pg_has_role(rolname, 'app', 'member') \
         FROM pg_roles WHERE rolname IN ('etl', 'health_api_server') ORDER BY rolname",
    );
    assert_eq!(attributes, "etl|f|f|f|t\nhealth_api_server|f|f|f|t\n");
    assert!(
        !server.succeeds("etl", "etl-secret", "postgres", "CREATE ROLE intruder"),
        "a client's role created a role"
    );
    assert_eq!(
        server
            .psql(
                "postgres",
                superuser,
                "postgres",
                "SELECT pg_has_role('postgres_exporter', 'pg_monitor', 'member')"
            )
            .trim(),
        "t"
    );

    // Every start runs it again: a changed password takes effect, the
    // rest stays.
    write_login("etl", "etl-secret-2");
    run(&script, &path, &mapped, &secrets);
    assert!(
        !server.succeeds("etl", "etl-secret", "postgres", "SELECT 1"),
        "the old password still logs in"
    );
    assert_eq!(
        server.psql(
            "etl",
            "etl-secret-2",
            "postgres",
            "SELECT count(*) FROM readings"
        ),
        "1\n"
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
