//! The payloads of heap objects: one variant per object kind, plus the small
//! constructors every other module uses (`Value::list`, `Value::tuple`...).
//!
//! Interior mutability is `RefCell`/`Cell`; callers must use `try_borrow*`
//! (or copy out) around anything that can call back into Python, so a
//! re-entrant borrow raises `RuntimeError` instead of panicking.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

use kiln_compiler::bytecode::CodeObject;
use num_bigint::BigInt;

use crate::code_info::CodeInfo;
use crate::dict::Dict;
use crate::error::PyErr;
use crate::frame::Frame;
use crate::native::NativeFn;
use crate::set::SetTable;
use crate::value::{Kind, Value};
use crate::vm::Vm;

/// A str: UTF-8 text with its code-point count cached. Immutable once
/// shared; only `push` (on a uniquely referenced str) changes it.
pub struct StrObj {
    pub s: String,
    /// Number of code points (equals `s.len()` for ASCII text).
    pub chars: usize,
    /// Cached hash; 0 means "not computed yet".
    pub hash: Cell<u64>,
}

impl StrObj {
    pub fn new(s: Box<str>) -> StrObj {
        StrObj::from_string(s.into_string())
    }

    /// Keeps the buffer as is unless much of it is spare: shrinking
    /// reallocates, and most strs are short-lived.
    pub fn from_string(mut s: String) -> StrObj {
        if s.capacity() - s.len() > s.len() / 2 + 32 {
            s.shrink_to_fit();
        }
        let chars = if s.is_ascii() {
            s.len()
        } else {
            s.chars().count()
        };
        StrObj {
            s,
            chars,
            hash: Cell::new(0),
        }
    }

    /// Append `t` (the caller holds the only reference to `self`).
    pub fn push(&mut self, t: &StrObj) {
        self.s.push_str(&t.s);
        self.chars += t.chars;
        self.hash.set(0);
    }

    pub fn is_ascii(&self) -> bool {
        self.chars == self.s.len()
    }
}

/// A set or frozenset (the table is CPython's, see `set.rs`).
pub struct SetObj {
    pub frozen: bool,
    pub items: RefCell<SetTable>,
}

pub use crate::range::{RangeObj, SmallRange};

/// A Python function: code plus the environment it closes over.
pub struct FunctionObj {
    pub code: Arc<CodeObject>,
    pub info: Rc<CodeInfo>,
    /// The module's globals dict.
    pub globals: Value,
    pub defaults: Box<[Value]>,
    /// Keyword-only defaults (a dict) or None.
    pub kwdefaults: Value,
    /// Closure cells, in `freevars` order.
    pub closure: Box<[Value]>,
    pub name: RefCell<Value>,
    pub qualname: RefCell<Value>,
    pub doc: RefCell<Value>,
    /// Arbitrary attributes set on the function.
    pub dict: RefCell<Dict>,
}

/// A built-in function (or a method of a built-in type, taking `self` first).
pub struct NativeObj {
    pub name: &'static str,
    pub func: NativeFn,
    /// For methods of built-in types: the type's name, for error messages.
    pub owner: Option<&'static str>,
}

/// Which built-in type a class object stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum TypeId {
    Object,
    Type,
    NoneType,
    Bool,
    Int,
    Float,
    Str,
    Bytes,
    List,
    Tuple,
    Dict,
    Set,
    FrozenSet,
    Range,
    Slice,
    Function,
    BuiltinFunction,
    Method,
    Cell,
    Module,
    Generator,
    Coroutine,
    Iterator,
    Property,
    StaticMethod,
    ClassMethod,
    NotImplementedType,
    Ellipsis,
    Code,
    DictKeys,
    DictValues,
    DictItems,
    Super,
    BaseException,
}

