//! The `random` module: a seedable per-thread generator (xoshiro256**
//! seeded through splitmix64). Sequences differ from CPython's Mersenne
//! Twister, as the design allows; the API and errors follow CPython.

use std::cell::Cell;

use crate::error::{PyErr, PyResult};
use crate::int::int_ref;
use crate::methods::args::{arity, bind, no_kwargs};
use crate::value::Value;
use crate::vm::Vm;

type Kw<'a> = &'a [(Value, Value)];

/// Builds the module on first import.
pub fn random_init(vm: &mut Vm) -> PyResult<Value> {
    Ok(vm.new_module(
        "random",
        vec![
            ("seed", vm.native_value("seed", random_seed)),
            ("random", vm.native_value("random", random_random)),
            ("randint", vm.native_value("randint", random_randint)),
            ("randrange", vm.native_value("randrange", random_randrange)),
            ("choice", vm.native_value("choice", random_choice)),
            ("shuffle", vm.native_value("shuffle", random_shuffle)),
            ("uniform", vm.native_value("uniform", random_uniform)),
        ],
    ))
}

thread_local! {
    static STATE: Cell<[u64; 4]> = Cell::new(seeded(0x853c_49e6_748f_ea9b));
}

fn splitmix(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn seeded(seed: u64) -> [u64; 4] {
    let mut x = seed;
    [
        splitmix(&mut x),
        splitmix(&mut x),
        splitmix(&mut x),
        splitmix(&mut x),
    ]
}

fn next_u64() -> u64 {
    STATE.with(|cell| {
        let mut s = cell.get();
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        cell.set(s);
        result
    })
}

fn next_f64() -> f64 {
    (next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Uniform integer in `0..n` (n > 0) without modulo bias.
fn below(n: u64) -> u64 {
    let zone = u64::MAX - (u64::MAX % n);
    loop {
        let r = next_u64();
        if r < zone {
            return r % n;
        }
    }
}

fn random_seed(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let a = bind("seed", args, kw, &["a", "version"])?;
    let seed = match a[0] {
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
        Some(v) if v.is_none() => 0,
        Some(v) => match int_ref(v) {
            Some(i) => {
                let b = i.to_bigint();
                let (_, digits) = b.to_u64_digits();
                digits.iter().fold(0u64, |acc, d| acc.rotate_left(17) ^ d)
            }
            None => {
                let h = vm.hash(v)?;
                h as u64
            }
        },
    };
    STATE.with(|cell| cell.set(seeded(seed)));
    Ok(Value::none())
}

fn random_random(_vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    no_kwargs("random", kw)?;
    arity("random", args.len(), 0, 0)?;
    Ok(Value::float(next_f64()))
}

fn int_arg(vm: &Vm, v: &Value) -> PyResult<i64> {
    crate::int::as_i64(v).ok_or_else(|| {
        PyErr::type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            vm.type_name(v)
        ))
    })
}

fn randrange_impl(start: i64, stop: i64, step: i64) -> PyResult<Value> {
    if step == 0 {
        return Err(PyErr::value_error("zero step for randrange()"));
    }
    let width = stop as i128 - start as i128;
    let n = if step > 0 {
        (width + step as i128 - 1) / step as i128
    } else {
        (width + step as i128 + 1) / step as i128
    };
    if n <= 0 {
        return Err(PyErr::value_error(format!(
            "empty range in randrange({start}, {stop}, {step})"
        )));
    }
    let k = below(n as u64) as i128;
    Ok(Value::from_i128(start as i128 + k * step as i128))
}

fn random_randint(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    no_kwargs("randint", kw)?;
    arity("randint", args.len(), 2, 2)?;
    let a = int_arg(vm, &args[0])?;
    let b = int_arg(vm, &args[1])?;
    if b < a {
        return Err(PyErr::value_error(format!(
            "empty range in randrange({a}, {}, 1)",
            b as i128 + 1
        )));
    }
    randrange_impl(a, b.saturating_add(1), 1)
}

fn random_randrange(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    no_kwargs("randrange", kw)?;
    arity("randrange", args.len(), 1, 3)?;
    let first = int_arg(vm, &args[0])?;
    match args.len() {
        1 => {
            if first <= 0 {
                return Err(PyErr::value_error(format!(
                    "empty range in randrange({first})"
                )));
            }
            randrange_impl(0, first, 1)
        }
        _ => {
            let stop = int_arg(vm, &args[1])?;
            let step = match args.get(2) {
                Some(v) => int_arg(vm, v)?,
                None => 1,
            };
            randrange_impl(first, stop, step)
        }
    }
}

fn random_choice(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    no_kwargs("choice", kw)?;
    arity("choice", args.len(), 1, 1)?;
    let items = vm.collect(&args[0])?;
    if items.is_empty() {
        return Err(PyErr::index_error("Cannot choose from an empty sequence"));
    }
    let i = below(items.len() as u64) as usize;
    Ok(items.get(i).cloned().unwrap_or_default())
}

fn random_shuffle(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    no_kwargs("shuffle", kw)?;
    arity("shuffle", args.len(), 1, 1)?;
    let list = args[0].as_list().ok_or_else(|| {
        PyErr::type_error(format!(
            "'{}' object does not support item assignment",
            vm.type_name(&args[0])
        ))
    })?;
    let mut items = list
        .try_borrow_mut()
        .map_err(|_| PyErr::reentrant("list"))?;
    for i in (1..items.len()).rev() {
        let j = below(i as u64 + 1) as usize;
        items.swap(i, j);
    }
    Ok(Value::none())
}

fn random_uniform(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    no_kwargs("uniform", kw)?;
    arity("uniform", args.len(), 2, 2)?;
    let real = |v: &Value| -> PyResult<f64> {
        v.as_float()
            .or_else(|| int_ref(v).and_then(|i| i.to_f64()))
            .ok_or_else(|| {
                PyErr::type_error(format!("must be real number, not {}", vm.type_name(v)))
            })
    };
    let a = real(&args[0])?;
    let b = real(&args[1])?;
    Ok(Value::float(a + (b - a) * next_f64()))
}
