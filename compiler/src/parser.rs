//! The parser: recursive descent over the token stream, with one function
//! per precedence level, producing the AST. It also rejects what is not
//! Python (with CPython's wording where it matters) and what is outside
//! Kiln's subset. Recursion is capped so hostile input gives an error,
//! never a stack overflow.

use crate::ast::*;
use crate::bytecode::{BinOp, CmpOp, Conversion, UnaryOp};
use crate::error::{ErrorKind, RawError, RawResult};
use crate::lexer;
use crate::literal;
use crate::token::{StrKind, StrToken, Tok, Token};

/// Deepest expression nesting accepted.
const MAX_DEPTH: u32 = 200;
/// Longest left-nested chain (`a + b + ...`, `a.b.c...`, `f()()...`): each
/// link is one level of the tree that later passes recurse over.
const MAX_CHAIN: u32 = 3000;

/// Parse a whole module.
pub fn parse_module(tokens: Vec<Token>) -> RawResult<Module> {
    let mut parser = Parser::new(tokens, 1);
    let body = parser.module()?;
    Ok(Module {
        body,
        future_annotations: parser.future_annotations,
        num_scopes: parser.next_scope,
    })
}

/// What kind of body the parser is inside (for `return`/`await` checks).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    Module,
    Class,
    Function { is_async: bool },
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: u32,
    next_scope: ScopeId,
    context: Context,
    loop_depth: u32,
    future_annotations: bool,
}

fn binop_for(op: &str) -> Option<(u8, BinOp)> {
    Some(match op {
        "|" => (1, BinOp::BitOr),
        "^" => (2, BinOp::BitXor),
        "&" => (3, BinOp::BitAnd),
        "<<" => (4, BinOp::LShift),
        ">>" => (4, BinOp::RShift),
        "+" => (5, BinOp::Add),
        "-" => (5, BinOp::Sub),
        "*" => (6, BinOp::Mul),
        "/" => (6, BinOp::TrueDiv),
        "//" => (6, BinOp::FloorDiv),
        "%" => (6, BinOp::Mod),
        _ => return None,
    })
}

fn augop_for(op: &str) -> Option<BinOp> {
    Some(match op {
        "+=" => BinOp::Add,
        "-=" => BinOp::Sub,
        "*=" => BinOp::Mul,
        "/=" => BinOp::TrueDiv,
        "//=" => BinOp::FloorDiv,
        "%=" => BinOp::Mod,
        "**=" => BinOp::Pow,
        "<<=" => BinOp::LShift,
        ">>=" => BinOp::RShift,
        "&=" => BinOp::BitAnd,
        "|=" => BinOp::BitOr,
        "^=" => BinOp::BitXor,
        _ => return None,
    })
}

/// How CPython names an expression that cannot be a target.
fn describe(e: &Expr) -> &'static str {
    match &e.kind {
        ExprKind::Call { .. } => "function call",
        ExprKind::Const(Const::None) => "None",
        ExprKind::Const(Const::Bool(true)) => "True",
        ExprKind::Const(Const::Bool(false)) => "False",
        ExprKind::Const(Const::Ellipsis) => "ellipsis",
        ExprKind::Const(_) => "literal",
        ExprKind::FString(_) => "f-string expression",
        ExprKind::Binary(..) | ExprKind::Unary(..) => "expression",
        ExprKind::BoolOp(..) => "expression",
        ExprKind::Compare(..) => "comparison",
        ExprKind::IfExp { .. } => "conditional expression",
        ExprKind::Lambda(_) => "lambda",
        ExprKind::Dict(_) => "dict literal",
        ExprKind::Set(_) => "set display",
        ExprKind::Comp(c) => match c.kind {
            CompKind::List => "list comprehension",
            CompKind::Set => "set comprehension",
            CompKind::Dict => "dict comprehension",
            CompKind::Generator => "generator expression",
        },
        ExprKind::Yield(_) | ExprKind::YieldFrom(_) => "yield expression",
        ExprKind::Await(_) => "await expression",
        ExprKind::Slice(..) => "slice",
        ExprKind::Tuple(_) => "tuple",
        ExprKind::List(_) => "list",
        ExprKind::Starred(_) => "starred",
        _ => "expression",
    }
}

impl Parser {
    fn new(tokens: Vec<Token>, next_scope: ScopeId) -> Self {
        Parser {
            tokens,
            pos: 0,
            depth: 0,
            next_scope,
            context: Context::Module,
            loop_depth: 0,
            future_annotations: false,
        }
    }

    // ---- token helpers ----------------------------------------------------

    fn peek(&self) -> &Tok {
        self.peek_at(0)
    }

    fn peek_at(&self, n: usize) -> &Tok {
        static END: Tok = Tok::EndMarker;
        self.tokens.get(self.pos + n).map_or(&END, |t| &t.tok)
    }

    fn loc(&self) -> Loc {
        self.tokens
            .get(self.pos)
            .or_else(|| self.tokens.last())
            .map_or(Loc { line: 1, col: 1 }, |t| Loc {
                line: t.line,
                col: t.col,
            })
    }

