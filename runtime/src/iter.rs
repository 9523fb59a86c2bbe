//! Iteration: `iter()`, `next()`, collecting into vectors, `len()`, and
//! driving generators (`send`, `throw`, `close`).

use crate::error::{ErrState, ExcKind, PyErr, PyResult};
use crate::interp::{run_frame, Exit};
use crate::object::{IterState, Payload, ViewKind};
use crate::value::Value;
use crate::vm::{Vm, RECURSION_LIMIT};

/// What one generator step produced.
pub enum GenStep {
    Yielded(Value),
    Returned(Value),
}

impl Vm {
    /// `iter(v)`.
    pub fn iter(&mut self, v: &Value) -> PyResult<Value> {
        let state = match v.payload() {
            Some(Payload::List(_)) | Some(Payload::Tuple(_)) | Some(Payload::Bytes(_)) => {
                IterState::Seq {
                    seq: v.clone(),
                    index: 0,
                }
            }
            Some(Payload::Str(_)) => IterState::Str {
                s: v.clone(),
                pos: 0,
            },
            Some(Payload::Range(r)) => r.iter_state(),
            Some(Payload::Dict(d)) => IterState::Dict {
                dict: v.clone(),
                index: 0,
                len: d.borrow().len(),
                kind: ViewKind::Keys,
            },
            Some(Payload::Set(s)) => IterState::Dict {
                dict: v.clone(),
                index: 0,
                len: s.items.borrow().len(),
                kind: ViewKind::Keys,
            },
            Some(Payload::DictView(d, kind)) => {
                let len = d.as_dict().map_or(0, |x| x.borrow().len());
                IterState::Dict {
                    dict: d.clone(),
                    index: 0,
                    len,
                    kind: *kind,
                }
            }
            Some(Payload::Iter(_)) | Some(Payload::Generator(_)) => return Ok(v.clone()),
            Some(Payload::Instance(_)) | Some(Payload::Exception(_)) => {
                if let Some(it) = self.call_special(v, "__iter__", &[])? {
                    return Ok(it);
                }
                if self.class_attr(&self.type_of(v), "__getitem__").is_some() {
                    IterState::GetItem {
                        obj: v.clone(),
                        index: 0,
                    }
                } else {
                    return Err(self.not_iterable(v));
                }
            }
            _ => return Err(self.not_iterable(v)),
        };
        Ok(Value::iterator(state))
    }

    fn not_iterable(&self, v: &Value) -> PyErr {
        PyErr::type_error(format!("'{}' object is not iterable", self.type_name(v)))
    }

    /// `next(it)`: `Some(item)` or `None` when exhausted.
    pub fn next(&mut self, it: &Value) -> PyResult<Option<Value>> {
        match it.payload() {
            Some(Payload::Iter(cell)) => {
                let mut st = cell
                    .try_borrow_mut()
                    .map_err(|_| PyErr::value_error("generator already executing"))?;
                if let IterState::Native(n) = &mut *st {
                    return n.next(self);
                }
                if let IterState::GetItem { obj, index } = &mut *st {
                    let (o, i) = (obj.clone(), *index);
                    *index += 1;
                    drop(st);
                    return match crate::items::getitem(self, &o, &Value::int(i)) {
                        Ok(v) => Ok(Some(v)),
                        Err(e)
                            if self.err_matches(&e, ExcKind::IndexError)
                                || self.err_matches(&e, ExcKind::StopIteration) =>
                        {
                            if let Ok(mut s) = cell.try_borrow_mut() {
                                *s = IterState::Exhausted;
                            }
                            Ok(None)
                        }
                        Err(e) => Err(e),
                    };
                }
                step_builtin(&mut st)
            }
            Some(Payload::Generator(_)) => match self.gen_resume(it, Value::none(), None)? {
                GenStep::Yielded(v) => Ok(Some(v)),
                GenStep::Returned(_) => Ok(None),
            },
            Some(Payload::Instance(_)) => match self.call_special(it, "__next__", &[]) {
                Ok(Some(v)) => Ok(Some(v)),
                Ok(None) => Err(PyErr::type_error(format!(
                    "'{}' object is not an iterator",
                    self.type_name(it)
                ))),
                Err(e) if self.err_matches(&e, ExcKind::StopIteration) => Ok(None),
                Err(e) => Err(e),
            },
            _ => Err(PyErr::type_error(format!(
                "'{}' object is not an iterator",
                self.type_name(it)
            ))),
        }
    }

