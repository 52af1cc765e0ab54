//! The log collector's configuration, checked against what Grafana Alloy
//! documents, since no registry this project can reach ships Alloy:
//!
//! - every component, argument and block of the generated configuration is
//!   one Alloy v1.18 documents (tests/fixtures/alloy-components.yaml, with
//!   its sources), every required argument is set, and every reference
//!   names a component of the file and a field it exports;
//! - the pods it discovers carry the labels `loki.source.kubernetes` needs
//!   to tail them, and no rule drops them;
//! - the logs go to the platform's log store: a Service its chart renders,
//!   on a port of that Service, at the store's push path;
//! - rendered, the chart mounts the configuration and grants what tailing
//!   through the API needs (pods, pods/log).

mod common;

use std::collections::BTreeMap;

use serde_yaml::Value;

/// A value of Alloy's configuration syntax, as far as the collector's
/// configuration uses it.
#[derive(Debug, Clone, PartialEq)]
enum Expr {
    String(String),
    Number(String),
    Bool(bool),
    /// A reference: `discovery.relabel.pods.output`.
    Path(String),
    List(Vec<Expr>),
}

/// A block: its name (`loki.write`, `endpoint`), label, arguments and
/// inner blocks, in order.
#[derive(Debug, Default)]
struct Block {
    name: String,
    label: Option<String>,
    attributes: Vec<(String, Expr)>,
    blocks: Vec<Block>,
}

/// Alloy's syntax: `name "label" { attr = expr  block { ... } }`, `//`
/// comments. A parse error names the byte offset.
struct Parser<'a> {
    text: &'a [u8],
    at: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        Parser {
            text: text.as_bytes(),
            at: 0,
        }
    }

    fn skip(&mut self) {
        loop {
            while self.at < self.text.len() && self.text[self.at].is_ascii_whitespace() {
                self.at += 1;
            }
            if self.text[self.at..].starts_with(b"//") {
                while self.at < self.text.len() && self.text[self.at] != b'\n' {
                    self.at += 1;
                }
            } else {
                return;
            }
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip();
        self.text.get(self.at).copied()
    }

    fn expect(&mut self, byte: u8) {
        assert_eq!(
            self.peek(),
            Some(byte),
            "expected `{}` at byte {}",
            byte as char,
            self.at
        );
        self.at += 1;
    }

    fn identifier(&mut self) -> String {
        self.skip();
        let start = self.at;
        while self.at < self.text.len()
            && (self.text[self.at].is_ascii_alphanumeric() || b"_.".contains(&self.text[self.at]))
        {
            self.at += 1;
        }
        assert!(self.at > start, "expected a name at byte {start}");
        String::from_utf8(self.text[start..self.at].to_vec()).unwrap()
    }

    fn string(&mut self) -> String {
        self.expect(b'"');
        let mut out = Vec::new();
        while self.text[self.at] != b'"' {
            if self.text[self.at] == b'\\' {
                self.at += 1;
            }
            out.push(self.text[self.at]);
            self.at += 1;
        }
        self.at += 1;
        String::from_utf8(out).unwrap()
    }

    /// The statements of a body up to `}` (or the end of the file).
    fn body(&mut self, into: &mut Block) {
        while let Some(next) = self.peek() {
            if next == b'}' {
                return;
            }
            let name = self.identifier();
            match self.peek() {
                Some(b'=') => {
                    self.at += 1;
                    let value = self.expr();
                    into.attributes.push((name, value));
                }
                Some(b'"') | Some(b'{') => {
                    let label = (self.peek() == Some(b'"')).then(|| self.string());
                    self.expect(b'{');
                    let mut block = Block {
                        name,
                        label,
                        ..Block::default()
                    };
                    self.body(&mut block);
                    self.expect(b'}');
                    into.blocks.push(block);
                }
                other => panic!(
                    "after `{name}`: {:?} at byte {}",
                    other.map(char::from),
                    self.at
                ),
            }
        }
    }

    fn expr(&mut self) -> Expr {
        match self.peek() {
            Some(b'"') => Expr::String(self.string()),
            Some(b'[') => {
                self.at += 1;
                let mut items = Vec::new();
                while self.peek() != Some(b']') {
                    items.push(self.expr());
                    if self.peek() == Some(b',') {
                        self.at += 1;
                    }
                }
                self.at += 1;
                Expr::List(items)
            }
            Some(c) if c.is_ascii_digit() => Expr::Number(self.identifier()),
            _ => match self.identifier().as_str() {
                "true" => Expr::Bool(true),
                "false" => Expr::Bool(false),
                path => Expr::Path(path.to_string()),
            },
        }
    }
}

