//! Scope analysis: one symbol table per module, function, lambda, class
//! body and comprehension, deciding for every name whether it is a fast
//! local, a cell, a free variable, a global, or a class-body name.
//!
//! Rules follow CPython 3.11: class bodies are scopes whose names are not
//! visible to nested functions; comprehensions are function scopes taking
//! the outermost iterator as `.0`; `super` or `__class__` in a method makes
//! `__class__` a free variable of the method and a cell of the class body.

use std::collections::{HashMap, HashSet};

use crate::ast::*;
use crate::error::{RawError, RawResult};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeKind {
    Module,
    Function,
    Class,
    Comprehension,
}

/// How the code of one scope reaches a name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// `LoadFast`/`StoreFast` on `varnames[idx]`.
    Fast(u32),
    /// `LoadDeref`/`StoreDeref` on cell `idx` (cellvars then freevars).
    Deref(u32),
    /// `LoadGlobal`/`StoreGlobal`.
    Global,
    /// `LoadName`/`StoreName` (class bodies).
    Name,
}

#[derive(Clone, Debug)]
pub struct Scope {
    pub kind: ScopeKind,
    pub parent: Option<ScopeId>,
    pub name: String,
    pub params: Vec<String>,
    /// Bound names in first-binding order (parameters first).
    bound: Vec<String>,
    bound_set: HashSet<String>,
    used: HashSet<String>,
    globals: HashSet<String>,
    nonlocals: HashSet<String>,
    nonlocal_locs: HashMap<String, Loc>,
    pub varnames: Vec<String>,
    pub cellvars: Vec<String>,
    pub freevars: Vec<String>,
    pub is_generator: bool,
    pub is_coroutine: bool,
    /// Class bodies: a method uses `__class__`, so the body stores its cell.
    pub needs_class_cell: bool,
    /// Parameters bound again in the body (assigned, deleted, a loop or
    /// `except ... as` target...).
    rebound_params: HashSet<String>,
    /// Names of this scope's cells that an inner scope declares `nonlocal`.
    written_inside: HashSet<String>,
}

impl Scope {
    fn new(kind: ScopeKind, parent: Option<ScopeId>, name: &str) -> Self {
        Scope {
            kind,
            parent,
            name: name.to_string(),
            params: Vec::new(),
            bound: Vec::new(),
            bound_set: HashSet::new(),
            used: HashSet::new(),
            globals: HashSet::new(),
            nonlocals: HashSet::new(),
            nonlocal_locs: HashMap::new(),
            varnames: Vec::new(),
            cellvars: Vec::new(),
            freevars: Vec::new(),
            is_generator: false,
            is_coroutine: false,
            needs_class_cell: false,
            rebound_params: HashSet::new(),
            written_inside: HashSet::new(),
        }
    }

    fn is_function_like(&self) -> bool {
        matches!(self.kind, ScopeKind::Function | ScopeKind::Comprehension)
    }

    /// Does this scope own a binding of `name` that inner functions can see?
    fn binds_locally(&self, name: &str) -> bool {
        self.bound_set.contains(name)
            && !self.globals.contains(name)
            && !self.nonlocals.contains(name)
    }

    fn cell_index(&self, name: &str) -> Option<u32> {
        if let Some(i) = self.cellvars.iter().position(|c| c == name) {
            return Some(i as u32);
        }
        self.freevars
            .iter()
            .position(|c| c == name)
            .map(|i| (self.cellvars.len() + i) as u32)
    }

