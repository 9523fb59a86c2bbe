//! The `time` module: wall clock, monotonic clocks and a blocking `sleep`.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::error::{PyErr, PyResult};
use crate::int::int_ref;
use crate::methods::args::{arity, no_kwargs};
use crate::value::Value;
use crate::vm::Vm;

type Kw<'a> = &'a [(Value, Value)];

/// Builds the module on first import.
pub fn time_init(vm: &mut Vm) -> PyResult<Value> {
    Ok(vm.new_module(
        "time",
        vec![
            ("time", vm.native_value("time", time_time)),
            (
                "perf_counter",
                vm.native_value("perf_counter", time_monotonic),
            ),
            ("monotonic", vm.native_value("monotonic", time_monotonic)),
            ("sleep", vm.native_value("sleep", time_sleep)),
        ],
    ))
}

thread_local! {
    /// The origin of the monotonic clocks for this isolate's thread.
    static ORIGIN: Instant = Instant::now();
}

fn time_time(_vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    no_kwargs("time", kw)?;
    arity("time", args.len(), 0, 0)?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    Ok(Value::float(now))
}

fn time_monotonic(_vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    no_kwargs("monotonic", kw)?;
    arity("monotonic", args.len(), 0, 0)?;
    Ok(Value::float(ORIGIN.with(|o| o.elapsed().as_secs_f64())))
}

fn time_sleep(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    no_kwargs("sleep", kw)?;
    arity("sleep", args.len(), 1, 1)?;
    let secs = match (args[0].as_float(), int_ref(&args[0])) {
        (Some(f), _) => f,
        (None, Some(i)) => i.to_f64().unwrap_or(f64::INFINITY),
        _ => {
            return Err(PyErr::type_error(format!(
                "'{}' object cannot be interpreted as an integer",
                vm.type_name(&args[0])
            )))
        }
    };
    if secs < 0.0 || secs.is_nan() {
        return Err(PyErr::value_error("sleep length must be non-negative"));
    }
    // Sleep in slices so a deadline interrupt is noticed promptly.
    let deadline = Instant::now() + Duration::from_secs_f64(secs.min(1e9));
    loop {
        vm.check_interrupt()?;
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        std::thread::sleep((deadline - now).min(Duration::from_millis(10)));
    }
    Ok(Value::none())
}
