//! Merchants' trade-in offers and the residents' search over them.

use actix_web::http::StatusCode;
use chrono::{DateTime, Utc};
use entity::status::{OfferStatus, ShopStatus};
use entity::{shop, trade_in_offer};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use serde_json::Value;
use uuid::Uuid;

use super::TradeIn;
use super::dto::*;
use super::rule_book::{group_of, rule_book};
use super::rules::{Group, Purchase, RuleBook};
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::geo::{CoordSystem, LatLng};
use crate::idempotency;
use crate::pagination::{PageQuery, Paginated};

const DEFAULT_RADIUS_M: u32 = 5_000;
const MAX_RADIUS_M: u32 = 50_000;
const METRES_PER_DEGREE_LAT: f64 = 111_320.0;

fn view(
    o: &trade_in_offer::Model,
    book: &RuleBook,
    now: DateTime<Utc>,
    day: chrono::NaiveDate,
    coord: CoordSystem,
    distance_m: Option<f64>,
) -> OfferView {
    let quote = book.quote(&Purchase {
        category: &o.category,
        price_fen: o.price_fen,
        efficiency_grade: o.efficiency_grade.and_then(|g| u8::try_from(g).ok()),
        day,
        recycling: false,
    });
    let at = coord.from_stored(LatLng::new(o.lat, o.lng)).rounded();
    OfferView {
        id: o.id,
        merchant_id: o.merchant_id,
        shop_id: o.shop_id,
        shop_name: o.shop_name.clone(),
        district_code: o.district_code.clone(),
        lat: at.lat,
        lng: at.lng,
        category: o.category.clone(),
        brand: o.brand.clone(),
        model: o.model.clone(),
        price_fen: o.price_fen,
        old_unit_bonus_fen: o.old_unit_bonus_fen,
        efficiency_grade: o.efficiency_grade,
        subsidy_fen: quote.subsidy_fen,
        net_price_fen: (o.price_fen - quote.subsidy_fen - o.old_unit_bonus_fen).max(0),
        starts_at: o.starts_at,
        ends_at: o.ends_at,
        status: if o.status == OfferStatus::Active && o.ends_at <= now {
            "ended".to_owned()
        } else {
            o.status.to_string()
        },
        distance_m: distance_m.map(|d| d.round() as u32),
    }
}

const OFFER_SCOPE: &str = "trade_in_offer";

pub async fn create(
    svc: &TradeIn,
    staff: &Principal,
    input: NewOffer,
    key: Option<String>,
) -> AppResult<(StatusCode, Value)> {
    let fingerprint = idempotency::fingerprint(&input);
    let retry = idempotency::Retry {
        user_id: staff.user_id,
        scope: OFFER_SCOPE,
        key: key.as_deref(),
        request_hash: &fingerprint,
    };
    if let Some(answer) = retry.stored(&svc.db).await? {
        return Ok(answer);
    }
    let shop = shop::Entity::find_by_id(input.shop_id)
        .one(&svc.db)
        .await?
        .ok_or_else(|| AppError::not_found("门店不存在"))?;
    staff.require_staff_of(shop.merchant_id)?;
    if shop.status != ShopStatus::Active {
        return Err(AppError::invalid_field("shop_id", "shop_closed"));
    }
    let book = rule_book(svc).await?;
    let day = svc.today();
    let grade = match group_of(&book, &input.category, day) {
        None => return Err(AppError::invalid_field("category", "unknown_category")),
        Some(Group::Appliance) => Some(
            input
                .efficiency_grade
                .ok_or_else(|| AppError::invalid_field("efficiency_grade", "required"))?,
        ),
        Some(Group::Digital) => None,
    };
    if input.old_unit_bonus_fen >= input.price_fen {
        return Err(AppError::invalid_field(
            "old_unit_bonus_fen",
            "must_be_below_price",
        ));
    }
    let now = svc.clock.now();
    let starts_at = input.starts_at.unwrap_or(now);
    if input.ends_at <= starts_at || input.ends_at <= now {
        return Err(AppError::invalid_field(
            "ends_at",
            "must_be_after_start_and_now",
        ));
    }
    let offer = trade_in_offer::Model {
        id: Uuid::now_v7(),
        merchant_id: shop.merchant_id,
        shop_id: shop.id,
        shop_name: shop.name.clone(),
        district_code: shop.district_code.clone(),
        lat: shop.lat,
        lng: shop.lng,
        category: input.category.clone(),
        brand: input.brand.trim().to_owned(),
        model: input.model.trim().to_owned(),
        price_fen: input.price_fen,
        old_unit_bonus_fen: input.old_unit_bonus_fen,
        efficiency_grade: grade.map(i16::from),
        starts_at,
        ends_at: input.ends_at,
        status: OfferStatus::Active,
        created_by: staff.user_id,
        created_at: now,
        updated_at: now,
    };
    let body = serde_json::to_value(view(&offer, &book, now, day, CoordSystem::Gcj02, None))
        .map_err(AppError::internal)?;
    let _turn = svc.gate.turn().await;
    let txn = svc.db.begin().await?;
    trade_in_offer::Entity::insert(offer.into_active_model())
        .exec_without_returning(&txn)
        .await?;
    idempotency::commit_answer(txn, &retry, (StatusCode::CREATED, body), now).await
}

