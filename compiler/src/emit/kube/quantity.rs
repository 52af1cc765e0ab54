//! Model quantities in the notation Kubernetes and the tools expect.

use crate::types::{ty::Dim, units};

/// Millicores: `250m`, or whole cores `2` (as the source writes them).
pub fn cpu(millis: i64) -> String {
    units::format(Dim::Cpu, millis)
}

/// Bytes in the largest binary unit that states them exactly (`512Mi`,
/// `50Gi`), or plain bytes.
pub fn bytes(amount: i64) -> String {
    const UNITS: [(&str, i64); 4] = [
        ("Ti", 1 << 40),
        ("Gi", 1 << 30),
        ("Mi", 1 << 20),
        ("Ki", 1 << 10),
    ];
    match UNITS
        .iter()
        .find(|(_, size)| amount != 0 && amount % size == 0)
    {
        Some((unit, size)) => format!("{}{unit}", amount / size),
        None => amount.to_string(),
    }
}

/// Milliseconds as a Go/Prometheus duration in its largest exact unit
/// (`30d`, `12h`, `5m`, `15s`).
pub fn duration(ms: i64) -> String {
    const UNITS: [(&str, i64); 4] = [
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1000),
    ];
    match UNITS.iter().find(|(_, size)| ms != 0 && ms % size == 0) {
        Some((unit, size)) => format!("{}{unit}", ms / size),
        None => format!("{ms}ms"),
    }
}

/// Whole seconds, rounded up (probe delays and periods).
pub fn seconds(ms: i64) -> i64 {
    (ms + 999) / 1000
}

/// Velero's TTL is a Go duration, which has no days: `720h0m0s`.
pub fn go_hours(ms: i64) -> String {
    let seconds = ms / 1000;
    format!(
        "{}h{}m{}s",
        seconds / 3600,
        seconds % 3600 / 60,
        seconds % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_kubernetes_quantities() {
        assert_eq!(cpu(250), "250m");
        assert_eq!(cpu(2000), "2");
        assert_eq!(bytes(512 << 20), "512Mi");
        assert_eq!(bytes(50 << 30), "50Gi");
        assert_eq!(bytes(1_000_000_000), "1000000000");
        assert_eq!(duration(30 * 86_400_000), "30d");
        assert_eq!(duration(15_000), "15s");
        assert_eq!(go_hours(30 * 86_400_000), "720h0m0s");
        assert_eq!(seconds(1500), 2);
    }
}
