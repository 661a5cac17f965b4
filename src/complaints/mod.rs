//! 12315 complaints: filing, the triage state machine with legal deadlines,
//! mediation, notifications and public disclosure. One file per thing a
//! user does; `Complaints` is what they all work over.

pub mod access;
pub mod attachments;
mod bureau_handlers;
pub mod case_view;
pub mod closing;
pub mod dashboard;
pub mod deadlines;
pub mod disclosure;
pub mod dto;
pub mod filing;
mod handlers;
pub mod legal_clock;
pub mod numbers;
pub mod party_actions;
pub mod photo_metadata;
pub mod queue;
pub mod routes;
pub mod rules;
#[cfg(test)]
mod service_tests;
pub mod transitions;
pub mod writer;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::calendar::service::CalendarCache;
use crate::config::Config;
use crate::rate_limit::RateLimiter;
use crate::state::Core;

/// Per-status case counts and when they were counted.
pub type HeldCounts = (Instant, BTreeMap<String, u64>);

/// The settings complaint handling reads.
#[derive(Clone, Debug)]
pub struct ComplaintSettings {
    /// Subscribe-message template for complaint progress.
    pub template_id: String,
    /// Merchants with fewer complaints in the period stay out of rankings.
    pub disclosure_min_cases: u64,
    /// Where evidence photos are stored (by content hash).
    pub upload_dir: std::path::PathBuf,
    pub filings_per_hour: u32,
    /// Case numbers reserved at a time (large on a single SQLite instance).
    pub number_block: i64,
}

impl ComplaintSettings {
    pub fn from_config(config: &Config) -> Self {
        Self {
            template_id: config.complaint_template_id.clone(),
            disclosure_min_cases: config.disclosure_min_cases,
            upload_dir: config.upload_dir.clone(),
            filings_per_hour: config.complaint_rate_per_hour,
            number_block: if config.is_sqlite() {
                numbers::SINGLE_INSTANCE_BLOCK
            } else {
                numbers::SHARED_BLOCK
            },
        }
    }
}

/// The complaints domain of one instance: the database and clock, the
/// working-day calendar, and what this instance keeps for complaints.
pub struct Complaints {
    pub core: Core,
    pub calendar: CalendarCache,
    pub settings: ComplaintSettings,
    pub numbers: numbers::NumberBlocks,
    pub limiter: RateLimiter,
    /// Complaint category codes (seed data), for a minute.
    pub categories: moka::future::Cache<(), Arc<Vec<String>>>,
    /// The task that writes filings in batches.
    pub filing_writer: writer::FilingWriter,
    /// Queue counts per set of districts, with when they were counted.
    pub queue_counts: moka::future::Cache<Vec<String>, Arc<HeldCounts>>,
    /// Marks a set of districts whose counts one request is recounting.
    pub queue_counts_recounting: moka::future::Cache<Vec<String>, ()>,
}

impl std::ops::Deref for Complaints {
    type Target = Core;
    fn deref(&self) -> &Core {
        &self.core
    }
}

impl Complaints {
    pub fn new(
        core: Core,
        calendar: CalendarCache,
        settings: ComplaintSettings,
        filing_writer: writer::FilingWriter,
        shared: Option<crate::rate_limit::SharedWindows>,
    ) -> Self {
        Self {
            numbers: numbers::NumberBlocks::new(settings.number_block),
            limiter: RateLimiter::new(settings.filings_per_hour, Duration::from_secs(3600))
                .shared("filing", shared),
            categories: moka::future::Cache::builder()
                .max_capacity(1)
                .time_to_live(Duration::from_secs(60))
                .build(),
            // Never older than a minute, whatever happens to recounts.
            queue_counts: moka::future::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(Duration::from_secs(60))
                .build(),
            queue_counts_recounting: moka::future::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(Duration::from_secs(10))
                .build(),
            core,
            calendar,
            settings,
            filing_writer,
        }
    }
}
