//! Checks of string-shaped types: cron schedules, host names and image
//! references. Each failure says what is wrong and where in the string.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::Range;

/// A problem inside a string: the message and the byte range it is about.
#[derive(Debug, PartialEq, Eq)]
pub struct Invalid {
    pub message: String,
    pub at: Range<usize>,
}

fn invalid(message: impl Into<String>, at: Range<usize>) -> Invalid {
    Invalid {
        message: message.into(),
        at,
    }
}

const CRON_FIELDS: [(&str, u32, u32); 5] = [
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day of month", 1, 31),
    ("month", 1, 12),
    ("day of week", 0, 7),
];
const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const CRON_MACROS: [&str; 7] = [
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@midnight",
    "@hourly",
];

/// A five-field schedule as Kubernetes CronJobs take it, or one of the
/// `@daily`-style macros.
pub fn cron(text: &str) -> Result<(), Invalid> {
    let trimmed = text.trim();
    if trimmed.starts_with('@') {
        return if CRON_MACROS.contains(&trimmed) {
            Ok(())
        } else {
            Err(invalid(
                format!(
                    "`{trimmed}` is not a schedule macro (use {})",
                    CRON_MACROS.join(", ")
                ),
                0..text.len(),
            ))
        };
    }
    let mut fields = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (c.is_whitespace(), start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                fields.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    if fields.len() != 5 {
        return Err(invalid(
            format!("a schedule has 5 fields (minute hour day-of-month month day-of-week), this one has {}", fields.len()),
            0..text.len(),
        ));
    }
    for (range, (name, min, max)) in fields.into_iter().zip(CRON_FIELDS) {
        cron_field(&text[range.clone()], name, min, max).map_err(|m| invalid(m, range))?;
    }
    Ok(())
}

fn cron_field(field: &str, name: &str, min: u32, max: u32) -> Result<(), String> {
    for part in field.split(',') {
        let (base, step) = match part.split_once('/') {
            Some((b, s)) => (b, Some(s)),
            None => (part, None),
        };
        if let Some(step) = step {
            match step.parse::<u32>() {
                Ok(s) if s >= 1 && s <= max => {}
                _ => return Err(format!("`{step}` is not a valid step for the {name} field")),
            }
        }
        if base == "*" {
            continue;
        }
        let (low, high) = base.split_once('-').unwrap_or((base, base));
        let low = cron_value(low, name, min, max)?;
        let high = cron_value(high, name, min, max)?;
        if low > high {
            return Err(format!(
                "the range `{base}` of the {name} field runs backwards"
            ));
        }
    }
    Ok(())
}

fn cron_value(text: &str, name: &str, min: u32, max: u32) -> Result<u32, String> {
    let lower = text.to_ascii_lowercase();
    let named = match name {
        "month" => MONTHS
            .iter()
            .position(|m| *m == lower)
            .map(|i| i as u32 + 1),
        "day of week" => DAYS.iter().position(|d| *d == lower).map(|i| i as u32),
        _ => None,
    };
    let value = match named {
        Some(v) => v,
        None => text
            .parse::<u32>()
            .map_err(|_| format!("`{text}` is not a number in the {name} field"))?,
    };
    if value < min || value > max {
        return Err(format!(
            "{value} is outside the {name} field's range {min}-{max}"
        ));
    }
    Ok(value)
}

/// A DNS name as an Ingress host takes it: lower case RFC 1123 labels, at
/// most 253 characters, optionally `*.` in front.
pub fn host(text: &str) -> Result<(), Invalid> {
    if text.is_empty() {
        return Err(invalid("a host name cannot be empty", 0..0));
    }
    if text.len() > 253 {
        return Err(invalid(
            format!(
                "a host name has at most 253 characters, this one {}",
                text.len()
            ),
            0..text.len(),
        ));
    }
    let mut offset = 0;
    for (index, label) in text.split('.').enumerate() {
        let at = offset..offset + label.len();
        offset += label.len() + 1;
        if index == 0 && label == "*" {
            continue;
        }
        if label.is_empty() {
            return Err(invalid(
                "a host name cannot have an empty label (`..`, or a `.` at either end)",
                at,
            ));
        }
        if label.len() > 63 {
            return Err(invalid(
                format!("the label `{label}` is longer than 63 characters"),
                at,
            ));
        }
        if let Some((i, c)) = label
            .char_indices()
            .find(|(_, c)| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
        {
            let hint = if c.is_ascii_uppercase() {
                " (host names are lower case)"
            } else {
                ""
            };
            return Err(invalid(
                format!("`{c}` cannot appear in a host name{hint}"),
                at.start + i..at.start + i + c.len_utf8(),
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(invalid(
                format!("the label `{label}` starts or ends with `-`"),
                at,
            ));
        }
    }
    Ok(())
}

/// An OCI image reference `[registry[:port]/]path[:tag][@digest]` that is
/// pinned: it has a tag, a digest or both.
pub fn image(text: &str) -> Result<(), Invalid> {
    if text.is_empty() {
        return Err(invalid("an image reference cannot be empty", 0..0));
    }
    let (name_and_tag, digest) = match text.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (text, None),
    };
    if let Some(digest) = digest {
        let at = name_and_tag.len() + 1..text.len();
        let Some((algorithm, hex)) = digest.split_once(':') else {
            return Err(invalid("a digest is written `sha256:<64 hex digits>`", at));
        };
        let expected = match algorithm {
            "sha256" => 64,
            "sha512" => 128,
            _ => {
                return Err(invalid(
                    format!("`{algorithm}` is not a digest algorithm (sha256 or sha512)"),
                    at,
                ))
            }
        };
        if hex.len() != expected
            || !hex
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        {
            return Err(invalid(
                format!("a {algorithm} digest is {expected} lower-case hex digits"),
                at,
            ));
        }
    }
    // A `:` after the last `/` starts the tag; one before it is a port.
    let last_slash = name_and_tag.rfind('/').map(|i| i + 1).unwrap_or(0);
    let (name, tag) = match name_and_tag[last_slash..].find(':') {
        Some(i) => (
            &name_and_tag[..last_slash + i],
            Some(&name_and_tag[last_slash + i + 1..]),
        ),
        None => (name_and_tag, None),
    };
    if let Some(tag) = tag {
        let at = name.len() + 1..name.len() + 1 + tag.len();
        let valid = !tag.is_empty()
            && tag.len() <= 128
            && tag
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            && tag
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
        if !valid {
            return Err(invalid(
                format!("`{tag}` is not a valid tag (letters, digits, `_`, `.`, `-`; at most 128)"),
                at,
            ));
        }
    }
    let mut offset = 0;
    for (index, component) in name.split('/').enumerate() {
        let at = offset..offset + component.len();
        offset += component.len() + 1;
        let is_registry = index == 0
            && name.contains('/')
            && (component.contains('.') || component.contains(':') || component == "localhost");
        let ok = if is_registry {
            !component.is_empty()
                && component
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
        } else {
            !component.is_empty()
                && component.chars().all(|c| {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')
                })
                && component.starts_with(|c: char| c.is_ascii_alphanumeric())
                && component.ends_with(|c: char| c.is_ascii_alphanumeric())
        };
        if !ok {
            return Err(invalid(format!("`{component}` is not a valid image name component (lower case letters, digits, `.`, `_`, `-`)"), at));
        }
    }
    if tag.is_none() && digest.is_none() {
        return Err(invalid(
            "the image has no tag or digest, so what runs could change under you",
            0..text.len(),
        ));
    }
    Ok(())
}

/// A CIDR block: the address as a 128-bit number (IPv4 in the low
/// 32 bits), its prefix length, and whether it is IPv4.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    pub address: u128,
    pub prefix: u32,
    pub v4: bool,
}

impl Cidr {
    pub fn bits(&self) -> u32 {
        if self.v4 {
            32
        } else {
            128
        }
    }

    /// The address with the host bits cleared.
    pub fn network(&self) -> u128 {
        let host = self.bits() - self.prefix;
        if host == 128 {
            0
        } else {
            self.address >> host << host
        }
    }

    pub fn within(&self, outer: &Cidr) -> bool {
        self.v4 == outer.v4
            && self.prefix >= outer.prefix
            && Cidr {
                prefix: outer.prefix,
                ..*self
            }
            .network()
                == outer.network()
    }

    pub fn show_network(&self) -> String {
        if self.v4 {
            format!("{}/{}", Ipv4Addr::from(self.network() as u32), self.prefix)
        } else {
            format!("{}/{}", Ipv6Addr::from(self.network()), self.prefix)
        }
    }
}

/// An IPv4 or IPv6 network `ADDRESS/PREFIX` with no host bits set.
pub fn cidr(text: &str) -> Result<Cidr, Invalid> {
    let Some((address, prefix)) = text.split_once('/') else {
        if text.parse::<Ipv4Addr>().is_ok() || text.parse::<Ipv6Addr>().is_ok() {
            return Err(invalid(
                "it has no prefix length (`/32` for one address)",
                0..text.len(),
            ));
        }
        return Err(invalid(
            format!("`{text}` is not an IPv4 or IPv6 address"),
            0..text.len(),
        ));
    };
    let (address, v4) = if let Ok(a) = address.parse::<Ipv4Addr>() {
        (u32::from(a) as u128, true)
    } else if let Ok(a) = address.parse::<Ipv6Addr>() {
        (u128::from(a), false)
    } else {
        return Err(invalid(
            format!("`{address}` is not an IPv4 or IPv6 address"),
            0..address.len(),
        ));
    };
    let bits = if v4 { 32 } else { 128 };
    let prefix = match prefix.parse::<u32>() {
        Ok(p) if p <= bits && !prefix.starts_with('+') => p,
        _ => {
            return Err(invalid(
                format!("`{prefix}` is not a prefix length from 0 to {bits}"),
                text.len() - prefix.len()..text.len(),
            ))
        }
    };
    let block = Cidr {
        address,
        prefix,
        v4,
    };
    if block.network() != address {
        return Err(invalid(
            format!(
                "host bits are set after the /{prefix} (the block is `{}`)",
                block.show_network()
            ),
            0..text.len(),
        ));
    }
    Ok(block)
}

/// An absolute URL as the programs hplc hands it to take one (Git, Helm,
/// an ACME client): `scheme://host[:port][/path]`, the scheme letters,
/// digits, `+`, `.` or `-`, the host a DNS name or an IPv4 address, and
/// no whitespace or control character anywhere.
pub fn url(text: &str) -> Result<(), Invalid> {
    if let Some((i, c)) = text
        .char_indices()
        .find(|(_, c)| c.is_whitespace() || c.is_control())
    {
        return Err(invalid(
            format!(
                "{} cannot appear in a URL (percent-encode it)",
                describe_char(c)
            ),
            i..i + c.len_utf8(),
        ));
    }
    let Some((scheme, rest)) = text.split_once("://") else {
        return Err(invalid(
            "a URL starts with its scheme and `://` (`https://`; an scp-like `git@host:path` is `ssh://git@host/path`)",
            0..text.len(),
        ));
    };
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'));
    if !scheme_ok {
        return Err(invalid(
            format!("`{scheme}` is not a URL scheme"),
            0..scheme.len(),
        ));
    }
    let start = scheme.len() + 3;
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    // Credentials before `@` are the user's business; the host follows.
    let (host_start, host_port) = match authority.rfind('@') {
        Some(at) => (start + at + 1, &authority[at + 1..]),
        None => (start, authority),
    };
    let (host, port) = match host_port.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (host_port, None),
    };
    if let Some(port) = port {
        let at = host_start + host.len() + 1..host_start + host_port.len();
        if !matches!(port.parse::<u32>(), Ok(1..=65535)) || port.starts_with('+') {
            return Err(invalid(format!("`{port}` is not a port (1 to 65535)"), at));
        }
    }
    if host.parse::<Ipv4Addr>().is_ok() {
        return Ok(());
    }
    self::host(&host.to_ascii_lowercase()).map_err(|invalid| Invalid {
        message: if host.is_empty() {
            "the URL has no host after `://`".to_string()
        } else {
            invalid.message
        },
        at: if host.is_empty() {
            0..text.len()
        } else {
            host_start + invalid.at.start..host_start + invalid.at.end
        },
    })
}

fn describe_char(c: char) -> String {
    match c {
        ' ' => "a space".to_string(),
        '\t' => "a tab".to_string(),
        '\n' => "a line break".to_string(),
        c => format!("the character U+{:04X}", c as u32),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cron_schedules() {
        assert!(cron("0 3 * * *").is_ok());
        assert!(cron("*/15 0-6,22-23 1 jan-mar mon-fri").is_ok());
        assert!(cron("@daily").is_ok());
        assert_eq!(cron("0 25 * * *").unwrap_err().at, 2..4);
        assert!(cron("0 3 * *").is_err());
        assert!(cron("0 3 * * 8").is_err());
        assert!(cron("*/0 * * * *").is_err());
    }

    #[test]
    fn host_names() {
        assert!(host("api.health-platform.example.com").is_ok());
        assert!(host("*.example.com").is_ok());
        assert_eq!(host("api.Example.com").unwrap_err().at, 4..5);
        assert!(host("-a.example.com").is_err());
        assert!(host("a..b").is_err());
    }

    #[test]
    fn urls() {
        assert!(url("https://github.com/your-org/health-platform.git").is_ok());
        assert!(url("oci://registry-1.docker.io/bitnamicharts").is_ok());
        assert!(url("http://10.0.0.1:9000/x?y#z").is_ok());
        assert!(url("https://user@Example.com/").is_ok());
        assert_eq!(url("https://github.com/org/ repo").unwrap_err().at, 23..24);
        assert!(url("github.com/org/repo").is_err());
        assert_eq!(url("https://git_hub.com/x").unwrap_err().at, 11..12);
        assert_eq!(url("https://example.com:0/").unwrap_err().at, 20..21);
        assert!(url("https:///path").is_err());
    }

    #[test]
    fn cidr_blocks() {
        assert!(cidr("10.0.0.0/16").is_ok());
        assert_eq!(cidr("10.0.0.0/33").unwrap_err().at, 9..11);
        assert!(cidr("10.0.0.1/24").is_err());
    }

    #[test]
    fn image_references() {
        assert!(image("postgres:16.4-alpine").is_ok());
        assert!(image("ghcr.io/your-org/health-api:1.0.0").is_ok());
        assert!(image("localhost:5000/app:1").is_ok());
        assert!(image(&format!("redis@sha256:{}", "a".repeat(64))).is_ok());
        assert!(image("postgres").is_err());
        assert!(image("Postgres:16").is_err());
        assert!(image("postgres:").is_err());
        assert!(image("redis@sha256:abc").is_err());
    }
}
