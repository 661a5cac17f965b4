//! The handler's dashboard: cases per district and status, and month by
//! month how many decisions (accept or reject within 7 working days) and
//! mediations (closed within the limit in force) kept their legal deadline.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Months, NaiveDate};
use entity::{complaint, complaint_event};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::Complaints;
use super::rules::Status;
use crate::auth::Principal;
use crate::clock::SHANGHAI;
use crate::error::{AppError, AppResult};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DashboardQuery {
    /// Months of compliance, this one included (1–24, default 6).
    pub months: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DashboardView {
    /// The caller's districts, each with its cases per status.
    pub districts: Vec<DistrictCounts>,
    /// Oldest month first, by the month cases were received.
    pub months: Vec<MonthCompliance>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DistrictCounts {
    pub district_code: String,
    pub counts: BTreeMap<String, u64>,
}

#[derive(Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct MonthCompliance {
    /// `YYYY-MM`.
    pub month: String,
    pub received: u64,
    /// Accepted or rejected.
    pub decided: u64,
    /// Decided on or before `decide_by`.
    pub decided_in_time: u64,
    /// Not decided yet and past `decide_by`.
    pub decision_overdue: u64,
    /// Accepted cases closed (mediated, settled, failed or terminated).
    pub mediations_closed: u64,
    /// Closed on or before `mediate_by`.
    pub mediated_in_time: u64,
    /// Accepted, still open and past `mediate_by`.
    pub mediation_overdue: u64,
}

/// What the reckoning needs of one case.
#[derive(Debug, Clone)]
pub struct CaseDates {
    pub status: Status,
    pub received_on: NaiveDate,
    pub decide_by: NaiveDate,
    pub accepted_on: Option<NaiveDate>,
    /// The day it was rejected, for rejected cases.
    pub rejected_on: Option<NaiveDate>,
    pub mediate_by: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
}

fn month_start(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

/// Month by month from `first` to the month of `today`. A case paused for
/// testing has its `mediate_by` already moved by the pause, so it is judged
/// like any other.
pub fn reckon(cases: &[CaseDates], first: NaiveDate, today: NaiveDate) -> Vec<MonthCompliance> {
    let mut months: Vec<MonthCompliance> = Vec::new();
    let mut index = HashMap::new();
    let mut m = month_start(first);
    while m <= today {
        index.insert(m, months.len());
        months.push(MonthCompliance {
            month: m.format("%Y-%m").to_string(),
            ..Default::default()
        });
        m = m + Months::new(1);
    }
    for c in cases {
        let Some(&i) = index.get(&month_start(c.received_on)) else {
            continue;
        };
        let row = &mut months[i];
        row.received += 1;
        let decided_on = c.accepted_on.or(c.rejected_on);
        match decided_on {
            Some(on) => {
                row.decided += 1;
                if on <= c.decide_by {
                    row.decided_in_time += 1;
                }
            }
            None if matches!(c.status, Status::Submitted | Status::MerchantWindow)
                && today > c.decide_by =>
            {
                row.decision_overdue += 1;
            }
            None => {}
        }
        if c.accepted_on.is_none() {
            continue;
        }
        match (c.closed_on, c.mediate_by) {
            (Some(closed), Some(by)) if c.status == Status::Closed => {
                row.mediations_closed += 1;
                if closed <= by {
                    row.mediated_in_time += 1;
                }
            }
            (None, Some(by)) if c.status == Status::Accepted && today > by => {
                row.mediation_overdue += 1;
            }
            _ => {}
        }
    }
    months
}

pub async fn dashboard(
    svc: &Complaints,
    caller: &Principal,
    q: &DashboardQuery,
) -> AppResult<DashboardView> {
    let months = q.months.unwrap_or(6);
    if !(1..=24).contains(&months) {
        return Err(AppError::invalid_field("months", "range"));
    }
    let today = svc.today();
    let first = month_start(today) - Months::new(months - 1);
    let districts = caller.handler_districts.clone();

    let counted: Vec<(String, String, i64)> = complaint::Entity::find()
        .select_only()
        .column(complaint::Column::DistrictCode)
        .column(complaint::Column::Status)
        .column_as(complaint::Column::Id.count(), "n")
        .filter(complaint::Column::DistrictCode.is_in(districts.clone()))
        .group_by(complaint::Column::DistrictCode)
        .group_by(complaint::Column::Status)
        .into_tuple()
        .all(&svc.db)
        .await?;
    let mut by_district: BTreeMap<String, BTreeMap<String, u64>> = districts
        .iter()
        .map(|d| (d.clone(), super::queue::zero_counts()))
        .collect();
    for (district, status, n) in counted {
        by_district
            .entry(district)
            .or_default()
            .insert(status, n.max(0) as u64);
    }

    type Row = (
        Uuid,
        Status,
        NaiveDate,
        NaiveDate,
        Option<NaiveDate>,
        Option<NaiveDate>,
        Option<chrono::DateTime<chrono::Utc>>,
    );
    let rows: Vec<Row> = complaint::Entity::find()
        .select_only()
        .column(complaint::Column::Id)
        .column(complaint::Column::Status)
        .column(complaint::Column::ReceivedOn)
        .column(complaint::Column::DecideBy)
        .column(complaint::Column::AcceptedOn)
        .column(complaint::Column::MediateBy)
        .column(complaint::Column::ClosedAt)
        .filter(complaint::Column::DistrictCode.is_in(districts))
        .filter(complaint::Column::ReceivedOn.gte(first))
        .into_tuple()
        .all(&svc.db)
        .await?;
    // A rejection's day is in the case's timeline.
    let since = first
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(SHANGHAI).single())
        .map(|t| t.to_utc())
        .ok_or_else(|| AppError::internal("first day of the dashboard"))?;
    let rejections: HashMap<Uuid, NaiveDate> = complaint_event::Entity::find()
        .select_only()
        .column(complaint_event::Column::ComplaintId)
        .column(complaint_event::Column::CreatedAt)
        .filter(complaint_event::Column::Kind.eq("rejected"))
        .filter(complaint_event::Column::CreatedAt.gte(since))
        .into_tuple::<(Uuid, chrono::DateTime<chrono::Utc>)>()
        .all(&svc.db)
        .await?
        .into_iter()
        .map(|(id, at)| (id, at.with_timezone(&SHANGHAI).date_naive()))
        .collect();
    let cases: Vec<CaseDates> = rows
        .into_iter()
        .map(
            |(id, status, received_on, decide_by, accepted_on, mediate_by, closed_at)| CaseDates {
                status,
                received_on,
                decide_by,
                accepted_on,
                rejected_on: (status == Status::Rejected)
                    .then(|| rejections.get(&id).copied())
                    .flatten(),
                mediate_by,
                closed_on: closed_at.map(|t| t.with_timezone(&SHANGHAI).date_naive()),
            },
        )
        .collect();

    Ok(DashboardView {
        districts: by_district
            .into_iter()
            .map(|(district_code, counts)| DistrictCounts {
                district_code,
                counts,
            })
            .collect(),
        months: reckon(&cases, first, today),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("a date")
    }

    fn case(status: Status, received: &str, decide_by: &str) -> CaseDates {
        CaseDates {
            status,
            received_on: day(received),
            decide_by: day(decide_by),
            accepted_on: None,
            rejected_on: None,
            mediate_by: None,
            closed_on: None,
        }
    }

    #[test]
    fn every_month_is_listed_even_without_cases() {
        let months = reckon(&[], day("2026-10-15"), day("2026-12-01"));
        let names: Vec<_> = months.iter().map(|m| m.month.as_str()).collect();
        assert_eq!(names, ["2026-10", "2026-11", "2026-12"]);
        assert!(months.iter().all(|m| m.received == 0));
    }

    #[test]
    fn decisions_count_by_the_day_they_were_made() {
        let mut on_time = case(Status::Accepted, "2026-11-02", "2026-11-11");
        on_time.accepted_on = Some(day("2026-11-11"));
        let mut late = case(Status::Rejected, "2026-11-03", "2026-11-12");
        late.rejected_on = Some(day("2026-11-13"));
        let waiting = case(Status::Submitted, "2026-11-20", "2026-12-01");
        let overdue = case(Status::MerchantWindow, "2026-11-04", "2026-11-13");
        let withdrawn = case(Status::Withdrawn, "2026-11-05", "2026-11-14");
        let months = reckon(
            &[on_time, late, waiting, overdue, withdrawn],
            day("2026-11-01"),
            day("2026-12-01"),
        );
        assert_eq!(
            months[0],
            MonthCompliance {
                month: "2026-11".into(),
                received: 5,
                decided: 2,
                decided_in_time: 1,
                decision_overdue: 1,
                ..Default::default()
            }
        );
    }

    #[test]
    fn mediations_count_when_closed_and_when_running_late() {
        let accepted = |closed: Option<&str>, by: &str, status| CaseDates {
            accepted_on: Some(day("2026-09-10")),
            mediate_by: Some(day(by)),
            closed_on: closed.map(day),
            ..case(status, "2026-09-01", "2026-09-10")
        };
        let months = reckon(
            &[
                accepted(Some("2026-11-09"), "2026-11-09", Status::Closed),
                accepted(Some("2026-11-10"), "2026-11-09", Status::Closed),
                accepted(None, "2026-11-09", Status::Accepted),
                accepted(None, "2026-12-09", Status::Accepted),
            ],
            day("2026-09-01"),
            day("2026-12-01"),
        );
        let september = &months[0];
        assert_eq!(september.received, 4);
        assert_eq!(september.decided_in_time, 4);
        assert_eq!(september.mediations_closed, 2);
        assert_eq!(september.mediated_in_time, 1);
        assert_eq!(september.mediation_overdue, 1);
    }

    #[test]
    fn cases_before_the_first_month_are_left_out() {
        let old = case(Status::Submitted, "2026-08-31", "2026-09-09");
        let months = reckon(&[old], day("2026-09-01"), day("2026-09-30"));
        assert_eq!(months.len(), 1);
        assert_eq!(months[0].received, 0);
    }
}
