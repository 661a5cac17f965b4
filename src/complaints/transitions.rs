//! The bureau's actions on a case (accept, reject, transfer, assign, close,
//! notes, pause and resume), each one conditional update plus an event on
//! the timeline and, where the complainant must hear of it, a message in the
//! outbox, all in one transaction.

use chrono::{DateTime, Days, Utc};
use entity::{complaint, complaint_event, user};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, TransactionTrait,
};
use uuid::Uuid;
use validator::Validate;

use super::Complaints;
use super::access::{check, handler_action, load, load_current, relation, require_handler};
use super::case_view::finish;
use super::deadlines::MEDIATE_WORKING_DAYS;
use super::dto::*;
use super::rules::{self, Action, NO_DEADLINE, Status, StatusRules};
use crate::auth::{Principal, Role};
use crate::calendar::Calendar;
use crate::error::{AppError, AppResult};
use crate::notify::{self, template};

// Each argument is a column of the append-only event row.
#[allow(clippy::too_many_arguments)]
pub(super) async fn record_event(
    txn: &impl ConnectionTrait,
    complaint_id: Uuid,
    actor: Option<Uuid>,
    role: &str,
    kind: &str,
    from: Option<Status>,
    to: Option<Status>,
    note: Option<String>,
    internal: bool,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    complaint_event::Entity::insert(complaint_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        complaint_id: Set(complaint_id),
        actor_id: Set(actor),
        actor_role: Set(role.to_owned()),
        kind: Set(kind.to_owned()),
        from_status: Set(from),
        to_status: Set(to),
        note: Set(note),
        internal: Set(internal),
        created_at: Set(at),
    })
    .exec(txn)
    .await?;
    Ok(())
}

/// Queues a progress message to the complainant (same transaction).
pub(super) async fn notify_complainant(
    txn: &impl ConnectionTrait,
    svc: &Complaints,
    c: &complaint::Model,
    state_name: &str,
    note: &str,
) -> AppResult<()> {
    let Some(who) = user::Entity::find_by_id(c.complainant_id).one(txn).await? else {
        return Ok(());
    };
    let when = svc.clock.now_local().format("%Y-%m-%d %H:%M").to_string();
    let payload = template::complaint_progress(
        &who.openid,
        &svc.settings.template_id,
        &c.id.to_string(),
        &c.number,
        &c.title,
        state_name,
        &when,
        note,
    );
    notify::enqueue(txn, "complaint_progress", &who.openid, &payload).await?;
    Ok(())
}

/// Saves a change made from `expected` state; 409 if someone changed it first.
pub(super) async fn save(
    txn: &impl ConnectionTrait,
    id: Uuid,
    row: complaint::ActiveModel,
    expected: Status,
) -> AppResult<complaint::Model> {
    let updated = complaint::Entity::update_many()
        .set(row)
        .filter(complaint::Column::Id.eq(id))
        .filter(complaint::Column::Status.eq(expected))
        .exec(txn)
        .await?;
    if updated.rows_affected == 0 {
        return Err(AppError::invalid_transition("案件状态已变化，请刷新后重试"));
    }
    complaint::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::not_found("投诉不存在"))
}

/// Common shape of a handler or party action: load, check, change, record.
pub(super) struct Step<'a> {
    pub(super) actor: &'a Principal,
    pub(super) role: &'static str,
    pub(super) kind: &'static str,
    pub(super) note: Option<String>,
    pub(super) internal: bool,
    /// Progress message to the complainant: (state name, text).
    pub(super) notify: Option<(&'static str, String)>,
}

pub(super) async fn apply_step(
    svc: &Complaints,
    c: complaint::Model,
    from: Status,
    to: Option<Status>,
    change: impl FnOnce(&mut complaint::ActiveModel),
    step: Step<'_>,
) -> AppResult<complaint::Model> {
    let now = svc.clock.now();
    let id = c.id;
    let mut row = c.into_active_model();
    change(&mut row);
    if let Some(to) = to {
        row.status = Set(to);
    }
    row.updated_at = Set(now);
    let _turn = svc.gate.turn().await;
    let txn = svc.db.begin().await?;
    let saved = save(&txn, id, row, from).await?;
    record_event(
        &txn,
        saved.id,
        Some(step.actor.user_id),
        step.role,
        step.kind,
        Some(from),
        to.or(Some(from)),
        step.note,
        step.internal,
        now,
    )
    .await?;
    if let Some((state_name, text)) = &step.notify {
        notify_complainant(&txn, svc, &saved, state_name, text).await?;
    }
    txn.commit().await?;
    Ok(saved)
}

