//! The bureau's actions on a case (accept, reject, transfer, assign, close,
//! notes, pause and resume), each one conditional update plus an event on
//! the timeline and, where the complainant must hear of it, a message in the
//! outbox, all in one transaction.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{complaint, complaint_event, complaint_pause, merchant_staff, user};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, TransactionTrait,
};
use uuid::Uuid;
use validator::Validate;

use super::Complaints;
use super::access::{check, handler_action, load, load_current, relation, require_handler};
use super::case_view::finish;
use super::deadlines::{apply_reckoning, facts_of, pauses_of};
use super::dto::*;
use super::legal_clock::{CaseFacts, Reckoning, mediate_rule_for, reckon};
use super::rules::{self, Action, NO_DEADLINE, Status, StatusRules};
use crate::auth::{Principal, Role};
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
    send_progress(txn, svc, c, &who.openid, state_name, note).await
}

async fn send_progress(
    txn: &impl ConnectionTrait,
    svc: &Complaints,
    c: &complaint::Model,
    openid: &str,
    state_name: &str,
    note: &str,
) -> AppResult<()> {
    let when = svc.clock.now_local().format("%Y-%m-%d %H:%M").to_string();
    let payload = template::complaint_progress(
        openid,
        &svc.settings.template_id,
        &c.id.to_string(),
        &c.number,
        &c.title,
        state_name,
        &when,
        note,
    );
    notify::enqueue_about(txn, message_kind(c), openid, &payload, Some(c.id)).await?;
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
    /// The same message to the respondent's staff too.
    pub(super) notify_respondent: bool,
    /// A pause of the mediation clock opened or closed with the change.
    pub(super) pause: Option<PauseChange>,
}

impl<'a> Step<'a> {
    pub(super) fn new(actor: &'a Principal, role: &'static str, kind: &'static str) -> Self {
        Self {
            actor,
            role,
            kind,
            note: None,
            internal: false,
            notify: None,
            notify_respondent: false,
            pause: None,
        }
    }
}

pub(super) enum PauseChange {
    Open { from: NaiveDate, reason: String },
    Close { until: NaiveDate },
}

async fn write_pause(
    txn: &impl ConnectionTrait,
    complaint_id: Uuid,
    change: PauseChange,
) -> AppResult<()> {
    match change {
        PauseChange::Open { from, reason } => {
            complaint_pause::Entity::insert(complaint_pause::ActiveModel {
                id: Set(Uuid::now_v7()),
                complaint_id: Set(complaint_id),
                from_on: Set(from),
                until_on: Set(None),
                reason: Set(reason),
            })
            .exec(txn)
            .await?;
        }
        PauseChange::Close { until } => {
            complaint_pause::Entity::update_many()
                .col_expr(complaint_pause::Column::UntilOn, Expr::value(Some(until)))
                .filter(complaint_pause::Column::ComplaintId.eq(complaint_id))
                .filter(complaint_pause::Column::UntilOn.is_null())
                .exec(txn)
                .await?;
        }
    }
    Ok(())
}

/// Queues a message to every staff member of the respondent merchant.
pub(super) async fn notify_respondent(
    txn: &impl ConnectionTrait,
    svc: &Complaints,
    c: &complaint::Model,
    state_name: &str,
    note: &str,
) -> AppResult<()> {
    let Some(merchant_id) = c.merchant_id else {
        return Ok(());
    };
    let staff = user::Entity::find()
        .filter(user::Column::ClosedAt.is_null())
        .filter(
            user::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(merchant_staff::Column::UserId)
                    .from(merchant_staff::Entity)
                    .and_where(merchant_staff::Column::MerchantId.eq(merchant_id))
                    .to_owned(),
            ),
        )
        .all(txn)
        .await?;
    for who in staff {
        send_progress(txn, svc, c, &who.openid, state_name, note).await?;
    }
    Ok(())
}

/// Termination notices are tracked until delivered; other progress is not.
fn message_kind(c: &complaint::Model) -> &'static str {
    if c.termination_notice_by.is_some() && c.termination_notified_at.is_none() {
        TERMINATION_NOTICE_KIND
    } else {
        "complaint_progress"
    }
}

