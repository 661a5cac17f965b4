//! What Yuhui holds about merchants, gathered for scoring: one grouped read
//! per table for a batch of merchants (or all of them), counted here.
//! Complainants are only counted (a resident's second complaint about the
//! same kind of problem is a repeat); nothing about them leaves this file.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use entity::status::{
    ApplicationStatus, ComplaintOutcome, ComplaintStatus, MerchantStatus, ShopStatus,
};
use entity::{complaint, merchant, shop, trade_in_application, voucher_redemption};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::rules::MerchantFacts;
use crate::error::AppResult;

/// Whole months from `from` to `to`.
pub fn months_between(from: NaiveDate, to: NaiveDate) -> u32 {
    if to <= from {
        return 0;
    }
    let months = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32;
    let months = if to.day() < from.day() {
        months - 1
    } else {
        months
    };
    u32::try_from(months).unwrap_or(0)
}

/// The first day counted: `window_months` before `today`.
pub fn window_start(today: NaiveDate, window_months: u32) -> NaiveDate {
    today
        .checked_sub_months(Months::new(window_months))
        .unwrap_or(NaiveDate::MIN)
}

/// Whether a rejection's reason is about the invoice (reviewers write it
/// in their own words; the invoice is named as 发票).
pub fn names_the_invoice(reason: &str) -> bool {
    reason.contains("发票") || reason.to_ascii_lowercase().contains("invoice")
}

/// id, reviewed at, created at, and the three commitments.
type MerchantRow = (Uuid, Option<DateTime<Utc>>, DateTime<Utc>, bool, bool, bool);

type ComplaintRow = (
    Uuid,
    Uuid,
    String,
    ComplaintStatus,
    bool,
    bool,
    bool,
    Option<NaiveDate>,
    Option<ComplaintOutcome>,
    Option<i64>,
);

