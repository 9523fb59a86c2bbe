//! `Vm`: the per-isolate state every native and the interpreter work on —
//! the built-in type and exception classes, builtins, loaded modules, the
//! output sink, per-isolate code info, recursion depth and interrupt flag.
//! Also the dict/set helpers that apply Python key semantics.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use kiln_compiler::bytecode::{CodeObject, Constant};
use num_bigint::BigInt;

use crate::code_info::CodeInfo;
use crate::dict::{Dict, Probe};
use crate::error::{ExcKind, PyErr, PyResult};
use crate::feedback::Feedback;
use crate::native::{ModuleInit, NativeFn};
use crate::object::{ClassObj, CodeValue, ModuleObj, NativeObj, Payload, TypeId};
use crate::value::Value;

/// The recursion limit in Python frames.
pub const RECURSION_LIMIT: u32 = 1000;

pub struct Vm {
    /// Class objects of the built-in types, indexed by `TypeId`.
    types: Vec<Value>,
    /// Built-in exception classes, indexed by `ExcKind`.
    exc_types: Vec<Value>,
    /// The builtins namespace (a dict value).
    pub builtins: Value,
    pub modules: HashMap<String, Value>,
    module_inits: HashMap<&'static str, ModuleInit>,
    out: Box<dyn Write>,
    out_buf: Vec<u8>,
    /// The exception being handled (`except` block), or None.
    pub handled_exc: Value,
    /// Python frames currently active.
    pub depth: u32,
    pub interrupt: Arc<AtomicBool>,
    /// Recycled value vectors for frames (no allocation per call).
    pub(crate) vec_pool: Vec<Vec<Value>>,
    /// Frames waiting for a call that the interpreter runs in the same
    /// dispatch loop (`interp::execute`), innermost last. Boxed: a frame
    /// moves between here, the pool and the loop as one pointer.
    #[allow(clippy::vec_box)]
    pub(crate) frames: Vec<Box<crate::frame::Frame>>,
    /// Finished call frames kept for reuse (`call::positional_frame`).
    #[allow(clippy::vec_box)]
    pub(crate) frame_pool: Vec<Box<crate::frame::Frame>>,
    code_infos: HashMap<usize, (Arc<CodeObject>, Rc<CodeInfo>)>,
    /// Bumped on every write to a class namespace; attribute caches
    /// (`attr_cache.rs`) are valid only for the epoch they were filled in.
    pub class_epoch: u64,
    /// One str value per distinct code name, shared by all code objects so
    /// names stored as dict keys compare by identity.
    interned_names: HashMap<Arc<str>, Value>,
    /// Directory of the main script, for sibling imports.
    pub main_dir: Option<PathBuf>,
    /// Objects whose repr is in progress (recursion guard).
    pub(crate) repr_active: Vec<u64>,
    pub not_implemented: Value,
    pub ellipsis: Value,
    pub stats: bool,
    /// Tier-2 state (compiled code, counters); see `jit/mod.rs`.
    pub jit: crate::jit::JitState,
    /// Source text by filename, for traceback lines.
    pub sources: HashMap<String, Rc<str>>,
    /// The bits of the built-in `range` class (alive as long as the VM):
    /// compiled range loops compare their callee with it inline.
    pub range_class_bits: u64,
    /// The bits of the built-in `len` (alive as long as the VM): compiled
    /// code computes `len(x)` itself when its callee is this.
    pub len_bits: u64,
    /// The bits of `list.append` (the built-in method object): compiled
    /// code appends itself when a method call's function is this.
    pub list_append_bits: u64,
}

