//! Lapsed vouchers marked expired, their stock returned to a later round
//! where the campaign says so; a background job on every instance.

use entity::status::VoucherStatus;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use entity::{voucher, voucher_round};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect, TransactionTrait};
use uuid::Uuid;

use super::Vouchers;
use super::campaigns::campaign;
use crate::error::AppResult;

#[derive(Debug, Default, Clone, Copy, serde::Serialize, utoipa::ToSchema)]
pub struct ExpirySweep {
    pub expired: u64,
    /// Of those, how many went back to a later round's stock.
    pub returned: u64,
}

/// Marks unused vouchers past their validity as expired and, where the
/// campaign says so, gives their stock to its next round that has not
/// opened. Safe to run on every instance at once: each voucher changes
/// state in one conditional UPDATE.
pub async fn expire_due(svc: &Vouchers) -> AppResult<ExpirySweep> {
    let mut sweep = ExpirySweep::default();
    loop {
        let now = svc.clock.now();
        let due: Vec<(Uuid, Uuid)> = voucher::Entity::find()
            .select_only()
            .columns([voucher::Column::Id, voucher::Column::CampaignId])
            .filter(voucher::Column::Status.eq(VoucherStatus::Unused))
            .filter(voucher::Column::ExpiresAt.lte(now))
            .limit(500)
            .into_tuple()
            .all(&svc.db)
            .await?;
        if due.is_empty() {
            return Ok(sweep);
        }
        let mut by_campaign: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        for (id, campaign_id) in &due {
            by_campaign.entry(*campaign_id).or_default().push(*id);
        }
        let txn = svc.db.begin().await?;
        for (campaign_id, ids) in by_campaign {
            let info = campaign(svc, campaign_id).await?;
            let next_round = info
                .campaign
                .return_expired
                .then(|| info.rounds.iter().find(|r| r.opens_at > now).map(|r| r.id))
                .flatten();
            let changed = voucher::Entity::update_many()
                .col_expr(voucher::Column::Status, Expr::value(VoucherStatus::Expired))
                .col_expr(voucher::Column::ReturnedToRound, Expr::value(next_round))
                .filter(voucher::Column::Id.is_in(ids))
                .filter(voucher::Column::Status.eq(VoucherStatus::Unused))
                .filter(voucher::Column::ExpiresAt.lte(now))
                .exec(&txn)
                .await?
                .rows_affected;
            sweep.expired += changed;
            if let Some(round) = next_round
                && changed > 0
            {
                let count = i64::try_from(changed).unwrap_or(0);
                voucher_round::Entity::update_many()
                    .col_expr(
                        voucher_round::Column::Returned,
                        Expr::col(voucher_round::Column::Returned).add(count),
                    )
                    .filter(voucher_round::Column::Id.eq(round))
                    .exec(&txn)
                    .await?;
                sweep.returned += changed;
            }
        }
        txn.commit().await?;
    }
}

/// Background job: the expiry sweep of this instance.
pub struct VoucherExpiry {
    pub vouchers: Arc<Vouchers>,
    pub every: Duration,
}

impl crate::workers::runtime::Periodic for VoucherExpiry {
    const NAME: &'static str = "voucher expiry";
    fn every(&self) -> Duration {
        self.every
    }
    async fn run_once(&self) -> AppResult<usize> {
        let sweep = expire_due(&self.vouchers).await?;
        Ok(usize::try_from(sweep.expired).unwrap_or(usize::MAX))
    }
}