impl TypeId {
    pub const ALL: &'static [TypeId] = &[
        TypeId::Object,
        TypeId::Type,
        TypeId::NoneType,
        TypeId::Bool,
        TypeId::Int,
        TypeId::Float,
        TypeId::Str,
        TypeId::Bytes,
        TypeId::List,
        TypeId::Tuple,
        TypeId::Dict,
        TypeId::Set,
        TypeId::FrozenSet,
        TypeId::Range,
        TypeId::Slice,
        TypeId::Function,
        TypeId::BuiltinFunction,
        TypeId::Method,
        TypeId::Cell,
        TypeId::Module,
        TypeId::Generator,
        TypeId::Coroutine,
        TypeId::Iterator,
        TypeId::Property,
        TypeId::StaticMethod,
        TypeId::ClassMethod,
        TypeId::NotImplementedType,
        TypeId::Ellipsis,
        TypeId::Code,
        TypeId::DictKeys,
        TypeId::DictValues,
        TypeId::DictItems,
        TypeId::Super,
        TypeId::BaseException,
    ];

    /// The type's Python name (`type(x).__name__`).
    pub fn name(self) -> &'static str {
        match self {
            TypeId::Object => "object",
            TypeId::Type => "type",
            TypeId::NoneType => "NoneType",
            TypeId::Bool => "bool",
            TypeId::Int => "int",
            TypeId::Float => "float",
            TypeId::Str => "str",
            TypeId::Bytes => "bytes",
            TypeId::List => "list",
            TypeId::Tuple => "tuple",
            TypeId::Dict => "dict",
            TypeId::Set => "set",
            TypeId::FrozenSet => "frozenset",
            TypeId::Range => "range",
            TypeId::Slice => "slice",
            TypeId::Function => "function",
            TypeId::BuiltinFunction => "builtin_function_or_method",
            TypeId::Method => "method",
            TypeId::Cell => "cell",
            TypeId::Module => "module",
            TypeId::Generator => "generator",
            TypeId::Coroutine => "coroutine",
            TypeId::Iterator => "iterator",
            TypeId::Property => "property",
            TypeId::StaticMethod => "staticmethod",
            TypeId::ClassMethod => "classmethod",
            TypeId::NotImplementedType => "NotImplementedType",
            TypeId::Ellipsis => "ellipsis",
            TypeId::Code => "code",
            TypeId::DictKeys => "dict_keys",
            TypeId::DictValues => "dict_values",
            TypeId::DictItems => "dict_items",
            TypeId::Super => "super",
            TypeId::BaseException => "BaseException",
        }
    }
}

/// A class. Single inheritance: the MRO is the `base` chain.
pub struct ClassObj {
    pub name: Box<str>,
    pub qualname: Box<str>,
    pub base: Option<Value>,
    pub dict: RefCell<Dict>,
    /// The built-in type whose instance layout this class uses.
    pub layout: TypeId,
    /// Set for the class objects of built-in types.
    pub builtin: Option<TypeId>,
    /// The module the class was defined in (`__module__`), "builtins" for
    /// built-in types.
    pub module: Box<str>,
    /// The most attributes an instance has been seen to get: new instances
    /// start with a dict of that capacity, so `__init__` does not regrow it.
    pub instance_size: Cell<u32>,
    /// `Vm::plain_init`'s answer and the class epoch it was found in.
    pub init_cache: RefCell<Option<(u64, Option<Value>)>>,
}

impl ClassObj {
    /// An instance's dict has grown to `len` entries: later instances
    /// start with room for that many (`instance_size`).
    pub fn note_instance_len(&self, len: usize) {
        let n = u32::try_from(len).unwrap_or(u32::MAX);
        if n > self.instance_size.get() {
            self.instance_size.set(n);
        }
    }
}

/// An instance of a user class. Attributes live in a plain dict for now
/// (a per-class shape/slot layout is the planned JIT-friendly upgrade).
pub struct InstanceObj {
    pub class: Value,
    pub dict: RefCell<Dict>,
}

/// One line of a traceback.
#[derive(Clone, Debug)]
pub struct TbEntry {
    pub filename: Arc<str>,
    pub name: Arc<str>,
    pub line: u32,
}

/// An exception instance (of a built-in exception class or a subclass).
pub struct ExcObj {
    pub class: Value,
    /// The `args` tuple.
    pub args: RefCell<Value>,
    pub dict: RefCell<Dict>,
    /// Innermost frame last.
    pub traceback: RefCell<Vec<TbEntry>>,
    pub cause: RefCell<Value>,
    pub context: RefCell<Value>,
    pub suppress_context: Cell<bool>,
}

pub struct ModuleObj {
    pub name: Box<str>,
    /// The module's globals (a dict value).
    pub dict: Value,
}

/// A generator or coroutine: its own suspended frame.
pub struct GenObj {
    /// None once finished; taken out while running.
    pub frame: RefCell<Option<Box<Frame>>>,
    pub running: Cell<bool>,
    pub name: Value,
    pub qualname: Value,
    pub is_coroutine: bool,
}

pub struct PropertyObj {
    pub fget: Value,
    pub fset: Value,
    pub fdel: Value,
    pub doc: Value,
}

