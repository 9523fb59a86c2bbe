//! The hash table behind `set` and `frozenset`, a faithful copy of CPython
//! 3.11's `Objects/setobject.c`: 8 initial slots, runs of `LINEAR_PROBES`
//! before perturbed probing, dummy slots left by deletion, the same
//! fill/resize thresholds, `pop()`'s search finger, and the same algorithms
//! for merge, copy, union, intersection, difference and symmetric
//! difference — so iteration order (and therefore printed output) matches
//! CPython for values whose hashes are deterministic.
//!
//! Equality that needs script code (`__eq__`) runs outside any borrow of a
//! table; if the table changed meanwhile the lookup restarts, as CPython's
//! does. This module never runs script code while a `RefCell` is held.

use std::cell::RefCell;

use crate::error::{PyErr, PyResult};
use crate::hash::fast_eq;
use crate::object::{Payload, SetObj};
use crate::value::Value;
use crate::vm::Vm;
use kiln_compiler::bytecode::CmpOp;

const MIN_SIZE: usize = 8;
const LINEAR_PROBES: usize = 9;
const PERTURB_SHIFT: u32 = 5;

#[derive(Clone, Default)]
enum Slot {
    #[default]
    Empty,
    /// A deleted entry: keeps probe chains intact.
    Dummy,
    Active(u64, Value),
}

/// Open-addressing table of keys with their hashes.
#[derive(Clone)]
pub struct SetTable {
    slots: Vec<Slot>,
    /// Active plus dummy slots.
    fill: usize,
    /// Active slots.
    used: usize,
    /// Where `pop()` resumes its search.
    finger: usize,
    /// Bumped whenever `slots` is replaced, so a lookup that ran `__eq__`
    /// knows to restart.
    generation: u64,
}

impl Default for SetTable {
    fn default() -> SetTable {
        SetTable::new()
    }
}

/// Where a probe sequence stands (`set_lookkey`'s loop variables).
struct Cursor {
    base: usize,
    offset: usize,
    limit: usize,
    perturb: u64,
    freeslot: Option<usize>,
}

impl Cursor {
    fn new(hash: u64, mask: usize) -> Cursor {
        let base = hash as usize & mask;
        Cursor {
            base,
            offset: 0,
            limit: run_length(base, mask),
            perturb: hash,
            freeslot: None,
        }
    }

    fn advance(&mut self, mask: usize) {
        if self.offset < self.limit {
            self.offset += 1;
        } else {
            self.perturb >>= PERTURB_SHIFT;
            self.base = (self.base.wrapping_mul(5).wrapping_add(1))
                .wrapping_add(self.perturb as usize)
                & mask;
            self.offset = 0;
            self.limit = run_length(self.base, mask);
        }
    }
}

fn run_length(base: usize, mask: usize) -> usize {
    if base + LINEAR_PROBES <= mask {
        LINEAR_PROBES
    } else {
        0
    }
}

enum Lookup {
    Active(usize),
    /// Not present; `slot` is where it would go (a reused dummy unless
    /// `fresh`).
    Absent {
        slot: usize,
        fresh: bool,
    },
}

enum Scan {
    Done(Lookup),
    /// A same-hash key whose equality with the probe needs `__eq__`.
    Ask {
        slot: usize,
        candidate: Value,
    },
}

fn insert_clean(slots: &mut [Slot], hash: u64, key: Value) {
    let mask = slots.len() - 1;
    let mut cur = Cursor::new(hash, mask);
    loop {
        let i = cur.base + cur.offset;
        match slots.get_mut(i) {
            Some(slot @ Slot::Empty) => {
                *slot = Slot::Active(hash, key);
                return;
            }
            Some(_) => cur.advance(mask),
            None => return,
        }
    }
}

impl SetTable {
    pub fn new() -> SetTable {
        SetTable {
            slots: vec![Slot::Empty; MIN_SIZE],
            fill: 0,
            used: 0,
            finger: 0,
            generation: 0,
        }
    }

    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    pub fn len(&self) -> usize {
        self.used
    }

