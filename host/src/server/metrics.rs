//! Request metrics (counters and latency histograms per route and status, an
//! in-flight gauge) and the JIT counters the runtime feeds, rendered as
//! Prometheus text for `GET /__kiln/metrics`.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use dashmap::DashMap;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Debug, Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    total: u64,
    sum_seconds: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        for (count, bound) in self.counts.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *count += 1;
            }
        }
        self.total += 1;
        self.sum_seconds += seconds;
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

/// Request metrics shared by all workers. Recording a request allocates
/// nothing once its route, method and status have been seen.
#[derive(Debug, Default)]
pub struct Metrics {
    routes: DashMap<String, RouteStats>,
    in_flight: AtomicI64,
}

impl Metrics {
    pub fn new() -> Metrics {
        Metrics::default()
    }

    /// Counts one finished request. `route` is the route pattern, or a fixed
    /// label such as "static" or "unmatched" so labels stay bounded.
    pub fn record(&self, route: &str, method: &str, status: u16, took: Duration) {
        let seconds = took.as_secs_f64();
        if let Some(mut stats) = self.routes.get_mut(route) {
            stats.add(method, status, seconds);
            return;
        }
        self.routes
            .entry(route.to_owned())
            .or_default()
            .add(method, status, seconds);
    }

    pub fn request_started(&self) {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
    }

    pub fn request_finished(&self) {
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
    }

    pub fn in_flight(&self) -> i64 {
        self.in_flight.load(Ordering::Relaxed)
    }

    /// Total requests counted so far.
    pub fn total_requests(&self) -> u64 {
        self.routes
            .iter()
            .flat_map(|e| e.value().counts.iter().map(|c| c.2).collect::<Vec<_>>())
            .sum()
    }

    /// Prometheus text exposition format, version 0.0.4.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        out.push_str(
            "# HELP kiln_requests_total HTTP requests handled, by route, method and status.\n",
        );
        out.push_str("# TYPE kiln_requests_total counter\n");
        let mut rows: Vec<((String, String, u16), u64)> = self
            .routes
            .iter()
            .flat_map(|e| {
                let route = e.key().clone();
                e.value()
                    .counts
                    .iter()
                    .map(|(m, s, n)| ((route.clone(), m.clone(), *s), *n))
                    .collect::<Vec<_>>()
            })
            .collect();
        rows.sort();
        for ((route, method, status), count) in rows {
            let _ = writeln!(
                out,
                "kiln_requests_total{{route=\"{}\",method=\"{}\",status=\"{status}\"}} {count}",
                escape_label(&route),
                escape_label(&method)
            );
        }
        out.push_str(
            "# HELP kiln_request_duration_seconds Time from request head to response, by route.\n",
        );
        out.push_str("# TYPE kiln_request_duration_seconds histogram\n");
        let mut hists: Vec<(String, [u64; BUCKETS.len()], u64, f64)> = self
            .routes
            .iter()
            .map(|e| {
                let h = &e.value().latency;
                (e.key().clone(), h.counts, h.total, h.sum_seconds)
            })
            .collect();
        hists.sort_by(|a, b| a.0.cmp(&b.0));
        for (route, counts, total, sum) in hists {
            let route = escape_label(&route);
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
        let m = Metrics::new();
        m.record("/users/<int:id>", "GET", 200, Duration::from_millis(3));
        m.record("/users/<int:id>", "GET", 200, Duration::from_millis(30));
        m.record("unmatched", "GET", 404, Duration::from_micros(100));
        m.request_started();
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
    fn labels_are_escaped() {
        assert_eq!(escape_label("a\"b\\c\n"), "a\\\"b\\\\c\\n");
    }

    #[test]
    fn jit_stats_accumulate() {
        let before = jit_stats().compilations.load(Ordering::Relaxed);
        jit_stats().record_compilation(Duration::from_millis(2));
        jit_stats().record_deopt();
        assert!(jit_stats().compilations.load(Ordering::Relaxed) > before);
        assert!(Metrics::new()
            .render()
            .contains("kiln_jit_compilations_total"));
    }
}
