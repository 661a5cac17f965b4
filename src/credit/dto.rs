use chrono::{DateTime, Utc};
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
    /// A (best) to D.
    pub grade: String,
    /// 0..=1000.
    pub score: i32,
    pub factors: Vec<Factor>,
    pub as_of: DateTime<Utc>,
    /// The scoring rules used (`seeds/credit_rules.json`).
    pub rules_version: String,
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