pub async fn accept(
    svc: &Complaints,
    caller: &Principal,
    id: Uuid,
    note: Option<String>,
) -> AppResult<ComplaintView> {
    let (c, from) = handler_action(svc, caller, id, Action::Accept).await?;
    let today = svc.today();
    let (mediate_by, provisional) = match svc.settings.mediation_calendar_days {
        Some(days) => (today + Days::new(u64::from(days)), false),
        None => {
            let r = svc
                .calendar
                .current()
                .await?
                .add_working_days(today, MEDIATE_WORKING_DAYS);
            (r.date, r.provisional)
        }
    };
    let saved = apply_step(
        svc,
        c,
        from,
        Some(Status::Accepted),
        |row| {
            row.accepted_on = Set(Some(today));
            row.mediate_by = Set(Some(mediate_by));
            row.mediate_by_provisional = Set(provisional);
            row.due_on = Set(mediate_by);
        },
        Step {
            actor: caller,
            role: "handler",
            kind: "accepted",
            note,
            internal: false,
            notify: Some((Status::Accepted.label(), "投诉已受理，将组织调解".into())),
        },
    )
    .await?;
    finish(svc, caller, saved).await
}

pub async fn reject(
    svc: &Complaints,
    caller: &Principal,
    id: Uuid,
    input: RejectRequest,
) -> AppResult<ComplaintView> {
    input.validate()?;
    if !rules::REJECT_REASONS.contains(&input.reason_code.as_str()) {
        return Err(AppError::invalid_field("reason_code", "unknown_reason"));
    }
    let (c, from) = handler_action(svc, caller, id, Action::Reject).await?;
    let reason = input.reason_code.clone();
    let saved = apply_step(
        svc,
        c,
        from,
        Some(Status::Rejected),
        |row| {
            row.reject_reason = Set(Some(reason));
            row.due_on = Set(NO_DEADLINE);
        },
        Step {
            actor: caller,
            role: "handler",
            kind: "rejected",
            note: input.note,
            internal: false,
            notify: Some((
                Status::Rejected.label(),
                "投诉不予受理，详见案件说明".into(),
            )),
        },
    )
    .await?;
    finish(svc, caller, saved).await
}

pub async fn transfer(
    svc: &Complaints,
    caller: &Principal,
    id: Uuid,
    input: TransferRequest,
) -> AppResult<ComplaintView> {
    input.validate()?;
    let (c, from) = handler_action(svc, caller, id, Action::Transfer).await?;
    if input.district_code == c.district_code {
        return Err(AppError::invalid_field("district_code", "same_district"));
    }
    let bad = crate::districts::service::not_in_force(
        &svc.db,
        std::slice::from_ref(&input.district_code),
        svc.today(),
    )
    .await?;
    if !bad.is_empty() {
        return Err(AppError::invalid_field("district_code", "unknown_district"));
    }
    let to_district = input.district_code.clone();
    let note = format!(
        "移送至 {}{}",
        to_district,
        input.note.map(|n| format!("：{n}")).unwrap_or_default()
    );
    let saved = apply_step(
        svc,
        c,
        from,
        None,
        |row| {
            row.district_code = Set(to_district);
            row.assignee_id = Set(None);
        },
        Step {
            actor: caller,
            role: "handler",
            kind: "transferred",
            note: Some(note),
            internal: false,
            notify: None,
        },
    )
    .await?;
    // The caller may no longer see it: answer with what they can.
    match relation(caller, &saved) {
        Some(_) => finish(svc, caller, saved).await,
        None => Err(AppError::forbidden("案件已移送出您的辖区")),
    }
}

/// Assigns the case to a handler of its district who is not a party to it.
/// A handler of the district may do it, and so may an admin: the way a
/// case reaches someone else when its handlers are conflicted.
pub async fn assign(
    svc: &Complaints,
    caller: &Principal,
    id: Uuid,
    input: AssignRequest,
) -> AppResult<ComplaintView> {
    let c = load_current(svc, id).await?;
    let by_admin = caller.has_role(Role::Admin) && !caller.handles_district(&c.district_code);
    if !by_admin {
        require_handler(caller, &c)?;
    }
    let from = check(Action::Assign, &c)?;
    let Some(target) = crate::auth::service::load_principal(&svc.db, input.user_id).await? else {
        return Err(AppError::invalid_field(
            "user_id",
            "not_a_handler_of_this_district",
        ));
    };
    if !target.handles_district(&c.district_code) {
        return Err(AppError::invalid_field(
            "user_id",
            "not_a_handler_of_this_district",
        ));
    }
    if rules::conflicted(
        target.user_id,
        &target.merchant_ids,
        c.complainant_id,
        c.merchant_id,
    ) {
        return Err(AppError::invalid_field("user_id", "conflict_of_interest"));
    }
    let saved = apply_step(
        svc,
        c,
        from,
        None,
        |row| row.assignee_id = Set(Some(input.user_id)),
        Step {
            actor: caller,
            role: if by_admin { "admin" } else { "handler" },
            kind: "assigned",
            note: Some(input.user_id.to_string()),
            internal: true,
            notify: None,
        },
    )
    .await?;
    finish(svc, caller, saved).await
}

