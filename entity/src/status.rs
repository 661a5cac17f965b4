//! The status and outcome columns, one enum each, stored as the text shown
//! beside each variant. Nothing outside these enums spells a status.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// `shops.status`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ShopStatus {
    Active,
    Closed,
}

/// `merchants.status`: an application under review, then decided.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum MerchantStatus {
    Pending,
    Approved,
    Rejected,
}

/// `vouchers.status`. An unused voucher past its expiry is expired even
/// before the sweep marks it.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum VoucherStatus {
    Unused,
    Used,
    Expired,
    /// Voided when its holder closed the account; stock handled as expired.
    Void,
}

/// `outbox.status`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    Pending,
    Sent,
    /// WeChat errcode 43101: the user has not subscribed; never retried.
    NotSubscribed,
    /// Given up after the last retry.
    Failed,
}

/// `trade_in_applications.status`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ApplicationStatus {
    Pending,
    Approved,
    Rejected,
    Refunded,
    /// Withdrawn while pending (the applicant closed the account).
    Withdrawn,
}

/// `trade_in_applications.recycling_state`: the Chongqing recycling extra.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum RecyclingState {
    /// No pickup linked.
    None,
    /// The linked pickup is still scheduled.
    Pending,
    /// Collected: added to the subsidy.
    Granted,
    /// Missed or cancelled.
    Lost,
}

/// `recycling_pickups.status`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum PickupStatus {
    Scheduled,
    Collected,
    Missed,
    Cancelled,
}

/// `trade_in_offers.status`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum OfferStatus {
    Active,
    Withdrawn,
}

/// `complaints.status`, and the statuses on the timeline.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ComplaintStatus {
    Submitted,
    /// An ODR merchant's 10-working-day window to settle directly.
    MerchantWindow,
    Accepted,
    Rejected,
    Closed,
    Withdrawn,
}

/// `complaints.outcome` of a closed case.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ComplaintOutcome {
    Mediated,
    Settled,
    Failed,
    Terminated,
}

/// Which mediation limit a case runs under, by its acceptance date.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum MediateRule {
    /// SAMR Order 20: 45 working days.
    #[sea_orm(string_value = "order20")]
    #[serde(rename = "order20")]
    Order20,
    /// SAMR Order 121 (from 2026-04-15): 60 days.
    #[sea_orm(string_value = "order121")]
    #[serde(rename = "order121")]
    Order121,
}

/// Shown as stored: `ComplaintStatus::MerchantWindow` is `merchant_window`.
macro_rules! display_as_stored {
    ($($name:ident),*) => {$(
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.to_value())
            }
        }
    )*};
}

display_as_stored!(
    ShopStatus,
    MerchantStatus,
    VoucherStatus,
    OutboxStatus,
    ApplicationStatus,
    RecyclingState,
    PickupStatus,
    OfferStatus,
    ComplaintStatus,
    ComplaintOutcome,
    MediateRule
);

/// The variant stored as `text`, if there is one.
pub fn parse<T: ActiveEnum<Value = String>>(text: &str) -> Option<T> {
    T::try_from_value(&text.to_owned()).ok()
}
