use sea_orm::entity::prelude::*;

/// One version of a subsidy rule, in force over its window; `body` is the
/// whole set as JSON (read by the app's trade-in rules).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "trade_in_rule_sets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub kind: String,
    pub effective_from: Date,
    pub effective_to: Option<Date>,
    pub body: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
