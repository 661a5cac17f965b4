//! Lapsed vouchers marked expired, their stock returned to the round open
//! when they expired where the campaign says so; a background job on every
//! instance, which also closes out rounds whose window is over.

use entity::status::VoucherStatus;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::{voucher, voucher_campaign, voucher_round};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, TransactionTrait,
};
use uuid::Uuid;

use super::Vouchers;
use super::campaigns::campaign;
use super::round_leftovers;
use crate::error::AppResult;

#[derive(Debug, Default, Clone, Copy, serde::Serialize, utoipa::ToSchema)]
pub struct ExpirySweep {
    pub expired: u64,
    /// Of those, how many went back to a later round's stock.
    pub returned: u64,
}

/// Marks unused vouchers past their validity as expired and, where the
/// campaign says so, gives their stock to the round that was open when they
/// expired (`round_leftovers::return_target`). Safe to run on every
/// instance at once: each voucher changes state in one conditional UPDATE.
pub async fn expire_due(svc: &Vouchers) -> AppResult<ExpirySweep> {
    let mut sweep = ExpirySweep::default();
    loop {
        let now = svc.clock.now();
        let due: Vec<(Uuid, Uuid, DateTime<Utc>)> = voucher::Entity::find()
            .select_only()
            .columns([
                voucher::Column::Id,
                voucher::Column::CampaignId,
                voucher::Column::ExpiresAt,
            ])
            .filter(voucher::Column::Status.eq(VoucherStatus::Unused))
            .filter(voucher::Column::ExpiresAt.lte(now))
            .limit(500)
            .into_tuple()
            .all(&svc.db)
            .await?;
        if due.is_empty() {
            return Ok(sweep);
        }
        // Vouchers going to the same round change together.
        let mut by_target: HashMap<(Uuid, Option<Uuid>), Vec<Uuid>> = HashMap::new();
        for (id, campaign_id, expired_at) in &due {
            let info = campaign(svc, *campaign_id).await?;
            let target = info
                .campaign
                .return_expired
                .then(|| round_leftovers::return_target(&info, *expired_at, now))
                .flatten();
            by_target
                .entry((*campaign_id, target))
                .or_default()
                .push(*id);
        }
        let txn = svc.db.begin().await?;
        for ((_, target), ids) in by_target {
            let changed = voucher::Entity::update_many()
                .col_expr(voucher::Column::Status, Expr::value(VoucherStatus::Expired))
                .col_expr(voucher::Column::ReturnedToRound, Expr::value(target))
                .filter(voucher::Column::Id.is_in(ids))
                .filter(voucher::Column::Status.eq(VoucherStatus::Unused))
                .filter(voucher::Column::ExpiresAt.lte(now))
                .exec(&txn)
                .await?
                .rows_affected;
            sweep.expired += changed;
            if let Some(round) = target
                && changed > 0
            {
                return_to_round(&txn, round, changed).await?;
                sweep.returned += changed;
            }
        }
        txn.commit().await?;
    }
}

/// Gives `count` vouchers' stock to `round`.
async fn return_to_round(
    txn: &impl ConnectionTrait,
    round: Uuid,
    count: u64,
) -> Result<(), sea_orm::DbErr> {
    voucher_round::Entity::update_many()
        .col_expr(
            voucher_round::Column::Returned,
            Expr::col(voucher_round::Column::Returned).add(i64::try_from(count).unwrap_or(0)),
        )
        .filter(voucher_round::Column::Id.eq(round))
        .exec(txn)
        .await?;
    Ok(())
}

/// A closed account's unused vouchers are voided; like expired ones, their
/// stock goes to the round open now, where the campaign says so.
pub async fn void_for_closed_account(
    txn: &impl ConnectionTrait,
    me: Uuid,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let unused = voucher::Entity::find()
        .filter(voucher::Column::UserId.eq(me))
        .filter(voucher::Column::Status.eq(VoucherStatus::Unused))
        .all(txn)
        .await?;
    for v in unused {
        let returns = voucher_campaign::Entity::find_by_id(v.campaign_id)
            .one(txn)
            .await?
            .is_some_and(|c| c.return_expired);
        let open_round = if returns && v.expires_at > now {
            voucher_round::Entity::find()
                .filter(voucher_round::Column::CampaignId.eq(v.campaign_id))
                .filter(voucher_round::Column::OpensAt.lte(now))
                .filter(voucher_round::Column::ClosesAt.gt(now))
                .one(txn)
                .await?
                .map(|r| r.id)
        } else {
            None
        };
        let voided = voucher::Entity::update_many()
            .col_expr(voucher::Column::Status, Expr::value(VoucherStatus::Void))
            .col_expr(voucher::Column::ReturnedToRound, Expr::value(open_round))
            .filter(voucher::Column::Id.eq(v.id))
            .filter(voucher::Column::Status.eq(VoucherStatus::Unused))
            .exec(txn)
            .await?;
        if let Some(round) = open_round
            && voided.rows_affected == 1
        {
            return_to_round(txn, round, 1).await?;
        }
    }
    Ok(())
}

/// Background job: the expiry sweep of this instance, and rounds whose
/// window is over closed out (their leftover rolled on).
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
        // Expired stock first, so a round closing out now carries it on.
        let sweep = expire_due(&self.vouchers).await?;
        let closed = round_leftovers::close_out_due(&self.vouchers).await?;
        Ok(usize::try_from(sweep.expired + closed).unwrap_or(usize::MAX))
    }
}
