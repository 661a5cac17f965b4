//! Prometheus metrics kept in the app state (no global registry, so each test
//! app counts on its own): requests by route and status, latency histograms,
//! database pool and cache counters.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Default)]
struct RouteStats {
    by_status: BTreeMap<u16, u64>,
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum_seconds: f64,
}

#[derive(Default)]
pub struct Metrics {
    routes: Mutex<HashMap<(&'static str, String), RouteStats>>,
    caches: Mutex<BTreeMap<&'static str, (AtomicU64, AtomicU64)>>,
    audit_write_failures: AtomicU64,
    rate_limit_fallbacks: AtomicU64,
    change_listener_up: AtomicU64,
    changes_received: AtomicU64,
}

/// Facts read at scrape time from outside this registry.
pub struct PoolGauges {
    pub size: u32,
    pub idle: usize,
}

impl Metrics {
    pub fn observe_request(
        &self,
        method: &'static str,
        route: String,
        status: u16,
        elapsed: Duration,
    ) {
        let seconds = elapsed.as_secs_f64();
        let mut routes = self.routes.lock().unwrap_or_else(|p| p.into_inner());
        let stats = routes.entry((method, route)).or_default();
        *stats.by_status.entry(status).or_default() += 1;
        stats.count += 1;
        stats.sum_seconds += seconds;
        if let Some(i) = BUCKETS.iter().position(|le| seconds <= *le) {
            stats.buckets[i] += 1;
        }
    }

    pub fn cache_lookup(&self, cache: &'static str, hit: bool) {
        let mut caches = self.caches.lock().unwrap_or_else(|p| p.into_inner());
        let (hits, misses) = caches.entry(cache).or_default();
        if hit { hits } else { misses }.fetch_add(1, Ordering::Relaxed);
    }

    fn render_counters(&self, out: &mut String) {
        let one = |out: &mut String, name: &str, kind: &str, help: &str, value: &AtomicU64| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            let _ = writeln!(out, "{name} {}", value.load(Ordering::Relaxed));
        };
        one(
            out,
            "yuhui_audit_write_failures_total",
            "counter",
            "Staff actions whose audit event was lost.",
            &self.audit_write_failures,
        );
        one(
            out,
            "yuhui_rate_limit_fallbacks_total",
            "counter",
            "Shared limits counted on this instance because Redis did not answer.",
            &self.rate_limit_fallbacks,
        );
        one(
            out,
            "yuhui_change_listener_up",
            "gauge",
            "1 while this instance listens for other instances' writes (PostgreSQL).",
            &self.change_listener_up,
        );
        one(
            out,
            "yuhui_changes_received_total",
            "counter",
            "Cache changes notified by writers on any instance.",
            &self.changes_received,
        );
    }

    /// The change listener (PostgreSQL) is connected, or not.
    pub fn change_listener_up(&self, up: bool) {
        self.change_listener_up.store(up.into(), Ordering::Relaxed);
    }

    pub fn change_received(&self) {
        self.changes_received.fetch_add(1, Ordering::Relaxed);
    }

    /// A shared rate limit was counted on this instance: Redis did not answer.
    pub fn rate_limit_fallback(&self) {
        self.rate_limit_fallbacks.fetch_add(1, Ordering::Relaxed);
    }

    /// A staff action succeeded but its audit event could not be written.
    pub fn audit_write_failed(&self) {
        self.audit_write_failures.fetch_add(1, Ordering::Relaxed);
    }

