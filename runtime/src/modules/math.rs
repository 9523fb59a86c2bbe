//! The `math` module: constants, float functions with CPython's domain and
//! range errors, and the exact integer functions (`gcd`, `lcm`,
//! `factorial`, `comb`, `perm`, `isqrt`, `prod`, `fsum`).

use kiln_compiler::bytecode::BinOp;
use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{One, Signed, ToPrimitive, Zero};

use crate::error::{PyErr, PyResult};
use crate::int::{int_ref, IntRef};
use crate::methods::args::{arity, bind, no_kwargs};
use crate::native::NativeFn;
use crate::value::Value;
use crate::vm::Vm;

type Kw<'a> = &'a [(Value, Value)];

/// Builds the module on first import.
pub fn math_init(vm: &mut Vm) -> PyResult<Value> {
    let functions: &[(&'static str, NativeFn)] = &[
        ("sqrt", math_sqrt),
        ("floor", math_floor),
        ("ceil", math_ceil),
        ("trunc", math_trunc),
        ("fabs", math_fabs),
        ("pow", math_pow),
        ("exp", math_exp),
        ("log", math_log),
        ("log2", math_log2),
        ("log10", math_log10),
        ("sin", math_sin),
        ("cos", math_cos),
        ("tan", math_tan),
        ("asin", math_asin),
        ("acos", math_acos),
        ("atan", math_atan),
        ("atan2", math_atan2),
        ("hypot", math_hypot),
        ("degrees", math_degrees),
        ("radians", math_radians),
        ("isnan", math_isnan),
        ("isinf", math_isinf),
        ("isfinite", math_isfinite),
        ("isclose", math_isclose),
        ("gcd", math_gcd),
        ("lcm", math_lcm),
        ("factorial", math_factorial),
        ("comb", math_comb),
        ("perm", math_perm),
        ("isqrt", math_isqrt),
        ("prod", math_prod),
        ("fsum", math_fsum),
        ("copysign", math_copysign),
        ("fmod", math_fmod),
    ];
    let mut attrs: Vec<(&str, Value)> = vec![
        ("pi", Value::float(std::f64::consts::PI)),
        ("e", Value::float(std::f64::consts::E)),
        ("tau", Value::float(std::f64::consts::TAU)),
        ("inf", Value::float(f64::INFINITY)),
        ("nan", Value::float(f64::NAN)),
    ];
    for (name, f) in functions {
        attrs.push((name, vm.native_value(name, *f)));
    }
    Ok(vm.new_module("math", attrs))
}

fn domain_error() -> PyErr {
    PyErr::value_error("math domain error")
}

fn range_error() -> PyErr {
    PyErr::overflow("math range error")
}

/// A real-number argument as f64 (ints converted, bools included).
fn real(vm: &Vm, v: &Value) -> PyResult<f64> {
    if let Some(f) = v.as_float() {
        return Ok(f);
    }
    if let Some(i) = int_ref(v) {
        return i
            .to_f64()
            .ok_or_else(|| PyErr::overflow("int too large to convert to float"));
    }
    Err(PyErr::type_error(format!(
        "must be real number, not {}",
        vm.type_name(v)
    )))
}

fn one_real(vm: &Vm, name: &str, args: &[Value], kw: Kw) -> PyResult<f64> {
    no_kwargs(name, kw)?;
    arity(name, args.len(), 1, 1)?;
    real(vm, &args[0])
}

fn two_reals(vm: &Vm, name: &str, args: &[Value], kw: Kw) -> PyResult<(f64, f64)> {
    no_kwargs(name, kw)?;
    arity(name, args.len(), 2, 2)?;
    Ok((real(vm, &args[0])?, real(vm, &args[1])?))
}

/// Applies CPython's error rules: NaN from non-NaN input is a domain
/// error, infinity from finite input is a range error.
fn checked(x: f64, r: f64) -> PyResult<Value> {
    if r.is_nan() && !x.is_nan() {
        return Err(domain_error());
    }
    if r.is_infinite() && x.is_finite() {
        return Err(range_error());
    }
    Ok(Value::float(r))
}

macro_rules! unary {
    ($fname:ident, $name:literal, $op:expr) => {
        fn $fname(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
            let x = one_real(vm, $name, args, kw)?;
            let op: fn(f64) -> f64 = $op;
            checked(x, op(x))
        }
    };
}

/// A `math` function's name, its native function and its `f64` operation.
pub(crate) type JitFloatFn = (&'static str, NativeFn, fn(f64) -> f64);

/// The one-float `math` functions compiled code computes natively: the
/// native function it must be (compared by address), and the `f64`
/// operation. The result stands only when `checked` would accept it;
/// otherwise compiled code calls the function itself, which raises.
pub(crate) fn jit_float_functions() -> [JitFloatFn; 7] {
    [
        ("sqrt", math_sqrt, f64::sqrt),
        ("fabs", math_fabs, f64::abs),
        ("exp", math_exp, f64::exp),
        ("sin", math_sin, f64::sin),
        ("cos", math_cos, f64::cos),
        ("tan", math_tan, f64::tan),
        ("atan", math_atan, f64::atan),
    ]
}

unary!(math_exp, "exp", f64::exp);
unary!(math_sin, "sin", f64::sin);
unary!(math_cos, "cos", f64::cos);
unary!(math_tan, "tan", f64::tan);
unary!(math_asin, "asin", f64::asin);
unary!(math_acos, "acos", f64::acos);
unary!(math_atan, "atan", f64::atan);
unary!(math_fabs, "fabs", f64::abs);
unary!(math_degrees, "degrees", f64::to_degrees);
unary!(math_radians, "radians", f64::to_radians);

fn math_sqrt(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let x = one_real(vm, "sqrt", args, kw)?;
    if x < 0.0 {
        return Err(domain_error());
    }
    Ok(Value::float(x.sqrt()))
}

/// Natural log of any positive int, exact enough for huge ints.
fn int_ln(i: &IntRef) -> PyResult<f64> {
    if i.is_negative() || i.is_zero() {
        return Err(domain_error());
    }
    if let Some(f) = i.to_f64() {
        return Ok(f.ln());
    }
    let b = i.to_bigint();
    let shift = b.bits().saturating_sub(64);
    let top = (&b >> shift).to_f64().unwrap_or(f64::MAX);
    Ok(top.ln() + shift as f64 * std::f64::consts::LN_2)
}

fn ln_of(vm: &Vm, v: &Value) -> PyResult<f64> {
    if let Some(i) = int_ref(v) {
        return int_ln(&i);
    }
    let x = real(vm, v)?;
    if x <= 0.0 {
        return Err(domain_error());
    }
    Ok(x.ln())
}

fn math_log(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    no_kwargs("log", kw)?;
    arity("log", args.len(), 1, 2)?;
    let num = ln_of(vm, &args[0])?;
    match args.get(1) {
        None => Ok(Value::float(num)),
        Some(base) => {
            let den = ln_of(vm, base)?;
            if den == 0.0 {
                return Err(PyErr::zero_division("float division by zero"));
            }
            Ok(Value::float(num / den))
        }
    }
}

fn math_log2(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    no_kwargs("log2", kw)?;
    arity("log2", args.len(), 1, 1)?;
    if let Some(f) = args[0]
        .as_float()
        .or_else(|| int_ref(&args[0]).and_then(|i| i.to_f64()))
    {
        if f <= 0.0 {
            return Err(domain_error());
        }
        return Ok(Value::float(f.log2()));
    }
    Ok(Value::float(ln_of(vm, &args[0])? / std::f64::consts::LN_2))
}

fn math_log10(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    no_kwargs("log10", kw)?;
    arity("log10", args.len(), 1, 1)?;
    if let Some(f) = args[0]
        .as_float()
        .or_else(|| int_ref(&args[0]).and_then(|i| i.to_f64()))
    {
        if f <= 0.0 {
            return Err(domain_error());
        }
        return Ok(Value::float(f.log10()));
    }
    Ok(Value::float(ln_of(vm, &args[0])? / std::f64::consts::LN_10))
}

fn math_pow(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let (x, y) = two_reals(vm, "pow", args, kw)?;
    if x == 0.0 && y < 0.0 && y.is_finite() {
        return Err(domain_error());
    }
    if x < 0.0 && x.is_finite() && y.is_finite() && y.fract() != 0.0 {
        return Err(domain_error());
    }
    let r = x.powf(y);
    if r.is_infinite() && x.is_finite() && y.is_finite() {
        return Err(range_error());
    }
    Ok(Value::float(r))
}

fn math_atan2(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let (y, x) = two_reals(vm, "atan2", args, kw)?;
    Ok(Value::float(y.atan2(x)))
}

fn math_copysign(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let (x, y) = two_reals(vm, "copysign", args, kw)?;
    Ok(Value::float(x.copysign(y)))
}

fn math_fmod(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let (x, y) = two_reals(vm, "fmod", args, kw)?;
    if y == 0.0 && !x.is_nan() || x.is_infinite() && !y.is_nan() {
        return Err(domain_error());
    }
    Ok(Value::float(x % y))
}

fn math_hypot(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    no_kwargs("hypot", kw)?;
    let mut acc = 0.0f64;
    for a in args {
        acc = acc.hypot(real(vm, a)?);
    }
    Ok(Value::float(acc))
}

fn predicate(
    vm: &mut Vm,
    name: &str,
    args: &[Value],
    kw: Kw,
    f: fn(f64) -> bool,
) -> PyResult<Value> {
    let x = one_real(vm, name, args, kw)?;
    Ok(Value::bool(f(x)))
}

fn math_isnan(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    predicate(vm, "isnan", args, kw, f64::is_nan)
}
fn math_isinf(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    predicate(vm, "isinf", args, kw, f64::is_infinite)
}
fn math_isfinite(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    predicate(vm, "isfinite", args, kw, f64::is_finite)
}

fn math_isclose(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    if args.len() != 2 {
        return Err(PyErr::type_error(format!(
            "isclose() takes exactly 2 positional arguments ({} given)",
            args.len()
        )));
    }
    let opts = bind("isclose", &[], kw, &["rel_tol", "abs_tol"])?;
    let a = real(vm, &args[0])?;
    let b = real(vm, &args[1])?;
    let rel = match opts[0] {
        Some(v) => real(vm, v)?,
        None => 1e-9,
    };
    let abs = match opts[1] {
        Some(v) => real(vm, v)?,
        None => 0.0,
    };
    if rel < 0.0 || abs < 0.0 {
        return Err(PyErr::value_error("tolerances must be non-negative"));
    }
    if a == b {
        return Ok(Value::bool(true));
    }
    if a.is_infinite() || b.is_infinite() {
        return Ok(Value::bool(false));
    }
    let diff = (b - a).abs();
    Ok(Value::bool(
        diff <= (rel * b).abs() || diff <= (rel * a).abs() || diff <= abs,
    ))
}

fn to_int_value(f: f64) -> PyResult<Value> {
    crate::int::from_f64(f)
}

fn rounding(
    vm: &mut Vm,
    name: &str,
    args: &[Value],
    kw: Kw,
    op: fn(f64) -> f64,
    dunder: &str,
) -> PyResult<Value> {
    no_kwargs(name, kw)?;
    arity(name, args.len(), 1, 1)?;
    let v = &args[0];
    if let Some(i) = int_ref(v) {
        return Ok(Value::from_bigint(i.to_bigint()));
    }
    if let Some(f) = v.as_float() {
        return to_int_value(op(f));
    }
    if let Ok(Some(r)) = vm.call_special(v, dunder, &[]) {
        return Ok(r);
    }
    Err(PyErr::type_error(format!(
        "must be real number, not {}",
        vm.type_name(v)
    )))
}

fn math_floor(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    rounding(vm, "floor", args, kw, f64::floor, "__floor__")
}
fn math_ceil(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    rounding(vm, "ceil", args, kw, f64::ceil, "__ceil__")
}
fn math_trunc(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    rounding(vm, "trunc", args, kw, f64::trunc, "__trunc__")
}

/// An integer argument for the exact functions.
fn integer(vm: &Vm, v: &Value) -> PyResult<BigInt> {
    int_ref(v).map(|i| i.to_bigint()).ok_or_else(|| {
        PyErr::type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            vm.type_name(v)
        ))
    })
}

