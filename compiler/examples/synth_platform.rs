//! `scripts/synth-platform N`: prints a synthetic platform of N services.

fn main() {
    let n = std::env::args()
        .nth(1)
        .and_then(|a| a.parse::<usize>().ok());
    match n {
        Some(n) => print!("{}", hplc::synth::platform(n)),
        None => {
            eprintln!("usage: synth-platform N   (N services, printed on standard output)");
            std::process::exit(2);
        }
    }
}
