//! Methods of int and float: `bit_length`, `bit_count`, `is_integer`,
//! `as_integer_ratio`, `conjugate`. Arithmetic itself lives in `ops.rs`.

use crate::error::{ExcKind, PyErr, PyResult};
use crate::int::{int_ref, IntRef};
use crate::native::{check_args, Registry};
use crate::object::TypeId;
use crate::value::Value;
use crate::vm::Vm;

pub fn register(r: &mut Registry) {
    r.method(TypeId::Int, "bit_length", int_bit_length);
    r.method(TypeId::Int, "bit_count", int_bit_count);
    r.method(TypeId::Int, "conjugate", int_conjugate);
    r.method(TypeId::Float, "is_integer", float_is_integer);
    r.method(TypeId::Float, "as_integer_ratio", float_as_integer_ratio);
    r.method(TypeId::Float, "conjugate", float_conjugate);
}

fn receiver_int<'a>(name: &str, args: &'a [Value]) -> PyResult<IntRef<'a>> {
    check_args(name, args, 1, 1)?;
    int_ref(&args[0])
        .ok_or_else(|| PyErr::type_error(format!("descriptor '{name}' requires an 'int' object")))
}

fn receiver_float(name: &str, args: &[Value]) -> PyResult<f64> {
    check_args(name, args, 1, 1)?;
    args[0]
        .as_float()
        .ok_or_else(|| PyErr::type_error(format!("descriptor '{name}' requires a 'float' object")))
}

fn int_bit_length(_: &mut Vm, args: &[Value], _: &[(Value, Value)]) -> PyResult<Value> {
    let bits = match receiver_int("bit_length", args)? {
        IntRef::Small(i) => 64 - i.unsigned_abs().leading_zeros() as u64,
        IntRef::Big(b) => b.bits(),
    };
    Ok(Value::int(bits as i64))
}

fn int_bit_count(_: &mut Vm, args: &[Value], _: &[(Value, Value)]) -> PyResult<Value> {
    let ones = match receiver_int("bit_count", args)? {
        IntRef::Small(i) => i.unsigned_abs().count_ones() as u64,
        IntRef::Big(b) => b.magnitude().count_ones(),
    };
    Ok(Value::int(ones as i64))
}

fn int_conjugate(_: &mut Vm, args: &[Value], _: &[(Value, Value)]) -> PyResult<Value> {
    receiver_int("conjugate", args)?;
    // `True.conjugate()` is the int 1, not True.
    Ok(match args[0].as_bool() {
        Some(b) => Value::int(b as i64),
        None => args[0].clone(),
    })
}

fn float_is_integer(_: &mut Vm, args: &[Value], _: &[(Value, Value)]) -> PyResult<Value> {
    let f = receiver_float("is_integer", args)?;
    Ok(Value::bool(f.is_finite() && f.fract() == 0.0))
}

fn float_conjugate(_: &mut Vm, args: &[Value], _: &[(Value, Value)]) -> PyResult<Value> {
    Ok(Value::float(receiver_float("conjugate", args)?))
}

/// The exact ratio of a float: mantissa and a power of two, reduced.
fn float_as_integer_ratio(_: &mut Vm, args: &[Value], _: &[(Value, Value)]) -> PyResult<Value> {
    use num_bigint::BigInt;
    let f = receiver_float("as_integer_ratio", args)?;
    if f.is_nan() {
        return Err(PyErr::value_error(
            "cannot convert NaN to integer ratio".to_string(),
        ));
    }
    if f.is_infinite() {
        return Err(PyErr::new(
            ExcKind::OverflowError,
            "cannot convert Infinity to integer ratio",
        ));
    }
    // f = mantissa * 2**exp exactly, with an integral mantissa.
    let bits = f.to_bits();
    let negative = bits >> 63 == 1;
    let biased = ((bits >> 52) & 0x7ff) as i64;
    let mut mantissa = bits & ((1 << 52) - 1);
    let mut exp = if biased == 0 { -1074 } else { biased - 1075 };
    if biased != 0 {
        mantissa |= 1 << 52;
    }
    if mantissa == 0 {
        return Ok(Value::tuple(vec![Value::int(0), Value::int(1)]));
    }
    if exp < 0 {
        // Reduce the fraction: strip factors of two shared with 2**-exp.
        let shift = (mantissa.trailing_zeros() as i64).min(-exp);
        mantissa >>= shift;
        exp += shift;
    }
    let signed = if negative {
        -BigInt::from(mantissa)
    } else {
        BigInt::from(mantissa)
    };
    let (num, den) = if exp >= 0 {
        (signed << exp as usize, BigInt::from(1))
    } else {
        (signed, BigInt::from(1) << (-exp) as usize)
    };
    Ok(Value::tuple(vec![
        Value::from_bigint(num),
        Value::from_bigint(den),
    ]))
}
