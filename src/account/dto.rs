use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// The words a resident types to confirm closing their account.
pub const CONFIRMATION: &str = "注销";

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CloseAccountRequest {
    /// Must be `注销`.
    pub confirm: String,
}

/// Everything Yuhui holds about the caller, each record as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportDocument {
    pub exported_at: chrono::DateTime<chrono::Utc>,
    #[schema(value_type = Object)]
    pub user: serde_json::Value,
    pub roles: Vec<String>,
    pub handler_districts: Vec<String>,
    /// Merchants the caller is staff of.
    pub merchant_ids: Vec<uuid::Uuid>,
    /// Merchant registrations the caller applied for.
    #[schema(value_type = Vec<Object>)]
    pub merchant_applications: Vec<serde_json::Value>,
    /// The caller's complaints with the timeline they can see and their photos.
    #[schema(value_type = Vec<Object>)]
    pub complaints: Vec<serde_json::Value>,
    #[schema(value_type = Vec<Object>)]
    pub vouchers: Vec<serde_json::Value>,
    #[schema(value_type = Vec<Object>)]
    pub voucher_redemptions: Vec<serde_json::Value>,
    #[schema(value_type = Vec<Object>)]
    pub trade_in_applications: Vec<serde_json::Value>,
    #[schema(value_type = Vec<Object>)]
    pub recycling_pickups: Vec<serde_json::Value>,
    /// Who (by role) read the caller's unmasked personal data, and when.
    #[schema(value_type = Vec<Object>)]
    pub reads_of_your_data: Vec<serde_json::Value>,
}
