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
}

impl AppState {
    pub fn new(
        config: Config,
        db: DatabaseConnection,
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
            config: Arc::new(config),
            db,
            clock,
        })
    }
}
