use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::rules::Group;
use crate::geo::CoordSystem;
use crate::validation::not_blank;

/// A trade-in category with the rule in force today.
#[derive(Debug, Serialize, ToSchema)]
pub struct TradeInCategory {
    pub code: String,
    pub name: String,
    pub group: Group,
    pub rule: String,
    /// false between programmes: `rule` is the last one, and nothing is earned now.
    pub programme_in_force: bool,
    pub rule_name: String,
    /// Rate by efficiency grade, e.g. `{"1": 0.2, "2": 0.15}`; empty for a flat rate.
    pub grade_rates: std::collections::BTreeMap<String, f64>,
    pub flat_rate: Option<f64>,
    /// Highest qualifying price (digital products), inclusive.
    pub price_limit_fen: Option<i64>,
    pub cap_fen: i64,
    /// Items per person per calendar year.
    pub per_year: u32,
    /// The Chongqing extra when the old unit's recycling is booked, e.g. 0.02.
    pub recycling_bonus_rate: Option<f64>,
    pub recycling_rule: Option<String>,
    /// The 家电下乡 list naming this category, if any.
    pub rural_list: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QuoteQuery {
    pub category: String,
    pub price_fen: i64,
    /// 1–5; required for appliances, ignored for phones, tablets and watches.
    pub efficiency_grade: Option<u8>,
    /// The invoice date; default today in Chongqing.
    pub invoice_date: Option<NaiveDate>,
    /// Older name of `invoice_date` (deprecated).
    pub date: Option<NaiveDate>,
    /// Whether the old unit's recycling is booked (adds the Chongqing extra).
    pub recycling: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuoteView {
    pub eligible: bool,
    /// Why nothing is earned: `efficiency_grade_not_eligible`,
    /// `efficiency_grade_required`, `price_over_limit`, `no_programme` (no
    /// national programme in force on the invoice date).
    pub reason: Option<String>,
    pub subsidy_fen: i64,
    /// e.g. 0.2 for 20%.
    pub rate: f64,
    pub cap_fen: i64,
    pub capped: bool,
    /// Code of the rule applied, e.g. `national-2025`.
    pub rule: Option<String>,
    pub rule_name: Option<String>,
    pub national_subsidy_fen: i64,
    /// What recycling the old unit adds (included in `subsidy_fen` only when `recycling=true`).
    pub recycling_bonus_fen: i64,
    pub recycling_rule: Option<String>,
    pub per_year: u32,
    pub programme_year: i32,
    pub rural_list: Option<String>,
    pub explanation: String,
}

/// A trade-in offer at one of the caller's shops.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct NewOffer {
    pub shop_id: Uuid,
    pub category: String,
    #[validate(length(min = 1, max = 40), custom(function = "not_blank"))]
    pub brand: String,
    #[validate(length(min = 1, max = 60), custom(function = "not_blank"))]
    pub model: String,
    #[validate(range(min = 1, max = 100_000_000))]
    pub price_fen: i64,
    /// What the shop pays for the old unit, on top of the subsidy.
    #[validate(range(min = 0, max = 100_000_000))]
    pub old_unit_bonus_fen: i64,
    /// 1–5; required for appliances.
    #[validate(range(min = 1, max = 5))]
    pub efficiency_grade: Option<u8>,
    /// Default now.
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OfferView {
    pub id: Uuid,
    pub merchant_id: Uuid,
    pub shop_id: Uuid,
    pub shop_name: String,
    pub district_code: String,
    pub lat: f64,
    pub lng: f64,
    pub category: String,
    pub brand: String,
    pub model: String,
    pub price_fen: i64,
    pub old_unit_bonus_fen: i64,
    pub efficiency_grade: Option<i16>,
    /// The subsidy the price earns today (without the recycling extra).
    pub subsidy_fen: i64,
    /// Price less the subsidy and the old-unit bonus.
    pub net_price_fen: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub status: String,
    /// From the point searched around, when one was given.
    pub distance_m: Option<u32>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OfferQuery {
    pub category: Option<String>,
    pub district_code: Option<String>,
    /// With `lng`: nearest first, within `radius_m`.
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    #[serde(default)]
    pub coord: CoordSystem,
    /// Default 5000, at most 50000.
    pub radius_m: Option<u32>,
    /// 1–100, default 20.
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page (lists without a point).
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct NewApplication {
    pub category: String,
    pub merchant_id: Uuid,
    pub offer_id: Option<Uuid>,
    #[validate(range(min = 1, max = 100_000_000))]
    pub price_fen: i64,
    /// 1–5; required for appliances (taken from the offer when one is given).
    #[validate(range(min = 1, max = 5))]
    pub efficiency_grade: Option<u8>,
    #[validate(length(min = 4, max = 40), custom(function = "not_blank"))]
    pub invoice_no: String,
    /// Default today in Chongqing; must be inside the programme's window.
    pub invoice_date: Option<NaiveDate>,
    /// Product serial number or IMEI.
    #[validate(length(min = 4, max = 60), custom(function = "not_blank"))]
    pub serial_no: String,
    /// The caller's pickup of the old unit: adds the Chongqing extra once collected.
    pub recycling_pickup_id: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApplicationView {
    pub id: Uuid,
    pub user_id: Uuid,
    /// pending | approved | rejected | refunded
    pub status: String,
    pub category: String,
    pub merchant_id: Uuid,
    pub offer_id: Option<Uuid>,
    pub price_fen: i64,
    pub efficiency_grade: Option<i16>,
    pub invoice_no: String,
    pub invoice_date: NaiveDate,
    pub serial_no: String,
    pub recycling_pickup_id: Option<Uuid>,
    pub rule: String,
    pub rate: f64,
    pub cap_fen: i64,
    pub national_subsidy_fen: i64,
    pub recycling_rule: Option<String>,
    pub recycling_bonus_fen: i64,
    /// none | pending (pickup booked) | granted (collected) | lost (missed or cancelled)
    pub recycling_state: String,
    /// National subsidy plus the recycling extra once granted.
    pub subsidy_fen: i64,
    pub quota_year: i32,
    /// Why it was rejected or refunded.
    pub reason: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub refunded_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApplicationQuery {
    /// pending | approved | rejected | refunded
    pub status: Option<String>,
    pub category: Option<String>,
    /// One invoice (case and spaces ignored).
    pub invoice_no: Option<String>,
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct ReasonBody {
    #[validate(length(min = 2, max = 200), custom(function = "not_blank"))]
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct NewPickup {
    #[validate(length(min = 4, max = 200), custom(function = "not_blank"))]
    pub address: String,
    pub lat: f64,
    pub lng: f64,
    #[serde(default)]
    pub coord: CoordSystem,
    /// Old units to collect (trade-in category codes).
    #[validate(length(min = 1, max = 10))]
    pub categories: Vec<String>,
    /// Pickup day (Chongqing).
    pub date: NaiveDate,
    /// `morning`, `afternoon` or `evening` (see `GET /recycling/slots`).
    pub slot: String,
    /// The address's district; when absent, the district of the nearest shop within 3 km.
    pub district_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PickupView {
    pub id: Uuid,
    pub user_id: Uuid,
    pub district_code: String,
    pub address: String,
    /// GCJ-02, whatever system the booking used.
    pub lat: f64,
    pub lng: f64,
    pub categories: Vec<String>,
    pub date: NaiveDate,
    pub slot: String,
    pub slot_starts_at: String,
    pub slot_ends_at: String,
    /// scheduled | collected | missed | cancelled
    pub status: String,
    pub handled_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SlotQuery {
    pub district_code: String,
    pub date: NaiveDate,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SlotView {
    pub slot: String,
    pub starts_at: String,
    pub ends_at: String,
    pub capacity: i32,
    pub booked: i32,
    pub remaining: i32,
    /// Whether it can still be booked (not full, not closing within the hour).
    pub bookable: bool,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RouteQuery {
    pub date: NaiveDate,
    pub district_code: Option<String>,
    /// scheduled | collected | missed | cancelled
    pub status: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct HandlePickup {
    #[validate(length(max = 200))]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct SlotCapacity {
    pub district_code: String,
    pub slot: String,
    #[validate(range(min = 0, max = 10_000))]
    pub capacity: i32,
}

/// A rule set and whether it is in force today.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RuleSetView {
    #[serde(flatten)]
    pub set: super::rules::RuleSet,
    pub in_force_today: bool,
}

/// The new last day of a rule set's window (Chongqing date, inclusive).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EndRuleSet {
    pub effective_to: NaiveDate,
}
