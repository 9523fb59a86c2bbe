//! The deadline watchdog: a thread that notices requests still running past
//! their deadline and calls the owning worker's `Interrupter`. A handler stuck
//! in a loop blocks its worker's event loop, so the worker's own timers cannot
//! fire; only another thread can reach the runtime's interrupt flag.
//!
//! Nothing here is shared between workers on the request path: each worker
//! keeps its requests' deadlines in its own list (`WorkerWatch`, used only
//! on its thread) and publishes the earliest one in its own slot, one
//! atomic store. The watchdog thread reads the slots.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::app::Interrupter;

const TICK: Duration = Duration::from_millis(50);
/// A responsive worker answers 504 from its own timer right at the deadline;
/// the watchdog steps in only after this slack, so it does not interrupt a
/// worker that was about to cut the request off itself.
const SLACK: Duration = Duration::from_millis(200);
/// A slot's value when its worker has no request in flight.
const IDLE: u64 = u64::MAX;

/// One worker's published state.
struct Slot {
    /// The earliest deadline among the worker's requests in flight, in
    /// nanoseconds since `State::epoch`, or `IDLE`.
    earliest: AtomicU64,
    interrupter: OnceLock<Interrupter>,
}

struct State {
    epoch: Instant,
    slots: Box<[Slot]>,
    stop: AtomicBool,
}

impl State {
    fn nanos_since_epoch(&self, t: Instant) -> u64 {
        let nanos = t.saturating_duration_since(self.epoch).as_nanos();
        u64::try_from(nanos).unwrap_or(IDLE - 1).min(IDLE - 1)
    }
}

/// Shared by all workers; cheap to clone.
#[derive(Clone)]
pub struct Watchdog {
    state: Arc<State>,
}

impl Watchdog {
    /// A watchdog for workers `0..workers`.
    pub fn new(workers: usize) -> Watchdog {
        let slots = (0..workers)
            .map(|_| Slot {
                earliest: AtomicU64::new(IDLE),
                interrupter: OnceLock::new(),
            })
            .collect();
        Watchdog {
            state: Arc::new(State {
                epoch: Instant::now(),
                slots,
                stop: AtomicBool::new(false),
            }),
        }
    }

    /// Starts the watching thread; it ends after `stop`.
    pub fn spawn(&self) -> std::io::Result<JoinHandle<()>> {
        let state = Arc::clone(&self.state);
        std::thread::Builder::new()
            .name("kiln-watchdog".into())
            .spawn(move || {
                let mut fired = vec![IDLE; state.slots.len()];
                while !state.stop.load(Ordering::Relaxed) {
                    std::thread::sleep(TICK);
                    fire_overdue(&state, Instant::now(), &mut fired);
                }
            })
    }

    pub fn stop(&self) {
        self.state.stop.store(true, Ordering::Relaxed);
    }

    /// Set worker `worker`'s interrupter (once; later calls are ignored).
    pub fn set_interrupter(&self, worker: usize, interrupter: Interrupter) {
        if let Some(slot) = self.state.slots.get(worker) {
            let _ = slot.interrupter.set(interrupter);
        }
    }

    /// The watch list of worker `index`, for use on that worker's thread.
    pub fn worker(&self, index: usize) -> Rc<WorkerWatch> {
        Rc::new(WorkerWatch {
            state: Arc::clone(&self.state),
            index,
            in_flight: RefCell::new(Vec::new()),
            next_id: Cell::new(0),
        })
    }
}

/// One worker's requests in flight with their deadlines.
pub struct WorkerWatch {
    state: Arc<State>,
    index: usize,
    /// (request id, deadline in nanoseconds since the epoch).
    in_flight: RefCell<Vec<(u64, u64)>>,
    next_id: Cell<u64>,
}

impl WorkerWatch {
    /// Watches one request until the guard drops.
    pub fn watch(self: &Rc<Self>, deadline: Instant) -> WatchGuard {
        let id = self.next_id.get();
        self.next_id.set(id.wrapping_add(1));
        let at = self.state.nanos_since_epoch(deadline);
        self.in_flight.borrow_mut().push((id, at));
        self.publish();
        WatchGuard {
            watch: Rc::clone(self),
            id,
        }
    }

