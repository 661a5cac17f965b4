//! Every background task of an instance, started here beside the HTTP
//! server, held by its handle, and stopped in order:
//!
//! 1. the HTTP server stops accepting and finishes the requests it took
//!    (`startup::Application::run_until_stopped`); those waiting on a batch
//!    writer are answered once their batch commits;
//! 2. the batch writers (complaint filings, voucher claims) close their
//!    queues, commit what is queued, answer it, and end;
//! 3. the periodic jobs (shop index poll, outbox, ODR window end, deadline
//!    warnings, voucher expiry, idempotency retention) finish the round
//!    they are in and end; the change listener (PostgreSQL) ends with them.
//!
//! Each periodic job is a type with one `run_once`; tests call it (through
//! `Jobs`) instead of waiting for the timer.

pub mod runtime;

use std::sync::Arc;

use crate::complaints::deadlines::{DeadlineWarnings, OdrWindowEnd};
use crate::complaints::writer::{self as filing_writer, FilingQueue};
use crate::config::Config;
use crate::credit::refresh::CreditRefresh;
use crate::db::WriterConnections;
use crate::domains::Domains;
use crate::idempotency::IdempotencyRetention;
use crate::notify::OutboxSender;
use crate::places::sync::IndexPoller;
use crate::vouchers::claim_writer::{self, ClaimQueue};
use crate::vouchers::expiry::VoucherExpiry;
use runtime::TaskSet;

/// Keys live for days: an hourly sweep keeps the table small.
const IDEMPOTENCY_RETENTION_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// The periodic jobs of an instance.
pub struct Jobs {
    pub index_poller: Arc<IndexPoller>,
    pub outbox: Arc<OutboxSender>,
    pub odr_windows: Arc<OdrWindowEnd>,
    pub deadline_warnings: Arc<DeadlineWarnings>,
    pub voucher_expiry: Arc<VoucherExpiry>,
    pub idempotency_retention: Arc<IdempotencyRetention>,
    pub credit_refresh: Arc<CreditRefresh>,
}

impl Jobs {
    pub fn new(config: &Config, domains: &Domains) -> Self {
        Self {
            index_poller: Arc::new(IndexPoller::new(
                domains.places.clone().into_inner(),
                config.index_poll_interval,
            )),
            outbox: Arc::new(OutboxSender {
                db: domains.app.db.clone(),
                wechat: domains.app.wechat.clone(),
                retry_base: config.outbox_retry_base,
                every: config.outbox_poll_interval,
            }),
            odr_windows: Arc::new(OdrWindowEnd {
                complaints: domains.complaints.clone().into_inner(),
                every: config.outbox_poll_interval,
            }),
            deadline_warnings: Arc::new(DeadlineWarnings {
                complaints: domains.complaints.clone().into_inner(),
                every: config.outbox_poll_interval,
            }),
            voucher_expiry: Arc::new(VoucherExpiry {
                vouchers: domains.vouchers.clone().into_inner(),
                every: config.voucher_expiry_interval,
            }),
            idempotency_retention: Arc::new(IdempotencyRetention {
                db: domains.app.db.clone(),
                clock: domains.app.clock.clone(),
                every: IDEMPOTENCY_RETENTION_EVERY,
            }),
            credit_refresh: Arc::new(CreditRefresh::new(
                domains.credit.clone().into_inner(),
                config.credit_refresh_interval,
            )),
        }
    }
}

/// On PostgreSQL, a connection of its own for `LISTEN` (opened by the
/// listener, so a database still starting up does not stop the start).
fn listening_pool(config: &Config) -> Option<sea_orm::sqlx::PgPool> {
    if config.is_sqlite() {
        return None;
    }
    sea_orm::sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_lazy(&config.database_url)
        .inspect_err(|e| tracing::warn!(error = %e, "cannot listen for changes; polling only"))
        .ok()
}

/// The queues the batch writers drain; their sending ends are in the domains.
pub struct WriterQueues {
    pub filings: FilingQueue,
    pub claims: ClaimQueue,
}

/// Every running background task of an instance.
pub struct Workers {
    tasks: TaskSet,
    pub jobs: Arc<Jobs>,
}

impl Workers {
    /// Starts the writers (each on its own connection) and the periodic
    /// jobs. Call inside the actix runtime.
    pub fn start(
        writers: WriterConnections,
        queues: WriterQueues,
        domains: &Domains,
        jobs: Jobs,
    ) -> Self {
        let mut tasks = TaskSet::new();
        let WriterConnections {
            filings,
            claims,
            claims_durability,
        } = writers;
        tasks.start_writer("filing writer", move |stop| {
            filing_writer::run(filings, queues.filings, stop)
        });
        let book = domains.vouchers.book.clone();
        tasks.start_writer("claim writer", move |stop| {
            claim_writer::run(claims, book, queues.claims, stop, claims_durability)
        });
        tasks.start_periodic(jobs.index_poller.clone());
        tasks.start_periodic(jobs.outbox.clone());
        tasks.start_periodic(jobs.odr_windows.clone());
        tasks.start_periodic(jobs.deadline_warnings.clone());
        tasks.start_periodic(jobs.voucher_expiry.clone());
        tasks.start_periodic(jobs.idempotency_retention.clone());
        tasks.start_periodic(jobs.credit_refresh.clone());
        if let Some(pool) = listening_pool(&domains.app.config) {
            let followers = crate::changes::Followers {
                domains: domains.clone(),
                index_poller: jobs.index_poller.clone(),
            };
            tasks.start_follower("change listener", move |stop| {
                crate::changes::follow(pool, followers, stop)
            });
        }
        Self {
            tasks,
            jobs: Arc::new(jobs),
        }
    }

    /// Writers first (they answer requests), then the periodic jobs.
    pub async fn stop(self) {
        self.tasks.stop().await;
    }
}