fn parse(text: &str) -> Block {
    let mut parser = Parser::new(text);
    let mut file = Block::default();
    parser.body(&mut file);
    assert_eq!(parser.peek(), None, "text after the last block");
    file
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_sequence()
        .map(|items| {
            items
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Checks a block's arguments and inner blocks against its documented
/// schema (`attributes`, `required`, `blocks`; the shared HTTP client's
/// when `http_client` is set). `at` names the block in failures.
fn check_block(block: &Block, schema: &Value, http_client: &Value, at: &str) {
    let mut attributes = strings(&schema["attributes"]);
    let mut blocks = schema["blocks"].clone();
    if schema["http_client"] == true {
        attributes.extend(strings(&http_client["attributes"]));
        for (name, inner) in http_client["blocks"].as_mapping().unwrap() {
            blocks
                .as_mapping_mut()
                .unwrap()
                .insert(name.clone(), inner.clone());
        }
    }
    for (name, _) in &block.attributes {
        assert!(
            attributes.contains(name),
            "{at}: `{name}` is not an argument Alloy documents ({attributes:?})"
        );
    }
    for required in strings(&schema["required"]) {
        assert!(
            block.attributes.iter().any(|(n, _)| *n == required),
            "{at}: the required argument `{required}` is missing"
        );
    }
    for inner in &block.blocks {
        let inner_schema = &blocks[inner.name.as_str()];
        assert!(
            !inner_schema.is_null(),
            "{at}: `{}` is not a block Alloy documents here",
            inner.name
        );
        check_block(
            inner,
            inner_schema,
            http_client,
            &format!("{at} > {}", inner.name),
        );
    }
}

/// Every reference inside an expression.
fn references(expr: &Expr, out: &mut Vec<String>) {
    match expr {
        Expr::Path(path) => out.push(path.clone()),
        Expr::List(items) => items.iter().for_each(|e| references(e, out)),
        _ => {}
    }
}

fn attribute<'a>(block: &'a Block, name: &str) -> &'a Expr {
    &block
        .attributes
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("{} has no `{name}`", block.name))
        .1
}

/// The collector's configuration for every environment that runs one, as
/// its chart's values carry it (`free_tier` leaves logs on the node).
fn configurations() -> Vec<(String, String)> {
    let found: Vec<(String, String)> = common::environments()
        .into_iter()
        .filter_map(|(name, env)| {
            let output = common::build(env.as_deref());
            let values = common::chart_values_if_any(&output, "alloy")?;
            let text = values["alloy"]["configMap"]["content"]
                .as_str()
                .expect("the collector's configuration")
                .to_string();
            Some((name, text))
        })
        .collect();
    assert!(!found.is_empty(), "no environment runs the log collector");
    found
}

