//! The emitter: AST plus symbol tables to immutable code objects, following
//! `bytecode.rs` exactly. Control flow uses labels patched to absolute
//! targets; every backward jump is `JumpBackward`. Exception handling uses
//! the zero-cost table: each instruction records its innermost handler
//! while it is emitted, and runs of equal handlers become table entries.
//! `return`/`break`/`continue` unwind the enclosing blocks (finally bodies
//! inlined, `with` exits called, handled exceptions restored).

use std::collections::HashMap;
use std::sync::Arc;

use crate::ast::*;
use crate::bytecode::{
    make_function, CodeFlags, CodeObject, Constant, ExceptionEntry, Instr, Location, Slot, UnaryOp,
};
use crate::error::{RawError, RawResult};
use crate::outside_builtins::is_outside_builtin;
use crate::scope::{qualnames, Access, Scope, ScopeKind, ScopeTable};
use crate::stackdepth;

/// Compile a module whose scopes have been analysed.
pub fn emit_module(
    module: &Module,
    scopes: &ScopeTable,
    filename: &str,
) -> RawResult<Arc<CodeObject>> {
    let mut emitter = Emitter {
        scopes,
        qualnames: qualnames(scopes),
        filename: Arc::from(filename),
        unit: Unit::new(0, Loc { line: 1, col: 1 }),
        future_annotations: module.future_annotations,
    };
    let doc = docstring(&module.body);
    if let Some(doc) = &doc {
        emitter.load_const(Constant::Str(Arc::from(doc.as_str())))?;
        let idx = emitter.name_index("__doc__")?;
        emitter.emit(Instr::StoreGlobal { name: idx });
    }
    emitter.stmts(&module.body)?;
    emitter.load_const(Constant::None)?;
    emitter.emit(Instr::Return);
    let unit = std::mem::replace(&mut emitter.unit, Unit::new(0, Loc::default()));
    emitter.finish(
        unit,
        "<module>",
        "<module>",
        CodeFlags(CodeFlags::MODULE),
        (0, 0, 0),
        doc,
    )
}

fn docstring(body: &[Stmt]) -> Option<String> {
    match body.first().map(|s| &s.kind) {
        Some(StmtKind::Expr(Expr {
            kind: ExprKind::Const(Const::Str(s)),
            ..
        })) => Some(s.clone()),
        _ => None,
    }
}

type Label = usize;

/// A block that `return`/`break`/`continue` must unwind through.
#[derive(Clone)]
enum BlockKind<'a> {
    Loop {
        is_for: bool,
        start: Label,
        end: Label,
    },
    TryExcept,
    TryFinally {
        body: &'a [Stmt],
    },
    /// Running a finally body for an exception: stack holds prev, exc.
    FinallyHandler,
    /// Inside `with`: the bound `__exit__` is on the stack.
    With,
    /// Inside an except body: the previous exception is on the stack.
    HandlerBody {
        name: Option<String>,
    },
    /// Code that only needs a handler (no user statements inside).
    Cleanup,
}

#[derive(Clone)]
struct Block<'a> {
    kind: BlockKind<'a>,
    handler: Option<(Label, u32)>,
}

impl Block<'_> {
    /// Values this block keeps on the stack under the code it contains.
    fn stack_items(&self) -> u32 {
        match self.kind {
            BlockKind::Loop { is_for: true, .. }
            | BlockKind::With
            | BlockKind::HandlerBody { .. } => 1,
            BlockKind::FinallyHandler => 2,
            _ => 0,
        }
    }
}

/// One code object under construction.
struct Unit<'a> {
    scope: ScopeId,
    code: Vec<Instr>,
    locations: Vec<Location>,
    handlers: Vec<Option<(Label, u32)>>,
    labels: Vec<Option<u32>>,
    consts: Vec<Constant>,
    const_index: HashMap<String, u32>,
    names: Vec<Arc<str>>,
    name_index: HashMap<String, u32>,
    num_slots: u32,
    blocks: Vec<Block<'a>>,
    /// Values above the blocks' items (a preserved return value).
    extra_depth: u32,
    loc: Loc,
    first_line: u32,
}

impl Unit<'_> {
    fn new(scope: ScopeId, loc: Loc) -> Self {
        Unit {
            scope,
            code: Vec::new(),
            locations: Vec::new(),
            handlers: Vec::new(),
            labels: Vec::new(),
            consts: Vec::new(),
            const_index: HashMap::new(),
            names: Vec::new(),
            name_index: HashMap::new(),
            num_slots: 0,
            blocks: Vec::new(),
            extra_depth: 0,
            loc,
            first_line: loc.line,
        }
    }
}

struct Emitter<'a> {
    scopes: &'a ScopeTable,
    qualnames: HashMap<ScopeId, String>,
    filename: Arc<str>,
    unit: Unit<'a>,
    future_annotations: bool,
}

fn too_many(what: &str, loc: Loc) -> RawError {
    RawError::syntax(
        format!("too many {what} in one code object"),
        loc.line,
        loc.col,
    )
}

impl<'a> Emitter<'a> {
    // ---- low-level emission ---------------------------------------------------