    /// How code in this scope reaches `name`.
    pub fn access(&self, name: &str) -> Access {
        match self.kind {
            ScopeKind::Module => Access::Global,
            _ if self.globals.contains(name) => Access::Global,
            ScopeKind::Class => {
                let declared_nonlocal = self.nonlocals.contains(name);
                if !declared_nonlocal
                    && (self.bound_set.contains(name) || !self.freevars.iter().any(|f| f == name))
                {
                    Access::Name
                } else {
                    self.cell_index(name).map_or(Access::Name, Access::Deref)
                }
            }
            _ => {
                if let Some(i) = self.cell_index(name) {
                    Access::Deref(i)
                } else if let Some(i) = self.varnames.iter().position(|v| v == name) {
                    Access::Fast(i as u32)
                } else {
                    Access::Global
                }
            }
        }
    }

    /// The parameter slot that always holds the value of cell `name`: a
    /// parameter captured by an inner scope but never rebound, here or
    /// by an inner `nonlocal`. The frame keeps the argument in its slot
    /// when it makes the cell (`fill_cells`), so reading it there is
    /// reading the cell, without the cell's indirection.
    pub fn stable_param_cell(&self, name: &str) -> Option<u32> {
        if !self.is_function_like()
            || self.rebound_params.contains(name)
            || self.written_inside.contains(name)
            || !self.cellvars.iter().any(|c| c == name)
        {
            return None;
        }
        // Parameters come first in `varnames`, in order.
        let i = self.params.iter().position(|p| p == name)?;
        (self.varnames.get(i).map(String::as_str) == Some(name)).then_some(i as u32)
    }

    /// The cell index of `name` for `LoadClosure` (a cell or free var).
    pub fn closure_index(&self, name: &str) -> Option<u32> {
        self.cell_index(name)
    }
}

/// All scopes of a module, indexed by `ScopeId` (0 is the module).
#[derive(Clone, Debug)]
pub struct ScopeTable {
    pub scopes: Vec<Scope>,
    /// The module has `from m import *`: its globals are not all known.
    pub star_import: bool,
}

impl ScopeTable {
    /// Whether the module binds global `name` anywhere: at module level,
    /// or in a function that declares it `global`.
    pub fn binds_global(&self, name: &str) -> bool {
        self.star_import
            || self.scopes.iter().any(|s| {
                s.bound_set.contains(name)
                    && (s.kind == ScopeKind::Module || s.globals.contains(name))
            })
    }

    /// Whether a class body binds `name` itself (else it reads globals).
    pub fn class_binds(scope: &Scope, name: &str) -> bool {
        scope.bound_set.contains(name)
    }

    pub fn get(&self, id: ScopeId) -> Option<&Scope> {
        self.scopes.get(id)
    }
}

/// Analyse a parsed module.
pub fn analyze(module: &Module) -> RawResult<ScopeTable> {
    let mut scopes: Vec<Option<Scope>> = vec![None; module.num_scopes.max(1)];
    scopes[0] = Some(Scope::new(ScopeKind::Module, None, "<module>"));
    let mut collector = Collector {
        scopes,
        current: 0,
        star_import: false,
    };
    for stmt in &module.body {
        collector.stmt(stmt)?;
    }
    let collector_star_import = collector.star_import;
    let scopes: Vec<Scope> = collector
        .scopes
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            s.unwrap_or_else(|| Scope::new(ScopeKind::Function, Some(0), &format!("<unused {i}>")))
        })
        .collect();
    let mut table = ScopeTable {
        scopes,
        star_import: collector_star_import,
    };
    resolve(&mut table)?;
    Ok(table)
}

struct Collector {
    scopes: Vec<Option<Scope>>,
    current: ScopeId,
    star_import: bool,
}

impl Collector {
    fn scope(&mut self) -> &mut Scope {
        let idx = self.current;
        if idx >= self.scopes.len() {
            self.scopes.resize(idx + 1, None);
        }
        self.scopes[idx].get_or_insert_with(|| Scope::new(ScopeKind::Function, None, "?"))
    }

    fn bind(&mut self, name: &str) {
        let s = self.scope();
        if s.params.iter().any(|p| p == name) {
            s.rebound_params.insert(name.to_string());
        }
        if s.bound_set.insert(name.to_string()) {
            s.bound.push(name.to_string());
        }
    }

