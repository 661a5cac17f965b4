//! A resident's vouchers with the state each is in now.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use entity::{voucher, voucher_campaign};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::Vouchers;
use super::campaigns::{CampaignInfo, campaign};
use super::dto::*;
use entity::status::VoucherStatus;

use super::rules::{self};
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::pagination::{Page, Paginated};

/// The status as of `now`: an unused voucher past its expiry is expired
/// before the sweep marks it.
pub(super) fn effective_status(v: &voucher::Model, now: DateTime<Utc>) -> VoucherStatus {
    match v.status {
        VoucherStatus::Unused if v.expires_at <= now => VoucherStatus::Expired,
        status => status,
    }
}

pub(super) fn voucher_view(
    v: &voucher::Model,
    c: &voucher_campaign::Model,
    now: DateTime<Utc>,
) -> VoucherView {
    VoucherView {
        id: v.id,
        code: v.code.clone(),
        qr_payload: rules::qr_payload(&v.code),
        campaign_id: c.id,
        campaign_name: c.name.clone(),
        face_value_fen: c.face_value_fen,
        threshold_fen: c.threshold_fen,
        claimed_at: v.claimed_at,
        expires_at: v.expires_at,
        status: effective_status(v, now).to_string(),
        used_at: v.used_at,
    }
}

/// The caller's vouchers, newest first.
pub async fn mine(
    svc: &Vouchers,
    caller: &Principal,
    status: Option<&str>,
    page: Page,
) -> AppResult<Paginated<VoucherView>> {
    let now = svc.clock.now();
    let mut query = voucher::Entity::find().filter(voucher::Column::UserId.eq(caller.user_id));
    let wanted = match status {
        None => None,
        Some(s) => Some(
            entity::status::parse::<VoucherStatus>(s)
                .ok_or_else(|| AppError::bad_request("status 须为 unused、used 或 expired"))?,
        ),
    };
    query = match wanted {
        None => query,
        Some(VoucherStatus::Unused) => query
            .filter(voucher::Column::Status.eq(VoucherStatus::Unused))
            .filter(voucher::Column::ExpiresAt.gt(now)),
        Some(VoucherStatus::Used) => query.filter(voucher::Column::Status.eq(VoucherStatus::Used)),
        Some(VoucherStatus::Void) => query.filter(voucher::Column::Status.eq(VoucherStatus::Void)),
        Some(VoucherStatus::Expired) => query.filter(
            sea_orm::Condition::any()
                .add(voucher::Column::Status.eq(VoucherStatus::Expired))
                .add(
                    sea_orm::Condition::all()
                        .add(voucher::Column::Status.eq(VoucherStatus::Unused))
                        .add(voucher::Column::ExpiresAt.lte(now)),
                ),
        ),
    };
    if let Some(after) = page.after {
        query = query.filter(voucher::Column::Id.lt(after));
    }
    let rows = query
        .order_by_desc(voucher::Column::Id)
        .limit(page.limit + 1)
        .all(&svc.db)
        .await?;
    let mut campaigns: HashMap<Uuid, Arc<CampaignInfo>> = HashMap::new();
    for v in &rows {
        if let std::collections::hash_map::Entry::Vacant(slot) = campaigns.entry(v.campaign_id) {
            slot.insert(campaign(svc, v.campaign_id).await?);
        }
    }
    let mut views = Vec::with_capacity(rows.len());
    for v in rows {
        if let Some(info) = campaigns.get(&v.campaign_id) {
            views.push((v.id, voucher_view(&v, &info.campaign, now)));
        }
    }
    Ok(Paginated::from_rows(views, page, |(id, _)| *id, |(_, v)| v))
}
