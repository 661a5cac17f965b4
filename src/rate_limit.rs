//! Fixed-window request counting per key (client IP for logins, user for
//! filings). With a Redis URL the windows are shared by every instance: one
//! atomic script per hit counts in Redis, so N instances allow the limit
//! once, not N times. Without Redis, or while it cannot be reached, each
//! instance counts on its own (a warning and a metric say so; a request
//! never fails because Redis did).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use crate::error::AppError;
use crate::metrics::Metrics;

/// How long a hit waits for Redis before counting locally instead.
const SHARED_TIMEOUT: Duration = Duration::from_millis(250);
/// After Redis failed, hits count locally this long before it is tried
/// again, so an outage costs one slow request, not one per request.
const SHARED_RETRY_AFTER: Duration = Duration::from_secs(5);

/// INCR, and start the window on the first hit: one round trip, atomic.
const HIT_SCRIPT: &str = r"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
";

/// Where windows shared between instances are counted.
#[derive(Clone)]
pub struct SharedWindows {
    client: redis::Client,
    /// Keys are `{prefix}:{limit name}:{key}`.
    prefix: String,
    connection: Arc<tokio::sync::Mutex<Option<redis::aio::ConnectionManager>>>,
    script: Arc<redis::Script>,
    /// Set after a failure: until then, count locally without asking Redis.
    resting_until: Arc<std::sync::Mutex<Option<std::time::Instant>>>,
    metrics: Arc<Metrics>,
}

impl SharedWindows {
    /// None without a URL; an unusable URL is a configuration error.
    pub fn from_url(
        url: Option<&str>,
        prefix: &str,
        metrics: Arc<Metrics>,
    ) -> Result<Option<Self>, redis::RedisError> {
        let Some(url) = url else {
            return Ok(None);
        };
        Ok(Some(Self {
            client: redis::Client::open(url)?,
            prefix: prefix.to_owned(),
            connection: Arc::new(tokio::sync::Mutex::new(None)),
            script: Arc::new(redis::Script::new(HIT_SCRIPT)),
            resting_until: Arc::new(std::sync::Mutex::new(None)),
            metrics,
        }))
    }

    /// The count of `key` in its window after this hit, or None when Redis
    /// could not answer in time.
    async fn hit(&self, name: &str, key: &str, window: Duration) -> Option<u64> {
        if self.resting() {
            self.metrics.rate_limit_fallback();
            return None;
        }
        let counted = tokio::time::timeout(SHARED_TIMEOUT, self.count(name, key, window)).await;
        let failure = match counted {
            Ok(Ok(n)) => return Some(n),
            Ok(Err(e)) => e.to_string(),
            Err(_) => "timed out".to_owned(),
        };
        tracing::warn!(error = %failure, limit = name, "shared rate limit unavailable; counting on this instance");
        self.metrics.rate_limit_fallback();
        // The next try connects afresh, after a rest.
        *self.connection.lock().await = None;
        *self.resting_until.lock().unwrap_or_else(|p| p.into_inner()) =
            Some(std::time::Instant::now() + SHARED_RETRY_AFTER);
        None
    }

    fn resting(&self) -> bool {
        let until = self.resting_until.lock().unwrap_or_else(|p| p.into_inner());
        until.is_some_and(|t| std::time::Instant::now() < t)
    }

    async fn count(&self, name: &str, key: &str, window: Duration) -> redis::RedisResult<u64> {
        let mut held = self.connection.lock().await;
        let mut connection = match held.as_ref() {
            Some(c) => c.clone(),
            None => {
                let c = self.client.get_connection_manager().await?;
                *held = Some(c.clone());
                c
            }
        };
        drop(held);
        let millis = u64::try_from(window.as_millis()).unwrap_or(u64::MAX).max(1);
        self.script
            .key(format!("{}:{name}:{key}", self.prefix))
            .arg(millis)
            .invoke_async(&mut connection)
            .await
    }
}

#[derive(Clone)]
pub struct RateLimiter {
    /// Names the limit in shared keys and logs.
    name: &'static str,
    limit: u32,
    window: Duration,
    /// Each entry lives one window from its first hit, then a new window starts.
    windows: moka::future::Cache<String, Arc<AtomicU32>>,
    shared: Option<SharedWindows>,
}

