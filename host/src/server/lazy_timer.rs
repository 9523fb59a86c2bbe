//! A timer looked at on every poll of a connection but polled only when it
//! may have fired: polling a registered tokio `Sleep` costs a waker
//! registration each time, and a busy connection checks its timers on
//! every request.

use std::future::Future;
use std::pin::Pin;
use std::task::Context;

use tokio::time::{Instant, Sleep};

pub struct LazyTimer {
    sleep: Pin<Box<Sleep>>,
    /// The sleep holds this task's waker for its current deadline.
    polled: bool,
}

impl LazyTimer {
    pub fn new(deadline: Instant) -> LazyTimer {
        LazyTimer {
            sleep: Box::pin(tokio::time::sleep_until(deadline)),
            polled: false,
        }
    }

    pub fn reset(&mut self, deadline: Instant) {
        self.sleep.as_mut().reset(deadline);
        self.polled = false;
    }

    /// Whether the deadline has passed; if not, `cx`'s task is woken when
    /// it does. (Polled always on the same task.)
    pub fn fired(&mut self, cx: &mut Context<'_>) -> bool {
        // Once registered, a timer leaves the wheel only by firing.
        if self.polled && !self.sleep.is_elapsed() {
            return false;
        }
        self.polled = true;
        self.sleep.as_mut().poll(cx).is_ready()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::poll_fn;
    use std::task::Poll;
    use std::time::Duration;

    #[test]
    fn fires_at_its_deadline_and_wakes_its_task() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            let mut timer = LazyTimer::new(Instant::now() + Duration::from_millis(20));
            assert!(!poll_fn(|cx| Poll::Ready(timer.fired(cx))).await);
            // Already polled: the cheap check, still not fired.
            assert!(!poll_fn(|cx| Poll::Ready(timer.fired(cx))).await);
            let woken = poll_fn(|cx| match timer.fired(cx) {
                true => Poll::Ready(()),
                false => Poll::Pending,
            });
            assert!(tokio::time::timeout(Duration::from_secs(5), woken)
                .await
                .is_ok());
            timer.reset(Instant::now() + Duration::from_secs(60));
            assert!(!poll_fn(|cx| Poll::Ready(timer.fired(cx))).await);
            assert!(!poll_fn(|cx| Poll::Ready(timer.fired(cx))).await);
        });
    }
}
