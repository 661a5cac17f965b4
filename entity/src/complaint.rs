use sea_orm::entity::prelude::*;

/// A 12315 complaint. Deadlines are dates in Asia/Shanghai; `due_on` is the
/// deadline that matters in the current state (9999-12-31 when none), kept
/// so the handler queue sorts by urgency in the database.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "complaints")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub number: String,
    pub complainant_id: Uuid,
    pub shop_id: Option<Uuid>,
    pub merchant_id: Option<Uuid>,
    pub respondent_name: String,
    pub respondent_address: String,
    /// Jurisdiction: where the respondent trades.
    pub district_code: String,
    pub category_code: String,
    pub title: String,
    pub facts: String,
    pub demand: String,
    pub amount_fen: i64,
    pub occurred_on: Date,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_address: Option<String>,
    pub publish_consent: bool,
    pub status: crate::status::ComplaintStatus,
    pub odr: bool,
    pub received_on: Date,
    pub odr_window_until: Option<Date>,
    pub decide_by: Date,
    pub decide_by_provisional: bool,
    pub accepted_on: Option<Date>,
    pub mediate_by: Option<Date>,
    pub mediate_by_provisional: bool,
    pub paused_since: Option<Date>,
    pub due_on: Date,
    pub deadline_warned_for: Option<Date>,
    pub assignee_id: Option<Uuid>,
    pub outcome: Option<crate::status::ComplaintOutcome>,
    pub compensation_fen: Option<i64>,
    pub reject_reason: Option<String>,
    pub merchant_response: Option<String>,
    pub merchant_proposal: Option<String>,
    pub settled_directly: bool,
    pub closed_at: Option<DateTimeUtc>,
    pub rating_score: Option<i32>,
    pub rating_comment: Option<String>,
    pub duplicate_of: Option<Uuid>,
    /// The mediation limit in force on the day the case was accepted.
    pub mediate_rule: Option<crate::status::MediateRule>,
    /// A party ended the ODR window early on this day.
    pub odr_escalated_on: Option<Date>,
    /// The latest transfer: the receiving bureau's decision clock starts here.
    pub transferred_on: Option<Date>,
    /// When the deadlines were last reckoned on the calendar.
    pub deadlines_reckoned_at: Option<DateTimeUtc>,
    pub termination_reason: Option<String>,
    /// Both parties must be told of a termination by then (7 working days).
    pub termination_notice_by: Option<Date>,
    pub termination_notified_at: Option<DateTimeUtc>,
    /// The complainant closed their account; the case file stays as the
    /// regulator's record, for handlers only.
    pub complainant_account_closed: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
