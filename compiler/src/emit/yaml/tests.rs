//! The writer against serde_yaml's parser: every string, as a value, a key,
//! a list item and inside nested collections, reads back as itself; and
//! what YAML 1.1 readers would take for something else is quoted.

use super::*;

fn to_serde(value: &Value) -> serde_yaml::Value {
    match value {
        Value::Null => serde_yaml::Value::Null,
        Value::Bool(flag) => serde_yaml::Value::Bool(*flag),
        Value::Int(number) => serde_yaml::Value::Number((*number).into()),
        Value::Str(text) => serde_yaml::Value::String(text.to_string()),
        Value::List(items) => serde_yaml::Value::Sequence(items.iter().map(to_serde).collect()),
        Value::Map(entries) => {
            let mut mapping = serde_yaml::Mapping::new();
            for (k, v) in entries {
                mapping.insert(serde_yaml::Value::String(k.to_string()), to_serde(v));
            }
            serde_yaml::Value::Mapping(mapping)
        }
    }
}

/// Writes `value` and parses it back, failing with the text on a mismatch.
fn round_trip(value: &Value) {
    let text = to_string(value);
    let back: serde_yaml::Value =
        serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{e} in:\n{text}"));
    assert_eq!(back, to_serde(value), "written as:\n{text}");
}

/// Every string in every position a document puts one.
fn check_everywhere(text: &str) {
    round_trip(&map([("key", s(text.to_string()))]));
    round_trip(&map([(text.to_string(), s("value"))]));
    round_trip(&map([("list", list([s(text.to_string()), s("after")]))]));
    round_trip(&list([map([
        ("a", s(text.to_string())),
        ("b", list([list([s(text.to_string())])])),
    ])]));
    round_trip(&map([(
        "outer",
        map([(
            "inner",
            list([map([(text.to_string(), s(text.to_string()))])]),
        )]),
    )]));
}

const TRICKY: &[&str] = &[
    "",
    " ",
    "  lead",
    "trail ",
    "a: b",
    "a:b",
    "a #b",
    "a#b",
    "#x",
    "-",
    "- x",
    "-x",
    "--appendonly",
    "---",
    "--- x",
    "...",
    "?",
    "? x",
    "?x",
    ":",
    ":x",
    ",",
    "[x]",
    "{x}",
    "&a",
    "*a",
    "!t",
    "|",
    ">",
    "'",
    "\"",
    "%x",
    "@type",
    "`x",
    "x:",
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "Y",
    "N",
    "Yes",
    "NO",
    "true",
    "False",
    "null",
    "Null",
    "~",
    "=",
    "<<",
    "1e3",
    "1E3",
    "1e-3",
    "0x1",
    "0x1F",
    "0o17",
    "0b101",
    ".5",
    "-.5",
    "+1",
    "-1",
    "1_000",
    "0755",
    "1:30",
    "1:30.5",
    "1.",
    "1.2.3",
    "2024-01-31",
    "2001-12-14t21:59:43.10-05:00",
    "2001-1-1",
    ".inf",
    "-.Inf",
    ".nan",
    ".NaN",
    "8080",
    "3.14",
    "250m",
    "512Mi",
    "30d",
    "1d",
    "720h0m0s",
    "10.0.0.0/8",
    "ghcr.io/x:1.2",
    "a'b",
    "it's",
    "tab\there",
    "bell\u{7}",
    "nul\0",
    "del\u{7f}",
    "nel\u{85}",
    "ls\u{2028}",
    "bom\u{feff}",
    "\u{a0}nbsp",
    "ünïcödé",
    "emoji 🚀",
    "back\\slash",
    "$(POSTGRES_PASSWORD)",
    "{{ $labels.pod }}",
    "sum by (x) (rate(y{a=\"b\"}[5m]))",
    "a\rb",
    "cr\r\n",
];

const MULTILINE: &[&str] = &[
    "one\ntwo",
    "one\ntwo\n",
    "one\ntwo\n\n",
    "one\n\ntwo\n",
    "\nleading",
    "\n",
    "\n\n",
    " indented\nfirst\n",
    "\tindented\n",
    "a\n  more\nless\n",
    "a\n   \nb\n",
    "a\n\n\n",
    "# comment\n- item\nkey: value\n",
    "---\n...\n",
    "x\n\u{85}y\n",
    "trailing space \nnext\n",
    "{\n  \"json\": true\n}\n",
    "a\rb\nc",
];

#[test]
fn every_tricky_string_reads_back_as_itself() {
    for text in TRICKY.iter().chain(MULTILINE) {
        check_everywhere(text);
    }
}

#[test]
fn random_strings_read_back_as_themselves() {
    let alphabet: Vec<char> = " -?:,[]{}#&*!|>'\"%@`.0123456789abexyonEX_+~=\n\t\\/\u{85}é"
        .chars()
        .collect();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..4000 {
        let len = (next() % 9) as usize;
        let text: String = (0..len)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
            .collect();
        check_everywhere(&text);
    }
}

#[test]
fn what_yaml_1_1_reads_as_something_else_is_quoted() {
    for word in [
        "yes",
        "no",
        "on",
        "off",
        "y",
        "N",
        "true",
        "null",
        "~",
        "1e3",
        "0x1",
        ".5",
        "1_000",
        "2024-01-31",
        "0755",
        "1:30",
        "=",
    ] {
        let text = to_string(&map([("k", s(word))]));
        assert_eq!(text, format!("k: '{word}'\n"));
    }
    for plain in [
        "yesterday",
        "250m",
        "512Mi",
        "15s",
        "app.kubernetes.io/name",
        "--appendonly",
        "RuntimeDefault",
        "10.0.0.0/8",
    ] {
        assert_eq!(to_string(&map([("k", s(plain))])), format!("k: {plain}\n"));
    }
}

#[test]
fn layout_follows_kubectl() {
    let value = map([
        ("apiVersion", s("v1")),
        (
            "metadata",
            map([("name", s("x")), ("labels", map::<&str>([]))]),
        ),
        (
            "list",
            list([
                map([("name", s("a")), ("ports", list([n(80), n(443)]))]),
                list([s("x"), s("z")]),
            ]),
        ),
        ("empty", list([])),
        ("flag", b(false)),
        ("nothing", Value::Null),
        ("script", s("set -eu\necho hi\n")),
        ("items", list([s("sh"), s("line one\nline two")])),
    ]);
    let expected = "apiVersion: v1\nmetadata:\n  name: x\n  labels: {}\nlist:\n- name: a\n  ports:\n  - 80\n  - 443\n- - x\n  - z\n\
                    empty: []\nflag: false\nnothing: null\nscript: |\n  set -eu\n  echo hi\nitems:\n- sh\n- |-\n  line one\n  line two\n";
    assert_eq!(to_string(&value), expected);
    round_trip(&value);
}

#[test]
fn control_characters_are_escaped() {
    assert_eq!(
        to_string(&map([("k", s("a\tb\u{7}"))])),
        "k: \"a\\tb\\x07\"\n"
    );
    assert_eq!(to_string(&map([("k", s("\nx"))])), "k: \"\\nx\"\n");
}

#[test]
fn the_byte_tables_hold_what_they_say() {
    for byte in 0..=255u8 {
        let simple = byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'/' | b'-');
        assert_eq!(super::SIMPLE[byte as usize], simple, "{byte:#x}");
        let ordinary = (0x21..0x7f).contains(&byte) && !matches!(byte, b'#' | b':');
        assert_eq!(super::ORDINARY[byte as usize], ordinary, "{byte:#x}");
    }
}
