//! Subsidy applications: the subsidy computed from the rules in force on the
//! invoice date, never read from the client; the per-person quota held by a
//! unique index across instances; invoices, serials and pickups used once.

use actix_web::http::StatusCode;
use chrono::{Datelike, NaiveDate};
use entity::status::{ApplicationStatus, MerchantStatus, PickupStatus, RecyclingState};
use entity::{merchant, recycling_pickup, trade_in_application, trade_in_offer};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};
use serde_json::{Value, json};
use uuid::Uuid;

use sea_orm::DatabaseConnection;

use super::TradeIn;
use super::dto::*;
use super::quotes::check_price_and_grade;
use super::rule_book::rule_book;
use super::rules::{self, Purchase};
use crate::auth::{Principal, Role};
use crate::error::{AppError, AppResult, is_unique_violation};
use crate::idempotency;
use crate::pagination::{Page, Paginated};

pub const QUOTA_USED: &str = "quota_used";

pub const INVOICE_USED: &str = "invoice_used";

pub const SERIAL_USED: &str = "serial_used";

pub const PICKUP_LINKED: &str = "pickup_already_linked";

pub const PICKUP_NOT_USABLE: &str = "pickup_not_usable";

pub const NOT_ELIGIBLE: &str = "not_eligible";

pub const OUTSIDE_PROGRAMME: &str = "outside_programme_window";

pub const PRICE_ABOVE_OFFER: &str = "price_above_offer";

pub const ALREADY_REVIEWED: &str = "already_reviewed";

pub const TRY_AGAIN: &str = "try_again";

pub(super) const APPLICATION_SCOPE: &str = "trade_in_application";

