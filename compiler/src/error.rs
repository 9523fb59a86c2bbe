//! Compile errors: what went wrong, where, and how to show it.
//!
//! Every error carries the file, a 1-based line and column and the source
//! line, so the binary can render `file:line:col` with a caret. The
//! runtime raises these as Python `SyntaxError`s when an import fails.

use std::fmt;

/// The class of a compile error, as CPython would name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Invalid Python syntax (CPython's `SyntaxError`).
    Syntax,
    /// Bad indentation (CPython's `IndentationError`).
    Indentation,
    /// Valid Python that Kiln's subset does not support.
    Unsupported,
}

impl ErrorKind {
    /// The Python exception class name for this kind.
    pub fn python_name(self) -> &'static str {
        match self {
            ErrorKind::Syntax | ErrorKind::Unsupported => "SyntaxError",
            ErrorKind::Indentation => "IndentationError",
        }
    }
}

/// A compile error with its location.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct CompileError {
    pub kind: ErrorKind,
    pub message: String,
    pub filename: String,
    pub line: u32,
    pub col: u32,
    pub source_line: String,
}

impl CompileError {
    /// The message part of CPython's last stderr line (`invalid syntax`).
    pub fn python_message(&self) -> String {
        self.message.clone()
    }

    /// The message for a construct outside Kiln's subset.
    pub fn unsupported_message(what: &str) -> String {
        format!("unsupported construct: {what} (not in Kiln's Python subset)")
    }
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}:{}:{}: {}: {}",
            self.filename,
            self.line,
            self.col,
            self.kind.python_name(),
            self.message
        )?;
        writeln!(f, "    {}", self.source_line.trim_end())?;
        let pad = " ".repeat(self.col.saturating_sub(1) as usize);
        write!(f, "    {pad}^")
    }
}

/// An error found before the filename and source line are attached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawError {
    pub kind: ErrorKind,
    pub message: String,
    pub line: u32,
    pub col: u32,
}

impl RawError {
    pub fn syntax(message: impl Into<String>, line: u32, col: u32) -> Self {
        RawError {
            kind: ErrorKind::Syntax,
            message: message.into(),
            line,
            col,
        }
    }

    pub fn indentation(message: impl Into<String>, line: u32, col: u32) -> Self {
        RawError {
            kind: ErrorKind::Indentation,
            message: message.into(),
            line,
            col,
        }
    }

    pub fn unsupported(what: &str, line: u32, col: u32) -> Self {
        RawError {
            kind: ErrorKind::Unsupported,
            message: CompileError::unsupported_message(what),
            line,
            col,
        }
    }

    /// Attach the file name and the offending source line.
    pub fn into_compile_error(self, source: &str, filename: &str) -> CompileError {
        let source_line = source
            .lines()
            .nth(self.line.saturating_sub(1) as usize)
            .unwrap_or("")
            .to_string();
        CompileError {
            kind: self.kind,
            message: self.message,
            filename: filename.to_string(),
            line: self.line.max(1),
            col: self.col.max(1),
            source_line,
        }
    }
}

pub type RawResult<T> = Result<T, RawError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_with_caret() {
        let e =
            RawError::syntax("invalid syntax", 2, 5).into_compile_error("a\nx = = 1  \n", "t.py");
        assert_eq!(
            e.to_string(),
            "t.py:2:5: SyntaxError: invalid syntax\n    x = = 1\n        ^"
        );
        assert_eq!(e.python_message(), "invalid syntax");
    }

    #[test]
    fn unsupported_is_a_syntax_error() {
        let e =
            RawError::unsupported("match statement", 1, 1).into_compile_error("match x:", "m.py");
        assert!(e.to_string().starts_with(
            "m.py:1:1: SyntaxError: unsupported construct: match statement (not in Kiln's Python subset)"
        ));
    }
}