    pub fn is_empty(&self) -> bool {
        self.used == 0
    }

    /// Keys in table order (CPython's iteration order).
    pub fn keys(&self) -> impl Iterator<Item = &Value> {
        self.entries().map(|(_, k)| k)
    }

    /// (hash, key) pairs in table order.
    pub fn entries(&self) -> impl Iterator<Item = (u64, &Value)> {
        self.slots.iter().filter_map(|s| match s {
            Slot::Active(h, k) => Some((*h, k)),
            _ => None,
        })
    }

    fn snapshot(&self) -> Vec<(u64, Value)> {
        self.entries().map(|(h, k)| (h, k.clone())).collect()
    }

    /// The first active slot at or after `from`, for iterators.
    pub fn next_active(&self, from: usize) -> Option<(usize, &Value)> {
        self.slots
            .iter()
            .enumerate()
            .skip(from)
            .find_map(|(i, s)| match s {
                Slot::Active(_, k) => Some((i, k)),
                _ => None,
            })
    }

    /// `set_clear_internal`: back to the minimal table (the pop finger
    /// survives, as in CPython).
    pub fn clear(&mut self) {
        self.slots = vec![Slot::Empty; MIN_SIZE];
        self.fill = 0;
        self.used = 0;
        self.generation = self.generation.wrapping_add(1);
    }

    /// `set_table_resize`.
    fn resize(&mut self, minused: usize) {
        let mut size = MIN_SIZE;
        while size <= minused {
            size <<= 1;
        }
        if size == MIN_SIZE && self.slots.len() == MIN_SIZE && self.fill == self.used {
            // A small table without dummies stays as it is.
            return;
        }
        let old = std::mem::replace(&mut self.slots, vec![Slot::Empty; size]);
        self.generation = self.generation.wrapping_add(1);
        self.fill = self.used;
        for slot in old {
            if let Slot::Active(h, k) = slot {
                insert_clean(&mut self.slots, h, k);
            }
        }
    }

    fn grow_after_insert(&mut self) {
        if self.fill * 5 >= self.mask() * 3 {
            let used = self.used;
            self.resize(if used > 50_000 { used * 2 } else { used * 4 });
        }
    }

    /// Continue probing for `key` from `cur`.
    fn scan(&self, cur: &mut Cursor, hash: u64, key: &Value, track_free: bool) -> Scan {
        let mask = self.mask();
        loop {
            let i = cur.base + cur.offset;
            cur.advance(mask);
            match self.slots.get(i) {
                None | Some(Slot::Empty) => {
                    return Scan::Done(match cur.freeslot {
                        Some(slot) => Lookup::Absent { slot, fresh: false },
                        None => Lookup::Absent {
                            slot: i,
                            fresh: true,
                        },
                    })
                }
                Some(Slot::Active(h, k)) if *h == hash => match fast_eq(k, key) {
                    Some(true) => return Scan::Done(Lookup::Active(i)),
                    Some(false) => {}
                    None => {
                        return Scan::Ask {
                            slot: i,
                            candidate: k.clone(),
                        }
                    }
                },
                // CPython 3.11 reuses the *last* dummy on the probe path.
                Some(Slot::Dummy) if track_free => cur.freeslot = Some(i),
                Some(_) => {}
            }
        }
    }

    fn holds(&self, slot: usize, key: &Value) -> bool {
        matches!(self.slots.get(slot), Some(Slot::Active(_, k)) if k.is(key))
    }

    /// Store a key where a lookup said it belongs; false if that slot is
    /// no longer free (script code ran in between): the caller retries.
    fn place(&mut self, slot: usize, fresh: bool, hash: u64, key: Value) -> bool {
        match (self.slots.get_mut(slot), fresh) {
            (Some(s @ Slot::Empty), true) => {
                *s = Slot::Active(hash, key);
                self.fill += 1;
                self.used += 1;
                self.grow_after_insert();
                true
            }
            (Some(s @ Slot::Dummy), false) => {
                *s = Slot::Active(hash, key);
                self.used += 1;
                true
            }
            _ => false,
        }
    }