    fn scope(&self) -> &'a Scope {
        let scopes: &'a ScopeTable = self.scopes;
        // Every unit is created for a scope the analysis produced.
        match scopes.get(self.unit.scope) {
            Some(s) => s,
            None => &scopes.scopes[0],
        }
    }

    fn emit(&mut self, instr: Instr) {
        let handler = self.unit.blocks.iter().rev().find_map(|b| b.handler);
        self.unit.code.push(instr);
        self.unit.locations.push(Location {
            line: self.unit.loc.line,
            col: self.unit.loc.col,
        });
        self.unit.handlers.push(handler);
    }

    fn new_label(&mut self) -> Label {
        self.unit.labels.push(None);
        self.unit.labels.len() - 1
    }

    fn bind(&mut self, label: Label) {
        let pos = self.unit.code.len() as u32;
        if let Some(slot) = self.unit.labels.get_mut(label) {
            *slot = Some(pos);
        }
    }

    /// An unconditional jump; backward when the label is already bound.
    fn jump(&mut self, label: Label) {
        if self.unit.labels.get(label).copied().flatten().is_some() {
            self.emit(Instr::JumpBackward {
                target: label as u32,
            });
        } else {
            self.emit(Instr::Jump {
                target: label as u32,
            });
        }
    }

    fn slot(&mut self) -> RawResult<Slot> {
        let s = self.unit.num_slots;
        if s > u32::from(Slot::MAX) {
            return Err(too_many("feedback slots", self.unit.loc));
        }
        self.unit.num_slots += 1;
        Ok(s as Slot)
    }

    /// A `Subscr`'s slots: its operands' kinds, then its results' kinds
    /// at the next slot (`Instr::Subscr`).
    fn subscr_slot(&mut self) -> RawResult<Slot> {
        let slot = self.slot()?;
        self.slot()?;
        Ok(slot)
    }

    fn const_index(&mut self, c: Constant) -> RawResult<u32> {
        let key = match &c {
            Constant::Code(_) => None,
            other => Some(format!("{other:?}")),
        };
        if let Some(k) = &key {
            if let Some(&i) = self.unit.const_index.get(k) {
                return Ok(i);
            }
        }
        let idx = u32::try_from(self.unit.consts.len())
            .map_err(|_| too_many("constants", self.unit.loc))?;
        self.unit.consts.push(c);
        if let Some(k) = key {
            self.unit.const_index.insert(k, idx);
        }
        Ok(idx)
    }

    fn load_const(&mut self, c: Constant) -> RawResult<()> {
        let idx = self.const_index(c)?;
        self.emit(Instr::LoadConst { idx });
        Ok(())
    }

    fn name_index(&mut self, name: &str) -> RawResult<u32> {
        if let Some(&i) = self.unit.name_index.get(name) {
            return Ok(i);
        }
        let idx =
            u32::try_from(self.unit.names.len()).map_err(|_| too_many("names", self.unit.loc))?;
        self.unit.names.push(Arc::from(name));
        self.unit.name_index.insert(name.to_string(), idx);
        Ok(idx)
    }

    fn base_depth(&self) -> u32 {
        self.unit.blocks.iter().map(Block::stack_items).sum::<u32>() + self.unit.extra_depth
    }

    fn push_block(&mut self, kind: BlockKind<'a>, handler: Option<(Label, u32)>) {
        self.unit.blocks.push(Block { kind, handler });
    }

    fn pop_block(&mut self) {
        self.unit.blocks.pop();
    }

    /// Turn a finished unit into a code object.
    fn finish(
        &self,
        unit: Unit<'a>,
        name: &str,
        qualname: &str,
        flags: CodeFlags,
        counts: (u32, u32, u32),
        doc: Option<String>,
    ) -> RawResult<Arc<CodeObject>> {
        let scope = self
            .scopes
            .get(unit.scope)
            .unwrap_or(&self.scopes.scopes[0]);
        let label_pos = |l: u32| unit.labels.get(l as usize).copied().flatten().unwrap_or(0);
        let mut code = unit.code;
        for instr in code.iter_mut() {
            match instr {
                Instr::Jump { target }
                | Instr::JumpBackward { target }
                | Instr::PopJumpIfFalse { target }
                | Instr::PopJumpIfTrue { target }
                | Instr::JumpIfFalseOrPop { target }
                | Instr::JumpIfTrueOrPop { target }
                | Instr::ForIter { target, .. } => *target = label_pos(*target),
                _ => {}
            }
        }
        let mut table: Vec<ExceptionEntry> = Vec::new();
        for (pc, h) in unit.handlers.iter().enumerate() {
            let Some((label, depth)) = *h else { continue };
            let handler = label_pos(label as u32);
            match table.last_mut() {
                Some(e) if e.end == pc as u32 && e.handler == handler && e.depth == depth => {
                    e.end += 1
                }
                _ => table.push(ExceptionEntry {
                    start: pc as u32,
                    end: pc as u32 + 1,
                    handler,
                    depth,
                }),
            }
        }
        let max_stack = stackdepth::max_stack(&code, &table).map_err(|pc| {
            let loc = unit.locations.get(pc).copied().unwrap_or_default();
            RawError::syntax(
                "internal compiler error: stack underflow",
                loc.line,
                loc.col,
            )
        })?;
        let varnames: Vec<Arc<str>> = scope
            .varnames
            .iter()
            .map(|v| Arc::from(v.as_str()))
            .collect();
        let cellvars: Vec<Arc<str>> = scope
            .cellvars
            .iter()
            .map(|v| Arc::from(v.as_str()))
            .collect();
        let freevars: Vec<Arc<str>> = scope
            .freevars
            .iter()
            .map(|v| Arc::from(v.as_str()))
            .collect();
        let cell_params = scope
            .cellvars
            .iter()
            .enumerate()
            .filter_map(|(ci, c)| {
                scope
                    .params
                    .iter()
                    .position(|p| p == c)
                    .map(|vi| (ci as u32, vi as u32))
            })
            .collect();
        let lazy_cells = (0..cellvars.len() as u32)
            .filter(|&i| {
                let name = scope.cellvars.get(i as usize);
                name.is_some_and(|n| scope.stable_param_cell(n).is_some())
            })
            .collect();
        let (arg_count, posonly_count, kwonly_count) = counts;
        Ok(Arc::new(CodeObject {
            name: Arc::from(name),
            qualname: Arc::from(qualname),
            filename: self.filename.clone(),
            first_line: unit.first_line.max(1),
            arg_count,
            posonly_count,
            kwonly_count,
            flags,
            varnames,
            cellvars,
            freevars,
            cell_params,
            lazy_cells,
            names: unit.names,
            consts: unit.consts,
            code,
            locations: unit.locations,
            exception_table: table,
            num_slots: unit.num_slots,
            max_stack,
            doc: doc.map(|d| Arc::from(d.as_str())),
        }))
    }

    // ---- names ------------------------------------------------------------------

    fn load_name(&mut self, name: &str) -> RawResult<()> {
        let access = self.scope().access(name);
        let reads_builtins = match access {
            Access::Global => true,
            Access::Name => !ScopeTable::class_binds(self.scope(), name),
            _ => false,
        };
        if reads_builtins && is_outside_builtin(name) && !self.scopes.binds_global(name) {
            return Err(RawError::unsupported(
                &format!("built-in '{name}'"),
                self.unit.loc.line,
                self.unit.loc.col,
            ));
        }
        let instr = match access {
            Access::Fast(idx) => Instr::LoadFast { idx },
            Access::Deref(idx) => match self.scope().stable_param_cell(name) {
                Some(param) => Instr::LoadFast { idx: param },
                None => Instr::LoadDeref { idx },
            },
            Access::Global => Instr::LoadGlobal {
                name: self.name_index(name)?,
            },
            Access::Name => Instr::LoadName {
                name: self.name_index(name)?,
            },
        };
        self.emit(instr);
        Ok(())
    }

    fn store_name(&mut self, name: &str) -> RawResult<()> {
        let instr = match self.scope().access(name) {
            Access::Fast(idx) => Instr::StoreFast { idx },
            Access::Deref(idx) => Instr::StoreDeref { idx },
            Access::Global => Instr::StoreGlobal {
                name: self.name_index(name)?,
            },
            Access::Name => Instr::StoreName {
                name: self.name_index(name)?,
            },
        };
        self.emit(instr);
        Ok(())
    }

    fn delete_name(&mut self, name: &str) -> RawResult<()> {
        let instr = match self.scope().access(name) {
            Access::Fast(idx) => Instr::DeleteFast { idx },
            Access::Deref(idx) => Instr::DeleteDeref { idx },
            Access::Global => Instr::DeleteGlobal {
                name: self.name_index(name)?,
            },
            Access::Name => Instr::DeleteName {
                name: self.name_index(name)?,
            },
        };
        self.emit(instr);
        Ok(())
    }

    // ---- statements ---------------------------------------------------------------

    fn stmts(&mut self, body: &'a [Stmt]) -> RawResult<()> {
        body.iter().try_for_each(|s| self.stmt(s))
    }

    fn stmt(&mut self, stmt: &'a Stmt) -> RawResult<()> {
        self.unit.loc = stmt.loc;
        match &stmt.kind {
            StmtKind::Expr(e) => {
                if !matches!(e.kind, ExprKind::Const(_)) {
                    self.expr(e)?;
                    self.emit(Instr::Pop);
                }
            }
            StmtKind::Assign { targets, value } => {
                self.expr(value)?;
                for (i, t) in targets.iter().enumerate() {
                    if i + 1 < targets.len() {
                        self.emit(Instr::Copy { n: 1 });
                    }
                    self.store_target(t)?;
                }
            }
            StmtKind::AugAssign { target, op, value } => self.aug_assign(target, *op, value)?,
            StmtKind::AnnAssign {
                target,
                annotation,
                value,
            } => {
                if let Some(v) = value {
                    self.expr(v)?;
                    self.store_target(target)?;
                }
                // Module and class annotations are evaluated (then dropped:
                // Kiln keeps no `__annotations__`), so a bad one fails as in CPython.
                let evaluated = matches!(self.scope().kind, ScopeKind::Module | ScopeKind::Class);
                if evaluated && !self.future_annotations {
                    self.expr(annotation)?;
                    self.emit(Instr::Pop);
                }
            }
            StmtKind::If { .. } => self.if_chain(stmt)?,
            StmtKind::While { test, body, orelse } => {
                let start = self.new_label();
                let else_label = self.new_label();
                let end = self.new_label();
                self.bind(start);
                self.jump_if(test, false, else_label)?;
                self.push_block(
                    BlockKind::Loop {
                        is_for: false,
                        start,
                        end,
                    },
                    None,
                );
                self.stmts(body)?;
                self.pop_block();
                self.unit.loc = stmt.loc;
                self.jump(start);
                self.bind(else_label);
                self.stmts(orelse)?;
                self.bind(end);
            }
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
            } => {
                self.expr(iter)?;
                self.emit(Instr::GetIter);
                let start = self.new_label();
                let else_label = self.new_label();
                let end = self.new_label();
                self.bind(start);
                let slot = self.slot()?;
                self.emit(Instr::ForIter {
                    target: else_label as u32,
                    slot,
                });
                self.push_block(
                    BlockKind::Loop {
                        is_for: true,
                        start,
                        end,
                    },
                    None,
                );
                self.store_target(target)?;
                self.stmts(body)?;
                self.pop_block();
                self.unit.loc = stmt.loc;
                self.jump(start);
                self.bind(else_label);
                self.stmts(orelse)?;
                self.bind(end);
            }
            StmtKind::Break | StmtKind::Continue => {
                let is_break = matches!(stmt.kind, StmtKind::Break);
                self.unwind(false, Some(is_break), stmt.loc)?;
            }
            StmtKind::Return(value) => {
                match value {
                    Some(v) => self.expr(v)?,
                    None => self.load_const(Constant::None)?,
                }
                self.unit.loc = stmt.loc;
                self.unwind(true, None, stmt.loc)?;
                self.emit(Instr::Return);
            }
            StmtKind::FunctionDef(def) => {
                for d in &def.decorators {
                    self.expr(d)?;
                }
                self.make_function(def)?;
                for _ in &def.decorators {
                    let slot = self.slot()?;
                    self.emit(Instr::Call { argc: 1, slot });
                }
                self.store_name(&def.name)?;
            }
            StmtKind::ClassDef(def) => self.class_def(def)?,
            StmtKind::Global(_) | StmtKind::Nonlocal(_) | StmtKind::Pass => {}
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finalbody,
            } => {
                if finalbody.is_empty() {
                    self.try_except(body, handlers, orelse)?;
                } else {
                    self.try_finally(body, handlers, orelse, finalbody)?;
                }
            }
            StmtKind::Raise { exc, cause } => {
                let mut n = 0;
                if let Some(e) = exc {
                    self.expr(e)?;
                    n = 1;
                    if let Some(c) = cause {
                        self.expr(c)?;
                        n = 2;
                    }
                }
                self.unit.loc = stmt.loc;
                self.emit(Instr::Raise { n });
            }
            StmtKind::Assert { test, msg } => {
                let end = self.new_label();
                self.jump_if(test, true, end)?;
                if let Some(m) = msg {
                    self.expr(m)?;
                }
                self.unit.loc = stmt.loc;
                self.emit(Instr::RaiseAssertion {
                    has_msg: msg.is_some(),
                });
                self.bind(end);
            }
            StmtKind::Delete(targets) => {
                for t in targets {
                    self.delete_target(t)?;
                }
            }
            StmtKind::With { items, body } => self.with_items(items, body, stmt.loc)?,
            StmtKind::Import(aliases) => {
                for a in aliases {
                    let idx = self.name_index(&a.name)?;
                    self.emit(Instr::ImportName { name: idx });
                    match &a.asname {
                        Some(asname) => self.store_name(asname)?,
                        None => match a.name.split_once('.') {
                            Some((top, _)) => {
                                // `import a.b` binds the top-level package `a`.
                                self.emit(Instr::Pop);
                                let top_idx = self.name_index(top)?;
                                self.emit(Instr::ImportName { name: top_idx });
                                self.store_name(top)?;
                            }
                            None => self.store_name(&a.name)?,
                        },
                    }
                }
            }
            StmtKind::ImportFrom { module, names } => {
                if module == "__future__" {
                    return Ok(());
                }
                let idx = self.name_index(module)?;
                self.emit(Instr::ImportName { name: idx });
                if names.is_empty() {
                    self.emit(Instr::ImportStar);
                    return Ok(());
                }
                for a in names {
                    let idx = self.name_index(&a.name)?;
                    self.emit(Instr::ImportFrom { name: idx });
                    self.store_name(a.asname.as_ref().unwrap_or(&a.name))?;
                }
                self.emit(Instr::Pop);
            }
        }
        Ok(())
    }

    /// `if`/`elif`/`else`: walk the `elif` chain in a loop, not by recursion.
    fn if_chain(&mut self, first: &'a Stmt) -> RawResult<()> {
        let end = self.new_label();
        let mut current = first;
        while let StmtKind::If { test, body, orelse } = &current.kind {
            self.unit.loc = current.loc;
            let else_label = self.new_label();
            self.jump_if(test, false, else_label)?;
            self.stmts(body)?;
            if orelse.is_empty() {
                self.bind(else_label);
                break;
            }
            self.jump(end);
            self.bind(else_label);
            match orelse.as_slice() {
                [next @ Stmt {
                    kind: StmtKind::If { .. },
                    ..
                }] => current = next,
                _ => {
                    self.stmts(orelse)?;
                    break;
                }
            }
        }
        self.bind(end);
        Ok(())
    }

    fn aug_assign(
        &mut self,
        target: &'a Expr,
        op: crate::bytecode::BinOp,
        value: &'a Expr,
    ) -> RawResult<()> {
        match &target.kind {
            ExprKind::Name(n) => {
                self.load_name(n)?;
                self.expr(value)?;
                let slot = self.slot()?;
                self.emit(Instr::InPlace { op, slot });
                self.store_name(n)?;
            }
            ExprKind::Attribute(obj, name) => {
                self.expr(obj)?;
                self.emit(Instr::Copy { n: 1 });
                let idx = self.name_index(name)?;
                let slot = self.slot()?;
                self.emit(Instr::LoadAttr { name: idx, slot });
                self.expr(value)?;
                let slot = self.slot()?;
                self.emit(Instr::InPlace { op, slot });
                self.emit(Instr::Swap { n: 2 });
                let slot = self.slot()?;
                self.emit(Instr::StoreAttr { name: idx, slot });
            }
            ExprKind::Subscript(obj, index) => {
                self.expr(obj)?;
                self.expr(index)?;
                self.emit(Instr::Copy { n: 2 });
                self.emit(Instr::Copy { n: 2 });
                let slot = self.subscr_slot()?;
                self.emit(Instr::Subscr { slot });
                self.expr(value)?;
                let slot = self.slot()?;
                self.emit(Instr::InPlace { op, slot });
                self.emit(Instr::Swap { n: 3 });
                self.emit(Instr::Swap { n: 2 });
                let slot = self.slot()?;
                self.emit(Instr::StoreSubscr { slot });
            }
            _ => {
                return Err(RawError::syntax(
                    "illegal expression for augmented assignment",
                    target.loc.line,
                    target.loc.col,
                ))
            }
        }
        Ok(())
    }

    /// Store TOS into an assignment target.
    fn store_target(&mut self, t: &'a Expr) -> RawResult<()> {
        match &t.kind {
            ExprKind::Name(n) => self.store_name(n),
            ExprKind::Attribute(obj, name) => {
                self.expr(obj)?;
                let idx = self.name_index(name)?;
                let slot = self.slot()?;
                self.emit(Instr::StoreAttr { name: idx, slot });
                Ok(())
            }
            ExprKind::Subscript(obj, index) => {
                self.expr(obj)?;
                self.expr(index)?;
                let slot = self.slot()?;
                self.emit(Instr::StoreSubscr { slot });
                Ok(())
            }
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                let star = items
                    .iter()
                    .position(|i| matches!(i.kind, ExprKind::Starred(_)));
                match star {
                    Some(pos) => {
                        let before = u16::try_from(pos).map_err(|_| {
                            RawError::syntax(
                                "too many expressions in star-unpacking assignment",
                                t.loc.line,
                                t.loc.col,
                            )
                        })?;
                        let after = u16::try_from(items.len() - pos - 1).map_err(|_| {
                            RawError::syntax(
                                "too many expressions in star-unpacking assignment",
                                t.loc.line,
                                t.loc.col,
                            )
                        })?;
                        self.emit(Instr::UnpackEx { before, after });
                    }
                    None => {
                        let n =
                            u32::try_from(items.len()).map_err(|_| too_many("targets", t.loc))?;
                        self.emit(Instr::UnpackSequence { n });
                    }
                }
                for item in items {
                    match &item.kind {
                        ExprKind::Starred(inner) => self.store_target(inner)?,
                        _ => self.store_target(item)?,
                    }
                }
                Ok(())
            }
            ExprKind::Starred(inner) => self.store_target(inner),
            _ => Err(RawError::syntax(
                "cannot assign to expression",
                t.loc.line,
                t.loc.col,
            )),
        }
    }

    fn delete_target(&mut self, t: &'a Expr) -> RawResult<()> {
        self.unit.loc = t.loc;
        match &t.kind {
            ExprKind::Name(n) => self.delete_name(n),
            ExprKind::Attribute(obj, name) => {
                self.expr(obj)?;
                let idx = self.name_index(name)?;
                self.emit(Instr::DeleteAttr { name: idx });
                Ok(())
            }
            ExprKind::Subscript(obj, index) => {
                self.expr(obj)?;
                self.expr(index)?;
                self.emit(Instr::DeleteSubscr);
                Ok(())
            }
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                items.iter().try_for_each(|i| self.delete_target(i))
            }
            _ => Err(RawError::syntax(
                "cannot delete expression",
                t.loc.line,
                t.loc.col,
            )),
        }
    }

    /// Emit the exits of the blocks that `return` (`loop_exit: None`),
    /// `break` (`Some(true)`) or `continue` (`Some(false)`) leaves.
    fn unwind(&mut self, preserve_tos: bool, loop_exit: Option<bool>, loc: Loc) -> RawResult<()> {
        let saved = self.unit.blocks.clone();
        let result = self.unwind_inner(preserve_tos, loop_exit, loc);
        self.unit.blocks = saved;
        result
    }

    fn unwind_inner(
        &mut self,
        preserve_tos: bool,
        loop_exit: Option<bool>,
        loc: Loc,
    ) -> RawResult<()> {
        while let Some(block) = self.unit.blocks.pop() {
            match block.kind {
                BlockKind::Loop { is_for, start, end } => match loop_exit {
                    Some(true) => {
                        if is_for {
                            self.emit(Instr::Pop);
                        }
                        self.jump(end);
                        return Ok(());
                    }
                    Some(false) => {
                        self.jump(start);
                        return Ok(());
                    }
                    None => {
                        if is_for {
                            if preserve_tos {
                                self.emit(Instr::Swap { n: 2 });
                            }
                            self.emit(Instr::Pop);
                        }
                    }
                },
                BlockKind::TryExcept | BlockKind::Cleanup => {}
                BlockKind::TryFinally { body } => {
                    if preserve_tos {
                        self.unit.extra_depth += 1;
                    }
                    let result = self.stmts(body);
                    if preserve_tos {
                        self.unit.extra_depth -= 1;
                    }
                    result?;
                    self.unit.loc = loc;
                }
                BlockKind::FinallyHandler => {
                    if preserve_tos {
                        self.emit(Instr::Swap { n: 2 });
                    }
                    self.emit(Instr::Pop);
                    if preserve_tos {
                        self.emit(Instr::Swap { n: 2 });
                    }
                    self.emit(Instr::PopExcept);
                }
                BlockKind::With => {
                    if preserve_tos {
                        self.emit(Instr::Swap { n: 2 });
                    }
                    self.call_exit_with_nones()?;
                }
                BlockKind::HandlerBody { name } => {
                    if preserve_tos {
                        self.emit(Instr::Swap { n: 2 });
                    }
                    self.emit(Instr::PopExcept);
                    if let Some(n) = name {
                        self.clear_name(&n)?;
                    }
                }
            }
        }
        if loop_exit.is_some() {
            return Err(RawError::syntax("'break' outside loop", loc.line, loc.col));
        }
        Ok(())
    }

    /// Stack: `__exit__` → calls `__exit__(None, None, None)` and drops it.
    fn call_exit_with_nones(&mut self) -> RawResult<()> {
        for _ in 0..3 {
            self.load_const(Constant::None)?;
        }
        let slot = self.slot()?;
        self.emit(Instr::Call { argc: 3, slot });
        self.emit(Instr::Pop);
        Ok(())
    }

    /// `name = None; del name` (the end of `except E as name`).
    fn clear_name(&mut self, name: &str) -> RawResult<()> {
        self.load_const(Constant::None)?;
        self.store_name(name)?;
        self.delete_name(name)
    }

    fn try_except(
        &mut self,
        body: &'a [Stmt],
        handlers: &'a [Handler],
        orelse: &'a [Stmt],
    ) -> RawResult<()> {
        let base = self.base_depth();
        let except_label = self.new_label();
        let end = self.new_label();
        self.push_block(BlockKind::TryExcept, Some((except_label, base)));
        self.stmts(body)?;
        self.pop_block();
        self.stmts(orelse)?;
        self.jump(end);

        // The handler: stack is [exc] above `base`.
        self.bind(except_label);
        self.emit(Instr::PushExcInfo);
        let cleanup = self.new_label();
        self.push_block(BlockKind::Cleanup, Some((cleanup, base + 1)));
        let mut named_cleanups: Vec<(Label, &'a str)> = Vec::new();
        for h in handlers {
            self.unit.loc = h.loc;
            let next = self.new_label();
            if let Some(t) = &h.typ {
                self.expr(t)?;
                self.emit(Instr::CheckExcMatch);
                self.emit(Instr::PopJumpIfFalse {
                    target: next as u32,
                });
            }
            match &h.name {
                Some(n) => self.store_name(n)?,
                None => self.emit(Instr::Pop),
            }
            let body_handler = match &h.name {
                Some(n) => {
                    let l = self.new_label();
                    named_cleanups.push((l, n.as_str()));
                    l
                }
                None => cleanup,
            };
            self.push_block(
                BlockKind::HandlerBody {
                    name: h.name.clone(),
                },
                Some((body_handler, base + 1)),
            );
            self.stmts(&h.body)?;
            self.pop_block();
            self.unit.loc = h.loc;
            self.emit(Instr::PopExcept);
            if let Some(n) = &h.name {
                self.clear_name(n)?;
            }
            self.jump(end);
            self.bind(next);
        }
        self.emit(Instr::Reraise);
        self.pop_block();

        // Cleanup: [prev, exc2] → restore prev, re-raise exc2.
        self.bind(cleanup);
        self.emit(Instr::Swap { n: 2 });
        self.emit(Instr::PopExcept);
        self.emit(Instr::Reraise);
        for (label, name) in named_cleanups {
            self.bind(label);
            self.clear_name(name)?;
            self.emit(Instr::Swap { n: 2 });
            self.emit(Instr::PopExcept);
            self.emit(Instr::Reraise);
        }
        self.bind(end);
        Ok(())
    }

    fn try_finally(
        &mut self,
        body: &'a [Stmt],
        handlers: &'a [Handler],
        orelse: &'a [Stmt],
        finalbody: &'a [Stmt],
    ) -> RawResult<()> {
        let base = self.base_depth();
        let handler = self.new_label();
        let end = self.new_label();
        self.push_block(
            BlockKind::TryFinally { body: finalbody },
            Some((handler, base)),
        );
        if handlers.is_empty() {
            self.stmts(body)?;
        } else {
            self.try_except(body, handlers, orelse)?;
        }
        self.pop_block();
        self.stmts(finalbody)?;
        self.jump(end);

        // Exceptional path: [exc] above `base`.
        self.bind(handler);
        self.emit(Instr::PushExcInfo);
        let cleanup = self.new_label();
        self.push_block(BlockKind::FinallyHandler, Some((cleanup, base + 1)));
        self.stmts(finalbody)?;
        self.emit(Instr::Reraise);
        self.pop_block();
        self.bind(cleanup);
        self.emit(Instr::Swap { n: 2 });
        self.emit(Instr::PopExcept);
        self.emit(Instr::Reraise);
        self.bind(end);
        Ok(())
    }

    fn with_items(&mut self, items: &'a [WithItem], body: &'a [Stmt], loc: Loc) -> RawResult<()> {
        let Some(((ctx, target), rest)) = items.split_first() else {
            return self.stmts(body);
        };
        self.unit.loc = loc;
        let base = self.base_depth();
        self.expr(ctx)?;
        self.emit(Instr::BeforeWith);
        let handler = self.new_label();
        let end = self.new_label();
        self.push_block(BlockKind::With, Some((handler, base + 1)));
        match target {
            Some(t) => self.store_target(t)?,
            None => self.emit(Instr::Pop),
        }
        self.with_items(rest, body, loc)?;
        self.pop_block();
        self.unit.loc = loc;
        self.call_exit_with_nones()?;
        self.jump(end);

        // [exit, exc] → PushExcInfo → [exit, prev, exc].
        self.bind(handler);
        self.emit(Instr::PushExcInfo);
        let cleanup = self.new_label();
        let swallow = self.new_label();
        self.push_block(BlockKind::Cleanup, Some((cleanup, base + 2)));
        self.emit(Instr::WithExceptStart);
        self.emit(Instr::PopJumpIfTrue {
            target: swallow as u32,
        });
        self.emit(Instr::Reraise);
        self.pop_block();
        self.bind(cleanup);
        self.emit(Instr::Swap { n: 2 });
        self.emit(Instr::PopExcept);
        self.emit(Instr::Reraise);
        self.bind(swallow);
        self.emit(Instr::Pop);
        self.emit(Instr::PopExcept);
        self.emit(Instr::Pop);
        self.bind(end);
        Ok(())
    }

    // ---- functions and classes ------------------------------------------------------

    /// Push the closure tuple for scope `child`, if it has free variables.
    fn closure_for(&mut self, child: ScopeId) -> RawResult<bool> {
        let Some(child_scope) = self.scopes.get(child) else {
            return Ok(false);
        };
        if child_scope.freevars.is_empty() {
            return Ok(false);
        }
        for name in &child_scope.freevars {
            let idx = self.scope().closure_index(name).ok_or_else(|| {
                RawError::syntax(
                    format!("internal compiler error: no cell for '{name}'"),
                    self.unit.loc.line,
                    self.unit.loc.col,
                )
            })?;
            self.emit(Instr::LoadClosure { idx });
        }
        let n = child_scope.freevars.len() as u32;
        self.emit(Instr::BuildTuple { n });
        Ok(true)
    }

    fn qualname(&self, id: ScopeId, fallback: &str) -> String {
        self.qualnames
            .get(&id)
            .cloned()
            .unwrap_or_else(|| fallback.to_string())
    }

    /// Push a new function object for `def` or `lambda`.
    fn make_function(&mut self, def: &'a FunctionDef) -> RawResult<()> {
        let mut flags = 0u8;
        let positional: Vec<&Param> = def.params.posonly.iter().chain(&def.params.args).collect();
        let defaults: Vec<&Expr> = positional
            .iter()
            .filter_map(|p| p.default.as_ref())
            .collect();
        if !defaults.is_empty() {
            for d in &defaults {
                self.expr(d)?;
            }
            self.emit(Instr::BuildTuple {
                n: defaults.len() as u32,
            });
            flags |= make_function::HAS_DEFAULTS;
        }
        let kwdefaults: Vec<(&str, &Expr)> = def
            .params
            .kwonly
            .iter()
            .filter_map(|p| p.default.as_ref().map(|d| (p.name.as_str(), d)))
            .collect();
        if !kwdefaults.is_empty() {
            for (name, d) in &kwdefaults {
                self.load_const(Constant::Str(Arc::from(*name)))?;
                self.expr(d)?;
            }
            self.emit(Instr::BuildMap {
                n: kwdefaults.len() as u32,
            });
            flags |= make_function::HAS_KWDEFAULTS;
        }
        if !self.future_annotations {
            for a in &def.params.annotations {
                self.expr(a)?;
                self.emit(Instr::Pop);
            }
        }
        if self.closure_for(def.id)? {
            flags |= make_function::HAS_CLOSURE;
        }
        let code = self.function_code(def)?;
        self.unit.loc = def.loc;
        self.load_const(Constant::Code(code))?;
        self.emit(Instr::MakeFunction { flags });
        Ok(())
    }

    fn function_code(&mut self, def: &'a FunctionDef) -> RawResult<Arc<CodeObject>> {
        let scope = self.scopes.get(def.id).ok_or_else(|| {
            RawError::syntax(
                "internal compiler error: missing scope",
                def.loc.line,
                def.loc.col,
            )
        })?;
        if def.is_async && scope.is_generator {
            return Err(RawError::unsupported(
                "async generator (yield inside async def)",
                def.loc.line,
                def.loc.col,
            ));
        }
        let outer = std::mem::replace(&mut self.unit, Unit::new(def.id, def.loc));
        let doc = if def.is_lambda {
            None
        } else {
            docstring(&def.body)
        };
        let result = self.stmts(&def.body).and_then(|_| {
            self.load_const(Constant::None)?;
            self.emit(Instr::Return);
            Ok(())
        });
        let unit = std::mem::replace(&mut self.unit, outer);
        result?;
        let mut flags = 0;
        if def.params.vararg.is_some() {
            flags |= CodeFlags::VARARGS;
        }
        if def.params.kwarg.is_some() {
            flags |= CodeFlags::VARKEYWORDS;
        }
        if scope.is_generator {
            flags |= CodeFlags::GENERATOR;
        }
        if def.is_async {
            flags |= CodeFlags::COROUTINE;
        }
        let counts = (
            (def.params.posonly.len() + def.params.args.len()) as u32,
            def.params.posonly.len() as u32,
            def.params.kwonly.len() as u32,
        );
        let qualname = self.qualname(def.id, &def.name);
        self.finish(unit, &def.name, &qualname, CodeFlags(flags), counts, doc)
    }

    fn class_def(&mut self, def: &'a ClassDef) -> RawResult<()> {
        for d in &def.decorators {
            self.expr(d)?;
        }
        let scope = self.scopes.get(def.id).ok_or_else(|| {
            RawError::syntax(
                "internal compiler error: missing scope",
                def.loc.line,
                def.loc.col,
            )
        })?;
        let qualname = self.qualname(def.id, &def.name);
        let outer = std::mem::replace(&mut self.unit, Unit::new(def.id, def.loc));
        let doc = docstring(&def.body);
        let result = (|| {
            self.load_name("__name__")?;
            self.store_name("__module__")?;
            self.load_const(Constant::Str(Arc::from(qualname.as_str())))?;
            self.store_name("__qualname__")?;
            if let Some(d) = &doc {
                self.load_const(Constant::Str(Arc::from(d.as_str())))?;
                self.store_name("__doc__")?;
            }
            self.stmts(&def.body)?;
            if scope.needs_class_cell {
                let idx = scope.closure_index("__class__").unwrap_or(0);
                self.emit(Instr::LoadClosure { idx });
                let name = self.name_index("__classcell__")?;
                self.emit(Instr::StoreName { name });
            }
            self.load_const(Constant::None)?;
            self.emit(Instr::Return);
            Ok(())
        })();
        let unit = std::mem::replace(&mut self.unit, outer);
        result?;
        let code = self.finish(
            unit,
            &def.name,
            &qualname,
            CodeFlags(CodeFlags::CLASS_BODY),
            (0, 0, 0),
            doc,
        )?;
        self.unit.loc = def.loc;
        let mut flags = 0;
        if self.closure_for(def.id)? {
            flags |= make_function::HAS_CLOSURE;
        }
        self.load_const(Constant::Code(code))?;
        self.emit(Instr::MakeFunction { flags });
        self.load_const(Constant::Str(Arc::from(def.name.as_str())))?;
        let mut nbases = 0;
        if let Some(b) = &def.base {
            self.expr(b)?;
            nbases = 1;
        }
        self.unit.loc = def.loc;
        self.emit(Instr::BuildClass { nbases });
        for _ in &def.decorators {
            let slot = self.slot()?;
            self.emit(Instr::Call { argc: 1, slot });
        }
        self.store_name(&def.name)
    }

    // ---- expressions -----------------------------------------------------------------

    /// Jump to `target` when `e`'s truth equals `when`; fall through otherwise.
    fn jump_if(&mut self, e: &'a Expr, when: bool, target: Label) -> RawResult<()> {
        match &e.kind {
            ExprKind::Unary(UnaryOp::Not, inner) => self.jump_if(inner, !when, target),
            ExprKind::BoolOp(is_and, values) => {
                // `a and b` jumps on false as soon as one is false; on true
                // only when all are true (dually for `or`).
                let short_circuits_to_target = *is_and != when;
                if short_circuits_to_target {
                    for v in values {
                        self.jump_if(v, when, target)?;
                    }
                } else {
                    let skip = self.new_label();
                    let (last, init) = match values.split_last() {
                        Some(x) => x,
                        None => return Ok(()),
                    };
                    for v in init {
                        self.jump_if(v, !when, skip)?;
                    }
                    self.jump_if(last, when, target)?;
                    self.bind(skip);
                }
                Ok(())
            }
            ExprKind::Const(Const::Bool(b)) if *b == when => {
                self.jump(target);
                Ok(())
            }
            ExprKind::Const(Const::Bool(_)) => Ok(()),
            _ => {
                self.expr(e)?;
                let target = target as u32;
                self.emit(if when {
                    Instr::PopJumpIfTrue { target }
                } else {
                    Instr::PopJumpIfFalse { target }
                });
                Ok(())
            }
        }
    }

    fn expr(&mut self, e: &'a Expr) -> RawResult<()> {
        let saved = self.unit.loc;
        self.unit.loc = e.loc;
        let result = self.expr_inner(e);
        self.unit.loc = saved;
        result
    }

    fn constant(c: &Const) -> Constant {
        match c {
            Const::None => Constant::None,
            Const::Bool(b) => Constant::Bool(*b),
            Const::Int(i) => Constant::Int(*i),
            Const::BigInt(s) => Constant::BigInt(s.clone()),
            Const::Float(f) => Constant::Float(*f),
            Const::Str(s) => Constant::Str(Arc::from(s.as_str())),
            Const::Bytes(b) => Constant::Bytes(Arc::from(b.as_slice())),
            Const::Ellipsis => Constant::Ellipsis,
        }
    }

    /// Whether CPython's AST optimiser turns `e` into a constant: literals,
    /// operators on numeric constants (bar the cases it leaves to run
    /// time: zero divisors, huge powers and shifts), tuples of those.
    fn folds_to_constant(e: &Expr) -> bool {
        let numeric = |e: &Expr| match &e.kind {
            ExprKind::Const(c) => matches!(
                c,
                Const::Int(_) | Const::BigInt(_) | Const::Float(_) | Const::Bool(_)
            ),
            ExprKind::Unary(..) | ExprKind::Binary(..) => Self::folds_to_constant(e),
            _ => false,
        };
        let small_int =
            |e: &Expr| matches!(e.kind, ExprKind::Const(Const::Int(n)) if (1..=128).contains(&n));
        match &e.kind {
            ExprKind::Const(_) => true,
            ExprKind::Unary(UnaryOp::Not, inner) => Self::folds_to_constant(inner),
            ExprKind::Unary(_, inner) => numeric(inner),
            ExprKind::Binary(a, op, b) => {
                numeric(a)
                    && numeric(b)
                    && match op {
                        crate::bytecode::BinOp::TrueDiv
                        | crate::bytecode::BinOp::FloorDiv
                        | crate::bytecode::BinOp::Mod => {
                            !matches!(b.kind, ExprKind::Const(Const::Int(0)))
                        }
                        crate::bytecode::BinOp::Pow | crate::bytecode::BinOp::LShift => {
                            small_int(b)
                        }
                        _ => true,
                    }
            }
            ExprKind::Tuple(items) => items.iter().all(Self::folds_to_constant),
            _ => false,
        }
    }

    /// A tuple of constants folds into one constant.
    fn constant_tuple(items: &[Expr]) -> Option<Constant> {
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match &item.kind {
                ExprKind::Const(c) => out.push(Self::constant(c)),
                _ => return None,
            }
        }
        Some(Constant::Tuple(Arc::from(out)))
    }

    fn expr_inner(&mut self, e: &'a Expr) -> RawResult<()> {
        match &e.kind {
            ExprKind::Name(n) => self.load_name(n)?,
            ExprKind::Const(c) => self.load_const(Self::constant(c))?,
            ExprKind::FString(parts) => self.fstring(parts)?,
            ExprKind::Binary(a, op, b) => {
                self.expr(a)?;
                self.expr(b)?;
                let slot = self.slot()?;
                self.emit(Instr::Binary { op: *op, slot });
            }
            ExprKind::Unary(op, a) => {
                self.expr(a)?;
                self.emit(Instr::Unary { op: *op });
            }
            ExprKind::BoolOp(is_and, values) => {
                let end = self.new_label();
                for (i, v) in values.iter().enumerate() {
                    self.expr(v)?;
                    if i + 1 < values.len() {
                        let target = end as u32;
                        self.emit(if *is_and {
                            Instr::JumpIfFalseOrPop { target }
                        } else {
                            Instr::JumpIfTrueOrPop { target }
                        });
                    }
                }
                self.bind(end);
            }
            ExprKind::Compare(left, ops) => self.compare(left, ops)?,
            ExprKind::IfExp { test, body, orelse } => {
                let else_label = self.new_label();
                let end = self.new_label();
                self.jump_if(test, false, else_label)?;
                self.expr(body)?;
                self.jump(end);
                self.bind(else_label);
                self.expr(orelse)?;
                self.bind(end);
            }
            ExprKind::Lambda(def) => self.make_function(def)?,
            ExprKind::Call { func, args } => self.call(func, args)?,
            ExprKind::Attribute(obj, name) => {
                self.expr(obj)?;
                let idx = self.name_index(name)?;
                let slot = self.slot()?;
                self.emit(Instr::LoadAttr { name: idx, slot });
            }
            ExprKind::Subscript(obj, index) => {
                self.expr(obj)?;
                self.expr(index)?;
                let slot = self.subscr_slot()?;
                self.emit(Instr::Subscr { slot });
            }
            ExprKind::Slice(lower, upper, step) => {
                for part in [lower, upper] {
                    match part {
                        Some(p) => self.expr(p)?,
                        None => self.load_const(Constant::None)?,
                    }
                }
                match step {
                    Some(s) => {
                        self.expr(s)?;
                        self.emit(Instr::BuildSlice { n: 3 });
                    }
                    None => self.emit(Instr::BuildSlice { n: 2 }),
                }
            }
            ExprKind::Starred(_) => {
                return Err(RawError::syntax(
                    "can't use starred expression here",
                    e.loc.line,
                    e.loc.col,
                ))
            }
            ExprKind::Tuple(items) => {
                if let Some(c) = Self::constant_tuple(items) {
                    self.load_const(c)?;
                } else if items.iter().any(|i| matches!(i.kind, ExprKind::Starred(_))) {
                    self.sequence_with_stars(items, false)?;
                    self.emit(Instr::ListToTuple);
                } else {
                    for i in items {
                        self.expr(i)?;
                    }
                    self.emit(Instr::BuildTuple {
                        n: items.len() as u32,
                    });
                }
            }
            ExprKind::List(items) => {
                if items.iter().any(|i| matches!(i.kind, ExprKind::Starred(_))) {
                    self.sequence_with_stars(items, false)?;
                } else {
                    for i in items {
                        self.expr(i)?;
                    }
                    self.emit(Instr::BuildList {
                        n: items.len() as u32,
                    });
                }
            }
            ExprKind::Set(items) => {
                if items.iter().any(|i| matches!(i.kind, ExprKind::Starred(_))) {
                    self.sequence_with_stars(items, true)?;
                } else if items.len() > 2 && items.iter().all(Self::folds_to_constant) {
                    // CPython folds an all-constant display into a frozenset
                    // constant, rebuilds it from its own iteration order when
                    // merging constants, and merges that into a new set; each
                    // step lays the table out differently, so replay them.
                    self.emit(Instr::BuildSet { n: 0 });
                    self.emit(Instr::BuildSet { n: 0 });
                    self.emit(Instr::BuildList { n: 0 });
                    for i in items {
                        self.expr(i)?;
                    }
                    self.emit(Instr::BuildSet {
                        n: items.len() as u32,
                    });
                    self.emit(Instr::ListExtend { depth: 1 });
                    self.emit(Instr::SetUpdate { depth: 1 });
                    self.emit(Instr::SetUpdate { depth: 1 });
                } else {
                    for i in items {
                        self.expr(i)?;
                    }
                    self.emit(Instr::BuildSet {
                        n: items.len() as u32,
                    });
                }
            }
            ExprKind::Dict(items) => self.dict(items)?,
            ExprKind::Comp(comp) => self.comprehension(comp)?,
            ExprKind::Yield(value) => {
                match value {
                    Some(v) => self.expr(v)?,
                    None => self.load_const(Constant::None)?,
                }
                self.emit(Instr::Yield);
            }
            ExprKind::YieldFrom(v) => {
                self.expr(v)?;
                self.emit(Instr::GetYieldFromIter);
                self.load_const(Constant::None)?;
                self.emit(Instr::YieldFrom);
            }
            ExprKind::Await(v) => {
                self.expr(v)?;
                self.emit(Instr::GetAwaitable);
                self.load_const(Constant::None)?;
                self.emit(Instr::YieldFrom);
            }
        }
        Ok(())
    }

    /// `[a, *b]`, `(a, *b)` and `{a, *b}`: build incrementally.
    fn sequence_with_stars(&mut self, items: &'a [Expr], set: bool) -> RawResult<()> {
        self.emit(if set {
            Instr::BuildSet { n: 0 }
        } else {
            Instr::BuildList { n: 0 }
        });
        for item in items {
            match &item.kind {
                ExprKind::Starred(inner) => {
                    self.expr(inner)?;
                    self.emit(if set {
                        Instr::SetUpdate { depth: 1 }
                    } else {
                        Instr::ListExtend { depth: 1 }
                    });
                }
                _ => {
                    self.expr(item)?;
                    self.emit(if set {
                        Instr::SetAdd { depth: 1 }
                    } else {
                        Instr::ListAppend { depth: 1 }
                    });
                }
            }
        }
        Ok(())
    }

    fn dict(&mut self, items: &'a [DictItem]) -> RawResult<()> {
        let leading = items
            .iter()
            .take_while(|i| matches!(i, DictItem::Pair(..)))
            .count();
        for item in &items[..leading] {
            if let DictItem::Pair(k, v) = item {
                self.expr(k)?;
                self.expr(v)?;
            }
        }
        self.emit(Instr::BuildMap { n: leading as u32 });
        for item in &items[leading..] {
            match item {
                DictItem::Pair(k, v) => {
                    self.expr(k)?;
                    self.expr(v)?;
                    self.emit(Instr::MapAdd { depth: 1 });
                }
                DictItem::Unpack(v) => {
                    self.expr(v)?;
                    self.emit(Instr::DictUpdate { depth: 1 });
                }
            }
        }
        Ok(())
    }

    fn compare_instr(&mut self, kind: CmpKind) -> RawResult<()> {
        let instr = match kind {
            CmpKind::Rich(op) => Instr::Compare {
                op,
                slot: self.slot()?,
            },
            CmpKind::Is => Instr::Is { invert: false },
            CmpKind::IsNot => Instr::Is { invert: true },
            CmpKind::In => Instr::Contains { invert: false },
            CmpKind::NotIn => Instr::Contains { invert: true },
        };
        self.emit(instr);
        Ok(())
    }

    fn compare(&mut self, left: &'a Expr, ops: &'a [(CmpKind, Expr)]) -> RawResult<()> {
        self.expr(left)?;
        let Some(((last_op, last), init)) = ops.split_last() else {
            return Ok(());
        };
        if init.is_empty() {
            self.expr(last)?;
            return self.compare_instr(*last_op);
        }
        let cleanup = self.new_label();
        let end = self.new_label();
        for (op, right) in init {
            self.expr(right)?;
            self.emit(Instr::Swap { n: 2 });
            self.emit(Instr::Copy { n: 2 });
            self.compare_instr(*op)?;
            self.emit(Instr::JumpIfFalseOrPop {
                target: cleanup as u32,
            });
        }
        self.expr(last)?;
        self.compare_instr(*last_op)?;
        self.jump(end);
        self.bind(cleanup);
        self.emit(Instr::Swap { n: 2 });
        self.emit(Instr::Pop);
        self.bind(end);
        Ok(())
    }

    fn call(&mut self, func: &'a Expr, args: &'a [Arg]) -> RawResult<()> {
        let has_star = args
            .iter()
            .any(|a| matches!(a, Arg::Star(_) | Arg::DoubleStar(_)));
        if has_star {
            self.expr(func)?;
            return self.call_ex(args, func.loc);
        }
        let positional: Vec<&Expr> = args
            .iter()
            .filter_map(|a| {
                if let Arg::Positional(e) = a {
                    Some(e)
                } else {
                    None
                }
            })
            .collect();
        let keywords: Vec<(&str, &Expr)> = args
            .iter()
            .filter_map(|a| {
                if let Arg::Keyword(k, e) = a {
                    Some((k.as_str(), e))
                } else {
                    None
                }
            })
            .collect();
        let method = match &func.kind {
            ExprKind::Attribute(obj, name) => {
                self.expr(obj)?;
                let idx = self.name_index(name)?;
                let slot = self.slot()?;
                self.unit.loc = func.loc;
                self.emit(Instr::LoadMethod { name: idx, slot });
                true
            }
            _ => {
                self.expr(func)?;
                false
            }
        };
        for p in &positional {
            self.expr(p)?;
        }
        for (_, v) in &keywords {
            self.expr(v)?;
        }
        let argc = u32::try_from(positional.len() + keywords.len())
            .map_err(|_| too_many("arguments", func.loc))?;
        if !keywords.is_empty() {
            let names: Vec<Constant> = keywords
                .iter()
                .map(|(k, _)| Constant::Str(Arc::from(*k)))
                .collect();
            self.load_const(Constant::Tuple(Arc::from(names)))?;
        }
        let slot = self.slot()?;
        self.emit(match (method, keywords.is_empty()) {
            (true, true) => Instr::CallMethod { argc, slot },
            (true, false) => Instr::CallMethodKw { argc, slot },
            (false, true) => Instr::Call { argc, slot },
            (false, false) => Instr::CallKw { argc, slot },
        });
        Ok(())
    }

    /// Callable is on the stack; build the args tuple and kwargs dict.
    fn call_ex(&mut self, args: &'a [Arg], loc: Loc) -> RawResult<()> {
        self.emit(Instr::BuildList { n: 0 });
        for a in args {
            match a {
                Arg::Positional(e) => {
                    self.expr(e)?;
                    self.emit(Instr::ListAppend { depth: 1 });
                }
                Arg::Star(e) => {
                    self.expr(e)?;
                    self.emit(Instr::ListExtend { depth: 1 });
                }
                _ => {}
            }
        }
        self.emit(Instr::ListToTuple);
        let has_kwargs = args
            .iter()
            .any(|a| matches!(a, Arg::Keyword(..) | Arg::DoubleStar(_)));
        if has_kwargs {
            self.emit(Instr::BuildMap { n: 0 });
            for a in args {
                match a {
                    Arg::Keyword(k, e) => {
                        self.load_const(Constant::Str(Arc::from(k.as_str())))?;
                        self.expr(e)?;
                        self.emit(Instr::BuildMap { n: 1 });
                        self.emit(Instr::DictMerge { depth: 1 });
                    }
                    Arg::DoubleStar(e) => {
                        self.expr(e)?;
                        self.emit(Instr::DictMerge { depth: 1 });
                    }
                    _ => {}
                }
            }
        }
        self.unit.loc = loc;
        self.emit(Instr::CallEx { has_kwargs });
        Ok(())
    }

    fn fstring(&mut self, parts: &'a [FPart]) -> RawResult<()> {
        if parts.is_empty() {
            return self.load_const(Constant::Str(Arc::from("")));
        }
        for part in parts {
            match part {
                FPart::Lit(s) => self.load_const(Constant::Str(Arc::from(s.as_str())))?,
                FPart::Field { expr, conv, spec } => {
                    self.expr(expr)?;
                    if let Some(spec) = spec {
                        self.fstring(spec)?;
                    }
                    self.emit(Instr::FormatValue {
                        conv: *conv,
                        has_spec: spec.is_some(),
                    });
                }
            }
        }
        if parts.len() > 1 {
            self.emit(Instr::BuildString {
                n: parts.len() as u32,
            });
        }
        Ok(())
    }

    fn comprehension(&mut self, comp: &'a Comprehension) -> RawResult<()> {
        let Some(first) = comp.generators.first() else {
            return Err(RawError::syntax(
                "invalid syntax",
                self.unit.loc.line,
                self.unit.loc.col,
            ));
        };
        let loc = self.unit.loc;
        let scope = self.scopes.get(comp.id).ok_or_else(|| {
            RawError::syntax("internal compiler error: missing scope", loc.line, loc.col)
        })?;
        let outer = std::mem::replace(&mut self.unit, Unit::new(comp.id, loc));
        let result = self.comprehension_body(comp);
        let unit = std::mem::replace(&mut self.unit, outer);
        result?;
        let name = scope.name.clone();
        let qualname = self.qualname(comp.id, &name);
        let mut flags = 0;
        if scope.is_generator {
            flags |= CodeFlags::GENERATOR;
        }
        let code = self.finish(unit, &name, &qualname, CodeFlags(flags), (1, 0, 0), None)?;
        let mut make_flags = 0;
        if self.closure_for(comp.id)? {
            make_flags |= make_function::HAS_CLOSURE;
        }
        self.load_const(Constant::Code(code))?;
        self.emit(Instr::MakeFunction { flags: make_flags });
        self.expr(&first.iter)?;
        self.emit(Instr::GetIter);
        let slot = self.slot()?;
        self.emit(Instr::Call { argc: 1, slot });
        Ok(())
    }

    fn comprehension_body(&mut self, comp: &'a Comprehension) -> RawResult<()> {
        match comp.kind {
            CompKind::List => self.emit(Instr::BuildList { n: 0 }),
            CompKind::Set => self.emit(Instr::BuildSet { n: 0 }),
            CompKind::Dict => self.emit(Instr::BuildMap { n: 0 }),
            CompKind::Generator => {}
        }
        self.comprehension_loop(comp, 0)?;
        if comp.kind == CompKind::Generator {
            self.load_const(Constant::None)?;
        }
        self.emit(Instr::Return);
        Ok(())
    }

    fn comprehension_loop(&mut self, comp: &'a Comprehension, index: usize) -> RawResult<()> {
        let Some(gen) = comp.generators.get(index) else {
            // The innermost element: containers sit below one iterator per loop.
            let depth = comp.generators.len() as u32 + 1;
            match comp.kind {
                CompKind::List => {
                    self.expr(&comp.elt)?;
                    self.emit(Instr::ListAppend { depth });
                }
                CompKind::Set => {
                    self.expr(&comp.elt)?;
                    self.emit(Instr::SetAdd { depth });
                }
                CompKind::Dict => {
                    self.expr(&comp.elt)?;
                    if let Some(v) = &comp.value {
                        self.expr(v)?;
                    }
                    self.emit(Instr::MapAdd { depth });
                }
                CompKind::Generator => {
                    self.expr(&comp.elt)?;
                    self.emit(Instr::Yield);
                    self.emit(Instr::Pop);
                }
            }
            return Ok(());
        };
        if index == 0 {
            self.emit(Instr::LoadFast { idx: 0 });
        } else {
            self.expr(&gen.iter)?;
            self.emit(Instr::GetIter);
        }
        let start = self.new_label();
        let cont = self.new_label();
        let exit = self.new_label();
        self.bind(start);
        let slot = self.slot()?;
        self.emit(Instr::ForIter {
            target: exit as u32,
            slot,
        });
        self.store_target(&gen.target)?;
        for cond in &gen.ifs {
            self.jump_if(cond, false, cont)?;
        }
        self.comprehension_loop(comp, index + 1)?;
        self.bind(cont);
        self.jump(start);
        self.bind(exit);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{lexer, parser, scope};

    fn compile(src: &str) -> Arc<CodeObject> {
        let module = parser::parse_module(lexer::tokenize(src).unwrap()).unwrap();
        let scopes = scope::analyze(&module).unwrap();
        emit_module(&module, &scopes, "t.py").unwrap()
    }

    fn func(code: &CodeObject, i: usize) -> Arc<CodeObject> {
        code.consts
            .iter()
            .filter_map(|c| {
                if let Constant::Code(c) = c {
                    Some(c.clone())
                } else {
                    None
                }
            })
            .nth(i)
            .unwrap()
    }

    #[test]
    fn module_uses_globals() {
        let code = compile("x = 1\nprint(x)\n");
        assert!(code.flags.has(CodeFlags::MODULE));
        assert!(code.code.contains(&Instr::StoreGlobal { name: 0 }));
        assert!(matches!(code.code.last(), Some(Instr::Return)));
    }

    #[test]
    fn loops_jump_backward() {
        let code =
            compile("for i in range(3):\n    if i: continue\n    print(i)\nwhile x:\n    break\n");
        for (pc, instr) in code.code.iter().enumerate() {
            match instr {
                Instr::JumpBackward { target } => assert!((*target as usize) <= pc),
                Instr::Jump { target } => assert!((*target as usize) > pc),
                _ => {}
            }
        }
        assert!(code.num_slots > 0);
    }

    #[test]
    fn closures_and_classes() {
        let code = compile("def f(a):\n    def g():\n        return a\n    return g\nclass C(B):\n    def m(self):\n        return super().m()\n");
        let f = func(&code, 0);
        assert_eq!(f.cell_params, vec![(0, 0)]);
        assert!(f
            .code
            .iter()
            .any(|i| matches!(i, Instr::LoadClosure { idx: 0 })));
        let g = func(&f, 0);
        assert_eq!(g.qualname.as_ref(), "f.<locals>.g");
        let c = func(&code, 1);
        assert!(c.flags.has(CodeFlags::CLASS_BODY));
        assert_eq!(c.cellvars.len(), 1);
        let m = func(&c, 0);
        assert_eq!(m.qualname.as_ref(), "C.m");
        assert_eq!(m.freevars[0].as_ref(), "__class__");
    }

    #[test]
    fn captured_params_read_from_their_slot_unless_rebound() {
        let reads = |src: &str| {
            let code = compile(src);
            let f = func(&code, 0);
            let fast = f
                .code
                .iter()
                .any(|i| matches!(i, Instr::LoadFast { idx: 0 }));
            let deref = f
                .code
                .iter()
                .any(|i| matches!(i, Instr::LoadDeref { idx: 0 }));
            // The first closure makes the cell exactly when reads bypass it.
            assert_eq!(f.lazy_cells == vec![0], fast && !deref, "{src}");
            (fast, deref)
        };
        let g = "    g = lambda: a\n";
        assert_eq!(
            reads(&format!("def f(a):\n{g}    return a\n")),
            (true, false)
        );
        for rebind in [
            "    a = 1\n",
            "    a += 1\n",
            "    del a\n",
            "    for a in b: pass\n",
            "    try: pass\n    except E as a: pass\n",
            "    import a\n",
            "    def h():\n        nonlocal a\n        a = 2\n",
        ] {
            let src = format!("def f(a):\n{g}{rebind}    return a\n");
            assert_eq!(reads(&src), (false, true), "{src}");
        }
    }

    #[test]
    fn exception_tables() {
        let code = compile(
            "def f():\n    try:\n        a()\n    except E as e:\n        return 1\n    finally:\n        b()\n    with c as d:\n        return 2\n",
        );
        let f = func(&code, 0);
        assert!(!f.exception_table.is_empty());
        assert!(f.code.contains(&Instr::PushExcInfo));
        assert!(f.code.contains(&Instr::WithExceptStart));
        assert!(f.max_stack >= 3);
    }

    #[test]
    fn comprehension_and_generators() {
        let code = compile("def g():\n    yield 1\n    yield from x\nx = [i for i in y if i]\n");
        let g = func(&code, 0);
        assert!(g.flags.has(CodeFlags::GENERATOR));
        let comp = func(&code, 1);
        assert_eq!(comp.name.as_ref(), "<listcomp>");
        assert_eq!(comp.arg_count, 1);
    }
}
