use sea_orm::entity::prelude::*;

/// A merchant's trade-in offer at one of its shops. The shop's name, district
/// and position (GCJ-02) are copied in so that searches filter in SQL.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "trade_in_offers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
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
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub status: crate::status::OfferStatus,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
