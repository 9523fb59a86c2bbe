//! The one definition of each operator's semantics: binary and in-place
//! arithmetic on every type pair, comparisons, unary operators, truthiness
//! and membership, with dunder dispatch and the NotImplemented protocol.
//! The interpreter inlines only int/float fast paths of these rules; the
//! JIT's generic paths call these same functions.

use std::cmp::Ordering;

use kiln_compiler::bytecode::{BinOp, CmpOp, UnaryOp};

use crate::error::{PyErr, PyResult};
use crate::int::{self, int_ref, IntRef};
use crate::object::Payload;
use crate::value::Value;
use crate::vm::Vm;

/// `a op b`.
pub fn binary(vm: &mut Vm, op: BinOp, a: &Value, b: &Value) -> PyResult<Value> {
    if let Some(r) = quick_binary(op, a, b) {
        return Ok(r);
    }
    if let Some(r) = builtin_binary(vm, op, a, b)? {
        return Ok(r);
    }
    if let Some(r) = dunder_binary(vm, op, a, b)? {
        return Ok(r);
    }
    Err(binary_type_error(vm, op.symbol(), a, b))
}

/// Whether `v` may have an `__iop__`/`__op__`/`__rop__` of a script class
/// (`call_special` looks only at instances and exceptions).
#[inline(always)]
fn may_define_dunders(v: &Value) -> bool {
    matches!(
        v.payload(),
        Some(Payload::Instance(_) | Payload::Exception(_))
    )
}

/// The in-place dunder of `op` (`__iadd__` for `+`).
fn inplace_dunder(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "__iadd__",
        BinOp::Sub => "__isub__",
        BinOp::Mul => "__imul__",
        BinOp::TrueDiv => "__itruediv__",
        BinOp::FloorDiv => "__ifloordiv__",
        BinOp::Mod => "__imod__",
        BinOp::Pow => "__ipow__",
        BinOp::LShift => "__ilshift__",
        BinOp::RShift => "__irshift__",
        BinOp::BitAnd => "__iand__",
        BinOp::BitOr => "__ior__",
        BinOp::BitXor => "__ixor__",
    }
}

/// The reflected dunder of `op` (`__radd__` for `+`).
fn reflected_dunder(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "__radd__",
        BinOp::Sub => "__rsub__",
        BinOp::Mul => "__rmul__",
        BinOp::TrueDiv => "__rtruediv__",
        BinOp::FloorDiv => "__rfloordiv__",
        BinOp::Mod => "__rmod__",
        BinOp::Pow => "__rpow__",
        BinOp::LShift => "__rlshift__",
        BinOp::RShift => "__rrshift__",
        BinOp::BitAnd => "__rand__",
        BinOp::BitOr => "__ror__",
        BinOp::BitXor => "__rxor__",
    }
}

/// `a op b` for the commonest operands, before the general dispatch over
/// every operand kind: int arithmetic the interpreter's inline path gave
/// up on (a result or an operand past the 48-bit immediates) done in i64
/// when it fits, and str + str. `None`: the general path decides.
#[inline(always)]
fn quick_binary(op: BinOp, a: &Value, b: &Value) -> Option<Value> {
    if let Some((x, y)) = i64_pair(a, b) {
        let r = match op {
            BinOp::Add => x.checked_add(y),
            BinOp::Sub => x.checked_sub(y),
            BinOp::Mul => x.checked_mul(y),
            // For a positive divisor, Python's floor division and modulo
            // are the Euclidean ones.
            BinOp::FloorDiv if y > 0 => Some(x.div_euclid(y)),
            BinOp::Mod if y > 0 => Some(x.rem_euclid(y)),
            _ => None,
        };
        return r.map(Value::int);
    }
    if op == BinOp::Add {
        if let (Some(Payload::Str(x)), Some(Payload::Str(y))) = (a.payload(), b.payload()) {
            return Some(concat_strs(x, y));
        }
    }
    None
}

/// Both operands as i64, when each is an int immediate or a heap int that
/// fits (not a bool, not a big int).
#[inline(always)]
fn i64_pair(a: &Value, b: &Value) -> Option<(i64, i64)> {
    let as_i64 = |v: &Value| match v.as_small_int() {
        Some(x) => Some(x),
        None => match v.payload() {
            Some(Payload::Int(x)) => Some(*x),
            _ => None,
        },
    };
    Some((as_i64(a)?, as_i64(b)?))
}

