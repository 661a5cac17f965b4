use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "merchants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    /// Unified social credit code (GB 32100-2015), unique.
    #[sea_orm(unique)]
    pub uscc: String,
    pub district_code: String,
    pub address: String,
    pub contact_phone: String,
    pub no_reason_return: bool,
    pub first_compensation: bool,
    /// An ODR (在线消费纠纷解决) merchant settles complaints directly first.
    pub odr: bool,
    pub status: crate::status::MerchantStatus,
    pub reject_reason: Option<String>,
    pub applicant_id: Uuid,
    pub reviewed_by: Option<Uuid>,
    pub reviewed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