pub async fn withdraw(svc: &TradeIn, staff: &Principal, id: Uuid) -> AppResult<OfferView> {
    let offer = trade_in_offer::Entity::find_by_id(id)
        .one(&svc.db)
        .await?
        .ok_or_else(|| AppError::not_found("以旧换新优惠不存在"))?;
    staff.require_staff_of(offer.merchant_id)?;
    let now = svc.clock.now();
    trade_in_offer::Entity::update_many()
        .col_expr(
            trade_in_offer::Column::Status,
            Expr::value(OfferStatus::Withdrawn),
        )
        .col_expr(trade_in_offer::Column::UpdatedAt, Expr::value(now))
        .filter(trade_in_offer::Column::Id.eq(id))
        .exec(&svc.db)
        .await?;
    let book = rule_book(svc).await?;
    let withdrawn = trade_in_offer::Model {
        status: OfferStatus::Withdrawn,
        updated_at: now,
        ..offer
    };
    Ok(view(
        &withdrawn,
        &book,
        now,
        svc.today(),
        CoordSystem::Gcj02,
        None,
    ))
}

/// The caller's merchants' offers, newest first, including withdrawn and ended ones.
pub async fn of_merchant(svc: &TradeIn, staff: &Principal) -> AppResult<Vec<OfferView>> {
    let rows = trade_in_offer::Entity::find()
        .filter(trade_in_offer::Column::MerchantId.is_in(staff.merchant_ids.clone()))
        .order_by_desc(trade_in_offer::Column::Id)
        .limit(500)
        .all(&svc.db)
        .await?;
    let book = rule_book(svc).await?;
    let (now, day) = (svc.clock.now(), svc.today());
    Ok(rows
        .iter()
        .map(|o| view(o, &book, now, day, CoordSystem::Gcj02, None))
        .collect())
}

/// Offers running now at open shops: nearest first around a point (within a
/// radius), else newest first with a cursor.
pub async fn search(svc: &TradeIn, q: &OfferQuery) -> AppResult<Paginated<OfferView>> {
    use trade_in_offer::Column as C;
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor.clone(),
    }
    .page()?;
    let now = svc.clock.now();
    let mut query = trade_in_offer::Entity::find()
        .filter(C::Status.eq(OfferStatus::Active))
        .filter(C::StartsAt.lte(now))
        .filter(C::EndsAt.gt(now));
    if let Some(category) = &q.category {
        query = query.filter(C::Category.eq(category.as_str()));
    }
    if let Some(district) = &q.district_code {
        query = query.filter(C::DistrictCode.eq(district.as_str()));
    }
    let center =
        crate::geo::optional_point(q.lat, q.lng, q.coord).map_err(AppError::bad_request)?;
    let book = rule_book(svc).await?;
    let day = svc.today();
    // Offers of shops that have closed since are left out.
    let open = |shop_id: Uuid| svc.places.read_index().get(&shop_id).is_some();

    let Some(center) = center else {
        query = query.order_by_desc(C::Id).limit(page.limit + 1);
        if let Some(after) = page.after {
            query = query.filter(C::Id.lt(after));
        }
        let rows = query.all(&svc.db).await?;
        let mut listed = Paginated::from_rows(
            rows,
            page,
            |o| o.id,
            |o| view(&o, &book, now, day, q.coord, None),
        );
        listed.items.retain(|o| open(o.shop_id));
        return Ok(listed);
    };
    if page.after.is_some() {
        return Err(AppError::bad_request(
            "按距离排序的结果只有一页，请扩大 limit",
        ));
    }
    let radius = f64::from(
        q.radius_m
            .unwrap_or(DEFAULT_RADIUS_M)
            .clamp(1, MAX_RADIUS_M),
    );
    let dlat = radius / METRES_PER_DEGREE_LAT;
    let dlng = radius / (METRES_PER_DEGREE_LAT * center.lat.to_radians().cos().max(0.01));
    let rows = query
        .filter(C::Lat.between(center.lat - dlat, center.lat + dlat))
        .filter(C::Lng.between(center.lng - dlng, center.lng + dlng))
        .limit(5_000)
        .all(&svc.db)
        .await?;
    let mut hits: Vec<(f64, trade_in_offer::Model)> = rows
        .into_iter()
        .filter(|o| open(o.shop_id))
        .map(|o| {
            (
                crate::geo::haversine_m(center, LatLng::new(o.lat, o.lng)),
                o,
            )
        })
        .filter(|(d, _)| *d <= radius)
        .collect();
    hits.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.id.cmp(&b.1.id)));
    hits.truncate(page.limit as usize);
    Ok(Paginated {
        items: hits
            .iter()
            .map(|(d, o)| view(o, &book, now, day, q.coord, Some(*d)))
            .collect(),
        next_cursor: None,
    })
}