fn binary_type_error(vm: &Vm, sym: &str, a: &Value, b: &Value) -> PyErr {
    let (ta, tb) = (vm.type_name(a), vm.type_name(b));
    // `s += 1` words its error as `s + 1` does.
    let concat = sym == "+" || sym == "+=";
    if concat && ta == "str" {
        return PyErr::type_error(format!("can only concatenate str (not \"{tb}\") to str"));
    }
    if concat && (ta == "list" || ta == "tuple") && ta != tb {
        return PyErr::type_error(format!("can only concatenate {ta} (not \"{tb}\") to {ta}"));
    }
    let is_seq = |t: &str| matches!(t, "str" | "list" | "tuple" | "bytes");
    if sym.starts_with('*') && !sym.starts_with("**") {
        if is_seq(&ta) && int_ref(b).is_none() {
            return PyErr::type_error(format!("can't multiply sequence by non-int of type '{tb}'"));
        }
        if is_seq(&tb) && int_ref(a).is_none() {
            return PyErr::type_error(format!("can't multiply sequence by non-int of type '{ta}'"));
        }
    }
    if sym == "**" {
        return PyErr::type_error(format!(
            "unsupported operand type(s) for ** or pow(): '{ta}' and '{tb}'"
        ));
    }
    PyErr::type_error(format!(
        "unsupported operand type(s) for {sym}: '{ta}' and '{tb}'"
    ))
}

fn dunder_binary(vm: &mut Vm, op: BinOp, a: &Value, b: &Value) -> PyResult<Option<Value>> {
    let name = op.dunder();
    if let Some(r) = vm.call_special(a, name, std::slice::from_ref(b))? {
        if !r.is(&vm.not_implemented) {
            return Ok(Some(r));
        }
    }
    if let Some(r) = vm.call_special(b, reflected_dunder(op), std::slice::from_ref(a))? {
        if !r.is(&vm.not_implemented) {
            return Ok(Some(r));
        }
    }
    Ok(None)
}

/// `a op= b`.
pub fn inplace(vm: &mut Vm, op: BinOp, a: &Value, b: &Value) -> PyResult<Value> {
    // Ints and strs have no in-place operators of their own: the common
    // pairs are `a op b`, done before the dispatch below.
    if let Some(r) = quick_binary(op, a, b) {
        return Ok(r);
    }
    match (op, a.payload()) {
        (BinOp::Add, Some(Payload::List(l))) => {
            let items = vm.collect(b)?;
            l.try_borrow_mut()
                .map_err(|_| PyErr::reentrant("list"))?
                .extend(items);
            return Ok(a.clone());
        }
        (BinOp::Mul, Some(Payload::List(l))) => {
            let n = repeat_count(vm, b)?;
            let mut v = l.try_borrow_mut().map_err(|_| PyErr::reentrant("list"))?;
            let orig = v.clone();
            v.clear();
            for _ in 0..n {
                v.extend(orig.iter().cloned());
            }
            return Ok(a.clone());
        }
        (BinOp::BitOr | BinOp::BitAnd | BinOp::Sub | BinOp::BitXor, Some(Payload::Set(s)))
            if !s.frozen && b.as_set().is_some() =>
        {
            let other = std::slice::from_ref(b);
            match op {
                BinOp::BitOr => crate::set::update(vm, a, other)?,
                BinOp::BitAnd => crate::set::intersection_update(vm, a, other)?,
                BinOp::Sub => crate::set::difference_update(vm, a, other)?,
                _ => crate::set::symmetric_difference_update(vm, a, b)?,
            }
            return Ok(a.clone());
        }
        (BinOp::BitOr, Some(Payload::Dict(_))) if b.as_dict().is_some() => {
            dict_update(vm, a, b)?;
            return Ok(a.clone());
        }
        _ => {}
    }
    if may_define_dunders(a) {
        if let Some(r) = vm.call_special(a, inplace_dunder(op), std::slice::from_ref(b))? {
            if !r.is(&vm.not_implemented) {
                return Ok(r);
            }
        }
    }
    if let Some(r) = builtin_binary(vm, op, a, b)? {
        return Ok(r);
    }
    if let Some(r) = dunder_binary(vm, op, a, b)? {
        return Ok(r);
    }
    let sym = format!("{}=", op.symbol());
    Err(binary_type_error(vm, &sym, a, b))
}

