//! Leaving compiled code: why it happened, and handing the rebuilt frame
//! back to the interpreter.
//!
//! An exit block in compiled code writes every local back into
//! `Frame::locals` and every live stack value onto `Frame::stack` (so loop
//! iterators survive), then records the bytecode offset. The interpreter
//! resumes there exactly as if it had run all along; when the exit carries
//! an exception, the interpreter raises it at that offset, so tracebacks
//! and `except` handlers are the interpreter's own. After a failed guard
//! (a deoptimisation) the interpreter re-executes the instruction with the
//! boxed operands and finishes the work; `mod.rs` recompiles a function
//! that keeps deoptimising (first with the widened feedback, then without
//! speculation).

/// Why compiled code returned to the interpreter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Reason {
    /// A helper raised: the interpreter unwinds from this offset.
    Exception = 0,
    /// An instruction the lowering does not handle (never emitted for
    /// analysed code; kept so an exit can never be mislabelled).
    Unsupported = 1,
    /// A type guard failed: the interpreter re-executes the instruction.
    TypeGuard = 2,
    /// An unboxed int overflowed `i64` or a divisor was zero: the
    /// interpreter re-executes (big int result, or the exception).
    Overflow = 3,
    /// An OSR entry found a local of another type in the frame.
    OsrGuard = 4,
    /// A call passed a parameter of another kind than the compiled code
    /// unboxes at entry: the interpreter runs the call from its start.
    EntryGuard = 5,
    /// An operation that raises (a list index out of range, a math
    /// domain error): the interpreter re-executes it and raises. Not a
    /// failed speculation, so code that catches the error keeps its code.
    Raising = 6,
}

impl Reason {
    pub const ALL: [Reason; 7] = [
        Reason::Exception,
        Reason::Unsupported,
        Reason::TypeGuard,
        Reason::Overflow,
        Reason::OsrGuard,
        Reason::EntryGuard,
        Reason::Raising,
    ];

    pub fn from_u8(b: u8) -> Reason {
        Reason::ALL
            .get(b as usize)
            .copied()
            .unwrap_or(Reason::Exception)
    }

    /// A deoptimisation (speculation failed), as opposed to an exception.
    pub fn is_deopt(self) -> bool {
        matches!(
            self,
            Reason::TypeGuard | Reason::Overflow | Reason::OsrGuard | Reason::EntryGuard
        )
    }

    pub fn label(self) -> &'static str {
        match self {
            Reason::Exception => "exception",
            Reason::Unsupported => "unsupported",
            Reason::TypeGuard => "deopt-type",
            Reason::Overflow => "deopt-overflow",
            Reason::OsrGuard => "deopt-osr-type",
            Reason::EntryGuard => "deopt-entry-type",
            Reason::Raising => "raising",
        }
    }
}