#[test]
fn the_collector_configuration_uses_only_what_alloy_documents() {
    let schema: Value = serde_yaml::from_str(
        &std::fs::read_to_string(
            common::repo().join("compiler/tests/fixtures/alloy-components.yaml"),
        )
        .unwrap(),
    )
    .unwrap();
    let components = &schema["components"];
    for (env, text) in configurations() {
        let file = parse(&text);
        assert!(
            file.attributes.is_empty(),
            "{env}: arguments outside a component"
        );
        // Components by `name.label`, each label once per component.
        let mut defined: BTreeMap<String, &Block> = BTreeMap::new();
        for block in &file.blocks {
            let component = &components[block.name.as_str()];
            assert!(
                !component.is_null(),
                "{env}: `{}` is not a component the fixture documents",
                block.name
            );
            let label = block.label.as_deref().expect("a component's label");
            let at = format!("{env}: {} \"{label}\"", block.name);
            check_block(block, component, &schema["http_client"], &at);
            assert!(
                defined
                    .insert(format!("{}.{label}", block.name), block)
                    .is_none(),
                "{at} is defined twice"
            );
        }
        // Every reference is `<component>.<label>.<export>` of this file.
        let mut seen = Vec::new();
        for block in &file.blocks {
            for (_, value) in &block.attributes {
                references(value, &mut seen);
            }
        }
        assert!(!seen.is_empty(), "{env}: the components are not connected");
        for reference in seen {
            let (target, export) = reference.rsplit_once('.').unwrap();
            let block = defined
                .get(target)
                .unwrap_or_else(|| panic!("{env}: `{reference}` names no component of the file"));
            assert!(
                strings(&components[block.name.as_str()]["exports"]).contains(&export.to_string()),
                "{env}: {} exports no `{export}`",
                block.name
            );
        }
        // Where the argument is an enumeration, a documented value.
        for block in file
            .blocks
            .iter()
            .filter(|b| b.name == "discovery.kubernetes")
        {
            let Expr::String(role) = attribute(block, "role") else {
                panic!("{env}: role is not a string")
            };
            assert!(strings(&components["discovery.kubernetes"]["roles"]).contains(role));
        }
    }
}

#[test]
fn every_pod_the_collector_finds_can_be_tailed() {
    let schema: Value = serde_yaml::from_str(
        &std::fs::read_to_string(
            common::repo().join("compiler/tests/fixtures/alloy-components.yaml"),
        )
        .unwrap(),
    )
    .unwrap();
    let needed = strings(&schema["components"]["loki.source.kubernetes"]["target_labels"]);
    for (env, text) in configurations() {
        let file = parse(&text);
        let find = |name: &str, label: &str| {
            file.blocks
                .iter()
                .find(|b| b.name == name && b.label.as_deref() == Some(label))
                .unwrap_or_else(|| panic!("{env}: no {name} \"{label}\""))
        };
        let source = file
            .blocks
            .iter()
            .find(|b| b.name == "loki.source.kubernetes")
            .unwrap_or_else(|| panic!("{env}: no loki.source.kubernetes"));
        // Follow the targets back to their discovery: through relabelling
        // that keeps every label it is given, to the pods of the cluster.
        let mut targets = attribute(source, "targets").clone();
        loop {
            let Expr::Path(path) = &targets else {
                panic!("{env}: targets are not a reference")
            };
            let (component, _) = path.rsplit_once('.').unwrap();
            let (name, label) = component.rsplit_once('.').unwrap();
            let block = find(name, label);
            if name == "discovery.kubernetes" {
                assert_eq!(
                    attribute(block, "role"),
                    &Expr::String("pod".into()),
                    "{env}: the pods, with the {needed:?} labels"
                );
                assert!(
                    block.blocks.iter().all(|b| b.name != "namespaces"),
                    "{env}: every namespace's pods"
                );
                break;
            }
            assert_eq!(name, "discovery.relabel", "{env}: {path}");
            for rule in &block.blocks {
                let action = rule
                    .attributes
                    .iter()
                    .find(|(n, _)| n == "action")
                    .map(|(_, a)| a.clone());
                assert!(
                    action.is_none() || action == Some(Expr::String("replace".into())),
                    "{env}: a rule that may drop targets or the labels the tailer needs: {rule:?}"
                );
                if let Some((_, Expr::String(to))) =
                    rule.attributes.iter().find(|(n, _)| n == "target_label")
                {
                    assert!(!needed.contains(to), "{env}: a rule overwrites {to}");
                }
            }
            targets = attribute(block, "targets").clone();
        }
    }
}

