//! A worker's shutdown flag as its connections see it. A connection looks
//! at it on every poll, so looking is a `Cell` read; a connection leaves
//! its waker once, not on every poll (as polling a `watch` receiver's
//! future would), and is woken when the flag is raised.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::task::{Context, Waker};

use rustc_hash::FxHashMap;

/// Single-threaded: one per worker.
#[derive(Default)]
pub struct StopSignal {
    stopped: Cell<bool>,
    next_id: Cell<u64>,
    wakers: RefCell<FxHashMap<u64, Waker>>,
}

impl StopSignal {
    pub fn new() -> Rc<StopSignal> {
        Rc::new(StopSignal::default())
    }

    /// Raises the flag and wakes every subscribed connection.
    pub fn stop(&self) {
        self.stopped.set(true);
        let wakers = std::mem::take(&mut *self.wakers.borrow_mut());
        for waker in wakers.into_values() {
            waker.wake();
        }
    }

    pub fn subscribe(self: &Rc<Self>) -> Subscription {
        let id = self.next_id.get();
        self.next_id.set(id.wrapping_add(1));
        Subscription {
            signal: Rc::clone(self),
            id,
            waker: None,
        }
    }
}

/// One connection's interest in the flag; unsubscribes when dropped.
pub struct Subscription {
    signal: Rc<StopSignal>,
    id: u64,
    /// The waker left with the signal, if any.
    waker: Option<Waker>,
}

impl Subscription {
    /// Whether the flag is raised; if not, `cx`'s task is woken when it is.
    pub fn poll_stopped(&mut self, cx: &Context<'_>) -> bool {
        if self.signal.stopped.get() {
            return true;
        }
        if !self.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            let waker = cx.waker().clone();
            self.signal
                .wakers
                .borrow_mut()
                .insert(self.id, waker.clone());
            self.waker = Some(waker);
        }
        false
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if self.waker.is_some() {
            self.signal.wakers.borrow_mut().remove(&self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Wake;

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn wakes_subscribers_once_and_forgets_dropped_ones() {
        let signal = StopSignal::new();
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(Arc::clone(&count));
        let cx = Context::from_waker(&waker);
        let mut kept = signal.subscribe();
        let mut dropped = signal.subscribe();
        assert!(!kept.poll_stopped(&cx));
        assert!(!kept.poll_stopped(&cx));
        assert!(!dropped.poll_stopped(&cx));
        drop(dropped);
        assert_eq!(signal.wakers.borrow().len(), 1);
        signal.stop();
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert!(kept.poll_stopped(&cx));
    }
}
