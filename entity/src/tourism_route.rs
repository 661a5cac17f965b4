use sea_orm::entity::prelude::*;

/// A tourism route: a day out or a trip of a few days, with ordered stops.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tourism_routes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub title: String,
    pub summary: String,
    /// JSON array of theme codes.
    pub themes: String,
    /// JSON array of the Chongqing district codes the route goes through.
    pub district_codes: String,
    /// JSON array of places outside Chongqing it goes to, by name
    /// ("四川省成都市青羊区"); empty for most routes.
    pub outside_places: String,
    pub days: i32,
    pub distance_m: i32,
    pub best_season: String,
    pub published: bool,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
