use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::categories::Tier;
use super::circle::Grade;
use super::hours::{DatedException, WeeklyHours};
use crate::geo::CoordSystem;
use crate::geo::walking::Profile;
use crate::merchants::dto::{Commitments, DistrictRef};

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryView {
    pub code: String,
    pub name: String,
    pub tier: Tier,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NearbyQuery {
    pub lat: f64,
    pub lng: f64,
    /// Coordinate system of `lat`/`lng` and of the answer (default gcj02).
    #[serde(default)]
    #[param(inline)]
    pub coord: CoordSystem,
    /// 1..=60, default 15.
    pub walk_minutes: Option<u32>,
    #[serde(default)]
    #[param(inline)]
    pub profile: Profile,
    /// Category codes, comma separated (any of them).
    pub category: Option<String>,
    /// Only shops open now (Asia/Shanghai), holiday exceptions included.
    #[serde(default)]
    pub open_now: bool,
    /// Tags, comma separated (all of them).
    pub tag: Option<String>,
    /// Part of the shop name.
    pub q: Option<String>,
    /// 山城有信 grades, comma separated (any of them): `A,B`. Merchants not
    /// yet scored are left out.
    pub credit_grade: Option<String>,
    /// `distance` (default) or `credit`: best grade first, nearest first
    /// within a grade (the nearest 5,000 shops of the walk are ranked).
    #[serde(default)]
    #[param(inline)]
    pub sort: NearbySort,
    /// 1..=100, default 20.
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NearbySort {
    #[default]
    Distance,
    Credit,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NearbyShop {
    pub id: Uuid,
    pub name: String,
    /// Category code.
    pub category: String,
    pub lat: f64,
    pub lng: f64,
    /// Straight-line distance, metres.
    pub distance_m: u32,
    pub walk_minutes: u32,
    pub open_now: bool,
    pub tags: Vec<&'static str>,
    pub merchant_id: Uuid,
    /// The merchant's 山城有信 grade, once scored.
    pub credit_grade: Option<&'static str>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NearbyPage {
    pub items: Vec<NearbyShop>,
    pub next_cursor: Option<String>,
    /// The straight-line radius the walk reaches, metres.
    pub radius_m: u32,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CircleQuery {
    pub lat: f64,
    pub lng: f64,
    #[serde(default)]
    #[param(inline)]
    pub coord: CoordSystem,
    /// 1..=60, default 15.
    pub walk_minutes: Option<u32>,
    #[serde(default)]
    #[param(inline)]
    pub profile: Profile,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NearestShop {
    pub shop_id: Uuid,
    pub name: String,
    pub distance_m: u32,
    pub walk_minutes: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryCoverage {
    pub category: String,
    pub name: String,
    /// The nearest shop of this type within the walk, or null.
    pub nearest: Option<NearestShop>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CircleReport {
    pub walk_minutes: u32,
    pub radius_m: u32,
    /// Every basic-need type (基本保障类业态).
    pub basic: Vec<CategoryCoverage>,
    /// Every quality-improvement type (品质提升类业态).
    pub quality: Vec<CategoryCoverage>,
    /// Share of basic types present, 0..=1.
    pub basic_coverage: f64,
    pub quality_present: usize,
    pub grade: Grade,
    /// Codes of the basic types with no outlet within the walk.
    pub missing: Vec<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CoordQuery {
    #[serde(default)]
    #[param(inline)]
    pub coord: CoordSystem,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateShop {
    pub merchant_id: Uuid,
    pub name: String,
    /// Category code from `GET /categories`.
    pub category: String,
    pub lat: f64,
    pub lng: f64,
    #[serde(default)]
    pub coord: CoordSystem,
    pub address: String,
    pub district_code: String,
    pub phone: Option<String>,
    #[serde(default)]
    pub opening_hours: Vec<WeeklyHours>,
    #[serde(default)]
    pub exceptions: Vec<DatedException>,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// Absent fields stay as they are; `phone: null` clears the phone.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct UpdateShop {
    pub name: Option<String>,
    pub category: Option<String>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    #[serde(default)]
    pub coord: CoordSystem,
    pub address: Option<String>,
    pub district_code: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    pub opening_hours: Option<Vec<WeeklyHours>>,
    pub exceptions: Option<Vec<DatedException>>,
    pub tags: Option<Vec<String>>,
    /// `active` reopens a closed shop; `closed` closes it.
    pub status: Option<String>,
}

/// Tells an explicit `null` (Some(None)) from an absent field (None).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShopDetail {
    pub id: Uuid,
    pub merchant_id: Uuid,
    pub merchant_name: String,
    pub name: String,
    pub category: String,
    pub category_name: String,
    pub tier: Tier,
    pub address: String,
    pub district: DistrictRef,
    pub lat: f64,
    pub lng: f64,
    pub phone: Option<String>,
    pub opening_hours: Vec<WeeklyHours>,
    pub exceptions: Vec<DatedException>,
    pub tags: Vec<String>,
    /// active | closed
    pub status: String,
    pub open_now: bool,
    /// The merchant's commitments (无理由退货, 先行赔付, ODR).
    pub commitments: Commitments,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MyShopsQuery {
    /// Only this merchant's shops (default: all the caller's merchants).
    pub merchant_id: Option<Uuid>,
    pub limit: Option<u64>,
    pub cursor: Option<String>,
    #[serde(default)]
    #[param(inline)]
    pub coord: CoordSystem,
}