impl Vm {
    pub fn new() -> Vm {
        let mut vm = Vm {
            types: Vec::new(),
            exc_types: Vec::new(),
            builtins: Value::dict(Dict::new()),
            modules: HashMap::new(),
            module_inits: HashMap::new(),
            out: Box::new(std::io::stdout()),
            out_buf: Vec::with_capacity(8192),
            handled_exc: Value::none(),
            depth: 0,
            interrupt: Arc::new(AtomicBool::new(false)),
            vec_pool: Vec::new(),
            frames: Vec::new(),
            frame_pool: Vec::new(),
            code_infos: HashMap::new(),
            class_epoch: 0,
            interned_names: HashMap::new(),
            main_dir: None,
            repr_active: Vec::new(),
            not_implemented: Value::new_heap(Payload::NotImplemented),
            ellipsis: Value::new_heap(Payload::Ellipsis),
            stats: false,
            jit: crate::jit::JitState::default(),
            sources: HashMap::new(),
            range_class_bits: 0,
            len_bits: 0,
            list_append_bits: 0,
        };
        vm.make_builtin_types();
        vm.range_class_bits = vm.type_ref(TypeId::Range).map_or(0, Value::bits);
        vm.make_exception_types();
        vm.install_natives();
        vm.len_bits = vm
            .builtins
            .as_dict()
            .and_then(|d| d.borrow().get_str("len").map(Value::bits))
            .unwrap_or(0);
        vm.list_append_bits = vm
            .type_ref(TypeId::List)
            .and_then(|c| c.as_class())
            .and_then(|c| c.dict.borrow().get_str("append").map(Value::bits))
            .unwrap_or(0);
        vm
    }

    fn make_builtin_types(&mut self) {
        let mut slots: Vec<Option<Value>> = vec![None; TypeId::ALL.len()];
        // `object` first and `int` before `bool`: bases must exist first.
        let mut order: Vec<TypeId> = vec![TypeId::Object, TypeId::Int];
        order.extend(
            TypeId::ALL
                .iter()
                .copied()
                .filter(|t| !matches!(t, TypeId::Object | TypeId::Int)),
        );
        for id in order {
            let base = match id {
                TypeId::Object => None,
                TypeId::Bool => slots[TypeId::Int as usize].clone(),
                _ => slots[TypeId::Object as usize].clone(),
            };
            slots[id as usize] = Some(Value::new_heap(Payload::Class(Box::new(ClassObj {
                name: id.name().into(),
                qualname: id.name().into(),
                base,
                dict: RefCell::new(Dict::new()),
                layout: id,
                builtin: Some(id),
                module: "builtins".into(),
                instance_size: std::cell::Cell::new(0),
                init_cache: Default::default(),
            }))));
        }
        self.types = slots.into_iter().map(Option::unwrap_or_default).collect();
    }

    fn make_exception_types(&mut self) {
        let mut excs: Vec<Value> = Vec::with_capacity(ExcKind::ALL.len());
        for &kind in ExcKind::ALL {
            let base = if kind == ExcKind::BaseException {
                self.type_value(TypeId::Object)
            } else {
                excs.get(kind.base() as usize)
                    .cloned()
                    .unwrap_or_else(|| self.type_value(TypeId::Object))
            };
            excs.push(Value::new_heap(Payload::Class(Box::new(ClassObj {
                name: kind.name().into(),
                qualname: kind.name().into(),
                base: Some(base),
                dict: RefCell::new(Dict::new()),
                layout: TypeId::BaseException,
                builtin: None,
                module: "builtins".into(),
                instance_size: std::cell::Cell::new(0),
                init_cache: Default::default(),
            }))));
        }
        self.exc_types = excs;
    }

    fn install_natives(&mut self) {
        let reg = crate::native::registry();
        let mut builtins = Dict::new();
        for (name, f) in reg.builtins {
            builtins.set_name(name, self.native_value(name, f));
        }
        for &id in TypeId::ALL {
            if matches!(
                id,
                TypeId::Function
                    | TypeId::BuiltinFunction
                    | TypeId::Method
                    | TypeId::Cell
                    | TypeId::Code
            ) {
                continue;
            }
            let ty = self.type_value(id);
            builtins.set_name(id.name(), ty);
        }
        for &kind in ExcKind::ALL {
            if kind != ExcKind::Interrupted {
                builtins.set_name(kind.name(), self.exc_type(kind));
            }
        }
        builtins.set_name("NotImplemented", self.not_implemented.clone());
        builtins.set_name("Ellipsis", self.ellipsis.clone());
        builtins.set_name("__name__", Value::from_str("builtins"));
        for (ty, name, f) in reg.methods {
            let native = Value::new_heap(Payload::Native(NativeObj {
                name,
                func: f,
                owner: Some(ty.name()),
            }));
            // `__new__` is a static method: looked up through a class, an
            // instance or `super()`, it takes the class explicitly.
            let native = match name {
                "__new__" => Value::new_heap(Payload::StaticMethod(native)),
                _ => native,
            };
            let class = self.type_value(ty);
            if let Some(c) = class.as_class() {
                if let Ok(mut d) = c.dict.try_borrow_mut() {
                    d.set_name(name, native);
                }
            }
        }
        for (name, init) in reg.modules {
            self.module_inits.insert(name, init);
        }
        // Code names resolve to the builtins' own key objects, so global
        // lookups that reach the builtins match by identity.
        for k in builtins.keys() {
            if let Some(n) = k.as_str() {
                self.interned_names.insert(n.into(), k.clone());
            }
        }
        self.builtins = Value::dict(builtins);
    }

