//! At the till: a merchant redeems a voucher against an order at one of
//! their shops, and reverses a redemption the same day.

use actix_web::http::StatusCode;
use chrono::{DateTime, Utc};
use entity::status::VoucherStatus;
use entity::{shop, voucher, voucher_redemption};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};
use serde_json::{Value, json};
use uuid::Uuid;

use super::Vouchers;
use super::campaigns::CampaignInfo;
use super::campaigns::campaign;
use super::dto::*;
use super::rules::{self};
use super::wallet::effective_status;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::idempotency;

pub const NOT_APPLICABLE: &str = "not_applicable";

pub const THRESHOLD_NOT_MET: &str = "threshold_not_met";

pub const ALREADY_REDEEMED: &str = "already_redeemed";

pub const EXPIRED: &str = "expired";
/// The holder closed the account: the voucher was voided.
pub const VOIDED: &str = "voucher_void";

pub const ALREADY_REVERSED: &str = "already_reversed";

pub const ONE_VOUCHER_PER_PAYMENT: &str = "one_voucher_per_payment";

pub const REVERSAL_WINDOW_CLOSED: &str = "reversal_window_closed";

const REDEMPTION_SCOPE: &str = "voucher_redemption";

/// Spends a voucher at one of the caller's shops.
pub async fn redeem(
    svc: &Vouchers,
    staff: &Principal,
    input: RedeemRequest,
    key: Option<String>,
) -> AppResult<(StatusCode, Value)> {
    let fingerprint = idempotency::fingerprint(&input);
    let Some(code) = rules::normalize_code(&input.code) else {
        return Err(AppError::invalid_field("code", "invalid_format"));
    };
    let shop = shop::Entity::find_by_id(input.shop_id)
        .one(&svc.db)
        .await?
        .ok_or_else(|| AppError::not_found("门店不存在"))?;
    staff.require_staff_of(shop.merchant_id)?;
    let retry = idempotency::Retry {
        user_id: staff.user_id,
        scope: REDEMPTION_SCOPE,
        key: key.as_deref(),
        request_hash: &fingerprint,
    };
    if let Some(answer) = retry.stored(&svc.db).await? {
        return Ok(answer);
    }
    let v = voucher::Entity::find()
        .filter(voucher::Column::Code.eq(code.as_str()))
        .one(&svc.db)
        .await?
        .ok_or_else(|| AppError::not_found("券码不存在"))?;
    let now = svc.clock.now();
    refuse_spent(&v, now)?;
    let info = campaign(svc, v.campaign_id).await?;
    let (discount_fen, payable_fen) = discount_at(&info, &shop, input.order_amount_fen)?;
    let order_no = input.order_no.trim().to_owned();
    if let Some(earlier) = live_redemption_on(&svc.db, shop.merchant_id, &order_no).await? {
        return Err(second_voucher(&earlier));
    }
    let redeemed = Redeemed {
        redemption_id: Uuid::now_v7(),
        voucher_id: v.id,
        discount_fen,
        payable_fen,
        order_amount_fen: input.order_amount_fen,
        order_no: order_no.clone(),
        redeemed_at: now,
    };
    let body = serde_json::to_value(&redeemed).map_err(AppError::internal)?;
    let txn = svc.db.begin().await?;
    if !take_voucher(&txn, &v, now).await? {
        txn.rollback().await?;
        return Err(why_not_taken(svc, v.id, now).await);
    }
    let inserted = voucher_redemption::Entity::insert(voucher_redemption::ActiveModel {
        id: Set(redeemed.redemption_id),
        voucher_id: Set(v.id),
        campaign_id: Set(v.campaign_id),
        shop_id: Set(shop.id),
        merchant_id: Set(shop.merchant_id),
        staff_id: Set(staff.user_id),
        order_amount_fen: Set(input.order_amount_fen),
        discount_fen: Set(discount_fen),
        payable_fen: Set(payable_fen),
        order_no: Set(Some(order_no.clone())),
        created_at: Set(now),
        reversed_at: Set(None),
        reversed_by: Set(None),
    })
    .exec_without_returning(&txn)
    .await;
    if let Err(e) = inserted {
        txn.rollback().await?;
        // Two tills on one order at once: the unique index lets one through.
        if let Some(earlier) = live_redemption_on(&svc.db, shop.merchant_id, &order_no).await? {
            return Err(second_voucher(&earlier));
        }
        return Err(e.into());
    }
    idempotency::commit_answer(txn, &retry, (StatusCode::OK, body), now).await
}

/// The redemption, not reversed, already on this order at this merchant.
async fn live_redemption_on(
    db: &impl sea_orm::ConnectionTrait,
    merchant_id: Uuid,
    order_no: &str,
) -> AppResult<Option<voucher_redemption::Model>> {
    Ok(voucher_redemption::Entity::find()
        .filter(voucher_redemption::Column::MerchantId.eq(merchant_id))
        .filter(voucher_redemption::Column::OrderNo.eq(order_no))
        .filter(voucher_redemption::Column::ReversedAt.is_null())
        .one(db)
        .await?)
}

fn second_voucher(earlier: &voucher_redemption::Model) -> AppError {
    AppError::conflict(
        ONE_VOUCHER_PER_PAYMENT,
        "该订单已使用过一张消费券，每笔支付限用一张",
    )
    .with_details(json!({
        "redemption_id": earlier.id,
        "redeemed_at": earlier.created_at,
    }))
}