fn math_gcd(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    no_kwargs("gcd", kw)?;
    let mut acc = BigInt::zero();
    for a in args {
        acc = acc.gcd(&integer(vm, a)?);
    }
    Ok(Value::from_bigint(acc))
}

fn math_lcm(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    no_kwargs("lcm", kw)?;
    let mut acc = BigInt::one();
    for a in args {
        let n = integer(vm, a)?;
        if n.is_zero() {
            return Ok(Value::int(0));
        }
        acc = acc.lcm(&n);
    }
    Ok(Value::from_bigint(acc.abs()))
}

fn math_factorial(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    no_kwargs("factorial", kw)?;
    arity("factorial", args.len(), 1, 1)?;
    let n = integer(vm, &args[0])?;
    if n.is_negative() {
        return Err(PyErr::value_error(
            "factorial() not defined for negative values",
        ));
    }
    let n = n.to_u64().ok_or_else(|| {
        PyErr::overflow("factorial() argument should not exceed 9223372036854775807")
    })?;
    let mut acc = BigInt::one();
    for k in 2..=n {
        acc *= k;
    }
    Ok(Value::from_bigint(acc))
}

fn falling(n: &BigInt, k: u64) -> BigInt {
    let mut acc = BigInt::one();
    for i in 0..k {
        acc *= n - BigInt::from(i);
    }
    acc
}