/// Merge `src` (a mapping) into the dict `dst`.
pub fn dict_update(vm: &mut Vm, dst: &Value, src: &Value) -> PyResult<()> {
    if let Some(d) = src.as_dict() {
        let entries: Vec<(Value, Value)> = d
            .try_borrow()
            .map_err(|_| PyErr::reentrant("dict"))?
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (k, v) in entries {
            vm.dict_set(dst, k, v)?;
        }
        return Ok(());
    }
    let keys = vm.call_method(src, "keys", &[])?;
    for k in vm.collect(&keys)? {
        let v = getitem(vm, src, &k)?;
        vm.dict_set(dst, k, v)?;
    }
    Ok(())
}

fn repeat_count(vm: &Vm, n: &Value) -> PyResult<usize> {
    match int_ref(n) {
        Some(IntRef::Small(i)) => Ok(i.max(0) as usize),
        Some(IntRef::Big(b)) => {
            if num_traits::Signed::is_negative(b) {
                Ok(0)
            } else {
                Err(PyErr::overflow(
                    "cannot fit 'int' into an index-sized integer",
                ))
            }
        }
        None => Err(PyErr::type_error(format!(
            "can't multiply sequence by non-int of type '{}'",
            vm.type_name(n)
        ))),
    }
}

fn checked_repeat_len(unit: usize, n: usize) -> PyResult<usize> {
    match unit.checked_mul(n) {
        Some(t) if t <= (1 << 34) => Ok(t),
        _ => Err(PyErr::new(crate::error::ExcKind::MemoryError, "")),
    }
}

fn float_of(v: &Value) -> Option<PyResult<f64>> {
    if let Some(f) = v.as_float() {
        return Some(Ok(f));
    }
    let i = int_ref(v)?;
    Some(
        i.to_f64()
            .ok_or_else(|| PyErr::overflow("int too large to convert to float")),
    )
}

/// Float arithmetic with Python's errors.
pub fn float_binary(op: BinOp, x: f64, y: f64) -> PyResult<Value> {
    let r = match op {
        BinOp::Add => x + y,
        BinOp::Sub => x - y,
        BinOp::Mul => x * y,
        BinOp::TrueDiv => {
            if y == 0.0 {
                return Err(PyErr::zero_division("float division by zero"));
            }
            x / y
        }
        BinOp::FloorDiv => {
            if y == 0.0 {
                return Err(PyErr::zero_division("float floor division by zero"));
            }
            float_divmod(x, y).0
        }
        BinOp::Mod => {
            if y == 0.0 {
                return Err(PyErr::zero_division("float modulo"));
            }
            float_divmod(x, y).1
        }
        BinOp::Pow => return float_pow(x, y),
        _ => {
            return Err(PyErr::type_error(format!(
                "unsupported operand type(s) for {}: 'float' and 'float'",
                op.symbol()
            )))
        }
    };
    Ok(Value::float(r))
}

/// CPython's float divmod.
pub fn float_divmod(x: f64, y: f64) -> (f64, f64) {
    let mut m = x % y;
    let mut div = (x - m) / y;
    if m != 0.0 {
        if (y < 0.0) != (m < 0.0) {
            m += y;
            div -= 1.0;
        }
    } else {
        m = 0.0f64.copysign(y);
    }
    let floordiv = if div != 0.0 {
        let f = div.floor();
        if div - f > 0.5 {
            f + 1.0
        } else {
            f
        }
    } else {
        0.0f64.copysign(x / y)
    };
    (floordiv, m)
}

pub fn float_pow(x: f64, y: f64) -> PyResult<Value> {
    if x == 0.0 && y < 0.0 {
        return Err(PyErr::zero_division(
            "0.0 cannot be raised to a negative power",
        ));
    }
    if x < 0.0 && y.fract() != 0.0 && y.is_finite() {
        // Complex result: CPython returns a complex; not supported here.
        return Err(PyErr::value_error("math domain error"));
    }
    let r = x.powf(y);
    if r.is_infinite() && x.is_finite() && y.is_finite() {
        return Err(PyErr::overflow("(34, 'Numerical result out of range')"));
    }
    Ok(Value::float(r))
}

fn int_binary(op: BinOp, x: &IntRef, y: &IntRef) -> PyResult<Value> {
    Ok(match op {
        BinOp::Add => int::add(x, y),
        BinOp::Sub => int::sub(x, y),
        BinOp::Mul => int::mul(x, y),
        BinOp::TrueDiv => int::truediv(x, y)?,
        BinOp::FloorDiv => int::floordiv(x, y)?,
        BinOp::Mod => int::modulo(x, y)?,
        BinOp::Pow => int::pow(x, y)?,
        BinOp::LShift => int::lshift(x, y)?,
        BinOp::RShift => int::rshift(x, y)?,
        BinOp::BitAnd => int::bitand(x, y),
        BinOp::BitOr => int::bitor(x, y),
        BinOp::BitXor => int::bitxor(x, y),
    })
}

