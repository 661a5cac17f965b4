//! Merchant staff manage their shops: create, edit (hours, closures, tags,
//! position), close, list; each write reaches this instance's index at once.

use entity::status::ShopStatus;
use std::collections::HashMap;

use entity::{merchant, shop};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::Places;
use super::dto::{CreateShop, MyShopsQuery, ShopDetail, UpdateShop};
use super::hours::{DatedException, Schedule, WeeklyHours};
use super::nearby::MAX_TAGS;
use super::shop_view::{detail, district_names, merchant_of};
use super::sync::{self, RowConverter};
use super::tags;
use crate::auth::Principal;
use crate::districts;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::geo::{CoordSystem, LatLng, in_chongqing};
use crate::pagination::{Page, PageQuery, Paginated};
use crate::validation::is_contact_phone;

/// What a shop write would store, after every check.
pub(super) struct ShopFields {
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

pub(super) async fn check_fields(svc: &Places, f: &ShopFields) -> AppResult<()> {
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
    if svc.categories.index_of(&f.category).is_none() {
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
    let today = svc.clock.now_local().date_naive();
    if !districts::service::not_in_force(&svc.db, std::slice::from_ref(&f.district_code), today)
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

pub(super) fn json_text<T: serde::Serialize>(value: &T) -> AppResult<String> {
    serde_json::to_string(value).map_err(AppError::internal)
}

/// After a committed write: this instance's index reflects it at once.
pub(super) async fn refresh_index(svc: &Places, id: Uuid) -> AppResult<()> {
    if let Some(row) = sync::fetch_row(&svc.db, id).await? {
        sync::apply(svc, row, &mut RowConverter::default());
    }
    Ok(())
}

pub async fn create_shop(
    svc: &Places,
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
    check_fields(svc, &fields).await?;
    let now = svc.clock.now();
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
        status: Set(ShopStatus::Active),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&svc.db)
    .await?;
    refresh_index(svc, row.id).await?;
    let merchant = merchant_of(svc, row.merchant_id).await?;
    let names = district_names(svc).await?;
    Ok(detail(svc, row, &merchant, &names, input.coord))
}

/// The shop, if the caller acts for its merchant (404 before 403 would leak
/// nothing here: shops are public).
pub(super) async fn owned_shop(
    svc: &Places,
    caller: &Principal,
    id: Uuid,
) -> AppResult<shop::Model> {
    let row = shop::Entity::find_by_id(id)
        .one(&svc.db)
        .await?
        .ok_or_else(|| AppError::not_found("店铺不存在"))?;
    caller.require_staff_of(row.merchant_id)?;
    Ok(row)
}

pub async fn update_shop(
    svc: &Places,
    caller: &Principal,
    id: Uuid,
    input: UpdateShop,
) -> AppResult<ShopDetail> {
    let current = owned_shop(svc, caller, id).await?;
    let position = match (input.lat, input.lng) {
        (Some(lat), Some(lng)) => input.coord.to_stored(LatLng::new(lat, lng)),
        (None, None) => LatLng::new(current.lat, current.lng),
        _ => return Err(AppError::invalid_field("lat", "lat_and_lng_together")),
    };
    let status = match input.status.as_deref() {
        None => current.status,
        Some(s) => entity::status::parse::<ShopStatus>(s)
            .ok_or_else(|| AppError::invalid_field("status", "unknown_status"))?,
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
    check_fields(svc, &fields).await?;
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
    row.updated_at = Set(svc.clock.now());
    let row = row.update(&svc.db).await?;
    refresh_index(svc, id).await?;
    let merchant = merchant_of(svc, merchant_id).await?;
    let names = district_names(svc).await?;
    Ok(detail(svc, row, &merchant, &names, input.coord))
}

pub async fn close_shop(svc: &Places, caller: &Principal, id: Uuid) -> AppResult<ShopDetail> {
    let current = owned_shop(svc, caller, id).await?;
    let merchant_id = current.merchant_id;
    let mut row = current.into_active_model();
    row.status = Set(ShopStatus::Closed);
    row.updated_at = Set(svc.clock.now());
    let row = row.update(&svc.db).await?;
    refresh_index(svc, id).await?;
    let merchant = merchant_of(svc, merchant_id).await?;
    let names = district_names(svc).await?;
    Ok(detail(svc, row, &merchant, &names, CoordSystem::Gcj02))
}

pub async fn my_shops(
    svc: &Places,
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
        .all(&svc.db)
        .await?;
    let merchant_rows: HashMap<Uuid, merchant::Model> = merchant::Entity::find()
        .filter(merchant::Column::Id.is_in(merchants))
        .all(&svc.db)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let names = district_names(svc).await?;
    let rows: Vec<(shop::Model, merchant::Model)> = rows
        .into_iter()
        .filter_map(|r| merchant_rows.get(&r.merchant_id).cloned().map(|m| (r, m)))
        .collect();
    Ok(Paginated::from_rows(
        rows,
        page,
        |(r, _)| r.id,
        |(r, m)| detail(svc, r, &m, &names, q.coord),
    ))
}
