//! Public disclosure (投诉信息公示): per-merchant counts and rates, computed
//! from cases only, never from who complained.

use std::collections::HashMap;

use chrono::{Days, NaiveDate};
use entity::{complaint, merchant};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use super::dto::MerchantDisclosure;
use super::rules::{Outcome, Status};
use crate::error::AppResult;

#[derive(Debug, FromQueryResult)]
struct CaseFacts {
    merchant_id: Option<Uuid>,
    status: Status,
    outcome: Option<Outcome>,
    accepted_on: Option<NaiveDate>,
    settled_directly: bool,
    received_on: NaiveDate,
}

#[derive(Default)]
struct Tally {
    complaints: u64,
    previous: u64,
    accepted: u64,
    accepted_ended: u64,
    mediated: u64,
    settled_directly: u64,
}

fn ratio(n: u64, d: u64) -> Option<f64> {
    (d > 0).then(|| (n as f64 / d as f64 * 1000.0).round() / 1000.0)
}

/// Figures for every merchant with complaints received in `from..=to`.
pub async fn merchants(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<MerchantDisclosure>> {
    let length = (to - from).num_days().max(0) as u64 + 1;
    let previous_from = from.checked_sub_days(Days::new(length)).unwrap_or(from);
    let cases = complaint::Entity::find()
        .select_only()
        .columns([
            complaint::Column::MerchantId,
            complaint::Column::Status,
            complaint::Column::Outcome,
            complaint::Column::AcceptedOn,
            complaint::Column::SettledDirectly,
            complaint::Column::ReceivedOn,
        ])
        .filter(complaint::Column::MerchantId.is_not_null())
        .filter(complaint::Column::ReceivedOn.gte(previous_from))
        .filter(complaint::Column::ReceivedOn.lte(to))
        .into_model::<CaseFacts>()
        .all(db)
        .await?;
    let mut tallies: HashMap<Uuid, Tally> = HashMap::new();
    for case in cases {
        let Some(merchant_id) = case.merchant_id else {
            continue;
        };
        let t = tallies.entry(merchant_id).or_default();
        if case.received_on < from {
            t.previous += 1;
            continue;
        }
        t.complaints += 1;
        if case.accepted_on.is_some() {
            t.accepted += 1;
            if case.status == Status::Closed {
                t.accepted_ended += 1;
                // Only the bureau's mediation: a settlement the parties
                // reached themselves is not a mediation success.
                if case.outcome == Some(Outcome::Mediated) {
                    t.mediated += 1;
                }
            }
        }
        if case.settled_directly {
            t.settled_directly += 1;
        }
    }
    let ids: Vec<Uuid> = tallies.keys().copied().collect();
    let merchants: HashMap<Uuid, merchant::Model> = merchant::Entity::find()
        .filter(merchant::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    Ok(tallies
        .into_iter()
        .filter(|(_, t)| t.complaints > 0)
        .filter_map(|(id, t)| {
            let m = merchants.get(&id)?;
            Some(MerchantDisclosure {
                merchant_id: id,
                merchant_name: m.name.clone(),
                district_code: m.district_code.clone(),
                complaints: t.complaints,
                previous_period_complaints: t.previous,
                growth: (t.previous > 0).then(|| {
                    ((t.complaints as f64 - t.previous as f64) / t.previous as f64 * 1000.0).round()
                        / 1000.0
                }),
                accepted: t.accepted,
                mediation_success_rate: ratio(t.mediated, t.accepted_ended),
                direct_settlement_rate: if m.odr {
                    ratio(t.settled_directly, t.complaints)
                } else {
                    None
                },
            })
        })
        .collect())
}

/// Sorts for a ranking, best-known first; unknown sorts are the caller's 400.
pub fn sort(items: &mut [MerchantDisclosure], by: &str) -> bool {
    let key = |v: Option<f64>| v.unwrap_or(-1.0);
    match by {
        "complaints" => items.sort_by(|a, b| {
            b.complaints
                .cmp(&a.complaints)
                .then(a.merchant_id.cmp(&b.merchant_id))
        }),
        "mediation_success_rate" => items.sort_by(|a, b| {
            key(b.mediation_success_rate).total_cmp(&key(a.mediation_success_rate))
        }),
        "direct_settlement_rate" => items.sort_by(|a, b| {
            key(b.direct_settlement_rate).total_cmp(&key(a.direct_settlement_rate))
        }),
        "growth" => items.sort_by(|a, b| key(b.growth).total_cmp(&key(a.growth))),
        _ => return false,
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_rounded_shares_or_nothing() {
        assert_eq!(ratio(2, 3), Some(0.667));
        assert_eq!(ratio(0, 0), None);
        assert_eq!(ratio(5, 5), Some(1.0));
    }
}
