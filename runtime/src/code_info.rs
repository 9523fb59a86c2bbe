//! `CodeInfo`: what one isolate keeps per code object — its constants and
//! names as ready-made values (so the loop never allocates to load them)
//! its feedback slots and the inline caches of its attribute sites.

use std::sync::Arc;

use kiln_compiler::bytecode::CodeObject;

use crate::attr_cache::AttrCache;
use crate::feedback::Feedback;
use crate::value::Value;

pub struct CodeInfo {
    /// The code object this describes (so the loop can reach it through
    /// the non-atomic `Rc<CodeInfo>` without touching the `Arc`'s count).
    pub code: Arc<CodeObject>,
    /// `consts`, converted to values once.
    pub consts: Vec<Value>,
    /// `names`, as str values (their hashes are cached on first use).
    pub names: Vec<Value>,
    pub feedback: Feedback,
    /// Attribute-site caches, indexed by feedback slot.
    pub attr_cache: AttrCache,
}