/// Invoice and serial numbers as printed: case and spaces do not make a new one.
pub fn normalize_reference(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

pub fn view(a: &trade_in_application::Model) -> ApplicationView {
    ApplicationView {
        id: a.id,
        user_id: a.user_id,
        status: a.status.to_string(),
        category: a.category.clone(),
        merchant_id: a.merchant_id,
        offer_id: a.offer_id,
        price_fen: a.price_fen,
        efficiency_grade: a.efficiency_grade,
        invoice_no: a.invoice_no.clone(),
        invoice_date: a.invoice_date,
        serial_no: a.serial_no.clone(),
        recycling_pickup_id: a.recycling_pickup_id,
        rule: a.rule_code.clone(),
        rate: rules::rate_fraction(u32::try_from(a.rate_bp).unwrap_or(0)),
        cap_fen: a.cap_fen,
        national_subsidy_fen: a.national_subsidy_fen,
        recycling_rule: a.recycling_rule.clone(),
        recycling_bonus_fen: a.recycling_bonus_fen,
        recycling_state: a.recycling_state.to_string(),
        subsidy_fen: a.subsidy_fen,
        quota_year: a.quota_year,
        reason: a.reason.clone(),
        reviewed_at: a.reviewed_at,
        refunded_at: a.refunded_at,
        created_at: a.created_at,
    }
}

/// Applications that still count (everything but rejected ones).
pub(super) fn alive() -> sea_orm::sea_query::SimpleExpr {
    trade_in_application::Column::Status
        .is_not_in([ApplicationStatus::Rejected, ApplicationStatus::Withdrawn])
}

pub(super) fn quota_used(category: &str, year: i32, per_year: u32) -> AppError {
    AppError::conflict(
        QUOTA_USED,
        "本年度该品类的以旧换新补贴名额已用完（退货也占用名额）",
    )
    .with_details(json!({
        "category": category,
        "year": year,
        "per_year": per_year,
    }))
}

/// Which live application already holds this invoice, serial or pickup.
pub(super) async fn holder_conflict(
    db: &impl ConnectionTrait,
    merchant_id: Uuid,
    invoice_no: &str,
    serial_no: &str,
    pickup_id: Option<Uuid>,
) -> AppResult<Option<AppError>> {
    use trade_in_application::Column as C;
    let mut same = sea_orm::Condition::any()
        .add(
            C::MerchantId
                .eq(merchant_id)
                .and(C::InvoiceNo.eq(invoice_no)),
        )
        .add(C::SerialNo.eq(serial_no));
    if let Some(pickup) = pickup_id {
        same = same.add(C::RecyclingPickupId.eq(pickup));
    }
    let rows = trade_in_application::Entity::find()
        .filter(alive())
        .filter(same)
        .limit(3)
        .all(db)
        .await?;
    let found = |hit: &dyn Fn(&trade_in_application::Model) -> bool| rows.iter().any(hit);
    Ok(
        if found(&|r| r.merchant_id == merchant_id && r.invoice_no == invoice_no) {
            Some(invoice_used())
        } else if found(&|r| r.serial_no == serial_no) {
            Some(serial_used())
        } else if pickup_id.is_some() && found(&|r| r.recycling_pickup_id == pickup_id) {
            Some(pickup_linked())
        } else {
            None
        },
    )
}

pub(super) fn invoice_used() -> AppError {
    AppError::conflict(INVOICE_USED, "该商户的这张发票已申请过补贴")
}

pub(super) fn serial_used() -> AppError {
    AppError::conflict(SERIAL_USED, "该产品序列号（IMEI）已申请过补贴")
}

pub(super) fn pickup_linked() -> AppError {
    AppError::conflict(PICKUP_LINKED, "该回收预约已用于另一份申请")
}

pub(super) async fn used_slots(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    category: &str,
    year: i32,
) -> AppResult<Vec<i32>> {
    use trade_in_application::Column as C;
    Ok(trade_in_application::Entity::find()
        .select_only()
        .column(C::QuotaSlot)
        .filter(C::UserId.eq(user_id))
        .filter(C::Category.eq(category))
        .filter(C::QuotaYear.eq(year))
        .filter(alive())
        .into_tuple::<i32>()
        .all(db)
        .await?)
}

pub async fn apply(
    svc: &TradeIn,
    user: &Principal,
    input: NewApplication,
    key: Option<String>,
) -> AppResult<(StatusCode, Value)> {
    let fingerprint = idempotency::fingerprint(&input);
    let retry = idempotency::Retry {
        user_id: user.user_id,
        scope: APPLICATION_SCOPE,
        key: key.as_deref(),
        request_hash: &fingerprint,
    };
    if let Some(answer) = retry.stored(&svc.db).await? {
        return Ok(answer);
    }
    check_price_and_grade(input.price_fen, input.efficiency_grade)?;
    let today = svc.today();
    let invoice_date = input.invoice_date.unwrap_or(today);
    if invoice_date > today {
        return Err(AppError::invalid_field("invoice_date", "in_future"));
    }
    let grade = seller_and_grade(svc, &input, invoice_date).await?;
    let priced = price(svc, user, &input, grade, invoice_date).await?;
    let invoice_no = normalize_reference(&input.invoice_no);
    let serial_no = normalize_reference(&input.serial_no);
    if let Some(conflict) = holder_conflict(
        &svc.db,
        input.merchant_id,
        &invoice_no,
        &serial_no,
        input.recycling_pickup_id,
    )
    .await?
    {
        return replay_or(svc, &retry, conflict).await;
    }
    let per_year = priced.per_year;
    let row = new_application(
        svc,
        user,
        input,
        priced,
        invoice_no,
        serial_no,
        invoice_date,
    );
    insert_in_free_slot(svc, &retry, row, per_year).await
}

/// The seller must be an approved merchant; with an offer, the purchase must
/// match it and the grade comes from it. Returns the efficiency grade.
async fn seller_and_grade(
    svc: &TradeIn,
    input: &NewApplication,
    invoice_date: NaiveDate,
) -> AppResult<Option<u8>> {
    let seller = merchant::Entity::find_by_id(input.merchant_id)
        .one(&svc.db)
        .await?;
    if seller.is_none_or(|m| m.status != MerchantStatus::Approved) {
        return Err(AppError::invalid_field("merchant_id", "unknown_merchant"));
    }
    let Some(offer_id) = input.offer_id else {
        return Ok(input.efficiency_grade);
    };
    let offer = trade_in_offer::Entity::find_by_id(offer_id)
        .one(&svc.db)
        .await?
        .ok_or_else(|| AppError::invalid_field("offer_id", "unknown_offer"))?;
    check_against_offer(&offer, input, invoice_date, svc)?;
    let listed = offer.efficiency_grade.and_then(|g| u8::try_from(g).ok());
    match (input.efficiency_grade, listed) {
        (None, listed) => Ok(listed),
        (Some(given), Some(listed)) if given != listed => Err(AppError::invalid_field(
            "efficiency_grade",
            "differs_from_offer",
        )),
        (given, _) => Ok(given),
    }
}

/// What the rules in force on the invoice date give this purchase.
struct Priced {
    grade: Option<u8>,
    rule_code: String,
    per_year: u32,
    quote: rules::Quote,
    /// The linked pickup's recycling extra: its state and amount.
    recycling: (RecyclingState, i64),
}

async fn price(
    svc: &TradeIn,
    user: &Principal,
    input: &NewApplication,
    grade: Option<u8>,
    invoice_date: NaiveDate,
) -> AppResult<Priced> {
    let book = rule_book(svc).await?;
    let Some((rule_set, _)) = book.national(invoice_date) else {
        return Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            OUTSIDE_PROGRAMME,
            "发票日期不在以旧换新补贴活动期内",
        )
        .with_details(json!({ "invoice_date": invoice_date, "reason": rules::NO_PROGRAMME })));
    };
    let Some(category) = book.category(&input.category, invoice_date) else {
        return Err(AppError::invalid_field("category", rules::UNKNOWN_CATEGORY));
    };
    let pickup = match input.recycling_pickup_id {
        None => None,
        Some(id) => Some(usable_pickup(&svc.db, user, id, &input.category).await?),
    };
    let quote = book.quote(&Purchase {
        category: &input.category,
        price_fen: input.price_fen,
        efficiency_grade: grade,
        day: invoice_date,
        recycling: pickup.is_some(),
    });
    if !quote.eligible {
        return Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            NOT_ELIGIBLE,
            quote.explanation(&category.name, input.price_fen),
        )
        .with_details(json!({ "reason": quote.reason, "rule": quote.rule })));
    }
    let recycling = match &pickup {
        None => (RecyclingState::None, 0),
        Some(p) if p.status == PickupStatus::Collected => {
            (RecyclingState::Granted, quote.recycling_bonus_fen)
        }
        Some(_) => (RecyclingState::Pending, quote.recycling_bonus_fen),
    };
    Ok(Priced {
        grade,
        rule_code: rule_set.code.clone(),
        per_year: category.per_year,
        quote,
        recycling,
    })
}