    fn use_name(&mut self, name: &str) {
        let s = self.scope();
        s.used.insert(name.to_string());
        if name == "super" && s.kind == ScopeKind::Function {
            s.used.insert("__class__".to_string());
        }
    }

    fn enter(&mut self, id: ScopeId, kind: ScopeKind, name: &str) -> ScopeId {
        if id >= self.scopes.len() {
            self.scopes.resize(id + 1, None);
        }
        self.scopes[id] = Some(Scope::new(kind, Some(self.current), name));
        std::mem::replace(&mut self.current, id)
    }

    fn stmts(&mut self, body: &[Stmt]) -> RawResult<()> {
        body.iter().try_for_each(|s| self.stmt(s))
    }

    fn stmt(&mut self, stmt: &Stmt) -> RawResult<()> {
        match &stmt.kind {
            StmtKind::Expr(e) => self.expr(e)?,
            StmtKind::Assign { targets, value } => {
                self.expr(value)?;
                for t in targets {
                    self.target(t)?;
                }
            }
            StmtKind::AugAssign { target, value, .. } => {
                self.expr(value)?;
                if let ExprKind::Name(n) = &target.kind {
                    self.use_name(n);
                }
                self.target(target)?;
            }
            StmtKind::AnnAssign {
                target,
                annotation,
                value,
            } => {
                if let Some(v) = value {
                    self.expr(v)?;
                }
                self.target(target)?;
                if matches!(self.scope().kind, ScopeKind::Module | ScopeKind::Class) {
                    self.expr(annotation)?;
                }
            }
            StmtKind::If { .. } => {
                // Walk `elif` chains in a loop: they can be very long.
                let mut current = stmt;
                while let StmtKind::If { test, body, orelse } = &current.kind {
                    self.expr(test)?;
                    self.stmts(body)?;
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
            }
            StmtKind::While { test, body, orelse } => {
                self.expr(test)?;
                self.stmts(body)?;
                self.stmts(orelse)?;
            }
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
            } => {
                self.expr(iter)?;
                self.target(target)?;
                self.stmts(body)?;
                self.stmts(orelse)?;
            }
            StmtKind::Break | StmtKind::Continue | StmtKind::Pass => {}
            StmtKind::FunctionDef(def) => {
                for d in &def.decorators {
                    self.expr(d)?;
                }
                self.function(def)?;
                self.bind(&def.name);
            }
            StmtKind::ClassDef(def) => {
                for d in &def.decorators {
                    self.expr(d)?;
                }
                if let Some(b) = &def.base {
                    self.expr(b)?;
                }
                let saved = self.enter(def.id, ScopeKind::Class, &def.name);
                self.stmts(&def.body)?;
                self.current = saved;
                self.bind(&def.name);
            }
            StmtKind::Return(v) => {
                if let Some(v) = v {
                    self.expr(v)?;
                }
            }
            StmtKind::Global(names) | StmtKind::Nonlocal(names) => {
                let is_global = matches!(stmt.kind, StmtKind::Global(_));
                let word = if is_global { "global" } else { "nonlocal" };
                for n in names {
                    let s = self.scope();
                    let err = |msg: String| Err(RawError::syntax(msg, stmt.loc.line, stmt.loc.col));
                    if s.params.contains(n) {
                        return err(format!("name '{n}' is parameter and {word}"));
                    }
                    if (is_global && s.nonlocals.contains(n))
                        || (!is_global && s.globals.contains(n))
                    {
                        return err(format!("name '{n}' is nonlocal and global"));
                    }
                    if s.used.contains(n) {
                        return err(format!("name '{n}' is used prior to {word} declaration"));
                    }
                    if s.bound_set.contains(n) {
                        return err(format!(
                            "name '{n}' is assigned to before {word} declaration"
                        ));
                    }
                    if is_global {
                        s.globals.insert(n.clone());
                    } else {
                        s.nonlocals.insert(n.clone());
                        s.nonlocal_locs.insert(n.clone(), stmt.loc);
                    }
                }
            }
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finalbody,
            } => {
                self.stmts(body)?;
                for h in handlers {
                    if let Some(t) = &h.typ {
                        self.expr(t)?;
                    }
                    if let Some(n) = &h.name {
                        self.bind(n);
                    }
                    self.stmts(&h.body)?;
                }
                self.stmts(orelse)?;
                self.stmts(finalbody)?;
            }
            StmtKind::Raise { exc, cause } => {
                if let Some(e) = exc {
                    self.expr(e)?;
                }
                if let Some(c) = cause {
                    self.expr(c)?;
                }
            }
            StmtKind::Assert { test, msg } => {
                self.expr(test)?;
                if let Some(m) = msg {
                    self.expr(m)?;
                }
            }
            StmtKind::Delete(targets) => {
                for t in targets {
                    self.target(t)?;
                }
            }
            StmtKind::With { items, body } => {
                for (ctx, target) in items {
                    self.expr(ctx)?;
                    if let Some(t) = target {
                        self.target(t)?;
                    }
                }
                self.stmts(body)?;
            }
            StmtKind::Import(aliases) => {
                for a in aliases {
                    let bound = a
                        .asname
                        .clone()
                        .unwrap_or_else(|| a.name.split('.').next().unwrap_or("").to_string());
                    self.bind(&bound);
                }
            }
            StmtKind::ImportFrom { names, .. } => {
                self.star_import |= names.is_empty();
                for a in names {
                    self.bind(a.asname.as_ref().unwrap_or(&a.name));
                }
            }
        }
        Ok(())
    }

    fn function(&mut self, def: &FunctionDef) -> RawResult<()> {
        for a in &def.params.annotations {
            self.expr(a)?;
        }
        for p in def
            .params
            .posonly
            .iter()
            .chain(&def.params.args)
            .chain(&def.params.kwonly)
        {
            if let Some(d) = &p.default {
                self.expr(d)?;
            }
        }
        let saved = self.enter(def.id, ScopeKind::Function, &def.name);
        let names = def.params.names();
        for n in &names {
            self.bind(n);
        }
        let s = self.scope();
        s.params = names;
        s.is_coroutine = def.is_async;
        let result = self.stmts(&def.body);
        self.current = saved;
        result
    }

    /// Names bound by an assignment-like target; sub-expressions are uses.
    fn target(&mut self, t: &Expr) -> RawResult<()> {
        match &t.kind {
            ExprKind::Name(n) => {
                self.bind(n);
                Ok(())
            }
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                items.iter().try_for_each(|i| self.target(i))
            }
            ExprKind::Starred(inner) => self.target(inner),
            _ => self.expr(t),
        }
    }

    fn expr(&mut self, e: &Expr) -> RawResult<()> {
        match &e.kind {
            ExprKind::Name(n) => self.use_name(n),
            ExprKind::Const(_) => {}
            ExprKind::FString(parts) => self.fparts(parts)?,
            ExprKind::Binary(a, _, b) => {
                self.expr(a)?;
                self.expr(b)?;
            }
            ExprKind::Unary(_, a) | ExprKind::Starred(a) | ExprKind::Attribute(a, _) => {
                self.expr(a)?
            }
            ExprKind::BoolOp(_, values)
            | ExprKind::Tuple(values)
            | ExprKind::List(values)
            | ExprKind::Set(values) => values.iter().try_for_each(|v| self.expr(v))?,
            ExprKind::Compare(left, ops) => {
                self.expr(left)?;
                for (_, r) in ops {
                    self.expr(r)?;
                }
            }
            ExprKind::IfExp { test, body, orelse } => {
                self.expr(test)?;
                self.expr(body)?;
                self.expr(orelse)?;
            }
            ExprKind::Lambda(def) => self.function(def)?,
            ExprKind::Call { func, args } => {
                self.expr(func)?;
                for a in args {
                    match a {
                        Arg::Positional(v)
                        | Arg::Star(v)
                        | Arg::Keyword(_, v)
                        | Arg::DoubleStar(v) => self.expr(v)?,
                    }
                }
            }
            ExprKind::Subscript(a, b) => {
                self.expr(a)?;
                self.expr(b)?;
            }
            ExprKind::Slice(a, b, c) => {
                for x in [a, b, c].into_iter().flatten() {
                    self.expr(x)?;
                }
            }
            ExprKind::Dict(items) => {
                for item in items {
                    match item {
                        DictItem::Pair(k, v) => {
                            self.expr(k)?;
                            self.expr(v)?;
                        }
                        DictItem::Unpack(v) => self.expr(v)?,
                    }
                }
            }
            ExprKind::Comp(comp) => self.comprehension(comp)?,
            ExprKind::Yield(v) => {
                self.mark_yield(e.loc)?;
                if let Some(v) = v {
                    self.expr(v)?;
                }
            }
            ExprKind::YieldFrom(v) => {
                self.mark_yield(e.loc)?;
                if self.scope().is_coroutine {
                    return Err(RawError::syntax(
                        "'yield from' inside async function",
                        e.loc.line,
                        e.loc.col,
                    ));
                }
                self.expr(v)?;
            }
            ExprKind::Await(v) => {
                if self.scope().kind == ScopeKind::Comprehension {
                    return Err(RawError::unsupported(
                        "await inside a comprehension",
                        e.loc.line,
                        e.loc.col,
                    ));
                }
                self.expr(v)?;
            }
        }
        Ok(())
    }

    fn mark_yield(&mut self, loc: Loc) -> RawResult<()> {
        let s = self.scope();
        if s.kind == ScopeKind::Comprehension {
            let what = s.name.trim_start_matches('<').trim_end_matches('>');
            let what = match what {
                "listcomp" => "list comprehension",
                "setcomp" => "set comprehension",
                "dictcomp" => "dict comprehension",
                _ => "generator expression",
            };
            return Err(RawError::syntax(
                format!("'yield' inside {what}"),
                loc.line,
                loc.col,
            ));
        }
        s.is_generator = true;
        Ok(())
    }

    fn fparts(&mut self, parts: &[FPart]) -> RawResult<()> {
        for p in parts {
            if let FPart::Field { expr, spec, .. } = p {
                self.expr(expr)?;
                if let Some(spec) = spec {
                    self.fparts(spec)?;
                }
            }
        }
        Ok(())
    }

    fn comprehension(&mut self, comp: &Comprehension) -> RawResult<()> {
        let Some(first) = comp.generators.first() else {
            return Ok(());
        };
        self.expr(&first.iter)?;
        let name = match comp.kind {
            CompKind::List => "<listcomp>",
            CompKind::Set => "<setcomp>",
            CompKind::Dict => "<dictcomp>",
            CompKind::Generator => "<genexpr>",
        };
        let saved = self.enter(comp.id, ScopeKind::Comprehension, name);
        self.bind(".0");
        self.scope().params = vec![".0".to_string()];
        if comp.kind == CompKind::Generator {
            self.scope().is_generator = true;
        }
        let result = (|| {
            for (i, g) in comp.generators.iter().enumerate() {
                if i > 0 {
                    self.expr(&g.iter)?;
                }
                self.target(&g.target)?;
                for cond in &g.ifs {
                    self.expr(cond)?;
                }
            }
            self.expr(&comp.elt)?;
            if let Some(v) = &comp.value {
                self.expr(v)?;
            }
            Ok(())
        })();
        self.current = saved;
        result
    }
}