    fn remove_slot(&mut self, slot: usize) -> Option<Value> {
        let s = self.slots.get_mut(slot)?;
        match std::mem::replace(s, Slot::Dummy) {
            Slot::Active(_, k) => {
                self.used -= 1;
                Some(k)
            }
            other => {
                *s = other;
                None
            }
        }
    }

    /// `set.pop()`: the first active slot from the finger on.
    pub fn pop(&mut self) -> Option<Value> {
        if self.used == 0 {
            return None;
        }
        let mask = self.mask();
        let mut i = self.finger & mask;
        for _ in 0..=mask {
            if matches!(self.slots.get(i), Some(Slot::Active(..))) {
                self.finger = i + 1;
                return self.remove_slot(i);
            }
            i = if i >= mask { 0 } else { i + 1 };
        }
        None
    }

    /// CPython's `frozenset_hash` over the stored entry hashes.
    pub fn frozen_hash(&self) -> i64 {
        fn shuffle(h: u64) -> u64 {
            ((h ^ 89_869_747) ^ (h << 16)).wrapping_mul(3_644_798_167)
        }
        let mut hash: u64 = 0;
        for (h, _) in self.entries() {
            hash ^= shuffle(h);
        }
        hash ^= (self.used as u64 + 1).wrapping_mul(1_927_868_237);
        hash ^= (hash >> 11) ^ (hash >> 25);
        hash = hash.wrapping_mul(69_069).wrapping_add(907_133_923);
        if hash == u64::MAX {
            590_923_713
        } else {
            hash as i64
        }
    }
}

// ---- operations that may run script code ---------------------------------

fn cell_of(v: &Value) -> PyResult<&RefCell<SetTable>> {
    match v.payload() {
        Some(Payload::Set(s)) => Ok(&s.items),
        _ => Err(PyErr::type_error("expected a set")),
    }
}

fn read(cell: &RefCell<SetTable>) -> PyResult<std::cell::Ref<'_, SetTable>> {
    cell.try_borrow().map_err(|_| PyErr::reentrant("set"))
}

fn write(cell: &RefCell<SetTable>) -> PyResult<std::cell::RefMut<'_, SetTable>> {
    cell.try_borrow_mut().map_err(|_| PyErr::reentrant("set"))
}

/// `set_lookkey` (and the search half of `set_add_entry`).
fn lookup(
    vm: &mut Vm,
    cell: &RefCell<SetTable>,
    hash: u64,
    key: &Value,
    track_free: bool,
) -> PyResult<Lookup> {
    'restart: loop {
        let (mut cur, generation) = {
            let t = read(cell)?;
            (Cursor::new(hash, t.mask()), t.generation)
        };
        loop {
            let scan = read(cell)?.scan(&mut cur, hash, key, track_free);
            match scan {
                Scan::Done(found) => return Ok(found),
                Scan::Ask { slot, candidate } => {
                    let equal = crate::ops::eq(vm, &candidate, key)?;
                    let t = read(cell)?;
                    if t.generation != generation || !t.holds(slot, &candidate) {
                        continue 'restart;
                    }
                    if equal {
                        return Ok(Lookup::Active(slot));
                    }
                }
            }
        }
    }
}

fn add_entry(vm: &mut Vm, cell: &RefCell<SetTable>, hash: u64, key: Value) -> PyResult<()> {
    loop {
        match lookup(vm, cell, hash, &key, true)? {
            Lookup::Active(_) => return Ok(()),
            Lookup::Absent { slot, fresh } => {
                if write(cell)?.place(slot, fresh, hash, key.clone()) {
                    return Ok(());
                }
            }
        }
    }
}

fn contains_entry(vm: &mut Vm, cell: &RefCell<SetTable>, hash: u64, key: &Value) -> PyResult<bool> {
    Ok(matches!(
        lookup(vm, cell, hash, key, false)?,
        Lookup::Active(_)
    ))
}

