//! Voucher campaigns: admins create them with their rounds; residents list
//! and open them. A campaign never changes after creation, so each instance
//! keeps it whole.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use entity::{voucher_campaign, voucher_round};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use super::Vouchers;
use super::dto::*;
use super::rules::{self, CampaignShape, RoundState};
use crate::auth::Principal;
use crate::error::{AppError, AppResult};

/// A campaign as claims and redemptions need it; campaigns never change
/// after creation, so it is cached whole.
#[derive(Debug, Clone)]
pub struct CampaignInfo {
    pub campaign: voucher_campaign::Model,
    pub categories: Vec<String>,
    pub district_codes: Vec<String>,
    /// By seq.
    pub rounds: Vec<voucher_round::Model>,
}

impl CampaignInfo {
    pub(super) fn windows(&self) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        self.rounds
            .iter()
            .map(|r| (r.opens_at, r.closes_at))
            .collect()
    }
}

pub async fn create_campaign(
    svc: &Vouchers,
    admin: &Principal,
    input: NewCampaign,
) -> AppResult<CampaignView> {
    let shape = shape_of(&input, svc.clock.now());
    let mut errors = rules::check_shape(&shape);
    let mut categories = input.categories.clone();
    categories.sort();
    categories.dedup();
    for code in &categories {
        if svc.places.categories.index_of(code).is_none() {
            errors
                .entry("categories".to_owned())
                .or_default()
                .push(format!("unknown_category:{code}"));
        }
    }
    let mut districts = input.district_codes.clone();
    districts.sort();
    districts.dedup();
    for code in crate::districts::service::not_in_force(&svc.db, &districts, svc.today()).await? {
        errors
            .entry("district_codes".to_owned())
            .or_default()
            .push(format!("unknown_district:{code}"));
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let campaign = voucher_campaign::Model {
        id: Uuid::now_v7(),
        name: input.name.trim().to_owned(),
        categories: json!(categories).to_string(),
        district_codes: json!(districts).to_string(),
        face_value_fen: input.face_value_fen,
        threshold_fen: input.threshold_fen,
        total_quantity: input.total_quantity,
        per_user_limit: input.per_user_limit,
        valid_days: input.valid_days,
        return_expired: input.return_expired.unwrap_or(true),
        roll_over_leftovers: input.roll_over_leftovers.unwrap_or(true),
        starts_at: shape.starts_at,
        ends_at: shape.ends_at,
        created_by: admin.user_id,
        created_at: svc.clock.now(),
    };
    let rounds = rounds_of_shape(campaign.id, &shape);
    let txn = svc.db.begin().await?;
    voucher_campaign::Entity::insert(campaign.clone().into_active_model())
        .exec_without_returning(&txn)
        .await?;
    voucher_round::Entity::insert_many(rounds.iter().map(|r| r.clone().into_active_model()))
        .exec_without_returning(&txn)
        .await?;
    txn.commit().await?;
    let info = CampaignInfo {
        campaign,
        categories,
        district_codes: districts,
        rounds,
    };
    Ok(view(&info, svc.clock.now()))
}

/// The campaign's dates and rounds as the rules check them: without dates
/// it starts with its first round and ends 30 days after its last opens.
fn shape_of(input: &NewCampaign, now: DateTime<Utc>) -> CampaignShape {
    let first_open = input.rounds.first().map(|r| r.opens_at);
    let last_open = input.rounds.last().map(|r| r.opens_at);
    let starts_at = input.starts_at.or(first_open).unwrap_or(now);
    let ends_at = input
        .ends_at
        .or_else(|| last_open.map(|t| t + chrono::Duration::days(30)))
        .unwrap_or(starts_at);
    CampaignShape {
        face_value_fen: input.face_value_fen,
        threshold_fen: input.threshold_fen,
        total_quantity: input.total_quantity,
        per_user_limit: input.per_user_limit,
        valid_days: input.valid_days,
        starts_at,
        ends_at,
        rounds: input
            .rounds
            .iter()
            .map(|r| (r.opens_at, r.quantity))
            .collect(),
    }
}

/// Each round runs until the next opens (the last until the campaign ends).
fn rounds_of_shape(campaign_id: Uuid, shape: &CampaignShape) -> Vec<voucher_round::Model> {
    let opens: Vec<_> = shape.rounds.iter().map(|r| r.0).collect();
    rules::round_windows(&opens, shape.ends_at)
        .into_iter()
        .zip(&shape.rounds)
        .enumerate()
        .map(
            |(i, ((opens_at, closes_at), (_, quantity)))| voucher_round::Model {
                id: Uuid::now_v7(),
                campaign_id,
                seq: i32::try_from(i + 1).unwrap_or(i32::MAX),
                opens_at,
                closes_at,
                quantity: *quantity,
                returned: 0,
                claimed: 0,
                last_grant: 0,
                carried_in: 0,
                carried_out: 0,
                closed_out: false,
            },
        )
        .collect()
}

/// The campaign, from the cache or the database (the round counters in it
/// are as of when it was cached: read `voucher_rounds` for live stock).
pub async fn campaign(svc: &Vouchers, id: Uuid) -> AppResult<Arc<CampaignInfo>> {
    let db = svc.db.clone();
    svc.campaigns
        .try_get_with(id, async move {
            let campaign = voucher_campaign::Entity::find_by_id(id).one(&db).await?;
            let Some(campaign) = campaign else {
                return Err(AppError::not_found("活动不存在"));
            };
            let rounds = rounds_of(&db, &[id]).await?.remove(&id).unwrap_or_default();
            Ok(Arc::new(info_from(campaign, rounds)))
        })
        .await
        .map_err(|e| e.clone_for_reply())
}

pub(super) fn info_from(
    campaign: voucher_campaign::Model,
    rounds: Vec<voucher_round::Model>,
) -> CampaignInfo {
    CampaignInfo {
        categories: parse_json_list(&campaign.categories),
        district_codes: parse_json_list(&campaign.district_codes),
        campaign,
        rounds,
    }
}

pub(super) async fn rounds_of(
    db: &impl ConnectionTrait,
    campaigns: &[Uuid],
) -> Result<HashMap<Uuid, Vec<voucher_round::Model>>, sea_orm::DbErr> {
    let mut by_campaign: HashMap<Uuid, Vec<voucher_round::Model>> = HashMap::new();
    for chunk in campaigns.chunks(500) {
        for r in voucher_round::Entity::find()
            .filter(voucher_round::Column::CampaignId.is_in(chunk.iter().copied()))
            .order_by_asc(voucher_round::Column::CampaignId)
            .order_by_asc(voucher_round::Column::Seq)
            .all(db)
            .await?
        {
            by_campaign.entry(r.campaign_id).or_default().push(r);
        }
    }
    Ok(by_campaign)
}

pub(super) fn round_view(r: &voucher_round::Model) -> RoundView {
    RoundView {
        seq: r.seq,
        opens_at: r.opens_at,
        closes_at: r.closes_at,
        quantity: r.quantity,
        // The table counts the carried-in leftover among `returned`.
        returned: r.returned - r.carried_in,
        claimed: r.claimed,
        carried_in: r.carried_in,
        carried_out: r.carried_out,
        remaining: r.stock_left(),
    }
}

pub(super) fn view(info: &CampaignInfo, now: DateTime<Utc>) -> CampaignView {
    let c = &info.campaign;
    let windows = info.windows();
    let (status, current, next) = match rules::round_at(&windows, now) {
        RoundState::Open(i) => ("open", info.rounds.get(i), windows.get(i + 1).map(|w| w.0)),
        RoundState::NotYet(at) => ("upcoming", None, Some(at)),
        RoundState::Ended => ("ended", None, None),
    };
    CampaignView {
        id: c.id,
        name: c.name.clone(),
        categories: info.categories.clone(),
        district_codes: info.district_codes.clone(),
        face_value_fen: c.face_value_fen,
        threshold_fen: c.threshold_fen,
        total_quantity: c.total_quantity,
        per_user_limit: c.per_user_limit,
        valid_days: c.valid_days,
        return_expired: c.return_expired,
        roll_over_leftovers: c.roll_over_leftovers,
        starts_at: c.starts_at,
        ends_at: c.ends_at,
        status: status.to_owned(),
        current_round: current.map(|r| r.seq),
        remaining: current.map_or(0, |r| r.stock_left()),
        next_round_opens_at: next,
        rounds: info.rounds.iter().map(round_view).collect(),
    }
}

/// Campaigns with live stock, newest first.
pub async fn list_campaigns(svc: &Vouchers, status: Option<&str>) -> AppResult<Vec<CampaignView>> {
    if let Some(s) = status
        && !matches!(s, "open" | "upcoming" | "ended")
    {
        return Err(AppError::bad_request("status 须为 open、upcoming 或 ended"));
    }
    let campaigns = voucher_campaign::Entity::find()
        .order_by_desc(voucher_campaign::Column::Id)
        .all(&svc.db)
        .await?;
    let ids: Vec<Uuid> = campaigns.iter().map(|c| c.id).collect();
    let mut rounds = rounds_of(&svc.db, &ids).await?;
    let now = svc.clock.now();
    Ok(campaigns
        .into_iter()
        .map(|c| {
            let r = rounds.remove(&c.id).unwrap_or_default();
            view(&info_from(c, r), now)
        })
        .filter(|v| status.is_none_or(|s| v.status == s))
        .collect())
}

pub async fn get_campaign(svc: &Vouchers, id: Uuid) -> AppResult<CampaignView> {
    let cached = campaign(svc, id).await?;
    let rounds = rounds_of(&svc.db, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    Ok(view(
        &info_from(cached.campaign.clone(), rounds),
        svc.clock.now(),
    ))
}