    /// The class object of a built-in type.
    pub fn type_value(&self, id: TypeId) -> Value {
        self.types.get(id as usize).cloned().unwrap_or_default()
    }

    /// `type_value` without taking a reference (for identity checks).
    #[inline]
    pub(crate) fn type_ref(&self, id: TypeId) -> Option<&Value> {
        self.types.get(id as usize)
    }

    /// The class object of a built-in exception.
    pub fn exc_type(&self, kind: ExcKind) -> Value {
        self.exc_types
            .get(kind as usize)
            .cloned()
            .unwrap_or_default()
    }

    /// The built-in type id of a value (its layout, for instances).
    pub fn type_id_of(&self, v: &Value) -> TypeId {
        if v.is_float() {
            return TypeId::Float;
        }
        if v.is_small_int() {
            return TypeId::Int;
        }
        if v.is_bool() {
            return TypeId::Bool;
        }
        let Some(p) = v.payload() else {
            return TypeId::NoneType;
        };
        match p {
            Payload::Str(_) => TypeId::Str,
            Payload::Bytes(_) => TypeId::Bytes,
            Payload::Int(_) | Payload::BigInt(_) => TypeId::Int,
            Payload::List(_) => TypeId::List,
            Payload::Tuple(_) => TypeId::Tuple,
            Payload::Dict(_) => TypeId::Dict,
            Payload::Set(s) => {
                if s.frozen {
                    TypeId::FrozenSet
                } else {
                    TypeId::Set
                }
            }
            Payload::Range(_) => TypeId::Range,
            Payload::Slice(..) => TypeId::Slice,
            Payload::Function(_) => TypeId::Function,
            Payload::BoundMethod(..) => TypeId::Method,
            Payload::Native(_) => TypeId::BuiltinFunction,
            Payload::Cell(_) => TypeId::Cell,
            Payload::Class(_) => TypeId::Type,
            Payload::Instance(i) => i.class.as_class().map_or(TypeId::Object, |c| c.layout),
            Payload::Exception(_) => TypeId::BaseException,
            Payload::Module(_) => TypeId::Module,
            Payload::Generator(g) => {
                if g.is_coroutine {
                    TypeId::Coroutine
                } else {
                    TypeId::Generator
                }
            }
            Payload::Iter(_) => TypeId::Iterator,
            Payload::Property(_) => TypeId::Property,
            Payload::StaticMethod(_) => TypeId::StaticMethod,
            Payload::ClassMethod(_) => TypeId::ClassMethod,
            Payload::NotImplemented => TypeId::NotImplementedType,
            Payload::Ellipsis => TypeId::Ellipsis,
            Payload::Code(_) => TypeId::Code,
            Payload::DictView(_, k) => match k {
                crate::object::ViewKind::Keys => TypeId::DictKeys,
                crate::object::ViewKind::Values => TypeId::DictValues,
                crate::object::ViewKind::Items => TypeId::DictItems,
            },
            Payload::Super(..) => TypeId::Super,
        }
    }

    /// `type(v)`.
    pub fn type_of(&self, v: &Value) -> Value {
        match v.payload() {
            Some(Payload::Instance(i)) => i.class.clone(),
            Some(Payload::Exception(e)) => e.class.clone(),
            _ => self.type_value(self.type_id_of(v)),
        }
    }