fn new_application(
    svc: &TradeIn,
    user: &Principal,
    input: NewApplication,
    priced: Priced,
    invoice_no: String,
    serial_no: String,
    invoice_date: NaiveDate,
) -> trade_in_application::Model {
    let now = svc.clock.now();
    let Priced {
        grade,
        rule_code,
        quote,
        recycling: (recycling_state, bonus),
        ..
    } = priced;
    let granted = if recycling_state == RecyclingState::Granted {
        bonus
    } else {
        0
    };
    trade_in_application::Model {
        id: Uuid::now_v7(),
        user_id: user.user_id,
        category: input.category,
        merchant_id: input.merchant_id,
        offer_id: input.offer_id,
        price_fen: input.price_fen,
        efficiency_grade: grade.map(i16::from),
        invoice_no,
        invoice_date,
        serial_no,
        recycling_pickup_id: input.recycling_pickup_id,
        rule_code,
        rate_bp: i32::try_from(quote.rate_bp).unwrap_or(0),
        cap_fen: quote.cap_fen,
        national_subsidy_fen: quote.national_subsidy_fen,
        recycling_rule: input.recycling_pickup_id.and(quote.recycling_rule.clone()),
        recycling_bonus_fen: bonus,
        recycling_state,
        subsidy_fen: quote.national_subsidy_fen + granted,
        quota_year: invoice_date.year(),
        quota_slot: 0,
        status: ApplicationStatus::Pending,
        reason: None,
        reviewed_by: None,
        reviewed_at: None,
        refunded_at: None,
        created_at: now,
        updated_at: now,
    }
}

/// The quota is a set of numbered slots held by a unique index: each try
/// takes the lowest free one, and a try that loses a race to another
/// request (on any instance) reads again and takes the next.
async fn insert_in_free_slot(
    svc: &TradeIn,
    retry: &idempotency::Retry<'_>,
    mut row: trade_in_application::Model,
    per_year: u32,
) -> AppResult<(StatusCode, Value)> {
    let year = row.quota_year;
    for _ in 0..per_year + 2 {
        let taken = used_slots(&svc.db, row.user_id, &row.category, year).await?;
        let Some(slot) = (1..=i32::try_from(per_year).unwrap_or(1)).find(|s| !taken.contains(s))
        else {
            return replay_or(svc, retry, quota_used(&row.category, year, per_year)).await;
        };
        row.quota_slot = slot;
        let body = serde_json::to_value(view(&row)).map_err(AppError::internal)?;
        let turn = svc.gate.turn().await;
        let txn = svc.db.begin().await?;
        let inserted = trade_in_application::Entity::insert(row.clone().into_active_model())
            .exec_without_returning(&txn)
            .await;
        if let Err(e) = inserted {
            txn.rollback().await?;
            drop(turn);
            if is_unique_violation(&e, "quota_slot") {
                continue;
            }
            let conflict = if is_unique_violation(&e, "invoice_no") {
                invoice_used()
            } else if is_unique_violation(&e, "serial_no") {
                serial_used()
            } else if is_unique_violation(&e, "recycling_pickup_id") {
                pickup_linked()
            } else {
                return Err(e.into());
            };
            return replay_or(svc, retry, conflict).await;
        }
        let now = row.created_at;
        return idempotency::commit_answer(txn, retry, (StatusCode::CREATED, body), now).await;
    }
    Err(AppError::conflict(TRY_AGAIN, "申请人数较多，请稍后重试"))
}

