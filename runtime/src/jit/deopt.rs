//! Leaving compiled code: why it happened, and handing the rebuilt frame
//! back to the interpreter.
//!
//! An exit block in compiled code writes every local back into
//! `Frame::locals` and every live stack value onto `Frame::stack` (so loop
//! iterators survive), then records the bytecode offset. The interpreter
//! resumes there exactly as if it had run all along; when the exit carries
//! an exception, the interpreter raises it at that offset, so tracebacks
//! and `except` handlers are the interpreter's own.

/// Why compiled code returned to the interpreter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Reason {
    /// A helper raised: the interpreter unwinds from this offset.
    Exception = 0,
    /// An instruction the lowering does not handle (never emitted for
    /// analysed code; kept so an exit can never be mislabelled).
    Unsupported = 1,
}

impl Reason {
    pub const ALL: [Reason; 2] = [Reason::Exception, Reason::Unsupported];

    pub fn from_u8(b: u8) -> Reason {
        match b {
            1 => Reason::Unsupported,
            _ => Reason::Exception,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Reason::Exception => "exception",
            Reason::Unsupported => "unsupported",
        }
    }
}
