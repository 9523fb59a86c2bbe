//! The static-file cache: what a URL resolved to (the real file, its type,
//! its precompressed siblings), each representation's validators and
//! headers precomputed, and its body as `Bytes` (clones are zero-copy), so a
//! hit costs no system call. Like nginx's `open_file_cache`, an entry is
//! trusted for `revalidate` (default 1 s) after its last check; the next
//! request after that re-resolves the URL and re-stats the files
//! synchronously (a few `stat`s, no reads) and drops the entry if anything
//! changed, so edits show within one window and deleted files 404.
//!
//! Bounds: a body larger than `max_file` is never held (the file keeps
//! streaming from disk; its metadata is still cached), bodies together stay
//! under `max_total` and entries under `MAX_ENTRIES`; past either bound the
//! least recently used entries are evicted. Keys are normalised decoded
//! paths, so different spellings of one URL share an entry.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use dashmap::DashMap;

/// Entries held at most (each is a few hundred bytes without its body).
const MAX_ENTRIES: usize = 16_384;

/// How much the cache may hold and how long an entry is trusted.
#[derive(Debug, Clone, Copy)]
pub struct CacheLimits {
    /// Largest body held in memory; larger files stream from disk.
    pub max_file: u64,
    /// All held bodies together.
    pub max_total: u64,
    /// How long an entry is served without looking at the disk.
    pub revalidate: Duration,
}

impl Default for CacheLimits {
    fn default() -> CacheLimits {
        CacheLimits {
            max_file: 4 * 1024 * 1024,
            max_total: 64 * 1024 * 1024,
            revalidate: Duration::from_secs(1),
        }
    }
}

/// What identifies a version of a file on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub len: u64,
    pub modified: SystemTime,
    inode: u64,
}

impl Stamp {
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(meta);
        #[cfg(not(unix))]
        let inode = 0;
        Stamp {
            len: meta.len(),
            modified: meta.modified().unwrap_or(UNIX_EPOCH),
            inode,
        }
    }

    /// The stamp of a regular file at `path` (following symlinks).
    pub fn read(path: &Path) -> Option<Stamp> {
        std::fs::metadata(path)
            .ok()
            .filter(std::fs::Metadata::is_file)
            .map(|m| Stamp::of(&m))
    }
}

/// One representation of a file: itself, or a `.br`/`.gz` sibling.
#[derive(Debug)]
pub struct Rep {
    pub path: PathBuf,
    pub coding: Option<&'static str>,
    pub stamp: Stamp,
    pub etag: String,
    pub last_modified: String,
    /// The whole body, when the cache holds it.
    pub body: Option<Bytes>,
}

impl Rep {
    pub fn new(path: PathBuf, coding: Option<&'static str>, stamp: Stamp) -> Rep {
        Rep {
            etag: make_etag(stamp.len, stamp.modified, coding),
            last_modified: httpdate::fmt_http_date(stamp.modified),
            path,
            coding,
            stamp,
            body: None,
        }
    }

    fn held_bytes(&self) -> u64 {
        self.body.as_ref().map_or(0, |b| b.len() as u64)
    }
}

pub fn make_etag(len: u64, modified: SystemTime, coding: Option<&str>) -> String {
    let nanos = modified
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    match coding {
        Some(c) => format!("\"{len:x}-{nanos:x}-{c}\""),
        None => format!("\"{len:x}-{nanos:x}\""),
    }
}

/// What one URL path resolved to.
#[derive(Debug)]
pub struct Entry {
    /// The real (canonical) file.
    pub file: PathBuf,
    pub content_type: &'static str,
    pub identity: Rep,
    pub br: Option<Rep>,
    pub gz: Option<Rep>,
    /// Milliseconds since the cache's epoch.
    checked: AtomicU64,
    used: AtomicU64,
}

impl Entry {
    pub fn new(
        file: PathBuf,
        content_type: &'static str,
        identity: Rep,
        br: Option<Rep>,
        gz: Option<Rep>,
    ) -> Entry {
        Entry {
            file,
            content_type,
            identity,
            br,
            gz,
            checked: AtomicU64::new(0),
            used: AtomicU64::new(0),
        }
    }

    pub fn has_siblings(&self) -> bool {
        self.br.is_some() || self.gz.is_some()
    }

    fn reps(&self) -> impl Iterator<Item = &Rep> {
        std::iter::once(&self.identity)
            .chain(self.br.as_ref())
            .chain(self.gz.as_ref())
    }

    fn held_bytes(&self) -> u64 {
        self.reps().map(Rep::held_bytes).sum()
    }

    /// True while the files on disk are the ones this entry describes.
    pub fn matches_disk(&self) -> bool {
        let sibling_matches = |rep: &Option<Rep>, ext: &str| {
            let now = Stamp::read(&sibling_path(&self.file, ext));
            now == rep.as_ref().map(|r| r.stamp)
        };
        Stamp::read(&self.file) == Some(self.identity.stamp)
            && sibling_matches(&self.br, ".br")
            && sibling_matches(&self.gz, ".gz")
    }
}

/// `file` with `ext` appended (`a.css` -> `a.css.gz`).
pub fn sibling_path(file: &Path, ext: &str) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(ext);
    PathBuf::from(name)
}

/// What a lookup found.
pub enum Lookup {
    /// Trusted without looking at the disk.
    Fresh(Arc<Entry>),
    /// Past its window: the caller checks the disk, then `confirm`s or
    /// `remove`s it.
    Stale(Arc<Entry>),
    Missing,
}

