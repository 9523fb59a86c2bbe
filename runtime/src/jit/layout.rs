//! Where compiled code finds the fields it reads inline: a heap object's
//! refcount and kind (fixed by `HeapObject`'s `repr(C)` header), a list's
//! borrow flag, item pointer and length, and a built-in function's Rust
//! function pointer.
//!
//! Rust does not fix the field order of `RefCell` or `Vec`, so the list
//! offsets are measured once from a real list: the words of the object
//! that hold a known data pointer and length, and the word that counts the
//! borrows. If the measurement is ambiguous, compiled code does not touch
//! lists inline and calls helpers instead (same results, slower).

use std::sync::OnceLock;

use crate::error::PyResult;
use crate::native::NativeFn;
use crate::object::{NativeObj, Payload};
use crate::value::{HeapObject, Kind, Value};
use crate::vm::Vm;

/// Offset of the `u32` refcount in every heap object.
pub const REFCOUNT: i32 = 0;
/// Offset of the `Kind` byte in every heap object.
pub const KIND: i32 = 4;

/// Byte offsets, from the start of a list's heap object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListLayout {
    /// The `RefCell` borrow counter: 0 unborrowed, > 0 shared, < 0 mutable.
    pub borrow: i32,
    /// The pointer to the first item.
    pub data: i32,
    /// The number of items.
    pub len: i32,
}

/// The list layout of this build, measured once (`None`: unknown).
pub fn list() -> Option<ListLayout> {
    static LAYOUT: OnceLock<Option<ListLayout>> = OnceLock::new();
    *LAYOUT.get_or_init(measure_list)
}

/// Distinctive length and capacity, unlike any pointer, flag or tag.
const PROBE_LEN: usize = 37;
const PROBE_CAP: usize = 61;

fn measure_list() -> Option<ListLayout> {
    let mut items = Vec::with_capacity(PROBE_CAP);
    items.resize(PROBE_LEN, Value::none());
    let list = Value::list(items);
    let Some(Payload::List(cell)) = list.payload() else {
        return None;
    };
    let base = (list.bits() & super::abi::PAYLOAD_MASK as u64) as usize;
    let data_ptr = cell.try_borrow().ok()?.as_ptr() as u64;
    let unborrowed = object_words(base);
    let one = |want: u64| -> Option<i32> {
        let mut hits = unborrowed.iter().filter(|(_, w)| *w == want);
        let first = hits.next()?.0;
        hits.next().is_none().then_some(first)
    };
    let data = one(data_ptr)?;
    let len = one(PROBE_LEN as u64)?;
    one(PROBE_CAP as u64)?;
    let borrow = borrow_flag(&list, cell)?;
    Some(ListLayout { borrow, data, len })
}

/// The aligned words of the heap object at `base`, with their offsets.
fn object_words(base: usize) -> Vec<(i32, u64)> {
    (8..std::mem::size_of::<HeapObject>())
        .step_by(8)
        // SAFETY: every aligned word inside a live heap object is readable;
        // the values are only compared, never used.
        .map(|off| (off as i32, unsafe { ((base + off) as *const u64).read() }))
        .collect()
}

/// The offset of `cell`'s borrow counter inside `obj` (whose payload it
/// is): the one word that reads 0 unborrowed, 1 under a shared borrow and
/// -1 under a mutable one.
fn borrow_flag<T>(obj: &Value, cell: &std::cell::RefCell<T>) -> Option<i32> {
    let base = (obj.bits() & super::abi::PAYLOAD_MASK as u64) as usize;
    let unborrowed = object_words(base);
    let shared = {
        let _guard = cell.try_borrow().ok()?;
        object_words(base)
    };
    let mutable = {
        let _guard = cell.try_borrow_mut().ok()?;
        object_words(base)
    };
    let mut flags = unborrowed
        .iter()
        .zip(&shared)
        .zip(&mutable)
        .filter(|(((_, u), (_, s)), (_, m))| *u == 0 && *s == 1 && *m == u64::MAX)
        .map(|(((off, _), _), _)| *off);
    let borrow = flags.next()?;
    flags.next().is_none().then_some(borrow)
}

