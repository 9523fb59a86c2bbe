//! Methods of the built-in types, registered by (type, name) in the native
//! registry: str, bytes, list, tuple, dict, set and frozenset.

pub mod args;
pub mod bytes_methods;
pub mod dict_methods;
pub mod list_methods;
pub mod number_methods;
pub mod set_methods;
pub mod str_methods;

use crate::native::Registry;

/// Registers every library method.
pub fn register(r: &mut Registry) {
    str_methods::register(r);
    bytes_methods::register(r);
    list_methods::register(r);
    dict_methods::register(r);
    set_methods::register(r);
    number_methods::register(r);
}
