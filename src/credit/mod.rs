//! 山城有信: each merchant's credit profile, computed only from what Yuhui
//! holds (verification, commitments and whether they were kept, the
//! 12-month complaint record, reversed voucher redemptions, trade-in
//! invoice rejections) under versioned rules; and 一企一码, a signed code
//! anyone can verify offline.

pub mod codes;
pub mod dto;
pub mod facts;
pub mod handlers;
pub mod oversight;
pub mod profiles;
pub mod refresh;
pub mod routes;
pub mod rules;
pub mod signing;

use std::sync::Arc;
use std::time::Duration;

use crate::places::Places;
use crate::state::Core;
use signing::KeyRing;

/// How long an instance keeps the rule versions before re-reading them.
const RULES_TTL: Duration = Duration::from_secs(60);
/// Codes and merchants remembered for scans.
const GENUINE_CODES: u64 = 100_000;
const SCAN_TTL: Duration = Duration::from_secs(1);

pub struct Credit {
    pub core: Core,
    /// The shop index, which filters and sorts nearby shops by grade.
    pub places: Arc<Places>,
    pub keys: Arc<KeyRing>,
    /// How long a printed code stays valid.
    pub code_validity: chrono::Duration,
    pub rules: moka::future::Cache<(), Arc<Vec<rules::CreditRules>>>,
    /// Codes whose signature checked out, by their exact text: the code on
    /// a door is scanned again and again, and its signature cannot change.
    /// Expiry is checked on every scan.
    pub genuine: moka::future::Cache<String, Arc<signing::CodeClaims>>,
    /// What a scan shows of a merchant, for a second: a busy door answers
    /// from memory, a change shows a second later at most.
    pub scanned: moka::future::Cache<uuid::Uuid, Arc<codes::ScannedMerchant>>,
}

impl std::ops::Deref for Credit {
    type Target = Core;
    fn deref(&self) -> &Core {
        &self.core
    }
}

impl Credit {
    pub fn new(
        core: Core,
        places: Arc<Places>,
        keys: Arc<KeyRing>,
        code_validity: chrono::Duration,
    ) -> Self {
        Self {
            core,
            places,
            keys,
            code_validity,
            rules: moka::future::Cache::builder()
                .max_capacity(1)
                .time_to_live(RULES_TTL)
                .build(),
            genuine: moka::future::Cache::builder()
                .max_capacity(GENUINE_CODES)
                .time_to_live(Duration::from_secs(24 * 3600))
                .build(),
            scanned: moka::future::Cache::builder()
                .max_capacity(GENUINE_CODES)
                .time_to_live(SCAN_TTL)
                .build(),
        }
    }
}
