//! The bytecode: the one contract between the compiler, the interpreter, the
//! disassembler and the JIT.
//!
//! Every opcode is declared once, in the `opcodes!` table below, with its
//! operands, its stack effect and whether it owns a feedback slot. The
//! emitter, the interpreter and the JIT all read this table; none of them
//! keeps a private idea of an instruction's shape.
//!
//! The machine is a stack machine. Jump targets are absolute instruction
//! indices. Backward jumps use `JumpBackward` only, so that hotness counting,
//! interrupt checks and on-stack replacement have one place to hook.
//! Exceptions use a zero-cost exception table (as CPython 3.11 does): no
//! instruction sets up a handler; `CodeObject::exception_table` maps
//! instruction ranges to handlers.
//!
//! This module must never depend on the runtime: code objects are plain,
//! immutable, `Send + Sync` data that every worker thread may share.

use std::fmt;
use std::sync::Arc;

/// Index of a feedback slot inside one code object. The runtime keeps the
/// slots (per isolate); the compiler only numbers them.
pub type Slot = u16;

/// Binary operators, in the order of `BinaryOp`'s operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    TrueDiv,
    FloorDiv,
    Mod,
    Pow,
    LShift,
    RShift,
    BitAnd,
    BitOr,
    BitXor,
}

impl BinOp {
    /// The operator as written in Python source (`+`, `//`, ...).
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::TrueDiv => "/",
            BinOp::FloorDiv => "//",
            BinOp::Mod => "%",
            BinOp::Pow => "**",
            BinOp::LShift => "<<",
            BinOp::RShift => ">>",
            BinOp::BitAnd => "&",
            BinOp::BitOr => "|",
            BinOp::BitXor => "^",
        }
    }

    /// The dunder that implements the operator (`__add__`); the reflected
    /// form is `__r` + the same suffix, the in-place form `__i` + suffix.
    pub fn dunder(self) -> &'static str {
        match self {
            BinOp::Add => "__add__",
            BinOp::Sub => "__sub__",
            BinOp::Mul => "__mul__",
            BinOp::TrueDiv => "__truediv__",
            BinOp::FloorDiv => "__floordiv__",
            BinOp::Mod => "__mod__",
            BinOp::Pow => "__pow__",
            BinOp::LShift => "__lshift__",
            BinOp::RShift => "__rshift__",
            BinOp::BitAnd => "__and__",
            BinOp::BitOr => "__or__",
            BinOp::BitXor => "__xor__",
        }
    }
}

/// Unary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum UnaryOp {
    Neg,
    Pos,
    Invert,
    Not,
}

/// Rich comparisons, in the order of `CompareOp`'s operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum CmpOp {
    Lt,
    Le,
    Eq,
    Ne,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    pub fn dunder(self) -> &'static str {
        match self {
            CmpOp::Lt => "__lt__",
            CmpOp::Le => "__le__",
            CmpOp::Eq => "__eq__",
            CmpOp::Ne => "__ne__",
            CmpOp::Gt => "__gt__",
            CmpOp::Ge => "__ge__",
        }
    }

    /// The comparison with its operands swapped (`a < b` is `b > a`).
    pub fn swapped(self) -> CmpOp {
        match self {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Eq => CmpOp::Eq,
            CmpOp::Ne => CmpOp::Ne,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
        }
    }
}

/// Conversion applied by `FormatValue` before formatting (`!s`, `!r`, `!a`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Conversion {
    None,
    Str,
    Repr,
    Ascii,
}

/// How an instruction changes the stack depth.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StackEffect {
    /// Values popped.
    pub pops: u32,
    /// Values pushed.
    pub pushes: u32,
}

