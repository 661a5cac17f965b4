//! After applying: the admin review queue and decision (with a message to
//! the applicant), the seller's view by invoice, refunds, and the recycling
//! extra settled when its pickup is collected or missed.

use entity::status::{ApplicationStatus, RecyclingState};
use entity::{trade_in_application, user};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use super::TradeIn;
use super::applications::{ALREADY_REVIEWED, alive, normalize_reference, view};
use super::dto::*;
use super::rule_book::rule_book;
use crate::auth::{Principal, Role};
use crate::error::{AppError, AppResult};
use crate::notify::{self, template};
use crate::pagination::{Page, Paginated};

/// The review queue, oldest first.
pub async fn review_queue(
    svc: &TradeIn,
    q: &ApplicationQuery,
    page: Page,
) -> AppResult<Paginated<ApplicationView>> {
    use trade_in_application::Column as C;
    let mut query = trade_in_application::Entity::find()
        .order_by_asc(C::Id)
        .limit(page.limit + 1);
    if let Some(status) = &q.status {
        query = query.filter(C::Status.eq(known_status(status)?));
    }
    if let Some(category) = &q.category {
        query = query.filter(C::Category.eq(category.as_str()));
    }
    if let Some(after) = page.after {
        query = query.filter(C::Id.gt(after));
    }
    let rows = query.all(&svc.db).await?;
    Ok(Paginated::from_rows(rows, page, |a| a.id, |a| view(&a)))
}

/// Applications naming the caller's merchants, newest first (to find the
/// one to mark refunded): `status`, `invoice_no`.
pub async fn of_merchant(
    svc: &TradeIn,
    staff: &Principal,
    q: &ApplicationQuery,
    page: Page,
) -> AppResult<Paginated<ApplicationView>> {
    use trade_in_application::Column as C;
    let mut query = trade_in_application::Entity::find()
        .filter(C::MerchantId.is_in(staff.merchant_ids.clone()))
        .order_by_desc(C::Id)
        .limit(page.limit + 1);
    if let Some(status) = &q.status {
        query = query.filter(C::Status.eq(known_status(status)?));
    }
    if let Some(category) = &q.category {
        query = query.filter(C::Category.eq(category.as_str()));
    }
    if let Some(invoice) = &q.invoice_no {
        query = query.filter(C::InvoiceNo.eq(normalize_reference(invoice)));
    }
    if let Some(after) = page.after {
        query = query.filter(C::Id.lt(after));
    }
    let rows = query.all(&svc.db).await?;
    Ok(Paginated::from_rows(rows, page, |a| a.id, |a| view(&a)))
}

pub(super) fn known_status(status: &str) -> AppResult<ApplicationStatus> {
    entity::status::parse(status)
        .ok_or_else(|| AppError::bad_request("status 须为 pending、approved、rejected 或 refunded"))
}

pub enum Decision {
    Approve,
    Reject(String),
}

pub async fn review(
    svc: &TradeIn,
    admin: &Principal,
    id: Uuid,
    decision: Decision,
) -> AppResult<ApplicationView> {
    use trade_in_application::Column as C;
    let now = svc.clock.now();
    let (status, reason) = match decision {
        Decision::Approve => (ApplicationStatus::Approved, None),
        Decision::Reject(reason) => (ApplicationStatus::Rejected, Some(reason.trim().to_owned())),
    };
    let _turn = svc.gate.turn().await;
    let txn = svc.db.begin().await?;
    let done = trade_in_application::Entity::update_many()
        .col_expr(C::Status, Expr::value(status))
        .col_expr(C::Reason, Expr::value(reason.clone()))
        .col_expr(C::ReviewedBy, Expr::value(Some(admin.user_id)))
        .col_expr(C::ReviewedAt, Expr::value(Some(now)))
        .col_expr(C::UpdatedAt, Expr::value(now))
        .filter(C::Id.eq(id))
        .filter(C::Status.eq(ApplicationStatus::Pending))
        .exec(&txn)
        .await?;
    let row = trade_in_application::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("申请不存在"))?;
    if done.rows_affected == 0 {
        txn.rollback().await?;
        return Err(AppError::conflict(ALREADY_REVIEWED, "该申请已审核")
            .with_details(json!({ "status": row.status })));
    }
    notify_applicant(&txn, svc, &row).await?;
    txn.commit().await?;
    Ok(view(&row))
}

