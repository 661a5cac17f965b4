//! What an instance has learnt from its committed claim batches: rounds
//! found sold out (for a second) and users found at their limit (for good,
//! slots are never given back), so the rush after a sell-out is refused
//! without touching the database.

use std::time::Duration;

use uuid::Uuid;

use super::claim_writer::{limit_reached, sold_out};
use crate::error::AppError;

/// What this instance has learnt from committed batches.
#[derive(Clone)]
pub struct ClaimBook {
    sold_out: moka::future::Cache<Uuid, ()>,
    /// (round, user) → highest slot the user holds in the round.
    pub(super) slots: moka::future::Cache<(Uuid, Uuid), i32>,
}

impl ClaimBook {
    pub fn new() -> Self {
        Self {
            // Stock can come back (expired vouchers, races handed back), so
            // a sold-out round is asked about again after a second.
            sold_out: moka::future::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(Duration::from_secs(1))
                .build(),
            slots: moka::future::Cache::builder()
                .max_capacity(2_000_000)
                .time_to_idle(Duration::from_secs(24 * 3600))
                .build(),
        }
    }

    /// The refusal this instance already knows the answer to, if any.
    pub async fn refusal(&self, round: Uuid, user: Uuid, limit: i32) -> Option<AppError> {
        if self.slots.get(&(round, user)).await.unwrap_or(0) >= limit {
            return Some(limit_reached());
        }
        if self.sold_out.contains_key(&round) {
            return Some(sold_out());
        }
        None
    }

    pub(super) async fn holds(&self, round: Uuid, user: Uuid, slot: i32) {
        let known = self.slots.get(&(round, user)).await.unwrap_or(0);
        if slot > known {
            self.slots.insert((round, user), slot).await;
        }
    }

    pub(super) async fn stock_left(&self, round: Uuid, left: i64) {
        if left <= 0 {
            self.sold_out.insert(round, ()).await;
        } else {
            self.sold_out.invalidate(&round).await;
        }
    }
}

impl Default for ClaimBook {
    fn default() -> Self {
        Self::new()
    }
}
