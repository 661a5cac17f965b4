use sea_orm::entity::prelude::*;

/// A county-level division of Chongqing (GB/T 2260 code, or a local code for
/// divisions that have none yet). Divisions merged away keep their row with
/// `valid_until` set so older records still resolve.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "districts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub name: String,
    /// district | county | autonomous_county
    pub kind: String,
    pub valid_from: Option<Date>,
    pub valid_until: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
