use sea_orm::entity::prelude::*;

/// Append-only: one row per step of a case, never updated.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "complaint_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub complaint_id: Uuid,
    pub actor_id: Option<Uuid>,
    pub actor_role: String,
    pub kind: String,
    pub from_status: Option<crate::status::ComplaintStatus>,
    pub to_status: Option<crate::status::ComplaintStatus>,
    pub note: Option<String>,
    /// Handler-only notes.
    pub internal: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
