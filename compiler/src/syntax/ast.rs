//! The syntax tree. Every node carries the [`Span`] of the text it came from.
//! Chains (`a + b + c`, lists, statement lists) are vectors, never deep
//! trees, so that walking a long input cannot exhaust the stack.

use crate::source::Span;

#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// `a`, `oci.a1_flex`, `health_api.replicas`.
#[derive(Clone, Debug, PartialEq)]
pub struct Path {
    pub segments: Vec<Ident>,
    pub span: Span,
}

impl Path {
    pub fn text(&self) -> String {
        let names: Vec<&str> = self.segments.iter().map(|s| s.name.as_str()).collect();
        names.join(".")
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Module {
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Use(Use),
    Enum(EnumDecl),
    Kind(KindDecl),
    Let(LetDecl),
    Instance(Instance),
    Env(EnvDecl),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Use(u) => u.span,
            Item::Enum(e) => e.span,
            Item::Kind(k) => k.span,
            Item::Let(l) => l.span,
            Item::Instance(i) => i.span,
            Item::Env(e) => e.span,
        }
    }
}

/// `use oci`, `use components.{postgres, redis}`.
#[derive(Clone, Debug, PartialEq)]
pub struct Use {
    pub path: Path,
    pub imports: Vec<Ident>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EnumDecl {
    pub name: Ident,
    pub variants: Vec<Ident>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct KindDecl {
    pub name: Ident,
    pub parent: Option<Path>,
    pub fields: Vec<FieldDecl>,
    /// Defaults for inherited fields: `image = "..."`, `port http = 80`.
    pub defaults: Stmts,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FieldDecl {
    pub name: Ident,
    pub ty: TypeExpr,
    pub default: Option<Expr>,
    pub span: Span,
}

/// `cpu`, `list[ref[service]]`, `budget?`.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeExpr {
    pub name: Path,
    pub arg: Option<Box<TypeExpr>>,
    pub optional: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LetDecl {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

/// `KIND NAME { statements }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Instance {
    pub kind: Path,
    pub name: Ident,
    pub body: Stmts,
    pub span: Span,
}

/// The statements of a block, each shared: evaluation keeps the statements
/// of every object it creates, and a shared one is not copied.
pub type Stmts = Vec<std::sync::Arc<Stmt>>;

/// `field = value`, or `field key = value`.
#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    pub field: Ident,
    pub key: Option<Box<Ident>>,
    pub value: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EnvDecl {
    pub name: Ident,
    pub overrides: Vec<Override>,
    pub instances: Vec<Instance>,
    pub span: Span,
}

/// `instance.field = value` or `instance.field key = value` inside an env.
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    pub target: Path,
    pub key: Option<Ident>,
    pub value: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// `250m`, `0.5`, `60Gi`: the digits as written and the unit, if any.
    Number {
        digits: String,
        unit: Option<Box<Ident>>,
    },
    Str(Vec<StrPart>),
    Bool(bool),
    List(Vec<Expr>),
    /// `{ field = value, ... }`: a record or a map, as the expected type says.
    Record(Stmts),
    /// `kind { field = value, ... }`.
    Construct(Box<Path>, Stmts),
    Path(Path),
    Paren(Box<Expr>),
    /// `request ..= limit`.
    Range(Box<Expr>, Box<Expr>),
    /// `first op operand op operand ...`, left to right, `*` and `/` already
    /// grouped into their own `Arith` terms.
    Arith(Box<Expr>, Vec<(BinOp, Expr)>),
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum StrPart {
    /// Literal text with escapes already decoded.
    Text(String, Span),
    Interp(Expr),
}
