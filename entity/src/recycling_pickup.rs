use sea_orm::entity::prelude::*;

/// An old-appliance pickup a resident booked; a recycler or an admin marks
/// it collected or missed.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "recycling_pickups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub district_code: String,
    pub address: String,
    /// GCJ-02.
    pub lat: f64,
    pub lng: f64,
    /// JSON array of trade-in category codes.
    pub categories: String,
    pub day: Date,
    pub slot: String,
    pub status: crate::status::PickupStatus,
    pub handled_by: Option<Uuid>,
    pub handled_by_merchant: Option<Uuid>,
    pub handled_at: Option<DateTimeUtc>,
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
