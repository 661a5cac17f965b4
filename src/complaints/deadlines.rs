//! Legal deadlines on the working-day calendar: which one is running, the
//! end of ODR direct-settlement windows, warnings the working day before a
//! deadline, and recomputing provisional deadlines when a year's calendar
//! arrives.

use chrono::NaiveDate;
use entity::{complaint, user};
use sea_orm::sea_query::{Condition, Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QuerySelect, TransactionTrait,
};

use std::sync::Arc;

use super::Complaints;
use super::rules::{NO_DEADLINE, Status};
use super::transitions::record_event;
use crate::calendar::{self, Calendar, Reckoned, YearTable};
use crate::error::{AppError, AppResult};
use crate::notify::{self, template};
use crate::workers::runtime::Periodic;

pub(super) const DECIDE_WORKING_DAYS: u32 = 7;

pub(super) const MEDIATE_WORKING_DAYS: u32 = 45;

pub(super) const ODR_WINDOW_WORKING_DAYS: u32 = 10;

pub fn due_on(
    status: Status,
    decide_by: NaiveDate,
    mediate_by: Option<NaiveDate>,
    paused: bool,
) -> NaiveDate {
    match status {
        Status::Submitted | Status::MerchantWindow => decide_by,
        Status::Accepted if !paused => mediate_by.unwrap_or(NO_DEADLINE),
        _ => NO_DEADLINE,
    }
}

/// The deadlines a case starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpeningDeadlines {
    pub status: Status,
    /// An ODR merchant's direct-settlement window, when there is one.
    pub window: Option<Reckoned>,
    /// The bureau decides whether to accept by then.
    pub decide_by: Reckoned,
}

impl OpeningDeadlines {
    pub fn provisional(&self) -> bool {
        self.decide_by.provisional || self.window.is_some_and(|w| w.provisional)
    }
}

/// A case against an ODR merchant first gives the merchant 10 working days
/// to settle directly; the bureau's 7 working days to decide follow them.
/// Any other case goes to the bureau at once.
pub fn opening_deadlines(
    calendar: &Calendar,
    received_on: NaiveDate,
    odr: bool,
) -> OpeningDeadlines {
    if odr {
        let window = calendar.add_working_days(received_on, ODR_WINDOW_WORKING_DAYS);
        OpeningDeadlines {
            status: Status::MerchantWindow,
            window: Some(window),
            decide_by: calendar.add_working_days(window.date, DECIDE_WORKING_DAYS),
        }
    } else {
        OpeningDeadlines {
            status: Status::Submitted,
            window: None,
            decide_by: calendar.add_working_days(received_on, DECIDE_WORKING_DAYS),
        }
    }
}

/// Moves ODR cases whose direct-settlement window has ended into the
/// bureau's queue. The background worker runs it every tick; reading one
/// case runs it for that case, so nobody acts on a stale window.
pub async fn end_windows(svc: &Complaints, districts: Option<&[String]>) -> AppResult<usize> {
    let today = svc.today();
    let mut query = complaint::Entity::find()
        .filter(complaint::Column::Status.eq(Status::MerchantWindow))
        .filter(complaint::Column::OdrWindowUntil.lt(today));
    if let Some(d) = districts {
        query = query.filter(complaint::Column::DistrictCode.is_in(d.iter().cloned()));
    }
    let mut ended = 0;
    for c in query.limit(500).all(&svc.db).await? {
        let txn = svc.db.begin().await?;
        let moved = complaint::Entity::update_many()
            .col_expr(complaint::Column::Status, Expr::value(Status::Submitted))
            .col_expr(complaint::Column::DueOn, Expr::value(c.decide_by))
            .col_expr(complaint::Column::UpdatedAt, Expr::value(svc.clock.now()))
            .filter(complaint::Column::Id.eq(c.id))
            .filter(complaint::Column::Status.eq(Status::MerchantWindow))
            .exec(&txn)
            .await?;
        if moved.rows_affected == 1 {
            record_event(
                &txn,
                c.id,
                None,
                "system",
                "merchant_window_ended",
                Some(Status::MerchantWindow),
                Some(Status::Submitted),
                Some("商家自行和解期已结束，转入受理".into()),
                false,
                svc.clock.now(),
            )
            .await?;
            ended += 1;
        }
        txn.commit().await?;
    }
    Ok(ended)
}