fn comb_perm_args(vm: &Vm, name: &str, n: &Value, k: &Value) -> PyResult<(BigInt, BigInt)> {
    let n = integer(vm, n)?;
    let k = integer(vm, k)?;
    if n.is_negative() {
        return Err(PyErr::value_error("n must be a non-negative integer"));
    }
    if k.is_negative() {
        return Err(PyErr::value_error("k must be a non-negative integer"));
    }
    let _ = name;
    Ok((n, k))
}

fn math_comb(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    no_kwargs("comb", kw)?;
    arity("comb", args.len(), 2, 2)?;
    let (n, k) = comb_perm_args(vm, "comb", &args[0], &args[1])?;
    if k > n {
        return Ok(Value::int(0));
    }
    let k = std::cmp::min(k.clone(), &n - &k).to_u64().unwrap_or(0);
    let mut acc = BigInt::one();
    for i in 0..k {
        acc = acc * (&n - BigInt::from(i)) / BigInt::from(i + 1);
    }
    Ok(Value::from_bigint(acc))
}

fn math_perm(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    no_kwargs("perm", kw)?;
    arity("perm", args.len(), 1, 2)?;
    let k_value = match args.get(1) {
        Some(k) if !k.is_none() => k.clone(),
        _ => args[0].clone(),
    };
    let (n, k) = comb_perm_args(vm, "perm", &args[0], &k_value)?;
    if k > n {
        return Ok(Value::int(0));
    }
    Ok(Value::from_bigint(falling(&n, k.to_u64().unwrap_or(0))))
}

