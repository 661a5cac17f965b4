use sea_orm::entity::prelude::*;

/// A stretch of testing or appraisal during mediation: the mediation clock
/// stands still from `from_on` until `until_on` (still running when None).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "complaint_pauses")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub complaint_id: Uuid,
    pub from_on: Date,
    pub until_on: Option<Date>,
    pub reason: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
