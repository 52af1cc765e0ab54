//! Each stage of `hplc build`, and the whole build with its files written,
//! on synthetic platforms of N services (hplc::synth, the generator behind
//! `scripts/synth-platform`). Run `cargo bench --bench stages`; the method
//! and the figures are in docs/performance.md.

use std::path::Path;

use divan::Bencher;
use hplc::diagnostics::render;
use hplc::resolve::fs::MemoryFs;

const SIZES: [usize; 4] = [10, 100, 1_000, 10_000];

/// The allocator the `hplc` binary uses, so that the stages are timed as
/// users run them.
#[global_allocator]
static ALLOCATOR: hplc::allocator::Allocator = hplc::allocator::Allocator;

fn main() {
    divan::main();
}

fn source(n: usize) -> MemoryFs {
    MemoryFs::default().with("/synth/platform.hpl", hplc::synth::platform(n).into_bytes())
}

fn root() -> &'static Path {
    Path::new("/synth/platform.hpl")
}

/// Text to syntax tree.
#[divan::bench(args = SIZES, sample_count = 10)]
fn parse(bencher: Bencher, n: usize) {
    let text = hplc::synth::platform(n);
    bencher.bench(|| hplc::syntax::parse(hplc::source::FileId(0), divan::black_box(&text)));
}

/// Loading: the root file and every module it uses, parsed (the embedded
/// stdlib included).
#[divan::bench(args = SIZES, sample_count = 10)]
fn load(bencher: Bencher, n: usize) {
    let fs = source(n);
    bencher.bench(|| {
        let mut diagnostics = hplc::diagnostics::Diagnostics::default();
        hplc::resolve::modules::load(root(), &fs, &mut diagnostics)
    });
}

/// The synthetic platform of `n` services, loaded.
fn loaded(n: usize) -> hplc::resolve::modules::Loaded {
    let mut diagnostics = hplc::diagnostics::Diagnostics::default();
    hplc::resolve::modules::load(root(), &source(n), &mut diagnostics)
}

/// Names, types and values of the loaded modules: every object evaluated.
#[divan::bench(args = SIZES, sample_count = 10)]
fn resolve_and_typecheck(bencher: Bencher, n: usize) {
    let loaded = loaded(n);
    bencher.bench(|| {
        let mut diagnostics = hplc::diagnostics::Diagnostics::default();
        hplc::types::check(divan::black_box(&loaded), None, &mut diagnostics)
    });
}

/// The checked world lowered to the platform model the later stages read.
#[divan::bench(args = SIZES, sample_count = 10)]
fn lower(bencher: Bencher, n: usize) {
    let loaded = loaded(n);
    let mut diagnostics = hplc::diagnostics::Diagnostics::default();
    let world = hplc::types::check(&loaded, None, &mut diagnostics);
    let platform = world.platform.expect("the synthetic platform compiles");
    bencher.bench(|| hplc::model::lower(divan::black_box(&world), platform, "default"));
}

/// Loading, names, types and values, the model, the graph, placement,
/// budget and safety checks: everything `hplc check` does.
#[divan::bench(args = SIZES, sample_count = 10)]
fn check(bencher: Bencher, n: usize) {
    let fs = source(n);
    bencher.bench(|| hplc::compile(root(), None, &fs));
}

/// The dependency graph alone, from the model.
#[divan::bench(args = SIZES, sample_count = 10)]
fn graph(bencher: Bencher, n: usize) {
    let compilation = hplc::compile(root(), None, &source(n));
    let model = compilation.model.expect("the synthetic platform compiles");
    bencher.bench(|| hplc::graph::build(divan::black_box(&model)));
}

/// Packing, node checks, budget and cost, from the model.
#[divan::bench(args = SIZES, sample_count = 10)]
fn placement(bencher: Bencher, n: usize) {
    let compilation = hplc::compile(root(), None, &source(n));
    let model = compilation.model.expect("the synthetic platform compiles");
    bencher.bench(|| {
        let mut diagnostics = hplc::diagnostics::Diagnostics::default();
        hplc::placement::plan(divan::black_box(&model), &mut diagnostics)
    });
}

