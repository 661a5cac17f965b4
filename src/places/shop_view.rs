//! One shop as residents see it: hours, exceptions, the merchant's
//! commitments and district.

use entity::status::ShopStatus;
use std::collections::HashMap;

use entity::{merchant, shop};
use sea_orm::EntityTrait;
use uuid::Uuid;

use super::Places;
use super::categories::Tier;
use super::dto::ShopDetail;
use super::hours::{DatedException, Schedule, WeeklyHours};
use crate::districts;
use crate::error::{AppError, AppResult};
use crate::geo::{CoordSystem, LatLng};
use crate::merchants::dto::{Commitments, DistrictRef};

pub(super) async fn district_names(svc: &Places) -> AppResult<HashMap<String, String>> {
    Ok(districts::service::names(&svc.db).await?)
}

pub(super) fn detail(
    places: &Places,
    row: shop::Model,
    merchant: &merchant::Model,
    district_names: &HashMap<String, String>,
    coord: CoordSystem,
) -> ShopDetail {
    let weekly: Vec<WeeklyHours> = serde_json::from_str(&row.opening_hours).unwrap_or_default();
    let exceptions: Vec<DatedException> = serde_json::from_str(&row.exceptions).unwrap_or_default();
    let open_now = row.status == ShopStatus::Active
        && Schedule::compile(&weekly, &exceptions)
            .map(|s| s.is_open(places.clock.now_local().naive_local()))
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
        status: row.status.to_string(),
        open_now,
        updated_at: row.updated_at,
    }
}

pub(super) async fn merchant_of(svc: &Places, id: Uuid) -> AppResult<merchant::Model> {
    merchant::Entity::find_by_id(id)
        .one(&svc.db)
        .await?
        .ok_or_else(|| AppError::not_found("商户不存在"))
}

pub async fn shop_detail(svc: &Places, id: Uuid, coord: CoordSystem) -> AppResult<ShopDetail> {
    let row = shop::Entity::find_by_id(id)
        .one(&svc.db)
        .await?
        .ok_or_else(|| AppError::not_found("店铺不存在"))?;
    let merchant = merchant_of(svc, row.merchant_id).await?;
    let names = district_names(svc).await?;
    Ok(detail(svc, row, &merchant, &names, coord))
}
