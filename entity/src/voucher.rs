use sea_orm::entity::prelude::*;

/// A claimed voucher; see `VoucherStatus`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "vouchers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub code: String,
    pub campaign_id: Uuid,
    pub round_id: Uuid,
    pub user_id: Uuid,
    /// The n-th voucher of this user in this round (1..=per_user_limit).
    pub slot: i32,
    pub status: crate::status::VoucherStatus,
    pub claimed_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
    pub returned_to_round: Option<Uuid>,
    /// The Idempotency-Key of the claim that issued it.
    pub claim_key: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
