//! kiln-runtime: values, objects, builtins, the interpreter and its
//! feedback. The host sees only `Isolate` (see `isolate.rs`).

pub mod attr;
pub mod attr_cache;
pub mod builtins;
pub mod builtins_lib;
pub mod call;
pub mod code_info;
pub mod core_methods;
pub mod dict;
pub mod error;
pub mod exceptions;
pub mod feedback;
pub mod finalize;
pub mod frame;
pub mod hash;
pub mod host_api;
pub mod import;
pub mod int;
pub mod interp;
mod interp_rare;
pub mod isolate;
pub mod items;
pub mod iter;
pub mod jit;
pub mod methods;
pub mod modules;
pub mod native;
pub mod object;
pub mod ops;
pub mod range;
pub mod repr;
pub mod set;
pub mod text;
pub mod text_hooks;
pub mod value;
pub mod vm;

pub use error::{ExcKind, PyErr, PyResult};
pub use isolate::{Isolate, Options, RunError};
pub use value::Value;
pub use vm::Vm;
