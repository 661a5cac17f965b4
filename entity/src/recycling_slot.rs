use sea_orm::entity::prelude::*;

/// A pickup slot of a district and how many pickups it takes per day.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "recycling_slots")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub district_code: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub slot: String,
    /// Local time of day, "HH:MM".
    pub starts_at: String,
    pub ends_at: String,
    pub capacity: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