/// Byte offsets, from the start of a dict's heap object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DictLayout {
    /// The `RefCell` borrow counter, as for lists.
    pub borrow: i32,
    /// The key-set version (`Dict::version`).
    pub version: i32,
}

/// The dict layout of this build, measured once (`None`: unknown).
pub fn dict() -> Option<DictLayout> {
    static LAYOUT: OnceLock<Option<DictLayout>> = OnceLock::new();
    *LAYOUT.get_or_init(measure_dict)
}

fn measure_dict() -> Option<DictLayout> {
    let dict = Value::dict(crate::dict::Dict::new());
    let cell = dict.as_dict()?;
    let base = (dict.bits() & super::abi::PAYLOAD_MASK as u64) as usize;
    let version = cell.try_borrow().ok()?.version_ptr() as usize;
    let version = i32::try_from(version.checked_sub(base)?).ok()?;
    let borrow = borrow_flag(&dict, cell)?;
    Some(DictLayout { borrow, version })
}

/// Offset of a module object's dict value, from the start of the
/// object, measured once (`None`: unknown).
pub fn module_dict() -> Option<i32> {
    static OFFSET: OnceLock<Option<i32>> = OnceLock::new();
    *OFFSET.get_or_init(measure_module_dict)
}

fn measure_module_dict() -> Option<i32> {
    let dict = Value::dict(crate::dict::Dict::new());
    let module = Value::new_heap(Payload::Module(crate::object::ModuleObj {
        name: "probe".into(),
        dict: dict.clone(),
    }));
    let base = (module.bits() & super::abi::PAYLOAD_MASK as u64) as usize;
    let mut hits = object_words(base)
        .into_iter()
        .filter(|(_, w)| *w == dict.bits());
    let first = hits.next()?.0;
    hits.next().is_none().then_some(first)
}

/// Byte offsets of what compiled code reads of a class instance: from the
/// start of the object, its class, its dict's borrow counter, and its
/// dict's entry array (pointer and length); within one entry, the key
/// (a `Value`) and the value, `stride` bytes apart from entry to entry.
///
/// The dict's entries are `indexmap`'s; their layout is measured here
/// from a real instance, never assumed. Two probes of different sizes
/// must agree, or compiled code leaves instances to helpers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InstanceLayout {
    pub class: i32,
    pub borrow: i32,
    pub data: i32,
    pub len: i32,
    pub stride: i32,
    pub key: i32,
    pub value: i32,
    /// The key's hash within an entry.
    pub hash: i32,
}

/// The instance layout of this build, measured once (`None`: unknown).
pub fn instance() -> Option<InstanceLayout> {
    static LAYOUT: OnceLock<Option<InstanceLayout>> = OnceLock::new();
    *LAYOUT.get_or_init(|| {
        let a = measure_instance(PROBE_LEN)?;
        let b = measure_instance(11)?;
        (a == b).then_some(a)
    })
}

