//! Old-appliance recycling pickups: slots with a capacity per district,
//! booking, cancelling, and the recycler's round (collected or missed).

use actix_web::http::StatusCode;
use chrono::NaiveDate;
use entity::status::{PickupStatus, ShopStatus};
use entity::{recycling_pickup, recycling_slot, recycling_slot_booking, shop};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::TradeIn;
use super::dto::*;
use super::review::settle_recycling;
use super::rule_book::rule_book;
use super::slots;
use crate::auth::{Principal, Role};
use crate::error::{AppError, AppResult};
use crate::geo::LatLng;
use crate::idempotency;
use crate::pagination::{Page, Paginated};

pub const SLOT_FULL: &str = "slot_full";
pub const TOO_EARLY: &str = "too_early";
const PICKUP_SCOPE: &str = "recycling_pickup";
/// The shop category whose merchants collect old appliances.
pub const RECYCLING_CATEGORY: &str = "recycling";
/// How far the nearest shop may be to lend its district to an address.
const DISTRICT_GUESS_RADIUS_M: f64 = 3_000.0;

fn view(p: &recycling_pickup::Model, slot: Option<&recycling_slot::Model>) -> PickupView {
    PickupView {
        id: p.id,
        user_id: p.user_id,
        district_code: p.district_code.clone(),
        address: p.address.clone(),
        lat: p.lat,
        lng: p.lng,
        categories: serde_json::from_str(&p.categories).unwrap_or_default(),
        date: p.day,
        slot: p.slot.clone(),
        slot_starts_at: slot.map(|s| s.starts_at.clone()).unwrap_or_default(),
        slot_ends_at: slot.map(|s| s.ends_at.clone()).unwrap_or_default(),
        status: p.status.to_string(),
        handled_at: p.handled_at,
        note: p.note.clone(),
        created_at: p.created_at,
    }
}

async fn slots_of(
    db: &impl ConnectionTrait,
    district_code: &str,
) -> AppResult<Vec<recycling_slot::Model>> {
    Ok(recycling_slot::Entity::find()
        .filter(recycling_slot::Column::DistrictCode.eq(district_code))
        .order_by_asc(recycling_slot::Column::StartsAt)
        .all(db)
        .await?)
}

async fn slot(
    db: &impl ConnectionTrait,
    district_code: &str,
    slot: &str,
) -> AppResult<Option<recycling_slot::Model>> {
    Ok(
        recycling_slot::Entity::find_by_id((district_code.to_owned(), slot.to_owned()))
            .one(db)
            .await?,
    )
}

/// A district's slots on a day with what is left in each.
pub async fn availability(svc: &TradeIn, q: &SlotQuery) -> AppResult<Vec<SlotView>> {
    let defined = slots_of(&svc.db, &q.district_code).await?;
    if defined.is_empty() {
        return Err(AppError::invalid_field(
            "district_code",
            "no_pickup_service",
        ));
    }
    let booked = recycling_slot_booking::Entity::find()
        .filter(recycling_slot_booking::Column::DistrictCode.eq(q.district_code.as_str()))
        .filter(recycling_slot_booking::Column::Day.eq(q.date))
        .all(&svc.db)
        .await?;
    let now = svc.clock.now_local().naive_local();
    Ok(defined
        .into_iter()
        .map(|s| {
            let taken = booked
                .iter()
                .find(|b| b.slot == s.slot)
                .map_or(0, |b| b.booked);
            let remaining = Ord::max(s.capacity - taken, 0);
            let open = slots::parse_time(&s.starts_at)
                .is_some_and(|t| slots::check_booking(now, q.date, t).is_ok());
            SlotView {
                bookable: open && remaining > 0,
                slot: s.slot,
                starts_at: s.starts_at,
                ends_at: s.ends_at,
                capacity: s.capacity,
                booked: taken,
                remaining,
            }
        })
        .collect())
}

