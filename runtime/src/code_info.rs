//! `CodeInfo`: what one isolate keeps per code object — its constants and
//! names as ready-made values (so the loop never allocates to load them)
//! its feedback slots and the inline caches of its attribute and global
//! name sites.

use std::cell::Cell;
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
    /// `LoadGlobal` caches, indexed like `names`.
    pub global_cache: Box<[GlobalSite]>,
}

/// Where a global name was last found. Only a hint: a hit is confirmed by
/// the key object at the remembered index (names are interned), and a
/// builtins hit also needs the globals dict's key-set version to be the
/// one in which the name was seen absent.
#[derive(Default)]
pub struct GlobalSite {
    /// Entry index + 1 in globals (or builtins, see `globals_version`); 0
    /// when empty.
    pub index: Cell<u32>,
    /// 0: the index is into globals; else the globals key-set version in
    /// which the name was missing and the index is into builtins.
    pub globals_version: Cell<u64>,
}