fn math_isqrt(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    no_kwargs("isqrt", kw)?;
    arity("isqrt", args.len(), 1, 1)?;
    let n = integer(vm, &args[0])?;
    if n.is_negative() {
        return Err(PyErr::value_error("isqrt() argument must be nonnegative"));
    }
    Ok(Value::from_bigint(n.sqrt()))
}

fn math_prod(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let opts = bind("prod", &[], kw, &["start"])?;
    arity("prod", args.len(), 1, 1)?;
    let mut acc = opts[0].cloned().unwrap_or_else(|| Value::int(1));
    let it = vm.iter(&args[0])?;
    while let Some(item) = vm.next(&it)? {
        acc = crate::ops::binary(vm, BinOp::Mul, &acc, &item)?;
    }
    Ok(acc)
}

/// Shewchuk's exact summation, as CPython's `fsum`.
fn math_fsum(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    no_kwargs("fsum", kw)?;
    arity("fsum", args.len(), 1, 1)?;
    let mut partials: Vec<f64> = Vec::new();
    let mut special = 0.0f64;
    let it = vm.iter(&args[0])?;
    while let Some(item) = vm.next(&it)? {
        let mut x = real(vm, &item)?;
        if !x.is_finite() {
            special += x;
            continue;
        }
        let mut kept = 0;
        for i in 0..partials.len() {
            let mut y = partials[i];
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            let hi = x + y;
            let lo = y - (hi - x);
            if lo != 0.0 {
                partials[kept] = lo;
                kept += 1;
            }
            x = hi;
        }
        partials.truncate(kept);
        partials.push(x);
    }
    if special != 0.0 || special.is_nan() {
        return Ok(Value::float(special));
    }
    let mut hi = 0.0f64;
    if let Some(mut n) = partials.len().checked_sub(1) {
        hi = partials[n];
        let mut lo = 0.0;
        while n > 0 {
            let x = hi;
            n -= 1;
            let y = partials[n];
            hi = x + y;
            let yr = hi - x;
            lo = y - yr;
            if lo != 0.0 {
                break;
            }
        }
        if n > 0 && ((lo < 0.0 && partials[n - 1] < 0.0) || (lo > 0.0 && partials[n - 1] > 0.0)) {
            let y = lo * 2.0;
            let x = hi + y;
            let yr = x - hi;
            if y == yr {
                hi = x;
            }
        }
    }
    Ok(Value::float(hi))
}
