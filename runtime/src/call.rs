//! Calls: dispatch on the callee's kind, argument binding for Python
//! functions (positional, keyword, defaults, `*args`, `**kwargs`, with
//! CPython's error messages), class instantiation, and creation of
//! generator/coroutine objects.

use std::cell::{Cell, RefCell};

use kiln_compiler::bytecode::CodeFlags;

use crate::dict::Dict;
use crate::error::{ExcKind, PyErr, PyResult};
use crate::frame::Frame;
use crate::interp::{run_frame, Exit};
use crate::object::{FunctionObj, GenObj, InstanceObj, Payload, TypeId};
use crate::value::Value;
use crate::vm::{Vm, RECURSION_LIMIT};

/// Fill the cell slots of a call's locals (variables, then one slot per
/// `cellvars` and `freevars` entry): fresh cells for the cell variables,
/// seeded from the parameters they capture, and the closure's cells for
/// the free variables. A lazy cell (`CodeObject::lazy_cells`) stays empty
/// until a closure needs it (`lazy_cell`).
#[inline(always)]
pub(crate) fn install_cells(func: &FunctionObj, locals: &mut [Value]) {
    if func.code.has_eager_cells() {
        fill_cells(func, locals);
    }
}

fn fill_cells(func: &FunctionObj, locals: &mut [Value]) {
    let code = &func.code;
    let nvars = code.varnames.len();
    for i in 0..code.cellvars.len() {
        if code.lazy_cells.contains(&(i as u32)) {
            continue;
        }
        if let Some(slot) = locals.get_mut(nvars + i) {
            *slot = Value::cell(Value::empty());
        }
    }
    for &(cell, param) in &code.cell_params {
        if code.lazy_cells.contains(&cell) {
            continue;
        }
        let arg = locals
            .get(param as usize)
            .cloned()
            .unwrap_or_else(Value::empty);
        if let Some(Payload::Cell(c)) = locals.get(nvars + cell as usize).and_then(|v| v.payload())
        {
            if let Ok(mut c) = c.try_borrow_mut() {
                *c = arg;
            }
        }
    }
    for (i, cell) in func.closure.iter().enumerate() {
        if let Some(slot) = locals.get_mut(nvars + code.cellvars.len() + i) {
            *slot = cell.clone();
        }
    }
}

/// The cell of lazy cell `idx` (`CodeObject::lazy_cells`) in `locals`,
/// made from its parameter on first use; `None` when `idx` is not lazy.
/// The parameter is never rebound, so its slot holds the value the cell
/// would have been seeded with at entry.
pub(crate) fn lazy_cell(
    code: &kiln_compiler::bytecode::CodeObject,
    idx: u32,
    locals: &mut [Value],
) -> Option<Value> {
    let param = code.lazy_cell_param(idx)?;
    let slot = code.varnames.len() + idx as usize;
    if locals.get(slot)?.is_empty() {
        let value = locals.get(param as usize).cloned().unwrap_or_default();
        *locals.get_mut(slot)? = Value::cell(value);
    }
    locals.get(slot).cloned()
}

impl Vm {
    /// `f(*args)`.
    pub fn call(&mut self, f: &Value, args: &[Value]) -> PyResult<Value> {
        self.call_kw(f, args, &[])
    }

    /// `f(*args, **kwargs)`; `kwargs` are (name str, value) pairs.
    pub fn call_kw(
        &mut self,
        f: &Value,
        args: &[Value],
        kwargs: &[(Value, Value)],
    ) -> PyResult<Value> {
        match f.payload() {
            Some(Payload::Function(func)) => self.call_function(f, func, args, kwargs),
            Some(Payload::Native(n)) => (n.func)(self, args, kwargs),
            Some(Payload::BoundMethod(func, this)) => {
                let mut full = self.take_vec();
                full.push(this.clone());
                full.extend_from_slice(args);
                let func = func.clone();
                let r = self.call_kw(&func, &full, kwargs);
                self.give_vec(full);
                r
            }
            Some(Payload::Class(_)) => self.instantiate(f, args, kwargs),
            Some(Payload::Instance(_)) | Some(Payload::Exception(_)) => {
                let class = self.type_of(f);
                match self.class_attr(&class, "__call__") {
                    Some(c) => {
                        let mut full = vec![f.clone()];
                        full.extend_from_slice(args);
                        self.call_kw(&c, &full, kwargs)
                    }
                    None => Err(self.not_callable(f)),
                }
            }
            Some(Payload::StaticMethod(inner)) => {
                let inner = inner.clone();
                self.call_kw(&inner, args, kwargs)
            }
            _ => Err(self.not_callable(f)),
        }
    }

