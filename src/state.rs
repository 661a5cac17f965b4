//! What every domain shares, built once at start-up: configuration, the
//! database, the clock, the WeChat client and the metrics registry. Each
//! domain keeps its own state (caches, writers, limits) in its own service
//! type, registered beside this one (`startup::Domains`). Nothing here is
//! global: each test app gets its own.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use chrono::NaiveDate;
use sea_orm::DatabaseConnection;

use crate::clock::Clock;
use crate::config::Config;
use crate::db::WriteGate;
use crate::metrics::Metrics;
use crate::wechat::WechatClient;

pub struct AppState {
    pub config: Arc<Config>,
    pub db: DatabaseConnection,
    pub clock: Clock,
    pub wechat: WechatClient,
    pub metrics: Arc<Metrics>,
    /// Set on SIGTERM: `/ready` answers 503 so load balancers stop sending
    /// new requests while this instance still serves the ones that come.
    pub draining: Arc<AtomicBool>,
    /// Route patterns for metrics labels, remembered by path shape.
    pub route_labels: Arc<crate::telemetry::RouteLabels>,
}

/// The handles a domain service is built over: a connection, the clock, and
/// the SQLite write gate. Cheap to clone; a test builds one from a database
/// and a manual clock, without a server.
#[derive(Clone)]
pub struct Core {
    pub db: DatabaseConnection,
    pub clock: Clock,
    pub gate: WriteGate,
    pub metrics: Arc<Metrics>,
}

impl Core {
    pub fn new(db: DatabaseConnection, clock: Clock) -> Self {
        let gate = WriteGate::for_backend(db.get_database_backend());
        Self {
            db,
            clock,
            gate,
            metrics: Arc::default(),
        }
    }

    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = metrics;
        self
    }

    /// Today in Asia/Shanghai, where every business rule is reckoned.
    pub fn today(&self) -> NaiveDate {
        self.clock.now_local().date_naive()
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }
}
