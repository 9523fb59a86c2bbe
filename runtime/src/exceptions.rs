//! Exceptions as values: turning a lazy `PyErr` into an instance, creating
//! instances, matching `except` clauses, `str`/`repr` of exceptions, and
//! CPython's traceback text (with chained causes and contexts).

use std::cell::{Cell, RefCell};

use crate::dict::Dict;
use crate::error::{ErrState, ExcKind, PyErr, PyResult};
use crate::object::{ExcObj, Payload, TbEntry};
use crate::value::Value;
use crate::vm::Vm;

impl Vm {
    /// A new exception instance of `class` with `args`.
    pub fn new_exception(&self, class: Value, args: Vec<Value>) -> Value {
        Value::new_heap(Payload::Exception(Box::new(ExcObj {
            class,
            args: RefCell::new(Value::tuple(args)),
            dict: RefCell::new(Dict::new()),
            traceback: RefCell::new(Vec::new()),
            cause: RefCell::new(Value::none()),
            context: RefCell::new(Value::none()),
            suppress_context: Cell::new(false),
        })))
    }

    /// The exception instance of `err`, creating it if the error is lazy.
    pub fn exc_value(&mut self, err: &mut PyErr) -> Value {
        let state = std::mem::replace(&mut *err.state, ErrState::Object(Value::none()));
        let exc = match state {
            ErrState::Object(v) => v,
            ErrState::Lazy { kind, msg, no_args } => {
                let args = if no_args {
                    vec![]
                } else {
                    vec![Value::from_string(msg)]
                };
                self.new_exception(self.exc_type(kind), args)
            }
            ErrState::LazyValue { kind, arg } => {
                let exc = self.new_exception(self.exc_type(kind), vec![arg.clone()]);
                if kind == ExcKind::StopIteration {
                    if let Some(e) = exc.as_exception() {
                        e.dict.borrow_mut().set_name("value", arg);
                    }
                }
                exc
            }
        };
        *err.state = ErrState::Object(exc.clone());
        exc
    }

    /// Whether `err` is an instance of the built-in exception `kind`
    /// (or a subclass).
    pub fn err_matches(&self, err: &PyErr, kind: ExcKind) -> bool {
        match &*err.state {
            ErrState::Lazy { kind: k, .. } | ErrState::LazyValue { kind: k, .. } => {
                let mut cur = *k;
                loop {
                    if cur == kind {
                        return true;
                    }
                    if cur == ExcKind::BaseException {
                        return false;
                    }
                    cur = cur.base();
                }
            }
            ErrState::Object(v) => self.is_instance(v, &self.exc_type(kind)),
        }
    }

    /// `except <spec>` matching: `spec` is a class or a tuple of classes.
    pub fn exception_matches(&self, exc: &Value, spec: &Value) -> PyResult<bool> {
        if let Some(items) = spec.as_tuple() {
            for it in items.iter() {
                if self.exception_matches(exc, it)? {
                    return Ok(true);
                }
            }
            return Ok(false);
        }
        let Some(cls) = spec.as_class() else {
            return Err(PyErr::type_error(
                "catching classes that do not inherit from BaseException is not allowed",
            ));
        };
        let _ = cls;
        if !self.is_subclass(spec, &self.exc_type(ExcKind::BaseException)) {
            return Err(PyErr::type_error(
                "catching classes that do not inherit from BaseException is not allowed",
            ));
        }
        Ok(self.is_instance(exc, spec))
    }

    /// Turn the raised operand of `raise X` into an exception instance.
    pub fn make_raisable(&mut self, v: Value) -> PyResult<Value> {
        if v.as_exception().is_some() {
            return Ok(v);
        }
        if v.as_class().is_some() && self.is_subclass(&v, &self.exc_type(ExcKind::BaseException)) {
            let inst = self.call(&v, &[])?;
            if inst.as_exception().is_some() {
                return Ok(inst);
            }
        }
        Err(PyErr::type_error(
            "exceptions must derive from BaseException",
        ))
    }

