//! `PyErr`: a raised script exception travelling through Rust `Result`s.
//!
//! Native code creates errors cheaply without touching the VM
//! (`PyErr::type_error(msg)`): such an error names a built-in exception kind
//! and its message, and the interpreter turns it into a real exception
//! instance when it needs one (to match `except`, attach a traceback...).

use std::fmt;

use crate::value::Value;

macro_rules! exc_kinds {
    ($( $name:ident : $base:ident ),* $(,)?) => {
        /// The built-in exception classes, each with its base.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum ExcKind { $( $name, )* }

        impl ExcKind {
            pub const ALL: &'static [ExcKind] = &[ $( ExcKind::$name, )* ];

            pub fn name(self) -> &'static str {
                match self { $( ExcKind::$name => stringify!($name), )* }
            }

            /// The base class (BaseException is its own base: it derives
            /// from `object`).
            pub fn base(self) -> ExcKind {
                match self { $( ExcKind::$name => ExcKind::$base, )* }
            }
        }
    };
}

exc_kinds! {
    BaseException: BaseException,
    Exception: BaseException,
    SystemExit: BaseException,
    KeyboardInterrupt: BaseException,
    GeneratorExit: BaseException,
    ArithmeticError: Exception,
    ZeroDivisionError: ArithmeticError,
    OverflowError: ArithmeticError,
    FloatingPointError: ArithmeticError,
    LookupError: Exception,
    IndexError: LookupError,
    KeyError: LookupError,
    ValueError: Exception,
    UnicodeError: ValueError,
    UnicodeDecodeError: UnicodeError,
    UnicodeEncodeError: UnicodeError,
    TypeError: Exception,
    AttributeError: Exception,
    NameError: Exception,
    UnboundLocalError: NameError,
    RuntimeError: Exception,
    NotImplementedError: RuntimeError,
    RecursionError: RuntimeError,
    StopIteration: Exception,
    StopAsyncIteration: Exception,
    AssertionError: Exception,
    ImportError: Exception,
    ModuleNotFoundError: ImportError,
    SyntaxError: Exception,
    OSError: Exception,
    TimeoutError: OSError,
    EOFError: Exception,
    MemoryError: Exception,
    BufferError: Exception,
    Warning: Exception,
    UserWarning: Warning,
    DeprecationWarning: Warning,
    // Raised when the host's interrupt flag is set (request deadline): a
    // BaseException so that `except Exception` in scripts cannot swallow it.
    Interrupted: BaseException,
}

/// What an exception was raised with, before it becomes an instance.
pub enum ErrState {
    /// A built-in exception with one message argument (or none if empty
    /// and `no_args`).
    Lazy {
        kind: ExcKind,
        msg: String,
        no_args: bool,
    },
    /// A built-in exception whose single argument is a value (KeyError(key),
    /// StopIteration(value)).
    LazyValue { kind: ExcKind, arg: Value },
    /// A real exception instance.
    Object(Value),
}

/// A raised exception.
pub struct PyErr {
    pub state: Box<ErrState>,
    /// Set by a bare `raise`: the traceback already names this frame's line.
    pub reraised: bool,
}

impl PyErr {
    pub fn new(kind: ExcKind, msg: impl Into<String>) -> PyErr {
        PyErr {
            state: Box::new(ErrState::Lazy {
                kind,
                msg: msg.into(),
                no_args: false,
            }),
            reraised: false,
        }
    }

    /// An exception with no arguments (`raise StopIteration`).
    pub fn bare(kind: ExcKind) -> PyErr {
        PyErr {
            state: Box::new(ErrState::Lazy {
                kind,
                msg: String::new(),
                no_args: true,
            }),
            reraised: false,
        }
    }

    pub fn with_value(kind: ExcKind, arg: Value) -> PyErr {
        PyErr {
            state: Box::new(ErrState::LazyValue { kind, arg }),
            reraised: false,
        }
    }

    pub fn from_object(exc: Value) -> PyErr {
        PyErr {
            state: Box::new(ErrState::Object(exc)),
            reraised: false,
        }
    }

    pub fn type_error(msg: impl Into<String>) -> PyErr {
        PyErr::new(ExcKind::TypeError, msg)
    }
    pub fn value_error(msg: impl Into<String>) -> PyErr {
        PyErr::new(ExcKind::ValueError, msg)
    }
    pub fn index_error(msg: impl Into<String>) -> PyErr {
        PyErr::new(ExcKind::IndexError, msg)
    }
    pub fn key_error(key: Value) -> PyErr {
        PyErr::with_value(ExcKind::KeyError, key)
    }
    pub fn attribute_error(msg: impl Into<String>) -> PyErr {
        PyErr::new(ExcKind::AttributeError, msg)
    }
    pub fn name_error(msg: impl Into<String>) -> PyErr {
        PyErr::new(ExcKind::NameError, msg)
    }
    pub fn zero_division(msg: impl Into<String>) -> PyErr {
        PyErr::new(ExcKind::ZeroDivisionError, msg)
    }
    pub fn overflow(msg: impl Into<String>) -> PyErr {
        PyErr::new(ExcKind::OverflowError, msg)
    }
    pub fn runtime_error(msg: impl Into<String>) -> PyErr {
        PyErr::new(ExcKind::RuntimeError, msg)
    }
    pub fn stop_iteration() -> PyErr {
        PyErr::bare(ExcKind::StopIteration)
    }
    /// A construct or argument form the runtime does not support.
    pub fn unsupported(what: impl Into<String>) -> PyErr {
        PyErr::new(ExcKind::NotImplementedError, what)
    }

    /// The error raised when a `RefCell` is already borrowed (re-entrant
    /// mutation from a callback).
    pub fn reentrant(what: &str) -> PyErr {
        PyErr::runtime_error(format!("{what} changed during a callback"))
    }

    /// The built-in kind, if this error has not become an instance yet.
    pub fn lazy_kind(&self) -> Option<ExcKind> {
        match &*self.state {
            ErrState::Lazy { kind, .. } | ErrState::LazyValue { kind, .. } => Some(*kind),
            ErrState::Object(_) => None,
        }
    }
}

impl fmt::Debug for PyErr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.state {
            ErrState::Lazy { kind, msg, .. } => write!(f, "{}: {}", kind.name(), msg),
            ErrState::LazyValue { kind, arg } => write!(f, "{}({:?})", kind.name(), arg),
            ErrState::Object(v) => write!(f, "PyErr({v:?})"),
        }
    }
}

pub type PyResult<T> = Result<T, PyErr>;
