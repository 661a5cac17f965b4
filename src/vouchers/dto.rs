use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::validation::not_blank;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RoundInput {
    pub opens_at: DateTime<Utc>,
    pub quantity: i64,
}

/// A campaign of one tier, e.g. 满100减25: `face_value_fen` 2500,
/// `threshold_fen` 10000. Round quantities add up to `total_quantity`; each
/// round is open from its `opens_at` until the next one opens.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct NewCampaign {
    #[validate(length(min = 2, max = 60), custom(function = "not_blank"))]
    pub name: String,
    /// Shop category codes where the vouchers can be spent.
    #[validate(length(min = 1, max = 41))]
    pub categories: Vec<String>,
    /// Districts where the vouchers can be spent.
    #[validate(length(min = 1, max = 40))]
    pub district_codes: Vec<String>,
    pub face_value_fen: i64,
    pub threshold_fen: i64,
    pub total_quantity: i64,
    /// Vouchers per person per round (1–10).
    pub per_user_limit: i32,
    pub rounds: Vec<RoundInput>,
    /// Days a voucher is valid, the claim day counting as the first (1–90).
    pub valid_days: i32,
    /// Campaign window; defaults to the first round's opening and 30 days after the last.
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    /// Expired vouchers go back to the stock of the round open when they
    /// expired (default true).
    pub return_expired: Option<bool>,
    /// Stock a round did not hand out rolls into the next round when it
    /// opens (default true).
    pub roll_over_leftovers: Option<bool>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoundView {
    pub seq: i32,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub quantity: i64,
    /// Stock handed back by vouchers that expired while this round was open.
    pub returned: i64,
    /// The previous round's leftover, rolled in when this round opened.
    pub carried_in: i64,
    /// This round's leftover, rolled into the next when that opened.
    pub carried_out: i64,
    pub claimed: i64,
    /// quantity + returned + carried_in − carried_out − claimed.
    pub remaining: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CampaignView {
    pub id: Uuid,
    pub name: String,
    pub categories: Vec<String>,
    pub district_codes: Vec<String>,
    pub face_value_fen: i64,
    pub threshold_fen: i64,
    pub total_quantity: i64,
    pub per_user_limit: i32,
    pub valid_days: i32,
    pub return_expired: bool,
    pub roll_over_leftovers: bool,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// `upcoming`, `open` (a round takes claims now) or `ended`.
    pub status: String,
    /// Seq of the round open now.
    pub current_round: Option<i32>,
    /// Left in the round open now (0 when none is open).
    pub remaining: i64,
    pub next_round_opens_at: Option<DateTime<Utc>>,
    pub rounds: Vec<RoundView>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CampaignQuery {
    /// `open`, `upcoming` or `ended`; all when absent.
    pub status: Option<String>,
}

// Every claim answers with one of these, so its ids and times are written
// as whole strings (`as_text`): serde's own impls pass them through the
// JSON escaper a piece at a time (chrono a character at a time), which was
// most of the cost of a claim's answer. The text is the same. (Not a doc
// comment: those become the API document's description.)
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VoucherView {
    #[serde(serialize_with = "as_text::uuid")]
    pub id: Uuid,
    /// 16 characters; show it as a QR code of `qr_payload` at the till.
    pub code: String,
    pub qr_payload: String,
    #[serde(serialize_with = "as_text::uuid")]
    pub campaign_id: Uuid,
    pub campaign_name: String,
    pub face_value_fen: i64,
    pub threshold_fen: i64,
    #[serde(serialize_with = "as_text::time")]
    pub claimed_at: DateTime<Utc>,
    #[serde(serialize_with = "as_text::time")]
    pub expires_at: DateTime<Utc>,
    /// `unused`, `used` or `expired`.
    pub status: String,
    #[serde(serialize_with = "as_text::optional_time")]
    pub used_at: Option<DateTime<Utc>>,
}

mod as_text {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::Serializer;
    use uuid::Uuid;

    pub fn uuid<S: Serializer>(id: &Uuid, out: S) -> Result<S::Ok, S::Error> {
        out.serialize_str(id.hyphenated().encode_lower(&mut Uuid::encode_buffer()))
    }

    /// As chrono's `Serialize` writes it: RFC 3339, `Z`, as many fraction
    /// digits as needed.
    pub fn time<S: Serializer>(at: &DateTime<Utc>, out: S) -> Result<S::Ok, S::Error> {
        out.serialize_str(&at.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }

    pub fn optional_time<S: Serializer>(
        at: &Option<DateTime<Utc>>,
        out: S,
    ) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => time(at, out),
            None => out.serialize_none(),
        }
    }

    #[cfg(test)]
    mod tests {
        use chrono::{TimeZone, Utc};
        use uuid::Uuid;

        /// The same text as serde's own impls, so no client sees a change.
        #[test]
        fn writes_what_serde_writes() {
            let id = Uuid::now_v7();
            let mut out = Vec::new();
            super::uuid(&id, &mut serde_json::Serializer::new(&mut out)).expect("uuid");
            assert_eq!(out, serde_json::to_vec(&id).expect("uuid"));
            for at in [
                Utc.with_ymd_and_hms(2026, 12, 3, 6, 53, 6).single(),
                Utc.timestamp_opt(1_796_280_786, 682_526_150).single(),
                Utc.timestamp_opt(1_796_280_786, 500_000_000).single(),
            ] {
                let mut out = Vec::new();
                super::optional_time(&at, &mut serde_json::Serializer::new(&mut out))
                    .expect("time");
                assert_eq!(out, serde_json::to_vec(&at).expect("time"));
            }
            let mut out = Vec::new();
            super::optional_time(&None, &mut serde_json::Serializer::new(&mut out)).expect("none");
            assert_eq!(out, b"null");
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Claimed {
    pub voucher: VoucherView,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MineQuery {
    /// `unused`, `used` or `expired`; all when absent.
    pub status: Option<String>,
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct RedeemRequest {
    /// The code as typed, or the scanned QR payload.
    #[validate(length(min = 1, max = 64))]
    pub code: String,
    pub shop_id: Uuid,
    #[validate(range(min = 1, max = 100_000_000_i64))]
    pub order_amount_fen: i64,
    /// The till's order or payment reference. One voucher per payment: a
    /// second voucher on the same order at this merchant is refused.
    #[validate(length(min = 1, max = 64), custom(function = "not_blank"))]
    pub order_no: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Redeemed {
    pub redemption_id: Uuid,
    pub voucher_id: Uuid,
    pub discount_fen: i64,
    pub payable_fen: i64,
    pub order_amount_fen: i64,
    pub order_no: String,
    pub redeemed_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Reversed {
    pub redemption_id: Uuid,
    pub voucher_id: Uuid,
    pub reversed_at: DateTime<Utc>,
    /// The voucher is the owner's to use again until then.
    pub voucher_expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CampaignStats {
    pub campaign_id: Uuid,
    pub total_quantity: i64,
    pub claimed: i64,
    pub unused: i64,
    pub redeemed: i64,
    pub expired: i64,
    /// Expired vouchers whose stock went back to a later round.
    pub returned: i64,
    /// Redemptions that were reversed (their vouchers count as unused again).
    pub reversed: i64,
    /// Sum of the order amounts the vouchers were spent on.
    pub order_amount_fen: i64,
    pub discount_fen: i64,
    pub rounds: Vec<RoundView>,
    /// Vouchers of each round spent (not reversed), for the per-round funnel.
    pub redeemed_by_round: Vec<RoundRedeemed>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoundRedeemed {
    pub seq: i32,
    pub redeemed: i64,
}

pub fn parse_json_list(s: &str) -> Vec<String> {
    serde_json::from_str(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn stored_lists_read_back() {
        assert_eq!(
            super::parse_json_list(r#"["hotpot","noodles"]"#),
            vec!["hotpot", "noodles"]
        );
        assert!(super::parse_json_list("not json").is_empty());
    }
}
