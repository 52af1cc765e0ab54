//! Types of hpl values.

use std::fmt;

/// A physical dimension. Values of one dimension add and compare; values of
/// two different dimensions never mix.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dim {
    /// Millicores.
    Cpu,
    /// Bytes; memory and storage alike.
    Bytes,
    /// Milliseconds.
    Duration,
    /// Hundredths of a percent.
    Percent,
    /// Bits per second.
    Bandwidth,
    /// Millionths of a US dollar.
    Money,
}

impl Dim {
    pub fn describe(self) -> &'static str {
        match self {
            Dim::Cpu => "CPU",
            Dim::Bytes => "bytes (memory or storage)",
            Dim::Duration => "a duration",
            Dim::Percent => "a percentage",
            Dim::Bandwidth => "bandwidth",
            Dim::Money => "money",
        }
    }
}

pub type KindId = usize;
pub type EnumId = usize;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Ty {
    Int,
    Bool,
    Str,
    Quantity(Dim),
    Port,
    Cron,
    Host,
    Image,
    /// An IPv4 or IPv6 network in CIDR notation (`10.0.0.0/16`).
    Cidr,
    /// An absolute URL (`https://github.com/org/repo.git`).
    Url,
    /// Free-form data handed to another program as it is (a chart's
    /// values): numbers, booleans, strings, quantities, and lists and
    /// records of them, whose keys are any names.
    Data,
    List(Box<Ty>),
    Map(Box<Ty>),
    Range(Box<Ty>),
    /// A named instance of this kind or of a kind extending it.
    Ref(KindId),
    /// A record of this kind: a named instance or one built in place.
    Object(KindId),
    Enum(EnumId),
    Optional(Box<Ty>),
}

impl Ty {
    pub fn is_optional(&self) -> bool {
        matches!(self, Ty::Optional(_))
    }

    /// The type without its optional marker.
    pub fn inner(&self) -> &Ty {
        match self {
            Ty::Optional(t) => t,
            t => t,
        }
    }
}

/// Writes a type with kind and enum names, as the source spells it.
pub struct TyDisplay<'a, F: Fn(&Ty) -> Option<String>> {
    pub ty: &'a Ty,
    /// Names kinds and enums.
    pub names: &'a F,
}

impl<F: Fn(&Ty) -> Option<String>> fmt::Display for TyDisplay<'_, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sub = |ty: &Ty| {
            TyDisplay {
                ty,
                names: self.names,
            }
            .to_string()
        };
        match self.ty {
            Ty::Int => f.write_str("int"),
            Ty::Bool => f.write_str("bool"),
            Ty::Str => f.write_str("string"),
            Ty::Quantity(Dim::Cpu) => f.write_str("cpu"),
            Ty::Quantity(Dim::Bytes) => f.write_str("memory"),
            Ty::Quantity(Dim::Duration) => f.write_str("duration"),
            Ty::Quantity(Dim::Percent) => f.write_str("percent"),
            Ty::Quantity(Dim::Bandwidth) => f.write_str("bandwidth"),
            Ty::Quantity(Dim::Money) => f.write_str("money"),
            Ty::Port => f.write_str("port"),
            Ty::Cron => f.write_str("cron"),
            Ty::Host => f.write_str("host"),
            Ty::Image => f.write_str("image"),
            Ty::Cidr => f.write_str("cidr"),
            Ty::Url => f.write_str("url"),
            Ty::Data => f.write_str("data"),
            Ty::List(t) => write!(f, "list[{}]", sub(t)),
            Ty::Map(t) => write!(f, "map[{}]", sub(t)),
            Ty::Range(t) => write!(f, "range[{}]", sub(t)),
            Ty::Ref(_) => write!(f, "ref[{}]", (self.names)(self.ty).unwrap_or_default()),
            Ty::Object(_) | Ty::Enum(_) => f.write_str(&(self.names)(self.ty).unwrap_or_default()),
            Ty::Optional(t) => write!(f, "{}?", sub(t)),
        }
    }
}
