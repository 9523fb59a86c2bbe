//! `CodeInfo`: what one isolate keeps per code object — its constants and
//! names as ready-made values (so the loop never allocates to load them)
//! and its feedback slots.

use crate::feedback::Feedback;
use crate::value::Value;

pub struct CodeInfo {
    /// `consts`, converted to values once.
    pub consts: Vec<Value>,
    /// `names`, as str values (their hashes are cached on first use).
    pub names: Vec<Value>,
    pub feedback: Feedback,
}
