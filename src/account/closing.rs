//! `DELETE /me`: closing an account. In one transaction the user is
//! unlinked from their WeChat openid and phone (a later login starts a
//! fresh account), loses their roles, districts and merchant seats; unused
//! vouchers are voided with their stock handled like expired stock;
//! pending trade-in applications are withdrawn and scheduled pickups
//! cancelled. Closed complaint case files stay as the regulator's record,
//! marked as from a closed account and visible only to handlers. Every
//! token of the account stops working at once: the caller's principal is
//! gone from the database and from this instance's cache.

use entity::status::MerchantStatus;
use entity::{
    complaint, handler_district, idempotency_key, merchant, merchant_staff, user, user_role,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait,
};
use uuid::Uuid;

use super::dto::{CONFIRMATION, CloseAccountRequest};
use crate::audit;
use crate::auth::Principal;
use crate::auth::service::Identity;
use crate::complaints::rules::{Status, StatusRules};
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
    crate::vouchers::expiry::void_for_closed_account(&txn, me, now).await?;
    crate::tradein::applications::withdraw_for_closed_account(&txn, me, now).await?;
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
        .filter(complaint::Column::Status.is_in(Status::open()))
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