    /// `type(v).__name__`.
    pub fn type_name(&self, v: &Value) -> String {
        match v.payload() {
            Some(Payload::Instance(i)) => class_name(&i.class),
            Some(Payload::Exception(e)) => class_name(&e.class),
            Some(Payload::Iter(it)) => match it.try_borrow() {
                Ok(s) => s.type_name().to_string(),
                Err(_) => "iterator".to_string(),
            },
            _ => self.type_id_of(v).name().to_string(),
        }
    }

    /// Whether class `sub` is `sup` or derives from it.
    pub fn is_subclass(&self, sub: &Value, sup: &Value) -> bool {
        let mut cur = Some(sub.clone());
        while let Some(c) = cur {
            if c.is(sup) {
                return true;
            }
            cur = c.as_class().and_then(|k| k.base.clone());
        }
        false
    }

    /// `isinstance(v, cls)` for one class.
    pub fn is_instance(&self, v: &Value, cls: &Value) -> bool {
        let t = self.type_of(v);
        self.is_subclass(&t, cls)
    }

    /// A value wrapping a native function.
    pub fn native_value(&self, name: &'static str, f: NativeFn) -> Value {
        Value::new_heap(Payload::Native(NativeObj {
            name,
            func: f,
            owner: None,
        }))
    }

    /// A module object with the given attributes. Their names are the
    /// isolate's interned name objects, so `module.attr` in code finds
    /// its key by identity instead of comparing text.
    pub fn new_module(&mut self, name: &str, attrs: Vec<(&str, Value)>) -> Value {
        let mut d = Dict::new();
        d.set_name("__name__", Value::from_str(name));
        for (k, v) in attrs {
            let key = self.intern_name(k);
            d.set_str(key, v);
        }
        Value::new_heap(Payload::Module(ModuleObj {
            name: name.into(),
            dict: Value::dict(d),
        }))
    }

    pub(crate) fn module_init(&self, name: &str) -> Option<ModuleInit> {
        self.module_inits.get(name).copied()
    }

    // ---- output --------------------------------------------------------

    pub fn set_stdout(&mut self, sink: Box<dyn Write>) {
        let _ = self.flush();
        self.out = sink;
    }

    /// Append text to the (buffered) standard output.
    pub fn write_out(&mut self, s: &str) -> PyResult<()> {
        self.out_buf.extend_from_slice(s.as_bytes());
        if self.out_buf.len() >= 1 << 16 {
            self.flush()?;
        }
        Ok(())
    }

    pub fn flush(&mut self) -> PyResult<()> {
        if !self.out_buf.is_empty() {
            let r = self.out.write_all(&self.out_buf);
            self.out_buf.clear();
            r.map_err(|e| PyErr::new(ExcKind::OSError, e.to_string()))?;
        }
        self.out
            .flush()
            .map_err(|e| PyErr::new(ExcKind::OSError, e.to_string()))
    }

    // ---- code objects --------------------------------------------------

    /// The isolate's one str object for the name `n` (code names, module
    /// attribute names, the builtins' keys): dict probes of names then
    /// match by identity.
    pub(crate) fn intern_name(&mut self, n: &str) -> Value {
        if let Some(v) = self.interned_names.get(n) {
            return v.clone();
        }
        let v = Value::from_str(n);
        self.interned_names.insert(n.into(), v.clone());
        v
    }

    /// The per-isolate info (constants as values, feedback) of a code object.
    pub fn code_info(&mut self, code: &Arc<CodeObject>) -> Rc<CodeInfo> {
        let key = Arc::as_ptr(code) as usize;
        if let Some((_, info)) = self.code_infos.get(&key) {
            return info.clone();
        }
        let consts = code.consts.iter().map(|c| self.constant_value(c)).collect();
        let names = code.names.iter().map(|n| self.intern_name(n)).collect();
        let info = Rc::new(CodeInfo {
            code: code.clone(),
            consts,
            names,
            feedback: Feedback::new(code.num_slots as usize),
            attr_cache: crate::attr_cache::AttrCache::new(code.num_slots as usize),
            global_cache: code.names.iter().map(|_| Default::default()).collect(),
            interp: crate::code_info::fuse_pairs(&code.code),
            nlocals: code.varnames.len() + code.num_cells(),
            has_cells: code.has_eager_cells(),
        });
        self.code_infos.insert(key, (code.clone(), info.clone()));
        info
    }

