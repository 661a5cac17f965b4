use sea_orm::entity::prelude::*;

/// A consumption-voucher campaign: one tier (face value and threshold),
/// released in rounds. Campaigns are not edited once created.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "voucher_campaigns")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    /// JSON array of shop category codes the vouchers may be spent in.
    pub categories: String,
    /// JSON array of district codes the vouchers may be spent in.
    pub district_codes: String,
    pub face_value_fen: i64,
    pub threshold_fen: i64,
    pub total_quantity: i64,
    /// Vouchers per user per round.
    pub per_user_limit: i32,
    /// Days a voucher stays valid after it is claimed.
    pub valid_days: i32,
    /// Whether expired vouchers go back to the stock of the next round.
    pub return_expired: bool,
    /// Whether stock a round did not hand out rolls into the next round.
    pub roll_over_leftovers: bool,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
