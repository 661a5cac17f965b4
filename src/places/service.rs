use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDateTime;
use entity::{merchant, shop};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::PlacesState;
use super::categories::Tier;
use super::circle;
use super::dto::{
    CategoryCoverage, CategoryView, CircleQuery, CircleReport, CreateShop, MyShopsQuery,
    NearbyPage, NearbyQuery, NearbyShop, NearestShop, ShopDetail, UpdateShop,
};
use super::hours::{DatedException, Schedule, WeeklyHours};
use super::index::{Hit, IndexedShop, SearchFilter};
use super::sync::{self, ACTIVE, CLOSED, RowConverter};
use super::tags;
use crate::auth::Principal;
use crate::districts;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::geo::walking::Profile;
use crate::geo::{CoordSystem, LatLng, in_chongqing};
use crate::merchants::dto::{Commitments, DistrictRef};
use crate::pagination::{Page, PageQuery, Paginated};
use crate::state::AppState;
use crate::validation::is_contact_phone;

const MAX_WALK_MINUTES: u32 = 60;
/// The 15-minute convenience circle.
const DEFAULT_WALK_MINUTES: u32 = 15;
const MAX_QUERY_CHARS: usize = 50;
const MAX_TAGS: usize = 10;

pub fn categories(places: &PlacesState) -> Vec<CategoryView> {
    places
        .categories
        .all()
        .iter()
        .map(|c| CategoryView {
            code: c.code.clone(),
            name: c.name.clone(),
            tier: c.tier,
        })
        .collect()
}

/// A query point, checked, in the stored system.
fn query_point(lat: f64, lng: f64, coord: CoordSystem) -> AppResult<LatLng> {
    let p = LatLng::new(lat, lng);
    if !p.is_valid() {
        let mut fields = FieldErrors::new();
        if !(lat.is_finite() && (-90.0..=90.0).contains(&lat)) {
            fields.insert("lat".into(), vec!["range".into()]);
        }
        if !(lng.is_finite() && (-180.0..=180.0).contains(&lng)) {
            fields.insert("lng".into(), vec!["range".into()]);
        }
        return Err(AppError::validation(fields));
    }
    Ok(coord.to_stored(p))
}

fn walk_minutes(value: Option<u32>) -> AppResult<u32> {
    let minutes = value.unwrap_or(DEFAULT_WALK_MINUTES);
    if (1..=MAX_WALK_MINUTES).contains(&minutes) {
        Ok(minutes)
    } else {
        Err(AppError::invalid_field("walk_minutes", "range"))
    }
}

fn encode_cursor(distance_mm: u64, id: Uuid) -> String {
    let mut bytes = [0u8; 24];
    bytes[..8].copy_from_slice(&distance_mm.to_be_bytes());
    bytes[8..].copy_from_slice(id.as_bytes());
    URL_SAFE_NO_PAD.encode(bytes)
}

fn decode_cursor(cursor: &str) -> Option<(u64, Uuid)> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    if bytes.len() != 24 {
        return None;
    }
    let mm = u64::from_be_bytes(bytes[..8].try_into().ok()?);
    Some((mm, Uuid::from_slice(&bytes[8..]).ok()?))
}