    fn constant_value(&mut self, c: &Constant) -> Value {
        match c {
            Constant::None => Value::none(),
            Constant::Bool(b) => Value::bool(*b),
            Constant::Int(i) => Value::int(*i),
            Constant::BigInt(s) => s
                .parse::<BigInt>()
                .map(Value::from_bigint)
                .unwrap_or_default(),
            Constant::Float(f) => Value::float(*f),
            Constant::Str(s) => Value::from_str(s),
            Constant::Bytes(b) => Value::bytes(b.to_vec()),
            Constant::Tuple(items) => {
                Value::tuple(items.iter().map(|c| self.constant_value(c)).collect())
            }
            Constant::Ellipsis => self.ellipsis.clone(),
            Constant::Code(code) => {
                let info = self.code_info(code);
                Value::new_heap(Payload::Code(CodeValue {
                    code: code.clone(),
                    info,
                    name: Value::from_str(&code.name),
                    qualname: Value::from_str(&code.qualname),
                }))
            }
        }
    }

    /// All feedback recorded so far, by code object (read-only, for the JIT
    /// and `--stats`).
    pub fn feedback_of(&self, code: &Arc<CodeObject>) -> Option<&Feedback> {
        self.code_infos
            .get(&(Arc::as_ptr(code) as usize))
            .map(|(_, i)| &i.feedback)
    }

    /// Raise the interrupt exception if the host asked us to stop.
    /// Inlined into every call and loop back-edge; the error is built out
    /// of line.
    #[inline(always)]
    pub fn check_interrupt(&self) -> PyResult<()> {
        if self.interrupt.load(Ordering::Relaxed) {
            return Err(interrupted());
        }
        Ok(())
    }

    #[inline]
    pub(crate) fn take_vec(&mut self) -> Vec<Value> {
        self.vec_pool.pop().unwrap_or_default()
    }

    #[inline(always)]
    pub(crate) fn give_vec(&mut self, mut v: Vec<Value>) {
        // One value (a one-parameter function's locals) is dropped inline;
        // `clear` calls the slice drop loop. Either way front to back, the
        // order CPython clears a frame in.
        if v.len() == 1 {
            v.pop();
        } else if !v.is_empty() {
            v.clear();
        }
        if self.vec_pool.len() < 256 {
            self.vec_pool.push(v);
        }
    }

    // ---- dicts and sets with Python key semantics ----------------------

    /// Find `key` in `d`, running `__eq__` where needed (outside borrows).
    pub fn dict_find(
        &mut self,
        d: &RefCell<Dict>,
        hash: u64,
        key: &Value,
    ) -> PyResult<Option<usize>> {
        let probe = d
            .try_borrow()
            .map_err(|_| PyErr::reentrant("dict"))?
            .probe(hash, key);
        match probe {
            Probe::Found(i) => Ok(Some(i)),
            Probe::Missing => Ok(None),
            Probe::Undecided(cands) => {
                for cand in cands {
                    if crate::ops::eq(self, &cand, key)? {
                        let b = d.try_borrow().map_err(|_| PyErr::reentrant("dict"))?;
                        return Ok(b.find_identical(hash, &cand));
                    }
                }
                Ok(None)
            }
        }
    }