/// `x + y` for two strs: one buffer of the final size, and the char
/// count is the sum (no scan of the result).
fn concat_strs(x: &crate::object::StrObj, y: &crate::object::StrObj) -> Value {
    let mut s = String::with_capacity(x.s.len() + y.s.len());
    s.push_str(&x.s);
    s.push_str(&y.s);
    Value::new_heap(Payload::Str(crate::object::StrObj {
        s,
        chars: x.chars + y.chars,
        hash: std::cell::Cell::new(0),
    }))
}

/// The built-in types' operators; `None` if this pair has none.
fn builtin_binary(vm: &mut Vm, op: BinOp, a: &Value, b: &Value) -> PyResult<Option<Value>> {
    // bool & | ^ bool stays bool.
    if let (Some(x), Some(y)) = (a.as_bool(), b.as_bool()) {
        match op {
            BinOp::BitAnd => return Ok(Some(Value::bool(x & y))),
            BinOp::BitOr => return Ok(Some(Value::bool(x | y))),
            BinOp::BitXor => return Ok(Some(Value::bool(x ^ y))),
            _ => {}
        }
    }
    if let (Some(x), Some(y)) = (int_ref(a), int_ref(b)) {
        return int_binary(op, &x, &y).map(Some);
    }
    if a.is_float() || b.is_float() {
        if let (Some(x), Some(y)) = (float_of(a), float_of(b)) {
            if matches!(
                op,
                BinOp::LShift | BinOp::RShift | BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor
            ) {
                return Ok(None);
            }
            return float_binary(op, x?, y?).map(Some);
        }
    }
    if op == BinOp::Mul
        && int_ref(a).is_some()
        && matches!(
            b.payload(),
            Some(Payload::Str(_) | Payload::List(_) | Payload::Tuple(_) | Payload::Bytes(_))
        )
    {
        return builtin_binary(vm, op, b, a);
    }
    if is_set_like_view(a) || is_set_like_view(b) {
        return view_set_binary(vm, op, a, b);
    }
    let (Some(pa), pb) = (a.payload(), b.payload()) else {
        return Ok(None);
    };
    match (op, pa, pb) {
        (BinOp::Add, Payload::Str(x), Some(Payload::Str(y))) => Ok(Some(concat_strs(x, y))),
        (BinOp::Mul, Payload::Str(x), _) if int_ref(b).is_some() => {
            let n = repeat_count(vm, b)?;
            checked_repeat_len(x.s.len(), n)?;
            Ok(Some(Value::from_string(x.s.repeat(n))))
        }
        (BinOp::Mod, Payload::Str(_), _) => crate::text_hooks::percent_format(vm, a, b).map(Some),
        (BinOp::Add, Payload::List(x), Some(Payload::List(y))) => {
            let mut v = x
                .try_borrow()
                .map_err(|_| PyErr::reentrant("list"))?
                .clone();
            v.extend(
                y.try_borrow()
                    .map_err(|_| PyErr::reentrant("list"))?
                    .iter()
                    .cloned(),
            );
            Ok(Some(Value::list(v)))
        }
        (BinOp::Mul, Payload::List(x), _) if int_ref(b).is_some() => {
            let n = repeat_count(vm, b)?;
            let src = x
                .try_borrow()
                .map_err(|_| PyErr::reentrant("list"))?
                .clone();
            let mut v = Vec::with_capacity(checked_repeat_len(src.len(), n)?);
            for _ in 0..n {
                v.extend(src.iter().cloned());
            }
            Ok(Some(Value::list(v)))
        }
        (BinOp::Add, Payload::Tuple(x), Some(Payload::Tuple(y))) => {
            let mut v = x.to_vec();
            v.extend(y.iter().cloned());
            Ok(Some(Value::tuple(v)))
        }
        (BinOp::Mul, Payload::Tuple(x), _) if int_ref(b).is_some() => {
            let n = repeat_count(vm, b)?;
            let mut v = Vec::with_capacity(checked_repeat_len(x.len(), n)?);
            for _ in 0..n {
                v.extend(x.iter().cloned());
            }
            Ok(Some(Value::tuple(v)))
        }
        (BinOp::Add, Payload::Bytes(x), Some(Payload::Bytes(y))) => {
            let mut v = x.to_vec();
            v.extend_from_slice(y);
            Ok(Some(Value::bytes(v)))
        }
        (BinOp::Mul, Payload::Bytes(x), _) if int_ref(b).is_some() => {
            let n = repeat_count(vm, b)?;
            checked_repeat_len(x.len(), n)?;
            Ok(Some(Value::bytes(x.repeat(n))))
        }
        (
            BinOp::BitOr | BinOp::BitAnd | BinOp::Sub | BinOp::BitXor,
            Payload::Set(_),
            Some(Payload::Set(_)),
        ) => {
            let other = std::slice::from_ref(b);
            Ok(Some(match op {
                BinOp::BitOr => crate::set::union(vm, a, other)?,
                BinOp::BitAnd => crate::set::intersection_multi(vm, a, other)?,
                BinOp::Sub => crate::set::difference_multi(vm, a, other)?,
                _ => crate::set::symmetric_difference(vm, a, b)?,
            }))
        }
        (BinOp::BitOr, Payload::Dict(x), Some(Payload::Dict(_))) => {
            let copy = x
                .try_borrow()
                .map_err(|_| PyErr::reentrant("dict"))?
                .clone();
            let r = Value::dict(copy);
            dict_update(vm, &r, b)?;
            Ok(Some(r))
        }
        _ => Ok(None),
    }
}