/// Remove `key`; whether it was present.
fn discard_entry(vm: &mut Vm, cell: &RefCell<SetTable>, hash: u64, key: &Value) -> PyResult<bool> {
    match lookup(vm, cell, hash, key, false)? {
        Lookup::Active(slot) => Ok(write(cell)?.remove_slot(slot).is_some()),
        Lookup::Absent { .. } => Ok(false),
    }
}

fn is_frozen(v: &Value) -> bool {
    v.as_set().is_some_and(|s| s.frozen)
}

/// A new empty set of the same kind (set or frozenset) as `like`.
fn new_like(like: &Value) -> Value {
    Value::set(SetTable::new(), is_frozen(like))
}

/// `set_merge`: add every entry of set `other` to set `so`.
fn merge(vm: &mut Vm, so: &Value, other: &Value) -> PyResult<()> {
    if so.is(other) {
        return Ok(());
    }
    let (cell, other_cell) = (cell_of(so)?, cell_of(other)?);
    let source = read(other_cell)?.clone();
    if source.used == 0 {
        return Ok(());
    }
    {
        let mut t = write(cell)?;
        if (t.fill + source.used) * 5 >= t.mask() * 3 {
            let want = (t.used + source.used) * 2;
            t.resize(want);
        }
        if t.fill == 0 {
            if t.mask() == source.mask() && source.fill == source.used {
                // Same size and no dummies: copy the layout exactly.
                t.slots = source.slots;
                t.fill = source.fill;
                t.used = source.used;
                return Ok(());
            }
            t.fill = source.used;
            t.used = source.used;
            for (h, k) in source.entries() {
                insert_clean(&mut t.slots, h, k.clone());
            }
            return Ok(());
        }
    }
    for (h, k) in source.snapshot() {
        add_entry(vm, cell, h, k)?;
    }
    Ok(())
}

/// `set_update_internal`: add the items of any iterable.
fn update_internal(vm: &mut Vm, so: &Value, other: &Value) -> PyResult<()> {
    if other.as_set().is_some() {
        return merge(vm, so, other);
    }
    let cell = cell_of(so)?;
    if let Some(d) = other.as_dict() {
        let entries: Vec<(u64, Value)> = {
            let d = d.try_borrow().map_err(|_| PyErr::reentrant("dict"))?;
            (0..d.len())
                .filter_map(|i| Some((d.hash_at(i)?, d.get_index(i)?.0.clone())))
                .collect()
        };
        {
            let mut t = write(cell)?;
            if (t.fill + entries.len()) * 5 >= t.mask() * 3 {
                let want = (t.used + entries.len()) * 2;
                t.resize(want);
            }
        }
        for (h, k) in entries {
            add_entry(vm, cell, h, k)?;
        }
        return Ok(());
    }
    for key in vm.collect(other)? {
        let hash = vm.hash_key(&key)?;
        add_entry(vm, cell, hash, key)?;
    }
    Ok(())
}

/// `make_new_set`: a set (or frozenset) holding the items of `iterable`.
pub fn from_iterable(vm: &mut Vm, iterable: Option<&Value>, frozen: bool) -> PyResult<Value> {
    let out = Value::set(SetTable::new(), frozen);
    if let Some(src) = iterable {
        update_internal(vm, &out, src)?;
    }
    Ok(out)
}

/// `set_copy`.
pub fn copy(vm: &mut Vm, so: &Value) -> PyResult<Value> {
    let out = new_like(so);
    merge(vm, &out, so)?;
    Ok(out)
}

/// `set.update(*others)`.
pub fn update(vm: &mut Vm, so: &Value, others: &[Value]) -> PyResult<()> {
    for other in others {
        update_internal(vm, so, other)?;
    }
    Ok(())
}

/// `set.union(*others)` and `a | b`.
pub fn union(vm: &mut Vm, so: &Value, others: &[Value]) -> PyResult<Value> {
    let out = copy(vm, so)?;
    for other in others {
        if !other.is(so) {
            update_internal(vm, &out, other)?;
        }
    }
    Ok(out)
}