    fn dict_cell<'a>(&self, d: &'a Value) -> PyResult<&'a RefCell<Dict>> {
        match d.payload() {
            Some(Payload::Dict(cell)) => Ok(cell),
            _ => Err(PyErr::type_error(format!(
                "expected a dict, got '{}'",
                self.type_name(d)
            ))),
        }
    }

    /// `d.get(key)` with Python semantics (`d` is a dict value).
    pub fn dict_get(&mut self, d: &Value, key: &Value) -> PyResult<Option<Value>> {
        let cell = self.dict_cell(d)?;
        let hash = self.hash_key(key)?;
        match self.dict_find(cell, hash, key)? {
            Some(i) => Ok(cell
                .try_borrow()
                .map_err(|_| PyErr::reentrant("dict"))?
                .get_index(i)
                .map(|(_, v)| v.clone())),
            None => Ok(None),
        }
    }

    /// `d[key] = value`.
    pub fn dict_set(&mut self, d: &Value, key: Value, value: Value) -> PyResult<()> {
        let cell = self.dict_cell(d)?;
        let hash = self.hash_key(&key)?;
        let at = self.dict_find(cell, hash, &key)?;
        let mut b = cell
            .try_borrow_mut()
            .map_err(|_| PyErr::reentrant("dict"))?;
        match at {
            Some(i) => {
                if let Some(slot) = b.get_index_mut(i) {
                    *slot = value;
                }
            }
            None => b.push_new(hash, key, value),
        }
        Ok(())
    }

    /// The dict of a display `{k: v, ...}` (`BuildMap`) from its `n` keys
    /// and values, in order: key, value, key, value...
    ///
    /// Sized once; str and int-immediate keys (the common case) are hashed
    /// with their cached hash and compared with the entries before them
    /// without the VM or the dict's cell (`Dict::push_display`), so a display
    /// of distinct such keys appends each entry directly. From the first
    /// other key on, the dict is in its cell and every key takes
    /// `dict_set` (hashing, `__eq__`, unhashable-key errors), which keeps a
    /// duplicate's first key object with the last value, as CPython's
    /// `BUILD_MAP` does.
    // Kept out of line: inlined into the interpreter's loop it changes
    // the register allocation of every other instruction.
    #[inline(never)]
    pub fn build_dict(
        &mut self,
        n: usize,
        mut items: impl Iterator<Item = Value>,
    ) -> PyResult<Value> {
        let mut d = Dict::with_capacity(n);
        while let (Some(k), Some(v)) = (items.next(), items.next()) {
            let back = match crate::dict::simple_key_hash(&k) {
                Some(hash) => d.push_display(hash, k, v),
                None => Err((k, v)),
            };
            if let Err((k, v)) = back {
                let dict = Value::dict(d);
                self.dict_set(&dict, k, v)?;
                while let (Some(k), Some(v)) = (items.next(), items.next()) {
                    self.dict_set(&dict, k, v)?;
                }
                return Ok(dict);
            }
        }
        Ok(Value::dict(d))
    }

    /// `del d[key]`; returns the removed value, or None if absent.
    pub fn dict_del(&mut self, d: &Value, key: &Value) -> PyResult<Option<Value>> {
        let cell = self.dict_cell(d)?;
        let hash = self.hash_key(key)?;
        match self.dict_find(cell, hash, key)? {
            Some(i) => Ok(cell
                .try_borrow_mut()
                .map_err(|_| PyErr::reentrant("dict"))?
                .remove_index(i)
                .map(|(_, v)| v)),
            None => Ok(None),
        }
    }

    /// The table hash of a key (TypeError if unhashable).
    pub fn hash_key(&mut self, key: &Value) -> PyResult<u64> {
        if let Some(h) = crate::hash::primitive_hash(key) {
            return Ok(h);
        }
        Ok(self.hash(key)? as u64)
    }
}

impl Default for Vm {
    fn default() -> Vm {
        Vm::new()
    }
}

/// The `__name__` of a class value.
pub fn class_name(c: &Value) -> String {
    c.as_class()
        .map_or_else(|| "?".to_string(), |k| k.name.to_string())
}

#[cold]
#[inline(never)]
fn interrupted() -> PyErr {
    PyErr::new(
        ExcKind::Interrupted,
        "script interrupted (deadline exceeded)",
    )
}

#[cfg(test)]
mod tests {
    use super::Vm;
    use kiln_compiler::outside_builtins::OUTSIDE_BUILTINS;

    #[test]
    fn the_compilers_list_of_missing_builtins_names_none_the_vm_provides() {
        // The compiler rejects reads of these names; a built-in added to
        // the runtime must leave that list, or programs using it would
        // not compile.
        let vm = Vm::new();
        let builtins = vm.builtins.as_dict().expect("builtins is a dict").borrow();
        let provided: Vec<&str> = OUTSIDE_BUILTINS
            .iter()
            .copied()
            .filter(|n| builtins.get_str(n).is_some())
            .collect();
        assert!(provided.is_empty(), "provided, yet rejected: {provided:?}");
        assert!(builtins.get_str("len").is_some(), "the lookup itself works");
    }
}