/// Queues the review result to the applicant (in the review's transaction,
/// so a WeChat outage delays the message but never loses it).
pub(super) async fn notify_applicant(
    txn: &impl ConnectionTrait,
    svc: &TradeIn,
    row: &trade_in_application::Model,
) -> AppResult<()> {
    let Some(applicant) = user::Entity::find_by_id(row.user_id).one(txn).await? else {
        return Ok(());
    };
    let book = rule_book(svc).await?;
    let category = book
        .category(&row.category, row.invoice_date)
        .map_or(row.category.as_str(), |c| c.name.as_str());
    let (result, note) = if row.status == ApplicationStatus::Approved {
        ("已通过", "补贴将按规定发放".to_owned())
    } else {
        ("未通过", row.reason.clone().unwrap_or_default())
    };
    let payload = template::trade_in_review(
        &applicant.openid,
        &svc.settings.template_id,
        &row.id.to_string(),
        category,
        result,
        row.subsidy_fen,
        &svc.clock.now_local().format("%Y-%m-%d %H:%M").to_string(),
        &note,
    );
    notify::enqueue(txn, "trade_in_review", &applicant.openid, &payload).await?;
    Ok(())
}

/// The seller (or an admin) records that the purchase was refunded. The
/// application stays and keeps using the quota.
pub async fn refund(
    svc: &TradeIn,
    caller: &Principal,
    id: Uuid,
    reason: String,
) -> AppResult<ApplicationView> {
    use trade_in_application::Column as C;
    let row = trade_in_application::Entity::find_by_id(id)
        .one(&svc.db)
        .await?
        .ok_or_else(|| AppError::not_found("申请不存在"))?;
    if !caller.is_staff_of(row.merchant_id) && !caller.has_role(Role::Admin) {
        return Err(AppError::forbidden("只有销售商户或管理员可登记退货"));
    }
    let now = svc.clock.now();
    let _turn = svc.gate.turn().await;
    let done = trade_in_application::Entity::update_many()
        .col_expr(C::Status, Expr::value(ApplicationStatus::Refunded))
        .col_expr(C::Reason, Expr::value(Some(reason.trim().to_owned())))
        .col_expr(C::RefundedAt, Expr::value(Some(now)))
        .col_expr(C::UpdatedAt, Expr::value(now))
        .filter(C::Id.eq(id))
        .filter(C::Status.is_in([ApplicationStatus::Pending, ApplicationStatus::Approved]))
        .exec(&svc.db)
        .await?;
    if done.rows_affected == 0 {
        return Err(
            AppError::invalid_transition("只有待审核或已通过的申请可登记退货")
                .with_details(json!({ "status": row.status })),
        );
    }
    let row = trade_in_application::Entity::find_by_id(id)
        .one(&svc.db)
        .await?
        .ok_or_else(|| AppError::not_found("申请不存在"))?;
    Ok(view(&row))
}

/// What a pickup's outcome does to the application linked to it (inside the
/// pickup's transaction): collected grants the recycling extra, missed or
/// cancelled loses it.
pub async fn settle_recycling(
    txn: &impl ConnectionTrait,
    pickup_id: Uuid,
    collected: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    use trade_in_application::Column as C;
    let mut update = trade_in_application::Entity::update_many()
        .col_expr(C::UpdatedAt, Expr::value(now))
        .filter(C::RecyclingPickupId.eq(pickup_id))
        .filter(C::RecyclingState.eq(RecyclingState::Pending))
        .filter(alive());
    update = if collected {
        update
            .col_expr(C::RecyclingState, Expr::value(RecyclingState::Granted))
            .col_expr(
                C::SubsidyFen,
                Expr::col(C::NationalSubsidyFen).add(Expr::col(C::RecyclingBonusFen)),
            )
    } else {
        update.col_expr(C::RecyclingState, Expr::value(RecyclingState::Lost))
    };
    update.exec(txn).await?;
    Ok(())
}