    /// Record that `err` passed through a frame at `line`.
    pub fn add_traceback(
        &mut self,
        err: &mut PyErr,
        filename: &std::sync::Arc<str>,
        name: &std::sync::Arc<str>,
        line: u32,
    ) {
        let exc = self.exc_value(err);
        if let Some(e) = exc.as_exception() {
            let mut tb = e.traceback.borrow_mut();
            if tb.is_empty() {
                // Freshly raised: chain the exception being handled.
                let handled = self.handled_exc.clone();
                if !handled.is_none() && !handled.is(&exc) && e.context.borrow().is_none() {
                    *e.context.borrow_mut() = handled;
                }
            }
            tb.push(TbEntry {
                filename: filename.clone(),
                name: name.clone(),
                line,
            });
        }
    }

    /// `str(exc)`.
    pub fn exception_str(&mut self, exc: &Value) -> PyResult<String> {
        let Some(e) = exc.as_exception() else {
            return Ok(String::new());
        };
        let args = e.args.borrow().clone();
        let items = args.as_tuple().map(<[Value]>::to_vec).unwrap_or_default();
        let is_key_error = self.is_instance(exc, &self.exc_type(ExcKind::KeyError));
        match items.len() {
            0 => Ok(String::new()),
            1 if is_key_error => self.repr(&items[0]),
            1 => self.str(&items[0]),
            _ => self.repr(&args),
        }
    }

    /// `repr(exc)`: `ValueError('bad')`.
    pub fn exception_repr(&mut self, exc: &Value) -> PyResult<String> {
        let Some(e) = exc.as_exception() else {
            return Ok(String::new());
        };
        let name = crate::vm::class_name(&e.class);
        let args = e.args.borrow().clone();
        let items = args.as_tuple().map(<[Value]>::to_vec).unwrap_or_default();
        if items.len() == 1 {
            return Ok(format!("{name}({})", self.repr(&items[0])?));
        }
        let r = self.repr(&args)?;
        Ok(format!("{name}{r}"))
    }

    /// The last line of a traceback: `ValueError: bad`.
    fn exception_summary(&mut self, exc: &Value) -> String {
        let cls = self.type_of(exc);
        let mut name = crate::vm::class_name(&cls);
        if let Some(c) = cls.as_class() {
            if &*c.module != "builtins" && &*c.module != "__main__" {
                name = format!("{}.{}", c.module, c.qualname);
            }
        }
        let msg = match self.str(exc) {
            Ok(s) => s,
            Err(_) => "<exception str() failed>".to_string(),
        };
        if msg.is_empty() {
            name
        } else {
            format!("{name}: {msg}")
        }
    }

    /// The full text CPython prints for an uncaught exception.
    pub fn format_exception(&mut self, exc: &Value) -> String {
        let mut out = String::new();
        let mut seen = Vec::new();
        self.format_chain(exc, &mut out, &mut seen);
        out
    }

    fn format_chain(&mut self, exc: &Value, out: &mut String, seen: &mut Vec<u64>) {
        seen.push(exc.address());
        if let Some(e) = exc.as_exception() {
            let cause = e.cause.borrow().clone();
            let context = e.context.borrow().clone();
            if !cause.is_none() && !seen.contains(&cause.address()) {
                self.format_chain(&cause, out, seen);
                out.push_str(
                    "\nThe above exception was the direct cause of the following exception:\n\n",
                );
            } else if !context.is_none()
                && !e.suppress_context.get()
                && !seen.contains(&context.address())
            {
                self.format_chain(&context, out, seen);
                out.push_str(
                    "\nDuring handling of the above exception, another exception occurred:\n\n",
                );
            }
            let tb = e.traceback.borrow().clone();
            if !tb.is_empty() {
                out.push_str("Traceback (most recent call last):\n");
                for entry in tb.iter().rev() {
                    out.push_str(&format!(
                        "  File \"{}\", line {}, in {}\n",
                        entry.filename, entry.line, entry.name
                    ));
                    if let Some(src) = self.source_line(&entry.filename, entry.line) {
                        out.push_str(&format!("    {src}\n"));
                    }
                }
            }
        }
        let summary = self.exception_summary(exc);
        out.push_str(&summary);
        out.push('\n');
    }

    fn source_line(&self, filename: &str, line: u32) -> Option<String> {
        let src = self.sources.get(filename)?;
        let text = src.lines().nth(line.checked_sub(1)? as usize)?;
        let t = text.trim();
        if t.is_empty() {
            None
        } else {
            Some(t.to_string())
        }
    }
}
