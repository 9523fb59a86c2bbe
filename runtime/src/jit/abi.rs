//! The contract between compiled code and the runtime: the NaN-box bit
//! patterns compiled code tests inline, the two sentinels helpers return,
//! and `JitCtx`, the per-activation record every helper receives.
//!
//! Compiled code holds values as raw `u64` bits, each one an *owned*
//! reference (exactly like a `Value` in the interpreter's stack). This file
//! is the only place that turns bits back into `Value`s; it must never be
//! used to forge bits that did not come from a `Value`.

use crate::error::PyErr;
use crate::frame::Frame;
use crate::object::FunctionObj;
use crate::value::Value;
use crate::vm::Vm;

/// Top 16 bits of an immediate int (`TAG_BASE | TAG_INT << 48`).
pub const INT_HI: i64 = 0xFFFB;
/// Top 16 bits of a bool.
pub const BOOL_HI: i64 = 0xFFFA;
/// Top 16 bits of a heap pointer.
pub const PTR_HI: i64 = 0xFFFC;
/// Bits 51..=63 all ones: not a float.
pub const NOT_FLOAT_HI13: i64 = 0x1FFF;
pub const PAYLOAD_MASK: i64 = 0x0000_FFFF_FFFF_FFFF;
pub const INT_TAG_BITS: i64 = (0xFFFBu64 << 48) as i64;
pub const FALSE_BITS: i64 = (0xFFFAu64 << 48) as i64;
pub const TRUE_BITS: i64 = FALSE_BITS | 1;
pub const EMPTY_BITS: i64 = (0xFFFDu64 << 48) as i64;
pub const CANONICAL_NAN: i64 = 0x7FF8_0000_0000_0000;
/// Returned by a helper when it raised: the error is in `JitCtx::err`.
/// Tag 6 is never a value.
pub const RAISED: i64 = (0xFFFEu64 << 48) as i64;
/// Returned by the for-iteration helper when the iterator is exhausted.
/// Tag 7 is never a value.
pub const EXHAUSTED: i64 = (0xFFFFu64 << 48) as i64;

/// One activation of compiled code. Compiled code passes its address to
/// helpers and reads exactly one field itself: `interrupt`, at offset 0.
/// It owns nothing but a pending error, so setting one up per call is
/// cheap (frameless calls make one per Python call).
#[repr(C)]
pub struct JitCtx {
    /// The isolate's interrupt flag, tested inline at loop back-edges.
    pub interrupt: *const std::sync::atomic::AtomicBool,
    pub vm: *mut Vm,
    /// The interpreter frame compiled code was entered from; null in a
    /// frameless call (compiled code calling compiled code), where `func`
    /// and `call_args` stand in for it until an exit needs a real frame.
    pub frame: *mut Frame,
    /// The running function, in a frameless call (borrowed from the caller).
    pub func: *const FunctionObj,
    /// A frameless call's arguments: `call_nargs` owned values, moved into
    /// the locals at entry (read by the prologue, `direct::entry_locals`,
    /// or by `helpers::take_locals`), which sets `call_nargs` to 0.
    pub call_args: *const i64,
    pub call_nargs: usize,
    /// The exception a helper raised, until the exit hands it over.
    /// Boxed so that `None` is the null word: compiled code builds the
    /// context of a direct call (`direct.rs`) with a plain zero store.
    pub err: Option<Box<PyErr>>,
    /// Bytecode offset at which the interpreter resumes after an exit.
    pub exit_pc: u32,
    /// The interpreter stack handed to an OSR entry (null on a call).
    pub entry_stack: *mut Vec<Value>,
    /// Why the last exit happened (`deopt::Reason`).
    pub exit_reason: u8,
    /// The second result of a two-result helper (`LoadMethod`).
    pub aux: i64,
    /// The running code's constants as values (`CodeInfo::consts`, never
    /// changed after it is made): `LoadConst` of a heap constant reads
    /// them in place.
    pub consts: *const Value,
}

/// Give up ownership of a value, returning its bits.
#[inline(always)]
pub fn into_bits(v: Value) -> i64 {
    let b = v.bits() as i64;
    std::mem::forget(v);
    b
}