    fn is_op(&self, op: &str) -> bool {
        matches!(self.peek(), Tok::Op(o) if *o == op)
    }

    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Tok::Kw(k) if *k == kw)
    }

    fn eat_op(&mut self, op: &str) -> bool {
        if self.is_op(op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.is_kw(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn error_here<T>(&self) -> RawResult<T> {
        let loc = self.loc();
        Err(match self.peek() {
            Tok::Indent => RawError::indentation("unexpected indent", loc.line, loc.col),
            Tok::Dedent => RawError::indentation(
                "unindent does not match any outer indentation level",
                loc.line,
                loc.col,
            ),
            Tok::EndMarker => RawError::syntax("unexpected EOF while parsing", loc.line, loc.col),
            Tok::Op(":=") => RawError::unsupported("assignment expression (:=)", loc.line, loc.col),
            Tok::Op("@=") => RawError::unsupported("matrix multiplication (@)", loc.line, loc.col),
            _ => RawError::syntax("invalid syntax", loc.line, loc.col),
        })
    }

    fn err<T>(&self, msg: impl Into<String>, loc: Loc) -> RawResult<T> {
        Err(RawError::syntax(msg, loc.line, loc.col))
    }

    fn unsupported<T>(&self, what: &str, loc: Loc) -> RawResult<T> {
        Err(RawError::unsupported(what, loc.line, loc.col))
    }

    fn expect_op(&mut self, op: &str) -> RawResult<()> {
        if self.eat_op(op) {
            Ok(())
        } else if op == ":" && matches!(self.peek(), Tok::Newline) {
            self.err("expected ':'", self.loc())
        } else {
            self.error_here()
        }
    }

    fn expect_kw(&mut self, kw: &str) -> RawResult<()> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            self.error_here()
        }
    }

    fn expect_name(&mut self) -> RawResult<String> {
        match self.peek().clone() {
            Tok::Name(n) => {
                self.pos += 1;
                Ok(n)
            }
            _ => self.error_here(),
        }
    }

    fn new_scope(&mut self) -> ScopeId {
        let id = self.next_scope;
        self.next_scope += 1;
        id
    }

    fn enter(&mut self) -> RawResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let loc = self.loc();
            return self.err("too many nested parentheses", loc);
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Can the current token start an expression?
    fn starts_expr(&self) -> bool {
        match self.peek() {
            Tok::Name(_) | Tok::Int(_) | Tok::BigInt(_) | Tok::Float(_) | Tok::Str(_) => true,
            Tok::Kw(k) => matches!(
                *k,
                "None" | "True" | "False" | "not" | "lambda" | "await" | "yield"
            ),
            Tok::Op(o) => matches!(*o, "(" | "[" | "{" | "-" | "+" | "~" | "*" | "..."),
            _ => false,
        }
    }

    // ---- statements ---------------------------------------------------------

    fn module(&mut self) -> RawResult<Vec<Stmt>> {
        let mut body = Vec::new();
        loop {
            match self.peek() {
                Tok::EndMarker => break,
                Tok::Newline => {
                    self.pos += 1;
                }
                Tok::Indent => return self.error_here(),
                _ => body.extend(self.statement()?),
            }
        }
        Ok(body)
    }

    fn statement(&mut self) -> RawResult<Vec<Stmt>> {
        let loc = self.loc();
        let stmt = match self.peek() {
            Tok::Kw("if") => self.if_stmt()?,
            Tok::Kw("while") => self.while_stmt()?,
            Tok::Kw("for") => self.for_stmt()?,
            Tok::Kw("try") => self.try_stmt()?,
            Tok::Kw("with") => self.with_stmt()?,
            Tok::Kw("def") => self.funcdef(Vec::new(), false, loc)?,
            Tok::Kw("class") => self.classdef(Vec::new())?,
            Tok::Op("@") => self.decorated()?,
            Tok::Kw("async") => {
                self.pos += 1;
                match self.peek() {
                    Tok::Kw("def") => self.funcdef(Vec::new(), true, loc)?,
                    Tok::Kw("for") => return self.unsupported("async for", loc),
                    Tok::Kw("with") => return self.unsupported("async with", loc),
                    _ => return self.error_here(),
                }
            }
            Tok::Name(n) if n == "match" && self.looks_like_match() => {
                return self.unsupported("match statement", loc);
            }
            _ => return self.simple_stmts(),
        };
        Ok(vec![stmt])
    }

    /// `match` is a soft keyword: a statement `match <expr>:` ending its
    /// line with a colon (and not an assignment) is a match statement.
    fn looks_like_match(&self) -> bool {
        match self.peek_at(1) {
            Tok::Op(o) if matches!(*o, "=" | "." | ":" | ",") || o.ends_with('=') && *o != "==" => {
                return false
            }
            Tok::Newline | Tok::EndMarker => return false,
            _ => {}
        }
        let mut i = self.pos + 1;
        let mut last = None;
        while let Some(t) = self.tokens.get(i) {
            if matches!(t.tok, Tok::Newline | Tok::EndMarker) {
                break;
            }
            last = Some(&t.tok);
            i += 1;
        }
        matches!(last, Some(Tok::Op(":")))
    }

    fn simple_stmts(&mut self) -> RawResult<Vec<Stmt>> {
        let mut out = vec![self.simple_stmt()?];
        while self.eat_op(";") {
            if matches!(self.peek(), Tok::Newline) {
                break;
            }
            out.push(self.simple_stmt()?);
        }
        if !matches!(self.peek(), Tok::Newline | Tok::EndMarker) {
            return self.error_here();
        }
        if matches!(self.peek(), Tok::Newline) {
            self.pos += 1;
        }
        Ok(out)
    }

    fn simple_stmt(&mut self) -> RawResult<Stmt> {
        let loc = self.loc();
        let kind = match self.peek().clone() {
            Tok::Kw("pass") => {
                self.pos += 1;
                StmtKind::Pass
            }
            Tok::Kw("break") => {
                self.pos += 1;
                if self.loop_depth == 0 {
                    return self.err("'break' outside loop", loc);
                }
                StmtKind::Break
            }
            Tok::Kw("continue") => {
                self.pos += 1;
                if self.loop_depth == 0 {
                    return self.err("'continue' not properly in loop", loc);
                }
                StmtKind::Continue
            }
            Tok::Kw("return") => {
                self.pos += 1;
                if !matches!(self.context, Context::Function { .. }) {
                    return self.err("'return' outside function", loc);
                }
                let value = if self.starts_expr() {
                    Some(self.testlist_star()?)
                } else {
                    None
                };
                StmtKind::Return(value)
            }
            Tok::Kw("raise") => {
                self.pos += 1;
                let mut exc = None;
                let mut cause = None;
                if self.starts_expr() {
                    exc = Some(self.test()?);
                    if self.eat_kw("from") {
                        cause = Some(self.test()?);
                    }
                }
                StmtKind::Raise { exc, cause }
            }
            Tok::Kw("global") | Tok::Kw("nonlocal") => {
                let is_global = self.is_kw("global");
                self.pos += 1;
                let mut names = vec![self.expect_name()?];
                while self.eat_op(",") {
                    names.push(self.expect_name()?);
                }
                if is_global {
                    StmtKind::Global(names)
                } else {
                    if self.context == Context::Module {
                        return self.err("nonlocal declaration not allowed at module level", loc);
                    }
                    StmtKind::Nonlocal(names)
                }
            }
            Tok::Kw("del") => {
                self.pos += 1;
                let target = self.exprlist()?;
                let targets = match target.kind {
                    ExprKind::Tuple(items) => items,
                    _ => vec![target],
                };
                for t in &targets {
                    self.check_del_target(t)?;
                }
                StmtKind::Delete(targets)
            }
            Tok::Kw("assert") => {
                self.pos += 1;
                let test = self.test()?;
                let msg = if self.eat_op(",") {
                    Some(self.test()?)
                } else {
                    None
                };
                StmtKind::Assert { test, msg }
            }
            Tok::Kw("import") => self.import_stmt()?,
            Tok::Kw("from") => self.import_from_stmt()?,
            _ => return self.expr_stmt(),
        };
        Ok(Stmt { kind, loc })
    }

    fn expr_stmt(&mut self) -> RawResult<Stmt> {
        let loc = self.loc();
        let first = if self.is_kw("yield") {
            self.yield_expr()?
        } else {
            self.testlist_star()?
        };
        if self.is_op("=") {
            let mut targets = vec![first];
            let mut value;
            loop {
                self.expect_op("=")?;
                value = if self.is_kw("yield") {
                    self.yield_expr()?
                } else {
                    self.testlist_star()?
                };
                if !self.is_op("=") {
                    break;
                }
                targets.push(value);
            }
            for (i, t) in targets.iter().enumerate() {
                self.check_assign_target(t, i == 0)?;
            }
            return Ok(Stmt {
                kind: StmtKind::Assign { targets, value },
                loc,
            });
        }
        if let Tok::Op(op) = self.peek().clone() {
            if let Some(binop) = augop_for(op) {
                match &first.kind {
                    ExprKind::Name(_) | ExprKind::Attribute(..) | ExprKind::Subscript(..) => {}
                    _ => {
                        return self.err(
                            format!(
                                "'{}' is an illegal expression for augmented assignment",
                                describe(&first)
                            ),
                            first.loc,
                        )
                    }
                }
                self.pos += 1;
                let value = if self.is_kw("yield") {
                    self.yield_expr()?
                } else {
                    self.testlist()?
                };
                return Ok(Stmt {
                    kind: StmtKind::AugAssign {
                        target: first,
                        op: binop,
                        value,
                    },
                    loc,
                });
            }
            if op == "@=" {
                return self.unsupported("matrix multiplication (@)", self.loc());
            }
            if op == ":" {
                self.pos += 1;
                match &first.kind {
                    ExprKind::Name(_) | ExprKind::Attribute(..) | ExprKind::Subscript(..) => {}
                    ExprKind::Tuple(_) => {
                        return self
                            .err("only single target (not tuple) can be annotated", first.loc)
                    }
                    ExprKind::List(_) => {
                        return self
                            .err("only single target (not list) can be annotated", first.loc)
                    }
                    _ => return self.err("illegal target for annotation", first.loc),
                }
                let annotation = self.test()?;
                let value = if self.eat_op("=") {
                    Some(if self.is_kw("yield") {
                        self.yield_expr()?
                    } else {
                        self.testlist_star()?
                    })
                } else {
                    None
                };
                return Ok(Stmt {
                    kind: StmtKind::AnnAssign {
                        target: first,
                        annotation,
                        value,
                    },
                    loc,
                });
            }
        }
        if let ExprKind::Starred(_) = first.kind {
            return self.err("can't use starred expression here", first.loc);
        }
        if let ExprKind::Name(n) = &first.kind {
            let statement_like = n == "print" || n == "exec";
            if statement_like
                && matches!(
                    self.peek(),
                    Tok::Str(_) | Tok::Name(_) | Tok::Int(_) | Tok::Float(_)
                )
            {
                return self.err(
                    format!("Missing parentheses in call to '{n}'. Did you mean {n}(...)?"),
                    first.loc,
                );
            }
        }
        Ok(Stmt {
            kind: StmtKind::Expr(first),
            loc,
        })
    }

    /// Validate one target of an assignment statement; CPython suggests
    /// `==` only for the first one.
    fn check_assign_target(&self, e: &Expr, first: bool) -> RawResult<()> {
        if let ExprKind::Starred(_) = e.kind {
            return self.err(
                "starred assignment target must be in a list or tuple",
                e.loc,
            );
        }
        match self.check_target(e, first) {
            Err(err) if !first => Err(err),
            other => other,
        }
    }

    /// Validate an assignment (or for/with/comprehension) target.
    fn check_target(&self, e: &Expr, top: bool) -> RawResult<()> {
        match &e.kind {
            ExprKind::Name(n) => {
                if n == "__debug__" {
                    return self.err("cannot assign to __debug__", e.loc);
                }
                Ok(())
            }
            ExprKind::Attribute(..) | ExprKind::Subscript(..) => Ok(()),
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                let stars = items
                    .iter()
                    .filter(|i| matches!(i.kind, ExprKind::Starred(_)))
                    .count();
                if stars > 1 {
                    return self.err("multiple starred expressions in assignment", e.loc);
                }
                for item in items {
                    match &item.kind {
                        ExprKind::Starred(inner) => self.check_target(inner, false)?,
                        _ => self.check_target(item, false)?,
                    }
                }
                Ok(())
            }
            ExprKind::Starred(_) if top => self.err(
                "starred assignment target must be in a list or tuple",
                e.loc,
            ),
            _ => {
                let what = describe(e);
                if matches!(
                    what,
                    "literal" | "function call" | "expression" | "comparison"
                ) && top
                {
                    self.err(
                        format!(
                            "cannot assign to {what} here. Maybe you meant '==' instead of '='?"
                        ),
                        e.loc,
                    )
                } else {
                    self.err(format!("cannot assign to {what}"), e.loc)
                }
            }
        }
    }

    fn check_del_target(&self, e: &Expr) -> RawResult<()> {
        match &e.kind {
            ExprKind::Name(_) | ExprKind::Attribute(..) | ExprKind::Subscript(..) => Ok(()),
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                items.iter().try_for_each(|i| self.check_del_target(i))
            }
            _ => self.err(format!("cannot delete {}", describe(e)), e.loc),
        }
    }

    fn import_stmt(&mut self) -> RawResult<StmtKind> {
        self.pos += 1;
        let mut names = Vec::new();
        loop {
            let name = self.dotted_name()?;
            let asname = if self.eat_kw("as") {
                Some(self.expect_name()?)
            } else {
                None
            };
            names.push(Alias { name, asname });
            if !self.eat_op(",") {
                break;
            }
        }
        Ok(StmtKind::Import(names))
    }

    fn dotted_name(&mut self) -> RawResult<String> {
        let mut name = self.expect_name()?;
        while self.eat_op(".") {
            name.push('.');
            name.push_str(&self.expect_name()?);
        }
        Ok(name)
    }

    fn import_from_stmt(&mut self) -> RawResult<StmtKind> {
        let loc = self.loc();
        self.pos += 1;
        if self.is_op(".") || self.is_op("...") {
            return self.unsupported("relative import", loc);
        }
        let module = self.dotted_name()?;
        self.expect_kw("import")?;
        if self.eat_op("*") {
            if self.context != Context::Module {
                return self.err("import * only allowed at module level", loc);
            }
            return Ok(StmtKind::ImportFrom {
                module,
                names: Vec::new(),
            });
        }
        let parens = self.eat_op("(");
        let mut names = Vec::new();
        loop {
            let name = self.expect_name()?;
            let asname = if self.eat_kw("as") {
                Some(self.expect_name()?)
            } else {
                None
            };
            names.push(Alias { name, asname });
            if !self.eat_op(",") {
                break;
            }
            if parens && self.is_op(")") {
                break;
            }
            if !parens && matches!(self.peek(), Tok::Newline) {
                return self.err(
                    "trailing comma not allowed without surrounding parentheses",
                    self.loc(),
                );
            }
        }
        if parens {
            self.expect_op(")")?;
        }
        if module == "__future__" && names.iter().any(|a| a.name == "annotations") {
            self.future_annotations = true;
        }
        Ok(StmtKind::ImportFrom { module, names })
    }

    /// A `:` then an indented block (or simple statements on the same line).
    fn block(&mut self, what: &str, line: u32) -> RawResult<Vec<Stmt>> {
        self.expect_op(":")?;
        if !matches!(self.peek(), Tok::Newline) {
            return self.simple_stmts();
        }
        self.pos += 1;
        if !matches!(self.peek(), Tok::Indent) {
            let loc = self.loc();
            return Err(RawError::indentation(
                format!("expected an indented block after {what} on line {line}"),
                loc.line,
                loc.col,
            ));
        }
        self.pos += 1;
        let mut body = Vec::new();
        loop {
            match self.peek() {
                Tok::Dedent => {
                    self.pos += 1;
                    break;
                }
                Tok::EndMarker => break,
                Tok::Newline => self.pos += 1,
                Tok::Indent => return self.error_here(),
                _ => body.extend(self.statement()?),
            }
        }
        Ok(body)
    }

    /// `if`/`elif`/`else`, parsed as a loop so long `elif` chains cost no
    /// parser recursion; the chain nests as `If` statements in `orelse`.
    fn if_stmt(&mut self) -> RawResult<Stmt> {
        let mut branches = Vec::new();
        loop {
            let loc = self.loc();
            let what = if self.is_kw("elif") {
                "'elif' statement"
            } else {
                "'if' statement"
            };
            self.pos += 1;
            let test = self.named_test()?;
            let body = self.block(what, loc.line)?;
            branches.push((test, body, loc));
            if !self.is_kw("elif") {
                break;
            }
        }
        let mut orelse = self.else_block()?;
        let mut result = None;
        while let Some((test, body, loc)) = branches.pop() {
            let stmt = Stmt {
                kind: StmtKind::If { test, body, orelse },
                loc,
            };
            orelse = Vec::new();
            if branches.is_empty() {
                result = Some(stmt);
            } else {
                orelse = vec![stmt];
            }
        }
        result.map_or_else(|| self.error_here(), Ok)
    }

    fn loop_body(&mut self, what: &str, line: u32) -> RawResult<Vec<Stmt>> {
        self.loop_depth += 1;
        let body = self.block(what, line);
        self.loop_depth -= 1;
        body
    }

    fn else_block(&mut self) -> RawResult<Vec<Stmt>> {
        if self.is_kw("else") {
            let line = self.loc().line;
            self.pos += 1;
            self.block("'else' statement", line)
        } else {
            Ok(Vec::new())
        }
    }

    fn while_stmt(&mut self) -> RawResult<Stmt> {
        let loc = self.loc();
        self.pos += 1;
        let test = self.named_test()?;
        let body = self.loop_body("'while' statement", loc.line)?;
        let orelse = self.else_block()?;
        Ok(Stmt {
            kind: StmtKind::While { test, body, orelse },
            loc,
        })
    }

    fn for_stmt(&mut self) -> RawResult<Stmt> {
        let loc = self.loc();
        self.pos += 1;
        let target = self.exprlist()?;
        self.check_target(&target, false)?;
        self.expect_kw("in")?;
        let iter = self.testlist_star()?;
        let body = self.loop_body("'for' statement", loc.line)?;
        let orelse = self.else_block()?;
        Ok(Stmt {
            kind: StmtKind::For {
                target,
                iter,
                body,
                orelse,
            },
            loc,
        })
    }

    fn try_stmt(&mut self) -> RawResult<Stmt> {
        let loc = self.loc();
        self.pos += 1;
        let body = self.block("'try' statement", loc.line)?;
        let mut handlers: Vec<Handler> = Vec::new();
        while self.is_kw("except") {
            let hloc = self.loc();
            self.pos += 1;
            if self.is_op("*") {
                return self.unsupported("except* (exception groups)", hloc);
            }
            if let Some(prev) = handlers.last() {
                if prev.typ.is_none() {
                    return self.err("default 'except:' must be last", prev.loc);
                }
            }
            let mut typ = None;
            let mut name = None;
            if !self.is_op(":") {
                let t = self.test()?;
                if self.is_op(",") {
                    return self.err("multiple exception types must be parenthesized", t.loc);
                }
                typ = Some(t);
                if self.eat_kw("as") {
                    name = Some(self.expect_name()?);
                }
            }
            let hbody = self.block("'except' statement", hloc.line)?;
            handlers.push(Handler {
                typ,
                name,
                body: hbody,
                loc: hloc,
            });
        }
        let orelse = if !handlers.is_empty() {
            self.else_block()?
        } else {
            Vec::new()
        };
        let finalbody = if self.is_kw("finally") {
            let line = self.loc().line;
            self.pos += 1;
            self.block("'finally' statement", line)?
        } else {
            Vec::new()
        };
        if handlers.is_empty() && finalbody.is_empty() {
            return self.err("expected 'except' or 'finally' block", self.loc());
        }
        Ok(Stmt {
            kind: StmtKind::Try {
                body,
                handlers,
                orelse,
                finalbody,
            },
            loc,
        })
    }

    fn with_stmt(&mut self) -> RawResult<Stmt> {
        let loc = self.loc();
        self.pos += 1;
        let items = match self.parenthesized_with_items()? {
            Some(items) => items,
            None => self.with_items()?,
        };
        let body = self.block("'with' statement", loc.line)?;
        Ok(Stmt {
            kind: StmtKind::With { items, body },
            loc,
        })
    }

    /// `with (a as b, c):` — tried speculatively, as CPython's PEG parser does.
    fn parenthesized_with_items(&mut self) -> RawResult<Option<Vec<WithItem>>> {
        if !self.is_op("(") {
            return Ok(None);
        }
        let start = self.pos;
        let scopes = self.next_scope;
        self.pos += 1;
        let attempt = (|| {
            let mut items = Vec::new();
            loop {
                items.push(self.with_item()?);
                if !self.eat_op(",") || self.is_op(")") {
                    break;
                }
            }
            self.expect_op(")")?;
            if self.is_op(":") {
                Ok(items)
            } else {
                self.error_here()
            }
        })();
        match attempt {
            Ok(items) => Ok(Some(items)),
            Err(e) if e.kind == ErrorKind::Unsupported => Err(e),
            Err(_) => {
                self.pos = start;
                self.next_scope = scopes;
                Ok(None)
            }
        }
    }

    fn with_items(&mut self) -> RawResult<Vec<WithItem>> {
        let mut items = vec![self.with_item()?];
        while self.eat_op(",") {
            items.push(self.with_item()?);
        }
        Ok(items)
    }

    fn with_item(&mut self) -> RawResult<WithItem> {
        let ctx = self.test()?;
        let target = if self.eat_kw("as") {
            let t = self.target_atom_expr()?;
            self.check_target(&t, false)?;
            Some(t)
        } else {
            None
        };
        Ok((ctx, target))
    }

    /// A `with ... as` target: a name, attribute, subscript, or a
    /// parenthesised/bracketed target list.
    fn target_atom_expr(&mut self) -> RawResult<Expr> {
        self.bitor()
    }

    fn decorated(&mut self) -> RawResult<Stmt> {
        let mut decorators = Vec::new();
        while self.is_op("@") {
            self.pos += 1;
            decorators.push(self.named_test()?);
            if !matches!(self.peek(), Tok::Newline) {
                return self.error_here();
            }
            self.pos += 1;
        }
        let loc = self.loc();
        match self.peek() {
            Tok::Kw("def") => self.funcdef(decorators, false, loc),
            Tok::Kw("class") => self.classdef(decorators),
            Tok::Kw("async") => {
                self.pos += 1;
                if !self.is_kw("def") {
                    return self.error_here();
                }
                self.funcdef(decorators, true, loc)
            }
            _ => self.error_here(),
        }
    }

    fn funcdef(&mut self, decorators: Vec<Expr>, is_async: bool, loc: Loc) -> RawResult<Stmt> {
        self.expect_kw("def")?;
        let name = self.expect_name()?;
        self.expect_op("(")?;
        let mut params = self.params(")", true)?;
        self.expect_op(")")?;
        if self.eat_op("->") {
            params.annotations.push(self.test()?);
        }
        let id = self.new_scope();
        let saved = (self.context, self.loop_depth);
        self.context = Context::Function { is_async };
        self.loop_depth = 0;
        let body = self.block("function definition", loc.line);
        (self.context, self.loop_depth) = saved;
        let body = body?;
        let def = FunctionDef {
            id,
            name,
            params,
            body,
            decorators,
            is_async,
            is_lambda: false,
            loc,
        };
        Ok(Stmt {
            kind: StmtKind::FunctionDef(Box::new(def)),
            loc,
        })
    }

    fn classdef(&mut self, decorators: Vec<Expr>) -> RawResult<Stmt> {
        let loc = self.loc();
        self.expect_kw("class")?;
        let name = self.expect_name()?;
        let mut base = None;
        if self.eat_op("(") {
            let args = self.call_args()?;
            self.expect_op(")")?;
            for arg in args {
                match arg {
                    Arg::Positional(e) => {
                        if base.is_some() {
                            return self.unsupported("multiple inheritance", e.loc);
                        }
                        base = Some(e);
                    }
                    Arg::Keyword(k, e) => {
                        return self.unsupported(
                            &format!("class keyword argument '{k}=' (metaclasses)"),
                            e.loc,
                        )
                    }
                    Arg::Star(e) | Arg::DoubleStar(e) => {
                        return self.unsupported("unpacking in class bases", e.loc);
                    }
                }
            }
        }
        let id = self.new_scope();
        let saved = (self.context, self.loop_depth);
        self.context = Context::Class;
        self.loop_depth = 0;
        let body = self.block("class definition", loc.line);
        (self.context, self.loop_depth) = saved;
        let body = body?;
        let def = ClassDef {
            id,
            name,
            base,
            body,
            decorators,
            loc,
        };
        Ok(Stmt {
            kind: StmtKind::ClassDef(Box::new(def)),
            loc,
        })
    }

    /// Parameters up to `close`; annotations only for `def`.
    fn params(&mut self, close: &str, annotations: bool) -> RawResult<Params> {
        let mut p = Params::default();
        let mut seen_star = false;
        let mut seen_default = false;
        let mut names: Vec<String> = Vec::new();
        let check_dup = |names: &mut Vec<String>, n: &str, loc: Loc| -> RawResult<()> {
            if names.iter().any(|x| x == n) {
                return Err(RawError::syntax(
                    format!("duplicate argument '{n}' in function definition"),
                    loc.line,
                    loc.col,
                ));
            }
            names.push(n.to_string());
            Ok(())
        };
        while !self.is_op(close) {
            let loc = self.loc();
            if p.kwarg.is_some() {
                return self.err("arguments cannot follow var-keyword argument", loc);
            }
            if self.eat_op("/") {
                if seen_star || !p.posonly.is_empty() {
                    return self.err("/ must be ahead of *", loc);
                }
                if p.args.is_empty() {
                    return self.err("at least one argument must precede /", loc);
                }
                p.posonly = std::mem::take(&mut p.args);
            } else if self.eat_op("**") {
                let n = self.expect_name()?;
                check_dup(&mut names, &n, loc)?;
                if annotations && self.eat_op(":") {
                    p.annotations.push(self.test()?);
                }
                p.kwarg = Some(n);
            } else if self.eat_op("*") {
                if seen_star {
                    return self.err("* argument may appear only once", loc);
                }
                seen_star = true;
                if self.is_op(",") || self.is_op(close) {
                    if self.is_op(close)
                        || matches!(self.peek_at(1), Tok::Op(o) if *o == close || *o == "**")
                    {
                        return self.err("named arguments must follow bare *", loc);
                    }
                } else {
                    let n = self.expect_name()?;
                    check_dup(&mut names, &n, loc)?;
                    if annotations && self.eat_op(":") {
                        p.annotations.push(self.test()?);
                    }
                    p.vararg = Some(n);
                }
            } else {
                let name = self.expect_name()?;
                check_dup(&mut names, &name, loc)?;
                if annotations && self.eat_op(":") {
                    p.annotations.push(self.test()?);
                }
                let default = if self.eat_op("=") {
                    Some(self.test()?)
                } else {
                    None
                };
                if seen_star {
                    p.kwonly.push(Param { name, default, loc });
                } else {
                    if default.is_some() {
                        seen_default = true;
                    } else if seen_default {
                        return self.err("non-default argument follows default argument", loc);
                    }
                    p.args.push(Param { name, default, loc });
                }
            }
            if !self.eat_op(",") {
                break;
            }
        }
        Ok(p)
    }

    // ---- expressions --------------------------------------------------------

    /// `testlist_star_expr`: tests or starred, tuple if there is a comma.
    fn testlist_star(&mut self) -> RawResult<Expr> {
        let loc = self.loc();
        let first = self.star_or_test()?;
        if !self.is_op(",") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if !self.starts_expr() || self.is_kw("yield") {
                break;
            }
            items.push(self.star_or_test()?);
        }
        Ok(Expr {
            kind: ExprKind::Tuple(items),
            loc,
        })
    }

    fn testlist(&mut self) -> RawResult<Expr> {
        self.testlist_star()
    }

    /// Targets of `for` and `del`: bitwise-or level expressions.
    fn exprlist(&mut self) -> RawResult<Expr> {
        let loc = self.loc();
        let first = self.star_or_bitor()?;
        if !self.is_op(",") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.is_kw("in") || !self.starts_expr() {
                break;
            }
            items.push(self.star_or_bitor()?);
        }
        Ok(Expr {
            kind: ExprKind::Tuple(items),
            loc,
        })
    }

    fn star_or_bitor(&mut self) -> RawResult<Expr> {
        let loc = self.loc();
        if self.eat_op("*") {
            let inner = self.bitor()?;
            return Ok(Expr {
                kind: ExprKind::Starred(Box::new(inner)),
                loc,
            });
        }
        self.bitor()
    }

    fn star_or_test(&mut self) -> RawResult<Expr> {
        let loc = self.loc();
        if self.eat_op("*") {
            let inner = self.bitor()?;
            return Ok(Expr {
                kind: ExprKind::Starred(Box::new(inner)),
                loc,
            });
        }
        self.test()
    }

    /// A test where CPython would accept `:=` (reported as unsupported).
    fn named_test(&mut self) -> RawResult<Expr> {
        self.test()
    }

    fn yield_expr(&mut self) -> RawResult<Expr> {
        let loc = self.loc();
        self.expect_kw("yield")?;
        if !matches!(self.context, Context::Function { .. }) {
            return self.err("'yield' outside function", loc);
        }
        if self.eat_kw("from") {
            let value = self.test()?;
            return Ok(Expr {
                kind: ExprKind::YieldFrom(Box::new(value)),
                loc,
            });
        }
        let value = if self.starts_expr() && !self.is_kw("yield") {
            Some(Box::new(self.testlist_star()?))
        } else {
            None
        };
        Ok(Expr {
            kind: ExprKind::Yield(value),
            loc,
        })
    }

    fn test(&mut self) -> RawResult<Expr> {
        self.enter()?;
        let result = self.test_inner();
        self.leave();
        result
    }

    fn test_inner(&mut self) -> RawResult<Expr> {
        if self.is_kw("lambda") {
            return self.lambda();
        }
        let loc = self.loc();
        let body = self.or_test()?;
        if self.is_op(":=") {
            return self.unsupported("assignment expression (:=)", self.loc());
        }
        if self.eat_kw("if") {
            let test = self.or_test()?;
            if !self.eat_kw("else") {
                return self.err("expected 'else' after 'if' expression", self.loc());
            }
            let orelse = self.test()?;
            return Ok(Expr {
                kind: ExprKind::IfExp {
                    test: Box::new(test),
                    body: Box::new(body),
                    orelse: Box::new(orelse),
                },
                loc,
            });
        }
        Ok(body)
    }

    fn lambda(&mut self) -> RawResult<Expr> {
        let loc = self.loc();
        self.expect_kw("lambda")?;
        let params = self.params(":", false)?;
        self.expect_op(":")?;
        let id = self.new_scope();
        let saved = (self.context, self.loop_depth);
        self.context = Context::Function { is_async: false };
        self.loop_depth = 0;
        let body = self.test();
        (self.context, self.loop_depth) = saved;
        let body = body?;
        let body_loc = body.loc;
        let def = FunctionDef {
            id,
            name: "<lambda>".to_string(),
            params,
            body: vec![Stmt {
                kind: StmtKind::Return(Some(body)),
                loc: body_loc,
            }],
            decorators: Vec::new(),
            is_async: false,
            is_lambda: true,
            loc,
        };
        Ok(Expr {
            kind: ExprKind::Lambda(Box::new(def)),
            loc,
        })
    }

    fn or_test(&mut self) -> RawResult<Expr> {
        let loc = self.loc();
        let first = self.and_test()?;
        if !self.is_kw("or") {
            return Ok(first);
        }
        let mut values = vec![first];
        while self.eat_kw("or") {
            values.push(self.and_test()?);
        }
        Ok(Expr {
            kind: ExprKind::BoolOp(false, values),
            loc,
        })
    }

    fn and_test(&mut self) -> RawResult<Expr> {
        let loc = self.loc();
        let first = self.not_test()?;
        if !self.is_kw("and") {
            return Ok(first);
        }
        let mut values = vec![first];
        while self.eat_kw("and") {
            values.push(self.not_test()?);
        }
        Ok(Expr {
            kind: ExprKind::BoolOp(true, values),
            loc,
        })
    }

    fn not_test(&mut self) -> RawResult<Expr> {
        let loc = self.loc();
        if self.eat_kw("not") {
            self.enter()?;
            let operand = self.not_test();
            self.leave();
            return Ok(Expr {
                kind: ExprKind::Unary(UnaryOp::Not, Box::new(operand?)),
                loc,
            });
        }
        self.comparison()
    }

    fn comp_op(&mut self) -> Option<CmpKind> {
        let kind = match self.peek() {
            Tok::Op("<") => CmpKind::Rich(CmpOp::Lt),
            Tok::Op("<=") => CmpKind::Rich(CmpOp::Le),
            Tok::Op("==") => CmpKind::Rich(CmpOp::Eq),
            Tok::Op("!=") => CmpKind::Rich(CmpOp::Ne),
            Tok::Op(">") => CmpKind::Rich(CmpOp::Gt),
            Tok::Op(">=") => CmpKind::Rich(CmpOp::Ge),
            Tok::Kw("in") => CmpKind::In,
            Tok::Kw("not") if matches!(self.peek_at(1), Tok::Kw("in")) => {
                self.pos += 2;
                return Some(CmpKind::NotIn);
            }
            Tok::Kw("is") => {
                if matches!(self.peek_at(1), Tok::Kw("not")) {
                    self.pos += 2;
                    return Some(CmpKind::IsNot);
                }
                CmpKind::Is
            }
            _ => return None,
        };
        self.pos += 1;
        Some(kind)
    }

    fn comparison(&mut self) -> RawResult<Expr> {
        let loc = self.loc();
        let left = self.bitor()?;
        let mut ops = Vec::new();
        while let Some(op) = self.comp_op() {
            ops.push((op, self.bitor()?));
            if ops.len() as u32 + self.depth > MAX_CHAIN {
                return self.err("expression too deeply nested", loc);
            }
        }
        if ops.is_empty() {
            return Ok(left);
        }
        Ok(Expr {
            kind: ExprKind::Compare(Box::new(left), ops),
            loc,
        })
    }

    fn bitor(&mut self) -> RawResult<Expr> {
        self.binary(1)
    }

    /// Precedence climbing over the left-associative binary operators.
    fn binary(&mut self, min_prec: u8) -> RawResult<Expr> {
        let mut left = if min_prec >= 7 {
            self.factor()?
        } else {
            self.binary(min_prec + 1)?
        };
        let mut chain = 0u32;
        loop {
            let (prec, op) = match self.peek() {
                Tok::Op("@") if min_prec == 6 => {
                    return self.unsupported("matrix multiplication (@)", self.loc())
                }
                Tok::Op(o) => match binop_for(o) {
                    Some((p, op)) if p == min_prec => (p, op),
                    _ => break,
                },
                _ => break,
            };
            let loc = left.loc;
            self.pos += 1;
            chain += 1;
            if chain + self.depth > MAX_CHAIN {
                return self.err("expression too deeply nested", loc);
            }
            let right = if prec >= 6 {
                self.factor()?
            } else {
                self.binary(prec + 1)?
            };
            left = Expr {
                kind: ExprKind::Binary(Box::new(left), op, Box::new(right)),
                loc,
            };
        }
        // Nested chains count toward the depth of whatever contains them.
        Ok(left)
    }

    fn factor(&mut self) -> RawResult<Expr> {
        let loc = self.loc();
        let op = match self.peek() {
            Tok::Op("-") => UnaryOp::Neg,
            Tok::Op("+") => UnaryOp::Pos,
            Tok::Op("~") => UnaryOp::Invert,
            _ => return self.power(),
        };
        self.pos += 1;
        self.enter()?;
        let operand = self.factor();
        self.leave();
        let operand = operand?;
        if op == UnaryOp::Neg {
            let folded = match &operand.kind {
                ExprKind::Const(Const::Int(v)) => v.checked_neg().map(Const::Int),
                ExprKind::Const(Const::BigInt(s)) if s == "9223372036854775808" => {
                    Some(Const::Int(i64::MIN))
                }
                ExprKind::Const(Const::BigInt(s)) => Some(Const::BigInt(format!("-{s}"))),
                ExprKind::Const(Const::Float(f)) => Some(Const::Float(-f)),
                _ => None,
            };
            if let Some(c) = folded {
                return Ok(Expr {
                    kind: ExprKind::Const(c),
                    loc,
                });
            }
        }
        Ok(Expr {
            kind: ExprKind::Unary(op, Box::new(operand)),
            loc,
        })
    }

    fn power(&mut self) -> RawResult<Expr> {
        let loc = self.loc();
        let base = if self.is_kw("await") {
            self.pos += 1;
            match self.context {
                Context::Function { is_async: true } => {}
                Context::Function { is_async: false } => {
                    return self.err("'await' outside async function", loc)
                }
                _ => return self.err("'await' outside function", loc),
            }
            self.enter()?;
            let inner = self.primary();
            self.leave();
            Expr {
                kind: ExprKind::Await(Box::new(inner?)),
                loc,
            }
        } else {
            self.primary()?
        };
        if self.eat_op("**") {
            self.enter()?;
            let exp = self.factor();
            self.leave();
            return Ok(Expr {
                kind: ExprKind::Binary(Box::new(base), BinOp::Pow, Box::new(exp?)),
                loc,
            });
        }
        Ok(base)
    }

    fn primary(&mut self) -> RawResult<Expr> {
        let mut e = self.atom()?;
        let mut trailers = 0u32;
        loop {
            let loc = e.loc;
            if self.eat_op("(") {
                let args = self.call_args()?;
                self.expect_op(")")?;
                e = Expr {
                    kind: ExprKind::Call {
                        func: Box::new(e),
                        args,
                    },
                    loc,
                };
            } else if self.eat_op("[") {
                let index = self.subscript_list()?;
                self.expect_op("]")?;
                e = Expr {
                    kind: ExprKind::Subscript(Box::new(e), Box::new(index)),
                    loc,
                };
            } else if self.eat_op(".") {
                let name = self.expect_name()?;
                e = Expr {
                    kind: ExprKind::Attribute(Box::new(e), name),
                    loc,
                };
            } else {
                break;
            }
            trailers += 1;
            if trailers + self.depth > MAX_CHAIN {
                return self.err("expression too deeply nested", loc);
            }
        }
        Ok(e)
    }

    fn subscript_list(&mut self) -> RawResult<Expr> {
        let loc = self.loc();
        let first = self.subscript()?;
        if !self.is_op(",") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.is_op("]") {
                break;
            }
            items.push(self.subscript()?);
        }
        Ok(Expr {
            kind: ExprKind::Tuple(items),
            loc,
        })
    }

    fn subscript(&mut self) -> RawResult<Expr> {
        let loc = self.loc();
        let lower = if self.is_op(":") {
            None
        } else {
            Some(self.star_or_test()?)
        };
        if !self.eat_op(":") {
            return lower.map_or_else(|| self.error_here(), Ok);
        }
        let ends = |p: &Self| p.is_op("]") || p.is_op(",") || p.is_op(":");
        let upper = if ends(self) {
            None
        } else {
            Some(Box::new(self.test()?))
        };
        let step = if self.eat_op(":") {
            if self.is_op("]") || self.is_op(",") {
                None
            } else {
                Some(Box::new(self.test()?))
            }
        } else {
            None
        };
        Ok(Expr {
            kind: ExprKind::Slice(lower.map(Box::new), upper, step),
            loc,
        })
    }

    fn call_args(&mut self) -> RawResult<Vec<Arg>> {
        let mut args = Vec::new();
        let mut seen_keyword = false;
        let mut seen_double_star = false;
        while !self.is_op(")") {
            let loc = self.loc();
            if self.eat_op("**") {
                args.push(Arg::DoubleStar(self.test()?));
                seen_double_star = true;
            } else if self.eat_op("*") {
                if seen_double_star {
                    return self.err(
                        "iterable argument unpacking follows keyword argument unpacking",
                        loc,
                    );
                }
                args.push(Arg::Star(self.test()?));
            } else if matches!(self.peek(), Tok::Name(_)) && matches!(self.peek_at(1), Tok::Op("="))
            {
                let name = self.expect_name()?;
                self.pos += 1;
                if args
                    .iter()
                    .any(|a| matches!(a, Arg::Keyword(k, _) if *k == name))
                {
                    return self.err(format!("keyword argument repeated: {name}"), loc);
                }
                args.push(Arg::Keyword(name, self.test()?));
                seen_keyword = true;
            } else {
                let value = self.test()?;
                if self.is_op("=") {
                    return self.err(
                        "expression cannot contain assignment, perhaps you meant \"==\"?",
                        value.loc,
                    );
                }
                if self.is_kw("for") || self.is_kw("async") {
                    let comp = self.comprehension(CompKind::Generator, value, None, loc)?;
                    if !args.is_empty() || !self.is_op(")") {
                        return self.err("Generator expression must be parenthesized", loc);
                    }
                    args.push(Arg::Positional(comp));
                    continue;
                }
                if seen_double_star {
                    return self.err(
                        "positional argument follows keyword argument unpacking",
                        value.loc,
                    );
                }
                if seen_keyword {
                    return self.err("positional argument follows keyword argument", value.loc);
                }
                args.push(Arg::Positional(value));
            }
            if !self.eat_op(",") {
                break;
            }
        }
        Ok(args)
    }

    fn comprehension(
        &mut self,
        kind: CompKind,
        elt: Expr,
        value: Option<Expr>,
        loc: Loc,
    ) -> RawResult<Expr> {
        let id = self.new_scope();
        let mut generators = Vec::new();
        loop {
            if self.is_kw("async") {
                return self.unsupported("async comprehension", self.loc());
            }
            if !self.eat_kw("for") {
                break;
            }
            let target = self.exprlist()?;
            self.check_target(&target, false)?;
            self.expect_kw("in")?;
            let iter = self.or_test()?;
            let mut ifs = Vec::new();
            while self.eat_kw("if") {
                ifs.push(self.or_test()?);
            }
            generators.push(CompFor { target, iter, ifs });
        }
        Ok(Expr {
            kind: ExprKind::Comp(Box::new(Comprehension {
                id,
                kind,
                elt,
                value,
                generators,
            })),
            loc,
        })
    }

    fn atom(&mut self) -> RawResult<Expr> {
        let loc = self.loc();
        let kind = match self.peek().clone() {
            Tok::Name(n) => {
                self.pos += 1;
                ExprKind::Name(n)
            }
            Tok::Int(v) => {
                self.pos += 1;
                ExprKind::Const(Const::Int(v))
            }
            Tok::BigInt(s) => {
                self.pos += 1;
                ExprKind::Const(Const::BigInt(s))
            }
            Tok::Float(f) => {
                self.pos += 1;
                ExprKind::Const(Const::Float(f))
            }
            Tok::Str(_) => return self.strings(),
            Tok::Kw("None") => {
                self.pos += 1;
                ExprKind::Const(Const::None)
            }
            Tok::Kw("True") => {
                self.pos += 1;
                ExprKind::Const(Const::Bool(true))
            }
            Tok::Kw("False") => {
                self.pos += 1;
                ExprKind::Const(Const::Bool(false))
            }
            Tok::Op("...") => {
                self.pos += 1;
                ExprKind::Const(Const::Ellipsis)
            }
            Tok::Op("(") => {
                self.pos += 1;
                return self.paren_atom(loc);
            }
            Tok::Op("[") => {
                self.pos += 1;
                return self.list_atom(loc);
            }
            Tok::Op("{") => {
                self.pos += 1;
                return self.brace_atom(loc);
            }
            _ => return self.error_here(),
        };
        Ok(Expr { kind, loc })
    }

    fn paren_atom(&mut self, loc: Loc) -> RawResult<Expr> {
        if self.eat_op(")") {
            return Ok(Expr {
                kind: ExprKind::Tuple(Vec::new()),
                loc,
            });
        }
        if self.is_kw("yield") {
            let e = self.yield_expr()?;
            self.expect_op(")")?;
            return Ok(e);
        }
        let first = self.star_or_test()?;
        if self.is_kw("for") || self.is_kw("async") {
            let comp = self.comprehension(CompKind::Generator, first, None, loc)?;
            self.expect_op(")")?;
            return Ok(comp);
        }
        if !self.is_op(",") {
            self.expect_op(")")?;
            if let ExprKind::Starred(_) = first.kind {
                return self.err("cannot use starred expression here", first.loc);
            }
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.is_op(")") {
                break;
            }
            items.push(self.star_or_test()?);
        }
        self.expect_op(")")?;
        Ok(Expr {
            kind: ExprKind::Tuple(items),
            loc,
        })
    }

    fn list_atom(&mut self, loc: Loc) -> RawResult<Expr> {
        if self.eat_op("]") {
            return Ok(Expr {
                kind: ExprKind::List(Vec::new()),
                loc,
            });
        }
        let first = self.star_or_test()?;
        if self.is_kw("for") || self.is_kw("async") {
            let comp = self.comprehension(CompKind::List, first, None, loc)?;
            self.expect_op("]")?;
            return Ok(comp);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.is_op("]") {
                break;
            }
            items.push(self.star_or_test()?);
        }
        self.expect_op("]")?;
        Ok(Expr {
            kind: ExprKind::List(items),
            loc,
        })
    }

    fn brace_atom(&mut self, loc: Loc) -> RawResult<Expr> {
        if self.eat_op("}") {
            return Ok(Expr {
                kind: ExprKind::Dict(Vec::new()),
                loc,
            });
        }
        let first_item = if self.eat_op("**") {
            DictItem::Unpack(self.bitor()?)
        } else {
            let key = self.star_or_test()?;
            if !self.eat_op(":") {
                // A set display or set comprehension.
                if self.is_kw("for") || self.is_kw("async") {
                    let comp = self.comprehension(CompKind::Set, key, None, loc)?;
                    self.expect_op("}")?;
                    return Ok(comp);
                }
                let mut items = vec![key];
                while self.eat_op(",") {
                    if self.is_op("}") {
                        break;
                    }
                    items.push(self.star_or_test()?);
                }
                self.expect_op("}")?;
                return Ok(Expr {
                    kind: ExprKind::Set(items),
                    loc,
                });
            }
            let value = self.test()?;
            if self.is_kw("for") || self.is_kw("async") {
                let comp = self.comprehension(CompKind::Dict, key, Some(value), loc)?;
                self.expect_op("}")?;
                return Ok(comp);
            }
            DictItem::Pair(key, value)
        };
        let mut items = vec![first_item];
        while self.eat_op(",") {
            if self.is_op("}") {
                break;
            }
            if self.eat_op("**") {
                items.push(DictItem::Unpack(self.bitor()?));
            } else {
                let key = self.test()?;
                if !self.eat_op(":") {
                    return self.err("':' expected after dictionary key", key.loc);
                }
                items.push(DictItem::Pair(key, self.test()?));
            }
        }
        self.expect_op("}")?;
        Ok(Expr {
            kind: ExprKind::Dict(items),
            loc,
        })
    }

    // ---- string literals ----------------------------------------------------

    /// Adjacent string literals, concatenated.
    fn strings(&mut self) -> RawResult<Expr> {
        let loc = self.loc();
        let mut pieces: Vec<(StrToken, Loc)> = Vec::new();
        while let Tok::Str(s) = self.peek().clone() {
            pieces.push((s, self.loc()));
            self.pos += 1;
        }
        let bytes = pieces
            .iter()
            .filter(|(p, _)| p.kind == StrKind::Bytes)
            .count();
        if bytes > 0 && bytes < pieces.len() {
            return self.err("cannot mix bytes and nonbytes literals", loc);
        }
        if bytes > 0 {
            let mut out = Vec::new();
            for (p, l) in &pieces {
                out.extend(literal::decode_bytes(&p.body, p.raw, l.line, l.col)?);
            }
            return Ok(Expr {
                kind: ExprKind::Const(Const::Bytes(out)),
                loc,
            });
        }
        if pieces.iter().all(|(p, _)| p.kind == StrKind::Str) {
            let mut out = String::new();
            for (p, l) in &pieces {
                out.push_str(&literal::decode_str(&p.body, p.raw, l.line, l.col)?);
            }
            return Ok(Expr {
                kind: ExprKind::Const(Const::Str(out)),
                loc,
            });
        }
        let mut parts = Vec::new();
        for (p, l) in &pieces {
            if p.kind == StrKind::FString {
                let sub = self.fstring(&p.body, p.raw, *l, 0)?;
                parts.extend(sub);
            } else {
                parts.push(FPart::Lit(literal::decode_str(
                    &p.body, p.raw, l.line, l.col,
                )?));
            }
        }
        Ok(Expr {
            kind: ExprKind::FString(merge_literals(parts)),
            loc,
        })
    }

    /// Split an f-string body into literal text and replacement fields.
    fn fstring(&mut self, body: &str, raw: bool, loc: Loc, nesting: u32) -> RawResult<Vec<FPart>> {
        if nesting > 1 {
            return self.err("f-string: expressions nested too deeply", loc);
        }
        let chars: Vec<char> = body.chars().collect();
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut i = 0;
        let flush = |lit: &mut String, parts: &mut Vec<FPart>| -> RawResult<()> {
            if !lit.is_empty() {
                parts.push(FPart::Lit(literal::decode_str(
                    lit, raw, loc.line, loc.col,
                )?));
                lit.clear();
            }
            Ok(())
        };
        while i < chars.len() {
            let c = chars[i];
            match c {
                '{' if chars.get(i + 1) == Some(&'{') => {
                    lit.push('{');
                    i += 2;
                }
                '}' if chars.get(i + 1) == Some(&'}') => {
                    lit.push('}');
                    i += 2;
                }
                '}' => return self.err("f-string: single '}' is not allowed", loc),
                '{' => {
                    flush(&mut lit, &mut parts)?;
                    i = self.fstring_field(&chars, i + 1, raw, loc, nesting, &mut parts)?;
                }
                '\\' if !raw => {
                    lit.push(c);
                    if let Some(&n) = chars.get(i + 1) {
                        lit.push(n);
                    }
                    i += 2;
                }
                _ => {
                    lit.push(c);
                    i += 1;
                }
            }
        }
        flush(&mut lit, &mut parts)?;
        Ok(parts)
    }

    /// Parse one `{...}` field starting after the `{`; returns the index
    /// after its closing `}`.
    fn fstring_field(
        &mut self,
        chars: &[char],
        start: usize,
        raw: bool,
        loc: Loc,
        nesting: u32,
        parts: &mut Vec<FPart>,
    ) -> RawResult<usize> {
        let mut i = start;
        let mut depth = 0i32;
        let mut quote: Option<char> = None;
        let mut self_doc = false;
        while i < chars.len() {
            let c = chars[i];
            if let Some(q) = quote {
                if c == q {
                    quote = None;
                }
                i += 1;
                continue;
            }
            match c {
                '\\' => {
                    return self.err("f-string expression part cannot include a backslash", loc)
                }
                '\'' | '"' => quote = Some(c),
                '(' | '[' | '{' => depth += 1,
                ')' | ']' => depth -= 1,
                '}' if depth > 0 => depth -= 1,
                '}' | ':' if depth == 0 => break,
                '!' if depth == 0 && chars.get(i + 1) != Some(&'=') => break,
                '=' if depth == 0 => {
                    let prev = if i > start {
                        chars.get(i - 1).copied()
                    } else {
                        None
                    };
                    let next = chars.get(i + 1).copied();
                    if next != Some('=') && !matches!(prev, Some('=' | '!' | '<' | '>')) {
                        self_doc = true;
                        break;
                    }
                    if next == Some('=') {
                        i += 1;
                    }
                }
                '#' => return self.err("f-string expression part cannot include '#'", loc),
                _ => {}
            }
            i += 1;
        }
        let expr_text: String = chars.get(start..i).unwrap_or(&[]).iter().collect();
        if expr_text.trim().is_empty() {
            return self.err("f-string: empty expression not allowed", loc);
        }
        if self_doc {
            i += 1;
            while chars.get(i).is_some_and(|c| c.is_whitespace()) {
                i += 1;
            }
            let text: String = chars.get(start..i).unwrap_or(&[]).iter().collect();
            parts.push(FPart::Lit(text));
        }
        let mut conv = None;
        if chars.get(i) == Some(&'!') {
            conv = Some(match chars.get(i + 1) {
                Some('r') => Conversion::Repr,
                Some('s') => Conversion::Str,
                Some('a') => Conversion::Ascii,
                _ => {
                    return self.err(
                        "f-string: invalid conversion character: expected 's', 'r', or 'a'",
                        loc,
                    )
                }
            });
            i += 2;
        }
        let mut spec = None;
        if chars.get(i) == Some(&':') {
            i += 1;
            let spec_start = i;
            let mut depth = 0i32;
            while i < chars.len() {
                match chars[i] {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    _ => {}
                }
                i += 1;
            }
            let spec_text: String = chars.get(spec_start..i).unwrap_or(&[]).iter().collect();
            spec = Some(self.fstring(&spec_text, raw, loc, nesting + 1)?);
        }
        if chars.get(i) != Some(&'}') {
            return self.err("f-string: expecting '}'", loc);
        }
        let expr = self.fstring_expr(&expr_text, loc)?;
        let conv = conv.unwrap_or(if self_doc && spec.is_none() {
            Conversion::Repr
        } else {
            Conversion::None
        });
        parts.push(FPart::Field {
            expr: Box::new(expr),
            conv,
            spec,
        });
        Ok(i + 1)
    }

    /// Parse an f-string replacement expression with a nested parser that
    /// shares this parser's scope numbering and context.
    fn fstring_expr(&mut self, text: &str, loc: Loc) -> RawResult<Expr> {
        let wrapped = format!("({text})");
        let tokens = lexer::tokenize_fragment(&wrapped, loc.line, loc.col)?;
        let mut sub = Parser::new(tokens, self.next_scope);
        sub.context = self.context;
        sub.depth = self.depth + 1;
        let expr = sub.testlist_star()?;
        if !matches!(sub.peek(), Tok::Newline | Tok::EndMarker) {
            return self.err("f-string: invalid syntax", loc);
        }
        self.next_scope = sub.next_scope;
        Ok(expr)
    }
}

