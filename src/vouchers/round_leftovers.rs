//! When a round's window is over, what it did not hand out rolls into the
//! next round (where the campaign says so), once: the first claim an
//! instance takes in a new round closes out the round before, and the
//! expiry job does it for rounds nobody claims in.
//!
//! Stock that comes back later (a voucher that expired or was voided) goes
//! to the round that was open at that moment; if that round is over by the
//! time the sweep sees it, it goes where that round's leftover went.

use chrono::{DateTime, Utc};
use entity::voucher_round;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait};
use uuid::Uuid;

use super::Vouchers;
use super::campaigns::{CampaignInfo, campaign};
use crate::error::AppResult;

/// How many rounds one pass of the job closes out at most.
const BATCH: u64 = 200;

/// The round of `info` open at `at`, if any.
pub fn round_open_at(info: &CampaignInfo, at: DateTime<Utc>) -> Option<&voucher_round::Model> {
    info.rounds
        .iter()
        .find(|r| r.opens_at <= at && at < r.closes_at)
}

/// Where stock freed at `freed_at` goes, seen at `now`: the round open at
/// `freed_at`; if that one is over, the round open now when leftovers roll
/// over (they went there), else nowhere.
pub fn return_target(
    info: &CampaignInfo,
    freed_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<Uuid> {
    let then = round_open_at(info, freed_at)?;
    if now < then.closes_at {
        return Some(then.id);
    }
    if !info.campaign.roll_over_leftovers {
        return None;
    }
    round_open_at(info, now).map(|r| r.id)
}

/// Closes out round `seq` of the campaign (its window must be over): its
/// leftover goes to the next round if the campaign rolls leftovers over and
/// there is one. Returns what was carried, or `None` if it was closed out
/// already (by this or another instance).
pub async fn close_out(svc: &Vouchers, info: &CampaignInfo, round: Uuid) -> AppResult<Option<i64>> {
    let Some(pos) = info.rounds.iter().position(|r| r.id == round) else {
        return Ok(None);
    };
    let next = info
        .rounds
        .get(pos + 1)
        .filter(|_| info.campaign.roll_over_leftovers)
        .map(|r| r.id);
    let _turn = svc.gate.turn().await;
    let txn = svc.db.begin().await?;
    // One conditional UPDATE: of two instances closing out at once, one
    // wins; a claim on the old round committing meanwhile either comes
    // before (and is not carried) or after (and finds no stock).
    let leftover = if next.is_some() {
        "quantity + returned - carried_out - claimed"
    } else {
        "0"
    };
    let closed = voucher_round::Entity::update_many()
        .col_expr(voucher_round::Column::CarriedOut, Expr::cust(leftover))
        .col_expr(voucher_round::Column::ClosedOut, Expr::value(true))
        .filter(voucher_round::Column::Id.eq(round))
        .filter(voucher_round::Column::ClosedOut.eq(false))
        .exec_with_returning(&txn)
        .await?;
    let Some(closed) = closed.first() else {
        txn.rollback().await?;
        return Ok(None);
    };
    let carried = closed.carried_out;
    if let Some(next) = next
        && carried > 0
    {
        voucher_round::Entity::update_many()
            .col_expr(
                voucher_round::Column::CarriedIn,
                Expr::col(voucher_round::Column::CarriedIn).add(carried),
            )
            .col_expr(
                voucher_round::Column::Returned,
                Expr::col(voucher_round::Column::Returned).add(carried),
            )
            .filter(voucher_round::Column::Id.eq(next))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(Some(carried))
}

/// Before the first claim this instance takes in a round: the round before
/// it is closed out, so its leftover is there to be claimed.
pub async fn before_first_claim(svc: &Vouchers, info: &CampaignInfo, round: &voucher_round::Model) {
    if round.seq <= 1 || svc.rolled_into.contains_key(&round.id) {
        return;
    }
    let Some(previous) = info.rounds.iter().find(|r| r.seq == round.seq - 1) else {
        return;
    };
    match close_out(svc, info, previous.id).await {
        Ok(_) => svc.rolled_into.insert(round.id, ()).await,
        // The claim goes on with the round's own stock; the job retries.
        Err(e) => tracing::warn!(error = %e, round = %previous.id, "closing out a round failed"),
    }
}

/// Every round whose window is over and not yet closed out, oldest first
/// (so leftovers cascade through rounds nobody claimed in).
pub async fn close_out_due(svc: &Vouchers) -> AppResult<u64> {
    let mut done = 0;
    loop {
        let now = svc.clock.now();
        let due: Vec<(Uuid, Uuid)> = voucher_round::Entity::find()
            .select_only()
            .columns([voucher_round::Column::Id, voucher_round::Column::CampaignId])
            .filter(voucher_round::Column::ClosedOut.eq(false))
            .filter(voucher_round::Column::ClosesAt.lte(now))
            .order_by_asc(voucher_round::Column::ClosesAt)
            .order_by_asc(voucher_round::Column::Seq)
            .limit(BATCH)
            .into_tuple()
            .all(&svc.db)
            .await?;
        if due.is_empty() {
            return Ok(done);
        }
        for (round, campaign_id) in due {
            let info = campaign(svc, campaign_id).await?;
            if close_out(svc, &info, round).await?.is_some() {
                done += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use entity::voucher_campaign;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, day, hour, 0, 0).unwrap()
    }

    fn info(rolls: bool) -> CampaignInfo {
        let round = |seq: i32, opens: DateTime<Utc>, closes: DateTime<Utc>| voucher_round::Model {
            id: Uuid::from_u128(seq as u128),
            campaign_id: Uuid::nil(),
            seq,
            opens_at: opens,
            closes_at: closes,
            quantity: 100,
            returned: 0,
            claimed: 0,
            last_grant: 0,
            carried_in: 0,
            carried_out: 0,
            closed_out: false,
        };
        CampaignInfo {
            campaign: voucher_campaign::Model {
                id: Uuid::nil(),
                name: "test".into(),
                categories: "[]".into(),
                district_codes: "[]".into(),
                face_value_fen: 2500,
                threshold_fen: 10000,
                total_quantity: 200,
                per_user_limit: 1,
                valid_days: 7,
                return_expired: true,
                roll_over_leftovers: rolls,
                starts_at: at(1, 0),
                ends_at: at(20, 0),
                created_by: Uuid::nil(),
                created_at: at(1, 0),
            },
            categories: vec![],
            district_codes: vec![],
            rounds: vec![round(1, at(1, 2), at(8, 2)), round(2, at(8, 2), at(20, 0))],
        }
    }

    #[test]
    fn freed_stock_goes_to_the_round_open_when_it_was_freed() {
        let rolls = info(true);
        let (first, second) = (Uuid::from_u128(1), Uuid::from_u128(2));
        // Expired in round 1 and swept in round 1: round 1.
        assert_eq!(return_target(&rolls, at(5, 0), at(5, 1)), Some(first));
        // Expired in round 1, swept late in round 2: where round 1's leftover went.
        assert_eq!(return_target(&rolls, at(7, 0), at(9, 0)), Some(second));
        assert_eq!(return_target(&info(false), at(7, 0), at(9, 0)), None);
        // Expired in round 2: round 2, not a later one.
        assert_eq!(return_target(&rolls, at(10, 0), at(10, 1)), Some(second));
        // Before the first round or after the campaign: nowhere.
        assert_eq!(return_target(&rolls, at(1, 0), at(1, 1)), None);
        assert_eq!(return_target(&rolls, at(19, 0), at(21, 0)), None);
    }
}
