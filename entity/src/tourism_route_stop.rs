use sea_orm::entity::prelude::*;

/// Stop `seq` (1, 2, …) of a route, on day `day` of it. GCJ-02.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tourism_route_stops")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub route_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i32,
    pub day: i32,
    pub name: String,
    pub lat: f64,
    pub lng: f64,
    pub minutes: i32,
    pub opening_notes: Option<String>,
    pub ticket_fen: i64,
    pub shop_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
