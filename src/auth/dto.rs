use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::{Validate, ValidationError};

use super::principal::{Principal, Role};
use crate::validation::mask_phone;

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct WechatLoginRequest {
    /// The code from `wx.login()`, single use, valid about five minutes.
    #[validate(length(min = 1, max = 128))]
    pub code: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct DevLoginRequest {
    /// Any openid made of letters, digits, `-` and `_`; demo accounts are
    /// `demo-resident`, `demo-merchant`, `demo-handler`, `demo-admin`.
    #[validate(length(min = 1, max = 64), custom(function = "openid_chars"))]
    pub openid: String,
}

fn openid_chars(s: &str) -> Result<(), ValidationError> {
    if s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        Ok(())
    } else {
        Err(ValidationError::new("openid_format"))
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct PhoneBindRequest {
    /// The code from the `getPhoneNumber` button.
    #[validate(length(min = 1, max = 128))]
    pub code: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct SetRolesRequest {
    /// The full set of roles the user should hold: `resident` is implied,
    /// `merchant` follows merchant approval, `handler` and `admin` are granted here.
    #[validate(length(max = 4))]
    pub roles: Vec<String>,
    /// District codes a handler works; required with `handler`.
    #[serde(default)]
    #[validate(length(max = 64))]
    pub handler_districts: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    pub id: Uuid,
    pub nickname: String,
    /// `138****5678`, or null before a phone is bound.
    pub phone_masked: Option<String>,
    pub roles: Vec<Role>,
    pub merchant_ids: Vec<Uuid>,
    pub handler_districts: Vec<String>,
}

impl MeView {
    pub fn new(user: &entity::user::Model, principal: &Principal) -> Self {
        Self {
            id: user.id,
            nickname: user.nickname.clone(),
            phone_masked: user.phone.as_deref().map(mask_phone),
            roles: principal.roles.clone(),
            merchant_ids: principal.merchant_ids.clone(),
            handler_districts: principal.handler_districts.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: MeView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsoleTicketCreated {
    pub ticket: Uuid,
    /// Kept by the console and sent as `X-Poll-Secret`; never put in the QR code.
    pub poll_secret: String,
    /// What the QR code shows: `yuhui-console:<ticket>`.
    pub qr_payload: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConsoleTicketStatus {
    Pending,
    Approved,
    Expired,
    Consumed,
}

/// A console ticket as its console sees it: the session only on the first
/// read after approval.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsoleTicketView {
    pub status: ConsoleTicketStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<MeView>,
}

impl ConsoleTicketView {
    pub fn without_session(status: ConsoleTicketStatus) -> Self {
        Self {
            status,
            token: None,
            expires_at: None,
            user: None,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsoleTicketApproved {
    pub status: ConsoleTicketStatus,
}

/// What the console's sign-in page offers.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsoleOptions {
    /// The demo-account picker (dev login) is available.
    pub dev_login: bool,
}