/// The district an address is in: as given (must be in force), or that of
/// the nearest shop within 3 km.
async fn district_for(svc: &TradeIn, given: Option<&str>, at: LatLng) -> AppResult<String> {
    if let Some(code) = given {
        let district = crate::districts::service::find(&svc.db, code).await?;
        if !district.is_some_and(|d| crate::districts::service::is_in_force(&d, svc.today())) {
            return Err(AppError::invalid_field("district_code", "unknown_district"));
        }
        return Ok(code.to_owned());
    }
    let nearest = {
        let index = svc.places.read_index();
        index
            .nearest(
                at,
                DISTRICT_GUESS_RADIUS_M,
                1,
                &crate::places::index::SearchFilter::default(),
                None,
            )
            .first()
            .and_then(|hit| index.shop(hit.slot).map(|s| s.id))
    };
    let Some(shop_id) = nearest else {
        return Err(AppError::invalid_field("district_code", "required"));
    };
    shop::Entity::find_by_id(shop_id)
        .one(&svc.db)
        .await?
        .map(|s| s.district_code)
        .ok_or_else(|| AppError::invalid_field("district_code", "required"))
}

/// The categories of old units to collect, each known to the rules in force.
async fn known_categories(svc: &TradeIn, asked: &[String]) -> AppResult<Vec<String>> {
    let book = rule_book(svc).await?;
    let day = svc.today();
    let mut categories = asked.to_vec();
    categories.sort();
    categories.dedup();
    if let Some(unknown) = categories
        .iter()
        .find(|c| book.catalogue_category(c, day).is_none())
    {
        return Err(AppError::invalid_field(
            "categories",
            &format!("unknown_category:{unknown}"),
        ));
    }
    Ok(categories)
}

/// The district's slot, if it exists and can still be booked for that day.
async fn bookable_slot(
    svc: &TradeIn,
    district: &str,
    input: &NewPickup,
) -> AppResult<recycling_slot::Model> {
    let Some(slot_row) = slot(&svc.db, district, &input.slot).await? else {
        return Err(AppError::invalid_field("slot", "unknown_slot"));
    };
    let starts = slots::parse_time(&slot_row.starts_at)
        .ok_or_else(|| AppError::internal(format!("bad slot time {}", slot_row.starts_at)))?;
    match slots::check_booking(svc.clock.now_local().naive_local(), input.date, starts) {
        Ok(()) => Ok(slot_row),
        Err(reason) if reason == slots::SLOT_CLOSED => Err(AppError::invalid_field("slot", reason)),
        Err(reason) => Err(AppError::invalid_field("date", reason)),
    }
}

