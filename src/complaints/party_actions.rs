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
use super::dto::*;
use super::rules::{Action, NO_DEADLINE, Outcome, Status};
use super::transitions::{Step, apply_step, record_event};
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
            actor: caller,
            role: "resident",
            kind: "withdrawn",
            note: input.reason,
            internal: false,
            notify: None,
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
            actor: caller,
            role: "merchant",
            kind: "merchant_response",
            note: Some(message),
            internal: false,
            notify: Some(("商家已回复", "商家已回复您的投诉，请查看".into())),
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
    let saved = if input.accept {
        let now = svc.clock.now();
        // Before the bureau accepted it, the parties settled on their own.
        let direct = from != Status::Accepted;
        apply_step(
            svc,
            c,
            from,
            Some(Status::Closed),
            |row| {
                row.outcome = Set(Some(if direct {
                    Outcome::Settled
                } else {
                    Outcome::Mediated
                }));
                row.settled_directly = Set(direct);
                row.closed_at = Set(Some(now));
                row.paused_since = Set(None);
                row.due_on = Set(NO_DEADLINE);
            },
            Step {
                actor: caller,
                role: "resident",
                kind: "settlement_accepted",
                note: None,
                internal: false,
                notify: None,
            },
        )
        .await?
    } else {
        apply_step(
            svc,
            c,
            from,
            None,
            |row| row.merchant_proposal = Set(None),
            Step {
                actor: caller,
                role: "resident",
                kind: "settlement_declined",
                note: None,
                internal: false,
                notify: None,
            },
        )
        .await?
    };
    finish(svc, caller, saved).await
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