/// The discount and what is left to pay, if the voucher applies at this
/// shop (its category and district) to an order of this amount.
fn discount_at(
    info: &CampaignInfo,
    shop: &shop::Model,
    order_amount_fen: i64,
) -> AppResult<(i64, i64)> {
    if !info.categories.contains(&shop.category_code)
        || !info.district_codes.contains(&shop.district_code)
    {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            NOT_APPLICABLE,
            "该券不适用于本店（行业或区县不符）",
        )
        .with_details(json!({
            "categories": info.categories,
            "district_codes": info.district_codes,
        })));
    }
    let c = &info.campaign;
    rules::apply(order_amount_fen, c.face_value_fen, c.threshold_fen).ok_or_else(|| {
        AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            THRESHOLD_NOT_MET,
            "订单金额未达到使用门槛",
        )
        .with_details(json!({ "threshold_fen": c.threshold_fen }))
    })
}

/// The voucher is taken only if still unused and valid, so of two tills
/// scanning it at once exactly one gets it.
async fn take_voucher(
    txn: &sea_orm::DatabaseTransaction,
    v: &voucher::Model,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let taken = voucher::Entity::update_many()
        .col_expr(voucher::Column::Status, Expr::value(VoucherStatus::Used))
        .col_expr(voucher::Column::UsedAt, Expr::value(Some(now)))
        .filter(voucher::Column::Id.eq(v.id))
        .filter(voucher::Column::Status.eq(VoucherStatus::Unused))
        .filter(voucher::Column::ExpiresAt.gt(now))
        .exec(txn)
        .await?;
    Ok(taken.rows_affected == 1)
}

/// Why another till got the voucher first, as the voucher is now.
async fn why_not_taken(svc: &Vouchers, id: Uuid, now: DateTime<Utc>) -> AppError {
    let current = match voucher::Entity::find_by_id(id).one(&svc.db).await {
        Ok(Some(v)) => v,
        Ok(None) => return AppError::not_found("券码不存在"),
        Err(e) => return e.into(),
    };
    match refuse_spent(&current, now) {
        Err(refusal) => refusal,
        Ok(()) => AppError::conflict(ALREADY_REDEEMED, "该券已被使用"),
    }
}

pub(super) fn refuse_spent(v: &voucher::Model, now: DateTime<Utc>) -> AppResult<()> {
    match effective_status(v, now) {
        VoucherStatus::Used => Err(AppError::conflict(ALREADY_REDEEMED, "该券已被使用")
            .with_details(json!({ "used_at": v.used_at }))),
        VoucherStatus::Expired => Err(AppError::conflict(EXPIRED, "该券已过期")
            .with_details(json!({ "expires_at": v.expires_at }))),
        VoucherStatus::Void => Err(AppError::conflict(VOIDED, "该券已作废")),
        VoucherStatus::Unused => Ok(()),
    }
}

/// Undoes a redemption on the day it was made; the voucher goes back to its
/// owner if it is still valid.
pub async fn reverse(
    svc: &Vouchers,
    staff: &Principal,
    redemption_id: Uuid,
) -> AppResult<Reversed> {
    let r = voucher_redemption::Entity::find_by_id(redemption_id)
        .one(&svc.db)
        .await?
        .ok_or_else(|| AppError::not_found("核销记录不存在"))?;
    staff.require_staff_of(r.merchant_id)?;
    if r.reversed_at.is_some() {
        return Err(AppError::conflict(ALREADY_REVERSED, "该核销已撤销"));
    }
    let now = svc.clock.now();
    if !rules::same_local_day(r.created_at, now) {
        return Err(AppError::conflict(
            REVERSAL_WINDOW_CLOSED,
            "只能撤销当天的核销",
        ));
    }
    let v = voucher::Entity::find_by_id(r.voucher_id)
        .one(&svc.db)
        .await?
        .ok_or_else(|| AppError::internal("redeemed voucher vanished"))?;
    if v.expires_at <= now {
        return Err(AppError::conflict(EXPIRED, "该券已过期，不能退回")
            .with_details(json!({ "expires_at": v.expires_at })));
    }
    let txn = svc.db.begin().await?;
    let undone = voucher_redemption::Entity::update_many()
        .col_expr(
            voucher_redemption::Column::ReversedAt,
            Expr::value(Some(now)),
        )
        .col_expr(
            voucher_redemption::Column::ReversedBy,
            Expr::value(Some(staff.user_id)),
        )
        .filter(voucher_redemption::Column::Id.eq(r.id))
        .filter(voucher_redemption::Column::ReversedAt.is_null())
        .exec(&txn)
        .await?;
    if undone.rows_affected == 0 {
        txn.rollback().await?;
        return Err(AppError::conflict(ALREADY_REVERSED, "该核销已撤销"));
    }
    voucher::Entity::update_many()
        .col_expr(voucher::Column::Status, Expr::value(VoucherStatus::Unused))
        .col_expr(
            voucher::Column::UsedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(voucher::Column::Id.eq(v.id))
        .filter(voucher::Column::Status.eq(VoucherStatus::Used))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(Reversed {
        redemption_id: r.id,
        voucher_id: v.id,
        reversed_at: now,
        voucher_expires_at: v.expires_at,
    })
}
