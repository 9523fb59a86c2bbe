//! Conversions between the host's plain types (`kiln_server`) and the
//! runtime's (`kiln_runtime::host_api`): cached values, path parameters,
//! responses. Also the cache adapter that lets scripts reach the host's
//! shared `CacheStore`. Pure data; never touches an isolate.

use std::sync::Arc;
use std::time::Duration;

use kiln_runtime::host_api::{Plain, SharedCache};
use kiln_server::app::ParamValue;
use kiln_server::{CacheStore, PlainValue};

pub fn plain_from_host(v: PlainValue) -> Plain {
    match v {
        PlainValue::None => Plain::None,
        PlainValue::Bool(b) => Plain::Bool(b),
        PlainValue::Int(i) => Plain::Int(i),
        PlainValue::Float(f) => Plain::Float(f),
        PlainValue::Str(s) => Plain::Str(s),
        PlainValue::Bytes(b) => Plain::Bytes(b),
        PlainValue::List(items) => Plain::List(items.into_iter().map(plain_from_host).collect()),
        PlainValue::Dict(pairs) => Plain::Dict(
            pairs
                .into_iter()
                .map(|(k, v)| (plain_from_host(k), plain_from_host(v)))
                .collect(),
        ),
    }
}

pub fn plain_to_host(v: Plain) -> PlainValue {
    match v {
        Plain::None => PlainValue::None,
        Plain::Bool(b) => PlainValue::Bool(b),
        Plain::Int(i) => PlainValue::Int(i),
        Plain::Float(f) => PlainValue::Float(f),
        Plain::Str(s) => PlainValue::Str(s),
        Plain::Bytes(b) => PlainValue::Bytes(b),
        Plain::List(items) => PlainValue::List(items.into_iter().map(plain_to_host).collect()),
        Plain::Dict(pairs) => PlainValue::Dict(
            pairs
                .into_iter()
                .map(|(k, v)| (plain_to_host(k), plain_to_host(v)))
                .collect(),
        ),
    }
}

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
        self.0.get(key).map(plain_from_host)
    }

    fn set(&self, key: &str, value: Plain, ttl: Option<Duration>) {
        self.0.set(key, plain_to_host(value), ttl);
    }

    fn incr(&self, key: &str, by: i64) -> Result<i64, String> {
        self.0.incr(key, by).map_err(|e| e.to_string())
    }

    fn delete(&self, key: &str) -> bool {
        self.0.delete(key)
    }
}
