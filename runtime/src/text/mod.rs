//! Pure-Rust text formatting that mirrors CPython exactly: float repr, integer
//! radix conversion, the format-spec mini-language, `%`-formatting and
//! `str.format` parsing. Nothing here knows about runtime values; callers plug
//! values in through small traits and callbacks.

pub mod case_tables;
pub mod digits;
pub mod float_repr;
pub mod format_spec;
pub mod int_format;
pub mod percent;
pub mod str_format;

#[cfg(test)]
mod format_spec_cases;

/// Which Python exception a formatting error maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextErrorKind {
    Value,
    Type,
    Overflow,
    Key,
    Index,
}

impl TextErrorKind {
    /// The CPython exception class name for this kind.
    pub fn exception_name(self) -> &'static str {
        match self {
            TextErrorKind::Value => "ValueError",
            TextErrorKind::Type => "TypeError",
            TextErrorKind::Overflow => "OverflowError",
            TextErrorKind::Key => "KeyError",
            TextErrorKind::Index => "IndexError",
        }
    }
}

/// A formatting failure carrying CPython's exact exception type and message.
/// For `Key` errors, `message` is the missing key itself (a str): the
/// runtime should raise `KeyError(message)`, which CPython displays quoted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {}", kind.exception_name(), self.display_message())]
pub struct TextError {
    pub kind: TextErrorKind,
    pub message: String,
}

impl TextError {
    /// The message as CPython's `str(exception)` shows it.
    pub fn display_message(&self) -> String {
        if self.kind == TextErrorKind::Key {
            format!("'{}'", self.message)
        } else {
            self.message.clone()
        }
    }
    pub fn value(message: impl Into<String>) -> Self {
        TextError {
            kind: TextErrorKind::Value,
            message: message.into(),
        }
    }
    pub fn type_error(message: impl Into<String>) -> Self {
        TextError {
            kind: TextErrorKind::Type,
            message: message.into(),
        }
    }
    pub fn overflow(message: impl Into<String>) -> Self {
        TextError {
            kind: TextErrorKind::Overflow,
            message: message.into(),
        }
    }
    pub fn key(message: impl Into<String>) -> Self {
        TextError {
            kind: TextErrorKind::Key,
            message: message.into(),
        }
    }
    pub fn index(message: impl Into<String>) -> Self {
        TextError {
            kind: TextErrorKind::Index,
            message: message.into(),
        }
    }
}

pub type TextResult<T> = Result<T, TextError>;