/// `dict.keys()` and `dict.items()` views behave as sets in operators.
fn is_set_like_view(v: &Value) -> bool {
    matches!(
        v.payload(),
        Some(Payload::DictView(
            _,
            crate::object::ViewKind::Keys | crate::object::ViewKind::Items
        ))
    )
}

/// `dictviews_or` and friends: the left operand (view or any iterable) is
/// copied into a new set, then combined with the right one (any iterable).
fn view_set_binary(vm: &mut Vm, op: BinOp, a: &Value, b: &Value) -> PyResult<Option<Value>> {
    if !matches!(
        op,
        BinOp::BitOr | BinOp::BitAnd | BinOp::Sub | BinOp::BitXor
    ) {
        return Ok(None);
    }
    if op == BinOp::BitAnd {
        return view_intersect(vm, a, b).map(Some);
    }
    let left = crate::set::from_iterable(vm, Some(a), false)?;
    let other = std::slice::from_ref(b);
    match op {
        BinOp::BitOr => crate::set::update(vm, &left, other)?,
        BinOp::BitAnd => crate::set::intersection_update(vm, &left, other)?,
        BinOp::Sub => crate::set::difference_update(vm, &left, other)?,
        _ => crate::set::symmetric_difference_update(vm, &left, b)?,
    }
    Ok(Some(left))
}

/// `_PyDictView_Intersect`: probes the view with the other operand's items,
/// so unhashable values inside an items view never need hashing.
fn view_intersect(vm: &mut Vm, a: &Value, b: &Value) -> PyResult<Value> {
    let (mut view, mut other) = if is_set_like_view(a) { (a, b) } else { (b, a) };
    let view_len = vm.len(view)?;
    if other.as_set().is_some() && view_len <= vm.len(other)? {
        return crate::set::intersection_multi(vm, other, std::slice::from_ref(view));
    }
    if is_set_like_view(other) && vm.len(other)? > view_len {
        std::mem::swap(&mut view, &mut other);
    }
    let result = crate::set::from_iterable(vm, None, false)?;
    let it = vm.iter(other)?;
    while let Some(key) = vm.next(&it)? {
        if contains(vm, view, &key)? {
            vm.set_add(&result, key)?;
        }
    }
    Ok(result)
}

/// Unary operators.
pub fn unary(vm: &mut Vm, op: UnaryOp, v: &Value) -> PyResult<Value> {
    if op == UnaryOp::Not {
        return Ok(Value::bool(!vm.truthy(v)?));
    }
    if let Some(i) = int_ref(v) {
        return Ok(match op {
            UnaryOp::Neg => int::neg(&i),
            UnaryOp::Pos => match i {
                IntRef::Small(x) => Value::int(x),
                IntRef::Big(b) => Value::from_bigint(b.clone()),
            },
            UnaryOp::Invert => int::invert(&i),
            UnaryOp::Not => Value::none(),
        });
    }
    if let Some(f) = v.as_float() {
        match op {
            UnaryOp::Neg => return Ok(Value::float(-f)),
            UnaryOp::Pos => return Ok(Value::float(f)),
            _ => {}
        }
    }
    let (name, sym) = match op {
        UnaryOp::Neg => ("__neg__", "-"),
        UnaryOp::Pos => ("__pos__", "+"),
        _ => ("__invert__", "~"),
    };
    if let Some(r) = vm.call_special(v, name, &[])? {
        return Ok(r);
    }
    Err(PyErr::type_error(format!(
        "bad operand type for unary {sym}: '{}'",
        vm.type_name(v)
    )))
}

