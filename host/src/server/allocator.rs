//! The process's allocator: mimalloc, called the way the C library's
//! `malloc` would be for ordinary layouts.
//!
//! The `mimalloc` crate's `GlobalAlloc` sends every allocation through
//! `mi_malloc_aligned`, which costs about 58 instructions per call here
//! against about 20 for `mi_malloc` (callgrind, `kiln run` of a string
//! benchmark: 1.8M allocations). mimalloc already aligns every block to
//! 16 bytes, or to its size for smaller blocks, so the aligned entry point
//! is needed only for larger alignments — the same rule Rust's own
//! `System` allocator applies before calling `malloc`.
//!
//! Why mimalloc at all: about a quarter fewer instructions per scripted
//! request than glibc's malloc (the request path allocates a few dozen
//! small objects), and it hands freed pages back to the system, so parked
//! connections (see `conn.rs`) really shrink the process (both measured
//! with callgrind and `benches/http/idle_rss.py`). Built without
//! transparent huge pages (`no_thp`): with them, its arenas are backed by
//! 2 MiB pages and a small script's resident size doubled (6.8 -> 14.6 MB
//! for `kiln run`).

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys as mi;

/// The alignment every mimalloc block of at least this size has.
const MIN_ALIGN: usize = 16;

pub struct Mimalloc;

/// Whether `mi_malloc` alone gives `layout` its alignment.
#[inline(always)]
fn plain(layout: &Layout) -> bool {
    layout.align() <= MIN_ALIGN && layout.align() <= layout.size()
}

// SAFETY: every method forwards to mimalloc, which returns blocks of at
// least the requested size with the alignment `plain` checks (or asks
// for), or null on failure, as `GlobalAlloc` requires.
unsafe impl GlobalAlloc for Mimalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if plain(&layout) {
            mi::mi_malloc(layout.size()) as *mut u8
        } else {
            mi::mi_malloc_aligned(layout.size(), layout.align()) as *mut u8
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if plain(&layout) {
            mi::mi_zalloc(layout.size()) as *mut u8
        } else {
            mi::mi_zalloc_aligned(layout.size(), layout.align()) as *mut u8
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        mi::mi_free(ptr as *mut c_void);
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if layout.align() <= MIN_ALIGN && layout.align() <= new_size {
            mi::mi_realloc(ptr as *mut c_void, new_size) as *mut u8
        } else {
            mi::mi_realloc_aligned(ptr as *mut c_void, new_size, layout.align()) as *mut u8
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_have_the_alignment_asked_for() {
        let a = Mimalloc;
        for (size, align) in [
            (1, 1),
            (8, 8),
            (24, 8),
            (16, 16),
            (33, 32),
            (100, 64),
            (4096, 4096),
        ] {
            let layout = Layout::from_size_align(size, align).expect("valid layout");
            // SAFETY: a non-zero size; the block is freed with its layout.
            unsafe {
                let p = a.alloc(layout);
                assert!(!p.is_null());
                assert_eq!(p as usize % align, 0, "size {size} align {align}");
                let q = a.realloc(p, layout, size * 3);
                assert!(!q.is_null());
                assert_eq!(q as usize % align, 0, "realloc size {size} align {align}");
                a.dealloc(q, Layout::from_size_align(size * 3, align).expect("valid"));
                let z = a.alloc_zeroed(layout);
                assert!(std::slice::from_raw_parts(z, size).iter().all(|&b| b == 0));
                a.dealloc(z, layout);
            }
        }
    }
}
