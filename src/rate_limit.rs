//! Fixed-window request counting per key (client IP for logins, user for
//! filings). Per instance by design: behind a load balancer with N instances
//! a client gets at most N times the limit, which is enough to stop abuse
//! without a shared store.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use crate::error::AppError;

#[derive(Clone)]
pub struct RateLimiter {
    limit: u32,
    window: Duration,
    /// Each entry lives one window from its first hit, then a new window starts.
    windows: moka::future::Cache<String, Arc<AtomicU32>>,
}

impl RateLimiter {
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit,
            window,
            windows: moka::future::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(window)
                .build(),
        }
    }

    /// Counts one request for `key`; 429 `rate_limited` once past the limit.
    pub async fn hit(&self, key: &str) -> Result<(), AppError> {
        let counter = self
            .windows
            .get_with_by_ref(key, async { Arc::new(AtomicU32::new(0)) })
            .await;
        let seen = counter.fetch_add(1, Ordering::Relaxed) + 1;
        if seen > self.limit {
            Err(AppError::rate_limited(self.window.as_secs().max(1)))
        } else {
            Ok(())
        }
    }
}

/// The key for per-client limits: the peer address, or the first
/// `X-Forwarded-For` hop when the deployment says a trusted proxy sets it.
pub fn client_ip(req: &actix_web::HttpRequest, trust_forwarded_for: bool) -> String {
    if trust_forwarded_for && let Some(ip) = req.connection_info().realip_remote_addr() {
        return ip.to_owned();
    }
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

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
