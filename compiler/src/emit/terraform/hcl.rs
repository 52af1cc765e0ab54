//! A small writer for HCL, the language of Terraform files, in the layout
//! `terraform fmt` produces: two-space indents, one space around `=`, the
//! `=` of consecutive one-line attributes aligned (a blank line, a comment
//! or a multi-line value ends the run, as in hclwrite's formatter), and a
//! blank line around every nested block and multi-line attribute. No HCL
//! crate: the output is checked against HashiCorp's own parser instead
//! (tests/terraform.rs, shared/tools/validate).

/// An expression on the right of `=`.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A string literal; escaped on output, `${` included, so platform text
    /// can never turn into an interpolation.
    Str(String),
    /// A quoted template written as given (`${var.cluster_name}-vcn`): only
    /// for text of the backend's own, never for platform values.
    Template(String),
    /// An expression written as given: `var.region`, `cidrsubnet(...)`.
    Raw(String),
    Int(i64),
    Bool(bool),
    List(Vec<Expr>),
    /// `{ key = value }`, keys in the order given.
    Object(Vec<(String, Expr)>),
    /// `name(argument)`, for type constraints such as `list(object({...}))`
    /// whose argument spans lines.
    Call(String, Box<Expr>),
}

impl Expr {
    pub fn str(text: impl Into<String>) -> Expr {
        Expr::Str(text.into())
    }

    pub fn raw(text: impl Into<String>) -> Expr {
        Expr::Raw(text.into())
    }

    pub fn template(text: impl Into<String>) -> Expr {
        Expr::Template(text.into())
    }

    pub fn call(name: &str, argument: Expr) -> Expr {
        Expr::Call(name.to_string(), Box::new(argument))
    }

    /// A list of string literals.
    pub fn strings<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Expr {
        Expr::List(items.into_iter().map(|s| Expr::str(s.as_ref())).collect())
    }

    /// An object of string literals.
    pub fn string_map<K: AsRef<str>, V: AsRef<str>>(
        entries: impl IntoIterator<Item = (K, V)>,
    ) -> Expr {
        Expr::Object(
            entries
                .into_iter()
                .map(|(k, v)| (k.as_ref().to_string(), Expr::str(v.as_ref())))
                .collect(),
        )
    }

    /// Longest one-line list before it is written one item a line.
    const LIST_WIDTH: usize = 80;

    fn one_line(&self) -> Option<String> {
        match self {
            Expr::Str(text) => Some(quote(text)),
            Expr::Template(text) => Some(format!("\"{text}\"")),
            Expr::Raw(text) => Some(text.clone()),
            Expr::Int(n) => Some(n.to_string()),
            Expr::Bool(b) => Some(b.to_string()),
            Expr::Object(entries) if entries.is_empty() => Some("{}".to_string()),
            Expr::Object(_) => None,
            Expr::List(items) => {
                let items: Option<Vec<String>> = items.iter().map(Expr::one_line).collect();
                let text = format!("[{}]", items?.join(", "));
                (text.len() <= Self::LIST_WIDTH).then_some(text)
            }
            Expr::Call(name, argument) => Some(format!("{name}({})", argument.one_line()?)),
        }
    }
}

/// One entry of a body: an attribute, a nested block or a comment.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Attr(String, Expr),
    Block(Block),
    /// `# text`; several lines when the text has several.
    Comment(String),
}

/// `kind "label" "label" { body }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub kind: String,
    pub labels: Vec<String>,
    pub body: Vec<Item>,
}

impl Block {
    pub fn new<S: AsRef<str>>(kind: &str, labels: impl IntoIterator<Item = S>) -> Block {
        Block {
            kind: kind.to_string(),
            labels: labels.into_iter().map(|l| l.as_ref().to_string()).collect(),
            body: Vec::new(),
        }
    }

    pub fn attr(mut self, key: &str, value: Expr) -> Block {
        self.body.push(Item::Attr(key.to_string(), value));
        self
    }

    pub fn block(mut self, block: Block) -> Block {
        self.body.push(Item::Block(block));
        self
    }

    pub fn comment(mut self, text: impl Into<String>) -> Block {
        self.body.push(Item::Comment(text.into()));
        self
    }