/// Join adjacent literal parts.
fn merge_literals(parts: Vec<FPart>) -> Vec<FPart> {
    let mut out: Vec<FPart> = Vec::new();
    for part in parts {
        match (out.last_mut(), part) {
            (Some(FPart::Lit(prev)), FPart::Lit(s)) => prev.push_str(&s),
            (_, FPart::Lit(s)) if s.is_empty() => {}
            (_, part) => out.push(part),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> RawResult<Module> {
        parse_module(lexer::tokenize(src)?)
    }

    fn first_expr(src: &str) -> ExprKind {
        match parse(src).unwrap().body.remove(0).kind {
            StmtKind::Expr(e) => e.kind,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn precedence() {
        match first_expr("1 + 2 * 3 ** -4") {
            ExprKind::Binary(_, BinOp::Add, right) => {
                assert!(matches!(right.kind, ExprKind::Binary(_, BinOp::Mul, _)))
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(first_expr("a < b <= c"), ExprKind::Compare(_, ops) if ops.len() == 2));
        assert!(
            matches!(first_expr("a is not b"), ExprKind::Compare(_, ops) if ops[0].0 == CmpKind::IsNot)
        );
        assert!(
            matches!(first_expr("a not in b"), ExprKind::Compare(_, ops) if ops[0].0 == CmpKind::NotIn)
        );
        assert!(matches!(first_expr("-5"), ExprKind::Const(Const::Int(-5))));
    }

    #[test]
    fn fstrings() {
        match first_expr("f'a{x!r:>{w}}b{{c}}{y=}'") {
            ExprKind::FString(parts) => {
                assert_eq!(parts.len(), 4, "{parts:?}");
                assert_eq!(parts[2], FPart::Lit("b{c}y=".into()));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn statements() {
        let m = parse(
            "a = b = 1\nx: int = 2\nfor i, *j in y:\n    break\nelse:\n    pass\n\
             def f(a, /, b=1, *c, d, e=2, **g):\n    return lambda q: q\n\
             class C(B):\n    def m(self):\n        super().m()\n\
             try:\n    pass\nexcept (A, B) as e:\n    raise X from e\nelse:\n    pass\nfinally:\n    pass\n\
             with a as b, c:\n    del x[1:2, ::3]\n",
        )
        .unwrap();
        assert_eq!(m.body.len(), 7);
    }

    #[test]
    fn errors() {
        let e = |s: &str| parse(s).unwrap_err();
        assert_eq!(e("return 1\n").message, "'return' outside function");
        assert_eq!(e("break\n").message, "'break' outside loop");
        assert_eq!(e("continue\n").message, "'continue' not properly in loop");
        assert_eq!(e("yield 1\n").message, "'yield' outside function");
        assert_eq!(
            e("def f():\n    await x\n").message,
            "'await' outside async function"
        );
        assert_eq!(
            e("nonlocal x\n").message,
            "nonlocal declaration not allowed at module level"
        );
        assert_eq!(
            e("match x:\n    case 1: pass\n").kind,
            ErrorKind::Unsupported
        );
        assert_eq!(e("if (n := 1): pass\n").kind, ErrorKind::Unsupported);
        assert_eq!(e("class A(B, C): pass\n").kind, ErrorKind::Unsupported);
        assert_eq!(e("x = a @ b\n").kind, ErrorKind::Unsupported);
        assert_eq!(
            e("async def f():\n    async for x in y: pass\n").kind,
            ErrorKind::Unsupported
        );
        assert_eq!(
            e("f() = 1\n").message,
            "cannot assign to function call here. Maybe you meant '==' instead of '='?"
        );
        assert_eq!(e("if x:\npass\n").kind, ErrorKind::Indentation);
        assert!(e(&"(".repeat(10_000))
            .message
            .contains("too many nested parentheses"));
        assert!(parse(&format!("x = {}1", "-".repeat(10_000))).is_err());
        assert!(parse("match = 1\nmatch.x = 2\nmatch(a)\n").is_ok());
    }
}
