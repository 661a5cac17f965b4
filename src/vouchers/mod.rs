//! Consumption vouchers (消费券): campaigns in rounds, claims that never
//! oversell, redemption at the till, expiry and stats. One file per thing a
//! user does; `Vouchers` is what they all work over.

pub mod campaigns;
pub mod claim_answers;
pub mod claim_book;
pub mod claim_statements;
pub mod claim_writer;
pub mod claiming;
pub mod dto;
pub mod expiry;
pub mod handlers;
pub mod redemption;
pub mod round_leftovers;
pub mod routes;
pub mod rules;
#[cfg(test)]
mod service_tests;
pub mod stats;
pub mod wallet;

use std::sync::Arc;
use std::time::Duration;

use uuid::Uuid;

use crate::places::Places;
use crate::state::Core;
use campaigns::CampaignInfo;
use claim_book::ClaimBook;
use claim_writer::ClaimWriter;

/// The vouchers domain of one instance.
pub struct Vouchers {
    pub core: Core,
    /// For the categories a campaign may name.
    pub places: Arc<Places>,
    pub campaigns: moka::future::Cache<Uuid, Arc<CampaignInfo>>,
    /// Shared with the claim writer, which fills it from what it commits.
    pub book: ClaimBook,
    pub writer: ClaimWriter,
    /// Rounds this instance has closed out the round before of
    /// (`round_leftovers::before_first_claim`).
    pub rolled_into: moka::future::Cache<Uuid, ()>,
}

impl std::ops::Deref for Vouchers {
    type Target = Core;
    fn deref(&self) -> &Core {
        &self.core
    }
}

impl Vouchers {
    pub fn new(core: Core, places: Arc<Places>, book: ClaimBook, writer: ClaimWriter) -> Self {
        Self {
            core,
            places,
            campaigns: moka::future::Cache::builder()
                .max_capacity(1_000)
                .time_to_live(Duration::from_secs(300))
                .build(),
            book,
            writer,
            rolled_into: moka::future::Cache::builder().max_capacity(10_000).build(),
        }
    }
}