    fn not_callable(&self, f: &Value) -> PyErr {
        PyErr::type_error(format!("'{}' object is not callable", self.type_name(f)))
    }

    /// Bind arguments into a fresh frame for `func` and run it (or wrap it
    /// in a generator).
    pub(crate) fn call_function(
        &mut self,
        fv: &Value,
        func: &FunctionObj,
        args: &[Value],
        kwargs: &[(Value, Value)],
    ) -> PyResult<Value> {
        let mut locals = self.take_vec();
        if kwargs.is_empty() && binds_positionally(func, args.len()) {
            locals.extend_from_slice(args);
        } else if let Err(e) = self.bind_into(fv, func, args, kwargs, &mut locals) {
            self.give_vec(locals);
            return Err(e);
        }
        self.run_function(func, locals)
    }

    /// Run `func` with its parameters already bound: `locals` holds the
    /// parameter values in order (callers that pass exactly the positional
    /// parameters move the arguments straight from their stack).
    pub(crate) fn run_function(
        &mut self,
        func: &FunctionObj,
        locals: Vec<Value>,
    ) -> PyResult<Value> {
        let code = &func.code;
        let mut frame = self.new_frame(func, locals);
        if code.flags.0 & (CodeFlags::GENERATOR | CodeFlags::COROUTINE) != 0 {
            let is_coroutine =
                code.flags.has(CodeFlags::COROUTINE) && !code.flags.has(CodeFlags::GENERATOR);
            return Ok(Value::new_heap(Payload::Generator(GenObj {
                frame: RefCell::new(Some(Box::new(frame))),
                running: Cell::new(false),
                name: func.name.borrow().clone(),
                qualname: func.qualname.borrow().clone(),
                is_coroutine,
            })));
        }
        let r = self.run_in_frame(&mut frame);
        self.drop_frame(frame);
        r
    }

    /// The frame of a call `func(*stack[at..])` whose arguments are
    /// exactly its parameters (`binds_positionally`), for the interpreter
    /// to run in its own loop: the arguments are moved off the caller's
    /// value stack into its locals.
    #[inline(always)]
    pub(crate) fn positional_frame(
        &mut self,
        func: &FunctionObj,
        stack: &mut Vec<Value>,
        at: usize,
    ) -> Box<Frame> {
        let mut frame = self.pooled_frame(func);
        move_args(stack, at, &mut frame.locals);
        complete_locals(func, &mut frame.locals);
        frame
    }

    /// The frame of a call `func(*args, **kwargs)` of any shape (defaults,
    /// keywords, `*args`, `**kwargs`), for the interpreter to run in its
    /// own loop; binding errors are CPython's.
    pub(crate) fn bound_frame(
        &mut self,
        fv: &Value,
        func: &FunctionObj,
        args: &[Value],
        kwargs: &[(Value, Value)],
    ) -> PyResult<Box<Frame>> {
        let mut frame = self.pooled_frame(func);
        if let Err(e) = self.bind_into(fv, func, args, kwargs, &mut frame.locals) {
            self.release_frame(frame);
            return Err(e);
        }
        complete_locals(func, &mut frame.locals);
        Ok(frame)
    }

    /// For the interpreter's `cls(*stack[at + 1..])` (the callee slot
    /// `stack[at]` already emptied): when `cls` is a plain class whose
    /// `__init__` is a Python function that can run in the dispatch loop,
    /// the new instance's `__init__` frame (`init_frame`), its depth
    /// counted and the callee slot and arguments gone from `stack`; None
    /// for any other class (nothing done). Out of line: instance creation
    /// is rarer than calls, and its code stays out of the loop's.
    #[inline(never)]
    pub(crate) fn init_call_frame(
        &mut self,
        cls_v: &Value,
        stack: &mut Vec<Value>,
        at: usize,
    ) -> PyResult<Option<Box<Frame>>> {
        let Some((init, inst)) = self.plain_init_instance(cls_v) else {
            return Ok(None);
        };
        let Some(Payload::Function(func)) = init.payload() else {
            return Ok(None);
        };
        let argc = stack.len().saturating_sub(at + 1);
        let frame = if binds_positionally(func, argc + 1) {
            self.init_frame(func, inst, stack, at + 1)
        } else {
            let args = stack.get(at + 1..).unwrap_or(&[]);
            self.init_frame_bound(&init, func, inst, args, &[])?
        };
        let frame = self.counted(frame)?;
        stack.truncate(at);
        Ok(Some(frame))
    }