pub async fn book(
    svc: &TradeIn,
    user: &Principal,
    input: NewPickup,
    key: Option<String>,
) -> AppResult<(StatusCode, Value)> {
    let fingerprint = idempotency::fingerprint(&input);
    let retry = idempotency::Retry {
        user_id: user.user_id,
        scope: PICKUP_SCOPE,
        key: key.as_deref(),
        request_hash: &fingerprint,
    };
    if let Some(answer) = retry.stored(&svc.db).await? {
        return Ok(answer);
    }
    let position = input.coord.to_stored(LatLng::new(input.lat, input.lng));
    if !position.is_valid() || !crate::geo::in_chongqing(position) {
        return Err(AppError::invalid_field("lat", "outside_chongqing"));
    }
    let categories = known_categories(svc, &input.categories).await?;
    let district = district_for(svc, input.district_code.as_deref(), position).await?;
    let slot_row = bookable_slot(svc, &district, &input).await?;
    let now = svc.clock.now();
    let pickup = recycling_pickup::Model {
        id: Uuid::now_v7(),
        user_id: user.user_id,
        district_code: district.clone(),
        address: input.address.trim().to_owned(),
        lat: position.lat,
        lng: position.lng,
        categories: json!(categories).to_string(),
        day: input.date,
        slot: input.slot.clone(),
        status: PickupStatus::Scheduled,
        handled_by: None,
        handled_by_merchant: None,
        handled_at: None,
        note: None,
        created_at: now,
        updated_at: now,
    };
    let body = serde_json::to_value(view(&pickup, Some(&slot_row))).map_err(AppError::internal)?;
    let _turn = svc.gate.turn().await;
    let txn = svc.db.begin().await?;
    recycling_slot_booking::Entity::insert(recycling_slot_booking::ActiveModel {
        district_code: Set(district.clone()),
        day: Set(input.date),
        slot: Set(input.slot.clone()),
        booked: Set(0),
    })
    .on_conflict_do_nothing_on([
        recycling_slot_booking::Column::DistrictCode,
        recycling_slot_booking::Column::Day,
        recycling_slot_booking::Column::Slot,
    ])
    .exec_without_returning(&txn)
    .await?;
    // The seat is taken only while one is left, whatever other requests
    // (on any instance) are doing.
    let taken = take_seat(&txn, &district, input.date, &input.slot, slot_row.capacity).await?;
    if !taken {
        txn.rollback().await?;
        return Err(
            AppError::conflict(SLOT_FULL, "该时段的上门回收预约已满，请选择其他时段")
                .with_details(json!({ "capacity": slot_row.capacity })),
        );
    }
    recycling_pickup::Entity::insert(pickup.into_active_model())
        .exec_without_returning(&txn)
        .await?;
    idempotency::commit_answer(txn, &retry, (StatusCode::CREATED, body), now).await
}

async fn take_seat(
    txn: &impl ConnectionTrait,
    district: &str,
    day: NaiveDate,
    slot: &str,
    capacity: i32,
) -> AppResult<bool> {
    use recycling_slot_booking::Column as C;
    let done = recycling_slot_booking::Entity::update_many()
        .col_expr(C::Booked, Expr::col(C::Booked).add(1))
        .filter(C::DistrictCode.eq(district))
        .filter(C::Day.eq(day))
        .filter(C::Slot.eq(slot))
        .filter(C::Booked.lt(capacity))
        .exec(txn)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Cancels a scheduled pickup inside the caller's transaction: its seat is
/// freed and a linked application loses the recycling extra. For closing an
/// account, where everything of the user changes together.
pub async fn cancel_in(
    txn: &impl ConnectionTrait,
    pickup: &recycling_pickup::Model,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    use recycling_pickup::Column as C;
    let done = recycling_pickup::Entity::update_many()
        .col_expr(C::Status, Expr::value(PickupStatus::Cancelled))
        .col_expr(C::UpdatedAt, Expr::value(now))
        .filter(C::Id.eq(pickup.id))
        .filter(C::Status.eq(PickupStatus::Scheduled))
        .exec(txn)
        .await?;
    if done.rows_affected == 1 {
        free_seat(txn, pickup).await?;
        settle_recycling(txn, pickup.id, false, now).await?;
    }
    Ok(())
}

async fn free_seat(txn: &impl ConnectionTrait, p: &recycling_pickup::Model) -> AppResult<()> {
    use recycling_slot_booking::Column as C;
    recycling_slot_booking::Entity::update_many()
        .col_expr(C::Booked, Expr::col(C::Booked).sub(1))
        .filter(C::DistrictCode.eq(p.district_code.as_str()))
        .filter(C::Day.eq(p.day))
        .filter(C::Slot.eq(p.slot.as_str()))
        .filter(C::Booked.gt(0))
        .exec(txn)
        .await?;
    Ok(())
}

pub async fn mine(svc: &TradeIn, user: &Principal, page: Page) -> AppResult<Paginated<PickupView>> {
    use recycling_pickup::Column as C;
    let mut q = recycling_pickup::Entity::find()
        .filter(C::UserId.eq(user.user_id))
        .order_by_desc(C::Id)
        .limit(page.limit + 1);
    if let Some(after) = page.after {
        q = q.filter(C::Id.lt(after));
    }
    let rows = q.all(&svc.db).await?;
    let defined = recycling_slot::Entity::find().all(&svc.db).await?;
    Ok(Paginated::from_rows(
        rows,
        page,
        |p| p.id,
        |p| view(&p, slot_of(&defined, &p)),
    ))
}

/// The slot a pickup was booked in, among all slots defined.
fn slot_of<'a>(
    defined: &'a [recycling_slot::Model],
    p: &recycling_pickup::Model,
) -> Option<&'a recycling_slot::Model> {
    defined
        .iter()
        .find(|s| s.district_code == p.district_code && s.slot == p.slot)
}

