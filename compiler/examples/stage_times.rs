//! Wall time of each stage of `hplc build` on a synthetic platform of N
//! services (one run; `cargo bench` gives the careful numbers):
//! `cargo run --release --example stage_times -- 10000`.

use std::path::Path;
use std::time::Instant;

use hplc::resolve::fs::MemoryFs;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let text = hplc::synth::platform(n);
    let fs = MemoryFs::default().with("/synth/platform.hpl", text.into_bytes());
    let root = Path::new("/synth/platform.hpl");
    let start = Instant::now();
    let compilation = hplc::compile(root, None, &fs);
    let compiled = start.elapsed();
    let (Some(platform), Some(graph), Some(plan)) =
        (&compilation.model, &compilation.graph, &compilation.plan)
    else {
        eprintln!(
            "the synthetic platform has errors: {:?}",
            compilation.diagnostics.first()
        );
        std::process::exit(1);
    };
    let context = hplc::emit::Context {
        platform,
        graph,
        plan,
        waves: hplc::model::Waves::of(platform),
        sources: &compilation.sources,
        root_dir: Path::new("/synth"),
    };
    let mut output = hplc::emit::Output::default();
    let t = Instant::now();
    hplc::emit::k8s::emit(&context, &mut output);
    let k8s = t.elapsed();
    let t = Instant::now();
    hplc::emit::grafana::emit(&context, &mut output);
    let grafana = t.elapsed();
    let t = Instant::now();
    hplc::emit::terraform::emit(&context, &mut output);
    let terraform = t.elapsed();
    let bytes: usize = output.files.values().map(String::len).sum();
    println!("N={n}: compile {compiled:.2?}, k8s {k8s:.2?}, grafana {grafana:.2?}, terraform {terraform:.2?}; {} files, {} bytes", output.files.len(), bytes);
}