    /// `init_call_frame` for a call `cls(*args, **kwargs)` of any shape,
    /// whose arguments the caller drops itself.
    #[inline(never)]
    pub(crate) fn init_call_frame_kw(
        &mut self,
        cls_v: &Value,
        args: &[Value],
        kwargs: &[(Value, Value)],
    ) -> PyResult<Option<Box<Frame>>> {
        let Some((init, inst)) = self.plain_init_instance(cls_v) else {
            return Ok(None);
        };
        let Some(Payload::Function(func)) = init.payload() else {
            return Ok(None);
        };
        let frame = self.init_frame_bound(&init, func, inst, args, kwargs)?;
        self.counted(frame).map(Some)
    }

    /// `frame`, a new call's, with the call depth counted (`enter_depth`);
    /// past the recursion limit, or on an interrupt, it is released and
    /// the error returned.
    fn counted(&mut self, frame: Box<Frame>) -> PyResult<Box<Frame>> {
        match self.enter_depth() {
            Ok(()) => Ok(frame),
            Err(e) => {
                self.release_frame(frame);
                Err(e)
            }
        }
    }

    /// For a plain class `cls_v` whose `__init__` is a Python function
    /// (not a generator's) that the interpreter can run in its loop: that
    /// `__init__` and a new, empty instance. None for any other class.
    fn plain_init_instance(&self, cls_v: &Value) -> Option<(Value, Value)> {
        let cls = cls_v.as_class()?;
        let init = self.plain_init(cls_v)?;
        let Some(Payload::Function(func)) = init.payload() else {
            return None;
        };
        if func.code.flags.0 & (CodeFlags::GENERATOR | CodeFlags::COROUTINE) != 0 {
            return None;
        }
        let inst = Vm::new_instance(cls_v, cls.instance_size.get() as usize);
        Some((init, inst))
    }

    /// The frame of `func`, the `__init__` of a plain class, run by the
    /// interpreter to make the instance `inst` from `stack[at..]`, which
    /// are exactly its other parameters: `inst` and the arguments (moved
    /// off the caller's stack) are its locals, and `made_instance` holds
    /// `inst`, the call's result once `__init__` has returned None.
    #[inline]
    pub(crate) fn init_frame(
        &mut self,
        func: &FunctionObj,
        inst: Value,
        stack: &mut Vec<Value>,
        at: usize,
    ) -> Box<Frame> {
        let mut frame = self.pooled_frame(func);
        frame.locals.push(inst.clone());
        move_args(stack, at, &mut frame.locals);
        complete_locals(func, &mut frame.locals);
        frame.made_instance = inst;
        frame
    }

    /// `init_frame` for arguments of any shape (defaults, keywords,
    /// `*args`, `**kwargs`), bound as `bound_frame` does.
    pub(crate) fn init_frame_bound(
        &mut self,
        fv: &Value,
        func: &FunctionObj,
        inst: Value,
        args: &[Value],
        kwargs: &[(Value, Value)],
    ) -> PyResult<Box<Frame>> {
        let mut full = self.take_vec();
        full.push(inst.clone());
        full.extend_from_slice(args);
        let r = self.bound_frame(fv, func, &full, kwargs);
        self.give_vec(full);
        let mut frame = r?;
        frame.made_instance = inst;
        Ok(frame)
    }

    /// Bind `args` and `kwargs` onto `func`'s parameters in the empty
    /// `locals`, sized first to all of the code's variables and cells.
    fn bind_into(
        &mut self,
        fv: &Value,
        func: &FunctionObj,
        args: &[Value],
        kwargs: &[(Value, Value)],
        locals: &mut Vec<Value>,
    ) -> PyResult<()> {
        let code = &func.code;
        locals.resize(code.varnames.len() + code.num_cells(), Value::empty());
        self.bind_args(fv, func, args, kwargs, locals)
    }