macro_rules! opcodes {
    (
        $(
            $(#[doc = $doc:literal])*
            $name:ident $( { $($field:ident : $fty:ty),* } )?
                => pops: $pops:expr, pushes: $pushes:expr, feedback: $fb:expr;
        )*
    ) => {
        /// One instruction. `Copy`, 8 bytes: operands are inline.
        #[derive(Clone, Copy, Debug, PartialEq)]
        pub enum Instr {
            $(
                $(#[doc = $doc])*
                $name $( { $($field: $fty),* } )?,
            )*
        }

        impl Instr {
            /// The opcode's name, as the disassembler prints it.
            pub fn name(&self) -> &'static str {
                match self {
                    $( Instr::$name { .. } => stringify!($name), )*
                }
            }

            /// Stack effect of this instruction on its fall-through path.
            /// Jumps that pop on one path only (`JumpIfTrueOrPop`) report
            /// the fall-through path; `CodeObject::max_stack` accounts for
            /// both.
            #[allow(unused_variables)]
            pub fn stack_effect(&self) -> StackEffect {
                match *self {
                    $( Instr::$name $( { $($field),* } )? => StackEffect {
                        pops: ($pops) as u32,
                        pushes: ($pushes) as u32,
                    }, )*
                }
            }

            /// The feedback slot this instruction records into, if any.
            #[allow(unused_variables)]
            pub fn feedback_slot(&self) -> Option<Slot> {
                match *self {
                    $( Instr::$name $( { $($field),* } )? => $fb, )*
                }
            }
        }

        /// Every opcode name, in table order (for tests and tooling).
        pub const OPCODE_NAMES: &[&str] = &[ $( stringify!($name), )* ];
    };
}

opcodes! {
    /// Does nothing (a jump target, or a removed instruction).
    Nop => pops: 0, pushes: 0, feedback: None;

    // ---- constants and variables -------------------------------------
    /// Push `consts[idx]`.
    LoadConst { idx: u32 } => pops: 0, pushes: 1, feedback: None;
    /// Push local `varnames[idx]`; UnboundLocalError if unset.
    LoadFast { idx: u32 } => pops: 0, pushes: 1, feedback: None;
    StoreFast { idx: u32 } => pops: 1, pushes: 0, feedback: None;
    DeleteFast { idx: u32 } => pops: 0, pushes: 0, feedback: None;
    /// Push the contents of cell `idx` (cells: `cellvars` then `freevars`).
    LoadDeref { idx: u32 } => pops: 0, pushes: 1, feedback: None;
    StoreDeref { idx: u32 } => pops: 1, pushes: 0, feedback: None;
    DeleteDeref { idx: u32 } => pops: 0, pushes: 0, feedback: None;
    /// Push the cell object `idx` itself (to build a closure tuple).
    LoadClosure { idx: u32 } => pops: 0, pushes: 1, feedback: None;
    /// Module globals, then builtins. `names[name]`.
    LoadGlobal { name: u32 } => pops: 0, pushes: 1, feedback: None;
    StoreGlobal { name: u32 } => pops: 1, pushes: 0, feedback: None;
    DeleteGlobal { name: u32 } => pops: 0, pushes: 0, feedback: None;
    /// Class-body namespace, then globals, then builtins.
    LoadName { name: u32 } => pops: 0, pushes: 1, feedback: None;
    StoreName { name: u32 } => pops: 1, pushes: 0, feedback: None;
    DeleteName { name: u32 } => pops: 0, pushes: 0, feedback: None;

    // ---- stack shuffling -----------------------------------------------
    Pop => pops: 1, pushes: 0, feedback: None;
    /// Push a copy of the value `n` places down (`Copy{n:1}` duplicates TOS).
    Copy { n: u32 } => pops: n, pushes: n + 1, feedback: None;
    /// Swap TOS with the value `n` places down (`n >= 2`).
    Swap { n: u32 } => pops: n, pushes: n, feedback: None;
    /// Push a "no value" marker (used below a callable for `CallMethod`).
    PushNull => pops: 0, pushes: 1, feedback: None;

    // ---- operators -----------------------------------------------------
    Unary { op: UnaryOp } => pops: 1, pushes: 1, feedback: None;
    /// TOS1 op TOS. The slot records the operand type pair.
    Binary { op: BinOp, slot: Slot } => pops: 2, pushes: 1, feedback: Some(slot);
    /// TOS1 op= TOS (tries `__iadd__` etc. first; lists extend in place).
    InPlace { op: BinOp, slot: Slot } => pops: 2, pushes: 1, feedback: Some(slot);
    Compare { op: CmpOp, slot: Slot } => pops: 2, pushes: 1, feedback: Some(slot);
    /// `is` / `is not` (invert).
    Is { invert: bool } => pops: 2, pushes: 1, feedback: None;
    /// TOS1 `in` TOS / `not in` (invert).
    Contains { invert: bool } => pops: 2, pushes: 1, feedback: None;

    // ---- attributes and items ------------------------------------------
    /// TOS.names[name]. The slot caches the receiver's shape.
    LoadAttr { name: u32, slot: Slot } => pops: 1, pushes: 1, feedback: Some(slot);
    /// TOS.names[name] = TOS1.
    StoreAttr { name: u32, slot: Slot } => pops: 2, pushes: 0, feedback: Some(slot);
    DeleteAttr { name: u32 } => pops: 1, pushes: 0, feedback: None;
    /// Method-call fast path: replace TOS (obj) by [func, obj] when
    /// `obj.name` is a plain function found on the class, else by
    /// [NULL, bound]. Always followed by pushing args and `CallMethod`.
    LoadMethod { name: u32, slot: Slot } => pops: 1, pushes: 2, feedback: Some(slot);
    /// TOS1[TOS]. Feedback: the container and key at `slot`, the kinds
    /// of the results at `slot + 1`.
    Subscr { slot: Slot } => pops: 2, pushes: 1, feedback: Some(slot);
    /// TOS1[TOS] = TOS2.
    StoreSubscr { slot: Slot } => pops: 3, pushes: 0, feedback: Some(slot);
    DeleteSubscr => pops: 2, pushes: 0, feedback: None;
    /// slice(TOS1, TOS) or slice(TOS2, TOS1, TOS); `n` is 2 or 3.
    BuildSlice { n: u32 } => pops: n, pushes: 1, feedback: None;

    // ---- control flow ----------------------------------------------------
    Jump { target: u32 } => pops: 0, pushes: 0, feedback: None;
    /// The only backward jump: a loop back-edge. Counts hotness and checks
    /// the interrupt flag.
    JumpBackward { target: u32 } => pops: 0, pushes: 0, feedback: None;
    PopJumpIfFalse { target: u32 } => pops: 1, pushes: 0, feedback: None;
    PopJumpIfTrue { target: u32 } => pops: 1, pushes: 0, feedback: None;
    /// If TOS is falsy jump (keeping it), else pop it and fall through.
    JumpIfFalseOrPop { target: u32 } => pops: 1, pushes: 0, feedback: None;
    JumpIfTrueOrPop { target: u32 } => pops: 1, pushes: 0, feedback: None;
    /// Replace TOS by `iter(TOS)`.
    GetIter => pops: 1, pushes: 1, feedback: None;
    /// TOS is an iterator: push its next value, or when exhausted pop the
    /// iterator and jump to `target`.
    ForIter { target: u32, slot: Slot } => pops: 1, pushes: 2, feedback: Some(slot);
    Return => pops: 1, pushes: 0, feedback: None;

    // ---- building values ---------------------------------------------------
    BuildTuple { n: u32 } => pops: n, pushes: 1, feedback: None;
    BuildList { n: u32 } => pops: n, pushes: 1, feedback: None;
    BuildSet { n: u32 } => pops: n, pushes: 1, feedback: None;
    /// `n` key/value pairs, pushed key first.
    BuildMap { n: u32 } => pops: 2 * n, pushes: 1, feedback: None;
    /// Concatenate `n` strs (f-strings).
    BuildString { n: u32 } => pops: n, pushes: 1, feedback: None;
    /// Format TOS (or TOS1 with TOS as the format spec when `has_spec`)
    /// after applying `conv`; pushes a str.
    FormatValue { conv: Conversion, has_spec: bool } => pops: 1 + has_spec as u32, pushes: 1, feedback: None;
    /// Append TOS to the list `depth` places below it (after the pop).
    ListAppend { depth: u32 } => pops: 1, pushes: 0, feedback: None;
    /// Extend that list with the iterable TOS (`[*a]`).
    ListExtend { depth: u32 } => pops: 1, pushes: 0, feedback: None;
    SetAdd { depth: u32 } => pops: 1, pushes: 0, feedback: None;
    /// Update that set with the iterable TOS (`{*a}`).
    SetUpdate { depth: u32 } => pops: 1, pushes: 0, feedback: None;
    /// TOS1 key, TOS value: store into the dict `depth` places below.
    MapAdd { depth: u32 } => pops: 2, pushes: 0, feedback: None;
    /// Merge the mapping TOS into that dict (`{**a}`).
    DictUpdate { depth: u32 } => pops: 1, pushes: 0, feedback: None;
    /// Like DictUpdate, but duplicate keys are a TypeError (`f(**a, **b)`).
    DictMerge { depth: u32 } => pops: 1, pushes: 0, feedback: None;
    /// Replace the list TOS with a tuple of its items.
    ListToTuple => pops: 1, pushes: 1, feedback: None;
    /// Unpack TOS into exactly `n` values, pushed so the first is on top.
    UnpackSequence { n: u32 } => pops: 1, pushes: n, feedback: None;
    /// `a, *b, c = TOS`: `before` values, a list, `after` values; the first
    /// ends on top.
    UnpackEx { before: u16, after: u16 } => pops: 1, pushes: before as u32 + after as u32 + 1, feedback: None;

    // ---- calls and functions -------------------------------------------------
    /// Stack: callable, `argc` args. Pushes the result.
    Call { argc: u32, slot: Slot } => pops: argc + 1, pushes: 1, feedback: Some(slot);
    /// Stack: callable, `argc` values, a tuple of keyword names (a
    /// constant) naming the last `len(names)` values.
    CallKw { argc: u32, slot: Slot } => pops: argc + 2, pushes: 1, feedback: Some(slot);
    /// Stack: callable, a tuple of positional args, then (if `has_kwargs`)
    /// a dict of keyword args. `f(*a, **k)`.
    CallEx { has_kwargs: bool } => pops: 2 + has_kwargs as u32, pushes: 1, feedback: None;
    /// Stack: func-or-NULL, self-or-bound, `argc` args (after `LoadMethod`).
    CallMethod { argc: u32, slot: Slot } => pops: argc + 2, pushes: 1, feedback: Some(slot);
    /// Like CallMethod with a keyword-names tuple on top (like CallKw).
    CallMethodKw { argc: u32, slot: Slot } => pops: argc + 3, pushes: 1, feedback: Some(slot);
    /// Build a function from the code constant on TOS. Below it, in order
    /// from deepest: defaults tuple (if `flags & HAS_DEFAULTS`),
    /// kw-defaults dict (`HAS_KWDEFAULTS`), closure tuple of cells
    /// (`HAS_CLOSURE`).
    MakeFunction { flags: u8 } => pops: 1 + (flags & 1) as u32 + ((flags >> 1) & 1) as u32 + ((flags >> 2) & 1) as u32, pushes: 1, feedback: None;
    /// Stack: body function (a zero-argument function whose code has
    /// `CodeFlags::CLASS_BODY`), name (str), `nbases` base classes. Runs the
    /// body with a fresh namespace, builds the class, fills the
    /// `__class__` cell the body left in `__classcell__`, pushes the class.
    BuildClass { nbases: u32 } => pops: nbases + 2, pushes: 1, feedback: None;

    // ---- generators and coroutines ----------------------------------------
    /// Yield TOS to the caller; the value sent in is pushed on resume.
    Yield => pops: 1, pushes: 1, feedback: None;
    /// TOS is a value to send, TOS1 a sub-iterator. Delegates one step: on
    /// a yield from the sub-iterator, yields it (re-executing this
    /// instruction on resume); on return, pops both, pushes the return
    /// value and continues.
    YieldFrom => pops: 2, pushes: 1, feedback: None;
    /// Replace TOS by `iter(TOS)`, leaving generators as they are.
    GetYieldFromIter => pops: 1, pushes: 1, feedback: None;
    /// Replace TOS by the iterator of an awaitable (`__await__`).
    GetAwaitable => pops: 1, pushes: 1, feedback: None;

    // ---- exceptions ------------------------------------------------------------
    /// `raise` (n=0: re-raise the handled exception), `raise X` (n=1),
    /// `raise X from Y` (n=2).
    Raise { n: u32 } => pops: n, pushes: 0, feedback: None;
    /// At a handler's start: the exception is TOS. Pushes the previously
    /// handled exception below it and makes TOS the handled exception.
    PushExcInfo => pops: 1, pushes: 2, feedback: None;
    /// End of a handler: pop the saved previous exception and restore it.
    PopExcept => pops: 1, pushes: 0, feedback: None;
    /// TOS is a class or tuple of classes, TOS1 the exception: pop TOS, push
    /// whether TOS1 matches (TypeError if TOS is not an exception class).
    CheckExcMatch => pops: 2, pushes: 2, feedback: None;
    /// Re-raise TOS (the exception), keeping its traceback.
    Reraise => pops: 1, pushes: 0, feedback: None;
    /// `raise AssertionError` or `raise AssertionError(TOS)` (`has_msg`).
    RaiseAssertion { has_msg: bool } => pops: has_msg as u32, pushes: 0, feedback: None;
    /// Stack: context manager. Pushes its bound `__exit__`, then the result
    /// of calling `__enter__`.
    BeforeWith => pops: 1, pushes: 2, feedback: None;
    /// In a with-handler, after `PushExcInfo`: TOS is the exception, TOS1
    /// the saved previous exception, TOS2 `__exit__`. Calls
    /// `__exit__(type(exc), exc, None)` and pushes the result (truthy: the
    /// exception is suppressed).
    WithExceptStart => pops: 0, pushes: 1, feedback: None;

    // ---- imports ---------------------------------------------------------------
    /// Import module `names[name]` (a built-in module or a sibling script)
    /// and push it.
    ImportName { name: u32 } => pops: 0, pushes: 1, feedback: None;
    /// TOS is a module: push its attribute `names[name]` (ImportError if
    /// missing), keeping the module.
    ImportFrom { name: u32 } => pops: 0, pushes: 1, feedback: None;
    /// `from m import *`: copy the module's public names into globals.
    ImportStar => pops: 1, pushes: 0, feedback: None;

    // ---- interpreter-only pairs -------------------------------------------
    // Never emitted by the compiler and never in `CodeObject::code`: the
    // runtime makes them for its interpreter from the pair of plain
    // instructions they stand for, in the first one's place, and keeps the
    // second in place (a jump to it still runs it alone). Each runs both
    // and skips the second.
    /// `LoadFast{a}` then `LoadFast{b}`.
    LoadFastLoadFast { a: u16, b: u16 } => pops: 0, pushes: 2, feedback: None;
    /// `LoadFast{local}` then `LoadConst{idx}`.
    LoadFastLoadConst { local: u16, idx: u16 } => pops: 0, pushes: 2, feedback: None;
    /// `LoadFast{local}` then `LoadAttr{name, slot}`: the local is read in
    /// place.
    LoadFastLoadAttr { local: u16, name: u16, slot: Slot } => pops: 0, pushes: 1, feedback: Some(slot);
    /// `LoadFast{local}` then `LoadMethod{name, slot}`: the local is read
    /// in place.
    LoadFastLoadMethod { local: u16, name: u16, slot: Slot } => pops: 0, pushes: 2, feedback: Some(slot);
    /// `LoadConst{idx}` then `Binary{op, slot}`: the constant is the right
    /// operand, read in place.
    BinaryConst { op: BinOp, idx: u16, slot: Slot } => pops: 1, pushes: 1, feedback: Some(slot);
    /// `LoadConst{idx}` then `InPlace{op, slot}`.
    InPlaceConst { op: BinOp, idx: u16, slot: Slot } => pops: 1, pushes: 1, feedback: Some(slot);
    /// `LoadFast{local}` then `Binary{op, slot}`: the local is the right
    /// operand, read in place.
    BinaryFast { op: BinOp, local: u16, slot: Slot } => pops: 1, pushes: 1, feedback: Some(slot);
    /// `LoadConst{idx}` then `Compare{op, slot}`.
    CompareConst { op: CmpOp, idx: u16, slot: Slot } => pops: 1, pushes: 1, feedback: Some(slot);
    /// `LoadFast{local}` then `Compare{op, slot}`.
    CompareFast { op: CmpOp, local: u16, slot: Slot } => pops: 1, pushes: 1, feedback: Some(slot);
    /// `LoadConst{idx}` then `Subscr{slot}`: the key is read in place.
    SubscrConst { idx: u16, slot: Slot } => pops: 1, pushes: 1, feedback: Some(slot);
    /// `Copy{n: 1}` then `LoadAttr{name, slot}` (`x.a op= v`): the
    /// attribute of the top of the stack is pushed, the object read in
    /// place.
    CopyLoadAttr { name: u16, slot: Slot } => pops: 0, pushes: 1, feedback: Some(slot);
    /// `Swap{n: 2}` then `StoreAttr{name, slot}`: TOS1.name = TOS.
    SwapStoreAttr { name: u16, slot: Slot } => pops: 2, pushes: 0, feedback: Some(slot);
    /// `Copy{n: 2}` twice (`x[k] op= v`): push copies of TOS1 and TOS.
    CopyTwo => pops: 0, pushes: 2, feedback: None;
    /// `Swap{n: 3}` then `Swap{n: 2}`: TOS2, TOS1, TOS become TOS, TOS2,
    /// TOS1.
    SwapThreeTwo => pops: 3, pushes: 3, feedback: None;
    /// `ForIter{target, ..}` then `StoreFast{local}` (`for x in ...`): the
    /// next value goes straight into the local, the iterator read in place.
    ForIterStore { target: u32, local: u16 } => pops: 1, pushes: 1, feedback: None;
    /// `StoreFast{a}` then `LoadFast{b}`.
    StoreFastLoadFast { a: u16, b: u16 } => pops: 1, pushes: 1, feedback: None;
    /// `LoadDeref{idx}` then `LoadAttr{name, slot}`.
    LoadDerefLoadAttr { idx: u16, name: u16, slot: Slot } => pops: 0, pushes: 1, feedback: Some(slot);
}

/// `MakeFunction` flag bits.
pub mod make_function {
    pub const HAS_DEFAULTS: u8 = 1;
    pub const HAS_KWDEFAULTS: u8 = 2;
    pub const HAS_CLOSURE: u8 = 4;
}

/// Properties of a code object.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CodeFlags(pub u16);

impl CodeFlags {
    /// Takes `*args` (the last positional-or-vararg local after the
    /// keyword-only ones).
    pub const VARARGS: u16 = 1;
    /// Takes `**kwargs`.
    pub const VARKEYWORDS: u16 = 2;
    /// Contains `yield`: calling it makes a generator.
    pub const GENERATOR: u16 = 4;
    /// `async def`: calling it makes a coroutine.
    pub const COROUTINE: u16 = 8;
    /// The body of a `class` statement: runs with a namespace dict.
    pub const CLASS_BODY: u16 = 16;
    /// The module's top level.
    pub const MODULE: u16 = 32;

    pub fn has(self, bit: u16) -> bool {
        self.0 & bit != 0
    }
}

/// A constant in a code object. Plain data: the runtime turns it into a
/// value (and may cache that per isolate).
#[derive(Clone, Debug, PartialEq)]
pub enum Constant {
    None,
    Bool(bool),
    /// An int literal that fits in i64.
    Int(i64),
    /// A larger int literal, as decimal digits (optionally with '-').
    BigInt(String),
    Float(f64),
    Str(Arc<str>),
    Bytes(Arc<[u8]>),
    Tuple(Arc<[Constant]>),
    Ellipsis,
    Code(Arc<CodeObject>),
}

/// One entry of the zero-cost exception table: an exception raised by an
/// instruction in `start..end` unwinds the value stack to `depth` entries,
/// pushes the exception and jumps to `handler`. Entries are ordered
/// innermost first: the first match wins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExceptionEntry {
    pub start: u32,
    pub end: u32,
    pub handler: u32,
    pub depth: u32,
}

