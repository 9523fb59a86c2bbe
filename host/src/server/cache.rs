//! The shared cache store (`kiln.cache`): one `DashMap` for all workers, the
//! way OpenResty's shared dict serves all nginx workers. Values are plain data
//! copied in and out; entries may carry a time to live.

use std::time::{Duration, Instant};

use dashmap::DashMap;
use thiserror::Error;

use kiln_runtime::host_api::Plain;

#[derive(Debug, Clone)]
struct Entry {
    value: Plain,
    expires_at: Option<Instant>,
}

impl Entry {
    fn is_live(&self, now: Instant) -> bool {
        self.expires_at.is_none_or(|at| now < at)
    }
}

#[derive(Debug, Error, PartialEq)]
pub enum CacheError {
    #[error("cache.incr: the value under {key:?} is not an int")]
    NotAnInt { key: String },
    #[error("cache.incr: integer overflow under {key:?}")]
    Overflow { key: String },
}

/// Thread-safe key/value store with per-entry expiry.
#[derive(Debug, Default)]
pub struct CacheStore {
    entries: DashMap<String, Entry>,
}

impl CacheStore {
    pub fn new() -> CacheStore {
        CacheStore::default()
    }

    /// The live value under `key`, if any (a copy).
    pub fn get(&self, key: &str) -> Option<Plain> {
        let now = Instant::now();
        let found = self
            .entries
            .get(key)
            .map(|e| e.is_live(now).then(|| e.value.clone()));
        match found {
            Some(Some(value)) => Some(value),
            Some(None) => {
                self.entries.remove_if(key, |_, e| !e.is_live(now));
                None
            }
            None => None,
        }
    }

    /// Stores `value`; `ttl` of `None` keeps it until deleted.
    pub fn set(&self, key: &str, value: Plain, ttl: Option<Duration>) {
        let expires_at = ttl.map(|t| Instant::now() + t);
        self.entries
            .insert(key.to_owned(), Entry { value, expires_at });
    }

    /// Atomically adds `by` to the int under `key` (a missing or expired key
    /// counts as 0) and returns the new value. The entry's TTL is kept.
    pub fn incr(&self, key: &str, by: i64) -> Result<i64, CacheError> {
        let now = Instant::now();
        let mut entry = self.entries.entry(key.to_owned()).or_insert_with(|| Entry {
            value: Plain::Int(0),
            expires_at: None,
        });
        if !entry.is_live(now) {
            *entry = Entry {
                value: Plain::Int(0),
                expires_at: None,
            };
        }
        let current = match entry.value {
            Plain::Int(i) => i,
            Plain::Bool(b) => i64::from(b),
            _ => {
                return Err(CacheError::NotAnInt {
                    key: key.to_owned(),
                })
            }
        };
        let next = current
            .checked_add(by)
            .ok_or_else(|| CacheError::Overflow {
                key: key.to_owned(),
            })?;
        entry.value = Plain::Int(next);
        Ok(next)
    }

    /// Removes `key`; true when a live entry was there.
    pub fn delete(&self, key: &str) -> bool {
        let now = Instant::now();
        self.entries
            .remove(key)
            .is_some_and(|(_, e)| e.is_live(now))
    }

    /// Drops expired entries; the server calls it now and then.
    pub fn purge_expired(&self) {
        let now = Instant::now();
        self.entries.retain(|_, e| e.is_live(now));
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn set_get_delete() {
        let cache = CacheStore::new();
        assert_eq!(cache.get("a"), None);
        cache.set("a", Plain::Str("x".into()), None);
        assert_eq!(cache.get("a"), Some(Plain::Str("x".into())));
        assert!(cache.delete("a"));
        assert!(!cache.delete("a"));
        assert_eq!(cache.get("a"), None);
    }

    #[test]
    fn ttl_expires() {
        let cache = CacheStore::new();
        cache.set("t", Plain::Int(1), Some(Duration::from_millis(30)));
        assert_eq!(cache.get("t"), Some(Plain::Int(1)));
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(cache.get("t"), None);
        cache.set("u", Plain::Int(1), Some(Duration::from_millis(1)));
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(cache.incr("u", 2), Ok(2));
        cache.purge_expired();
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn incr_rejects_non_ints_and_overflow() {
        let cache = CacheStore::new();
        cache.set("s", Plain::Str("x".into()), None);
        assert!(matches!(
            cache.incr("s", 1),
            Err(CacheError::NotAnInt { .. })
        ));
        cache.set("m", Plain::Int(i64::MAX), None);
        assert!(matches!(
            cache.incr("m", 1),
            Err(CacheError::Overflow { .. })
        ));
        assert_eq!(cache.incr("new", -3), Ok(-3));
    }

    #[test]
    fn incr_is_atomic_across_threads() {
        let cache = Arc::new(CacheStore::new());
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let cache = Arc::clone(&cache);
                std::thread::spawn(move || {
                    for _ in 0..1000 {
                        cache.incr("hits", 1).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(cache.get("hits"), Some(Plain::Int(8000)));
    }
}