    /// A frame box for a call of `func`, from the pool when there is one
    /// (its vectors keep their capacity): code and globals set, at pc 0,
    /// no locals yet.
    #[inline(always)]
    fn pooled_frame(&mut self, func: &FunctionObj) -> Box<Frame> {
        match self.frame_pool.pop() {
            Some(mut frame) => {
                // A frame last used by the same function (recursion, a
                // loop's calls) already holds its info.
                if !std::rc::Rc::ptr_eq(&frame.info, &func.info) {
                    frame.info = func.info.clone();
                }
                // `release_frame` left None here: nothing to drop.
                let old = std::mem::replace(&mut frame.globals, func.globals.clone());
                debug_assert!(old.is_none());
                std::mem::forget(old);
                frame.pc = 0;
                frame
            }
            None => Box::new(Frame {
                info: func.info.clone(),
                globals: func.globals.clone(),
                locals: Vec::new(),
                stack: Vec::new(),
                pc: 0,
                namespace: Value::none(),
                saved_exc: Value::none(),
                made_instance: Value::none(),
            }),
        }
    }

    /// Take back a finished frame from `positional_frame` or
    /// `bound_frame`: its values are
    /// dropped (front to back, the order CPython clears a frame in), the
    /// box and its vectors kept for the next call.
    #[inline(always)]
    pub(crate) fn release_frame(&mut self, mut frame: Box<Frame>) {
        clear_values(&mut frame.locals);
        clear_values(&mut frame.stack);
        frame.globals = Value::none();
        if !frame.made_instance.is_none() {
            // An `__init__` frame left by an exception.
            frame.made_instance = Value::none();
        }
        if self.frame_pool.len() < 256 {
            self.frame_pool.push(frame);
        }
    }

    /// The frame of a call to `func` whose parameters are bound in
    /// `locals` (in order): cells made, closure installed, call counted.
    #[inline]
    pub(crate) fn new_frame(&mut self, func: &FunctionObj, mut locals: Vec<Value>) -> Frame {
        complete_locals(func, &mut locals);
        let stack = self.take_vec();
        Frame {
            info: func.info.clone(),
            globals: func.globals.clone(),
            locals,
            stack,
            pc: 0,
            namespace: Value::none(),
            saved_exc: Value::none(),
            made_instance: Value::none(),
        }
    }

    /// Give a finished frame's vectors back to the pool.
    #[inline]
    pub(crate) fn drop_frame(&mut self, frame: Frame) {
        let Frame { locals, stack, .. } = frame;
        self.give_vec(locals);
        self.give_vec(stack);
    }

    /// Account for one more active Python frame: the interrupt check and
    /// the recursion limit every call goes through.
    #[inline(always)]
    pub(crate) fn enter_depth(&mut self) -> PyResult<()> {
        self.check_interrupt()?;
        if self.depth >= RECURSION_LIMIT {
            return Err(PyErr::new(
                ExcKind::RecursionError,
                "maximum recursion depth exceeded",
            ));
        }
        self.depth += 1;
        Ok(())
    }

    /// Run a non-generator frame to completion, with the recursion check.
    #[inline]
    pub(crate) fn run_in_frame(&mut self, frame: &mut Frame) -> PyResult<Value> {
        self.enter_depth()?;
        let r = run_frame(self, frame, None);
        self.depth -= 1;
        match r? {
            Exit::Return(v) => Ok(v),
            Exit::Yield(_) => Err(PyErr::runtime_error("yield outside a generator")),
        }
    }

