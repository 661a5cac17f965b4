//! `DELETE /me`: closing an account. In one transaction the user is
//! unlinked from their WeChat openid and phone (a later login starts a
//! fresh account), loses their roles, districts and merchant seats; unused
//! vouchers are voided with their stock handled like expired stock;
//! pending trade-in applications are withdrawn and scheduled pickups
//! cancelled. Closed complaint case files stay as the regulator's record,
//! marked as from a closed account and visible only to handlers. Every
//! token of the account stops working at once: the caller's principal is
//! gone from the database and from this instance's cache.

use chrono::{DateTime, Utc};
use entity::status::{ApplicationStatus, MerchantStatus, PickupStatus, VoucherStatus};
use entity::{
    complaint, handler_district, idempotency_key, merchant, merchant_staff, recycling_pickup,
    trade_in_application, user, user_role, voucher, voucher_campaign, voucher_round,
};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};
use uuid::Uuid;

use super::dto::{CONFIRMATION, CloseAccountRequest};
use crate::audit;
use crate::auth::Principal;
use crate::auth::service::Identity;
use crate::complaints::rules::Status;
use crate::error::{AppError, AppResult};

pub const OPEN_CASES: &str = "open_cases";
pub const LAST_STAFF: &str = "last_staff";

/// The nickname a closed account keeps on records others see.
const CLOSED_NICKNAME: &str = "已注销用户";

pub async fn close_account(
    identity: &Identity,
    caller: &Principal,
    input: CloseAccountRequest,
) -> AppResult<()> {
    if input.confirm.trim() != CONFIRMATION {
        return Err(AppError::invalid_field("confirm", "must_be_注销"));
    }
    let me = caller.user_id;
    let now = identity.clock.now();
    let _turn = identity.gate.turn().await;
    let txn = identity.db.begin().await?;
    refuse_open_cases(&txn, me).await?;
    refuse_last_staff(&txn, caller).await?;
    void_vouchers(&txn, me, now).await?;
    withdraw_trade_in(&txn, me, now).await?;
    complaint::Entity::update_many()
        .col_expr(
            complaint::Column::ComplainantAccountClosed,
            Expr::value(true),
        )
        .filter(complaint::Column::ComplainantId.eq(me))
        .exec(&txn)
        .await?;
    user_role::Entity::delete_many()
        .filter(user_role::Column::UserId.eq(me))
        .exec(&txn)
        .await?;
    handler_district::Entity::delete_many()
        .filter(handler_district::Column::UserId.eq(me))
        .exec(&txn)
        .await?;
    merchant_staff::Entity::delete_many()
        .filter(merchant_staff::Column::UserId.eq(me))
        .exec(&txn)
        .await?;
    idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::UserId.eq(me))
        .exec(&txn)
        .await?;
    // The openid is unique: a placeholder frees the real one for a new account.
    user::Entity::update_many()
        .col_expr(user::Column::Openid, Expr::value(format!("closed:{me}")))
        .col_expr(user::Column::Unionid, Expr::value(Option::<String>::None))
        .col_expr(user::Column::Phone, Expr::value(Option::<String>::None))
        .col_expr(user::Column::Nickname, Expr::value(CLOSED_NICKNAME))
        .col_expr(user::Column::ClosedAt, Expr::value(Some(now)))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(me))
        .filter(user::Column::ClosedAt.is_null())
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        now,
        audit::Entry {
            actor_id: Some(me),
            actor_role: "resident",
            action: "close_account",
            object_type: "user",
            object_id: Some(me),
        },
    )
    .await?;
    txn.commit().await?;
    identity.forget_roles(me).await;
    Ok(())
}

async fn refuse_open_cases(txn: &impl ConnectionTrait, me: Uuid) -> AppResult<()> {
    let open = complaint::Entity::find()
        .filter(complaint::Column::ComplainantId.eq(me))
        .filter(complaint::Column::Status.is_in([
            Status::Submitted,
            Status::MerchantWindow,
            Status::Accepted,
        ]))
        .count(txn)
        .await?;
    if open > 0 {
        return Err(
            AppError::conflict(OPEN_CASES, "您还有未办结的投诉，请撤回或等待办结后再注销")
                .with_details(serde_json::json!({ "open_cases": open })),
        );
    }
    Ok(())
}

