use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::rules::Factor;
use super::signing::{CodeClaims, Invalid, PublicKey};

/// A merchant's credit profile: never anything about who complained.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreditView {
    pub merchant_id: Uuid,
    pub merchant_name: String,
    /// A (best) to D: an admin's override while it lasts, else the score's.
    pub grade: String,
    /// The grade the score gives.
    pub computed_grade: String,
    /// 0..=1000.
    pub score: i32,
    pub factors: Vec<Factor>,
    pub as_of: DateTime<Utc>,
    /// The scoring rules used (`seeds/credit_rules.json`).
    pub rules_version: String,
    /// An admin's grade in force, with the reason.
    #[serde(rename = "override")]
    pub override_: Option<OverrideView>,
    /// The merchant's appeals and their answers, newest first.
    pub appeals: Vec<AppealView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OverrideView {
    pub grade: String,
    pub reason: String,
    /// Last day in force.
    pub ends_on: NaiveDate,
    pub set_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AppealView {
    pub id: Uuid,
    pub merchant_id: Uuid,
    pub merchant_name: String,
    pub factor_code: String,
    pub statement: String,
    pub filed_at: DateTime<Utc>,
    /// `open`, `upheld` or `dismissed`.
    pub status: String,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
}

/// An admin sets the grade, with a reason, until a day.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
pub struct SetOverride {
    /// `A`, `B`, `C` or `D`.
    pub grade: String,
    #[validate(
        length(min = 5, max = 500),
        custom(function = "crate::validation::not_blank")
    )]
    pub reason: String,
    /// Last day in force: from today to a year ahead.
    pub ends_on: NaiveDate,
}

/// A merchant appeals one factor of its profile.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
pub struct NewAppeal {
    pub merchant_id: Uuid,
    /// A factor `code` of the profile.
    #[validate(length(min = 1, max = 40))]
    pub factor_code: String,
    #[validate(
        length(min = 10, max = 1000),
        custom(function = "crate::validation::not_blank")
    )]
    pub statement: String,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppealDecision {
    Upheld,
    Dismissed,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
pub struct AppealAnswer {
    pub decision: AppealDecision,
    #[validate(
        length(min = 5, max = 1000),
        custom(function = "crate::validation::not_blank")
    )]
    pub answer: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreditHistoryEntry {
    pub grade: String,
    pub score: i32,
    pub rules_version: String,
    pub as_of: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MerchantCode {
    /// `YHC1.<base64url JSON claims>.<base64url Ed25519 signature>`.
    pub payload: String,
    pub expires_at: DateTime<Utc>,
    /// The payload as a QR code.
    pub svg: String,
    pub claims: CodeClaims,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KeyList {
    pub keys: Vec<PublicKey>,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
pub struct VerifyRequest {
    /// The scanned code.
    #[validate(length(min = 1, max = 4096))]
    pub payload: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VerifiedMerchant {
    pub id: Uuid,
    pub name: String,
    pub uscc: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Verification {
    pub valid: bool,
    /// Why not, when not valid.
    pub reason: Option<Invalid>,
    /// What the code says, when valid.
    pub claims: Option<CodeClaims>,
    pub merchant: Option<VerifiedMerchant>,
    /// The merchant's profile now (it may have changed since the code was issued).
    pub credit: Option<CreditView>,
}
