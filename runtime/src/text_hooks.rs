//! The runtime's entry points into text formatting: float repr, `format()`
//! with a spec (f-strings, `format()`), and `str % args`. The formatting
//! rules themselves live in `text/` (library code); this file only
//! dispatches on the value's type.

use crate::error::PyResult;
use crate::value::Value;
use crate::vm::Vm;

/// `repr(float)`.
pub fn float_repr(f: f64) -> String {
    crate::text::float_repr::float_repr(f)
}

/// `format(v, spec)`.
pub fn format_value(vm: &mut Vm, v: &Value, spec: &str) -> PyResult<String> {
    crate::builtins_lib::format_value(vm, v, spec)
}

/// `fmt % args`.
pub fn percent_format(vm: &mut Vm, fmt: &Value, args: &Value) -> PyResult<Value> {
    crate::builtins_lib::percent_format(vm, fmt, args)
}
