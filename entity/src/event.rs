use sea_orm::entity::prelude::*;

/// A festival, fair, night market, concert, sports event or consumption
/// season, at a venue (GCJ-02) over a time range.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub summary: String,
    pub category: String,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub venue: String,
    pub lat: f64,
    pub lng: f64,
    pub district_code: String,
    pub organiser: String,
    pub free: bool,
    pub price_fen: Option<i64>,
    pub published: bool,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