pub fn nearby(state: &AppState, q: &NearbyQuery) -> AppResult<NearbyPage> {
    let places = &state.places;
    let center = query_point(q.lat, q.lng, q.coord)?;
    let minutes = walk_minutes(q.walk_minutes)?;
    let page = PageQuery {
        limit: q.limit,
        cursor: None,
    }
    .page()?;
    let after = match q.cursor.as_deref() {
        None | Some("") => None,
        Some(c) => Some(decode_cursor(c).ok_or_else(|| AppError::bad_request("cursor 无效"))?),
    };
    let mut categories = Vec::new();
    for code in q
        .category
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        match places.categories.index_of(code) {
            Some(i) if !categories.contains(&i) => categories.push(i),
            Some(_) => {}
            None => return Err(AppError::invalid_field("category", "unknown_category")),
        }
    }
    let tags_all = tags::mask(
        q.tag
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty()),
    )
    .map_err(|_| AppError::invalid_field("tag", "unknown_tag"))?;
    let text = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty());
    if text.is_some_and(|t| t.chars().count() > MAX_QUERY_CHARS) {
        return Err(AppError::invalid_field("q", "too_long"));
    }

    let now = state.clock.now_local().naive_local();
    let radius = places.walking.radius_m(minutes, q.profile);
    let filter = SearchFilter {
        categories: &categories,
        tags_all,
        open_at: q.open_now.then_some(now),
        text,
    };
    let limit = page.limit as usize;
    let index = places.read_index();
    let mut hits = index.nearest(center, radius, limit + 1, &filter, after);
    let more = hits.len() > limit;
    hits.truncate(limit);
    let mut next_cursor = None;
    let mut items = Vec::with_capacity(hits.len());
    for hit in &hits {
        let Some(shop) = index.shop(hit.slot) else {
            continue;
        };
        if more {
            next_cursor = Some(encode_cursor(hit.distance_mm, shop.id));
        }
        items.push(nearby_shop(places, shop, hit, q.coord, q.profile, now));
    }
    Ok(NearbyPage {
        items,
        next_cursor,
        radius_m: radius.round() as u32,
    })
}

fn nearby_shop(
    places: &PlacesState,
    shop: &IndexedShop,
    hit: &Hit,
    coord: CoordSystem,
    profile: Profile,
    now: NaiveDateTime,
) -> NearbyShop {
    let shown = coord.from_stored(shop.position).rounded();
    NearbyShop {
        id: shop.id,
        name: shop.name.to_string(),
        category: places
            .categories
            .get(shop.category)
            .map(|c| c.code.clone())
            .unwrap_or_default(),
        lat: shown.lat,
        lng: shown.lng,
        distance_m: hit.distance_m.round() as u32,
        walk_minutes: places.walking.minutes(hit.distance_m, profile),
        open_now: shop.schedule.is_open(now),
        tags: tags::names(shop.tags).collect(),
        merchant_id: shop.merchant_id,
    }
}

/// The `limit` nearest shops open now within a standard 15-minute walk of
/// `center` (stored coordinates), shown in `coord`.
pub fn open_shops_near(
    state: &AppState,
    center: LatLng,
    limit: usize,
    coord: CoordSystem,
) -> Vec<NearbyShop> {
    let places = &state.places;
    let now = state.clock.now_local().naive_local();
    let profile = Profile::Standard;
    let radius = places.walking.radius_m(DEFAULT_WALK_MINUTES, profile);
    let filter = SearchFilter {
        open_at: Some(now),
        ..SearchFilter::default()
    };
    let index = places.read_index();
    index
        .nearest(center, radius, limit, &filter, None)
        .iter()
        .filter_map(|hit| {
            let shop = index.shop(hit.slot)?;
            Some(nearby_shop(places, shop, hit, coord, profile, now))
        })
        .collect()
}

pub fn circle_report(state: &AppState, q: &CircleQuery) -> AppResult<CircleReport> {
    let places = &state.places;
    let center = query_point(q.lat, q.lng, q.coord)?;
    let minutes = walk_minutes(q.walk_minutes)?;
    let radius = places.walking.radius_m(minutes, q.profile);
    let index = places.read_index();
    let nearest = index.nearest_per_category(center, radius, places.categories.all().len());
    let coverage = |tier: Tier| -> Vec<CategoryCoverage> {
        places
            .categories
            .of_tier(tier)
            .map(|(i, info)| CategoryCoverage {
                category: info.code.clone(),
                name: info.name.clone(),
                nearest: nearest
                    .get(usize::from(i))
                    .copied()
                    .flatten()
                    .and_then(|hit| {
                        index.shop(hit.slot).map(|s| NearestShop {
                            shop_id: s.id,
                            name: s.name.to_string(),
                            distance_m: hit.distance_m.round() as u32,
                            walk_minutes: places.walking.minutes(hit.distance_m, q.profile),
                        })
                    }),
            })
            .collect()
    };
    let basic = coverage(Tier::Basic);
    let quality = coverage(Tier::Quality);
    drop(index);
    let missing: Vec<String> = basic
        .iter()
        .filter(|c| c.nearest.is_none())
        .map(|c| c.category.clone())
        .collect();
    let basic_present = basic.len() - missing.len();
    let quality_present = quality.iter().filter(|c| c.nearest.is_some()).count();
    Ok(CircleReport {
        walk_minutes: minutes,
        radius_m: radius.round() as u32,
        basic_coverage: circle::coverage(basic_present, basic.len()),
        grade: circle::grade(basic_present, basic.len(), quality_present, places.circle),
        quality_present,
        missing,
        basic,
        quality,
    })
}

