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
