use sea_orm::entity::prelude::*;

/// A voucher spent at a shop's till; `reversed_at` is set when the merchant
/// undid it the same day.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "voucher_redemptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub voucher_id: Uuid,
    pub campaign_id: Uuid,
    pub shop_id: Uuid,
    pub merchant_id: Uuid,
    pub staff_id: Uuid,
    pub order_amount_fen: i64,
    pub discount_fen: i64,
    pub payable_fen: i64,
    /// The till's order or payment reference: one voucher per payment.
    pub order_no: Option<String>,
    pub created_at: DateTimeUtc,
    pub reversed_at: Option<DateTimeUtc>,
    pub reversed_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