/// Truthiness (`bool(v)`).
pub fn truthy(vm: &mut Vm, v: &Value) -> PyResult<bool> {
    if let Some(b) = v.as_bool() {
        return Ok(b);
    }
    if let Some(i) = v.as_small_int() {
        return Ok(i != 0);
    }
    if let Some(f) = v.as_float() {
        return Ok(f != 0.0);
    }
    if v.is_none() {
        return Ok(false);
    }
    let Some(p) = v.payload() else {
        return Ok(true);
    };
    Ok(match p {
        Payload::Str(s) => !s.s.is_empty(),
        Payload::Bytes(b) => !b.is_empty(),
        Payload::Int(_) | Payload::BigInt(_) => true,
        Payload::List(l) => !l
            .try_borrow()
            .map_err(|_| PyErr::reentrant("list"))?
            .is_empty(),
        Payload::Tuple(t) => !t.is_empty(),
        Payload::Dict(d) => !d
            .try_borrow()
            .map_err(|_| PyErr::reentrant("dict"))?
            .is_empty(),
        Payload::Set(s) => !s
            .items
            .try_borrow()
            .map_err(|_| PyErr::reentrant("set"))?
            .is_empty(),
        Payload::Range(r) => !r.is_empty(),
        Payload::DictView(d, _) => vm.len(d)? != 0,
        Payload::Instance(_) | Payload::Exception(_) => {
            if let Some(r) = vm.call_special(v, "__bool__", &[])? {
                return match r.as_bool() {
                    Some(b) => Ok(b),
                    None => Err(PyErr::type_error(format!(
                        "__bool__ should return bool, returned {}",
                        vm.type_name(&r)
                    ))),
                };
            }
            if let Some(r) = vm.call_special(v, "__len__", &[])? {
                return Ok(int::as_i64(&r).unwrap_or(1) != 0);
            }
            true
        }
        _ => true,
    })
}

/// `a == b`.
pub fn eq(vm: &mut Vm, a: &Value, b: &Value) -> PyResult<bool> {
    if let Some(r) = crate::hash::num_eq(a, b) {
        return Ok(r);
    }
    if a.is(b) {
        // Identity implies equality for everything but NaN (handled above).
        if !matches!(
            a.payload(),
            Some(Payload::Instance(_)) | Some(Payload::Exception(_))
        ) {
            return Ok(true);
        }
    }
    let r = compare(vm, a, b, CmpOp::Eq)?;
    truthy(vm, &r)
}

/// `a < b`.
pub fn lt(vm: &mut Vm, a: &Value, b: &Value) -> PyResult<bool> {
    let r = compare(vm, a, b, CmpOp::Lt)?;
    truthy(vm, &r)
}

fn ord_result(op: CmpOp, o: Ordering) -> bool {
    match op {
        CmpOp::Lt => o == Ordering::Less,
        CmpOp::Le => o != Ordering::Greater,
        CmpOp::Eq => o == Ordering::Equal,
        CmpOp::Ne => o != Ordering::Equal,
        CmpOp::Gt => o == Ordering::Greater,
        CmpOp::Ge => o != Ordering::Less,
    }
}

/// Rich comparison: `a op b`, returning whatever `__eq__`/`__lt__` return.
pub fn compare(vm: &mut Vm, a: &Value, b: &Value, op: CmpOp) -> PyResult<Value> {
    if let Some(r) = builtin_compare(vm, a, b, op)? {
        return Ok(Value::bool(r));
    }
    if let Some(r) = vm.call_special(a, op.dunder(), std::slice::from_ref(b))? {
        if !r.is(&vm.not_implemented) {
            return Ok(r);
        }
    }
    if let Some(r) = vm.call_special(b, op.swapped().dunder(), std::slice::from_ref(a))? {
        if !r.is(&vm.not_implemented) {
            return Ok(r);
        }
    }
    match op {
        CmpOp::Eq => Ok(Value::bool(a.is(b))),
        CmpOp::Ne => {
            // Default __ne__ inverts __eq__.
            if let Some(r) = vm.call_special(a, "__eq__", std::slice::from_ref(b))? {
                if !r.is(&vm.not_implemented) {
                    let t = truthy(vm, &r)?;
                    return Ok(Value::bool(!t));
                }
            }
            Ok(Value::bool(!a.is(b)))
        }
        _ => Err(PyErr::type_error(format!(
            "'{}' not supported between instances of '{}' and '{}'",
            op.symbol(),
            vm.type_name(a),
            vm.type_name(b)
        ))),
    }
}

