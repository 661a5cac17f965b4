//! Who may see and act on a case: the caller's relation to it, the role
//! and state checks every action starts with, and loading a case with its
//! lapsed ODR window ended first.

use entity::complaint;
use sea_orm::EntityTrait;
use uuid::Uuid;

use super::Complaints;
use super::deadlines::end_windows;
use super::rules::{self, Action, Status};
use crate::auth::{Principal, Role};
use crate::error::{AppError, AppResult};

/// How the caller relates to a case; decides what they see and may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Relation {
    Handler,
    Complainant,
    RespondentStaff,
    Admin,
}

impl Relation {
    /// The role in which the caller sees the case, as the audit trail names it.
    pub(super) fn role(self) -> &'static str {
        match self {
            Relation::Handler => "handler",
            Relation::Complainant => "resident",
            Relation::RespondentStaff => "merchant",
            Relation::Admin => "admin",
        }
    }
}

/// A handler who is a party to the case sees it as that party does.
pub(super) fn relation(p: &Principal, c: &complaint::Model) -> Option<Relation> {
    let party = rules::conflicted(p.user_id, &p.merchant_ids, c.complainant_id, c.merchant_id);
    if p.handles_district(&c.district_code) && !party {
        Some(Relation::Handler)
    } else if c.complainant_account_closed {
        // The regulator's record of a closed account: for handlers only.
        None
    } else if c.complainant_id == p.user_id {
        Some(Relation::Complainant)
    } else if c.merchant_id.is_some_and(|m| p.is_staff_of(m)) {
        Some(Relation::RespondentStaff)
    } else if p.has_role(Role::Admin) {
        Some(Relation::Admin)
    } else {
        None
    }
}

/// What the caller may do on the case now: the actions the front end offers.
pub(super) fn available_actions(relation: Relation, c: &complaint::Model) -> Vec<&'static str> {
    let paused = c.paused_since.is_some();
    let can = |action| rules::allowed(action, c.status, paused);
    let mut actions = Vec::new();
    let mut offer = |name, ok: bool| {
        if ok {
            actions.push(name);
        }
    };
    match relation {
        Relation::Complainant => {
            offer("withdraw", can(Action::Withdraw));
            offer(
                "settlement",
                can(Action::Settlement) && c.merchant_proposal.is_some(),
            );
            offer("escalate", can(Action::Escalate));
            offer("rating", can(Action::Rate) && c.rating_score.is_none());
        }
        Relation::RespondentStaff => {
            offer("merchant_response", can(Action::MerchantResponse));
            offer("escalate", can(Action::Escalate));
        }
        Relation::Handler => {
            offer("accept", can(Action::Accept));
            offer("reject", can(Action::Reject));
            offer("transfer", can(Action::Transfer));
            offer("assign", can(Action::Assign));
            offer("pause", can(Action::Pause));
            offer("resume", can(Action::Resume));
            offer("close", can(Action::Close));
            offer(
                "termination_notice",
                c.termination_notice_by.is_some() && c.termination_notified_at.is_none(),
            );
            offer("notes", true);
        }
        Relation::Admin => offer("assign", can(Action::Assign)),
    }
    actions
}

pub(super) async fn load(svc: &Complaints, id: Uuid) -> AppResult<complaint::Model> {
    complaint::Entity::find_by_id(id)
        .one(&svc.db)
        .await?
        .ok_or_else(|| AppError::not_found("投诉不存在"))
}

pub(super) async fn load_current(svc: &Complaints, id: Uuid) -> AppResult<complaint::Model> {
    let c = load(svc, id).await?;
    if c.status == Status::MerchantWindow && c.odr_window_until.is_some_and(|d| d < svc.today()) {
        end_windows(svc, Some(std::slice::from_ref(&c.district_code))).await?;
        return load(svc, id).await;
    }
    Ok(c)
}

pub(super) fn check(action: Action, c: &complaint::Model) -> AppResult<Status> {
    let status = c.status;
    if rules::allowed(action, status, c.paused_since.is_some()) {
        Ok(status)
    } else {
        Err(AppError::invalid_transition(format!(
            "案件当前状态为 {status}，不能执行此操作"
        )))
    }
}

/// A handler of the case's district who is not a party to it: a handler
/// who filed it, or who is staff of the respondent, may not act on it.
pub(super) fn require_handler(p: &Principal, c: &complaint::Model) -> AppResult<()> {
    if !p.handles_district(&c.district_code) {
        return Err(AppError::forbidden("不是该辖区的处理人员"));
    }
    if rules::conflicted(p.user_id, &p.merchant_ids, c.complainant_id, c.merchant_id) {
        return Err(AppError::new(
            actix_web::http::StatusCode::FORBIDDEN,
            crate::error::codes::CONFLICT_OF_INTEREST,
            "您是本案当事人（投诉人或被投诉商户工作人员），应当回避",
        ));
    }
    Ok(())
}

pub(super) fn require_complainant(p: &Principal, c: &complaint::Model) -> AppResult<()> {
    if c.complainant_id == p.user_id {
        Ok(())
    } else {
        Err(AppError::forbidden("只有投诉人可以执行此操作"))
    }
}

/// The case and its state, for a handler of its district allowed `action` now.
pub(super) async fn handler_action(
    svc: &Complaints,
    caller: &Principal,
    id: Uuid,
    action: Action,
) -> AppResult<(complaint::Model, Status)> {
    let c = load_current(svc, id).await?;
    require_handler(caller, &c)?;
    let from = check(action, &c)?;
    Ok((c, from))
}

/// The case and its state, for its complainant allowed `action` now.
pub(super) async fn complainant_action(
    svc: &Complaints,
    caller: &Principal,
    id: Uuid,
    action: Action,
) -> AppResult<(complaint::Model, Status)> {
    let c = load_current(svc, id).await?;
    require_complainant(caller, &c)?;
    let from = check(action, &c)?;
    Ok((c, from))
}

/// The case, if the caller may see it (404 if none, 403 if not theirs).
pub async fn visible_case(
    svc: &Complaints,
    caller: &Principal,
    id: Uuid,
) -> AppResult<complaint::Model> {
    let c = load_current(svc, id).await?;
    relation(caller, &c).ok_or_else(|| AppError::forbidden("无权查看该投诉"))?;
    Ok(c)
}