/// A per-isolate code object (a constant of an enclosing code object).
pub struct CodeValue {
    pub code: Arc<CodeObject>,
    pub info: Rc<CodeInfo>,
    /// `code.name` and `code.qualname` as str values, made once: every
    /// function made from this code (a comprehension or a closure, made
    /// on each call of its parent) shares them, as CPython's do.
    pub name: Value,
    pub qualname: Value,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViewKind {
    Keys,
    Values,
    Items,
}

/// An iterator written in Rust by library code (`zip`, `map`...).
pub trait NativeIter {
    /// The next item, or `None` when exhausted.
    fn next(&mut self, vm: &mut Vm) -> Result<Option<Value>, PyErr>;
    /// The iterator's type name (`zip`, `map`), for reprs and errors.
    fn type_name(&self) -> &'static str;
}

/// The state of a built-in iterator.
pub enum IterState {
    /// List or tuple (or bytes) by index; sees list mutation as CPython does.
    Seq {
        seq: Value,
        index: usize,
    },
    /// A str by byte position.
    Str {
        s: Value,
        pos: usize,
    },
    Range {
        next: i64,
        stop: i64,
        step: i64,
    },
    /// Dict or set entries by index; `len` detects resizing.
    Dict {
        dict: Value,
        index: usize,
        len: usize,
        kind: ViewKind,
    },
    /// Iteration via `__getitem__` with 0, 1, 2...
    GetItem {
        obj: Value,
        index: i64,
    },
    /// `reversed()` over a list/tuple.
    Reversed {
        seq: Value,
        index: usize,
    },
    Native(Box<dyn NativeIter>),
    Exhausted,
}

impl IterState {
    pub fn type_name(&self) -> &'static str {
        match self {
            IterState::Seq { seq, .. } => match seq.payload() {
                Some(Payload::Tuple(_)) => "tuple_iterator",
                Some(Payload::Bytes(_)) => "bytes_iterator",
                _ => "list_iterator",
            },
            IterState::Str { .. } => "str_ascii_iterator",
            IterState::Range { .. } => "range_iterator",
            IterState::Dict { kind, .. } => match kind {
                ViewKind::Keys => "dict_keyiterator",
                ViewKind::Values => "dict_valueiterator",
                ViewKind::Items => "dict_itemiterator",
            },
            IterState::GetItem { .. } => "iterator",
            IterState::Reversed { .. } => "list_reverseiterator",
            IterState::Native(n) => n.type_name(),
            IterState::Exhausted => "iterator",
        }
    }
}

/// Every kind of heap object.
pub enum Payload {
    Str(StrObj),
    Bytes(Box<[u8]>),
    /// An int outside the immediate range that fits in i64.
    Int(i64),
    /// An int outside i64.
    BigInt(BigInt),
    List(RefCell<Vec<Value>>),
    Tuple(Box<[Value]>),
    Dict(RefCell<Dict>),
    Set(SetObj),
    Range(RangeObj),
    /// start, stop, step (each may be None).
    Slice(Value, Value, Value),
    Function(Box<FunctionObj>),
    /// function, self.
    BoundMethod(Value, Value),
    Native(NativeObj),
    Cell(RefCell<Value>),
    Class(Box<ClassObj>),
    Instance(InstanceObj),
    Exception(Box<ExcObj>),
    Module(ModuleObj),
    Generator(GenObj),
    Iter(RefCell<IterState>),
    Property(PropertyObj),
    StaticMethod(Value),
    ClassMethod(Value),
    NotImplemented,
    Ellipsis,
    Code(CodeValue),
    /// A dict (or set) view.
    DictView(Value, ViewKind),
    /// `super()`: the class to search after, and the bound object.
    Super(Value, Value),
}