    /// All items of an iterable.
    pub fn collect(&mut self, v: &Value) -> PyResult<Vec<Value>> {
        match v.payload() {
            Some(Payload::List(l)) => {
                return Ok(l
                    .try_borrow()
                    .map_err(|_| PyErr::reentrant("list"))?
                    .clone())
            }
            Some(Payload::Tuple(t)) => return Ok(t.to_vec()),
            _ => {}
        }
        let it = self.iter(v)?;
        let mut out = Vec::new();
        while let Some(x) = self.next(&it)? {
            out.push(x);
        }
        Ok(out)
    }

    /// `len(v)`.
    pub fn len(&mut self, v: &Value) -> PyResult<usize> {
        let n = match v.payload() {
            Some(Payload::Str(s)) => s.chars,
            Some(Payload::Bytes(b)) => b.len(),
            Some(Payload::List(l)) => l.try_borrow().map_err(|_| PyErr::reentrant("list"))?.len(),
            Some(Payload::Tuple(t)) => t.len(),
            Some(Payload::Dict(d)) => d.try_borrow().map_err(|_| PyErr::reentrant("dict"))?.len(),
            Some(Payload::Set(s)) => s
                .items
                .try_borrow()
                .map_err(|_| PyErr::reentrant("set"))?
                .len(),
            Some(Payload::Range(r)) => r.len_checked()?,
            Some(Payload::DictView(d, _)) => {
                let d = d.clone();
                return self.len(&d);
            }
            Some(Payload::Instance(_)) | Some(Payload::Exception(_)) => {
                match self.call_special(v, "__len__", &[])? {
                    Some(r) => match crate::int::as_i64(&r) {
                        Some(n) if n >= 0 => n as usize,
                        Some(_) => return Err(PyErr::value_error("__len__() should return >= 0")),
                        None => {
                            return Err(PyErr::type_error(format!(
                                "'{}' object cannot be interpreted as an integer",
                                self.type_name(&r)
                            )))
                        }
                    },
                    None => {
                        return Err(PyErr::type_error(format!(
                            "object of type '{}' has no len()",
                            self.type_name(v)
                        )))
                    }
                }
            }
            _ => {
                return Err(PyErr::type_error(format!(
                    "object of type '{}' has no len()",
                    self.type_name(v)
                )))
            }
        };
        Ok(n)
    }