    #[allow(clippy::needless_range_loop)]
    fn bind_args(
        &mut self,
        fv: &Value,
        func: &FunctionObj,
        args: &[Value],
        kwargs: &[(Value, Value)],
        locals: &mut [Value],
    ) -> PyResult<()> {
        let code = &func.code;
        let qual = func
            .qualname
            .borrow()
            .as_str()
            .map(str::to_string)
            .unwrap_or_default();
        let argc = code.arg_count as usize;
        let kwonly = code.kwonly_count as usize;
        let has_varargs = code.flags.has(CodeFlags::VARARGS);
        let has_varkw = code.flags.has(CodeFlags::VARKEYWORDS);
        let _ = fv;
        // Positional.
        let npos = args.len().min(argc);
        for (slot, a) in locals.iter_mut().zip(args.iter()).take(npos) {
            *slot = a.clone();
        }
        // Too many positional arguments is reported after the keywords
        // are bound, as CPython does (their errors come first).
        let too_many = args.len() > argc && !has_varargs;
        if has_varargs {
            if let Some(slot) = locals.get_mut(argc + kwonly) {
                *slot = Value::tuple(args.get(argc..).unwrap_or(&[]).to_vec());
            }
        }
        // Keywords.
        let varkw_slot = argc + kwonly + has_varargs as usize;
        let mut extra_kw = if has_varkw { Some(Dict::new()) } else { None };
        for (k, v) in kwargs {
            let name = k.as_str().unwrap_or("");
            let pos = code.varnames[..argc + kwonly]
                .iter()
                .position(|n| &**n == name);
            match pos {
                Some(i) if i >= code.posonly_count as usize => {
                    if !locals[i].is_empty() {
                        return Err(PyErr::type_error(format!(
                            "{qual}() got multiple values for argument '{name}'"
                        )));
                    }
                    locals[i] = v.clone();
                }
                _ => match &mut extra_kw {
                    Some(d) => d.set_str(k.clone(), v.clone()),
                    None => {
                        // CPython, at the first keyword that names no
                        // keyword parameter: every positional-only
                        // parameter named by a keyword, in parameter
                        // order, else this keyword.
                        let posonly: Vec<&str> = code
                            .varnames
                            .get(..code.posonly_count as usize)
                            .unwrap_or(&[])
                            .iter()
                            .map(|n| &**n)
                            .filter(|n| kwargs.iter().any(|(k, _)| k.as_str() == Some(*n)))
                            .collect();
                        if !posonly.is_empty() {
                            return Err(PyErr::type_error(format!(
                                "{qual}() got some positional-only arguments passed as keyword arguments: '{}'",
                                posonly.join(", ")
                            )));
                        }
                        return Err(PyErr::type_error(format!(
                            "{qual}() got an unexpected keyword argument '{name}'"
                        )));
                    }
                },
            }
        }
        if let Some(d) = extra_kw {
            if let Some(slot) = locals.get_mut(varkw_slot) {
                *slot = Value::dict(d);
            }
        }
        if too_many {
            let ndef = func.defaults.len();
            let given = args.len();
            let takes = if ndef > 0 {
                format!(
                    "from {} to {} positional arguments",
                    argc.saturating_sub(ndef),
                    argc
                )
            } else {
                format!(
                    "{} positional argument{}",
                    argc,
                    if argc == 1 { "" } else { "s" }
                )
            };
            // Keyword-only parameters given a value by keyword.
            let kw_given = locals
                .get(argc..argc + kwonly)
                .map_or(0, |s| s.iter().filter(|v| !v.is_empty()).count());
            let were = if given == 1 { "was" } else { "were" };
            return Err(PyErr::type_error(if kw_given == 0 {
                format!("{qual}() takes {takes} but {given} {were} given")
            } else {
                format!(
                    "{qual}() takes {takes} but {given} positional argument{} (and {} keyword-only argument{}) were given",
                    if given == 1 { "" } else { "s" },
                    kw_given,
                    if kw_given == 1 { "" } else { "s" }
                )
            }));
        }
        // Defaults for missing positionals.
        let ndef = func.defaults.len();
        let mut missing = Vec::new();
        for i in 0..argc {
            if locals[i].is_empty() {
                if i + ndef >= argc {
                    locals[i] = func.defaults[i + ndef - argc].clone();
                } else {
                    missing.push(code.varnames[i].to_string());
                }
            }
        }
        if !missing.is_empty() {
            return Err(missing_error(&qual, &missing, "positional"));
        }
        for i in argc..argc + kwonly {
            if locals[i].is_empty() {
                let name = &code.varnames[i];
                let dflt = func
                    .kwdefaults
                    .as_dict()
                    .and_then(|d| d.borrow().get_str(name).cloned());
                match dflt {
                    Some(v) => locals[i] = v,
                    None => missing.push(name.to_string()),
                }
            }
        }
        if !missing.is_empty() {
            return Err(missing_error(&qual, &missing, "keyword-only"));
        }
        Ok(())
    }