/// Decide every scope's varnames, cells and free variables.
fn resolve(table: &mut ScopeTable) -> RawResult<()> {
    let n = table.scopes.len();
    // Free-variable requests: (scope, name) pairs to thread through parents.
    let mut cells: Vec<Vec<String>> = vec![Vec::new(); n];
    let mut frees: Vec<Vec<String>> = vec![Vec::new(); n];
    let mut written_inside: Vec<Vec<String>> = vec![Vec::new(); n];
    for id in 0..n {
        let scope = &table.scopes[id];
        if scope.kind == ScopeKind::Module {
            continue;
        }
        let mut names: Vec<String> = scope.nonlocals.iter().cloned().collect();
        let mut used: Vec<String> = scope.used.iter().cloned().collect();
        used.sort();
        names.sort();
        for name in names {
            match find_binding(table, id, &name, true) {
                Some(owner) => {
                    thread_free(table, id, owner, &name, &mut cells, &mut frees);
                    if let Some(w) = written_inside.get_mut(owner) {
                        w.push(name.clone());
                    }
                }
                None => {
                    let loc = table.scopes[id]
                        .nonlocal_locs
                        .get(&name)
                        .copied()
                        .unwrap_or_default();
                    return Err(RawError::syntax(
                        format!("no binding for nonlocal '{name}' found"),
                        loc.line,
                        loc.col,
                    ));
                }
            }
        }
        for name in used {
            let scope = &table.scopes[id];
            if scope.globals.contains(&name) || scope.nonlocals.contains(&name) {
                continue;
            }
            if scope.bound_set.contains(&name)
                && !(scope.kind == ScopeKind::Class && name == "__class__")
            {
                continue;
            }
            if let Some(owner) = find_binding(table, id, &name, false) {
                thread_free(table, id, owner, &name, &mut cells, &mut frees);
            }
        }
    }
    for (id, scope) in table.scopes.iter_mut().enumerate() {
        let mut varnames = scope.params.clone();
        if scope.is_function_like() {
            for b in &scope.bound {
                if !varnames.contains(b)
                    && !scope.globals.contains(b)
                    && !scope.nonlocals.contains(b)
                {
                    varnames.push(b.clone());
                }
            }
        }
        scope.cellvars = std::mem::take(&mut cells[id]);
        let params = scope.params.len();
        let cellvars = &scope.cellvars;
        let mut i = 0;
        varnames.retain(|v| {
            i += 1;
            i <= params || !cellvars.contains(v)
        });
        scope.varnames = varnames;
        scope.freevars = std::mem::take(&mut frees[id]);
        scope.written_inside = std::mem::take(&mut written_inside[id])
            .into_iter()
            .collect();
        if scope.kind == ScopeKind::Class && scope.cellvars.iter().any(|c| c == "__class__") {
            scope.needs_class_cell = true;
        }
    }
    Ok(())
}