/// One backend on a compiled platform.
fn backend(bencher: Bencher, n: usize, emit: fn(&hplc::emit::Context, &mut hplc::emit::Output)) {
    let compilation = hplc::compile(root(), None, &source(n));
    let (Some(platform), Some(graph), Some(plan)) =
        (&compilation.model, &compilation.graph, &compilation.plan)
    else {
        panic!("the synthetic platform compiles");
    };
    let context = hplc::emit::Context {
        platform,
        graph,
        plan,
        waves: hplc::model::Waves::of(platform),
        sources: &compilation.sources,
        root_dir: Path::new("/synth"),
    };
    bencher.bench(|| {
        let mut output = hplc::emit::Output::default();
        emit(&context, &mut output);
        output
    });
}

#[divan::bench(args = SIZES, sample_count = 10)]
fn kubernetes(bencher: Bencher, n: usize) {
    backend(bencher, n, hplc::emit::k8s::emit);
}

#[divan::bench(args = SIZES, sample_count = 10)]
fn grafana(bencher: Bencher, n: usize) {
    backend(bencher, n, hplc::emit::grafana::emit);
}

#[divan::bench(args = SIZES, sample_count = 10)]
fn terraform(bencher: Bencher, n: usize) {
    backend(bencher, n, hplc::emit::terraform::emit);
}

/// The whole `hplc build`: compile, generate all three backends, write
/// the files (atomically, into a temporary directory).
#[divan::bench(args = SIZES, sample_count = 5)]
fn build(bencher: Bencher, n: usize) {
    let fs = source(n);
    let out = std::env::temp_dir().join(format!("hplc-bench-build-{}-{n}", std::process::id()));
    // Every file on disk differs before every run (as after an edit that
    // touches every service), so every file is written and the previous
    // tree removed. A tree that holds the output would be left alone, and
    // files that did not change would be carried over by hard link.
    bencher
        .with_inputs(|| change_every_file(&out))
        .bench_local_values(|()| {
            let built = hplc::pipeline::build(root(), None, &fs);
            let output = built.output.as_ref().expect("compiles");
            hplc::emit::output::write(output, &out).expect("write");
        });
    let _ = std::fs::remove_dir_all(&out);
}

/// Sizes of the peers shape (`hplc::synth::peers`): random services, pins,
/// and a volume below its class minimum on about one in eight, each a
/// warning.
const PEERS: [usize; 2] = [1_000, 10_000];

fn peers(n: usize) -> MemoryFs {
    MemoryFs::default().with(
        "/synth/platform.hpl",
        hplc::synth::peers::platform(n).into_bytes(),
    )
}

/// Text to syntax tree, on the peers shape.
#[divan::bench(args = PEERS, sample_count = 10)]
fn peers_parse(bencher: Bencher, n: usize) {
    let text = hplc::synth::peers::platform(n);
    bencher.bench(|| hplc::syntax::parse(hplc::source::FileId(0), divan::black_box(&text)));
}

/// Everything `hplc check` does, on the peers shape.
#[divan::bench(args = PEERS, sample_count = 10)]
fn peers_check(bencher: Bencher, n: usize) {
    let fs = peers(n);
    bencher.bench(|| hplc::compile(root(), None, &fs));
}

/// The human report of the peers shape's warnings (1,290 at N = 10,000):
/// as `hplc check` prints it (five of each code drawn), and every one drawn.
#[divan::bench(args = PEERS, sample_count = 10)]
fn peers_human_diagnostics(bencher: Bencher, n: usize) {
    human_diagnostics(
        bencher,
        n,
        render::Shown::FirstWarnings(render::WARNINGS_PER_CODE),
    );
}

#[divan::bench(args = PEERS, sample_count = 10)]
fn peers_human_diagnostics_all(bencher: Bencher, n: usize) {
    human_diagnostics(bencher, n, render::Shown::All);
}

fn human_diagnostics(bencher: Bencher, n: usize, shown: render::Shown) {
    let compilation = hplc::compile(root(), None, &peers(n));
    assert!(!compilation.diagnostics.is_empty(), "the peers shape warns");
    bencher.bench(|| {
        render::human(
            divan::black_box(&compilation.diagnostics),
            &compilation.sources,
            render::Style::Plain,
            shown,
        )
    });
}

/// Appends a line to every file under `dir` but hplc's marker.
fn change_every_file(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            change_every_file(&path);
        } else if entry.file_name() != hplc::emit::output::MARKER {
            let mut text = std::fs::read(&path).unwrap_or_default();
            text.extend_from_slice(b"# changed\n");
            let _ = std::fs::write(&path, text);
        }
    }
}