/// Facts of the approved merchants among `only` (all approved ones when
/// `None`), as of `now` in local `today`.
pub async fn gather(
    db: &impl ConnectionTrait,
    only: Option<&[Uuid]>,
    today: NaiveDate,
    window_months: u32,
) -> AppResult<HashMap<Uuid, MerchantFacts>> {
    let since = window_start(today, window_months);
    let mut merchants = merchant::Entity::find()
        .select_only()
        .columns([
            merchant::Column::Id,
            merchant::Column::ReviewedAt,
            merchant::Column::CreatedAt,
            merchant::Column::NoReasonReturn,
            merchant::Column::FirstCompensation,
            merchant::Column::Odr,
        ])
        .filter(merchant::Column::Status.eq(MerchantStatus::Approved));
    if let Some(ids) = only {
        merchants = merchants.filter(merchant::Column::Id.is_in(ids.iter().copied()));
    }
    let rows: Vec<MerchantRow> = merchants.into_tuple().all(db).await?;
    let mut facts: HashMap<Uuid, MerchantFacts> = rows
        .into_iter()
        .map(
            |(id, reviewed_at, created_at, no_reason_return, first_compensation, odr)| {
                let approved_on = reviewed_at.unwrap_or(created_at).date_naive();
                (
                    id,
                    MerchantFacts {
                        approved: true,
                        months_on_yuhui: months_between(approved_on, today),
                        no_reason_return,
                        first_compensation,
                        odr,
                        ..MerchantFacts::default()
                    },
                )
            },
        )
        .collect();
    if facts.is_empty() {
        return Ok(facts);
    }
    // With a batch, each read is limited to it; without, every row counts.
    let ids: Option<Vec<Uuid>> = only.map(|_| facts.keys().copied().collect());

    let mut shops = shop::Entity::find()
        .select_only()
        .column(shop::Column::MerchantId)
        .column_as(Expr::col(shop::Column::Id).count(), "n")
        .filter(shop::Column::Status.eq(ShopStatus::Active))
        .group_by(shop::Column::MerchantId);
    if let Some(ids) = &ids {
        shops = shops.filter(shop::Column::MerchantId.is_in(ids.iter().copied()));
    }
    for (id, n) in shops.into_tuple::<(Uuid, i64)>().all(db).await? {
        if let Some(f) = facts.get_mut(&id) {
            f.active_shops = u32::try_from(n).unwrap_or(u32::MAX);
        }
    }

    let mut complaints = complaint::Entity::find()
        .select_only()
        .columns([
            complaint::Column::MerchantId,
            complaint::Column::ComplainantId,
            complaint::Column::CategoryCode,
            complaint::Column::Status,
            complaint::Column::Odr,
            complaint::Column::SettledDirectly,
        ])
        .column_as(
            Expr::col(complaint::Column::MerchantResponse).is_not_null(),
            "responded",
        )
        .columns([
            complaint::Column::AcceptedOn,
            complaint::Column::Outcome,
            complaint::Column::CompensationFen,
        ])
        .filter(complaint::Column::MerchantId.is_not_null())
        .filter(complaint::Column::ReceivedOn.gte(since))
        .filter(complaint::Column::DuplicateOf.is_null())
        .filter(complaint::Column::Status.ne(ComplaintStatus::Withdrawn));
    if let Some(ids) = &ids {
        complaints = complaints.filter(complaint::Column::MerchantId.is_in(ids.iter().copied()));
    }
    // Residents heard per merchant and kind of problem.
    let mut voices: HashMap<(Uuid, String), HashSet<Uuid>> = HashMap::new();
    for row in complaints.into_tuple::<ComplaintRow>().all(db).await? {
        let (
            merchant_id,
            complainant,
            category,
            status,
            odr,
            settled,
            responded,
            accepted_on,
            outcome,
            paid,
        ) = row;
        let Some(f) = facts.get_mut(&merchant_id) else {
            continue;
        };
        f.complaints += 1;
        // Another resident on a problem already complained of is a repeat;
        // the same resident again is one voice.
        let heard = voices.entry((merchant_id, category)).or_default();
        if heard.insert(complainant) && heard.len() > 1 {
            f.repeat_complaints += 1;
        }
        if accepted_on.is_some() {
            f.accepted += 1;
        }
        if odr && status != ComplaintStatus::MerchantWindow {
            f.odr_cases_done += 1;
            f.odr_settled += u32::from(settled);
            f.odr_answered += u32::from(settled || responded);
        }
        if status == ComplaintStatus::Closed {
            if paid.is_some_and(|fen| fen > 0) {
                f.compensation_paid += 1;
            }
            if accepted_on.is_some() {
                match outcome {
                    Some(ComplaintOutcome::Mediated | ComplaintOutcome::Settled) => {
                        f.mediation_closed += 1;
                        f.mediation_succeeded += 1;
                    }
                    Some(ComplaintOutcome::Failed) => {
                        f.mediation_closed += 1;
                        f.mediation_failed += 1;
                    }
                    _ => {}
                }
            }
        }
    }

    let since_at = since
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let mut reversals = voucher_redemption::Entity::find()
        .select_only()
        .column(voucher_redemption::Column::MerchantId)
        .column_as(Expr::col(voucher_redemption::Column::Id).count(), "n")
        .filter(voucher_redemption::Column::ReversedAt.gte(since_at))
        .group_by(voucher_redemption::Column::MerchantId);
    if let Some(ids) = &ids {
        reversals =
            reversals.filter(voucher_redemption::Column::MerchantId.is_in(ids.iter().copied()));
    }
    for (id, n) in reversals.into_tuple::<(Uuid, i64)>().all(db).await? {
        if let Some(f) = facts.get_mut(&id) {
            f.reversed_redemptions = u32::try_from(n).unwrap_or(u32::MAX);
        }
    }

    let mut rejections = trade_in_application::Entity::find()
        .select_only()
        .columns([
            trade_in_application::Column::MerchantId,
            trade_in_application::Column::Reason,
        ])
        .filter(trade_in_application::Column::Status.eq(ApplicationStatus::Rejected))
        .filter(trade_in_application::Column::ReviewedAt.gte(since_at))
        .filter(trade_in_application::Column::Reason.is_not_null());
    if let Some(ids) = &ids {
        rejections =
            rejections.filter(trade_in_application::Column::MerchantId.is_in(ids.iter().copied()));
    }
    for (id, reason) in rejections
        .into_tuple::<(Uuid, Option<String>)>()
        .all(db)
        .await?
    {
        if let Some(f) = facts.get_mut(&id)
            && reason.as_deref().is_some_and(names_the_invoice)
        {
            f.invoice_rejections += 1;
        }
    }
    Ok(facts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn months_count_whole_months_only() {
        assert_eq!(months_between(day(2026, 1, 31), day(2026, 2, 28)), 0);
        assert_eq!(months_between(day(2026, 1, 15), day(2026, 2, 15)), 1);
        assert_eq!(months_between(day(2024, 12, 2), day(2026, 12, 1)), 23);
        assert_eq!(months_between(day(2026, 12, 2), day(2026, 12, 1)), 0);
    }

    #[test]
    fn the_window_reaches_back_whole_months() {
        assert_eq!(window_start(day(2026, 12, 1), 12), day(2025, 12, 1));
        assert_eq!(window_start(day(2026, 3, 31), 1), day(2026, 2, 28));
    }

    #[test]
    fn an_invoice_rejection_is_one_that_names_the_invoice() {
        assert!(names_the_invoice("发票抬头与申请人不符"));
        assert!(names_the_invoice("Invoice date outside the programme"));
        assert!(!names_the_invoice("序列号已被使用"));
    }
}
