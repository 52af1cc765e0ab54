//! Quantities written for people, in reports and messages.

pub fn cpu(millis: i64) -> String {
    format!("{millis}m")
}

/// Bytes with the unit that states them exactly (`50Gi`, `200G`), or in
/// decimal gigabytes to one place when no unit does (`203.7G`).
pub fn bytes(amount: i64) -> String {
    const UNITS: [(&str, i64); 6] = [
        ("Ti", 1 << 40),
        ("T", 1_000_000_000_000),
        ("Gi", 1 << 30),
        ("G", 1_000_000_000),
        ("Mi", 1 << 20),
        ("M", 1_000_000),
    ];
    if amount == 0 {
        return "0".into();
    }
    if let Some((unit, size)) = UNITS.iter().find(|(_, size)| amount % size == 0) {
        return format!("{}{unit}", amount / size);
    }
    let (unit, size) = if amount >= 1_000_000_000 {
        ("G", 1_000_000_000f64)
    } else {
        ("M", 1_000_000f64)
    };
    format!("{:.1}{unit}", amount as f64 / size)
}

pub fn money(micros: i64) -> String {
    let cents = (micros + 5_000) / 10_000;
    format!("${}.{:02}", cents / 100, cents % 100)
}

/// `used` as a share of `total`, in whole percent (rounded down).
pub fn percent(used: i64, total: i64) -> i64 {
    if total <= 0 {
        return 0;
    }
    ((used as i128) * 100 / total as i128) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_quantities_for_people() {
        assert_eq!(bytes(50 << 30), "50Gi");
        assert_eq!(bytes(200_000_000_000), "200G");
        assert_eq!(bytes(150_000_000_000 + (50 << 30)), "203.7G");
        assert_eq!(bytes(503_000_215 * 1024), "515.1G");
        assert_eq!(bytes(6272 << 20), "6272Mi");
        assert_eq!(money(7_300_000), "$7.30");
        assert_eq!(money(25_500), "$0.03");
        assert_eq!(percent(840, 1000), 84);
    }
}