/// An approved merchant must keep someone who can answer for it.
async fn refuse_last_staff(txn: &impl ConnectionTrait, caller: &Principal) -> AppResult<()> {
    for merchant_id in &caller.merchant_ids {
        let approved = merchant::Entity::find_by_id(*merchant_id)
            .filter(merchant::Column::Status.eq(MerchantStatus::Approved))
            .count(txn)
            .await?;
        if approved == 0 {
            continue;
        }
        let others = merchant_staff::Entity::find()
            .filter(merchant_staff::Column::MerchantId.eq(*merchant_id))
            .filter(merchant_staff::Column::UserId.ne(caller.user_id))
            .count(txn)
            .await?;
        if others == 0 {
            return Err(AppError::conflict(
                LAST_STAFF,
                "您是该商户唯一的工作人员，请先添加其他工作人员",
            )
            .with_details(serde_json::json!({ "merchant_id": merchant_id })));
        }
    }
    Ok(())
}

/// Unused vouchers are voided; like expired ones, their stock goes to the
/// campaign's next round that has not opened, where the campaign says so.
async fn void_vouchers(txn: &impl ConnectionTrait, me: Uuid, now: DateTime<Utc>) -> AppResult<()> {
    let unused = voucher::Entity::find()
        .filter(voucher::Column::UserId.eq(me))
        .filter(voucher::Column::Status.eq(VoucherStatus::Unused))
        .all(txn)
        .await?;
    for v in unused {
        let returns = voucher_campaign::Entity::find_by_id(v.campaign_id)
            .one(txn)
            .await?
            .is_some_and(|c| c.return_expired);
        let next_round = if returns && v.expires_at > now {
            voucher_round::Entity::find()
                .filter(voucher_round::Column::CampaignId.eq(v.campaign_id))
                .filter(voucher_round::Column::OpensAt.gt(now))
                .order_by_asc(voucher_round::Column::OpensAt)
                .one(txn)
                .await?
                .map(|r| r.id)
        } else {
            None
        };
        let voided = voucher::Entity::update_many()
            .col_expr(voucher::Column::Status, Expr::value(VoucherStatus::Void))
            .col_expr(voucher::Column::ReturnedToRound, Expr::value(next_round))
            .filter(voucher::Column::Id.eq(v.id))
            .filter(voucher::Column::Status.eq(VoucherStatus::Unused))
            .exec(txn)
            .await?;
        if let Some(round) = next_round
            && voided.rows_affected == 1
        {
            voucher_round::Entity::update_many()
                .col_expr(
                    voucher_round::Column::Returned,
                    Expr::col(voucher_round::Column::Returned).add(1),
                )
                .filter(voucher_round::Column::Id.eq(round))
                .exec(txn)
                .await?;
        }
    }
    Ok(())
}

async fn withdraw_trade_in(
    txn: &impl ConnectionTrait,
    me: Uuid,
    now: DateTime<Utc>,
) -> AppResult<()> {
    trade_in_application::Entity::update_many()
        .col_expr(
            trade_in_application::Column::Status,
            Expr::value(ApplicationStatus::Withdrawn),
        )
        .col_expr(
            trade_in_application::Column::Reason,
            Expr::value(Some("account_closed".to_owned())),
        )
        .col_expr(trade_in_application::Column::UpdatedAt, Expr::value(now))
        .filter(trade_in_application::Column::UserId.eq(me))
        .filter(trade_in_application::Column::Status.eq(ApplicationStatus::Pending))
        .exec(txn)
        .await?;
    let scheduled = recycling_pickup::Entity::find()
        .filter(recycling_pickup::Column::UserId.eq(me))
        .filter(recycling_pickup::Column::Status.eq(PickupStatus::Scheduled))
        .all(txn)
        .await?;
    for pickup in scheduled {
        crate::tradein::pickups::cancel_in(txn, &pickup, now).await?;
    }
    Ok(())
}