async fn district_names(state: &AppState) -> AppResult<HashMap<String, String>> {
    Ok(districts::service::names(&state.db).await?)
}

fn detail(
    state: &AppState,
    row: shop::Model,
    merchant: &merchant::Model,
    district_names: &HashMap<String, String>,
    coord: CoordSystem,
) -> ShopDetail {
    let places = &state.places;
    let weekly: Vec<WeeklyHours> = serde_json::from_str(&row.opening_hours).unwrap_or_default();
    let exceptions: Vec<DatedException> = serde_json::from_str(&row.exceptions).unwrap_or_default();
    let open_now = row.status == ACTIVE
        && Schedule::compile(&weekly, &exceptions)
            .map(|s| s.is_open(state.clock.now_local().naive_local()))
            .unwrap_or(false);
    let category = places
        .categories
        .index_of(&row.category_code)
        .and_then(|i| places.categories.get(i));
    let shown = coord.from_stored(LatLng::new(row.lat, row.lng)).rounded();
    ShopDetail {
        id: row.id,
        merchant_id: row.merchant_id,
        merchant_name: merchant.name.clone(),
        category_name: category.map(|c| c.name.clone()).unwrap_or_default(),
        tier: category.map(|c| c.tier).unwrap_or(Tier::Other),
        district: DistrictRef {
            name: district_names
                .get(&row.district_code)
                .cloned()
                .unwrap_or_default(),
            code: row.district_code,
        },
        lat: shown.lat,
        lng: shown.lng,
        tags: serde_json::from_str(&row.tags).unwrap_or_default(),
        commitments: Commitments {
            no_reason_return: merchant.no_reason_return,
            first_compensation: merchant.first_compensation,
            odr: merchant.odr,
        },
        name: row.name,
        category: row.category_code,
        address: row.address,
        phone: row.phone,
        opening_hours: weekly,
        exceptions,
        status: row.status,
        open_now,
        updated_at: row.updated_at,
    }
}

async fn merchant_of(state: &AppState, id: Uuid) -> AppResult<merchant::Model> {
    merchant::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::not_found("商户不存在"))
}

pub async fn shop_detail(state: &AppState, id: Uuid, coord: CoordSystem) -> AppResult<ShopDetail> {
    let row = shop::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::not_found("店铺不存在"))?;
    let merchant = merchant_of(state, row.merchant_id).await?;
    let names = district_names(state).await?;
    Ok(detail(state, row, &merchant, &names, coord))
}

/// What a shop write would store, after every check.
struct ShopFields {
    name: String,
    category: String,
    position: LatLng,
    address: String,
    district_code: String,
    phone: Option<String>,
    opening_hours: Vec<WeeklyHours>,
    exceptions: Vec<DatedException>,
    tags: Vec<String>,
}

async fn check_fields(state: &AppState, f: &ShopFields) -> AppResult<()> {
    let mut errors = FieldErrors::new();
    let mut add = |field: &str, reason: &str| {
        errors
            .entry(field.to_owned())
            .or_default()
            .push(reason.to_owned());
    };
    let name_len = f.name.trim().chars().count();
    if name_len == 0 || name_len > 60 {
        add("name", "length");
    }
    if state.places.categories.index_of(&f.category).is_none() {
        add("category", "unknown_category");
    }
    if !f.position.is_valid() || !in_chongqing(f.position) {
        add("lat", "outside_chongqing");
        add("lng", "outside_chongqing");
    }
    let address_len = f.address.trim().chars().count();
    if !(2..=200).contains(&address_len) {
        add("address", "length");
    }
    if let Some(phone) = &f.phone
        && !is_contact_phone(phone)
    {
        add("phone", "phone_format");
    }
    if f.tags.len() > MAX_TAGS {
        add("tags", "too_many");
    }
    if f.tags.iter().any(|t| tags::bit(t).is_none()) {
        add("tags", "unknown_tag");
    }
    if let Err(hour_errors) = Schedule::compile(&f.opening_hours, &f.exceptions) {
        for (field, reason) in hour_errors {
            add(&field, reason);
        }
    }
    let today = state.clock.now_local().date_naive();
    if !districts::service::not_in_force(&state.db, std::slice::from_ref(&f.district_code), today)
        .await?
        .is_empty()
    {
        add("district_code", "unknown_district");
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::validation(errors))
    }
}

