//! `kiln.cache` natives: `_cache_get/_cache_set/_cache_incr/_cache_delete`
//! over the store the host installs for this thread (`install_cache`); the
//! store is shared by every worker, so values cross it as `Plain` copies.
//! Without a host (e.g. `kiln run`) a per-thread in-memory store is used.
//! Never holds a script value inside the store.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::{PyErr, PyResult};
use crate::host_api::{from_plain, to_plain, Plain};
use crate::int::as_i64;
use crate::native::{check_args, kwarg};
use crate::value::Value;
use crate::vm::Vm;

/// The store behind `kiln.cache`, implemented by the host.
pub trait SharedCache: Send + Sync {
    fn get(&self, key: &str) -> Option<Plain>;
    fn set(&self, key: &str, value: Plain, ttl: Option<Duration>);
    /// Atomically adds `by`; an error message when the value is not an int.
    fn incr(&self, key: &str, by: i64) -> Result<i64, String>;
    fn delete(&self, key: &str) -> bool;
}

thread_local! {
    static CACHE: RefCell<Option<Arc<dyn SharedCache>>> = const { RefCell::new(None) };
}

/// Makes `cache` on this thread use `store` (the host calls it on each
/// worker thread before loading scripts).
pub fn install_cache(store: Arc<dyn SharedCache>) {
    CACHE.with(|c| *c.borrow_mut() = Some(store));
}

fn store() -> Arc<dyn SharedCache> {
    CACHE.with(|c| {
        let mut slot = c.borrow_mut();
        match &*slot {
            Some(store) => Arc::clone(store),
            None => {
                let local: Arc<dyn SharedCache> = Arc::new(LocalCache::default());
                *slot = Some(Arc::clone(&local));
                local
            }
        }
    })
}

/// The fallback store for scripts run without a host.
#[derive(Default)]
struct LocalCache {
    entries: Mutex<HashMap<String, (Plain, Option<Instant>)>>,
}

impl LocalCache {
    fn live(entry: &(Plain, Option<Instant>)) -> bool {
        entry.1.is_none_or(|at| Instant::now() < at)
    }
}

impl SharedCache for LocalCache {
    fn get(&self, key: &str) -> Option<Plain> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|e| LocalCache::live(e))
            .map(|e| e.0.clone())
    }

    fn set(&self, key: &str, value: Plain, ttl: Option<Duration>) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(key.to_owned(), (value, ttl.map(|t| Instant::now() + t)));
        }
    }

    fn incr(&self, key: &str, by: i64) -> Result<i64, String> {
        let mut entries = self
            .entries
            .lock()
            .map_err(|_| "cache poisoned".to_owned())?;
        let current = match entries.get(key).filter(|e| LocalCache::live(e)) {
            None => 0,
            Some((Plain::Int(i), _)) => *i,
            Some(_) => return Err(format!("cache.incr: the value under {key:?} is not an int")),
        };
        let next = current
            .checked_add(by)
            .ok_or_else(|| format!("cache.incr: integer overflow under {key:?}"))?;
        let expiry = entries.get(key).and_then(|e| e.1);
        entries.insert(key.to_owned(), (Plain::Int(next), expiry));
        Ok(next)
    }

    fn delete(&self, key: &str) -> bool {
        self.entries
            .lock()
            .map(|mut e| e.remove(key).is_some())
            .unwrap_or(false)
    }
}

fn key_of(vm: &mut Vm, v: &Value) -> PyResult<String> {
    match v.as_str() {
        Some(s) => Ok(s.to_owned()),
        None => Err(PyErr::type_error(format!(
            "cache keys must be str, not {}",
            vm.type_name(v)
        ))),
    }
}

fn ttl_of(v: Option<&Value>) -> PyResult<Option<Duration>> {
    let Some(v) = v.filter(|v| !v.is_none()) else {
        return Ok(None);
    };
    let secs = match (v.as_float(), as_i64(v)) {
        (Some(f), _) => f,
        (None, Some(i)) => i as f64,
        _ => return Err(PyErr::type_error("ttl must be a number of seconds or None")),
    };
    if !secs.is_finite() || secs < 0.0 {
        return Err(PyErr::value_error("ttl must be a non-negative number"));
    }
    Ok(Some(Duration::from_secs_f64(secs.min(1e9))))
}

/// `_cache_get(key, default)`.
pub fn cache_get(vm: &mut Vm, args: &[Value], _kw: &[(Value, Value)]) -> PyResult<Value> {
    check_args("cache.get", args, 1, 2)?;
    let key = key_of(vm, &args[0])?;
    match store().get(&key) {
        Some(plain) => from_plain(vm, &plain),
        None => Ok(args.get(1).cloned().unwrap_or_default()),
    }
}

/// `_cache_set(key, value, ttl=None)`.
pub fn cache_set(vm: &mut Vm, args: &[Value], kw: &[(Value, Value)]) -> PyResult<Value> {
    check_args("cache.set", args, 2, 3)?;
    let key = key_of(vm, &args[0])?;
    let value = to_plain(vm, &args[1])?;
    let ttl = ttl_of(args.get(2).or_else(|| kwarg(kw, "ttl")))?;
    store().set(&key, value, ttl);
    Ok(Value::none())
}

/// `_cache_incr(key, by)`.
pub fn cache_incr(vm: &mut Vm, args: &[Value], _kw: &[(Value, Value)]) -> PyResult<Value> {
    check_args("cache.incr", args, 1, 2)?;
    let key = key_of(vm, &args[0])?;
    let by = match args.get(1) {
        None => 1,
        Some(v) => as_i64(v).ok_or_else(|| PyErr::type_error("cache.incr: by must be an int"))?,
    };
    store()
        .incr(&key, by)
        .map(Value::int)
        .map_err(PyErr::value_error)
}

/// `_cache_delete(key)`.
pub fn cache_delete(vm: &mut Vm, args: &[Value], _kw: &[(Value, Value)]) -> PyResult<Value> {
    check_args("cache.delete", args, 1, 1)?;
    let key = key_of(vm, &args[0])?;
    Ok(Value::bool(store().delete(&key)))
}
