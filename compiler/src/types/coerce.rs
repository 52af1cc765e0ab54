//! Meeting a type: a value evaluated without one is checked against (and,
//! for unitless numbers and strings, converted to) the type of the field it
//! is written into.

use super::ty::{Dim, Ty};
use super::units;
use super::validate::{self, Invalid};
use super::value::Value;
use super::Checker;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{Expr, ExprKind, StrPart};

/// Where a value was written, for pointing into it.
#[derive(Copy, Clone, Debug)]
pub(crate) struct Site {
    pub span: Span,
    /// For a plain string literal (no escapes, no interpolation), where its
    /// text starts, so that a problem inside it can be pointed at exactly.
    pub text_start: Option<u32>,
}

impl Site {
    pub fn of(expr: &Expr) -> Site {
        let text_start = match &expr.kind {
            ExprKind::Str(parts) => match parts.as_slice() {
                [StrPart::Text(text, span)] if span.len() == text.len() => Some(span.start),
                [] => Some(expr.span.start + 1),
                _ => None,
            },
            _ => None,
        };
        Site {
            span: expr.span,
            text_start,
        }
    }

    fn inside(self, invalid: &Invalid) -> Span {
        match self.text_start {
            Some(start) if invalid.at.end > invalid.at.start => Span {
                file: self.span.file,
                start: start + invalid.at.start as u32,
                end: start + invalid.at.end as u32,
            },
            _ => self.span,
        }
    }
}