/// Where an instruction came from, for tracebacks and errors.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Location {
    pub line: u32,
    pub col: u32,
}

/// An immutable compiled function body (or module or class body).
#[derive(Clone, Debug, PartialEq)]
pub struct CodeObject {
    /// `f`, `<module>`, `<lambda>`, `<listcomp>`, or the class name.
    pub name: Arc<str>,
    /// `C.f`, `f.<locals>.g`, as CPython's `__qualname__`.
    pub qualname: Arc<str>,
    /// The script's path as given to the compiler.
    pub filename: Arc<str>,
    pub first_line: u32,
    /// Positional parameters (positional-or-keyword), first in `varnames`.
    pub arg_count: u32,
    /// Positional-only parameters among `arg_count` (`/` in the signature).
    pub posonly_count: u32,
    /// Keyword-only parameters, after the positional ones in `varnames`.
    pub kwonly_count: u32,
    pub flags: CodeFlags,
    /// Local variable names: parameters first (positional, keyword-only,
    /// then `*args`, then `**kwargs`), then other locals.
    pub varnames: Vec<Arc<str>>,
    /// Locals captured by inner functions (stored in cells).
    pub cellvars: Vec<Arc<str>>,
    /// Variables this function reads from enclosing functions' cells.
    pub freevars: Vec<Arc<str>>,
    /// For each cellvar that is also a parameter: (cell index, varnames
    /// index). The frame copies the argument into the cell on entry.
    pub cell_params: Vec<(u32, u32)>,
    /// Cells of parameters nothing rebinds (`Scope::stable_param_cell`):
    /// the code reads them from the parameter's slot, so the cell is only
    /// needed for a closure and is made by the first `LoadClosure`; until
    /// then its slot is empty. A call that makes no closure makes no cell.
    pub lazy_cells: Vec<u32>,
    /// Global, attribute and imported names used by the code.
    pub names: Vec<Arc<str>>,
    pub consts: Vec<Constant>,
    pub code: Vec<Instr>,
    /// Source location of each instruction (parallel to `code`).
    pub locations: Vec<Location>,
    pub exception_table: Vec<ExceptionEntry>,
    /// Number of feedback slots the instructions use (`0..num_slots`).
    pub num_slots: u32,
    /// The deepest the value stack can get.
    pub max_stack: u32,
    /// The docstring, if the body starts with one.
    pub doc: Option<Arc<str>>,
}

