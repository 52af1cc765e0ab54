//! Number literals and their units. Every quantity is held as an integer
//! count of its dimension's base unit, so arithmetic is exact and output
//! never depends on floating point.

use super::ty::Dim;

/// `(unit, dimension, base units per unit)`.
const UNITS: &[(&str, Dim, i128)] = &[
    ("m", Dim::Cpu, 1),
    ("Ki", Dim::Bytes, 1 << 10),
    ("Mi", Dim::Bytes, 1 << 20),
    ("Gi", Dim::Bytes, 1 << 30),
    ("Ti", Dim::Bytes, 1 << 40),
    ("Pi", Dim::Bytes, 1 << 50),
    ("K", Dim::Bytes, 1_000),
    ("k", Dim::Bytes, 1_000),
    ("M", Dim::Bytes, 1_000_000),
    ("G", Dim::Bytes, 1_000_000_000),
    ("T", Dim::Bytes, 1_000_000_000_000),
    ("P", Dim::Bytes, 1_000_000_000_000_000),
    ("ms", Dim::Duration, 1),
    ("s", Dim::Duration, 1_000),
    ("min", Dim::Duration, 60_000),
    ("h", Dim::Duration, 3_600_000),
    ("d", Dim::Duration, 86_400_000),
    ("w", Dim::Duration, 604_800_000),
    ("%", Dim::Percent, 100),
    ("bps", Dim::Bandwidth, 1),
    ("Kbps", Dim::Bandwidth, 1_000),
    ("Mbps", Dim::Bandwidth, 1_000_000),
    ("Gbps", Dim::Bandwidth, 1_000_000_000),
    ("usd", Dim::Money, 1_000_000),
];

/// Base units in one core: unitless CPU is in cores.
pub const MILLIS_PER_CORE: i128 = 1000;

pub fn unit(name: &str) -> Option<(Dim, i128)> {
    UNITS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, d, f)| (*d, *f))
}

pub fn unit_names() -> impl Iterator<Item = &'static str> {
    UNITS.iter().map(|(n, _, _)| *n)
}

/// `digits` as written (`-12`, `0.25`): the integer mantissa and the number
/// of decimal places. `None` when it does not fit 38 digits.
pub fn parse_digits(digits: &str) -> Option<(i128, u32)> {
    if let Some(read) = short_decimal(digits) {
        return Some(read);
    }
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let mantissa = match plain_mantissa(int, frac) {
        Some(mantissa) => mantissa?,
        // Anything but a sign and digits: read as `i128` reads it.
        None => format!("{int}{frac}").parse().ok()?,
    };
    Some((mantissa, frac.len() as u32))
}

/// A sign, one to 18 digits and at most one `.` (almost every number
/// written), read in one pass: eighteen digits cannot overflow 64 bits,
/// and 64-bit arithmetic is plain instructions where 128-bit checked
/// multiplication is a call. `None` for anything else, which the general
/// reading then reads or refuses.
fn short_decimal(digits: &str) -> Option<(i128, u32)> {
    let (negative, body) = match digits.as_bytes() {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        all => (false, all),
    };
    let (mut value, mut count, mut point) = (0u64, 0, None);
    for (at, &byte) in body.iter().enumerate() {
        match byte {
            b'0'..=b'9' if count < 18 => {
                value = value * 10 + u64::from(byte - b'0');
                count += 1;
            }
            b'.' if point.is_none() => point = Some(at),
            _ => return None,
        }
    }
    if count == 0 {
        return None;
    }
    let decimals = point.map_or(0, |at| body.len() - at - 1);
    let value = i128::from(value);
    Some((if negative { -value } else { value }, decimals as u32))
}