/// Comparisons among built-in types; `None` when they do not apply.
fn builtin_compare(vm: &mut Vm, a: &Value, b: &Value, op: CmpOp) -> PyResult<Option<bool>> {
    if let (Some(x), Some(y)) = (int_ref(a), int_ref(b)) {
        return Ok(Some(ord_result(op, x.cmp_int(&y))));
    }
    let fa = a.as_float();
    let fb = b.as_float();
    if fa.is_some() || fb.is_some() {
        let ord = match (fa, fb, int_ref(a), int_ref(b)) {
            (Some(x), Some(y), _, _) => x.partial_cmp(&y),
            (Some(x), None, _, Some(i)) => int::cmp_int_float(&i, x).map(Ordering::reverse),
            (None, Some(y), Some(i), _) => int::cmp_int_float(&i, y),
            _ => return Ok(eq_fallback(op, a, b)),
        };
        return Ok(Some(match ord {
            Some(o) => ord_result(op, o),
            None => op == CmpOp::Ne,
        }));
    }
    let (Some(pa), Some(pb)) = (a.payload(), b.payload()) else {
        return Ok(eq_fallback(op, a, b));
    };
    match (pa, pb) {
        (Payload::Str(x), Payload::Str(y)) => Ok(Some(ord_result(op, x.s.cmp(&y.s)))),
        (Payload::Bytes(x), Payload::Bytes(y)) => Ok(Some(ord_result(op, x.cmp(y)))),
        (Payload::List(x), Payload::List(y)) => {
            let xs = x
                .try_borrow()
                .map_err(|_| PyErr::reentrant("list"))?
                .clone();
            let ys = y
                .try_borrow()
                .map_err(|_| PyErr::reentrant("list"))?
                .clone();
            seq_compare(vm, &xs, &ys, op).map(Some)
        }
        (Payload::Tuple(x), Payload::Tuple(y)) => {
            let (xs, ys) = (x.to_vec(), y.to_vec());
            seq_compare(vm, &xs, &ys, op).map(Some)
        }
        (Payload::Dict(_), Payload::Dict(_)) if matches!(op, CmpOp::Eq | CmpOp::Ne) => {
            let r = dict_eq(vm, a, b)?;
            Ok(Some(if op == CmpOp::Eq { r } else { !r }))
        }
        (Payload::Set(_), Payload::Set(_)) => {
            let r = crate::set::compare(vm, op, a, b)?;
            Ok(Some(r))
        }
        (Payload::DictView(..) | Payload::Set(_), Payload::DictView(..) | Payload::Set(_))
            if is_set_like_view(a) || is_set_like_view(b) =>
        {
            // `dictview_richcompare`: keys/items views compare as sets.
            let x = crate::set::from_iterable(vm, Some(a), false)?;
            let y = crate::set::from_iterable(vm, Some(b), false)?;
            crate::set::compare(vm, op, &x, &y).map(Some)
        }
        (Payload::Range(x), Payload::Range(y)) if matches!(op, CmpOp::Eq | CmpOp::Ne) => {
            let same = x.same_items(y);
            Ok(Some(if op == CmpOp::Eq { same } else { !same }))
        }
        (Payload::Instance(_) | Payload::Exception(_), _)
        | (_, Payload::Instance(_) | Payload::Exception(_)) => Ok(None),
        _ => Ok(eq_fallback(op, a, b)),
    }
}

/// Equality between unrelated built-in values is identity; ordering has
/// no fallback.
fn eq_fallback(op: CmpOp, a: &Value, b: &Value) -> Option<bool> {
    match op {
        CmpOp::Eq => Some(a.is(b)),
        CmpOp::Ne => Some(!a.is(b)),
        _ => None,
    }
}

