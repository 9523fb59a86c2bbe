//! The abstract syntax tree of Kiln's Python subset. Every node carries
//! its source position; scope-creating nodes carry a `ScopeId` that the
//! scope analysis and the emitter use to agree on symbol tables.

use crate::bytecode::{BinOp, CmpOp, Conversion, UnaryOp};

/// 1-based source position.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Loc {
    pub line: u32,
    pub col: u32,
}

/// Identifies a function, lambda, class or comprehension scope.
pub type ScopeId = usize;

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Const {
    None,
    Bool(bool),
    Int(i64),
    BigInt(String),
    Float(f64),
    Str(String),
    Bytes(Vec<u8>),
    Ellipsis,
}

/// Comparison operators as written (including identity and membership).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpKind {
    Rich(CmpOp),
    Is,
    IsNot,
    In,
    NotIn,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    Positional(Expr),
    Star(Expr),
    Keyword(String, Expr),
    DoubleStar(Expr),
}

#[derive(Clone, Debug, PartialEq)]
pub enum DictItem {
    Pair(Expr, Expr),
    Unpack(Expr),
}

/// A piece of an f-string.
#[derive(Clone, Debug, PartialEq)]
pub enum FPart {
    Lit(String),
    Field {
        expr: Box<Expr>,
        conv: Conversion,
        spec: Option<Vec<FPart>>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompKind {
    List,
    Set,
    Dict,
    Generator,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CompFor {
    pub target: Expr,
    pub iter: Expr,
    pub ifs: Vec<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Comprehension {
    pub id: ScopeId,
    pub kind: CompKind,
    /// The element (the key for dict comprehensions).
    pub elt: Expr,
    /// The value of a dict comprehension.
    pub value: Option<Expr>,
    pub generators: Vec<CompFor>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Name(String),
    Const(Const),
    FString(Vec<FPart>),
    Binary(Box<Expr>, BinOp, Box<Expr>),
    Unary(UnaryOp, Box<Expr>),
    /// `and` (true) / `or` (false) over two or more operands.
    BoolOp(bool, Vec<Expr>),
    Compare(Box<Expr>, Vec<(CmpKind, Expr)>),
    IfExp {
        test: Box<Expr>,
        body: Box<Expr>,
        orelse: Box<Expr>,
    },
    Lambda(Box<FunctionDef>),
    Call {
        func: Box<Expr>,
        args: Vec<Arg>,
    },
    Attribute(Box<Expr>, String),
    Subscript(Box<Expr>, Box<Expr>),
    Slice(Option<Box<Expr>>, Option<Box<Expr>>, Option<Box<Expr>>),
    Starred(Box<Expr>),
    Tuple(Vec<Expr>),
    List(Vec<Expr>),
    Set(Vec<Expr>),
    Dict(Vec<DictItem>),
    Comp(Box<Comprehension>),
    Yield(Option<Box<Expr>>),
    YieldFrom(Box<Expr>),
    Await(Box<Expr>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: String,
    pub default: Option<Expr>,
    pub loc: Loc,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Params {
    pub posonly: Vec<Param>,
    pub args: Vec<Param>,
    pub vararg: Option<String>,
    pub kwonly: Vec<Param>,
    pub kwarg: Option<String>,
    /// Annotations of the parameters and the return, in source order
    /// (evaluated when the `def` runs, then discarded).
    pub annotations: Vec<Expr>,
}

impl Params {
    /// Parameter names in `varnames` order.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .posonly
            .iter()
            .chain(&self.args)
            .map(|p| p.name.clone())
            .collect();
        names.extend(self.kwonly.iter().map(|p| p.name.clone()));
        names.extend(self.vararg.iter().cloned());
        names.extend(self.kwarg.iter().cloned());
        names
    }
}

/// A `def`, `async def` or `lambda` (whose body is one `return`).
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionDef {
    pub id: ScopeId,
    pub name: String,
    pub params: Params,
    pub body: Vec<Stmt>,
    pub decorators: Vec<Expr>,
    pub is_async: bool,
    pub is_lambda: bool,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ClassDef {
    pub id: ScopeId,
    pub name: String,
    pub base: Option<Expr>,
    pub body: Vec<Stmt>,
    pub decorators: Vec<Expr>,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Handler {
    pub typ: Option<Expr>,
    pub name: Option<String>,
    pub body: Vec<Stmt>,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Alias {
    pub name: String,
    pub asname: Option<String>,
}

/// One `with` item: the context manager and its optional `as` target.
pub type WithItem = (Expr, Option<Expr>);

#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    Expr(Expr),
    Assign {
        targets: Vec<Expr>,
        value: Expr,
    },
    AugAssign {
        target: Expr,
        op: BinOp,
        value: Expr,
    },
    AnnAssign {
        target: Expr,
        annotation: Expr,
        value: Option<Expr>,
    },
    If {
        test: Expr,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
    },
    While {
        test: Expr,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
    },
    For {
        target: Expr,
        iter: Expr,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
    },
    Break,
    Continue,
    FunctionDef(Box<FunctionDef>),
    ClassDef(Box<ClassDef>),
    Return(Option<Expr>),
    Global(Vec<String>),
    Nonlocal(Vec<String>),
    Try {
        body: Vec<Stmt>,
        handlers: Vec<Handler>,
        orelse: Vec<Stmt>,
        finalbody: Vec<Stmt>,
    },
    Raise {
        exc: Option<Expr>,
        cause: Option<Expr>,
    },
    Assert {
        test: Expr,
        msg: Option<Expr>,
    },
    Delete(Vec<Expr>),
    Pass,
    With {
        items: Vec<WithItem>,
        body: Vec<Stmt>,
    },
    Import(Vec<Alias>),
    /// `from module import names`; an empty `names` means `*`.
    ImportFrom {
        module: String,
        names: Vec<Alias>,
    },
}

/// A parsed module.
#[derive(Clone, Debug, PartialEq)]
pub struct Module {
    pub body: Vec<Stmt>,
    /// `from __future__ import annotations`: annotations are never evaluated.
    pub future_annotations: bool,
    /// Number of scope ids handed out (ids are `1..num_scopes`; 0 is the module).
    pub num_scopes: usize,
}