    /// The `__init__` function of a plain script class (no built-in
    /// layout, no script `__new__`), whose instances are made by
    /// allocating one and calling it; None for any other class. Cached
    /// on the class for the current class epoch.
    pub(crate) fn plain_init(&self, cls_v: &Value) -> Option<Value> {
        let cls = cls_v.as_class()?;
        if let Ok(cache) = cls.init_cache.try_borrow() {
            if let Some((epoch, init)) = &*cache {
                if *epoch == self.class_epoch {
                    return init.clone();
                }
            }
        }
        const NEW_HASH: u64 = crate::hash::const_str_hash("__new__");
        const INIT_HASH: u64 = crate::hash::const_str_hash("__init__");
        let plain = cls.builtin.is_none()
            && cls.layout == TypeId::Object
            && self
                .class_attr_hashed(cls_v, "__new__", NEW_HASH)
                .is_none_or(|n| is_default_new(&n));
        let init = self
            .class_attr_hashed(cls_v, "__init__", INIT_HASH)
            .filter(|i| plain && matches!(i.payload(), Some(Payload::Function(_))));
        if let Ok(mut cache) = cls.init_cache.try_borrow_mut() {
            *cache = Some((self.class_epoch, init.clone()));
        }
        init
    }

    /// A new, empty instance of the plain script class `cls_v`.
    pub(crate) fn new_instance(cls_v: &Value, size_hint: usize) -> Value {
        Value::new_heap(Payload::Instance(InstanceObj {
            class: cls_v.clone(),
            dict: RefCell::new(Dict::with_capacity(size_hint)),
        }))
    }

    /// `cls(*args, **kwargs)`.
    fn instantiate(
        &mut self,
        cls_v: &Value,
        args: &[Value],
        kwargs: &[(Value, Value)],
    ) -> PyResult<Value> {
        let Some(cls) = cls_v.as_class() else {
            return Err(self.not_callable(cls_v));
        };
        if let Some(id) = cls.builtin {
            return crate::builtins::construct(self, id, cls_v, args, kwargs);
        }
        if cls.layout == TypeId::BaseException {
            let exc = self.new_exception(cls_v.clone(), args.to_vec());
            if let Some(init) = self.class_attr(cls_v, "__init__") {
                if matches!(init.payload(), Some(Payload::Function(_))) {
                    let mut full = vec![exc.clone()];
                    full.extend_from_slice(args);
                    self.call_kw(&init, &full, kwargs)?;
                    return Ok(exc);
                }
            }
            if !kwargs.is_empty() {
                return Err(PyErr::type_error(format!(
                    "{}() takes no keyword arguments",
                    cls.name
                )));
            }
            return Ok(exc);
        }
        // The common case, from the class's cache: allocate, `__init__`.
        if let Some(init) = self.plain_init(cls_v) {
            let inst = Vm::new_instance(cls_v, cls.instance_size.get() as usize);
            let mut full = self.take_vec();
            full.push(inst.clone());
            full.extend_from_slice(args);
            let r = self.call_kw(&init, &full, kwargs);
            self.give_vec(full);
            return match r? {
                r if r.is_none() => Ok(inst),
                r => Err(PyErr::type_error(format!(
                    "__init__() should return None, not '{}'",
                    self.type_name(&r)
                ))),
            };
        }
        if cls.layout != TypeId::Object {
            return Err(PyErr::unsupported(format!(
                "subclassing the built-in type '{}' is not supported",
                cls.layout.name()
            )));
        }
        const NEW_HASH: u64 = crate::hash::const_str_hash("__new__");
        const INIT_HASH: u64 = crate::hash::const_str_hash("__init__");
        let inst = if let Some(new) = self
            .class_attr_hashed(cls_v, "__new__", NEW_HASH)
            .filter(|n| !is_default_new(n))
        {
            let inner = match new.payload() {
                Some(Payload::StaticMethod(f)) => f.clone(),
                _ => new.clone(),
            };
            let mut full = vec![cls_v.clone()];
            full.extend_from_slice(args);
            let obj = self.call_kw(&inner, &full, kwargs)?;
            if !self.is_instance(&obj, cls_v) {
                return Ok(obj);
            }
            obj
        } else {
            Vm::new_instance(cls_v, cls.instance_size.get() as usize)
        };
        match self.class_attr_hashed(cls_v, "__init__", INIT_HASH) {
            Some(init) if !matches!(init.payload(), Some(Payload::Native(_))) => {
                let mut full = self.take_vec();
                full.push(inst.clone());
                full.extend_from_slice(args);
                let r = self.call_kw(&init, &full, kwargs);
                self.give_vec(full);
                let r = r?;
                if !r.is_none() {
                    return Err(PyErr::type_error(format!(
                        "__init__() should return None, not '{}'",
                        self.type_name(&r)
                    )));
                }
            }
            _ => {
                if (!args.is_empty() || !kwargs.is_empty())
                    && self
                        .class_attr_hashed(cls_v, "__new__", NEW_HASH)
                        .is_none_or(|n| is_default_new(&n))
                {
                    return Err(PyErr::type_error(format!(
                        "{}() takes no arguments",
                        cls.name
                    )));
                }
            }
        }
        Ok(inst)
    }
}