/// The nearest enclosing scope (skipping class bodies, except that a class
/// provides `__class__`) that binds `name`. `None` means global.
fn find_binding(table: &ScopeTable, from: ScopeId, name: &str, nonlocal: bool) -> Option<ScopeId> {
    let mut cur = table.scopes.get(from)?.parent;
    while let Some(id) = cur {
        let s = table.scopes.get(id)?;
        match s.kind {
            ScopeKind::Module => return None,
            ScopeKind::Class => {
                if name == "__class__" && !nonlocal {
                    return Some(id);
                }
            }
            _ => {
                if s.globals.contains(name) {
                    return None;
                }
                if s.binds_locally(name) {
                    return Some(id);
                }
            }
        }
        cur = s.parent;
    }
    None
}

/// Make `name` a cell of `owner` and a free variable of every scope from
/// `from` up to (not including) `owner`.
fn thread_free(
    table: &ScopeTable,
    from: ScopeId,
    owner: ScopeId,
    name: &str,
    cells: &mut [Vec<String>],
    frees: &mut [Vec<String>],
) {
    if let Some(c) = cells.get_mut(owner) {
        if !c.iter().any(|x| x == name) {
            c.push(name.to_string());
        }
    }
    let mut cur = Some(from);
    while let Some(id) = cur {
        if id == owner {
            break;
        }
        if let Some(f) = frees.get_mut(id) {
            if !f.iter().any(|x| x == name) {
                f.push(name.to_string());
            }
        }
        cur = table.scopes.get(id).and_then(|s| s.parent);
    }
}