impl Payload {
    pub fn kind(&self) -> Kind {
        match self {
            Payload::Str(_) => Kind::Str,
            Payload::Bytes(_) => Kind::Bytes,
            Payload::Int(_) => Kind::Int,
            Payload::BigInt(_) => Kind::BigInt,
            Payload::List(_) => Kind::List,
            Payload::Tuple(_) => Kind::Tuple,
            Payload::Dict(_) => Kind::Dict,
            Payload::Set(_) => Kind::Set,
            Payload::Range(_) => Kind::Range,
            Payload::Slice(..) => Kind::Slice,
            Payload::Function(_) => Kind::Function,
            Payload::BoundMethod(..) => Kind::BoundMethod,
            Payload::Native(_) => Kind::Native,
            Payload::Cell(_) => Kind::Cell,
            Payload::Class(_) => Kind::Class,
            Payload::Instance(_) => Kind::Instance,
            Payload::Exception(_) => Kind::Exception,
            Payload::Module(_) => Kind::Module,
            Payload::Generator(_) => Kind::Generator,
            Payload::Iter(_) => Kind::Iter,
            Payload::Property(_) => Kind::Property,
            Payload::StaticMethod(_) => Kind::StaticMethod,
            Payload::ClassMethod(_) => Kind::ClassMethod,
            Payload::NotImplemented => Kind::NotImplemented,
            Payload::Ellipsis => Kind::Ellipsis,
            Payload::Code(_) => Kind::Code,
            Payload::DictView(..) => Kind::DictView,
            Payload::Super(..) => Kind::Super,
        }
    }
}

impl Value {
    pub fn list(items: Vec<Value>) -> Value {
        Value::new_heap(Payload::List(RefCell::new(items)))
    }

    pub fn tuple(items: Vec<Value>) -> Value {
        Value::new_heap(Payload::Tuple(items.into_boxed_slice()))
    }

    pub fn bytes(data: Vec<u8>) -> Value {
        Value::new_heap(Payload::Bytes(data.into_boxed_slice()))
    }

    pub fn dict(d: Dict) -> Value {
        Value::new_heap(Payload::Dict(RefCell::new(d)))
    }

    pub fn set(table: SetTable, frozen: bool) -> Value {
        Value::new_heap(Payload::Set(SetObj {
            frozen,
            items: RefCell::new(table),
        }))
    }

    pub fn empty_set(frozen: bool) -> Value {
        Value::set(SetTable::new(), frozen)
    }

    pub fn range(start: i64, stop: i64, step: i64) -> Value {
        Value::new_heap(Payload::Range(RangeObj::Small(SmallRange {
            start,
            stop,
            step,
        })))
    }

    pub fn iterator(state: IterState) -> Value {
        Value::new_heap(Payload::Iter(RefCell::new(state)))
    }

    /// Wrap a Rust iterator implementation as a script iterator.
    pub fn native_iter(it: Box<dyn NativeIter>) -> Value {
        Value::iterator(IterState::Native(it))
    }

    pub fn cell(v: Value) -> Value {
        Value::new_heap(Payload::Cell(RefCell::new(v)))
    }

    pub fn as_list(&self) -> Option<&RefCell<Vec<Value>>> {
        match self.payload() {
            Some(Payload::List(l)) => Some(l),
            _ => None,
        }
    }

    pub fn as_tuple(&self) -> Option<&[Value]> {
        match self.payload() {
            Some(Payload::Tuple(t)) => Some(t),
            _ => None,
        }
    }

    pub fn as_dict(&self) -> Option<&RefCell<Dict>> {
        match self.payload() {
            Some(Payload::Dict(d)) => Some(d),
            _ => None,
        }
    }

    pub fn as_set(&self) -> Option<&SetObj> {
        match self.payload() {
            Some(Payload::Set(s)) => Some(s),
            _ => None,
        }
    }

    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self.payload() {
            Some(Payload::Bytes(b)) => Some(b),
            _ => None,
        }
    }

    pub fn as_class(&self) -> Option<&ClassObj> {
        match self.payload() {
            Some(Payload::Class(c)) => Some(c),
            _ => None,
        }
    }

    pub fn as_exception(&self) -> Option<&ExcObj> {
        match self.payload() {
            Some(Payload::Exception(e)) => Some(e),
            _ => None,
        }
    }

    pub fn as_function(&self) -> Option<&FunctionObj> {
        match self.payload() {
            Some(Payload::Function(f)) => Some(f),
            _ => None,
        }
    }
}

#[cfg(test)]
mod layout_tests {
    use crate::value::HeapObject;

    #[test]
    fn heap_objects_stay_small() {
        // Every str, tuple, list, iterator and bound method is one of
        // these: the large, rarely made kinds (functions, classes,
        // exceptions) are boxed so that they do not set its size. 200
        // bytes before they were; about 4% of interpreted run time.
        let size = std::mem::size_of::<HeapObject>();
        assert!(size <= 96, "HeapObject grew to {size} bytes");
        assert!(
            size >= 16,
            "HeapObject shrank to {size} bytes: check the test"
        );
    }
}
