//! CPython 3.11's built-in names that Kiln does not provide. A program
//! that reads one of them (without binding the name itself) is outside the
//! subset: the emitter reports it at compile time with `file:line:col`
//! rather than letting it fail later with a `NameError` CPython would not
//! raise. The runtime's tests check that it provides none of these.

/// Built-in functions, constants and exception classes outside the subset.
pub const OUTSIDE_BUILTINS: &[&str] = &[
    // Functions and constants.
    "aiter",
    "anext",
    "breakpoint",
    "bytearray",
    "compile",
    "complex",
    "copyright",
    "credits",
    "dir",
    "eval",
    "exec",
    "exit",
    "globals",
    "help",
    "input",
    "license",
    "locals",
    "memoryview",
    "open",
    "quit",
    "__import__",
    // Exception and warning classes.
    "BaseExceptionGroup",
    "BlockingIOError",
    "BrokenPipeError",
    "BytesWarning",
    "ChildProcessError",
    "ConnectionAbortedError",
    "ConnectionError",
    "ConnectionRefusedError",
    "ConnectionResetError",
    "EncodingWarning",
    "EnvironmentError",
    "ExceptionGroup",
    "FileExistsError",
    "FileNotFoundError",
    "FutureWarning",
    "IOError",
    "ImportWarning",
    "IndentationError",
    "InterruptedError",
    "IsADirectoryError",
    "NotADirectoryError",
    "PendingDeprecationWarning",
    "PermissionError",
    "ProcessLookupError",
    "ReferenceError",
    "ResourceWarning",
    "RuntimeWarning",
    "SyntaxWarning",
    "SystemError",
    "TabError",
    "UnicodeTranslateError",
    "UnicodeWarning",
];

/// Whether `name` is one of `OUTSIDE_BUILTINS`.
pub fn is_outside_builtin(name: &str) -> bool {
    OUTSIDE_BUILTINS.contains(&name)
}