fn measure_instance(n: usize) -> Option<InstanceLayout> {
    use crate::object::InstanceObj;
    let mut d = crate::dict::Dict::new();
    for i in 0..n {
        d.set_name(&format!("attr{i}"), Value::int(i as i64));
    }
    // Any distinctive heap value stands in for the class.
    let class = Value::list(Vec::new());
    let obj = Value::new_heap(Payload::Instance(InstanceObj {
        class: class.clone(),
        dict: std::cell::RefCell::new(d),
    }));
    let Some(Payload::Instance(inst)) = obj.payload() else {
        return None;
    };
    let base = (obj.bits() & super::abi::PAYLOAD_MASK as u64) as usize;
    let words = object_words(base);
    let unique = |want: u64| -> Option<i32> {
        let mut hits = words.iter().filter(|(_, w)| *w == want);
        let first = hits.next()?.0;
        hits.next().is_none().then_some(first)
    };
    let class_off = unique(class.bits())?;
    let (k0, v0, v1, h0) = {
        let d = inst.dict.try_borrow().ok()?;
        let (k0, v0) = d.get_index(0)?;
        let (_, v1) = d.get_index(1)?;
        (
            k0 as *const Value as usize,
            v0 as *const Value as usize,
            v1 as *const Value as usize,
            d.hash_ptr_at(0)? as usize,
        )
    };
    let stride = v1.checked_sub(v0)?;
    // The entry array: the one word pointing at or before entry 0's key
    // and value, within one entry.
    let inside = |w: u64| {
        let w = w as usize;
        [k0, v0, h0]
            .iter()
            .all(|&a| a.checked_sub(w).is_some_and(|o| o < stride))
    };
    let mut data_hits = words.iter().filter(|(_, w)| inside(*w));
    let (data_off, data) = *data_hits.next()?;
    if data_hits.next().is_some() {
        return None;
    }
    // Any word that always equals the number of entries will do.
    let len_off = words.iter().find(|(_, w)| *w == n as u64)?.0;
    let borrow = borrow_flag(&obj, &inst.dict)?;
    Some(InstanceLayout {
        class: class_off,
        borrow,
        data: data_off,
        len: len_off,
        stride: i32::try_from(stride).ok()?,
        key: i32::try_from(k0 - data as usize).ok()?,
        value: i32::try_from(v0 - data as usize).ok()?,
        hash: i32::try_from(h0.checked_sub(data as usize)?).ok()?,
    })
}

/// The kind byte of a class instance.
pub const INSTANCE_KIND: u8 = Kind::Instance as u8;
/// Byte offsets, from the start of a cell object, of its `RefCell`'s
/// borrow counter and of the value it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CellLayout {
    pub borrow: i32,
    pub value: i32,
}

/// The cell layout of this build, measured once (`None`: unknown).
pub fn cell() -> Option<CellLayout> {
    static LAYOUT: OnceLock<Option<CellLayout>> = OnceLock::new();
    *LAYOUT.get_or_init(measure_cell)
}

fn measure_cell() -> Option<CellLayout> {
    // A distinctive heap value as the contents.
    let inside = Value::list(Vec::new());
    let cell = Value::cell(inside.clone());
    let Some(Payload::Cell(c)) = cell.payload() else {
        return None;
    };
    let base = (cell.bits() & super::abi::PAYLOAD_MASK as u64) as usize;
    let value = c.as_ptr() as usize;
    let value = i32::try_from(value.checked_sub(base)?).ok()?;
    // SAFETY: a word inside the live cell object, only compared.
    let read = unsafe { ((base + value as usize) as *const u64).read() };
    if read != inside.bits() {
        return None;
    }
    let borrow = borrow_flag(&cell, c)?;
    Some(CellLayout { borrow, value })
}

/// Offset, from the start of the object, of the word that holds what
/// `len()` returns for a str (its code points), tuple or dict of this
/// build, measured once from two probes of different sizes (`None`:
/// unknown, or not one of those kinds). Lists use `ListLayout::len`.
pub fn len_word(kind: u8) -> Option<i32> {
    static OFFSETS: OnceLock<[Option<i32>; 3]> = OnceLock::new();
    let offsets = OFFSETS.get_or_init(|| {
        [
            measure_len(|n| Value::from_string("é".repeat(n))),
            measure_len(|n| Value::tuple(vec![Value::none(); n])),
            measure_len(|n| {
                let mut d = crate::dict::Dict::new();
                for i in 0..n {
                    d.set_name(&format!("k{i}"), Value::none());
                }
                Value::dict(d)
            }),
        ]
    });
    match kind {
        k if k == Kind::Str as u8 => offsets[0],
        k if k == Kind::Tuple as u8 => offsets[1],
        k if k == Kind::Dict as u8 => offsets[2],
        _ => None,
    }
}

