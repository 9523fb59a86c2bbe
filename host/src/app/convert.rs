//! Conversions from the host's request data (`kiln_server`) to the runtime's
//! plain data (`kiln_runtime::host_api`), and the cache adapter that lets
//! scripts reach the host's shared `CacheStore` (which stores the runtime's
//! `Plain` values directly). Pure data; never touches an isolate.

use std::sync::Arc;
use std::time::Duration;

use kiln_runtime::host_api::{Plain, SharedCache};
use kiln_server::app::ParamValue;
use kiln_server::CacheStore;

pub fn param_to_plain(p: ParamValue) -> Plain {
    match p {
        ParamValue::Str(s) => Plain::Str(s),
        ParamValue::Int(i) => Plain::Int(i),
        ParamValue::Float(f) => Plain::Float(f),
    }
}

/// `kiln.cache` on top of the host's shared store.
pub struct HostCache(pub Arc<CacheStore>);

impl SharedCache for HostCache {
    fn get(&self, key: &str) -> Option<Plain> {
        self.0.get(key)
    }

    fn set(&self, key: &str, value: Plain, ttl: Option<Duration>) {
        self.0.set(key, value, ttl);
    }

    fn incr(&self, key: &str, by: i64) -> Result<i64, String> {
        self.0.incr(key, by).map_err(|e| e.to_string())
    }

    fn delete(&self, key: &str) -> bool {
        self.0.delete(key)
    }
}
