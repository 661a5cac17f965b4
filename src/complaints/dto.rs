use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::{Validate, ValidationError};

use crate::validation::not_blank;

fn mainland_mobile(s: &str) -> Result<(), ValidationError> {
    if crate::validation::is_mainland_mobile(s) {
        Ok(())
    } else {
        Err(ValidationError::new("mobile_format"))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct NamedRespondent {
    #[validate(length(min = 2, max = 100), custom(function = "not_blank"))]
    pub name: String,
    #[validate(length(min = 4, max = 200), custom(function = "not_blank"))]
    pub address: String,
    pub district_code: String,
}

/// What the law requires a complaint to state (FACTS §2). Name exactly one
/// respondent: a shop, a merchant, or a named business not on Yuhui.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct FileComplaint {
    pub shop_id: Option<Uuid>,
    pub merchant_id: Option<Uuid>,
    #[validate(nested)]
    pub respondent: Option<NamedRespondent>,
    pub category_code: String,
    #[validate(length(min = 4, max = 100), custom(function = "not_blank"))]
    pub title: String,
    /// Time, place, what happened, amount.
    #[validate(length(min = 10, max = 2000), custom(function = "not_blank"))]
    pub facts: String,
    /// Repair, replace, return, refund, compensation…
    #[validate(length(min = 2, max = 500), custom(function = "not_blank"))]
    pub demand: String,
    /// Amount in dispute, fen.
    #[validate(range(min = 0, max = 10_000_000_000_i64))]
    pub amount_fen: i64,
    pub occurred_on: NaiveDate,
    #[validate(length(min = 1, max = 50), custom(function = "not_blank"))]
    pub contact_name: String,
    #[validate(custom(function = "mainland_mobile"))]
    pub contact_phone: String,
    /// Required (SAMR Order 20 art. 9: the complainant's address); missing
    /// or blank → 422 naming `contact_address`.
    #[validate(length(max = 200))]
    pub contact_address: Option<String>,
    /// 是否同意公示.
    pub publish_consent: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Deadline {
    pub date: NaiveDate,
    pub overdue: bool,
    /// Counted on a year whose official calendar is not loaded yet.
    pub provisional: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Deadlines {
    /// Accept or reject by this date (7 working days).
    pub decide_by: Deadline,
    /// Mediation ends by this date once accepted.
    pub mediate_by: Option<Deadline>,
    /// The limit in force for this case: `order20` (45 working days,
    /// accepted before 2026-04-15) or `order121` (60 days).
    pub mediate_rule: Option<String>,
    /// A terminated case: both parties must be told by this date; shown
    /// until the notices are out.
    pub termination_notice_by: Option<Deadline>,
    /// An ODR merchant settles directly until this date.
    pub merchant_window_until: Option<NaiveDate>,
    /// Testing or appraisal is under way: the mediation clock stands still.
    pub paused: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Respondent {
    pub name: String,
    pub address: String,
    pub district_code: String,
    pub shop_id: Option<Uuid>,
    pub merchant_id: Option<Uuid>,
}

/// Personal data: in full for the case's handlers, masked for everyone else.
#[derive(Debug, Serialize, ToSchema)]
pub struct Contact {
    pub name: String,
    pub phone: String,
    pub address: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseEventView {
    pub id: Uuid,
    pub kind: String,
    pub actor_role: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub note: Option<String>,
    /// Handler-only note.
    pub internal: bool,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Rating {
    pub score: i32,
    pub comment: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintView {
    pub id: Uuid,
    pub number: String,
    pub status: String,
    pub category_code: String,
    pub title: String,
    pub facts: String,
    pub demand: String,
    pub amount_fen: i64,
    pub occurred_on: NaiveDate,
    pub received_on: NaiveDate,
    pub respondent: Respondent,
    pub contact: Contact,
    pub publish_consent: bool,
    pub deadlines: Deadlines,
    pub assignee_id: Option<Uuid>,
    pub outcome: Option<String>,
    pub compensation_fen: Option<i64>,
    pub reject_reason: Option<String>,
    pub merchant_response: Option<String>,
    pub merchant_proposal: Option<String>,
    pub rating: Option<Rating>,
    /// Handlers only: an earlier case of the same person against the same respondent.
    pub possible_duplicate_of: Option<Uuid>,
    pub termination_reason: Option<String>,
    /// The complainant has closed their account (handlers only see such a case).
    pub complainant_account_closed: bool,
    /// What the caller may do on the case now, e.g. `escalate`, `settlement`.
    pub actions: Vec<String>,
    pub attachments: Vec<super::attachments::AttachmentView>,
    pub events: Vec<CaseEventView>,
}

/// A row of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintSummary {
    pub id: Uuid,
    pub number: String,
    pub status: String,
    pub title: String,
    pub respondent_name: String,
    pub district_code: String,
    pub received_on: NaiveDate,
    pub deadlines: Deadlines,
    pub assignee_id: Option<Uuid>,
    pub possible_duplicate_of: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Filed {
    pub id: Uuid,
    pub number: String,
    pub status: String,
    pub deadlines: Deadlines,
    pub possible_duplicate_of: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintCategoryView {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// One status, or several comma separated.
    pub status: Option<String>,
    /// Only cases past their running deadline.
    #[serde(default)]
    pub overdue: bool,
    /// One of the handler's districts.
    pub district_code: Option<String>,
    /// A user id, or `me`, or `none` for unassigned.
    pub assignee: Option<String>,
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueuePage {
    pub items: Vec<ComplaintSummary>,
    pub next_cursor: Option<String>,
    /// Cases per status in the handler's districts (before filters).
    pub counts: std::collections::BTreeMap<String, u64>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct RejectCaseRequest {
    /// not_jurisdiction | handled_elsewhere | not_consumer_dispute |
    /// over_three_years | materials_missing | identity_refused
    pub reason_code: String,
    #[validate(length(max = 1000))]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct TransferRequest {
    pub district_code: String,
    #[validate(length(max = 1000))]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AssignRequest {
    pub user_id: Uuid,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CloseRequest {
    /// mediated | settled | failed | terminated
    pub outcome: String,
    /// Required for `terminated`: withdrawn_or_settled | party_refused |
    /// party_absent | no_agreement | rejection_ground_found | time_limit_reached
    pub termination_reason: Option<String>,
    #[validate(length(max = 2000))]
    pub note: Option<String>,
    #[validate(range(min = 0, max = 10_000_000_000_i64))]
    pub compensation_fen: Option<i64>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct NoteRequest {
    #[validate(length(min = 1, max = 2000), custom(function = "not_blank"))]
    pub text: String,
    /// Internal notes are for handlers only (default true).
    #[serde(default = "yes")]
    pub internal: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct PauseRequest {
    /// e.g. 送检 (testing) or 鉴定 (appraisal).
    #[validate(length(min = 2, max = 500), custom(function = "not_blank"))]
    pub reason: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct MerchantResponseRequest {
    #[validate(length(min = 2, max = 2000), custom(function = "not_blank"))]
    pub message: String,
    /// A settlement offer the complainant can accept.
    #[validate(length(min = 2, max = 1000))]
    pub proposal: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SettlementRequest {
    pub accept: bool,
    /// Declining during an ODR merchant's window: also end the window now and
    /// hand the case to the bureau (as `POST /complaints/{id}/escalate`).
    #[serde(default)]
    pub escalate: bool,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct EscalateRequest {
    #[validate(length(max = 1000))]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct TerminationNoticeRequest {
    /// How the parties were told when a WeChat message could not reach
    /// them (phone, letter, in person).
    #[validate(length(min = 2, max = 1000), custom(function = "not_blank"))]
    pub note: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct WithdrawRequest {
    #[validate(length(max = 500))]
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct RatingRequest {
    #[validate(range(min = 1, max = 5))]
    pub score: i32,
    #[validate(length(max = 500))]
    pub comment: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DisclosureQuery {
    pub district_code: Option<String>,
    /// complaints (default) | mediation_success_rate | direct_settlement_rate | growth
    pub sort: Option<String>,
    /// Period start (default: 365 days ago).
    pub from: Option<NaiveDate>,
    /// Period end, inclusive (default: today).
    pub to: Option<NaiveDate>,
}

/// Per-merchant figures of the national disclosure (投诉信息公示). Holds no
/// complainant data; not a blacklist.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MerchantDisclosure {
    pub merchant_id: Uuid,
    pub merchant_name: String,
    pub district_code: String,
    pub complaints: u64,
    /// Complaints in the period of the same length just before.
    pub previous_period_complaints: u64,
    /// (this − previous) ÷ previous; null when there were none before.
    pub growth: Option<f64>,
    pub accepted: u64,
    /// Mediated or settled ÷ accepted cases that ended.
    pub mediation_success_rate: Option<f64>,
    /// ODR merchants: settled in their own window ÷ complaints.
    pub direct_settlement_rate: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DisclosurePage {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Merchants with fewer complaints are not ranked.
    pub min_cases: u64,
    pub items: Vec<MerchantDisclosure>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MineQuery {
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MerchantCaseQuery {
    /// One status (`merchant_window`, `accepted`, ...); all when absent.
    pub status: Option<String>,
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The complainant lets the respondent's staff see this photo (default
    /// false; handlers always see it).
    #[serde(default)]
    pub shared_with_merchant: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AttachmentSharing {
    pub shared_with_merchant: bool,
}
