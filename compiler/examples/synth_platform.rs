//! `scripts/synth-platform N [--shape mix|peers] [--helm-values]`: prints a
//! synthetic platform of N services, or (`--helm-values`, peers shape only)
//! the values that make the chart of `scripts/helm-peers/` render the same
//! services.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut n = None;
    let mut shape = "mix".to_string();
    let mut helm_values = false;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--shape" => shape = args.next().unwrap_or_default(),
            "--helm-values" => helm_values = true,
            other => n = other.parse::<usize>().ok(),
        }
    }
    let text = match (n, shape.as_str(), helm_values) {
        (Some(n), "mix", false) => hplc::synth::platform(n),
        (Some(n), "peers", false) => hplc::synth::peers::platform(n),
        (Some(n), "peers", true) => hplc::synth::peers::helm_values(n),
        _ => {
            eprintln!(
                "usage: synth-platform N [--shape mix|peers] [--helm-values]\n  \
                 N services on standard output; --helm-values (peers only) prints\n  \
                 the values of scripts/helm-peers/chart for the same services"
            );
            std::process::exit(2);
        }
    };
    print!("{text}");
}