fn json_text<T: serde::Serialize>(value: &T) -> AppResult<String> {
    serde_json::to_string(value).map_err(AppError::internal)
}

/// After a committed write: this instance's index reflects it at once.
async fn refresh_index(state: &AppState, id: Uuid) -> AppResult<()> {
    if let Some(row) = sync::fetch_row(&state.db, id).await? {
        sync::apply(state, row, &mut RowConverter::default());
    }
    Ok(())
}

pub async fn create_shop(
    state: &AppState,
    caller: &Principal,
    input: CreateShop,
) -> AppResult<ShopDetail> {
    caller.require_staff_of(input.merchant_id)?;
    let mut tags = input.tags;
    tags.dedup();
    let fields = ShopFields {
        name: input.name.trim().to_owned(),
        category: input.category,
        position: input.coord.to_stored(LatLng::new(input.lat, input.lng)),
        address: input.address.trim().to_owned(),
        district_code: input.district_code,
        phone: input
            .phone
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty()),
        opening_hours: input.opening_hours,
        exceptions: input.exceptions,
        tags,
    };
    check_fields(state, &fields).await?;
    let now = state.clock.now();
    let row = shop::ActiveModel {
        id: Set(Uuid::now_v7()),
        merchant_id: Set(input.merchant_id),
        name: Set(fields.name),
        category_code: Set(fields.category),
        address: Set(fields.address),
        district_code: Set(fields.district_code),
        lat: Set(fields.position.lat),
        lng: Set(fields.position.lng),
        phone: Set(fields.phone),
        opening_hours: Set(json_text(&fields.opening_hours)?),
        exceptions: Set(json_text(&fields.exceptions)?),
        tags: Set(json_text(&fields.tags)?),
        status: Set(ACTIVE.to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&state.db)
    .await?;
    refresh_index(state, row.id).await?;
    let merchant = merchant_of(state, row.merchant_id).await?;
    let names = district_names(state).await?;
    Ok(detail(state, row, &merchant, &names, input.coord))
}

/// The shop, if the caller acts for its merchant (404 before 403 would leak
/// nothing here: shops are public).
async fn owned_shop(state: &AppState, caller: &Principal, id: Uuid) -> AppResult<shop::Model> {
    let row = shop::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::not_found("店铺不存在"))?;
    caller.require_staff_of(row.merchant_id)?;
    Ok(row)
}