/// The mantissa of a sign and digits longer than [`short_decimal`] reads,
/// without joining the two parts into a new string first: `None` when
/// `int` and `frac` are not that, `Some(None)` when it has no digit or
/// does not fit, as `i128`'s parse would say.
fn plain_mantissa(int: &str, frac: &str) -> Option<Option<i128>> {
    let (negative, int) = match int.as_bytes().first() {
        Some(b'-') => (true, &int[1..]),
        Some(b'+') => (false, &int[1..]),
        _ => (false, int),
    };
    let mut digits = int.bytes().chain(frac.bytes());
    if !digits.clone().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if int.is_empty() && frac.is_empty() {
        return Some(None);
    }
    // Negative numbers are built downwards, so that the least `i128` fits.
    Some(digits.try_fold(0i128, |value, digit| {
        let digit = i128::from(digit - b'0');
        let value = value.checked_mul(10)?;
        if negative {
            value.checked_sub(digit)
        } else {
            value.checked_add(digit)
        }
    }))
}

#[derive(Debug, PartialEq, Eq)]
pub enum ScaleError {
    /// The value is not a whole number of base units (`0.0001` cores).
    TooPrecise,
    /// The value does not fit in 64 bits of base units.
    TooLarge,
}

/// `mantissa * 10^-scale * factor` as a whole number of base units.
pub fn scale(mantissa: i128, decimals: u32, factor: i128) -> Result<i64, ScaleError> {
    // A whole number of units in 64 bits (almost every quantity written):
    // 128-bit multiplication and division are library calls.
    if decimals == 0 {
        if let (Ok(mantissa), Ok(factor)) = (i64::try_from(mantissa), i64::try_from(factor)) {
            return mantissa.checked_mul(factor).ok_or(ScaleError::TooLarge);
        }
    }
    let divisor = 10i128.checked_pow(decimals).ok_or(ScaleError::TooLarge)?;
    let product = mantissa.checked_mul(factor).ok_or(ScaleError::TooLarge)?;
    if product % divisor != 0 {
        return Err(ScaleError::TooPrecise);
    }
    i64::try_from(product / divisor).map_err(|_| ScaleError::TooLarge)
}

/// Writes a quantity the way a person would type it: the largest unit that
/// divides it exactly (`512Mi`, `1500m`, `30d`).
pub fn format(dim: Dim, amount: i64) -> String {
    let candidates: &[(&str, i128)] = match dim {
        Dim::Cpu => {
            return if amount % 1000 == 0 {
                format!("{}", amount / 1000)
            } else {
                format!("{amount}m")
            }
        }
        Dim::Bytes => &[
            ("Pi", 1 << 50),
            ("Ti", 1 << 40),
            ("Gi", 1 << 30),
            ("Mi", 1 << 20),
            ("Ki", 1 << 10),
            ("T", 1_000_000_000_000),
            ("G", 1_000_000_000),
            ("M", 1_000_000),
            ("K", 1_000),
        ],
        Dim::Duration => &[
            ("w", 604_800_000),
            ("d", 86_400_000),
            ("h", 3_600_000),
            ("min", 60_000),
            ("s", 1_000),
        ],
        Dim::Percent => {
            return if amount % 100 == 0 {
                format!("{}%", amount / 100)
            } else {
                format!("{}%", decimal(amount as i128, 2))
            }
        }
        Dim::Bandwidth => &[
            ("Gbps", 1_000_000_000),
            ("Mbps", 1_000_000),
            ("Kbps", 1_000),
        ],
        Dim::Money => return format!("{}usd", decimal(amount as i128, 6)),
    };
    // Of the units that state the amount exactly, the one with the smallest
    // count (50G rather than 48828125Ki); binary first on ties.
    let best = candidates
        .iter()
        .filter(|(_, factor)| amount != 0 && (amount as i128) % factor == 0)
        .min_by_key(|(_, factor)| (amount as i128 / factor).abs());
    if let Some((name, factor)) = best {
        return format!("{}{name}", amount as i128 / factor);
    }
    match dim {
        Dim::Bytes => format!("{amount}"),
        Dim::Duration => format!("{amount}ms"),
        Dim::Bandwidth => format!("{amount}bps"),
        _ => amount.to_string(),
    }
}