/// A concurrent retry with the same key lost the race to its own first
/// attempt: answer it with the first attempt's response, not the conflict.
pub(super) async fn replay_or(
    svc: &TradeIn,
    retry: &idempotency::Retry<'_>,
    conflict: AppError,
) -> AppResult<(StatusCode, Value)> {
    match retry.stored(&svc.db).await? {
        Some(answer) => Ok(answer),
        None => Err(conflict),
    }
}

pub(super) fn check_against_offer(
    offer: &trade_in_offer::Model,
    input: &NewApplication,
    invoice_date: NaiveDate,
    svc: &TradeIn,
) -> AppResult<()> {
    if offer.merchant_id != input.merchant_id || offer.category != input.category {
        return Err(AppError::invalid_field("offer_id", "offer_mismatch"));
    }
    let local = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&svc.clock.now_local().timezone())
            .date_naive()
    };
    if invoice_date < local(offer.starts_at) || invoice_date > local(offer.ends_at) {
        return Err(AppError::invalid_field("offer_id", "outside_offer_window"));
    }
    // No price raised before the subsidy: the invoice may not exceed the
    // price the shop published for the offer.
    if input.price_fen > offer.price_fen {
        return Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            PRICE_ABOVE_OFFER,
            "发票金额高于商户公示的以旧换新价格",
        )
        .with_details(json!({ "offer_price_fen": offer.price_fen })));
    }
    Ok(())
}

/// The caller's own pickup, for `category`, not missed or cancelled.
pub(super) async fn usable_pickup(
    db: &DatabaseConnection,
    user: &Principal,
    id: Uuid,
    category: &str,
) -> AppResult<recycling_pickup::Model> {
    let pickup = recycling_pickup::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|p| p.user_id == user.user_id)
        .ok_or_else(|| AppError::not_found("回收预约不存在"))?;
    let categories: Vec<String> = serde_json::from_str(&pickup.categories).unwrap_or_default();
    if !categories.iter().any(|c| c == category) {
        return Err(AppError::invalid_field(
            "recycling_pickup_id",
            "category_not_in_pickup",
        ));
    }
    if !matches!(
        pickup.status,
        PickupStatus::Scheduled | PickupStatus::Collected
    ) {
        return Err(
            AppError::conflict(PICKUP_NOT_USABLE, "该回收预约已取消或上门未收到")
                .with_details(json!({ "status": pickup.status })),
        );
    }
    Ok(pickup)
}

pub async fn get(svc: &TradeIn, caller: &Principal, id: Uuid) -> AppResult<ApplicationView> {
    let row = trade_in_application::Entity::find_by_id(id)
        .one(&svc.db)
        .await?
        .filter(|a| {
            a.user_id == caller.user_id
                || caller.is_staff_of(a.merchant_id)
                || caller.has_role(Role::Admin)
        })
        .ok_or_else(|| AppError::not_found("申请不存在"))?;
    Ok(view(&row))
}

pub async fn mine(
    svc: &TradeIn,
    user: &Principal,
    page: Page,
) -> AppResult<Paginated<ApplicationView>> {
    use trade_in_application::Column as C;
    let mut q = trade_in_application::Entity::find()
        .filter(C::UserId.eq(user.user_id))
        .order_by_desc(C::Id)
        .limit(page.limit + 1);
    if let Some(after) = page.after {
        q = q.filter(C::Id.lt(after));
    }
    let rows = q.all(&svc.db).await?;
    Ok(Paginated::from_rows(rows, page, |a| a.id, |a| view(&a)))
}

/// A closed account's pending applications are withdrawn (freeing their
/// quota, invoice and serial) and its scheduled pickups cancelled.
pub async fn withdraw_for_closed_account(
    txn: &impl ConnectionTrait,
    me: Uuid,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    use sea_orm::sea_query::Expr;
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
        super::pickups::cancel_in(txn, &pickup, now).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_ignore_case_and_spaces() {
        assert_eq!(normalize_reference(" 5001 2345 ab "), "50012345AB");
        assert_eq!(normalize_reference("SN-x1"), "SN-X1");
    }
}