/// Whether `new`, a class's `__new__`, is a built-in one (`object.__new__`,
/// a static method around a native): instances are then made directly.
pub(crate) fn is_default_new(new: &Value) -> bool {
    match new.payload() {
        Some(Payload::StaticMethod(inner)) => matches!(inner.payload(), Some(Payload::Native(_))),
        Some(Payload::Native(_)) => true,
        _ => false,
    }
}

/// Finish the locals of a call of `func` whose parameters are in place:
/// sized to all of its variables and cells, cells made, closure
/// installed; and count the call (the JIT's hotness counter).
#[inline(always)]
fn complete_locals(func: &FunctionObj, locals: &mut Vec<Value>) {
    let info = &*func.info;
    if locals.len() != info.nlocals {
        locals.resize(info.nlocals, Value::empty());
    }
    if info.has_cells {
        fill_cells(func, locals);
    }
    let calls = &info.feedback.calls;
    calls.set(calls.get().wrapping_add(1));
}

/// Empty `v`, dropping a single value inline (a one-parameter function's
/// locals) rather than through the slice drop loop; front to back, the
/// order CPython clears a frame in.
#[inline(always)]
fn clear_values(v: &mut Vec<Value>) {
    if v.len() == 1 {
        v.pop();
    } else if !v.is_empty() {
        v.clear();
    }
}

/// Move `stack[at..]` (in order) onto the end of `locals`. One or two
/// arguments, the common case, move by pop and push: `drain` costs about
/// as much again in its setup as the move itself.
#[inline(always)]
fn move_args(stack: &mut Vec<Value>, at: usize, locals: &mut Vec<Value>) {
    match stack.len().saturating_sub(at) {
        0 => {}
        1 => {
            if let Some(a) = stack.pop() {
                locals.push(a);
            }
        }
        2 => {
            if let (Some(b), Some(a)) = (stack.pop(), stack.pop()) {
                locals.push(a);
                locals.push(b);
            }
        }
        _ => locals.extend(stack.drain(at..)),
    }
}

/// Whether a call with `argc` positional arguments and no keywords binds
/// them one-to-one onto `func`'s parameters (no defaults, `*args`,
/// `**kwargs` or keyword-only parameters involved).
#[inline]
pub(crate) fn binds_positionally(func: &FunctionObj, argc: usize) -> bool {
    let code = &func.code;
    argc == code.arg_count as usize
        && code.kwonly_count == 0
        && code.flags.0 & (CodeFlags::VARARGS | CodeFlags::VARKEYWORDS) == 0
}

fn missing_error(qual: &str, names: &[String], kind: &str) -> PyErr {
    let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    let list = match quoted.len() {
        1 => quoted[0].clone(),
        2 => format!("{} and {}", quoted[0], quoted[1]),
        n => format!("{}, and {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    };
    PyErr::type_error(format!(
        "{qual}() missing {} required {kind} argument{}: {list}",
        names.len(),
        if names.len() == 1 { "" } else { "s" }
    ))
}