/// `value / 10^places` written without trailing zeros.
pub fn decimal(value: i128, places: u32) -> String {
    let divisor = 10i128.pow(places);
    let sign = if value < 0 { "-" } else { "" };
    let value = value.abs();
    let (int, frac) = (value / divisor, value % divisor);
    if frac == 0 {
        return format!("{sign}{int}");
    }
    let frac = format!("{:0width$}", frac, width = places as usize);
    format!("{sign}{int}.{}", frac.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_exactly() {
        assert_eq!(scale(5, 1, 1000), Ok(500)); // 0.5 cores
        assert_eq!(scale(15, 1, 1 << 30), Ok(1_610_612_736)); // 1.5Gi
        assert_eq!(scale(1, 4, 1000), Err(ScaleError::TooPrecise));
        assert_eq!(scale(i64::MAX as i128, 0, 1), Ok(i64::MAX));
        assert_eq!(scale(i64::MIN as i128, 0, 1), Ok(i64::MIN));
        assert_eq!(scale(-(1 << 40), 0, 1 << 30), Err(ScaleError::TooLarge));
        assert_eq!(scale(1 << 70, 0, 1), Err(ScaleError::TooLarge));
        assert_eq!(scale(3, 0, 1 << 70), Err(ScaleError::TooLarge));
        assert_eq!(
            scale(i64::MAX as i128, 0, 1 << 30),
            Err(ScaleError::TooLarge)
        );
    }

    #[test]
    fn reads_digits_as_the_joined_string_parses() {
        let joined = |digits: &str| {
            let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
            let mantissa: i128 = format!("{int}{frac}").parse().ok()?;
            Some((mantissa, frac.len() as u32))
        };
        let max = i128::MAX.to_string();
        let min = i128::MIN.to_string();
        let over = format!("{max}0");
        let under = format!("{min}0");
        let cases = [
            "0",
            "12",
            "-12",
            "+7",
            "0.25",
            "-0.5",
            "1.",
            ".5",
            "-.5",
            "",
            "-",
            "+",
            ".",
            "-.",
            "1.2.3",
            "1.-5",
            "--1",
            "-+1",
            "1e5",
            " 1",
            "007",
            &max,
            &min,
            &over,
            &under,
            "17014118346046923173168730371588410572.8",
            "-0",
            "999999999999999999",
            "-999999999999999999",
            "9999999999999999999",
            "-9999999999999999999",
            "123456789.123456789",
            "18446744073709551615",
            "-18446744073709551616",
        ];
        for digits in cases {
            assert_eq!(parse_digits(digits), joined(digits), "{digits:?}");
        }
        // Every string of up to 6 of these bytes, and long ones around the
        // 18 bytes read in one pass.
        let alphabet = b"09.-+x";
        for len in 0..=6u32 {
            for mut n in 0..6usize.pow(len) {
                let mut digits = String::new();
                for _ in 0..len {
                    digits.push(char::from(alphabet[n % 6]));
                    n /= 6;
                }
                assert_eq!(parse_digits(&digits), joined(&digits), "{digits:?}");
            }
        }
        for digits in ["9".repeat(17), "9".repeat(18), "9".repeat(19)] {
            for written in [
                digits.clone(),
                format!("-{digits}"),
                format!("+{digits}"),
                format!("{}.{}", &digits[1..], "9"),
                format!("-.{digits}"),
                format!("{digits}."),
            ] {
                assert_eq!(parse_digits(&written), joined(&written), "{written:?}");
            }
        }
    }

    #[test]
    fn formats_with_the_largest_exact_unit() {
        assert_eq!(format(Dim::Bytes, 512 << 20), "512Mi");
        assert_eq!(format(Dim::Bytes, 50_000_000_000), "50G");
        assert_eq!(format(Dim::Cpu, 1500), "1500m");
        assert_eq!(format(Dim::Cpu, 2000), "2");
        assert_eq!(format(Dim::Duration, 300_000), "5min");
        assert_eq!(format(Dim::Percent, 1250), "12.5%");
        assert_eq!(format(Dim::Money, 25_500), "0.0255usd");
    }
}
