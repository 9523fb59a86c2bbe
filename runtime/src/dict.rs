//! `Dict`: the insertion-ordered hash table behind dicts, sets, class and
//! module namespaces.
//!
//! Keys are stored with their precomputed hash. The table itself only knows
//! identity and "primitive" equality (`hash::fast_eq`); keys whose equality
//! needs a script `__eq__` are resolved by `vm::dict_ops`, outside any borrow
//! of the table, so user code never runs while a `RefCell` is held.

use std::hash::{BuildHasher, Hash, Hasher};

use indexmap::map::RawEntryApiV1;
use indexmap::IndexMap;

use crate::hash::{fast_eq, str_hash};
use crate::value::Value;

/// A key with its hash.
#[derive(Clone, Debug)]
pub struct DictKey {
    pub hash: u64,
    pub key: Value,
}

impl Hash for DictKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

impl PartialEq for DictKey {
    fn eq(&self, other: &DictKey) -> bool {
        self.hash == other.hash && fast_eq(&self.key, &other.key) == Some(true)
    }
}
impl Eq for DictKey {}

/// Passes the precomputed hash through (mixed, so low bits vary).
#[derive(Clone, Copy, Default)]
pub struct PassHasher(u64);

impl Hasher for PassHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ *b as u64).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = mix(n);
    }
}

#[derive(Clone, Copy, Default)]
pub struct BuildPassHasher;

impl BuildHasher for BuildPassHasher {
    type Hasher = PassHasher;
    fn build_hasher(&self) -> PassHasher {
        PassHasher(0)
    }
}

fn mix(n: u64) -> u64 {
    n.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(26)
}

/// The table hash of a key the table can compare without script code
/// and without a VM: a str (its cached hash) or an int immediate. `None`
/// for every other key (callers take the general path).
#[inline]
pub fn simple_key_hash(key: &Value) -> Option<u64> {
    if let Some(i) = key.as_small_int() {
        return Some(crate::hash::hash_i64(i) as u64);
    }
    key.as_str_obj().map(crate::hash::cached_str_hash)
}

/// Whether entry `k` holds `key` (hash `hash`, text `text` if a str);
/// sets `undecided` for an entry only a script `__eq__` can compare.
#[inline(always)]
fn simple_eq(
    k: &DictKey,
    hash: u64,
    key: &Value,
    text: Option<&str>,
    undecided: &mut bool,
) -> bool {
    if k.hash != hash {
        return false;
    }
    if k.key.is(key) {
        return true;
    }
    if let (Some(t), Some(stored)) = (text, k.key.as_str()) {
        return stored == t;
    }
    match fast_eq(&k.key, key) {
        Some(b) => b,
        None => {
            *undecided = true;
            false
        }
    }
}

/// `d.get(key)` for a str or int-immediate key, without the VM: `None`
/// when the general path must decide (another kind of key, an entry
/// needing a script `__eq__`, a dict borrowed for mutation).
#[inline]
pub fn lookup_simple(cell: &std::cell::RefCell<Dict>, key: &Value) -> Option<Option<Value>> {
    let hash = simple_key_hash(key)?;
    let d = cell.try_borrow().ok()?;
    d.get_simple(hash, key).map(|v| v.cloned())
}

/// `d[key] = value` for a str or int-immediate key, without the VM;
/// hands key and value back when the general path must decide.
#[inline]
pub fn store_simple(
    cell: &std::cell::RefCell<Dict>,
    key: Value,
    value: Value,
) -> Result<(), (Value, Value)> {
    let Some(hash) = simple_key_hash(&key) else {
        return Err((key, value));
    };
    let Ok(mut d) = cell.try_borrow_mut() else {
        return Err((key, value));
    };
    d.set_simple(hash, key, value)
}

/// Tables up to this many entries are searched by scanning the stored
/// hashes in order: for the small dicts of records and keyword arguments
/// that is cheaper than a probe of the index table (a hash mix, a group
/// load, a tag match).
const SCAN_MAX: usize = 8;

/// The result of a lookup that may need script-level equality.
pub enum Probe {
    Found(usize),
    Missing,
    /// Same-hash keys whose equality with the probe needs `__eq__`.
    Undecided(Vec<Value>),
}

pub struct Dict {
    map: IndexMap<DictKey, Value, BuildPassHasher>,
    /// Changes whenever the set of keys may have changed, to a number no
    /// other dict of this thread has had (`fresh_version`), so "same
    /// version" means "same dict, same keys": lookup caches use it to
    /// remember that a name is absent.
    version: u64,
}

thread_local! {
    static NEXT_VERSION: std::cell::Cell<u64> = const { std::cell::Cell::new(1) };
}