/// `set_intersection` (one other).
fn intersection(vm: &mut Vm, so: &Value, other: &Value) -> PyResult<Value> {
    if so.is(other) {
        return copy(vm, so);
    }
    let result = new_like(so);
    let out = cell_of(&result)?;
    if other.as_set().is_some() {
        let (mut small, mut big) = (other, so);
        if vm.len(other)? > vm.len(so)? {
            std::mem::swap(&mut small, &mut big);
        }
        let big_cell = cell_of(big)?;
        for (h, k) in read(cell_of(small)?)?.snapshot() {
            if contains_entry(vm, big_cell, h, &k)? {
                add_entry(vm, out, h, k)?;
            }
        }
        return Ok(result);
    }
    let cell = cell_of(so)?;
    let it = vm.iter(other)?;
    while let Some(key) = vm.next(&it)? {
        let hash = vm.hash_key(&key)?;
        if contains_entry(vm, cell, hash, &key)? {
            add_entry(vm, out, hash, key)?;
            // Every item of `so` found: CPython stops consuming `other`.
            if read(out)?.len() >= read(cell)?.len() {
                break;
            }
        }
    }
    Ok(result)
}

/// `set.intersection(*others)` and `a & b`.
pub fn intersection_multi(vm: &mut Vm, so: &Value, others: &[Value]) -> PyResult<Value> {
    if others.is_empty() {
        return copy(vm, so);
    }
    let mut result = so.clone();
    for other in others {
        result = intersection(vm, &result, other)?;
    }
    Ok(result)
}

/// Swap the contents of `so` with those of `with` (`set_swap_bodies`).
fn take_body(so: &Value, with: &Value) -> PyResult<()> {
    if so.is(with) {
        return Ok(());
    }
    let mut fresh = write(cell_of(with)?)?;
    let mut t = write(cell_of(so)?)?;
    std::mem::swap(&mut t.slots, &mut fresh.slots);
    std::mem::swap(&mut t.fill, &mut fresh.fill);
    std::mem::swap(&mut t.used, &mut fresh.used);
    t.generation = t.generation.wrapping_add(1);
    Ok(())
}

/// `set.intersection_update(*others)` and `a &= b`.
pub fn intersection_update(vm: &mut Vm, so: &Value, others: &[Value]) -> PyResult<()> {
    let tmp = intersection_multi(vm, so, others)?;
    take_body(so, &tmp)
}

/// `set_difference_update_internal`.
fn difference_update_internal(vm: &mut Vm, so: &Value, other: &Value) -> PyResult<()> {
    let cell = cell_of(so)?;
    if so.is(other) {
        write(cell)?.clear();
        return Ok(());
    }
    if other.as_set().is_some() {
        let other = if vm.len(other)? >> 3 > vm.len(so)? {
            intersection(vm, so, other)?
        } else {
            other.clone()
        };
        for (h, k) in read(cell_of(&other)?)?.snapshot() {
            discard_entry(vm, cell, h, &k)?;
        }
    } else {
        for key in vm.collect(other)? {
            let hash = vm.hash_key(&key)?;
            discard_entry(vm, cell, hash, &key)?;
        }
    }
    let mut t = write(cell)?;
    if t.fill - t.used > t.mask() / 4 {
        let used = t.used;
        t.resize(if used > 50_000 { used * 2 } else { used * 4 });
    }
    Ok(())
}

/// `set_difference` (one other).
fn difference(vm: &mut Vm, so: &Value, other: &Value) -> PyResult<Value> {
    let other_size = if other.as_set().is_some() || other.as_dict().is_some() {
        vm.len(other)?
    } else {
        let out = copy(vm, so)?;
        difference_update_internal(vm, &out, other)?;
        return Ok(out);
    };
    if vm.len(so)? >> 2 > other_size {
        let out = copy(vm, so)?;
        difference_update_internal(vm, &out, other)?;
        return Ok(out);
    }
    let result = new_like(so);
    let out = cell_of(&result)?;
    let entries = read(cell_of(so)?)?.snapshot();
    for (h, k) in entries {
        let present = if other.as_set().is_some() {
            contains_entry(vm, cell_of(other)?, h, &k)?
        } else {
            vm.dict_get(other, &k)?.is_some()
        };
        if !present {
            add_entry(vm, out, h, k)?;
        }
    }
    Ok(result)
}

