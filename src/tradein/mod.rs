//! Old-for-new trade-in (以旧换新): subsidy rules as versioned data, quotes,
//! merchant offers, subsidy applications with a per-person quota, and
//! recycling pickups of the old units. One file per thing a user does;
//! `TradeIn` is what they all work over.

pub mod applications;
pub mod dto;
pub mod handlers;
pub mod offers;
pub mod pickups;
pub mod quotes;
pub mod review;
pub mod routes;
pub mod rule_book;
pub mod rule_checks;
pub mod rule_sets;
pub mod rules;
#[cfg(test)]
mod service_tests;
pub mod slots;

use std::sync::Arc;
use std::time::Duration;

use crate::places::Places;
use crate::state::Core;

/// How long an instance keeps the rule book before re-reading it.
const RULE_BOOK_TTL: Duration = Duration::from_secs(60);

#[derive(Clone, Debug)]
pub struct TradeInSettings {
    /// Subscribe-message template for review results.
    pub template_id: String,
}

/// The trade-in domain of one instance: the rule book, re-read from the
/// database at most every minute so a rule version added there reaches
/// every instance; the shop index for offers and pickups.
pub struct TradeIn {
    pub core: Core,
    pub places: Arc<Places>,
    pub rules: moka::future::Cache<(), Arc<rules::RuleBook>>,
    pub settings: TradeInSettings,
}

impl std::ops::Deref for TradeIn {
    type Target = Core;
    fn deref(&self) -> &Core {
        &self.core
    }
}

impl TradeIn {
    pub fn new(core: Core, places: Arc<Places>, settings: TradeInSettings) -> Self {
        Self {
            core,
            places,
            rules: moka::future::Cache::builder()
                .max_capacity(1)
                .time_to_live(RULE_BOOK_TTL)
                .build(),
            settings,
        }
    }
}