fn fresh_version() -> u64 {
    NEXT_VERSION.with(|c| {
        let v = c.get();
        c.set(v + 1);
        v
    })
}

impl Default for Dict {
    fn default() -> Dict {
        Dict {
            map: IndexMap::default(),
            version: fresh_version(),
        }
    }
}

impl Clone for Dict {
    fn clone(&self) -> Dict {
        Dict {
            map: self.map.clone(),
            version: fresh_version(),
        }
    }
}

impl Dict {
    pub fn new() -> Dict {
        Dict::default()
    }

    pub fn with_capacity(n: usize) -> Dict {
        Dict {
            map: IndexMap::with_capacity_and_hasher(n, BuildPassHasher),
            version: fresh_version(),
        }
    }

    /// The key-set version (see the field).
    #[inline]
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Where the version lives, for compiled code that checks it inline
    /// (`jit::layout::dict`).
    pub fn version_ptr(&self) -> *const u64 {
        &self.version
    }

    fn keys_changed(&mut self) {
        self.version = fresh_version();
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn clear(&mut self) {
        self.keys_changed();
        self.map.clear();
    }

    /// Entries in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&Value, &Value)> {
        self.map.iter().map(|(k, v)| (&k.key, v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &Value> {
        self.map.keys().map(|k| &k.key)
    }

    pub fn values(&self) -> impl Iterator<Item = &Value> {
        self.map.values()
    }

    pub fn get_index(&self, i: usize) -> Option<(&Value, &Value)> {
        self.map.get_index(i).map(|(k, v)| (&k.key, v))
    }

    pub fn get_index_mut(&mut self, i: usize) -> Option<&mut Value> {
        self.map.get_index_mut(i).map(|(_, v)| v)
    }

    pub fn hash_at(&self, i: usize) -> Option<u64> {
        self.map.get_index(i).map(|(k, _)| k.hash)
    }

    /// Where entry `i` keeps its key's hash, for measuring the entry
    /// layout compiled code reads (`jit::layout::instance`).
    pub fn hash_ptr_at(&self, i: usize) -> Option<*const u64> {
        self.map.get_index(i).map(|(k, _)| &k.hash as *const u64)
    }

    /// Find `key` (hash `hash`) using identity and primitive equality.
    pub fn probe(&self, hash: u64, key: &Value) -> Probe {
        let mut undecided = Vec::new();
        let is_match = |k: &DictKey| {
            if k.hash != hash {
                return false;
            }
            match fast_eq(&k.key, key) {
                Some(b) => b,
                None => {
                    undecided.push(k.key.clone());
                    false
                }
            }
        };
        let found = if self.map.len() <= SCAN_MAX {
            self.map.keys().position(is_match)
        } else {
            self.map.raw_entry_v1().index_from_hash(mix(hash), is_match)
        };
        match found {
            Some(i) => Probe::Found(i),
            None if undecided.is_empty() => Probe::Missing,
            None => Probe::Undecided(undecided),
        }
    }

    /// `probe` for a key whose hash `simple_key_hash` gave (a str or an
    /// int immediate), returning the entry's value. Identity decides
    /// first, then text for str entries; an entry of another kind with
    /// the same hash goes through `fast_eq`. `None` when one needs a
    /// script `__eq__` (the caller takes the general path).
    #[inline]
    pub fn get_simple(&self, hash: u64, key: &Value) -> Option<Option<&Value>> {
        let text = key.as_str();
        let mut undecided = false;
        let found = if self.map.len() <= SCAN_MAX {
            self.map
                .iter()
                .find(|(k, _)| simple_eq(k, hash, key, text, &mut undecided))
        } else {
            self.map
                .raw_entry_v1()
                .from_hash(mix(hash), |k| simple_eq(k, hash, key, text, &mut undecided))
        };
        match found {
            Some((_, v)) => Some(Some(v)),
            None if undecided => None,
            None => Some(None),
        }
    }

    /// `d[key] = value` for a key whose hash `simple_key_hash` gave, with
    /// one probe of the table. Hands key and value back when an entry
    /// with the same hash needs a script `__eq__`.
    #[inline]
    pub fn set_simple(
        &mut self,
        hash: u64,
        key: Value,
        value: Value,
    ) -> Result<(), (Value, Value)> {
        self.put_simple::<true>(hash, key, value)
    }

    /// Add `key: value` to the dict of a display being built
    /// (`Vm::build_dict`), for a key whose hash `simple_key_hash` gave: as
    /// `set_simple` (a duplicate takes the new value and keeps its first
    /// key object), but the dict is not yet visible to any cache, so its
    /// version stays the fresh one it was made with.
    pub fn push_display(
        &mut self,
        hash: u64,
        key: Value,
        value: Value,
    ) -> Result<(), (Value, Value)> {
        self.put_simple::<false>(hash, key, value)
    }

    /// `set_simple` and `push_display`: a small table is scanned by stored
    /// hash, identity and text, then appended to with a probe that
    /// compares nothing; a larger one is probed once. `NEW_VERSION`: a
    /// new key gives the dict a new version.
    #[inline(always)]
    fn put_simple<const NEW_VERSION: bool>(
        &mut self,
        hash: u64,
        key: Value,
        value: Value,
    ) -> Result<(), (Value, Value)> {
        use indexmap::map::raw_entry_v1::RawEntryMut;
        let text = key.as_str();
        let mut undecided = false;
        if self.map.len() <= SCAN_MAX {
            let at = self
                .map
                .keys()
                .position(|k| simple_eq(k, hash, &key, text, &mut undecided));
            return match at {
                Some(i) => {
                    if let Some((_, v)) = self.map.get_index_mut(i) {
                        *v = value;
                    }
                    Ok(())
                }
                None if undecided => Err((key, value)),
                None => {
                    if NEW_VERSION {
                        self.keys_changed();
                    }
                    if let RawEntryMut::Vacant(e) =
                        self.map.raw_entry_mut_v1().from_hash(mix(hash), |_| false)
                    {
                        e.insert_hashed_nocheck(mix(hash), DictKey { hash, key }, value);
                    }
                    Ok(())
                }
            };
        }
        let entry = self.map.raw_entry_mut_v1().from_hash(mix(hash), |k| {
            simple_eq(k, hash, &key, text, &mut undecided)
        });
        match entry {
            RawEntryMut::Occupied(mut e) => {
                *e.get_mut() = value;
                Ok(())
            }
            RawEntryMut::Vacant(_) if undecided => Err((key, value)),
            RawEntryMut::Vacant(e) => {
                e.insert_hashed_nocheck(mix(hash), DictKey { hash, key }, value);
                if NEW_VERSION {
                    self.keys_changed();
                }
                Ok(())
            }
        }
    }

    /// Index of a key identical (`is`) to `key`.
    pub fn find_identical(&self, hash: u64, key: &Value) -> Option<usize> {
        self.map
            .raw_entry_v1()
            .from_hash_full(mix(hash), |k| k.key.is(key))
            .map(|(i, _, _)| i)
    }

    /// Look up a str key without allocating.
    pub fn get_str(&self, name: &str) -> Option<&Value> {
        let hash = str_hash(name);
        self.map
            .raw_entry_v1()
            .from_hash(mix(hash), |k| {
                k.hash == hash && k.key.as_str() == Some(name)
            })
            .map(|(_, v)| v)
    }

    /// Look up a str key whose hash (`str_hash(name)`) the caller knows.
    #[inline]
    pub fn get_str_hashed(&self, name: &str, hash: u64) -> Option<&Value> {
        self.map
            .raw_entry_v1()
            .from_hash(mix(hash), |k| {
                k.hash == hash && k.key.as_str() == Some(name)
            })
            .map(|(_, v)| v)
    }

    /// `get_str_hashed` for a str value `key` (text `name`): an identical
    /// key object (interned code names) matches without comparing text.
    #[inline]
    pub fn get_name(&self, key: &Value, name: &str, hash: u64) -> Option<&Value> {
        self.map
            .raw_entry_v1()
            .from_hash(mix(hash), |k| {
                k.hash == hash && (k.key.is(key) || k.key.as_str() == Some(name))
            })
            .map(|(_, v)| v)
    }

    /// Whether the str key `key` (text `name`, hash `hash`) is present.
    /// Instance dicts are small: a scan of the stored hashes beats a
    /// probe of the index table, which costs a hash mix and a table walk.
    #[inline]
    pub fn has_name(&self, key: &Value, name: &str, hash: u64) -> bool {
        if self.map.len() <= 8 {
            return self
                .map
                .keys()
                .any(|k| k.hash == hash && (k.key.is(key) || k.key.as_str() == Some(name)));
        }
        self.index_of_name(key, name, hash).is_some()
    }

    /// `get_name`, returning the entry's index.
    #[inline]
    pub fn index_of_name(&self, key: &Value, name: &str, hash: u64) -> Option<usize> {
        self.map
            .raw_entry_v1()
            .from_hash_full(mix(hash), |k| {
                k.hash == hash && (k.key.is(key) || k.key.as_str() == Some(name))
            })
            .map(|(i, _, _)| i)
    }

    /// The value at `i` if that entry's key is the object `key` (a cache
    /// hint checked by identity: interned names).
    #[inline]
    pub fn get_if_key_at(&self, i: usize, key: &Value) -> Option<&Value> {
        match self.map.get_index(i) {
            Some((k, v)) if k.key.is(key) => Some(v),
            _ => None,
        }
    }

    pub fn index_of_str(&self, name: &str) -> Option<usize> {
        let hash = str_hash(name);
        self.map
            .raw_entry_v1()
            .from_hash_full(mix(hash), |k| {
                k.hash == hash && k.key.as_str() == Some(name)
            })
            .map(|(i, _, _)| i)
    }

    /// Insert or replace a str key (the key must be a str value).
    pub fn set_str(&mut self, key: Value, value: Value) {
        let hash = key.as_str_obj().map_or(0, crate::hash::cached_str_hash);
        self.insert_at(None, hash, key, value);
    }

    /// Convenience: insert with a key made from `name`.
    pub fn set_name(&mut self, name: &str, value: Value) {
        match self.index_of_str(name) {
            Some(i) => {
                if let Some(slot) = self.get_index_mut(i) {
                    *slot = value;
                }
            }
            None => {
                let hash = str_hash(name);
                self.keys_changed();
                self.map.insert(
                    DictKey {
                        hash,
                        key: Value::from_str(name),
                    },
                    value,
                );
            }
        }
    }

    /// Insert, replacing the value at `existing` if given (the key object
    /// already there is kept, as Python does).
    pub fn insert_at(&mut self, existing: Option<usize>, hash: u64, key: Value, value: Value) {
        if let Some(i) = existing {
            if let Some(slot) = self.get_index_mut(i) {
                *slot = value;
                return;
            }
        }
        self.insert_full(hash, key, value);
    }

    /// Insert or replace (primitive equality), returning the entry's index.
    pub fn insert_full(&mut self, hash: u64, key: Value, value: Value) -> usize {
        if let Some(i) = self.probe_primitive(hash, &key) {
            if let Some(slot) = self.get_index_mut(i) {
                *slot = value;
            }
            return i;
        }
        self.keys_changed();
        self.map.insert_full(DictKey { hash, key }, value).0
    }

    /// Append a key known to be absent.
    pub fn push_new(&mut self, hash: u64, key: Value, value: Value) {
        use indexmap::map::raw_entry_v1::RawEntryMut;
        self.keys_changed();
        // The key is absent: take the first free slot without comparing.
        if let RawEntryMut::Vacant(e) = self.map.raw_entry_mut_v1().from_hash(mix(hash), |_| false)
        {
            e.insert_hashed_nocheck(mix(hash), DictKey { hash, key }, value);
        }
    }

    fn probe_primitive(&self, hash: u64, key: &Value) -> Option<usize> {
        match self.probe(hash, key) {
            Probe::Found(i) => Some(i),
            _ => None,
        }
    }

    /// Remove the entry at `i`, keeping the order of the others.
    pub fn remove_index(&mut self, i: usize) -> Option<(Value, Value)> {
        self.keys_changed();
        self.map.shift_remove_index(i).map(|(k, v)| (k.key, v))
    }

    pub fn remove_str(&mut self, name: &str) -> Option<Value> {
        let i = self.index_of_str(name)?;
        self.remove_index(i).map(|(_, v)| v)
    }

    /// Remove and return the last entry.
    pub fn pop_last(&mut self) -> Option<(Value, Value)> {
        self.keys_changed();
        self.map.pop().map(|(k, v)| (k.key, v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::primitive_hash;

    fn key(v: Value) -> (u64, Value) {
        (primitive_hash(&v).unwrap_or(0), v)
    }

    #[test]
    fn numeric_keys_coincide() {
        let mut d = Dict::new();
        let (h, k) = key(Value::int(1));
        d.insert_at(None, h, k, Value::from_str("int"));
        let (h, k) = key(Value::float(1.0));
        d.insert_at(None, h, k, Value::from_str("float"));
        let (h, k) = key(Value::bool(true));
        d.insert_at(None, h, k, Value::from_str("bool"));
        assert_eq!(d.len(), 1);
        let (first_key, first_val) = d
            .get_index(0)
            .map(|(k, v)| (k.clone(), v.clone()))
            .unwrap_or_default();
        assert_eq!(first_key.as_small_int(), Some(1));
        assert_eq!(first_val.as_str(), Some("bool"));
    }

    #[test]
    fn order_is_insertion_order() {
        let mut d = Dict::new();
        for name in ["b", "a", "c"] {
            d.set_name(name, Value::none());
        }
        d.remove_str("a");
        d.set_name("a", Value::none());
        let keys: Vec<String> = d
            .keys()
            .filter_map(|k| k.as_str().map(String::from))
            .collect();
        assert_eq!(keys, ["b", "c", "a"]);
        assert!(d.get_str("c").is_some());
        assert!(d.get_str("zz").is_none());
    }
}
