//! Request metrics (counters and latency histograms per route and status, an
//! in-flight gauge) and the JIT counters the runtime feeds, rendered as
//! Prometheus text for `GET /__kiln/metrics`.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use rustc_hash::FxHashMap;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Counts per bucket, each observation in its smallest bucket only (one
/// comparison for a fast request); rendering makes them cumulative.
#[derive(Debug, Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    total: u64,
    sum_seconds: f64,
}

impl Histogram {
    fn merge(&mut self, other: &Histogram) {
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts) {
            *mine += theirs;
        }
        self.total += other.total;
        self.sum_seconds += other.sum_seconds;
    }

    fn observe(&mut self, seconds: f64) {
        // Past the last bound (or NaN) it is counted in `+Inf` only.
        if let Some(at) = BUCKETS.iter().position(|bound| seconds <= *bound) {
            self.counts[at] += 1;
        }
        self.total += 1;
        self.sum_seconds += seconds;
    }

    /// Observations at or under each bound, as Prometheus reports them.
    fn cumulative(&self) -> [u64; BUCKETS.len()] {
        let mut running = 0;
        self.counts.map(|n| {
            running += n;
            running
        })
    }
}

/// Process-wide JIT statistics; the runtime adds to them from any thread.
#[derive(Debug, Default)]
pub struct JitStats {
    pub compilations: AtomicU64,
    pub deopts: AtomicU64,
    pub compile_nanos: AtomicU64,
}

static JIT_STATS: JitStats = JitStats {
    compilations: AtomicU64::new(0),
    deopts: AtomicU64::new(0),
    compile_nanos: AtomicU64::new(0),
};

/// The counters the runtime's JIT reports into.
pub fn jit_stats() -> &'static JitStats {
    &JIT_STATS
}

impl JitStats {
    pub fn record_compilation(&self, took: Duration) {
        self.compilations.fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        self.compile_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    pub fn record_deopt(&self) {
        self.deopts.fetch_add(1, Ordering::Relaxed);
    }
}

/// One route's counters: requests by (method, status), and latency.
#[derive(Debug, Default)]
struct RouteStats {
    /// A handful of entries per route, so a scan beats hashing.
    counts: Vec<(String, u16, u64)>,
    latency: Histogram,
}

impl RouteStats {
    fn merge(&mut self, other: &RouteStats) {
        for (method, status, n) in &other.counts {
            match self
                .counts
                .iter_mut()
                .find(|(m, s, _)| s == status && m == method)
            {
                Some(entry) => entry.2 += n,
                None => self.counts.push((method.clone(), *status, *n)),
            }
        }
        self.latency.merge(&other.latency);
    }

    fn add(&mut self, method: &str, status: u16, seconds: f64) {
        match self
            .counts
            .iter_mut()
            .find(|(m, s, _)| *s == status && m == method)
        {
            Some(entry) => entry.2 += 1,
            None => self.counts.push((method.to_owned(), status, 1)),
        }
        self.latency.observe(seconds);
    }
}

/// One worker's share of the request metrics: only that worker records
/// into it, so its lock is uncontended except while metrics are rendered.
#[derive(Debug, Default)]
struct Shard {
    routes: FxHashMap<String, RouteStats>,
}

/// A worker's in-flight gauge, on its own cache line so that workers do
/// not share one.
#[derive(Debug, Default)]
#[repr(align(128))]
struct Gauge(AtomicI64);

/// Request metrics, one shard per worker (summed when rendered): recording
/// a request touches no lock or counter another worker writes, and
/// allocates nothing once its route, method and status have been seen.
#[derive(Debug)]
pub struct Metrics {
    shards: Box<[Mutex<Shard>]>,
    in_flight: Box<[Gauge]>,
}

impl Metrics {
    /// Metrics for workers `0..workers` (at least one shard).
    pub fn new(workers: usize) -> Metrics {
        let n = workers.max(1);
        Metrics {
            shards: (0..n).map(|_| Mutex::default()).collect(),
            in_flight: (0..n).map(|_| Gauge::default()).collect(),
        }
    }

    fn shard(&self, worker: usize) -> MutexGuard<'_, Shard> {
        let shard = &self.shards[worker % self.shards.len()];
        shard.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn record(&self, worker: usize, route: &str, method: &str, status: u16, took: Duration) {
        let seconds = took.as_secs_f64();
        let mut shard = self.shard(worker);
        if let Some(stats) = shard.routes.get_mut(route) {
            stats.add(method, status, seconds);
            return;
        }
        shard
            .routes
            .entry(route.to_owned())
            .or_default()
            .add(method, status, seconds);
    }

    pub fn request_started(&self, worker: usize) {
        self.in_flight[worker % self.in_flight.len()]
            .0
            .fetch_add(1, Ordering::Relaxed);
    }

    pub fn request_finished(&self, worker: usize) {
        self.in_flight[worker % self.in_flight.len()]
            .0
            .fetch_sub(1, Ordering::Relaxed);
    }

    pub fn in_flight(&self) -> i64 {
        self.in_flight
            .iter()
            .map(|g| g.0.load(Ordering::Relaxed))
            .sum()
    }

    /// Every worker's routes summed: route → (counts, latency).
    fn merged(&self) -> BTreeMap<String, RouteStats> {
        let mut all: BTreeMap<String, RouteStats> = BTreeMap::new();
        for worker in 0..self.shards.len() {
            for (route, stats) in &self.shard(worker).routes {
                all.entry(route.clone()).or_default().merge(stats);
            }
        }
        all
    }