    /// Resume a generator with `sent` (or raise `throw` inside it).
    pub fn gen_resume(
        &mut self,
        g: &Value,
        sent: Value,
        throw: Option<PyErr>,
    ) -> PyResult<GenStep> {
        let Some(Payload::Generator(gen)) = g.payload() else {
            return Err(PyErr::type_error("not a generator"));
        };
        if gen.running.get() {
            return Err(PyErr::value_error("generator already executing"));
        }
        let taken = gen.frame.borrow_mut().take();
        let Some(mut frame) = taken else {
            return match throw {
                Some(e) => Err(e),
                None => Ok(GenStep::Returned(Value::none())),
            };
        };
        if frame.pc == 0 && throw.is_none() && !sent.is_none() {
            *gen.frame.borrow_mut() = Some(frame);
            return Err(PyErr::type_error(
                "can't send non-None value to a just-started generator",
            ));
        }
        if frame.pc != 0 && throw.is_none() {
            frame.stack.push(sent);
        }
        if self.depth >= RECURSION_LIMIT {
            *gen.frame.borrow_mut() = Some(frame);
            return Err(PyErr::new(
                ExcKind::RecursionError,
                "maximum recursion depth exceeded",
            ));
        }
        gen.running.set(true);
        self.depth += 1;
        // A generator suspended inside `except` resumes with its own handled
        // exception (for bare `raise`); the caller's is restored afterwards.
        let outer = self.handled_exc.clone();
        let own = std::mem::take(&mut frame.saved_exc);
        if !own.is_none() {
            self.handled_exc = own;
        }
        let r = run_frame(self, &mut frame, throw);
        if matches!(r, Ok(Exit::Yield(_))) && !self.handled_exc.is(&outer) {
            frame.saved_exc = self.handled_exc.clone();
        }
        self.handled_exc = outer;
        self.depth -= 1;
        gen.running.set(false);
        match r {
            Ok(Exit::Yield(v)) => {
                *gen.frame.borrow_mut() = Some(frame);
                Ok(GenStep::Yielded(v))
            }
            Ok(Exit::Return(v)) => Ok(GenStep::Returned(v)),
            Err(mut e) => {
                if self.err_matches(&e, ExcKind::StopIteration) {
                    let what = if gen.is_coroutine {
                        "coroutine"
                    } else {
                        "generator"
                    };
                    let cause = self.exc_value(&mut e);
                    let mut err = PyErr::runtime_error(format!("{what} raised StopIteration"));
                    let exc = self.exc_value(&mut err);
                    if let Some(x) = exc.as_exception() {
                        *x.cause.borrow_mut() = cause.clone();
                        *x.context.borrow_mut() = cause;
                        x.suppress_context.set(true);
                    }
                    return Err(err);
                }
                Err(e)
            }
        }
    }

    /// `gen.send(v)` with Python's result: the yielded value, or
    /// StopIteration carrying the return value.
    pub fn gen_send(&mut self, g: &Value, v: Value) -> PyResult<Value> {
        match self.gen_resume(g, v, None)? {
            GenStep::Yielded(y) => Ok(y),
            GenStep::Returned(r) => Err(stop_with(r)),
        }
    }

    /// `gen.throw(exc)`.
    pub fn gen_throw(&mut self, g: &Value, exc: Value) -> PyResult<Value> {
        let exc = self.make_raisable(exc)?;
        match self.gen_resume(g, Value::none(), Some(PyErr::from_object(exc)))? {
            GenStep::Yielded(y) => Ok(y),
            GenStep::Returned(r) => Err(stop_with(r)),
        }
    }

