//! What the parties do on their case: the complainant withdraws, answers the
//! merchant's proposal and rates the handling; the respondent's staff answer.

use entity::complaint;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;
use validator::Validate;

use super::Complaints;
use super::access::{check, complainant_action, load, load_current, require_complainant};
use super::case_view::{finish, get};
use super::deadlines::apply_reckoning;
use super::dto::*;
use super::rules::{Action, NO_DEADLINE, Outcome, Status, StatusRules};
use super::transitions::{PauseChange, Step, apply_step, reckon_case, record_event};
use crate::auth::Principal;
use crate::error::{AppError, AppResult};

pub async fn withdraw(
    svc: &Complaints,
    caller: &Principal,
    id: Uuid,
    input: WithdrawRequest,
) -> AppResult<ComplaintView> {
    input.validate()?;
    let (c, from) = complainant_action(svc, caller, id, Action::Withdraw).await?;
    let saved = apply_step(
        svc,
        c,
        from,
        Some(Status::Withdrawn),
        |row| {
            row.due_on = Set(NO_DEADLINE);
            row.paused_since = Set(None);
        },
        Step {
            note: input.reason,
            pause: Some(PauseChange::Close { until: svc.today() }),
            ..Step::new(caller, "resident", "withdrawn")
        },
    )
    .await?;
    finish(svc, caller, saved).await
}

pub async fn merchant_response(
    svc: &Complaints,
    caller: &Principal,
    id: Uuid,
    input: MerchantResponseRequest,
) -> AppResult<ComplaintView> {
    input.validate()?;
    let c = load_current(svc, id).await?;
    if !c.merchant_id.is_some_and(|m| caller.is_staff_of(m)) {
        return Err(AppError::forbidden("不是被投诉商户的工作人员"));
    }
    let from = check(Action::MerchantResponse, &c)?;
    let message = input.message.trim().to_owned();
    let message_text = message.clone();
    let proposal = input.proposal.map(|p| p.trim().to_owned());
    let saved = apply_step(
        svc,
        c,
        from,
        None,
        |row| {
            row.merchant_response = Set(Some(message_text));
            row.merchant_proposal = Set(proposal);
        },
        Step {
            note: Some(message),
            notify: Some(("商家已回复", "商家已回复您的投诉，请查看".into())),
            ..Step::new(caller, "merchant", "merchant_response")
        },
    )
    .await?;
    finish(svc, caller, saved).await
}

pub async fn settlement(
    svc: &Complaints,
    caller: &Principal,
    id: Uuid,
    input: SettlementRequest,
) -> AppResult<ComplaintView> {
    let (c, from) = complainant_action(svc, caller, id, Action::Settlement).await?;
    if c.merchant_proposal.is_none() {
        return Err(AppError::conflict("no_proposal", "商家尚未提出和解方案"));
    }
    if input.escalate && (input.accept || from != Status::MerchantWindow) {
        return Err(AppError::invalid_field(
            "escalate",
            "only_when_declining_in_merchant_window",
        ));
    }
    let saved = if input.accept {
        let now = svc.clock.now();
        // The parties settled on their own, not through the bureau's
        // mediation: before acceptance it is also a direct settlement.
        let direct = from != Status::Accepted;
        apply_step(
            svc,
            c,
            from,
            Some(Status::Closed),
            |row| {
                row.outcome = Set(Some(Outcome::Settled));
                row.settled_directly = Set(direct);
                row.closed_at = Set(Some(now));
                row.paused_since = Set(None);
                row.due_on = Set(NO_DEADLINE);
            },
            Step {
                pause: Some(PauseChange::Close { until: svc.today() }),
                ..Step::new(caller, "resident", "settlement_accepted")
            },
        )
        .await?
    } else {
        let declined = apply_step(
            svc,
            c,
            from,
            None,
            |row| row.merchant_proposal = Set(None),
            Step::new(caller, "resident", "settlement_declined"),
        )
        .await?;
        if input.escalate {
            end_window_now(svc, caller, declined, "resident", None).await?
        } else {
            declined
        }
    };
    finish(svc, caller, saved).await
}

/// A party ends the ODR merchant's window now: the case goes to the bureau,
/// whose seven working days start today.
pub async fn escalate(
    svc: &Complaints,
    caller: &Principal,
    id: Uuid,
    input: EscalateRequest,
) -> AppResult<ComplaintView> {
    input.validate()?;
    let c = load_current(svc, id).await?;
    let role = if c.complainant_id == caller.user_id {
        "resident"
    } else if c.merchant_id.is_some_and(|m| caller.is_staff_of(m)) {
        "merchant"
    } else {
        return Err(AppError::forbidden(
            "只有投诉人或被投诉商户可以提请转入受理",
        ));
    };
    check(Action::Escalate, &c)?;
    let note = input
        .note
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    let saved = end_window_now(svc, caller, c, role, note).await?;
    finish(svc, caller, saved).await
}

async fn end_window_now(
    svc: &Complaints,
    caller: &Principal,
    c: complaint::Model,
    role: &'static str,
    note: Option<String>,
) -> AppResult<complaint::Model> {
    let today = svc.today();
    let now = svc.clock.now();
    let r = reckon_case(svc, &c, |f| f.escalated_on = Some(today)).await?;
    let by_merchant = role == "merchant";
    apply_step(
        svc,
        c,
        Status::MerchantWindow,
        Some(Status::Submitted),
        |row| {
            row.odr_escalated_on = Set(Some(today));
            apply_reckoning(row, Status::Submitted, false, &r, now);
        },
        Step {
            note,
            // The complainant hears of it when the merchant ended the window.
            notify: by_merchant.then(|| {
                (
                    Status::Submitted.label(),
                    "商家未能和解，投诉已转入市场监管部门受理".to_owned(),
                )
            }),
            ..Step::new(caller, role, "escalated")
        },
    )
    .await
}

pub async fn rate(
    svc: &Complaints,
    caller: &Principal,
    id: Uuid,
    input: RatingRequest,
) -> AppResult<ComplaintView> {
    input.validate()?;
    let c = load(svc, id).await?;
    require_complainant(caller, &c)?;
    check(Action::Rate, &c)?;
    let rated = complaint::Entity::update_many()
        .col_expr(
            complaint::Column::RatingScore,
            Expr::value(Some(input.score)),
        )
        .col_expr(
            complaint::Column::RatingComment,
            Expr::value(input.comment.clone()),
        )
        .filter(complaint::Column::Id.eq(id))
        .filter(complaint::Column::RatingScore.is_null())
        .exec(&svc.db)
        .await?;
    if rated.rows_affected == 0 {
        return Err(AppError::conflict("already_rated", "该投诉已评价"));
    }
    record_event(
        &svc.db,
        id,
        Some(caller.user_id),
        "resident",
        "rated",
        None,
        None,
        Some(format!("{} 分", input.score)),
        false,
        svc.clock.now(),
    )
    .await?;
    get(svc, caller, id).await
}