/// Names in the scope table that map to `__class__` handling.
pub fn class_cell_name() -> &'static str {
    "__class__"
}

/// A map from scope id to qualified name, as CPython's `__qualname__`.
pub fn qualnames(table: &ScopeTable) -> HashMap<ScopeId, String> {
    let mut out = HashMap::new();
    for (id, s) in table.scopes.iter().enumerate() {
        if s.kind == ScopeKind::Module {
            continue;
        }
        let mut parts = vec![s.name.clone()];
        let mut cur = s.parent;
        while let Some(p) = cur {
            let ps = &table.scopes[p];
            match ps.kind {
                ScopeKind::Module => break,
                ScopeKind::Class => parts.push(ps.name.clone()),
                _ => {
                    parts.push("<locals>".to_string());
                    parts.push(ps.name.clone());
                }
            }
            cur = ps.parent;
        }
        parts.reverse();
        out.insert(id, parts.join("."));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{lexer, parser};

    fn table(src: &str) -> RawResult<ScopeTable> {
        analyze(&parser::parse_module(lexer::tokenize(src)?)?)
    }

    #[test]
    fn closures_and_cells() {
        let t =
            table("def f(a):\n    b = 1\n    def g():\n        return a + b + c\n    return g\n")
                .unwrap();
        let f = &t.scopes[1];
        let g = &t.scopes[2];
        assert_eq!(f.name, "f");
        assert_eq!(f.cellvars, vec!["a".to_string(), "b".to_string()]);
        assert_eq!(g.freevars, vec!["a".to_string(), "b".to_string()]);
        assert_eq!(g.access("c"), Access::Global);
        assert_eq!(f.access("a"), Access::Deref(0));
        let q = qualnames(&t);
        assert_eq!(q[&2], "f.<locals>.g");
    }

    #[test]
    fn class_scope_and_super() {
        let t = table("class C:\n    x = 1\n    def m(self):\n        return super().m() + x\n")
            .unwrap();
        let c = &t.scopes[1];
        let m = &t.scopes[2];
        assert!(c.needs_class_cell);
        assert_eq!(m.freevars, vec!["__class__".to_string()]);
        assert_eq!(m.access("x"), Access::Global);
        assert_eq!(c.access("x"), Access::Name);
        assert_eq!(qualnames(&t)[&2], "C.m");
    }

    #[test]
    fn declaration_errors() {
        let e = |s: &str| table(s).unwrap_err().message;
        assert_eq!(
            e("def f():\n    x = 1\n    global x\n"),
            "name 'x' is assigned to before global declaration"
        );
        assert_eq!(
            e("def f():\n    print(x)\n    global x\n"),
            "name 'x' is used prior to global declaration"
        );
        assert_eq!(
            e("def f():\n    nonlocal x\n"),
            "no binding for nonlocal 'x' found"
        );
        assert_eq!(
            e("def f(x):\n    global x\n"),
            "name 'x' is parameter and global"
        );
        assert_eq!(
            e("def f():\n    [(yield) for x in y]\n"),
            "'yield' inside list comprehension"
        );
    }

    #[test]
    fn comprehension_scope() {
        let t = table("def f(n):\n    return [i * n for i in range(n)]\n").unwrap();
        let comp = &t.scopes[2];
        assert_eq!(comp.varnames, vec![".0".to_string(), "i".to_string()]);
        assert_eq!(comp.freevars, vec!["n".to_string()]);
    }
}