/// `set.difference(*others)` and `a - b`.
pub fn difference_multi(vm: &mut Vm, so: &Value, others: &[Value]) -> PyResult<Value> {
    let Some((first, rest)) = others.split_first() else {
        return copy(vm, so);
    };
    let result = difference(vm, so, first)?;
    for other in rest {
        difference_update_internal(vm, &result, other)?;
    }
    Ok(result)
}

/// `set.difference_update(*others)` and `a -= b`.
pub fn difference_update(vm: &mut Vm, so: &Value, others: &[Value]) -> PyResult<()> {
    for other in others {
        difference_update_internal(vm, so, other)?;
    }
    Ok(())
}

/// `set.symmetric_difference_update(other)` and `a ^= b`.
pub fn symmetric_difference_update(vm: &mut Vm, so: &Value, other: &Value) -> PyResult<()> {
    let cell = cell_of(so)?;
    if so.is(other) {
        write(cell)?.clear();
        return Ok(());
    }
    let entries: Vec<(u64, Value)> = if let Some(d) = other.as_dict() {
        let d = d.try_borrow().map_err(|_| PyErr::reentrant("dict"))?;
        (0..d.len())
            .filter_map(|i| Some((d.hash_at(i)?, d.get_index(i)?.0.clone())))
            .collect()
    } else if other.as_set().is_some() {
        read(cell_of(other)?)?.snapshot()
    } else {
        let tmp = from_iterable(vm, Some(other), is_frozen(so))?;
        let entries = read(cell_of(&tmp)?)?.snapshot();
        entries
    };
    for (h, k) in entries {
        if !discard_entry(vm, cell, h, &k)? {
            add_entry(vm, cell, h, k)?;
        }
    }
    Ok(())
}

/// `set.symmetric_difference(other)` and `a ^ b`: built from `other`.
pub fn symmetric_difference(vm: &mut Vm, so: &Value, other: &Value) -> PyResult<Value> {
    let result = new_like(so);
    update_internal(vm, &result, other)?;
    symmetric_difference_update(vm, &result, so)?;
    Ok(result)
}