impl CodeObject {
    /// Source line of the instruction at `pc` (0 if out of range).
    pub fn line_of(&self, pc: usize) -> u32 {
        self.locations.get(pc).map_or(0, |l| l.line)
    }

    /// The innermost exception handler covering `pc`.
    pub fn handler_for(&self, pc: usize) -> Option<&ExceptionEntry> {
        let pc = pc as u32;
        self.exception_table
            .iter()
            .find(|e| e.start <= pc && pc < e.end)
    }

    /// Total number of cells (`cellvars` then `freevars`).
    pub fn num_cells(&self) -> usize {
        self.cellvars.len() + self.freevars.len()
    }

    /// Whether a call must fill cell slots on entry: some cell is not
    /// lazy, or there are free variables.
    pub fn has_eager_cells(&self) -> bool {
        !self.freevars.is_empty() || self.cellvars.len() > self.lazy_cells.len()
    }

    /// The parameter slot a lazy cell (`lazy_cells`) is made from.
    pub fn lazy_cell_param(&self, cell: u32) -> Option<u32> {
        if !self.lazy_cells.contains(&cell) {
            return None;
        }
        self.cell_params
            .iter()
            .find(|&&(c, _)| c == cell)
            .map(|&(_, param)| param)
    }
}

/// A human-readable listing, one instruction per line (`kiln run --dis`).
pub struct Disassembly<'a>(pub &'a CodeObject);