    /// `gen.close()`.
    pub fn gen_close(&mut self, g: &Value) -> PyResult<()> {
        let Some(Payload::Generator(gen)) = g.payload() else {
            return Ok(());
        };
        let started = gen.frame.borrow().as_ref().map(|f| f.pc != 0);
        match started {
            None => return Ok(()),
            Some(false) => {
                gen.frame.borrow_mut().take();
                return Ok(());
            }
            Some(true) => {}
        }
        match self.gen_resume(g, Value::none(), Some(PyErr::bare(ExcKind::GeneratorExit))) {
            Ok(GenStep::Yielded(_)) => Err(PyErr::runtime_error("generator ignored GeneratorExit")),
            Ok(GenStep::Returned(_)) => Ok(()),
            Err(e)
                if self.err_matches(&e, ExcKind::GeneratorExit)
                    || self.err_matches(&e, ExcKind::StopIteration) =>
            {
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// One step of `yield from`/`await` delegation: send `v` into `sub`.
    pub fn delegate_send(&mut self, sub: &Value, v: Value) -> PyResult<GenStep> {
        if matches!(sub.payload(), Some(Payload::Generator(_))) {
            return self.gen_resume(sub, v, None);
        }
        let r = if v.is_none() {
            self.next(sub)
        } else {
            self.call_method(sub, "send", &[v]).map(Some)
        };
        match r {
            Ok(Some(y)) => Ok(GenStep::Yielded(y)),
            Ok(None) => Ok(GenStep::Returned(Value::none())),
            Err(mut e) if self.err_matches(&e, ExcKind::StopIteration) => {
                let exc = self.exc_value(&mut e);
                let val = exc
                    .as_exception()
                    .and_then(|x| x.args.borrow().as_tuple().and_then(|t| t.first().cloned()))
                    .unwrap_or_default();
                Ok(GenStep::Returned(val))
            }
            Err(e) => Err(e),
        }
    }
}

/// StopIteration carrying a generator's return value.
pub fn stop_with(v: Value) -> PyErr {
    if v.is_none() {
        PyErr::bare(ExcKind::StopIteration)
    } else {
        PyErr {
            state: Box::new(ErrState::LazyValue {
                kind: ExcKind::StopIteration,
                arg: v,
            }),
            reraised: false,
        }
    }
}

/// Advance a built-in iterator (not Native/GetItem).
pub(crate) fn step_builtin(st: &mut IterState) -> PyResult<Option<Value>> {
    match st {
        IterState::Seq { seq, index } => {
            let item = match seq.payload() {
                Some(Payload::List(l)) => l
                    .try_borrow()
                    .map_err(|_| PyErr::reentrant("list"))?
                    .get(*index)
                    .cloned(),
                Some(Payload::Tuple(t)) => t.get(*index).cloned(),
                Some(Payload::Bytes(b)) => b.get(*index).map(|x| Value::int(*x as i64)),
                _ => None,
            };
            match item {
                Some(v) => {
                    *index += 1;
                    Ok(Some(v))
                }
                None => {
                    *st = IterState::Exhausted;
                    Ok(None)
                }
            }
        }
        IterState::Str { s, pos } => {
            let text = s.as_str().unwrap_or("");
            match text.get(*pos..).and_then(|r| r.chars().next()) {
                Some(c) => {
                    *pos += c.len_utf8();
                    let mut buf = [0u8; 4];
                    Ok(Some(Value::from_str(c.encode_utf8(&mut buf))))
                }
                None => Ok(None),
            }
        }
        IterState::Range { next, stop, step } => {
            if (*step > 0 && *next < *stop) || (*step < 0 && *next > *stop) {
                let v = *next;
                *next = next.saturating_add(*step);
                if v == *next {
                    *stop = v;
                }
                Ok(Some(Value::int(v)))
            } else {
                Ok(None)
            }
        }
        IterState::Dict {
            dict,
            index,
            len,
            kind,
        } => {
            let cell = match dict.payload() {
                Some(Payload::Dict(d)) => d,
                Some(Payload::Set(s)) => {
                    // Sets iterate table slots; `index` is the next slot.
                    let t = s.items.try_borrow().map_err(|_| PyErr::reentrant("set"))?;
                    if t.len() != *len {
                        *len = usize::MAX;
                        return Err(PyErr::runtime_error("Set changed size during iteration"));
                    }
                    let Some((slot, k)) = t.next_active(*index) else {
                        *index = usize::MAX;
                        return Ok(None);
                    };
                    *index = slot + 1;
                    return Ok(Some(k.clone()));
                }
                _ => return Ok(None),
            };
            let d = cell.try_borrow().map_err(|_| PyErr::reentrant("dict"))?;
            if d.len() != *len {
                *len = usize::MAX;
                return Err(PyErr::runtime_error(
                    "dictionary changed size during iteration",
                ));
            }
            let Some((k, v)) = d.get_index(*index) else {
                return Ok(None);
            };
            *index += 1;
            Ok(Some(match kind {
                ViewKind::Keys => k.clone(),
                ViewKind::Values => v.clone(),
                ViewKind::Items => Value::tuple(vec![k.clone(), v.clone()]),
            }))
        }
        IterState::Reversed { seq, index } => {
            if *index == 0 {
                return Ok(None);
            }
            *index -= 1;
            let item = match seq.payload() {
                Some(Payload::List(l)) => l
                    .try_borrow()
                    .map_err(|_| PyErr::reentrant("list"))?
                    .get(*index)
                    .cloned(),
                Some(Payload::Tuple(t)) => t.get(*index).cloned(),
                _ => None,
            };
            Ok(item)
        }
        IterState::Native(_) | IterState::GetItem { .. } | IterState::Exhausted => Ok(None),
    }
}
