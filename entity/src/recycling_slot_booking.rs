use sea_orm::entity::prelude::*;

/// Pickups booked in one slot of one district on one day.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "recycling_slot_bookings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub district_code: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    #[sea_orm(primary_key, auto_increment = false)]
    pub slot: String,
    pub booked: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