    /// `dynamic "name" { for_each = ..., content { ... } }`.
    pub fn dynamic(name: &str, for_each: Expr, content: Block) -> Block {
        Block::new("dynamic", [name])
            .attr("for_each", for_each)
            .block(Block {
                kind: "content".into(),
                ..content
            })
    }

    /// A dynamic block whose content sets each attribute to a member of the
    /// iterator: `("ocpus", "value.ocpus")` writes `ocpus = NAME.value.ocpus`.
    pub fn dynamic_fields(name: &str, for_each: &str, fields: &[(&str, &str)]) -> Block {
        let content = fields
            .iter()
            .fold(Block::new::<&str>("content", []), |block, (key, member)| {
                block.attr(key, Expr::raw(format!("{name}.{member}")))
            });
        Block::dynamic(name, Expr::raw(for_each), content)
    }
}

/// A whole file: top-level items, written with [`render`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct File {
    pub items: Vec<Item>,
}

impl File {
    pub fn new(items: Vec<Item>) -> File {
        File { items }
    }

    pub fn of_blocks(blocks: impl IntoIterator<Item = Block>) -> File {
        File {
            items: blocks.into_iter().map(Item::Block).collect(),
        }
    }

    pub fn render(&self) -> String {
        render(&self.items)
    }

    /// The file under a comment of its own (what generated it).
    pub fn render_with_header(&self, header: &str) -> String {
        format!(
            "{}\n{}",
            render(&[Item::Comment(header.to_string())]),
            self.render()
        )
    }
}

/// The text of a body at the top level of a file.
pub fn render(items: &[Item]) -> String {
    let mut lines = Vec::new();
    body_lines(items, 0, &mut lines);
    align(&lines)
}

/// One output line. `assign` is `= value` for a one-line attribute, whose
/// `=` is aligned with its neighbours'; everything else is in `lead`.
struct Line {
    indent: usize,
    lead: String,
    assign: Option<String>,
}

impl Line {
    fn blank() -> Line {
        Line {
            indent: 0,
            lead: String::new(),
            assign: None,
        }
    }

    fn text(indent: usize, lead: impl Into<String>) -> Line {
        Line {
            indent,
            lead: lead.into(),
            assign: None,
        }
    }
}

fn body_lines(items: &[Item], indent: usize, lines: &mut Vec<Line>) {
    let mut previous: Option<&Item> = None;
    for item in items {
        if let Some(before) = previous {
            let separate =
                stands_apart(item) || stands_apart(before) || matches!(item, Item::Comment(_));
            let after_comment = matches!(before, Item::Comment(_));
            if (separate && !after_comment) || (after_comment && matches!(item, Item::Comment(_))) {
                lines.push(Line::blank());
            }
        }
        match item {
            Item::Comment(text) => {
                for line in text.lines() {
                    let line = line.trim_end();
                    lines.push(Line::text(
                        indent,
                        if line.is_empty() {
                            "#".to_string()
                        } else {
                            format!("# {line}")
                        },
                    ));
                }
            }
            Item::Attr(key, value) => attr_lines(&key_text(key), value, indent, lines),
            Item::Block(block) => {
                let mut head = block.kind.clone();
                for label in &block.labels {
                    head.push(' ');
                    head.push_str(&quote(label));
                }
                if block.body.is_empty() {
                    lines.push(Line::text(indent, format!("{head} {{}}")));
                } else {
                    lines.push(Line::text(indent, format!("{head} {{")));
                    body_lines(&block.body, indent + 1, lines);
                    lines.push(Line::text(indent, "}"));
                }
            }
        }
        previous = Some(item);
    }
}

/// Blocks and multi-line attributes get a blank line on either side, and so
/// do the meta-arguments that open a block (`for_each`, a module's
/// `source`), as Terraform's style guide sets them apart.
fn stands_apart(item: &Item) -> bool {
    match item {
        Item::Block(_) => true,
        Item::Attr(key, value) => {
            value.one_line().is_none() || matches!(key.as_str(), "for_each" | "source")
        }
        Item::Comment(_) => false,
    }
}

fn attr_lines(key: &str, value: &Expr, indent: usize, lines: &mut Vec<Line>) {
    if let Some(text) = value.one_line() {
        lines.push(Line {
            indent,
            lead: key.to_string(),
            assign: Some(format!("= {text}")),
        });
        return;
    }
    value_lines(&format!("{key} = "), value, "", indent, lines);
}