pub async fn update_shop(
    state: &AppState,
    caller: &Principal,
    id: Uuid,
    input: UpdateShop,
) -> AppResult<ShopDetail> {
    let current = owned_shop(state, caller, id).await?;
    let position = match (input.lat, input.lng) {
        (Some(lat), Some(lng)) => input.coord.to_stored(LatLng::new(lat, lng)),
        (None, None) => LatLng::new(current.lat, current.lng),
        _ => return Err(AppError::invalid_field("lat", "lat_and_lng_together")),
    };
    let status = match input.status.as_deref() {
        None => current.status.clone(),
        Some(s @ (ACTIVE | CLOSED)) => s.to_owned(),
        Some(_) => return Err(AppError::invalid_field("status", "unknown_status")),
    };
    let fields = ShopFields {
        name: input
            .name
            .map(|n| n.trim().to_owned())
            .unwrap_or_else(|| current.name.clone()),
        category: input
            .category
            .unwrap_or_else(|| current.category_code.clone()),
        position,
        address: input
            .address
            .map(|a| a.trim().to_owned())
            .unwrap_or_else(|| current.address.clone()),
        district_code: input
            .district_code
            .unwrap_or_else(|| current.district_code.clone()),
        phone: match input.phone {
            Some(p) => p.map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()),
            None => current.phone.clone(),
        },
        opening_hours: match input.opening_hours {
            Some(h) => h,
            None => serde_json::from_str(&current.opening_hours).unwrap_or_default(),
        },
        exceptions: match input.exceptions {
            Some(e) => e,
            None => serde_json::from_str(&current.exceptions).unwrap_or_default(),
        },
        tags: match input.tags {
            Some(mut t) => {
                t.dedup();
                t
            }
            None => serde_json::from_str(&current.tags).unwrap_or_default(),
        },
    };
    check_fields(state, &fields).await?;
    let merchant_id = current.merchant_id;
    let mut row = current.into_active_model();
    row.name = Set(fields.name);
    row.category_code = Set(fields.category);
    row.lat = Set(fields.position.lat);
    row.lng = Set(fields.position.lng);
    row.address = Set(fields.address);
    row.district_code = Set(fields.district_code);
    row.phone = Set(fields.phone);
    row.opening_hours = Set(json_text(&fields.opening_hours)?);
    row.exceptions = Set(json_text(&fields.exceptions)?);
    row.tags = Set(json_text(&fields.tags)?);
    row.status = Set(status);
    row.updated_at = Set(state.clock.now());
    let row = row.update(&state.db).await?;
    refresh_index(state, id).await?;
    let merchant = merchant_of(state, merchant_id).await?;
    let names = district_names(state).await?;
    Ok(detail(state, row, &merchant, &names, input.coord))
}

pub async fn close_shop(state: &AppState, caller: &Principal, id: Uuid) -> AppResult<ShopDetail> {
    let current = owned_shop(state, caller, id).await?;
    let merchant_id = current.merchant_id;
    let mut row = current.into_active_model();
    row.status = Set(CLOSED.to_owned());
    row.updated_at = Set(state.clock.now());
    let row = row.update(&state.db).await?;
    refresh_index(state, id).await?;
    let merchant = merchant_of(state, merchant_id).await?;
    let names = district_names(state).await?;
    Ok(detail(state, row, &merchant, &names, CoordSystem::Gcj02))
}

pub async fn my_shops(
    state: &AppState,
    caller: &Principal,
    q: &MyShopsQuery,
) -> AppResult<Paginated<ShopDetail>> {
    let merchants: Vec<Uuid> = match q.merchant_id {
        Some(id) => {
            caller.require_staff_of(id)?;
            vec![id]
        }
        None => caller.merchant_ids.clone(),
    };
    let page: Page = PageQuery {
        limit: q.limit,
        cursor: q.cursor.clone(),
    }
    .page()?;
    let mut query = shop::Entity::find().filter(shop::Column::MerchantId.is_in(merchants.clone()));
    if let Some(after) = page.after {
        query = query.filter(shop::Column::Id.gt(after));
    }
    let rows = query
        .order_by_asc(shop::Column::Id)
        .limit(page.limit + 1)
        .all(&state.db)
        .await?;
    let merchant_rows: HashMap<Uuid, merchant::Model> = merchant::Entity::find()
        .filter(merchant::Column::Id.is_in(merchants))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let names = district_names(state).await?;
    let rows: Vec<(shop::Model, merchant::Model)> = rows
        .into_iter()
        .filter_map(|r| merchant_rows.get(&r.merchant_id).cloned().map(|m| (r, m)))
        .collect();
    Ok(Paginated::from_rows(
        rows,
        page,
        |(r, _)| r.id,
        |(r, m)| detail(state, r, &m, &names, q.coord),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearby_cursors_round_trip() {
        let id = Uuid::now_v7();
        assert_eq!(
            decode_cursor(&encode_cursor(123_456, id)),
            Some((123_456, id))
        );
        assert_eq!(decode_cursor("garbage"), None);
        assert_eq!(decode_cursor(&crate::pagination::encode_cursor(id)), None);
    }
}
