//! Everything a handler may use, built once at start-up and shared by all
//! workers. Nothing here is global: each test app gets its own.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::auth::Principal;
use crate::auth::jwt::TokenKeys;
use crate::clock::Clock;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::places::PlacesState;
use crate::rate_limit::RateLimiter;
use crate::wechat::WechatClient;

/// Per-status case counts and when they were counted.
pub type HeldCounts = (std::time::Instant, std::collections::BTreeMap<String, u64>);

/// How long a caller's roles may be served from memory before re-reading.
const PRINCIPAL_TTL: Duration = Duration::from_secs(10);

pub struct AppState {
    pub config: Arc<Config>,
    pub db: DatabaseConnection,
    pub clock: Clock,
    pub wechat: WechatClient,
    pub tokens: TokenKeys,
    pub principals: moka::future::Cache<Uuid, Arc<Principal>>,
    pub login_limiter: RateLimiter,
    pub metrics: Metrics,
    pub places: PlacesState,
    pub vouchers: crate::vouchers::service::VoucherState,
    pub tradein: crate::tradein::service::TradeInState,
    pub tourism: crate::tourism::service::TourismState,
    pub complaint_numbers: crate::complaints::numbers::NumberBlocks,
    pub complaint_limiter: RateLimiter,
    /// The working-day calendar, re-read from the database at most every 30 s.
    pub calendar: moka::future::Cache<(), Arc<crate::calendar::Calendar>>,
    /// Complaint category codes (seed data), for a minute.
    pub complaint_categories: moka::future::Cache<(), Arc<Vec<String>>>,
    /// SQLite has one writer at a time; writers that find it busy sleep and
    /// retry in growing steps. Queuing them here instead keeps a burst of
    /// filings moving in order. None on PostgreSQL, which has row locks.
    pub sqlite_write_gate: Option<tokio::sync::Mutex<()>>,
    /// The task that writes complaint filings in batches.
    pub filing_writer: crate::complaints::writer::FilingWriter,
    /// Queue counts per set of districts, with when they were counted.
    pub queue_counts: moka::future::Cache<Vec<String>, Arc<HeldCounts>>,
    /// Marks a set of districts whose counts one request is recounting.
    pub queue_counts_recounting: moka::future::Cache<Vec<String>, ()>,
}

impl AppState {
    /// Held for the length of a write transaction on SQLite; a no-op on PostgreSQL.
    pub async fn write_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match &self.sqlite_write_gate {
            Some(gate) => Some(gate.lock().await),
            None => None,
        }
    }

    pub fn new(
        config: Config,
        db: DatabaseConnection,
        writers: DatabaseConnection,
        clock: Clock,
        places: PlacesState,
    ) -> Result<Self, reqwest::Error> {
        Ok(Self {
            wechat: WechatClient::new(&config.wechat)?,
            tokens: TokenKeys::new(config.jwt_secret.expose()),
            principals: moka::future::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(PRINCIPAL_TTL)
                .build(),
            login_limiter: RateLimiter::new(config.login_rate_per_minute, Duration::from_secs(60)),
            metrics: Metrics::default(),
            places,
            complaint_numbers: crate::complaints::numbers::NumberBlocks::new(
                if config.is_sqlite() {
                    crate::complaints::numbers::SINGLE_INSTANCE_BLOCK
                } else {
                    crate::complaints::numbers::SHARED_BLOCK
                },
            ),
            complaint_limiter: RateLimiter::new(
                config.complaint_rate_per_hour,
                Duration::from_secs(3600),
            ),
            calendar: moka::future::Cache::builder()
                .max_capacity(1)
                .time_to_live(Duration::from_secs(30))
                .build(),
            complaint_categories: moka::future::Cache::builder()
                .max_capacity(1)
                .time_to_live(Duration::from_secs(60))
                .build(),
            sqlite_write_gate: config.is_sqlite().then(|| tokio::sync::Mutex::new(())),
            filing_writer: crate::complaints::writer::spawn(writers.clone()),
            vouchers: crate::vouchers::service::VoucherState::new(writers),
            tradein: crate::tradein::service::TradeInState::default(),
            tourism: crate::tourism::service::TourismState::default(),
            // Never older than a minute, whatever happens to recounts.
            queue_counts: moka::future::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(Duration::from_secs(60))
                .build(),
            queue_counts_recounting: moka::future::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(Duration::from_secs(10))
                .build(),
            config: Arc::new(config),
            db,
            clock,
        })
    }
}
