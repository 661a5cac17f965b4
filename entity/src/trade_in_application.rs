use sea_orm::entity::prelude::*;

/// A resident's subsidy application for one purchased item. The subsidy is
/// computed by the server with the rule named in `rule_code`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "trade_in_applications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub category: String,
    pub merchant_id: Uuid,
    pub offer_id: Option<Uuid>,
    pub price_fen: i64,
    pub efficiency_grade: Option<i16>,
    pub invoice_no: String,
    pub invoice_date: Date,
    pub serial_no: String,
    pub recycling_pickup_id: Option<Uuid>,
    pub rule_code: String,
    pub rate_bp: i32,
    pub cap_fen: i64,
    pub national_subsidy_fen: i64,
    pub recycling_rule: Option<String>,
    pub recycling_bonus_fen: i64,
    pub recycling_state: crate::status::RecyclingState,
    pub subsidy_fen: i64,
    pub quota_year: i32,
    pub quota_slot: i32,
    pub status: crate::status::ApplicationStatus,
    pub reason: Option<String>,
    pub reviewed_by: Option<Uuid>,
    pub reviewed_at: Option<DateTimeUtc>,
    pub refunded_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