/// Warns the assigned handler the working day before a deadline (once per deadline).
pub async fn warn_near_deadlines(svc: &Complaints) -> AppResult<usize> {
    let today = svc.today();
    let horizon = svc
        .calendar
        .current()
        .await?
        .add_working_days(today, 1)
        .date;
    let near = complaint::Entity::find()
        .filter(complaint::Column::DueOn.gte(today))
        .filter(complaint::Column::DueOn.lte(horizon))
        .filter(complaint::Column::AssigneeId.is_not_null())
        .filter(
            Condition::any()
                .add(complaint::Column::DeadlineWarnedFor.is_null())
                .add(
                    Expr::col(complaint::Column::DeadlineWarnedFor)
                        .ne(Expr::col(complaint::Column::DueOn)),
                ),
        )
        .limit(100)
        .all(&svc.db)
        .await?;
    let mut warned = 0;
    for c in near {
        let Some(assignee) = c.assignee_id else {
            continue;
        };
        let txn = svc.db.begin().await?;
        let marked = complaint::Entity::update_many()
            .col_expr(
                complaint::Column::DeadlineWarnedFor,
                Expr::value(Some(c.due_on)),
            )
            .filter(complaint::Column::Id.eq(c.id))
            .filter(complaint::Column::DueOn.eq(c.due_on))
            .exec(&txn)
            .await?;
        if marked.rows_affected == 1
            && let Some(handler) = user::Entity::find_by_id(assignee).one(&txn).await?
        {
            let payload = template::complaint_progress(
                &handler.openid,
                &svc.settings.template_id,
                &c.id.to_string(),
                &c.number,
                &c.title,
                "临近期限",
                &c.due_on.format("%Y-%m-%d").to_string(),
                "案件办理期限将至，请及时处理",
            );
            notify::enqueue(&txn, "complaint_deadline_near", &handler.openid, &payload).await?;
            warned += 1;
        }
        txn.commit().await?;
    }
    Ok(warned)
}

/// After a year's calendar is loaded: recomputes every provisional deadline
/// of a running case from its start date.
pub async fn recompute_provisional(svc: &Complaints) -> AppResult<u64> {
    let cal = svc.calendar.reload().await?;
    let rows = complaint::Entity::find()
        .filter(
            Condition::any()
                .add(complaint::Column::DecideByProvisional.eq(true))
                .add(complaint::Column::MediateByProvisional.eq(true)),
        )
        .all(&svc.db)
        .await?;
    let mut changed = 0;
    for c in rows {
        let status = c.status;
        let (window, decide) = match c.odr_window_until {
            Some(_) => {
                let w = cal.add_working_days(c.received_on, ODR_WINDOW_WORKING_DAYS);
                (Some(w), cal.add_working_days(w.date, DECIDE_WORKING_DAYS))
            }
            None => (
                None,
                cal.add_working_days(c.received_on, DECIDE_WORKING_DAYS),
            ),
        };
        let mediate = match (c.accepted_on, svc.settings.mediation_calendar_days) {
            (Some(on), None) => Some(cal.add_working_days(on, MEDIATE_WORKING_DAYS)),
            _ => None,
        };
        let mut row = c.clone().into_active_model();
        row.decide_by = Set(decide.date);
        row.decide_by_provisional =
            Set(decide.provisional || window.is_some_and(|w| w.provisional));
        row.odr_window_until = Set(window.map(|w| w.date));
        if let Some(m) = mediate
            && c.paused_since.is_none()
        {
            row.mediate_by = Set(Some(m.date));
            row.mediate_by_provisional = Set(m.provisional);
        }
        let mediate_by = match &row.mediate_by {
            sea_orm::ActiveValue::Set(v) | sea_orm::ActiveValue::Unchanged(v) => *v,
            sea_orm::ActiveValue::NotSet => c.mediate_by,
        };
        row.due_on = Set(due_on(
            status,
            decide.date,
            mediate_by,
            c.paused_since.is_some(),
        ));
        row.update(&svc.db).await?;
        changed += 1;
    }
    Ok(changed)
}

/// Loads a year's official calendar and recomputes the provisional
/// deadlines it settles; returns how many cases were recomputed.
pub async fn load_calendar_year(svc: &Complaints, table: &YearTable) -> AppResult<u64> {
    calendar::service::check(table)
        .map_err(|reason| AppError::invalid_field("days_off", reason))?;
    calendar::service::store(&svc.db, table, svc.clock.now()).await?;
    recompute_provisional(svc).await
}

/// Background job: ODR windows that have lapsed move to the bureau.
pub struct OdrWindowEnd {
    pub complaints: Arc<Complaints>,
    pub every: std::time::Duration,
}

impl Periodic for OdrWindowEnd {
    const NAME: &'static str = "odr window end";
    fn every(&self) -> std::time::Duration {
        self.every
    }
    async fn run_once(&self) -> AppResult<usize> {
        end_windows(&self.complaints, None).await
    }
}

/// Background job: the assigned handler is warned the working day before a deadline.
pub struct DeadlineWarnings {
    pub complaints: Arc<Complaints>,
    pub every: std::time::Duration,
}

impl Periodic for DeadlineWarnings {
    const NAME: &'static str = "deadline warnings";
    fn every(&self) -> std::time::Duration {
        self.every
    }
    async fn run_once(&self) -> AppResult<usize> {
        warn_near_deadlines(&self.complaints).await
    }
}
