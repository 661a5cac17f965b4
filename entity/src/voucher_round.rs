use sea_orm::entity::prelude::*;

/// One release of a campaign's stock. Open from `opens_at` until the next
/// round opens (or the campaign ends). Stock left = quantity + returned − claimed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "voucher_rounds")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub seq: i32,
    pub opens_at: DateTimeUtc,
    pub closes_at: DateTimeUtc,
    pub quantity: i64,
    pub returned: i64,
    pub claimed: i64,
    /// Written by the claim statement only (what it granted).
    pub last_grant: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
