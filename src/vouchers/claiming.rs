//! Claiming a voucher of the round open now: refusals known without the
//! database answered at once, the rest queued for the claim writer.

use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use chrono::{DateTime, Utc};
use entity::{voucher, voucher_campaign};
use serde_json::json;
use uuid::Uuid;

use super::Vouchers;
use super::campaigns::{CampaignInfo, campaign};
use super::claim_statements;
use super::claim_writer::ClaimJob;
use super::dto::*;
use super::round_leftovers;
use super::rules::{self, RoundState};
use super::wallet::voucher_view;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::idempotency;

pub const NOT_OPEN: &str = "not_open";

/// A claim's answer: its status and its JSON body, serialized once where
/// the voucher is made (a flash sale answers thousands a second).
pub type ClaimAnswer = (StatusCode, Bytes);

/// Claims a voucher of the round open now.
pub async fn claim(
    svc: &Vouchers,
    caller: &Principal,
    campaign_id: Uuid,
    key: Option<String>,
) -> AppResult<ClaimAnswer> {
    let info = campaign(svc, campaign_id).await?;
    let now = svc.clock.now();
    let round = match rules::round_at(&info.windows(), now) {
        RoundState::Open(i) => info
            .rounds
            .get(i)
            .ok_or_else(|| AppError::internal("round index out of range"))?,
        RoundState::NotYet(opens_at) => {
            return refuse(svc, caller, &info, key.as_deref(), not_open(Some(opens_at))).await;
        }
        RoundState::Ended => {
            return refuse(svc, caller, &info, key.as_deref(), not_open(None)).await;
        }
    };
    round_leftovers::before_first_claim(svc, &info, round).await;
    let limit = info.campaign.per_user_limit;
    if let Some(known) = svc.book.refusal(round.id, caller.user_id, limit).await {
        return refuse(svc, caller, &info, key.as_deref(), known).await;
    }

    let v = voucher::Model {
        id: Uuid::now_v7(),
        code: rules::new_code(),
        campaign_id,
        round_id: round.id,
        user_id: caller.user_id,
        slot: 0,
        status: entity::status::VoucherStatus::Unused,
        claimed_at: now,
        expires_at: rules::expires_at(now, info.campaign.valid_days),
        used_at: None,
        returned_to_round: None,
        claim_key: key,
    };
    let body = claimed_body(&v, &info.campaign, now)?;
    let (reply, answer) = tokio::sync::oneshot::channel();
    svc.writer
        .send(ClaimJob {
            campaign: info.clone(),
            round_id: round.id,
            voucher: v,
            body,
            attempts: 0,
            reply,
        })
        .await
        .map_err(|_| AppError::internal("claim writer stopped"))?;
    answer
        .await
        .map_err(|_| AppError::internal("claim writer dropped a claim"))?
}

/// A refusal known without the writer, unless the request is a retry of a
/// claim that succeeded: then its first answer.
pub(super) async fn refuse(
    svc: &Vouchers,
    caller: &Principal,
    info: &CampaignInfo,
    key: Option<&str>,
    refusal: AppError,
) -> AppResult<ClaimAnswer> {
    if let Some(key) = key
        && let Some(v) = claim_statements::vouchers_with_keys(&svc.db, &[(caller.user_id, key)])
            .await?
            .into_iter()
            .next()
    {
        return replay(&v, &info.campaign, svc.clock.now());
    }
    Err(refusal)
}

/// The first answer of a claim, rebuilt from its voucher; the same key for
/// another campaign is another request.
pub fn replay(
    v: &voucher::Model,
    campaign: &voucher_campaign::Model,
    now: DateTime<Utc>,
) -> AppResult<ClaimAnswer> {
    if v.campaign_id != campaign.id {
        return Err(idempotency::key_reused());
    }
    Ok((StatusCode::CREATED, claimed_body(v, campaign, now)?))
}

/// The 201 body of a claim.
pub(super) fn claimed_body(
    v: &voucher::Model,
    c: &voucher_campaign::Model,
    now: DateTime<Utc>,
) -> AppResult<Bytes> {
    serde_json::to_vec(&Claimed {
        voucher: voucher_view(v, c, now),
    })
    .map(Bytes::from)
    .map_err(AppError::internal)
}

pub(super) fn not_open(next: Option<DateTime<Utc>>) -> AppError {
    match next {
        Some(at) => {
            AppError::conflict(NOT_OPEN, "本轮尚未开始").with_details(json!({ "opens_at": at }))
        }
        None => AppError::conflict(NOT_OPEN, "活动已结束").with_details(json!({ "ended": true })),
    }
}