async fn find(svc: &TradeIn, id: Uuid) -> AppResult<recycling_pickup::Model> {
    recycling_pickup::Entity::find_by_id(id)
        .one(&svc.db)
        .await?
        .ok_or_else(|| AppError::not_found("回收预约不存在"))
}

/// Moves a scheduled pickup to `to` (only from scheduled, so two people
/// acting at once cannot both succeed); frees its seat when cancelled and
/// settles the linked application's recycling extra.
async fn finish(
    svc: &TradeIn,
    pickup: &recycling_pickup::Model,
    to: PickupStatus,
    by: Option<(Uuid, Option<Uuid>)>,
    note: Option<String>,
) -> AppResult<PickupView> {
    use recycling_pickup::Column as C;
    let now = svc.clock.now();
    let _turn = svc.gate.turn().await;
    let txn = svc.db.begin().await?;
    let mut update = recycling_pickup::Entity::update_many()
        .col_expr(C::Status, Expr::value(to))
        .col_expr(C::UpdatedAt, Expr::value(now))
        .filter(C::Id.eq(pickup.id))
        .filter(C::Status.eq(PickupStatus::Scheduled));
    if let Some((user_id, merchant_id)) = by {
        update = update
            .col_expr(C::HandledBy, Expr::value(Some(user_id)))
            .col_expr(C::HandledByMerchant, Expr::value(merchant_id))
            .col_expr(C::HandledAt, Expr::value(Some(now)))
            .col_expr(C::Note, Expr::value(note));
    }
    let done = update.exec(&txn).await?;
    if done.rows_affected == 0 {
        txn.rollback().await?;
        let current = find(svc, pickup.id).await?;
        return Err(AppError::invalid_transition("该回收预约已处理或已取消")
            .with_details(json!({ "status": current.status })));
    }
    if to == PickupStatus::Cancelled {
        free_seat(&txn, pickup).await?;
    }
    settle_recycling(&txn, pickup.id, to == PickupStatus::Collected, now).await?;
    txn.commit().await?;
    let updated = find(svc, pickup.id).await?;
    let s = slot(&svc.db, &updated.district_code, &updated.slot).await?;
    Ok(view(&updated, s.as_ref()))
}

pub async fn cancel(svc: &TradeIn, user: &Principal, id: Uuid) -> AppResult<PickupView> {
    let pickup = find(svc, id).await?;
    if pickup.user_id != user.user_id {
        return Err(AppError::not_found("回收预约不存在"));
    }
    finish(svc, &pickup, PickupStatus::Cancelled, None, None).await
}

/// The merchants of the caller that collect old appliances, by district.
async fn recycler_districts(svc: &TradeIn, caller: &Principal) -> AppResult<Vec<(String, Uuid)>> {
    if caller.merchant_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(shop::Entity::find()
        .select_only()
        .column(shop::Column::DistrictCode)
        .column(shop::Column::MerchantId)
        .filter(shop::Column::MerchantId.is_in(caller.merchant_ids.clone()))
        .filter(shop::Column::CategoryCode.eq(RECYCLING_CATEGORY))
        .filter(shop::Column::Status.eq(ShopStatus::Active))
        .distinct()
        .into_tuple::<(String, Uuid)>()
        .all(&svc.db)
        .await?)
}