fn seq_compare(vm: &mut Vm, xs: &[Value], ys: &[Value], op: CmpOp) -> PyResult<bool> {
    for (x, y) in xs.iter().zip(ys.iter()) {
        if !(x.is(y) || eq(vm, x, y)?) {
            return match op {
                CmpOp::Eq => Ok(false),
                CmpOp::Ne => Ok(true),
                _ => {
                    let r = compare(vm, x, y, op)?;
                    truthy(vm, &r)
                }
            };
        }
    }
    Ok(ord_result(op, xs.len().cmp(&ys.len())))
}

fn dict_eq(vm: &mut Vm, a: &Value, b: &Value) -> PyResult<bool> {
    let (Some(x), Some(y)) = (a.as_dict(), b.as_dict()) else {
        return Ok(false);
    };
    if x.borrow().len() != y.borrow().len() {
        return Ok(false);
    }
    let items: Vec<(Value, Value)> = x
        .borrow()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (k, v) in items {
        match vm.dict_get(b, &k)? {
            Some(w) => {
                if !(v.is(&w) || eq(vm, &v, &w)?) {
                    return Ok(false);
                }
            }
            None => return Ok(false),
        }
    }
    Ok(true)
}

/// `item in container`.
pub fn contains(vm: &mut Vm, container: &Value, item: &Value) -> PyResult<bool> {
    match container.payload() {
        Some(Payload::Str(s)) => match item.as_str() {
            Some(sub) => Ok(s.s.contains(sub)),
            None => Err(PyErr::type_error(format!(
                "'in <string>' requires string as left operand, not {}",
                vm.type_name(item)
            ))),
        },
        Some(Payload::Bytes(b)) => {
            if let Some(sub) = item.as_bytes() {
                return Ok(sub.is_empty() || b.windows(sub.len()).any(|w| w == sub));
            }
            match int::as_i64(item) {
                Some(i) => Ok(b.iter().any(|x| *x as i64 == i)),
                None => Err(PyErr::type_error("a bytes-like object is required")),
            }
        }
        Some(Payload::Dict(cell)) => {
            if let Some(found) = crate::dict::lookup_simple(cell, item) {
                return Ok(found.is_some());
            }
            let d = container.clone();
            Ok(vm.dict_get(&d, item)?.is_some())
        }
        Some(Payload::Set(_)) => {
            let s = container.clone();
            vm.set_contains(&s, item)
        }
        Some(Payload::DictView(d, crate::object::ViewKind::Keys)) => {
            let d = d.clone();
            Ok(vm.dict_get(&d, item)?.is_some())
        }
        Some(Payload::DictView(d, crate::object::ViewKind::Items)) => {
            // `dictitems_contains`: a 2-tuple whose key maps to an equal value.
            let d = d.clone();
            let Some(Payload::Tuple(pair)) = item.payload() else {
                return Ok(false);
            };
            let [key, value] = &pair.to_vec()[..] else {
                return Ok(false);
            };
            match vm.dict_get(&d, key)? {
                Some(found) => Ok(found.is(value) || eq(vm, &found, value)?),
                None => Ok(false),
            }
        }
        Some(Payload::Range(r)) => {
            if let Some(i) = int::int_ref(item) {
                return Ok(r.position(&i).is_some());
            }
            seq_contains(vm, container, item)
        }
        Some(Payload::List(l)) => {
            let items = l
                .try_borrow()
                .map_err(|_| PyErr::reentrant("list"))?
                .clone();
            for x in items.iter() {
                if x.is(item) || eq(vm, x, item)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Some(Payload::Tuple(t)) => {
            let items = t.to_vec();
            for x in items.iter() {
                if x.is(item) || eq(vm, x, item)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Some(Payload::Instance(_)) => {
            if let Some(r) =
                vm.call_special(container, "__contains__", std::slice::from_ref(item))?
            {
                return truthy(vm, &r);
            }
            seq_contains(vm, container, item)
        }
        _ => seq_contains(vm, container, item),
    }
}

fn seq_contains(vm: &mut Vm, container: &Value, item: &Value) -> PyResult<bool> {
    let it = match vm.iter(container) {
        Ok(it) => it,
        Err(_) => {
            return Err(PyErr::type_error(format!(
                "argument of type '{}' is not iterable",
                vm.type_name(container)
            )));
        }
    };
    while let Some(x) = vm.next(&it)? {
        if x.is(item) || eq(vm, &x, item)? {
            return Ok(true);
        }
    }
    Ok(false)
}

pub use crate::items::{delitem, getitem, setitem};