    /// Total requests counted so far.
    pub fn total_requests(&self) -> u64 {
        self.merged()
            .values()
            .flat_map(|stats| stats.counts.iter().map(|c| c.2))
            .sum()
    }

    /// Prometheus text exposition format, version 0.0.4.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        out.push_str(
            "# HELP kiln_requests_total HTTP requests handled, by route, method and status.\n",
        );
        out.push_str("# TYPE kiln_requests_total counter\n");
        let routes = self.merged();
        let mut rows: Vec<((&str, &str, u16), u64)> = routes
            .iter()
            .flat_map(|(route, stats)| {
                stats
                    .counts
                    .iter()
                    .map(|(m, s, n)| ((route.as_str(), m.as_str(), *s), *n))
            })
            .collect();
        rows.sort();
        for ((route, method, status), count) in rows {
            let _ = writeln!(
                out,
                "kiln_requests_total{{route=\"{}\",method=\"{}\",status=\"{status}\"}} {count}",
                escape_label(route),
                escape_label(method)
            );
        }
        out.push_str(
            "# HELP kiln_request_duration_seconds Time from request head to response, by route.\n",
        );
        out.push_str("# TYPE kiln_request_duration_seconds histogram\n");
        // A BTreeMap: routes come out sorted.
        for (route, stats) in &routes {
            let h = &stats.latency;
            let (counts, total, sum) = (h.cumulative(), h.total, h.sum_seconds);
            let route = escape_label(route);
            for (bound, count) in BUCKETS.iter().zip(counts) {
                let _ = writeln!(out, "kiln_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {count}");
            }
            let _ = writeln!(
                out,
                "kiln_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {total}"
            );
            let _ = writeln!(
                out,
                "kiln_request_duration_seconds_sum{{route=\"{route}\"}} {sum}"
            );
            let _ = writeln!(
                out,
                "kiln_request_duration_seconds_count{{route=\"{route}\"}} {total}"
            );
        }
        out.push_str("# HELP kiln_requests_in_flight Requests being handled now.\n");
        out.push_str("# TYPE kiln_requests_in_flight gauge\n");
        let _ = writeln!(out, "kiln_requests_in_flight {}", self.in_flight());
        let jit = jit_stats();
        out.push_str("# HELP kiln_jit_compilations_total Functions compiled by the JIT.\n");
        out.push_str("# TYPE kiln_jit_compilations_total counter\n");
        let _ = writeln!(
            out,
            "kiln_jit_compilations_total {}",
            jit.compilations.load(Ordering::Relaxed)
        );
        out.push_str("# HELP kiln_jit_deopts_total Deoptimisations (failed JIT guards).\n");
        out.push_str("# TYPE kiln_jit_deopts_total counter\n");
        let _ = writeln!(
            out,
            "kiln_jit_deopts_total {}",
            jit.deopts.load(Ordering::Relaxed)
        );
        out.push_str("# HELP kiln_jit_compile_seconds_total Time spent compiling.\n");
        out.push_str("# TYPE kiln_jit_compile_seconds_total counter\n");
        let seconds = jit.compile_nanos.load(Ordering::Relaxed) as f64 / 1e9;
        let _ = writeln!(out, "kiln_jit_compile_seconds_total {seconds}");
        out
    }
}

fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_histograms_and_gauges() {
        let m = Metrics::new(2);
        // Two workers' shards, summed in the output.
        m.record(0, "/users/<int:id>", "GET", 200, Duration::from_millis(3));
        m.record(1, "/users/<int:id>", "GET", 200, Duration::from_millis(30));
        m.record(1, "unmatched", "GET", 404, Duration::from_micros(100));
        m.request_started(0);
        m.request_started(1);
        m.request_finished(0);
        let text = m.render();
        assert!(text.contains("# TYPE kiln_requests_total counter"));
        assert!(text.contains(
            "kiln_requests_total{route=\"/users/<int:id>\",method=\"GET\",status=\"200\"} 2"
        ));
        assert!(text
            .contains("kiln_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1"));
        assert!(text.contains(
            "kiln_request_duration_seconds_bucket{route=\"/users/<int:id>\",le=\"0.005\"} 1"
        ));
        assert!(text.contains(
            "kiln_request_duration_seconds_bucket{route=\"/users/<int:id>\",le=\"0.05\"} 2"
        ));
        assert!(text.contains("kiln_request_duration_seconds_count{route=\"/users/<int:id>\"} 2"));
        assert!(text.contains("kiln_requests_in_flight 1"));
        assert!(text.contains("kiln_jit_deopts_total"));
        assert_eq!(m.total_requests(), 3);
    }

    #[test]
    fn histogram_buckets_are_cumulative() {
        let mut h = Histogram::default();
        for seconds in [0.0001, 0.0005, 0.003, 0.2, 11.0, f64::NAN] {
            h.observe(seconds);
        }
        let cumulative = h.cumulative();
        assert_eq!(cumulative[0], 2);
        assert_eq!(cumulative[3], 3);
        assert_eq!(cumulative[8], 4);
        assert_eq!(cumulative[BUCKETS.len() - 1], 4);
        assert_eq!(h.total, 6);
    }

    #[test]
    fn labels_are_escaped() {
        assert_eq!(escape_label("a\"b\\c\n"), "a\\\"b\\\\c\\n");
    }

    #[test]
    fn jit_stats_accumulate() {
        let before = jit_stats().compilations.load(Ordering::Relaxed);
        jit_stats().record_compilation(Duration::from_millis(2));
        jit_stats().record_deopt();
        assert!(jit_stats().compilations.load(Ordering::Relaxed) > before);
        assert!(Metrics::new(1)
            .render()
            .contains("kiln_jit_compilations_total"));
    }
}
