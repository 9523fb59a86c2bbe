//! Inline caches for attribute sites (`LoadAttr`, `StoreAttr`,
//! `LoadMethod`): per site, the last two classes seen and what a lookup of the
//! site's name along that class's chain found. An entry is valid only while
//! the isolate's class epoch is unchanged (`Vm::class_epoch`, bumped by every
//! write to a class namespace), so a cache never answers differently from
//! `Vm::class_attr`. This file only stores lookups; the rules of attribute
//! access stay in `attr.rs`.

use std::cell::{Cell, RefCell};

use crate::value::Value;

/// What one site remembers about one class.
pub struct AttrEntry {
    /// The class (held, so its address cannot be reused while cached).
    pub class: Value,
    pub epoch: u64,
    /// `class_attr(class, name)` at `epoch`.
    pub found: Option<Value>,
    /// `found` is a property (a data descriptor: it wins over the
    /// instance dict), kept so hits need not inspect `found`.
    pub found_is_property: bool,
    /// `found` is a plain or native function: `LoadMethod` can skip
    /// making a bound method.
    pub found_is_method: bool,
    /// For store sites: the class defines neither a property for the name
    /// nor a script `__setattr__`, so a store goes straight to the dict.
    pub plain_store: bool,
    /// Index + 1 in the instance dict where the name was last found (0:
    /// none). A hint only, checked by key identity: instances of one class
    /// usually get their attributes in the same order.
    pub index: Cell<u32>,
}

/// Classes one site remembers: two covers the common polymorphic site (a
/// method name shared by two classes) without a miss on every alternation.
const WAYS: usize = 2;

/// The caches of one code object, indexed by feedback slot.
pub struct AttrCache {
    sites: Box<[RefCell<[Option<AttrEntry>; WAYS]>]>,
}

impl AttrCache {
    pub fn new(n: usize) -> AttrCache {
        AttrCache {
            sites: (0..n).map(|_| RefCell::new([None, None])).collect(),
        }
    }

    /// The class-chain lookup cached at `slot` for `class`, if current.
    #[inline]
    pub fn lookup(&self, slot: u16, class: &Value, epoch: u64) -> Option<(Option<Value>, bool)> {
        self.with_entry(slot, class, epoch, |e| (e.found.clone(), e.plain_store))
    }

    /// Run `f` on the entry cached at `slot` for `class`, if current.
    #[inline]
    pub fn with_entry<R>(
        &self,
        slot: u16,
        class: &Value,
        epoch: u64,
        f: impl FnOnce(&AttrEntry) -> R,
    ) -> Option<R> {
        let site = self.sites.get(slot as usize)?.try_borrow().ok()?;
        let e = site
            .iter()
            .flatten()
            .find(|e| e.class.is(class) && e.epoch == epoch)?;
        Some(f(e))
    }

    /// Remember a lookup at `slot`: it becomes the first entry, and the
    /// previous first entry, if still current and for another class, the
    /// second.
    pub fn fill(&self, slot: u16, entry: AttrEntry) {
        if let Some(Ok(mut site)) = self.sites.get(slot as usize).map(RefCell::try_borrow_mut) {
            let [first, second] = &mut *site;
            let keep = first
                .take()
                .filter(|e| e.epoch == entry.epoch && !e.class.is(&entry.class));
            *second = keep;
            *first = Some(entry);
        }
    }
}
