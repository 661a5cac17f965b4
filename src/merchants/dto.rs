use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::validation::{contact_phone, not_blank};

#[derive(Debug, Default, Clone, Copy, Deserialize, Serialize, ToSchema)]
pub struct Commitments {
    /// 线下无理由退货
    #[serde(default)]
    pub no_reason_return: bool,
    /// 先行赔付
    #[serde(default)]
    pub first_compensation: bool,
    /// 在线消费纠纷解决 (ODR) merchant
    #[serde(default)]
    pub odr: bool,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct MerchantApplication {
    #[validate(length(min = 2, max = 100), custom(function = "not_blank"))]
    pub name: String,
    /// 18-character unified social credit code; checked by its check character.
    #[validate(custom(function = "crate::merchants::uscc::validate"))]
    pub uscc: String,
    /// A current division code from `GET /districts`.
    #[validate(length(min = 6, max = 12))]
    pub district_code: String,
    #[validate(length(min = 4, max = 200), custom(function = "not_blank"))]
    pub address: String,
    /// Mobile or landline (`023-63881234`).
    #[validate(custom(function = "contact_phone"))]
    pub contact_phone: String,
    #[serde(default)]
    pub commitments: Commitments,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct RejectRequest {
    #[validate(length(min = 2, max = 500), custom(function = "not_blank"))]
    pub reason: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReviewQuery {
    /// pending (default) | approved | rejected
    pub status: Option<String>,
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DistrictRef {
    pub code: String,
    pub name: String,
}

/// What the applicant and admins see.
#[derive(Debug, Serialize, ToSchema)]
pub struct MerchantView {
    pub id: Uuid,
    pub name: String,
    pub uscc: String,
    pub district: DistrictRef,
    pub address: String,
    pub contact_phone: String,
    pub commitments: Commitments,
    /// pending | approved | rejected
    pub status: String,
    pub reject_reason: Option<String>,
    pub applicant_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub reviewed_at: Option<DateTime<Utc>>,
}

/// What anyone sees of an approved merchant.
#[derive(Debug, Serialize, ToSchema)]
pub struct MerchantProfile {
    pub id: Uuid,
    pub name: String,
    pub district: DistrictRef,
    pub address: String,
    pub contact_phone: String,
    pub commitments: Commitments,
    pub approved_at: Option<DateTime<Utc>>,
    /// Complaint disclosure for the last 365 days (no complainant data).
    pub complaints: ComplaintFigures,
    /// 山城有信 grade (A–D; an admin's override while it lasts), once
    /// scored; the reasons are at `/merchants/{id}/credit`.
    pub credit_grade: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintFigures {
    pub complaints: u64,
    pub accepted: u64,
    pub mediation_success_rate: Option<f64>,
    pub direct_settlement_rate: Option<f64>,
}