impl fmt::Display for Disassembly<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = self.0;
        writeln!(
            f,
            "code {} ({}:{})",
            code.qualname, code.filename, code.first_line
        )?;
        for (pc, instr) in code.code.iter().enumerate() {
            writeln!(f, "  {:>5} {:>4}  {:?}", code.line_of(pc), pc, instr)?;
        }
        for e in &code.exception_table {
            writeln!(
                f,
                "  handler {}..{} -> {} depth {}",
                e.start, e.end, e.handler, e.depth
            )?;
        }
        for c in &code.consts {
            if let Constant::Code(inner) = c {
                write!(f, "{}", Disassembly(inner))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instructions_stay_small() {
        // The dispatch loop copies instructions; keep them one word.
        assert!(
            std::mem::size_of::<Instr>() <= 8,
            "{}",
            std::mem::size_of::<Instr>()
        );
    }

    #[test]
    fn stack_effects_follow_operands() {
        assert_eq!(
            Instr::Call { argc: 3, slot: 0 }.stack_effect(),
            StackEffect { pops: 4, pushes: 1 }
        );
        assert_eq!(
            Instr::BuildMap { n: 2 }.stack_effect(),
            StackEffect { pops: 4, pushes: 1 }
        );
        assert_eq!(
            Instr::MakeFunction {
                flags: make_function::HAS_DEFAULTS | make_function::HAS_CLOSURE
            }
            .stack_effect(),
            StackEffect { pops: 3, pushes: 1 }
        );
        assert_eq!(
            Instr::Binary {
                op: BinOp::Add,
                slot: 7
            }
            .feedback_slot(),
            Some(7)
        );
        assert_eq!(Instr::Pop.feedback_slot(), None);
    }

    #[test]
    fn code_objects_are_shareable() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<CodeObject>();
    }
}