/// Who may handle a pickup in `district`: an admin, or staff of a merchant
/// with a recycling shop there (the merchant is recorded).
async fn handler_for(svc: &TradeIn, caller: &Principal, district: &str) -> AppResult<Option<Uuid>> {
    if caller.has_role(Role::Admin) {
        return Ok(None);
    }
    recycler_districts(svc, caller)
        .await?
        .into_iter()
        .find(|(d, _)| d == district)
        .map(|(_, merchant)| Some(merchant))
        .ok_or_else(|| AppError::forbidden("只有该区县的回收商户或管理员可处理上门回收"))
}

pub async fn collect(
    svc: &TradeIn,
    caller: &Principal,
    id: Uuid,
    note: Option<String>,
) -> AppResult<PickupView> {
    let pickup = find(svc, id).await?;
    let merchant = handler_for(svc, caller, &pickup.district_code).await?;
    finish(
        svc,
        &pickup,
        PickupStatus::Collected,
        Some((caller.user_id, merchant)),
        note,
    )
    .await
}

pub async fn miss(
    svc: &TradeIn,
    caller: &Principal,
    id: Uuid,
    note: Option<String>,
) -> AppResult<PickupView> {
    let pickup = find(svc, id).await?;
    let merchant = handler_for(svc, caller, &pickup.district_code).await?;
    let defined = slot(&svc.db, &pickup.district_code, &pickup.slot).await?;
    let starts = defined
        .as_ref()
        .and_then(|s| slots::parse_time(&s.starts_at));
    if starts
        .is_some_and(|t| !slots::has_started(svc.clock.now_local().naive_local(), pickup.day, t))
    {
        return Err(AppError::conflict(
            TOO_EARLY,
            "预约时段尚未开始，不能登记为未收到",
        ));
    }
    finish(
        svc,
        &pickup,
        PickupStatus::Missed,
        Some((caller.user_id, merchant)),
        note,
    )
    .await
}

/// A day's pickups for the caller's districts (recycler) or any (admin).
pub async fn round(
    svc: &TradeIn,
    caller: &Principal,
    q: &RouteQuery,
) -> AppResult<Vec<PickupView>> {
    use recycling_pickup::Column as C;
    let mut query = recycling_pickup::Entity::find()
        .filter(C::Day.eq(q.date))
        .order_by_asc(C::DistrictCode)
        .order_by_asc(C::Slot)
        .order_by_asc(C::Id);
    if !caller.has_role(Role::Admin) {
        let mine: Vec<String> = recycler_districts(svc, caller)
            .await?
            .into_iter()
            .map(|(d, _)| d)
            .collect();
        if mine.is_empty() {
            return Err(AppError::forbidden(
                "只有回收商户或管理员可查看上门回收任务",
            ));
        }
        query = query.filter(C::DistrictCode.is_in(mine));
    }
    if let Some(district) = &q.district_code {
        query = query.filter(C::DistrictCode.eq(district.as_str()));
    }
    if let Some(status) = &q.status {
        query = query.filter(C::Status.eq(status.as_str()));
    }
    let rows = query.limit(1_000).all(&svc.db).await?;
    let defined = recycling_slot::Entity::find().all(&svc.db).await?;
    Ok(rows.iter().map(|p| view(p, slot_of(&defined, p))).collect())
}

pub async fn set_capacity(svc: &TradeIn, input: SlotCapacity) -> AppResult<Vec<SlotView>> {
    use recycling_slot::Column as C;
    let done = recycling_slot::Entity::update_many()
        .col_expr(C::Capacity, Expr::value(input.capacity))
        .filter(C::DistrictCode.eq(input.district_code.as_str()))
        .filter(C::Slot.eq(input.slot.as_str()))
        .exec(&svc.db)
        .await?;
    if done.rows_affected == 0 {
        return Err(AppError::not_found("该区县没有这个回收时段"));
    }
    availability(
        svc,
        &SlotQuery {
            district_code: input.district_code,
            date: svc.today(),
        },
    )
    .await
}
