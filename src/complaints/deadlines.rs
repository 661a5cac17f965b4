//! Legal deadlines on the working-day calendar: which one is running, the
//! end of ODR direct-settlement windows, warnings the working day before a
//! deadline, and recomputing provisional deadlines when a year's calendar
//! arrives.

use chrono::{DateTime, NaiveDate, Utc};
use entity::status::OutboxStatus;
use entity::{complaint, complaint_pause, holiday_table, outbox, user};
use sea_orm::sea_query::{Condition, Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use uuid::Uuid;

use std::sync::Arc;

use super::Complaints;
use super::legal_clock::{CaseFacts, Pause, Reckoning, mediate_rule_for, reckon};
use super::rules::{NO_DEADLINE, Status, StatusRules};
use super::transitions::{TERMINATION_NOTICE_KIND, record_event};
use crate::calendar::{self, Calendar, YearTable};
use crate::error::{AppError, AppResult};
use crate::notify::{self, template};
use crate::workers::runtime::Periodic;

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

/// The facts of a case its deadlines are reckoned from, with its pauses.
pub(super) fn facts_of(c: &complaint::Model, pauses: &[complaint_pause::Model]) -> CaseFacts {
    CaseFacts {
        received_on: c.received_on,
        odr: c.odr,
        escalated_on: c.odr_escalated_on,
        transferred_on: c.transferred_on,
        accepted: c
            .accepted_on
            .map(|on| (on, c.mediate_rule.unwrap_or(mediate_rule_for(on)))),
        pauses: pauses
            .iter()
            .map(|p| Pause {
                from: p.from_on,
                until: p.until_on,
            })
            .collect(),
    }
}

pub(super) async fn pauses_of(
    db: &impl ConnectionTrait,
    complaint_id: Uuid,
) -> AppResult<Vec<complaint_pause::Model>> {
    Ok(complaint_pause::Entity::find()
        .filter(complaint_pause::Column::ComplaintId.eq(complaint_id))
        .order_by_asc(complaint_pause::Column::FromOn)
        .all(db)
        .await?)
}

/// Writes a reckoning into a row: the deadlines, their provisional marks and
/// the date the queue sorts by.
pub(super) fn apply_reckoning(
    row: &mut complaint::ActiveModel,
    status: Status,
    paused: bool,
    r: &Reckoning,
    now: DateTime<Utc>,
) {
    row.odr_window_until = Set(r.window.map(|w| w.date));
    row.decide_by = Set(r.decide_by.date);
    // A guessed window end moved the decision clock's start: already in it.
    row.decide_by_provisional = Set(r.decide_by.provisional);
    row.mediate_by = Set(r.mediate_by.map(|m| m.date));
    row.mediate_by_provisional = Set(r.mediate_by.is_some_and(|m| m.provisional));
    row.due_on = Set(due_on(
        status,
        r.decide_by.date,
        r.mediate_by.map(|m| m.date),
        paused,
    ));
    row.deadlines_reckoned_at = Set(Some(now));
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

/// After a year's calendar is loaded: reckons again every running case
/// with a provisional deadline that was reckoned before the newest table
/// arrived, from its facts (pauses, escalation and transfer included).
/// Safe to run at any time and on every instance: a case reckoned since
/// is left alone.
pub async fn recompute_provisional(
    db: &DatabaseConnection,
    cal: &Calendar,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    let Some(newest) = holiday_table::Entity::find()
        .select_only()
        .column_as(holiday_table::Column::LoadedAt.max(), "newest")
        .into_tuple::<Option<DateTime<Utc>>>()
        .one(db)
        .await?
        .flatten()
    else {
        return Ok(0);
    };
    let mut changed = 0;
    // Walked by id, so every case is looked at once per run.
    let mut after = Uuid::nil();
    loop {
        let rows = complaint::Entity::find()
            .filter(complaint::Column::Id.gt(after))
            .filter(
                Condition::any()
                    .add(complaint::Column::DecideByProvisional.eq(true))
                    .add(complaint::Column::MediateByProvisional.eq(true)),
            )
            .filter(complaint::Column::Status.is_in(Status::open()))
            .filter(
                Condition::any()
                    .add(complaint::Column::DeadlinesReckonedAt.is_null())
                    .add(complaint::Column::DeadlinesReckonedAt.lte(newest)),
            )
            .order_by_asc(complaint::Column::Id)
            .limit(500)
            .all(db)
            .await?;
        let Some(last) = rows.last() else {
            return Ok(changed);
        };
        after = last.id;
        for c in rows {
            // No transaction around the read and the write: on SQLite a
            // transaction that reads first and then writes fails at once
            // ("database is locked") when another connection wrote in
            // between, while one conditional UPDATE waits its turn. The
            // conditions below reject the write if an action came between.
            let pauses = pauses_of(db, c.id).await?;
            let r = reckon(cal, &facts_of(&c, &pauses));
            let mut row = c.clone().into_active_model();
            apply_reckoning(&mut row, c.status, c.paused_since.is_some(), &r, now);
            // Conditional on the facts read: an action in between wins.
            let same = |col: complaint::Column, day: Option<NaiveDate>| match day {
                Some(d) => col.eq(d),
                None => col.is_null(),
            };
            let updated = complaint::Entity::update_many()
                .set(row)
                .filter(complaint::Column::Id.eq(c.id))
                .filter(complaint::Column::Status.eq(c.status))
                .filter(same(complaint::Column::AcceptedOn, c.accepted_on))
                .filter(same(complaint::Column::PausedSince, c.paused_since))
                .filter(same(complaint::Column::TransferredOn, c.transferred_on))
                .filter(same(complaint::Column::OdrEscalatedOn, c.odr_escalated_on))
                .exec(db)
                .await?;
            changed += updated.rows_affected;
        }
    }
}

/// Loads a year's official calendar and recomputes the provisional
/// deadlines it settles; returns how many cases were recomputed.
pub async fn load_calendar_year(svc: &Complaints, table: &YearTable) -> AppResult<u64> {
    calendar::service::check(table)
        .map_err(|reason| AppError::invalid_field("days_off", reason))?;
    calendar::service::store(&svc.db, table, svc.clock.now()).await?;
    let cal = svc.calendar.reload().await?;
    recompute_provisional(&svc.db, &cal, svc.clock.now()).await
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

/// Marks terminated cases whose parties have both received the notice
/// through WeChat; the notice deadline then leaves the queue. A notice that
/// could not be delivered (not subscribed, failed), or a respondent with no
/// account to message, leaves it for the handler to tell them another way
/// and record it (`POST /complaints/{id}/termination-notice`).
pub async fn settle_termination_notices(svc: &Complaints) -> AppResult<usize> {
    let pending = complaint::Entity::find()
        .filter(complaint::Column::Status.eq(Status::Closed))
        .filter(complaint::Column::TerminationNoticeBy.is_not_null())
        .filter(complaint::Column::TerminationNotifiedAt.is_null())
        .filter(complaint::Column::MerchantId.is_not_null())
        .limit(200)
        .all(&svc.db)
        .await?;
    let mut settled = 0;
    for c in pending {
        let notices = outbox::Entity::find()
            .filter(outbox::Column::SubjectId.eq(c.id))
            .filter(outbox::Column::Kind.eq(TERMINATION_NOTICE_KIND))
            .all(&svc.db)
            .await?;
        // One to the complainant and at least one to the merchant's staff.
        let delivered =
            notices.len() >= 2 && notices.iter().all(|n| n.status == OutboxStatus::Sent);
        let Some(at) = notices.iter().filter_map(|n| n.sent_at).max() else {
            continue;
        };
        if !delivered {
            continue;
        }
        let txn = svc.db.begin().await?;
        let marked = complaint::Entity::update_many()
            .col_expr(
                complaint::Column::TerminationNotifiedAt,
                Expr::value(Some(at)),
            )
            .col_expr(complaint::Column::DueOn, Expr::value(NO_DEADLINE))
            .filter(complaint::Column::Id.eq(c.id))
            .filter(complaint::Column::TerminationNotifiedAt.is_null())
            .exec(&txn)
            .await?;
        if marked.rows_affected == 1 {
            record_event(
                &txn,
                c.id,
                None,
                "system",
                "termination_notified",
                None,
                None,
                Some("终止调解告知已送达双方".into()),
                false,
                svc.clock.now(),
            )
            .await?;
            settled += 1;
        }
        txn.commit().await?;
    }
    Ok(settled)
}

/// Background job: the assigned handler is warned the working day before a
/// deadline, and delivered termination notices are settled.
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
        let warned = warn_near_deadlines(&self.complaints).await?;
        // Delivered termination notices are settled on the same beat.
        Ok(warned + settle_termination_notices(&self.complaints).await?)
    }
}