/// `set.issubset(other)`.
pub fn issubset(vm: &mut Vm, so: &Value, other: &Value) -> PyResult<bool> {
    if other.as_set().is_none() {
        let tmp = intersection(vm, so, other)?;
        return Ok(vm.len(&tmp)? == vm.len(so)?);
    }
    if vm.len(so)? > vm.len(other)? {
        return Ok(false);
    }
    let other_cell = cell_of(other)?;
    for (h, k) in read(cell_of(so)?)?.snapshot() {
        if !contains_entry(vm, other_cell, h, &k)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// `set.issuperset(other)`.
pub fn issuperset(vm: &mut Vm, so: &Value, other: &Value) -> PyResult<bool> {
    if other.as_set().is_some() {
        return issubset(vm, other, so);
    }
    for key in vm.collect(other)? {
        if !vm.set_contains(so, &key)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// `set.isdisjoint(other)`.
pub fn isdisjoint(vm: &mut Vm, so: &Value, other: &Value) -> PyResult<bool> {
    if so.is(other) {
        return Ok(vm.len(so)? == 0);
    }
    if other.as_set().is_some() {
        let (mut small, mut big) = (other, so);
        if vm.len(other)? > vm.len(so)? {
            std::mem::swap(&mut small, &mut big);
        }
        let big_cell = cell_of(big)?;
        for (h, k) in read(cell_of(small)?)?.snapshot() {
            if contains_entry(vm, big_cell, h, &k)? {
                return Ok(false);
            }
        }
        return Ok(true);
    }
    for key in vm.collect(other)? {
        if vm.set_contains(so, &key)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// `set_richcompare` between two sets.
pub fn compare(vm: &mut Vm, op: CmpOp, a: &Value, b: &Value) -> PyResult<bool> {
    let (la, lb) = (vm.len(a)?, vm.len(b)?);
    Ok(match op {
        CmpOp::Eq => la == lb && issubset(vm, a, b)?,
        CmpOp::Ne => !(la == lb && issubset(vm, a, b)?),
        CmpOp::Le => issubset(vm, a, b)?,
        CmpOp::Ge => issuperset(vm, a, b)?,
        CmpOp::Lt => la < lb && issubset(vm, a, b)?,
        CmpOp::Gt => la > lb && issuperset(vm, a, b)?,
    })
}

impl Vm {
    /// `s.add(key)`.
    pub fn set_add(&mut self, s: &Value, key: Value) -> PyResult<()> {
        let cell = cell_of(s)?;
        let hash = self.hash_key(&key)?;
        add_entry(self, cell, hash, key)
    }

    /// `key in s` (a set key is looked up as a frozenset, as CPython does).
    pub fn set_contains(&mut self, s: &Value, key: &Value) -> PyResult<bool> {
        let cell = cell_of(s)?;
        let key = frozen_key(self, key)?;
        let hash = self.hash_key(&key)?;
        contains_entry(self, cell, hash, &key)
    }

    /// `s.discard(key)`; whether it was present.
    pub fn set_discard(&mut self, s: &Value, key: &Value) -> PyResult<bool> {
        let cell = cell_of(s)?;
        let key = frozen_key(self, key)?;
        let hash = self.hash_key(&key)?;
        discard_entry(self, cell, hash, &key)
    }

    /// `s |= iterable` / `s.update(iterable)` / `{*iterable}`.
    pub fn set_update(&mut self, s: &Value, other: &Value) -> PyResult<()> {
        update_internal(self, s, other)
    }
}

/// A mutable set used as a lookup key stands for the equal frozenset.
fn frozen_key(vm: &mut Vm, key: &Value) -> PyResult<Value> {
    match key.as_set() {
        Some(s) if !s.frozen => from_iterable(vm, Some(key), true),
        _ => Ok(key.clone()),
    }
}

/// The keys of a set in table order (a snapshot).
pub fn members(s: &SetObj) -> PyResult<Vec<Value>> {
    Ok(read(&s.items)?.keys().cloned().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table_of(keys: &[i64]) -> SetTable {
        let mut t = SetTable::new();
        for &k in keys {
            let h = crate::hash::hash_i64(k) as u64;
            let mut cur = Cursor::new(h, t.mask());
            if let Scan::Done(Lookup::Absent { slot, fresh }) =
                t.scan(&mut cur, h, &Value::int(k), true)
            {
                t.place(slot, fresh, h, Value::int(k));
            }
        }
        t
    }

    fn order(t: &SetTable) -> Vec<i64> {
        t.keys().filter_map(|k| k.as_small_int()).collect()
    }

    #[test]
    fn small_ints_land_in_hash_order() {
        // CPython: {1, 9, 4, 5} prints {1, 4, 5, 9}.
        assert_eq!(order(&table_of(&[1, 9, 4, 5])), [1, 4, 5, 9]);
    }

    #[test]
    fn pop_walks_from_the_finger() {
        let mut t = table_of(&[3, 1, 2]);
        let first = t.pop().and_then(|v| v.as_small_int());
        let second = t.pop().and_then(|v| v.as_small_int());
        assert_eq!((first, second), (Some(1), Some(2)));
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn resize_keeps_every_key() {
        let keys: Vec<i64> = (0..100).map(|i| i * 37).collect();
        let t = table_of(&keys);
        assert_eq!(t.len(), 100);
        assert!(t.slots.len() >= 256);
    }
}