/// The first word of objects made by `make` that reads `n` for both
/// probe sizes.
fn measure_len(make: impl Fn(usize) -> Value) -> Option<i32> {
    let offsets = |n: usize| -> Vec<i32> {
        let v = make(n);
        let base = (v.bits() & super::abi::PAYLOAD_MASK as u64) as usize;
        object_words(base)
            .into_iter()
            .filter(|(_, w)| *w == n as u64)
            .map(|(off, _)| off)
            .collect()
    };
    let (a, b) = (offsets(PROBE_LEN), offsets(11));
    a.into_iter().find(|off| b.contains(off))
}

/// The kind byte of a cell object.
pub const CELL_KIND: u8 = Kind::Cell as u8;
/// The kind byte of a module object.
pub const MODULE_KIND: u8 = Kind::Module as u8;
/// The kind byte compiled code compares against for a list.
pub const LIST_KIND: u8 = Kind::List as u8;
/// The kind byte of a built-in function object.
pub const NATIVE_KIND: u8 = Kind::Native as u8;

/// Offset of a built-in function object's Rust function pointer, from
/// the start of the object, measured once (`None`: unknown).
pub fn native_fn() -> Option<i32> {
    static OFFSET: OnceLock<Option<i32>> = OnceLock::new();
    *OFFSET.get_or_init(measure_native_fn)
}

fn probe_native(_: &mut Vm, _: &[Value], _: &[(Value, Value)]) -> PyResult<Value> {
    Ok(Value::none())
}