impl RateLimiter {
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            name: "limit",
            limit,
            window,
            windows: moka::future::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(window)
                .build(),
            shared: None,
        }
    }

    /// Counts in `shared` (when there is one) under `name`.
    pub fn shared(mut self, name: &'static str, shared: Option<SharedWindows>) -> Self {
        self.name = name;
        self.shared = shared;
        self
    }

    /// Counts one request for `key`; 429 `rate_limited` once past the limit.
    pub async fn hit(&self, key: &str) -> Result<(), AppError> {
        let shared = match &self.shared {
            Some(windows) => windows.hit(self.name, key, self.window).await,
            None => None,
        };
        let seen = match shared {
            Some(n) => n,
            None => u64::from(self.hit_here(key).await),
        };
        if seen > u64::from(self.limit) {
            Err(AppError::rate_limited(self.window.as_secs().max(1)))
        } else {
            Ok(())
        }
    }

    async fn hit_here(&self, key: &str) -> u32 {
        let counter = self
            .windows
            .get_with_by_ref(key, async { Arc::new(AtomicU32::new(0)) })
            .await;
        counter.fetch_add(1, Ordering::Relaxed).saturating_add(1)
    }
}

/// The key for per-client limits: the peer address, or, behind our own
/// proxies, the address they saw. Each proxy appends the address it was
/// reached from to `X-Forwarded-For`, so with `trusted_hops` proxies the
/// client is the entry that many places from the right; anything to its
/// left was written by the client and is ignored.
pub fn client_ip(req: &actix_web::HttpRequest, trusted_hops: Option<u32>) -> String {
    let peer = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned());
    let Some(hops) = trusted_hops else {
        return peer;
    };
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .collect();
    forwarded_client(&forwarded, hops).unwrap_or(peer)
}

/// The entry `hops` from the right of the `X-Forwarded-For` values (in
/// header order), or the leftmost when the chain is shorter; None when that
/// entry is not an IP address.
pub fn forwarded_client(values: &[&str], hops: u32) -> Option<String> {
    let entries: Vec<&str> = values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    let from_right = usize::try_from(hops).unwrap_or(usize::MAX).max(1);
    let index = entries.len().saturating_sub(from_right);
    let entry = entries.get(index)?;
    entry
        .parse::<std::net::IpAddr>()
        .ok()
        .map(|ip| ip.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_is_the_entry_our_proxies_appended() {
        // One proxy: it appended the last entry; the rest is the client's.
        assert_eq!(
            forwarded_client(&["6.6.6.6, 203.0.113.9"], 1).as_deref(),
            Some("203.0.113.9")
        );
        // Two proxies, the header split over two lines.
        assert_eq!(
            forwarded_client(&["1.1.1.1, 198.51.100.4", "10.0.0.2"], 2).as_deref(),
            Some("198.51.100.4")
        );
        // A shorter chain than expected: the leftmost entry.
        assert_eq!(
            forwarded_client(&["198.51.100.4"], 2).as_deref(),
            Some("198.51.100.4")
        );
        assert_eq!(forwarded_client(&["not-an-ip"], 1), None);
        assert_eq!(forwarded_client(&[], 1), None);
        assert_eq!(
            forwarded_client(&["2001:db8::1"], 1).as_deref(),
            Some("2001:db8::1")
        );
    }

    #[tokio::test]
    async fn allows_the_limit_then_refuses_per_key() {
        let limiter = RateLimiter::new(3, Duration::from_secs(60));
        for _ in 0..3 {
            limiter.hit("a").await.unwrap();
        }
        let err = limiter.hit("a").await.unwrap_err();
        assert_eq!(err.code(), "rate_limited");
        limiter.hit("b").await.unwrap();
    }

    #[tokio::test]
    async fn a_new_window_starts_after_the_old_one_ends() {
        let limiter = RateLimiter::new(1, Duration::from_millis(50));
        limiter.hit("a").await.unwrap();
        assert!(limiter.hit("a").await.is_err());
        tokio::time::sleep(Duration::from_millis(80)).await;
        limiter.hit("a").await.unwrap();
    }
}
