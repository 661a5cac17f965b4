//! Closing a mediation: with its outcome, and when terminated, with one of
//! the legal grounds and a notice to both parties within seven working
//! days (FACTS §2), tracked until it is delivered or recorded.

use sea_orm::ActiveValue::Set;
use uuid::Uuid;
use validator::Validate;

use super::Complaints;
use super::access::{handler_action, load, require_handler};
use super::case_view::finish;
use super::dto::*;
use super::legal_clock::TERMINATION_NOTICE_WORKING_DAYS;
use super::rules::{self, Action, NO_DEADLINE, Outcome, Status, StatusRules};
use super::transitions::{PauseChange, Step, apply_step};
use crate::auth::Principal;
use crate::error::{AppError, AppResult};

pub async fn close(
    svc: &Complaints,
    caller: &Principal,
    id: Uuid,
    input: CloseRequest,
) -> AppResult<ComplaintView> {
    input.validate()?;
    let outcome = rules::parse_outcome(&input.outcome)
        .ok_or_else(|| AppError::invalid_field("outcome", "unknown_outcome"))?;
    let termination = termination_reason(outcome, input.termination_reason.as_deref())?;
    let (c, from) = handler_action(svc, caller, id, Action::Close).await?;
    let now = svc.clock.now();
    let notice_by = match termination {
        Some(_) => Some(
            svc.calendar
                .current()
                .await?
                .add_working_days(svc.today(), TERMINATION_NOTICE_WORKING_DAYS)
                .date,
        ),
        None => None,
    };
    let text = match &termination {
        Some(reason) => format!("调解终止（{}），特此告知", termination_label(reason)),
        None => "投诉已办结，欢迎评价".to_owned(),
    };
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
            row.termination_reason = Set(termination);
            row.termination_notice_by = Set(notice_by);
            // Until both parties are told, the notice is what is due.
            row.due_on = Set(notice_by.unwrap_or(NO_DEADLINE));
        },
        Step {
            note: input.note,
            notify: Some((Status::Closed.label(), text)),
            notify_respondent: notice_by.is_some(),
            pause: Some(PauseChange::Close { until: svc.today() }),
            ..Step::new(caller, "handler", "closed")
        },
    )
    .await?;
    finish(svc, caller, saved).await
}

/// `terminated` needs one of the grounds; any other outcome takes none.
fn termination_reason(outcome: Outcome, reason: Option<&str>) -> AppResult<Option<String>> {
    match (outcome, reason.map(str::trim).filter(|r| !r.is_empty())) {
        (Outcome::Terminated, None) => {
            Err(AppError::invalid_field("termination_reason", "required"))
        }
        (Outcome::Terminated, Some(r)) if rules::TERMINATION_REASONS.contains(&r) => {
            Ok(Some(r.to_owned()))
        }
        (Outcome::Terminated, Some(_)) => Err(AppError::invalid_field(
            "termination_reason",
            "unknown_reason",
        )),
        (_, None) => Ok(None),
        (_, Some(_)) => Err(AppError::invalid_field(
            "termination_reason",
            "only_for_terminated",
        )),
    }
}

fn termination_label(reason: &str) -> &'static str {
    match reason {
        "withdrawn_or_settled" => "投诉人撤回或双方自行和解",
        "party_refused" => "一方拒绝调解",
        "party_absent" => "一方无正当理由未参加调解",
        "no_agreement" => "双方无法达成调解协议",
        "rejection_ground_found" => "发现不予受理情形",
        _ => "调解期满未达成协议",
    }
}

/// A handler records that the parties of a terminated case were told by
/// other means (a WeChat message could not reach them).
pub async fn record_termination_notice(
    svc: &Complaints,
    caller: &Principal,
    id: Uuid,
    input: TerminationNoticeRequest,
) -> AppResult<ComplaintView> {
    input.validate()?;
    let c = load(svc, id).await?;
    require_handler(caller, &c)?;
    if c.termination_notice_by.is_none() || c.termination_notified_at.is_some() {
        return Err(AppError::invalid_transition(
            "该案件没有待送达的终止调解告知",
        ));
    }
    let now = svc.clock.now();
    let saved = apply_step(
        svc,
        c,
        Status::Closed,
        None,
        |row| {
            row.termination_notified_at = Set(Some(now));
            row.due_on = Set(NO_DEADLINE);
        },
        Step {
            note: Some(input.note.trim().to_owned()),
            ..Step::new(caller, "handler", "termination_notified")
        },
    )
    .await?;
    finish(svc, caller, saved).await
}