pub async fn close(
    svc: &Complaints,
    caller: &Principal,
    id: Uuid,
    input: CloseRequest,
) -> AppResult<ComplaintView> {
    input.validate()?;
    let outcome = rules::parse_outcome(&input.outcome)
        .ok_or_else(|| AppError::invalid_field("outcome", "unknown_outcome"))?;
    let (c, from) = handler_action(svc, caller, id, Action::Close).await?;
    let now = svc.clock.now();
    let saved = apply_step(
        svc,
        c,
        from,
        Some(Status::Closed),
        |row| {
            row.outcome = Set(Some(outcome));
            row.compensation_fen = Set(input.compensation_fen);
            row.closed_at = Set(Some(now));
            row.paused_since = Set(None);
            row.due_on = Set(NO_DEADLINE);
        },
        Step {
            actor: caller,
            role: "handler",
            kind: "closed",
            note: input.note,
            internal: false,
            notify: Some((Status::Closed.label(), "投诉已办结，欢迎评价".into())),
        },
    )
    .await?;
    finish(svc, caller, saved).await
}

pub async fn add_note(
    svc: &Complaints,
    caller: &Principal,
    id: Uuid,
    input: NoteRequest,
) -> AppResult<ComplaintView> {
    input.validate()?;
    let c = load(svc, id).await?;
    require_handler(caller, &c)?;
    record_event(
        &svc.db,
        c.id,
        Some(caller.user_id),
        "handler",
        "note",
        None,
        None,
        Some(input.text.trim().to_owned()),
        input.internal,
        svc.clock.now(),
    )
    .await?;
    finish(svc, caller, c).await
}

pub async fn pause(
    svc: &Complaints,
    caller: &Principal,
    id: Uuid,
    input: PauseRequest,
) -> AppResult<ComplaintView> {
    input.validate()?;
    let (c, from) = handler_action(svc, caller, id, Action::Pause).await?;
    let today = svc.today();
    let saved = apply_step(
        svc,
        c,
        from,
        None,
        |row| {
            row.paused_since = Set(Some(today));
            row.due_on = Set(NO_DEADLINE);
        },
        Step {
            actor: caller,
            role: "handler",
            kind: "paused",
            note: Some(input.reason),
            internal: false,
            notify: None,
        },
    )
    .await?;
    finish(svc, caller, saved).await
}

pub async fn resume(svc: &Complaints, caller: &Principal, id: Uuid) -> AppResult<ComplaintView> {
    let (c, from) = handler_action(svc, caller, id, Action::Resume).await?;
    let today = svc.today();
    let since = c.paused_since.unwrap_or(today);
    let old = c.mediate_by.unwrap_or(today);
    let (mediate_by, provisional) = match svc.settings.mediation_calendar_days {
        Some(_) => (
            old + Days::new(std::cmp::max((today - since).num_days(), 0) as u64),
            c.mediate_by_provisional,
        ),
        None => {
            let cal: std::sync::Arc<Calendar> = svc.calendar.current().await?;
            let stood = cal.working_days_between(since, today);
            let r = cal.add_working_days(old, stood);
            (r.date, r.provisional || c.mediate_by_provisional)
        }
    };
    let saved = apply_step(
        svc,
        c,
        from,
        None,
        |row| {
            row.paused_since = Set(None);
            row.mediate_by = Set(Some(mediate_by));
            row.mediate_by_provisional = Set(provisional);
            row.due_on = Set(mediate_by);
        },
        Step {
            actor: caller,
            role: "handler",
            kind: "resumed",
            note: Some(format!("调解期限顺延至 {mediate_by}")),
            internal: false,
            notify: None,
        },
    )
    .await?;
    finish(svc, caller, saved).await
}
