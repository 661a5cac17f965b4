use sea_orm::entity::prelude::*;

/// A merchant's appeal against one factor of its profile, and the answer.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "credit_appeals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub merchant_id: Uuid,
    pub factor_code: String,
    pub statement: String,
    pub filed_by: Uuid,
    pub filed_at: DateTimeUtc,
    /// `open`, `upheld` or `dismissed`.
    pub status: String,
    pub answer: Option<String>,
    pub answered_by: Option<Uuid>,
    pub answered_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
