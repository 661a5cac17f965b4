use sea_orm::entity::prelude::*;

/// A merchant's current credit profile.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "merchant_credit")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub merchant_id: Uuid,
    /// 0..=1000.
    pub score: i32,
    /// A, B, C or D.
    pub grade: String,
    /// JSON array of the factors behind the score.
    pub factors: String,
    pub rules_version: String,
    pub as_of: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