/// The outbox kind of the messages that tell the parties of a termination.
pub(super) const TERMINATION_NOTICE_KIND: &str = "complaint_terminated";

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
    if let Some(change) = step.pause {
        write_pause(&txn, saved.id, change).await?;
    }
    if let Some((state_name, text)) = &step.notify {
        notify_complainant(&txn, svc, &saved, state_name, text).await?;
        if step.notify_respondent {
            notify_respondent(&txn, svc, &saved, state_name, text).await?;
        }
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
    let now = svc.clock.now();
    // The limit is the one in force on the day of acceptance, kept on the case.
    let rule = mediate_rule_for(today);
    let r = reckon_case(svc, &c, |f| f.accepted = Some((today, rule))).await?;
    let saved = apply_step(
        svc,
        c,
        from,
        Some(Status::Accepted),
        |row| {
            row.accepted_on = Set(Some(today));
            row.mediate_rule = Set(Some(rule));
            apply_reckoning(row, Status::Accepted, false, &r, now);
        },
        Step {
            note,
            notify: Some((Status::Accepted.label(), "投诉已受理，将组织调解".into())),
            ..Step::new(caller, "handler", "accepted")
        },
    )
    .await?;
    finish(svc, caller, saved).await
}

pub async fn reject(
    svc: &Complaints,
    caller: &Principal,
    id: Uuid,
    input: RejectCaseRequest,
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
            note: input.note,
            notify: Some((
                Status::Rejected.label(),
                "投诉不予受理，详见案件说明".into(),
            )),
            ..Step::new(caller, "handler", "rejected")
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
    // The receiving bureau gets its own seven working days from today.
    let today = svc.today();
    let now = svc.clock.now();
    let r = reckon_case(svc, &c, |f| f.transferred_on = Some(today)).await?;
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
            row.transferred_on = Set(Some(today));
            apply_reckoning(row, from, false, &r, now);
        },
        Step {
            note: Some(note),
            ..Step::new(caller, "handler", "transferred")
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
            note: Some(input.user_id.to_string()),
            internal: true,
            ..Step::new(
                caller,
                if by_admin { "admin" } else { "handler" },
                "assigned",
            )
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
    let reason = input.reason.trim().to_owned();
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
            note: Some(reason.clone()),
            pause: Some(PauseChange::Open {
                from: today,
                reason,
            }),
            ..Step::new(caller, "handler", "paused")
        },
    )
    .await?;
    finish(svc, caller, saved).await
}

/// The clock runs again; mediation ends later by the time it stood still.
pub async fn resume(svc: &Complaints, caller: &Principal, id: Uuid) -> AppResult<ComplaintView> {
    let (c, from) = handler_action(svc, caller, id, Action::Resume).await?;
    let today = svc.today();
    let now = svc.clock.now();
    let r = reckon_case(svc, &c, |f| {
        for p in f.pauses.iter_mut().filter(|p| p.until.is_none()) {
            p.until = Some(today);
        }
    })
    .await?;
    let mediate_by = r.mediate_by.map(|m| m.date).unwrap_or(today);
    let saved = apply_step(
        svc,
        c,
        from,
        None,
        |row| {
            row.paused_since = Set(None);
            apply_reckoning(row, from, false, &r, now);
        },
        Step {
            note: Some(format!("调解期限顺延至 {mediate_by}")),
            pause: Some(PauseChange::Close { until: today }),
            ..Step::new(caller, "handler", "resumed")
        },
    )
    .await?;
    finish(svc, caller, saved).await
}

/// The deadlines of a case after `change` to its facts, on today's calendar.
pub(super) async fn reckon_case(
    svc: &Complaints,
    c: &complaint::Model,
    change: impl FnOnce(&mut CaseFacts),
) -> AppResult<Reckoning> {
    let pauses = pauses_of(&svc.db, c.id).await?;
    let mut facts = facts_of(c, &pauses);
    change(&mut facts);
    Ok(reckon(&*svc.calendar.current().await?, &facts))
}