#[test]
fn the_collector_pushes_to_the_log_store_of_the_platform() {
    for (name, env) in common::environments() {
        let compilation = common::compile(env.as_deref());
        let platform = compilation.model.as_ref().unwrap();
        let output = common::generate(&compilation);
        let Some(values) = common::chart_values_if_any(&output, "alloy") else {
            continue;
        };
        let file = parse(values["alloy"]["configMap"]["content"].as_str().unwrap());
        let store = platform
            .services
            .iter()
            .find(|s| s.roles.log_push_path.is_some())
            .expect("a log store");
        let chart = store.chart().expect("the log store comes from a chart");
        let namespace = &platform.namespace_of(store).k8s_name;
        let urls: Vec<&Expr> = file
            .blocks
            .iter()
            .filter(|b| b.name == "loki.write")
            .flat_map(|b| &b.blocks)
            .map(|endpoint| attribute(endpoint, "url"))
            .collect();
        assert_eq!(urls.len(), 1, "{name}: one log store");
        let Expr::String(url) = urls[0] else {
            panic!("{name}: url is not a string")
        };
        let rest = url.strip_prefix("http://").expect("in-cluster HTTP");
        let (authority, path) = rest.split_once('/').unwrap();
        let (host, port) = authority.split_once(':').unwrap();
        assert_eq!(
            format!("/{path}"),
            store.roles.log_push_path.clone().unwrap(),
            "{name}"
        );
        let service = host
            .strip_suffix(&format!(".{namespace}.svc.cluster.local"))
            .unwrap_or_else(|| panic!("{name}: {host} is not in {namespace}"));
        let port: u16 = port.parse().unwrap();
        assert!(
            chart.render.services.iter().any(|s| {
                hplc::model::for_release(&s.name, &store.k8s_name) == service
                    && s.ports.values().any(|p| *p == port)
            }),
            "{name}: {service}:{port} is not a Service of {}'s chart",
            store.name
        );
    }
}

#[test]
fn the_rendered_chart_mounts_the_configuration_and_may_read_pod_logs() {
    let Some(render) = common::render_chart("alloy") else {
        return;
    };
    let output = common::build(None);
    let values = common::chart_values(&output, "alloy");
    let content = values["alloy"]["configMap"]["content"].as_str().unwrap();
    // The chart's template trims the final newline.
    let config = common::of_kind(&render, "ConfigMap")
        .into_iter()
        .find(|c| c["data"]["config.alloy"].as_str().map(str::trim_end) == Some(content.trim_end()))
        .expect("the configuration in a ConfigMap");
    let config_name = config["metadata"]["name"].as_str().unwrap();
    let workload = render
        .iter()
        .find(|d| d["spec"]["template"]["spec"]["containers"].is_sequence())
        .expect("the collector's workload");
    let pod = &workload["spec"]["template"]["spec"];
    assert!(
        pod["volumes"]
            .as_sequence()
            .unwrap()
            .iter()
            .any(|v| v["configMap"]["name"] == config_name),
        "the ConfigMap is a volume of the pod"
    );
    let rules: Vec<&Value> = common::of_kind(&render, "ClusterRole")
        .into_iter()
        .flat_map(|r| r["rules"].as_sequence().unwrap())
        .collect();
    let grants = |resource: &str, verb: &str| {
        rules.iter().any(|r| {
            r["apiGroups"]
                .as_sequence()
                .is_some_and(|g| g.iter().any(|g| g == ""))
                && r["resources"]
                    .as_sequence()
                    .is_some_and(|v| v.iter().any(|v| v == resource))
                && r["verbs"]
                    .as_sequence()
                    .is_some_and(|v| v.iter().any(|v| v == verb))
        })
    };
    for (resource, verb) in [("pods", "list"), ("pods", "watch"), ("pods/log", "get")] {
        assert!(
            grants(resource, verb),
            "the chart grants {verb} on {resource}"
        );
    }
    let account = pod["serviceAccountName"].as_str().unwrap();
    assert!(
        common::of_kind(&render, "ClusterRoleBinding")
            .iter()
            .any(|b| b["subjects"]
                .as_sequence()
                .unwrap()
                .iter()
                .any(|s| s["name"] == account)),
        "the pod's service account is bound to the role"
    );
}
