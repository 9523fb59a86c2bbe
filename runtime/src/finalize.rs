//! Generator finalisation: a suspended generator whose last reference goes
//! away is closed (GeneratorExit thrown in, so its `finally` blocks and
//! `with` exits run), as CPython does when its refcount reaches zero.
//!
//! Script code must never run inside `Drop`, so `GenObj`'s drop only moves
//! the suspended frame into a fresh generator object on a per-thread queue;
//! the interpreter drains the queue at safe points (before calls, which is
//! before any output can happen, and when a program finishes). This module
//! never runs script code from `Drop` and never touches another thread's
//! queue.

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::frame::Frame;
use crate::object::{GenObj, Payload};
use crate::value::Value;
use crate::vm::Vm;

/// Generators queued on all threads (lets the hot check be one load).
static QUEUED: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static PENDING: RefCell<Vec<Value>> = const { RefCell::new(Vec::new()) };
}

/// Whether any thread has generators waiting to be closed.
#[inline(always)]
fn any_pending() -> bool {
    QUEUED.load(Ordering::Relaxed) != 0
}

/// Whether closing a frame suspended at its current instruction could run
/// code: only if a handler (`try`, `with`) covers the suspension point.
fn needs_close(frame: &Frame) -> bool {
    frame.pc != 0
        && frame
            .code()
            .handler_for(frame.pc.saturating_sub(1))
            .is_some()
}

/// Called from `GenObj`'s drop: queue the suspended frame for closing.
pub fn defer(gen: &GenObj) {
    let Ok(mut slot) = gen.frame.try_borrow_mut() else {
        return;
    };
    let Some(frame) = slot.take() else {
        return;
    };
    if !needs_close(&frame) {
        return;
    }
    let revived = Value::new_heap(Payload::Generator(GenObj {
        frame: RefCell::new(Some(frame)),
        running: std::cell::Cell::new(false),
        name: gen.name.clone(),
        qualname: gen.qualname.clone(),
        is_coroutine: gen.is_coroutine,
    }));
    let queued = PENDING.try_with(|p| {
        if let Ok(mut p) = p.try_borrow_mut() {
            p.push(revived);
            QUEUED.fetch_add(1, Ordering::Relaxed);
        }
    });
    // Thread teardown: nothing can run any more, drop silently.
    let _ = queued;
}

fn take_one() -> Option<Value> {
    PENDING
        .try_with(|p| {
            let mut p = p.try_borrow_mut().ok()?;
            let g = p.pop()?;
            QUEUED.fetch_sub(1, Ordering::Relaxed);
            Some(g)
        })
        .ok()
        .flatten()
}

/// Close every queued generator of this thread, oldest first within each
/// batch. Errors are reported on stderr as CPython's "Exception ignored"
/// and never propagate.
///
/// Called before every call instruction, so the common case (nothing
/// queued) is one relaxed load, inlined; the draining stays out of line.
#[inline]
pub fn run_pending(vm: &mut Vm) {
    if any_pending() {
        close_queued(vm);
    }
}

#[cold]
fn close_queued(vm: &mut Vm) {
    while let Some(first) = take_one() {
        let mut batch = vec![first];
        while let Some(g) = take_one() {
            batch.push(g);
        }
        // Queued in drop order; `take_one` pops the newest first.
        for g in batch.into_iter().rev() {
            close_one(vm, &g);
        }
    }
}

fn close_one(vm: &mut Vm, g: &Value) {
    if let Err(mut err) = vm.gen_close(g) {
        let exc = vm.exc_value(&mut err);
        let what = vm.repr(g).unwrap_or_else(|_| "<generator>".to_string());
        let text = vm.format_exception(&exc);
        let _ = vm.flush();
        eprint!("Exception ignored in: {what}\n{text}");
    }
    // A generator that ignored GeneratorExit stays suspended; forget it so
    // dropping it does not queue it again.
    if let Some(Payload::Generator(gen)) = g.payload() {
        if let Ok(mut f) = gen.frame.try_borrow_mut() {
            f.take();
        }
    }
}

impl Drop for GenObj {
    fn drop(&mut self) {
        defer(self);
    }
}
