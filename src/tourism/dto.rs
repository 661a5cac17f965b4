use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::geo::CoordSystem;
use crate::places::dto::NearbyShop;
use crate::validation::not_blank;

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct StopInput {
    /// 1, 2, 3, … in the order the stops are visited.
    pub seq: i32,
    /// Day of the route, from 1.
    pub day: i32,
    #[validate(length(min = 1, max = 60), custom(function = "not_blank"))]
    pub name: String,
    pub lat: f64,
    pub lng: f64,
    /// Suggested minutes to spend there.
    pub minutes: i32,
    #[validate(length(max = 200))]
    pub opening_notes: Option<String>,
    #[serde(default)]
    pub ticket_fen: i64,
    /// A shop at the stop (a restaurant, a shop selling local goods).
    pub shop_id: Option<Uuid>,
}

/// A route with its stops in order. Coordinates in `coord` (default gcj02).
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct NewRoute {
    #[validate(length(min = 2, max = 60), custom(function = "not_blank"))]
    pub title: String,
    #[validate(length(min = 2, max = 500), custom(function = "not_blank"))]
    pub summary: String,
    /// `family, study, summer, red, rural, self_drive, graduation, night, chuanyu`.
    pub themes: Vec<String>,
    /// Chongqing districts the route goes through (in force).
    #[validate(length(min = 1, max = 20))]
    pub district_codes: Vec<String>,
    /// Places outside Chongqing it goes to, by name with their province
    /// and city ("四川省成都市青羊区"); each 2–40 characters, at most 10.
    #[validate(length(max = 10))]
    #[serde(default)]
    pub outside_places: Vec<String>,
    pub days: i32,
    /// Road distance if known; else the straight line through the stops.
    pub distance_m: Option<i32>,
    #[validate(length(max = 40))]
    #[serde(default)]
    pub best_season: String,
    #[validate(nested)]
    pub stops: Vec<StopInput>,
    #[serde(default)]
    pub coord: CoordSystem,
    /// Default true.
    pub published: Option<bool>,
}

/// Fields to change; `stops` replaces all the stops.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct RouteChanges {
    #[validate(length(min = 2, max = 60), custom(function = "not_blank"))]
    pub title: Option<String>,
    #[validate(length(min = 2, max = 500), custom(function = "not_blank"))]
    pub summary: Option<String>,
    pub themes: Option<Vec<String>>,
    #[validate(length(min = 1, max = 20))]
    pub district_codes: Option<Vec<String>>,
    #[validate(length(max = 10))]
    pub outside_places: Option<Vec<String>>,
    pub days: Option<i32>,
    pub distance_m: Option<i32>,
    #[validate(length(max = 40))]
    pub best_season: Option<String>,
    #[validate(nested)]
    pub stops: Option<Vec<StopInput>>,
    #[serde(default)]
    pub coord: CoordSystem,
    /// false unpublishes: the route leaves the lists and its page.
    pub published: Option<bool>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RouteSummary {
    pub id: Uuid,
    pub title: String,
    pub summary: String,
    pub themes: Vec<String>,
    pub district_codes: Vec<String>,
    /// Places outside Chongqing the route goes to (see `NewRoute`).
    pub outside_places: Vec<String>,
    pub days: i32,
    pub distance_m: i32,
    pub best_season: String,
    pub stop_count: usize,
    /// Tickets of all stops together.
    pub tickets_fen: i64,
    pub first_stop: String,
    pub published: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StopView {
    pub seq: i32,
    pub day: i32,
    pub name: String,
    pub lat: f64,
    pub lng: f64,
    pub minutes: i32,
    pub opening_notes: Option<String>,
    pub ticket_fen: i64,
    pub shop_id: Option<Uuid>,
    /// Up to three shops open now within a 15-minute walk, nearest first.
    pub nearby_open_shops: Vec<NearbyShop>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RouteDetail {
    #[serde(flatten)]
    pub summary: RouteSummary,
    pub stops: Vec<StopView>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RouteQuery {
    /// One theme code.
    pub theme: Option<String>,
    /// Routes through this district.
    pub district_code: Option<String>,
    /// Exactly this many days.
    pub days: Option<i32>,
    /// At most this many days (a weekend: 2).
    pub max_days: Option<i32>,
    /// Words in the title, summary or a stop's name.
    pub q: Option<String>,
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CoordQuery {
    #[serde(default)]
    pub coord: CoordSystem,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoutePage {
    pub items: Vec<RouteSummary>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct NewEvent {
    #[validate(length(min = 2, max = 60), custom(function = "not_blank"))]
    pub name: String,
    #[validate(length(max = 500))]
    #[serde(default)]
    pub summary: String,
    /// `festival, fair, night_market, music, sports, consumption_season, food, culture`.
    pub category: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[validate(length(min = 2, max = 100), custom(function = "not_blank"))]
    pub venue: String,
    pub lat: f64,
    pub lng: f64,
    #[serde(default)]
    pub coord: CoordSystem,
    pub district_code: String,
    #[validate(length(min = 2, max = 100), custom(function = "not_blank"))]
    pub organiser: String,
    pub free: bool,
    /// Lowest ticket price; required unless free.
    pub price_fen: Option<i64>,
    /// Default true.
    pub published: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct EventChanges {
    #[validate(length(min = 2, max = 60), custom(function = "not_blank"))]
    pub name: Option<String>,
    #[validate(length(max = 500))]
    pub summary: Option<String>,
    pub category: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    #[validate(length(min = 2, max = 100), custom(function = "not_blank"))]
    pub venue: Option<String>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    #[serde(default)]
    pub coord: CoordSystem,
    pub district_code: Option<String>,
    #[validate(length(min = 2, max = 100), custom(function = "not_blank"))]
    pub organiser: Option<String>,
    pub free: Option<bool>,
    pub price_fen: Option<i64>,
    pub published: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    pub id: Uuid,
    pub name: String,
    pub summary: String,
    pub category: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub venue: String,
    pub lat: f64,
    pub lng: f64,
    pub district_code: String,
    pub organiser: String,
    pub free: bool,
    pub price_fen: Option<i64>,
    pub published: bool,
    /// From the point searched around, when one was given.
    pub distance_m: Option<u32>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// First day (Chongqing), inclusive; default today.
    pub from: Option<NaiveDate>,
    /// Last day, inclusive; default open-ended. An event overlapping the range counts.
    pub to: Option<NaiveDate>,
    pub category: Option<String>,
    pub district_code: Option<String>,
    /// With `lng`: only events within `radius_m`, nearest first.
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    #[serde(default)]
    pub coord: CoordSystem,
    /// Default 10000, at most 200000.
    pub radius_m: Option<u32>,
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    pub items: Vec<EventView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Code {
    pub code: &'static str,
    pub name: &'static str,
}