fn measure_native_fn() -> Option<i32> {
    let func: NativeFn = probe_native;
    let obj = Value::new_heap(Payload::Native(NativeObj {
        name: "probe",
        func,
        owner: None,
    }));
    let base = (obj.bits() & super::abi::PAYLOAD_MASK as u64) as usize;
    let want = func as usize as u64;
    let mut hits = (8..std::mem::size_of::<HeapObject>())
        .step_by(8)
        // SAFETY: aligned words inside the live heap object, only compared.
        .filter(|off| unsafe { ((base + off) as *const u64).read() } == want);
    let first = hits.next()?;
    hits.next().is_none().then_some(first as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_layout_is_measured_and_reads_back() {
        let layout = list().expect("the list layout is measurable");
        let list = Value::list(vec![Value::int(1), Value::int(2), Value::int(3)]);
        let base = (list.bits() & crate::jit::abi::PAYLOAD_MASK as u64) as usize;
        // SAFETY: reading the header and the measured words of a live list.
        unsafe {
            assert_eq!(((base + KIND as usize) as *const u8).read(), LIST_KIND);
            assert_eq!(((base + layout.len as usize) as *const u64).read(), 3);
            assert_eq!(((base + layout.borrow as usize) as *const i64).read(), 0);
            let data = ((base + layout.data as usize) as *const *const u64).read();
            assert_eq!(data.add(1).read(), Value::int(2).bits());
            assert_eq!(((base + REFCOUNT as usize) as *const u32).read(), 1);
        }
    }

    #[test]
    fn dict_layout_is_measured_and_reads_back() {
        let layout = dict().expect("the dict layout is measurable");
        let d = Value::dict(crate::dict::Dict::new());
        let cell = d.as_dict().expect("a dict");
        let version = cell.borrow().version();
        let base = (d.bits() & crate::jit::abi::PAYLOAD_MASK as u64) as usize;
        // SAFETY: the measured words of a live dict.
        let read = |off: i32| unsafe { ((base + off as usize) as *const i64).read() };
        assert_eq!(read(layout.version) as u64, version);
        assert_eq!(read(layout.borrow), 0);
        {
            let _g = cell.borrow_mut();
            assert_eq!(read(layout.borrow), -1);
        }
        cell.borrow_mut().set_name("k", Value::int(1));
        assert_ne!(read(layout.version) as u64, version, "a new key changes it");
    }

    #[test]
    fn module_dict_offset_finds_the_dict() {
        let off = module_dict().expect("the module layout is measurable");
        let dict = Value::dict(crate::dict::Dict::new());
        let module = Value::new_heap(Payload::Module(crate::object::ModuleObj {
            name: "m".into(),
            dict: dict.clone(),
        }));
        let base = (module.bits() & crate::jit::abi::PAYLOAD_MASK as u64) as usize;
        // SAFETY: reading the header and the measured word of a live object.
        unsafe {
            assert_eq!(((base + KIND as usize) as *const u8).read(), MODULE_KIND);
            assert_eq!(((base + off as usize) as *const u64).read(), dict.bits());
        }
    }

    #[test]
    fn instance_layout_reads_attributes_back() {
        let layout = instance().expect("the instance layout is measurable");
        let mut d = crate::dict::Dict::new();
        for (i, name) in ["a", "b", "c"].iter().enumerate() {
            d.set_name(name, Value::int(10 + i as i64));
        }
        let class = Value::dict(crate::dict::Dict::new());
        let obj = Value::new_heap(Payload::Instance(crate::object::InstanceObj {
            class: class.clone(),
            dict: std::cell::RefCell::new(d),
        }));
        let Some(Payload::Instance(inst)) = obj.payload() else {
            panic!("an instance");
        };
        let key_c = inst.dict.borrow().get_index(2).map(|(k, _)| k.bits());
        let base = (obj.bits() & crate::jit::abi::PAYLOAD_MASK as u64) as usize;
        // SAFETY: the measured words of a live instance and its entries.
        let word = |addr: usize| unsafe { (addr as *const u64).read() };
        assert_eq!(word(base) as u32 as u8, 1, "refcount");
        assert_eq!(word(base + layout.class as usize), class.bits());
        assert_eq!(word(base + layout.len as usize), 3);
        assert_eq!(word(base + layout.borrow as usize), 0);
        let entry = word(base + layout.data as usize) as usize + 2 * layout.stride as usize;
        assert_eq!(Some(word(entry + layout.key as usize)), key_c);
        assert_eq!(
            Some(word(entry + layout.hash as usize)),
            inst.dict.borrow().hash_at(2)
        );
        assert_eq!(word(entry + layout.value as usize), Value::int(12).bits());
    }

    #[test]
    fn cell_layout_reads_the_contents() {
        let l = cell().expect("the cell layout is measurable");
        let c = Value::cell(Value::int(41));
        let base = (c.bits() & crate::jit::abi::PAYLOAD_MASK as u64) as usize;
        // SAFETY: the measured words of a live cell.
        let word = |off: i32| unsafe { ((base + off as usize) as *const u64).read() };
        assert_eq!(word(KIND) as u8, CELL_KIND);
        assert_eq!(word(l.value), Value::int(41).bits());
        assert_eq!(word(l.borrow), 0);
    }

    #[test]
    fn len_words_read_the_length() {
        let cases = [
            (Value::from_str("añb"), Kind::Str as u8, 3),
            (Value::tuple(vec![Value::none(); 4]), Kind::Tuple as u8, 4),
            (Value::dict(crate::dict::Dict::new()), Kind::Dict as u8, 0),
        ];
        for (v, kind, want) in cases {
            let off = len_word(kind).expect("measurable");
            let base = (v.bits() & crate::jit::abi::PAYLOAD_MASK as u64) as usize;
            // SAFETY: the measured word of a live object.
            let got = unsafe { ((base + off as usize) as *const u64).read() };
            assert_eq!(got, want, "kind {kind}");
        }
        assert_eq!(len_word(Kind::List as u8), None);
    }

    #[test]
    fn native_fn_offset_finds_the_function() {
        let off = native_fn().expect("the native layout is measurable");
        let f: NativeFn = probe_native;
        let obj = Value::new_heap(Payload::Native(NativeObj {
            name: "another",
            func: f,
            owner: Some("owner"),
        }));
        let base = (obj.bits() & crate::jit::abi::PAYLOAD_MASK as u64) as usize;
        // SAFETY: reading the header and the measured word of a live object.
        unsafe {
            assert_eq!(((base + KIND as usize) as *const u8).read(), NATIVE_KIND);
            assert_eq!(
                ((base + off as usize) as *const u64).read(),
                f as usize as u64
            );
        }
    }
}
