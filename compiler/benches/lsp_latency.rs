//! How long after an edit to platform.hpl `hplc lsp` publishes its
//! diagnostics: the server runs as a process, as under an editor, and each
//! round is one `didChange` (alternately adding and removing an error) up
//! to the `publishDiagnostics` of that version. Prints the median and the
//! 95th percentile; docs/editors.md records them.
//!
//! `cargo bench --bench lsp_latency` (release build, the default
//! environment, so every declared environment is checked as `hplc check`
//! does).

#[path = "../tests/lsp/client.rs"]
mod client;

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::json;

const ROUNDS: usize = 100;
const WARM_UP: usize = 5;

fn main() {
    // No environment set: the default one and every declared one are
    // checked on each edit, as `hplc check` does; then one environment.
    for (label, options) in [
        ("every environment", json!({})),
        ("hplc.env = production", json!({ "env": "production" })),
    ] {
        let mut times = measure(options);
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let p95 = times[(times.len() * 95).div_ceil(100) - 1];
        println!(
            "lsp_latency ({label}): edit to diagnostics on platform.hpl over {ROUNDS} edits: median {:.1} ms, p95 {:.1} ms, min {:.1} ms, max {:.1} ms",
            ms(times[times.len() / 2]),
            ms(p95),
            ms(times[0]),
            ms(times[times.len() - 1])
        );
    }
}

/// The time of each measured round.
fn measure(options: serde_json::Value) -> Vec<Duration> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let root = root.canonicalize().expect("the repository root exists");
    let platform = root.join("platform.hpl");
    let text = std::fs::read_to_string(&platform).expect("platform.hpl is readable");
    let uri = client::file_uri(&platform);
    let mut server = client::Client::start(env!("CARGO_BIN_EXE_hplc"), &root, options);
    server.open(&uri, &text);
    server.errors(&uri, Some(1));
    // A misspelled namespace, then the fix: the error comes and goes.
    let at = client::position(
        &text,
        "namespace = health_data",
        0,
        "namespace = health_data".len(),
    );
    let mut times: Vec<Duration> = Vec::new();
    for round in 0..WARM_UP + ROUNDS {
        let version = round as i64 + 2;
        let started = Instant::now();
        if round % 2 == 0 {
            server.edit(&uri, version, at, at, "x");
        } else {
            server.edit(&uri, version, at, (at.0, at.1 + 1), "");
        }
        let diagnostics = server.errors(&uri, Some(version));
        let elapsed = started.elapsed();
        assert_eq!(
            diagnostics.is_empty(),
            round % 2 == 1,
            "round {round}: {diagnostics:?}"
        );
        if round >= WARM_UP {
            times.push(elapsed);
        }
        server.notifications.clear();
    }
    let _ = server.stop();
    times
}