    /// Store the earliest deadline in flight in this worker's slot.
    fn publish(&self) {
        let earliest = self
            .in_flight
            .borrow()
            .iter()
            .map(|&(_, at)| at)
            .min()
            .unwrap_or(IDLE);
        if let Some(slot) = self.state.slots.get(self.index) {
            slot.earliest.store(earliest, Ordering::Relaxed);
        }
    }
}

/// Removes its request from the worker's watch list when dropped.
pub struct WatchGuard {
    watch: Rc<WorkerWatch>,
    id: u64,
}

impl Drop for WatchGuard {
    fn drop(&mut self) {
        self.watch
            .in_flight
            .borrow_mut()
            .retain(|&(id, _)| id != self.id);
        self.watch.publish();
    }
}

/// Interrupt every worker whose earliest deadline is overdue by more than
/// `SLACK`, once per deadline (`fired` remembers the last one per slot).
fn fire_overdue(state: &State, now: Instant, fired: &mut [u64]) {
    let now = state.nanos_since_epoch(now);
    let slack = u64::try_from(SLACK.as_nanos()).unwrap_or(u64::MAX);
    for (slot, last) in state.slots.iter().zip(fired.iter_mut()) {
        let earliest = slot.earliest.load(Ordering::Relaxed);
        if earliest == IDLE || earliest.saturating_add(slack) > now || *last == earliest {
            continue;
        }
        *last = earliest;
        if let Some(interrupt) = slot.interrupter.get() {
            interrupt();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    fn counting(dog: &Watchdog, worker: usize) -> Arc<AtomicUsize> {
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&hits);
        dog.set_interrupter(
            worker,
            Arc::new(move || {
                counter.fetch_add(1, Ordering::SeqCst);
            }),
        );
        hits
    }

    #[test]
    fn fires_once_per_overdue_request_and_only_after_the_deadline() {
        let dog = Watchdog::new(5);
        let hits = counting(&dog, 3);
        let mut fired = vec![IDLE; 5];
        let start = Instant::now();
        let three = dog.worker(3);
        let guard = three.watch(start + Duration::from_secs(1));
        fire_overdue(&dog.state, start, &mut fired);
        assert_eq!(hits.load(Ordering::SeqCst), 0);
        fire_overdue(&dog.state, start + Duration::from_secs(2), &mut fired);
        fire_overdue(&dog.state, start + Duration::from_secs(3), &mut fired);
        assert_eq!(hits.load(Ordering::SeqCst), 1);
        drop(guard);
        fire_overdue(&dog.state, start + Duration::from_secs(4), &mut fired);
        assert_eq!(hits.load(Ordering::SeqCst), 1, "nothing in flight");
        let _other = dog.worker(4).watch(start);
        fire_overdue(&dog.state, start + Duration::from_secs(5), &mut fired);
        assert_eq!(
            hits.load(Ordering::SeqCst),
            1,
            "worker 4 has no interrupter"
        );
    }

    #[test]
    fn the_earliest_request_in_flight_counts_and_the_next_one_after_it() {
        let dog = Watchdog::new(1);
        let hits = counting(&dog, 0);
        let mut fired = vec![IDLE; 1];
        let start = Instant::now();
        let watch = dog.worker(0);
        let late = watch.watch(start + Duration::from_secs(10));
        let early = watch.watch(start + Duration::from_secs(1));
        fire_overdue(&dog.state, start + Duration::from_secs(2), &mut fired);
        assert_eq!(hits.load(Ordering::SeqCst), 1);
        // The interrupted request ends; the other is not overdue yet.
        drop(early);
        fire_overdue(&dog.state, start + Duration::from_secs(3), &mut fired);
        assert_eq!(hits.load(Ordering::SeqCst), 1);
        fire_overdue(&dog.state, start + Duration::from_secs(11), &mut fired);
        assert_eq!(hits.load(Ordering::SeqCst), 2);
        drop(late);
        assert_eq!(dog.state.slots[0].earliest.load(Ordering::Relaxed), IDLE);
    }
}