/// Take ownership of bits that came from `into_bits` (or an immediate).
///
/// # Safety
/// `bits` must be an owned reference produced by `into_bits`, or an
/// immediate (int, float, bool, None, empty).
#[inline(always)]
pub unsafe fn from_bits(bits: i64) -> Value {
    // SAFETY: `Value` is `repr(transparent)` over a `u64` (plus a ZST), and
    // the caller hands over the reference those bits own.
    unsafe { std::mem::transmute::<u64, Value>(bits as u64) }
}

/// Borrow bits as a value without taking ownership.
///
/// # Safety
/// As `from_bits`; the returned guard must not outlive the owner.
#[inline(always)]
pub unsafe fn borrow_bits(bits: i64) -> std::mem::ManuallyDrop<Value> {
    // SAFETY: see `from_bits`; ManuallyDrop keeps the count unchanged.
    std::mem::ManuallyDrop::new(unsafe { from_bits(bits) })
}

pub const NONE_BITS: i64 = (0xFFF9u64 << 48) as i64;

/// Arguments a direct call passes in registers, after the context and
/// the entry offset (`lower::Entry`).
pub const REG_ARGS: usize = 4;

/// The `entry_pc` of a direct call from compiled code with its (at most
/// `REG_ARGS`) positional arguments, owned, in the register parameters:
/// exactly the callee's parameters, as a call site only remembers such
/// callees (`calls::is_simple`). Every other entry passes zeros there.
pub const DIRECT_ENTRY: i64 = -1;

/// The `entry_pc` of a direct call whose arguments are passed as the
/// callee's entry expects them (`direct::unboxed_signature`, read from
/// `EntryCell::sig`): each parameter speculated int as a raw `i64`, each
/// speculated float as the bits of its `f64`, any other as owned bits.
/// The callee skips its entry checks and unboxing.
pub const DIRECT_UNBOXED: i64 = -2;

/// Drop the reference a compiled code's cache cell holds in `cell` (owned
/// bits, 0 when empty), leaving it empty.
///
/// Cache cells are filled and dropped only on their isolate's thread, and
/// only ever hold bits from `into_bits` (or 0).
pub fn release_cell(cell: &std::cell::Cell<u64>) {
    let old = cell.replace(0);
    if old != 0 {
        // SAFETY: see above: the cell owned the reference it held.
        drop(unsafe { from_bits(old as i64) });
    }
}

/// Byte offsets of the `JitCtx` fields compiled code reads or writes
/// itself: a callee's prologue reads its arguments, and a direct call
/// (`direct.rs`) builds the callee's context in a stack slot.
pub mod ctx_offset {
    use super::JitCtx;
    use std::mem::offset_of;

    pub const INTERRUPT: i32 = offset_of!(JitCtx, interrupt) as i32;
    pub const VM: i32 = offset_of!(JitCtx, vm) as i32;
    pub const FRAME: i32 = offset_of!(JitCtx, frame) as i32;
    pub const FUNC: i32 = offset_of!(JitCtx, func) as i32;
    pub const CALL_ARGS: i32 = offset_of!(JitCtx, call_args) as i32;
    pub const CALL_NARGS: i32 = offset_of!(JitCtx, call_nargs) as i32;
    pub const ERR: i32 = offset_of!(JitCtx, err) as i32;
    pub const EXIT_PC: i32 = offset_of!(JitCtx, exit_pc) as i32;
    pub const ENTRY_STACK: i32 = offset_of!(JitCtx, entry_stack) as i32;
    pub const EXIT_REASON: i32 = offset_of!(JitCtx, exit_reason) as i32;
    pub const AUX: i32 = offset_of!(JitCtx, aux) as i32;
    pub const CONSTS: i32 = offset_of!(JitCtx, consts) as i32;
    pub const SIZE: u32 = std::mem::size_of::<JitCtx>() as u32;
}

// Compiled code writes `None` into `JitCtx::err` as one zero word and
// reads the interrupt flag through the first word.
const _: () = {
    assert!(std::mem::size_of::<Option<Box<PyErr>>>() == 8);
    assert!(ctx_offset::INTERRUPT == 0);
};
