//! Campaign figures for admins: claimed, redeemed, expired, per round.

use entity::status::VoucherStatus;
use entity::{voucher, voucher_redemption};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::Vouchers;
use super::campaigns::{campaign, round_view, rounds_of};
use super::dto::*;
use crate::error::AppResult;

pub async fn stats(svc: &Vouchers, id: Uuid) -> AppResult<CampaignStats> {
    let info = campaign(svc, id).await?;
    let now = svc.clock.now();
    let by_round_status: Vec<(Uuid, VoucherStatus, i64)> = voucher::Entity::find()
        .select_only()
        .column(voucher::Column::RoundId)
        .column(voucher::Column::Status)
        .column_as(voucher::Column::Id.count(), "n")
        .filter(voucher::Column::CampaignId.eq(id))
        .group_by(voucher::Column::RoundId)
        .group_by(voucher::Column::Status)
        .into_tuple()
        .all(&svc.db)
        .await?;
    let count = |s: VoucherStatus| {
        by_round_status
            .iter()
            .filter(|(_, status, _)| *status == s)
            .map(|(_, _, n)| *n)
            .sum::<i64>()
    };
    // Unused vouchers the sweep has not reached yet are expired all the same.
    let lapsed = i64::try_from(
        voucher::Entity::find()
            .filter(voucher::Column::CampaignId.eq(id))
            .filter(voucher::Column::Status.eq(VoucherStatus::Unused))
            .filter(voucher::Column::ExpiresAt.lte(now))
            .count(&svc.db)
            .await?,
    )
    .unwrap_or(0);
    let returned = i64::try_from(
        voucher::Entity::find()
            .filter(voucher::Column::CampaignId.eq(id))
            .filter(voucher::Column::ReturnedToRound.is_not_null())
            .count(&svc.db)
            .await?,
    )
    .unwrap_or(0);
    let sums: Option<(Option<i64>, Option<i64>)> = voucher_redemption::Entity::find()
        .select_only()
        .column_as(
            // SUM of a BIGINT is NUMERIC on PostgreSQL.
            Expr::col(voucher_redemption::Column::OrderAmountFen)
                .sum()
                .cast_as("BIGINT"),
            "orders",
        )
        .column_as(
            Expr::col(voucher_redemption::Column::DiscountFen)
                .sum()
                .cast_as("BIGINT"),
            "discounts",
        )
        .filter(voucher_redemption::Column::CampaignId.eq(id))
        .filter(voucher_redemption::Column::ReversedAt.is_null())
        .into_tuple()
        .one(&svc.db)
        .await?;
    let reversed = i64::try_from(
        voucher_redemption::Entity::find()
            .filter(voucher_redemption::Column::CampaignId.eq(id))
            .filter(voucher_redemption::Column::ReversedAt.is_not_null())
            .count(&svc.db)
            .await?,
    )
    .unwrap_or(0);
    let rounds = rounds_of(&svc.db, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    let (orders, discounts) = sums.unwrap_or((None, None));
    Ok(CampaignStats {
        campaign_id: id,
        total_quantity: info.campaign.total_quantity,
        claimed: by_round_status.iter().map(|(_, _, n)| *n).sum(),
        unused: count(VoucherStatus::Unused) - lapsed,
        redeemed: count(VoucherStatus::Used),
        expired: count(VoucherStatus::Expired) + lapsed,
        returned,
        reversed,
        order_amount_fen: orders.unwrap_or(0),
        discount_fen: discounts.unwrap_or(0),
        redeemed_by_round: rounds
            .iter()
            .map(|r| RoundRedeemed {
                seq: r.seq,
                redeemed: by_round_status
                    .iter()
                    .filter(|(round, status, _)| *round == r.id && *status == VoucherStatus::Used)
                    .map(|(_, _, n)| *n)
                    .sum(),
            })
            .collect(),
        rounds: rounds.iter().map(round_view).collect(),
    })
}