impl Checker<'_> {
    pub(crate) fn coerce(&mut self, value: Value, ty: &Ty, site: Site) -> Option<Value> {
        match (ty, value) {
            (Ty::Optional(_), Value::None) => Some(Value::None),
            (Ty::Optional(inner), v) => self.coerce(v, inner, site),
            (Ty::Int, Value::Int(i)) => Some(Value::Int(i)),
            (Ty::Bool, Value::Bool(b)) => Some(Value::Bool(b)),
            (Ty::Str, Value::Str(s)) => Some(Value::Str(s)),
            (Ty::Host, Value::Str(s)) => {
                self.validated(s, site, validate::host, Code::BadHost, "host name")
            }
            (Ty::Image, Value::Str(s)) => {
                self.validated(s, site, validate::image, Code::BadImage, "image reference")
            }
            (Ty::Cron, Value::Str(s)) => {
                self.validated(s, site, validate::cron, Code::BadCron, "cron schedule")
            }
            (Ty::Cidr, Value::Str(s)) => self.validated(
                s,
                site,
                |text| validate::cidr(text).map(|_| ()),
                Code::BadCidr,
                "CIDR block",
            ),
            (Ty::Url, Value::Str(s)) => self.validated(s, site, validate::url, Code::BadUrl, "URL"),
            (Ty::Quantity(want), Value::Quantity(have, q)) if *want == have => {
                Some(Value::Quantity(have, q))
            }
            (Ty::Quantity(Dim::Cpu), Value::Int(i)) => {
                match i.checked_mul(units::MILLIS_PER_CORE as i64) {
                    Some(m) => Some(Value::Quantity(Dim::Cpu, m)),
                    None => self.out_of_range(site.span),
                }
            }
            (Ty::Quantity(Dim::Cpu), Value::Decimal(decimal)) => {
                let (m, s) = *decimal;
                match units::scale(m, s, units::MILLIS_PER_CORE) {
                    Ok(v) => Some(Value::Quantity(Dim::Cpu, v)),
                    Err(units::ScaleError::TooPrecise) => {
                        self.report(
                            Diagnostic::new(
                                Code::TooPrecise,
                                site.span,
                                format!("`{}` cores is finer than 1m", units::decimal(m, s)),
                            )
                            .label("too precise")
                            .help("CPU is counted in thousandths of a core: `250m`, `0.25`"),
                        );
                        None
                    }
                    Err(units::ScaleError::TooLarge) => self.out_of_range(site.span),
                }
            }
            (
                Ty::Quantity(want),
                v @ (Value::Quantity(..) | Value::Int(_) | Value::Decimal(..)),
            ) => {
                self.unit_mismatch(*want, &v, site.span);
                None
            }
            (Ty::Port, Value::Int(i)) => {
                if (1..=65535).contains(&i) {
                    Some(Value::Int(i))
                } else {
                    self.report(
                        Diagnostic::new(
                            Code::BadPort,
                            site.span,
                            format!("port {i} is out of range"),
                        )
                        .label("not a port")
                        .help("ports run from 1 to 65535"),
                    );
                    None
                }
            }
            (Ty::List(item), Value::List(items)) => {
                let mut out = Vec::with_capacity(items.len());
                for v in items {
                    out.push(self.coerce(v, item, site)?);
                }
                Some(Value::List(out))
            }
            (Ty::Map(item), Value::Map(entries)) => {
                let mut out = Box::<indexmap::IndexMap<_, _>>::default();
                for (k, v) in *entries {
                    out.insert(k, self.coerce(v, item, site)?);
                }
                Some(Value::Map(out))
            }
            (Ty::Range(item), Value::Range(low, high)) => {
                let low = self.coerce(*low, item, site)?;
                let high = self.coerce(*high, item, site)?;
                self.check_order(&low, &high, site.span, site.span, site.span)?;
                Some(Value::Range(Box::new(low), Box::new(high)))
            }
            (Ty::Range(item), v) => {
                let v = self.coerce(v, item, site)?;
                Some(Value::Range(Box::new(v.clone()), Box::new(v)))
            }
            (Ty::Ref(kind), Value::Object(o)) | (Ty::Object(kind), Value::Object(o)) => {
                let obj_kind = self.world.objects[o].kind;
                let named = self.world.objects[o].name.is_some();
                if !self.world.extends(obj_kind, *kind) {
                    let found = self.describe_value(&Value::Object(o));
                    let want = self.world.kinds[*kind].name.clone();
                    self.report(
                        Diagnostic::new(
                            Code::WrongKind,
                            site.span,
                            format!("expected a {want}, found {found}"),
                        )
                        .label(format!("not a {want}"))
                        .help(format!(
                            "name an instance of `{want}` or of a kind that extends it"
                        )),
                    );
                    return None;
                }
                if matches!(ty, Ty::Ref(_)) && !named {
                    let want = self.world.kinds[*kind].name.clone();
                    self.report(
                        Diagnostic::new(
                            Code::TypeMismatch,
                            site.span,
                            format!("expected the name of a {want}, found a record"),
                        )
                        .label("a record built in place")
                        .help(format!(
                            "declare the {want} as an instance and refer to it by name"
                        )),
                    );
                    return None;
                }
                Some(Value::Object(o))
            }
            (Ty::Enum(e), Value::Enum(have, v)) if *e == have => Some(Value::Enum(have, v)),
            (Ty::Data, v) => self.data(v, site),
            (ty, value) => {
                let (want, found) = (self.show_ty(ty), self.describe_value(&value));
                let help = match (ty, &value) {
                    (Ty::Enum(e), _) => self.enum_values(*e),
                    (Ty::Ref(_) | Ty::Object(_), Value::Str(_)) => {
                        "refer to an instance by its name, without quotes".into()
                    }
                    (Ty::Str | Ty::Host | Ty::Image | Ty::Cron | Ty::Cidr | Ty::Url, _) => {
                        "write the value in double quotes".into()
                    }
                    (Ty::Bool, _) => "write `true` or `false`".into(),
                    (_, Value::None) => {
                        "`none` only unsets optional fields (their type ends in `?`)".into()
                    }
                    _ => format!("write a value of type {want}"),
                };
                self.report(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        site.span,
                        format!("expected {want}, found {found}"),
                    )
                    .label(format!("expected {want}"))
                    .help(help),
                );
                None
            }
        }
    }

    /// A value as free-form data: scalars as they are, lists and records
    /// of data; never a record of a kind, a range or an enum value, which
    /// only hplc knows how to read.
    fn data(&mut self, value: Value, site: Site) -> Option<Value> {
        match value {
            Value::Int(_)
            | Value::Bool(_)
            | Value::Str(_)
            | Value::Quantity(..)
            | Value::Decimal(..) => Some(value),
            Value::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for v in items {
                    out.push(self.data(v, site)?);
                }
                Some(Value::List(out))
            }
            Value::Map(entries) => {
                let mut out = Box::<indexmap::IndexMap<_, _>>::default();
                for (k, v) in *entries {
                    out.insert(k, self.data(v, site)?);
                }
                Some(Value::Map(out))
            }
            other => {
                let found = self.describe_value(&other);
                self.report(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        site.span,
                        format!("expected data, found {found}"),
                    )
                    .label("not plain data")
                    .help("data is numbers, `true`/`false`, strings, quantities, and lists and records `{ key = value }` of them"),
                );
                None
            }
        }
    }

    fn validated(
        &mut self,
        text: String,
        site: Site,
        check: fn(&str) -> Result<(), Invalid>,
        code: Code,
        what: &str,
    ) -> Option<Value> {
        match check(&text) {
            Ok(()) => Some(Value::Str(text)),
            Err(invalid) => {
                let help = match code {
                    Code::BadCron => "five fields: minute hour day-of-month month day-of-week, e.g. \"0 3 * * *\"".to_string(),
                    Code::BadHost => "a host name is lower-case labels of letters, digits and `-`, joined by `.`".to_string(),
                    Code::BadCidr => "write a network as ADDRESS/PREFIX with the host bits clear: `10.0.0.0/16`".to_string(),
                    Code::BadUrl => "write an absolute URL: `https://host/path`, spaces percent-encoded".to_string(),
                    _ if invalid.message.contains("digest") => "a digest is `sha256:` and 64 lower-case hex digits, as `docker buildx imagetools inspect` prints it".to_string(),
                    _ if invalid.message.contains("name component") => "image repository names are lower case: `ghcr.io/your-org/health-api:1.0.0`".to_string(),
                    _ if invalid.message.contains("tag") && !invalid.message.contains("no tag") => "a tag is letters, digits, `_`, `.` and `-`, such as `1.4.2`".to_string(),
                    _ => "pin the image: `registry/name:tag` or `name@sha256:<digest>`".to_string(),
                };
                self.report(
                    Diagnostic::new(
                        code,
                        site.inside(&invalid),
                        format!("invalid {what} \"{text}\": {}", invalid.message),
                    )
                    .label(invalid.message.clone())
                    .help(help),
                );
                None
            }
        }
    }

    fn out_of_range(&mut self, span: Span) -> Option<Value> {
        self.report(
            Diagnostic::new(
                Code::NumberOutOfRange,
                span,
                "the value does not fit in 64 bits",
            )
            .label("too large")
            .help("use a smaller value"),
        );
        None
    }

    fn unit_mismatch(&mut self, want: Dim, value: &Value, span: Span) {
        let found = self.describe_value(value);
        let example = match want {
            Dim::Cpu => "`250m` or `0.5`",
            Dim::Bytes => "`512Mi`, `1Gi` or `50G`",
            Dim::Duration => "`15s`, `5min` or `30d`",
            Dim::Percent => "`70%`",
            Dim::Bandwidth => "`10Mbps`",
            Dim::Money => "`12.5usd`",
        };
        let mut help = format!("{} is written like {example}", want.describe());
        if want == Dim::Duration && matches!(value, Value::Quantity(Dim::Cpu, _)) {
            help = "`m` means a thousandth of a CPU; minutes are written `min` (`5min`)".into();
        }
        self.report(
            Diagnostic::new(
                Code::UnitMismatch,
                span,
                format!("expected {}, found {found}", want.describe()),
            )
            .label(format!(
                "this is {}",
                match value {
                    Value::Quantity(d, _) => d.describe(),
                    _ => "a number without a unit",
                }
            ))
            .help(help),
        );
    }

    /// `low ..= high` must not run backwards: a request above its limit.
    pub(crate) fn check_order(
        &mut self,
        low: &Value,
        high: &Value,
        low_span: Span,
        high_span: Span,
        span: Span,
    ) -> Option<()> {
        let ordered = match (low, high) {
            (Value::Int(a), Value::Int(b)) => a <= b,
            (Value::Quantity(_, a), Value::Quantity(_, b)) => a <= b,
            _ => true,
        };
        if ordered {
            return Some(());
        }
        let show = |v: &Value| match v {
            Value::Quantity(d, q) => units::format(*d, *q),
            Value::Int(i) => i.to_string(),
            _ => String::new(),
        };
        let (l, h) = (show(low), show(high));
        let help = format!("a range is `request ..= limit` with request <= limit: write `{h} ..= {l}` or lower the request");
        let message = format!("the request {l} is above the limit {h}");
        let d = if low_span != span {
            Diagnostic::new(Code::RequestAboveLimit, low_span, message)
                .label(format!("request {l}"))
                .with_label(high_span, format!("limit {h}"))
        } else {
            Diagnostic::new(Code::RequestAboveLimit, span, message)
                .label(format!("{l} ..= {h} runs backwards"))
        };
        self.report(d.help(help));
        None
    }
}