#[derive(Debug)]
pub struct FileCache {
    limits: CacheLimits,
    entries: DashMap<String, Arc<Entry>>,
    /// Body bytes held by the entries in the map.
    held: AtomicU64,
    epoch: Instant,
}

impl FileCache {
    pub fn new(limits: CacheLimits) -> FileCache {
        FileCache {
            limits,
            entries: DashMap::new(),
            held: AtomicU64::new(0),
            epoch: Instant::now(),
        }
    }

    pub fn limits(&self) -> CacheLimits {
        self.limits
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    pub fn lookup(&self, key: &str) -> Lookup {
        let Some(entry) = self.entries.get(key).map(|e| Arc::clone(e.value())) else {
            return Lookup::Missing;
        };
        let now = self.now_ms();
        entry.used.store(now, Ordering::Relaxed);
        let window = u64::try_from(self.limits.revalidate.as_millis()).unwrap_or(u64::MAX);
        if now.saturating_sub(entry.checked.load(Ordering::Relaxed)) < window {
            Lookup::Fresh(entry)
        } else {
            Lookup::Stale(entry)
        }
    }

    /// The disk still matches `entry`: trust it for another window.
    pub fn confirm(&self, entry: &Entry) {
        entry.checked.store(self.now_ms(), Ordering::Relaxed);
    }

    pub fn remove(&self, key: &str) {
        if let Some((_, old)) = self.entries.remove(key) {
            self.held.fetch_sub(old.held_bytes(), Ordering::AcqRel);
        }
    }

    /// Whether a body of `len` bytes may be held; reserves room for it
    /// (evicting least recently used entries) when it may.
    pub fn reserve(&self, len: u64) -> bool {
        if len > self.limits.max_file || len > self.limits.max_total {
            return false;
        }
        loop {
            let held = self.held.load(Ordering::Acquire);
            if held + len <= self.limits.max_total {
                if self
                    .held
                    .compare_exchange(held, held + len, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok()
                {
                    return true;
                }
                continue;
            }
            if !self.evict_one() {
                return false;
            }
        }
    }

    /// Gives back room reserved for a body that was not kept.
    pub fn unreserve(&self, len: u64) {
        self.held.fetch_sub(len, Ordering::AcqRel);
    }

    /// Stores `entry` (its bodies' room already reserved), trusted from now.
    pub fn insert(&self, key: String, entry: Entry) -> Arc<Entry> {
        entry.checked.store(self.now_ms(), Ordering::Relaxed);
        entry.used.store(self.now_ms(), Ordering::Relaxed);
        while self.entries.len() >= MAX_ENTRIES && !self.entries.contains_key(&key) {
            if !self.evict_one() {
                break;
            }
        }
        let entry = Arc::new(entry);
        if let Some(old) = self.entries.insert(key, Arc::clone(&entry)) {
            self.held.fetch_sub(old.held_bytes(), Ordering::AcqRel);
        }
        entry
    }

    /// Drops the least recently used entry; false when there is none.
    fn evict_one(&self) -> bool {
        let victim = self
            .entries
            .iter()
            .min_by_key(|e| e.value().used.load(Ordering::Relaxed))
            .map(|e| e.key().clone());
        match victim {
            Some(key) => {
                self.remove(&key);
                true
            }
            None => false,
        }
    }

    /// Body bytes held now (for tests and metrics).
    pub fn held_bytes(&self) -> u64 {
        self.held.load(Ordering::Acquire)
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

    fn entry(body: &'static [u8]) -> Entry {
        let stamp = Stamp {
            len: body.len() as u64,
            modified: UNIX_EPOCH,
            inode: 1,
        };
        let mut rep = Rep::new(PathBuf::from("/x"), None, stamp);
        rep.body = Some(Bytes::from_static(body));
        Entry::new(PathBuf::from("/x"), "text/plain", rep, None, None)
    }

    #[test]
    fn bounds_and_lru_eviction() {
        let cache = FileCache::new(CacheLimits {
            max_file: 10,
            max_total: 20,
            revalidate: Duration::from_secs(60),
        });
        assert!(!cache.reserve(11), "per-file bound");
        assert!(cache.reserve(10));
        cache.insert("/a".into(), entry(b"aaaaaaaaaa"));
        std::thread::sleep(Duration::from_millis(5));
        assert!(cache.reserve(10));
        cache.insert("/b".into(), entry(b"bbbbbbbbbb"));
        assert!(matches!(cache.lookup("/b"), Lookup::Fresh(_)));
        assert_eq!(cache.held_bytes(), 20);
        // Full: room for a third comes from the least recently used, /a.
        assert!(cache.reserve(10));
        cache.insert("/c".into(), entry(b"cccccccccc"));
        assert!(matches!(cache.lookup("/a"), Lookup::Missing));
        assert_eq!(cache.held_bytes(), 20);
        cache.remove("/b");
        cache.remove("/c");
        assert_eq!(cache.held_bytes(), 0);
        assert!(cache.is_empty());
    }

    #[test]
    fn entries_go_stale_after_the_window() {
        let cache = FileCache::new(CacheLimits {
            revalidate: Duration::from_millis(20),
            ..CacheLimits::default()
        });
        cache.insert("/a".into(), entry(b""));
        assert!(matches!(cache.lookup("/a"), Lookup::Fresh(_)));
        std::thread::sleep(Duration::from_millis(30));
        let Lookup::Stale(e) = cache.lookup("/a") else {
            panic!("expected a stale entry");
        };
        cache.confirm(&e);
        assert!(matches!(cache.lookup("/a"), Lookup::Fresh(_)));
    }
}
