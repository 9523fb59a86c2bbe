//! Built-in modules importable by scripts (`math`, `json`, `time`,
//! `random`, `re`) and their value-independent cores.

pub mod json;
pub mod json_text;
pub mod kiln;
pub mod kiln_cache;
pub mod kiln_prelude;
pub mod math;
pub mod random;
pub mod re;
pub mod re_engine;
pub mod re_prelude;
pub mod re_syntax;
pub mod time;

use crate::native::Registry;

/// Registers every library module.
pub fn register(r: &mut Registry) {
    r.module("json", json::json_init);
    r.module("math", math::math_init);
    r.module("time", time::time_init);
    r.module("random", random::random_init);
    r.module("re", re::re_init);
    r.module("kiln", kiln::kiln_init);
}
