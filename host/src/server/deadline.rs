//! The deadline watchdog: a thread that notices requests still running past
//! their deadline and calls the owning worker's `Interrupter`. A handler stuck
//! in a loop blocks its worker's event loop, so the worker's own timers cannot
//! fire; only another thread can reach the runtime's interrupt flag.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::app::Interrupter;

const TICK: Duration = Duration::from_millis(50);
/// A responsive worker answers 504 from its own timer right at the deadline;
/// the watchdog steps in only after this slack, so it does not interrupt a
/// worker that was about to cut the request off itself.
const SLACK: Duration = Duration::from_millis(200);

struct Watched {
    worker: usize,
    deadline: Instant,
    fired: bool,
}

#[derive(Default)]
struct State {
    watched: Mutex<HashMap<u64, Watched>>,
    interrupters: Mutex<HashMap<usize, Interrupter>>,
    next_id: AtomicU64,
    stop: AtomicBool,
}

/// Shared by all workers; cheap to clone.
#[derive(Clone, Default)]
pub struct Watchdog {
    state: Arc<State>,
}

/// Removes its request from the watch list when dropped.
pub struct WatchGuard {
    state: Arc<State>,
    id: u64,
}

impl Drop for WatchGuard {
    fn drop(&mut self) {
        self.state
            .watched
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.id);
    }
}

impl Watchdog {
    pub fn new() -> Watchdog {
        Watchdog::default()
    }

    /// Starts the watching thread; it ends after `stop`.
    pub fn spawn(&self) -> std::io::Result<JoinHandle<()>> {
        let state = Arc::clone(&self.state);
        std::thread::Builder::new()
            .name("kiln-watchdog".into())
            .spawn(move || {
                while !state.stop.load(Ordering::Relaxed) {
                    std::thread::sleep(TICK);
                    fire_overdue(&state, Instant::now());
                }
            })
    }

    pub fn stop(&self) {
        self.state.stop.store(true, Ordering::Relaxed);
    }

    pub fn set_interrupter(&self, worker: usize, interrupter: Interrupter) {
        self.state
            .interrupters
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(worker, interrupter);
    }

    /// Watches one request until the guard drops.
    pub fn watch(&self, worker: usize, deadline: Instant) -> WatchGuard {
        let id = self.state.next_id.fetch_add(1, Ordering::Relaxed);
        self.state
            .watched
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(
                id,
                Watched {
                    worker,
                    deadline,
                    fired: false,
                },
            );
        WatchGuard {
            state: Arc::clone(&self.state),
            id,
        }
    }

    #[cfg(test)]
    fn check_now(&self, now: Instant) {
        fire_overdue(&self.state, now);
    }
}

fn fire_overdue(state: &State, now: Instant) {
    let mut overdue = Vec::new();
    {
        let mut watched = state.watched.lock().unwrap_or_else(PoisonError::into_inner);
        for entry in watched.values_mut() {
            if !entry.fired && entry.deadline + SLACK <= now {
                entry.fired = true;
                overdue.push(entry.worker);
            }
        }
    }
    if overdue.is_empty() {
        return;
    }
    let interrupters = state
        .interrupters
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    overdue.sort_unstable();
    overdue.dedup();
    for worker in overdue {
        if let Some(interrupt) = interrupters.get(&worker) {
            interrupt();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn fires_once_per_overdue_request_and_only_after_the_deadline() {
        let dog = Watchdog::new();
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&hits);
        dog.set_interrupter(
            3,
            Arc::new(move || {
                counter.fetch_add(1, Ordering::SeqCst);
            }),
        );
        let start = Instant::now();
        let guard = dog.watch(3, start + Duration::from_secs(1));
        dog.check_now(start);
        assert_eq!(hits.load(Ordering::SeqCst), 0);
        dog.check_now(start + Duration::from_secs(2));
        dog.check_now(start + Duration::from_secs(3));
        assert_eq!(hits.load(Ordering::SeqCst), 1);
        drop(guard);
        let _other = dog.watch(4, start);
        dog.check_now(start + Duration::from_secs(5));
        assert_eq!(
            hits.load(Ordering::SeqCst),
            1,
            "worker 4 has no interrupter"
        );
    }
}