    pub fn render(&self, pool: Option<PoolGauges>) -> String {
        let mut out = String::with_capacity(4096);
        self.render_counters(&mut out);
        let routes = self.routes.lock().unwrap_or_else(|p| p.into_inner());
        let mut keys: Vec<_> = routes.keys().collect();
        keys.sort();

        out.push_str("# HELP yuhui_http_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE yuhui_http_requests_total counter\n");
        for key in &keys {
            let (method, route) = key;
            for (status, n) in &routes[*key].by_status {
                let _ = writeln!(
                    out,
                    "yuhui_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                    escape(route)
                );
            }
        }
        out.push_str("# HELP yuhui_http_request_duration_seconds HTTP request latency by route.\n");
        out.push_str("# TYPE yuhui_http_request_duration_seconds histogram\n");
        for key in &keys {
            let (method, route) = key;
            let stats = &routes[*key];
            let route = escape(route);
            let mut cumulative = 0;
            for (le, n) in BUCKETS.iter().zip(stats.buckets.iter()) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "yuhui_http_request_duration_seconds_bucket{{method=\"{method}\",route=\"{route}\",le=\"{le}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "yuhui_http_request_duration_seconds_bucket{{method=\"{method}\",route=\"{route}\",le=\"+Inf\"}} {}",
                stats.count
            );
            let _ = writeln!(
                out,
                "yuhui_http_request_duration_seconds_sum{{method=\"{method}\",route=\"{route}\"}} {}",
                stats.sum_seconds
            );
            let _ = writeln!(
                out,
                "yuhui_http_request_duration_seconds_count{{method=\"{method}\",route=\"{route}\"}} {}",
                stats.count
            );
        }
        drop(routes);

        if let Some(pool) = pool {
            out.push_str("# HELP yuhui_db_pool_connections Open database connections.\n");
            out.push_str("# TYPE yuhui_db_pool_connections gauge\n");
            let _ = writeln!(out, "yuhui_db_pool_connections {}", pool.size);
            out.push_str("# HELP yuhui_db_pool_idle_connections Idle database connections.\n");
            out.push_str("# TYPE yuhui_db_pool_idle_connections gauge\n");
            let _ = writeln!(out, "yuhui_db_pool_idle_connections {}", pool.idle);
        }

        let caches = self.caches.lock().unwrap_or_else(|p| p.into_inner());
        out.push_str("# HELP yuhui_cache_lookups_total Cache lookups by cache and result.\n");
        out.push_str("# TYPE yuhui_cache_lookups_total counter\n");
        for (name, (hits, misses)) in caches.iter() {
            let _ = writeln!(
                out,
                "yuhui_cache_lookups_total{{cache=\"{name}\",result=\"hit\"}} {}",
                hits.load(Ordering::Relaxed)
            );
            let _ = writeln!(
                out,
                "yuhui_cache_lookups_total{{cache=\"{name}\",result=\"miss\"}} {}",
                misses.load(Ordering::Relaxed)
            );
        }
        out
    }
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let m = Metrics::default();
        m.observe_request("GET", "/health".into(), 200, Duration::from_micros(300));
        m.observe_request("GET", "/health".into(), 200, Duration::from_millis(20));
        m.observe_request("GET", "/health".into(), 503, Duration::from_secs(9));
        let text = m.render(None);
        assert!(
            text.contains(
                r#"yuhui_http_requests_total{method="GET",route="/health",status="200"} 2"#
            )
        );
        assert!(
            text.contains(
                r#"yuhui_http_requests_total{method="GET",route="/health",status="503"} 1"#
            )
        );
        assert!(text.contains(r#"route="/health",le="0.0005"} 1"#));
        assert!(text.contains(r#"route="/health",le="0.025"} 2"#));
        assert!(text.contains(r#"route="/health",le="5"} 2"#));
        assert!(text.contains(r#"route="/health",le="+Inf"} 3"#));
    }

    #[test]
    fn cache_lookups_are_counted() {
        let m = Metrics::default();
        m.cache_lookup("principal", true);
        m.cache_lookup("principal", false);
        m.cache_lookup("principal", true);
        let text = m.render(None);
        assert!(text.contains(r#"yuhui_cache_lookups_total{cache="principal",result="hit"} 2"#));
        assert!(text.contains(r#"yuhui_cache_lookups_total{cache="principal",result="miss"} 1"#));
    }
}