/// A multi-line value: `prefix{` or `prefix[`, the entries one level in,
/// then the closing bracket followed by `suffix` (a list item's comma).
fn value_lines(prefix: &str, value: &Expr, suffix: &str, indent: usize, lines: &mut Vec<Line>) {
    match value.one_line() {
        Some(text) => lines.push(Line::text(indent, format!("{prefix}{text}{suffix}"))),
        None => match value {
            Expr::Object(entries) => {
                lines.push(Line::text(indent, format!("{prefix}{{")));
                for (key, value) in entries {
                    attr_lines(&key_text(key), value, indent + 1, lines);
                }
                lines.push(Line::text(indent, format!("}}{suffix}")));
            }
            Expr::List(items) => {
                lines.push(Line::text(indent, format!("{prefix}[")));
                for item in items {
                    value_lines("", item, ",", indent + 1, lines);
                }
                lines.push(Line::text(indent, format!("]{suffix}")));
            }
            Expr::Call(name, argument) => value_lines(
                &format!("{prefix}{name}("),
                argument,
                &format!("){suffix}"),
                indent,
                lines,
            ),
            _ => unreachable!("only objects, lists and calls span lines"),
        },
    }
}

/// Aligns the `=` of every run of consecutive one-line attributes.
fn align(lines: &[Line]) -> String {
    let mut out = String::new();
    let mut start = 0;
    while start < lines.len() {
        let run = lines[start..]
            .iter()
            .take_while(|l| l.assign.is_some())
            .count()
            .max(1);
        let width = lines[start..start + run]
            .iter()
            .map(|l| l.indent * 2 + l.lead.len())
            .max()
            .unwrap_or(0);
        for line in &lines[start..start + run] {
            let lead = format!("{}{}", "  ".repeat(line.indent), line.lead);
            match &line.assign {
                Some(assign) => out.push_str(&format!("{lead:width$} {assign}")),
                None => out.push_str(lead.trim_end()),
            }
            out.push('\n');
        }
        start += run;
    }
    out
}

/// An attribute or object key: bare when it is an identifier, else quoted.
fn key_text(key: &str) -> String {
    let mut chars = key.chars();
    let identifier = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if identifier {
        key.to_string()
    } else {
        quote(key)
    }
}

/// A quoted HCL string literal holding exactly `text`.
pub fn quote(text: &str) -> String {
    format!("\"{}\"", escape(text))
}

/// `text` escaped for the inside of a quoted HCL string: quotes,
/// backslashes and control characters, and the `${` / `%{` that would
/// start a template sequence.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_including_template_sequences() {
        assert_eq!(
            quote("a \"b\" \\ ${x} %{y} $z\n"),
            r#""a \"b\" \\ $${x} %%{y} $z\n""#
        );
    }

    #[test]
    fn one_line_attributes_align_until_a_multi_line_value() {
        let block = Block::new("resource", ["a_b", "c"])
            .attr("name", Expr::str("x"))
            .attr("compartment_id", Expr::raw("var.compartment_id"))
            .attr("tags", Expr::string_map([("platform", "health")]))
            .attr("id", Expr::Int(1));
        let text = File::of_blocks([block]).render();
        assert_eq!(
            text,
            "resource \"a_b\" \"c\" {\n  name           = \"x\"\n  compartment_id = var.compartment_id\n\n  tags = {\n    platform = \"health\"\n  }\n\n  id = 1\n}\n"
        );
    }

    #[test]
    fn keys_that_are_not_identifiers_are_quoted() {
        let text = render(&[Item::Attr(
            "labels".into(),
            Expr::string_map([("hplc.dev/node", "system")]),
        )]);
        assert_eq!(text, "labels = {\n  \"hplc.dev/node\" = \"system\"\n}\n");
    }

    #[test]
    fn lists_of_objects_take_one_item_a_line() {
        let value = Expr::List(vec![Expr::Object(vec![("name".into(), Expr::str("a"))])]);
        assert_eq!(
            render(&[Item::Attr("pools".into(), value)]),
            "pools = [\n  {\n    name = \"a\"\n  },\n]\n"
        );
    }
}
