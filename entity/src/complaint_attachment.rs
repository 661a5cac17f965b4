use sea_orm::entity::prelude::*;

/// An evidence photo. The bytes live on disk under the upload directory,
/// named by their SHA-256, so the same photo is stored once.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "complaint_attachments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub complaint_id: Uuid,
    pub sha256: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub uploader_id: Uuid,
    pub created_at: DateTimeUtc,
    /// The complainant lets the respondent's staff see it (handlers always do).
    pub shared_with_merchant: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
