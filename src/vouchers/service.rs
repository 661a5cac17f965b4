use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::StatusCode;
use chrono::{DateTime, Utc};
use entity::{shop, voucher, voucher_campaign, voucher_redemption, voucher_round};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::claims::{self, ClaimBook, ClaimJob, ClaimWriter};
use super::dto::*;
use super::rules::{self, CampaignShape, RoundState};
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::idempotency;
use crate::pagination::{Page, Paginated};
use crate::state::AppState;

pub const NOT_OPEN: &str = "not_open";
pub const NOT_APPLICABLE: &str = "not_applicable";
pub const THRESHOLD_NOT_MET: &str = "threshold_not_met";
pub const ALREADY_REDEEMED: &str = "already_redeemed";
pub const EXPIRED: &str = "expired";
pub const ALREADY_REVERSED: &str = "already_reversed";
pub const REVERSAL_WINDOW_CLOSED: &str = "reversal_window_closed";

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
    fn windows(&self) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        self.rounds
            .iter()
            .map(|r| (r.opens_at, r.closes_at))
            .collect()
    }
}

/// Per-instance voucher state.
pub struct VoucherState {
    pub campaigns: moka::future::Cache<Uuid, Arc<CampaignInfo>>,
    pub book: ClaimBook,
    pub writer: ClaimWriter,
}

impl VoucherState {
    /// Starts the claim writer (inside the actix runtime).
    pub fn new(db: DatabaseConnection) -> Self {
        let book = ClaimBook::new();
        Self {
            campaigns: moka::future::Cache::builder()
                .max_capacity(1_000)
                .time_to_live(Duration::from_secs(300))
                .build(),
            writer: claims::spawn(db, book.clone()),
            book,
        }
    }
}

// ---------------------------------------------------------------- campaigns

pub async fn create_campaign(
    state: &AppState,
    admin: &Principal,
    input: NewCampaign,
) -> AppResult<CampaignView> {
    let first_open = input.rounds.first().map(|r| r.opens_at);
    let last_open = input.rounds.last().map(|r| r.opens_at);
    let starts_at = input
        .starts_at
        .or(first_open)
        .unwrap_or_else(|| state.clock.now());
    let ends_at = input
        .ends_at
        .or_else(|| last_open.map(|t| t + chrono::Duration::days(30)))
        .unwrap_or(starts_at);
    let shape = CampaignShape {
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
    };
    let mut errors = rules::check_shape(&shape);
    let mut categories = input.categories.clone();
    categories.sort();
    categories.dedup();
    for code in &categories {
        if state.places.categories.index_of(code).is_none() {
            errors
                .entry("categories".to_owned())
                .or_default()
                .push(format!("unknown_category:{code}"));
        }
    }
    let mut districts = input.district_codes.clone();
    districts.sort();
    districts.dedup();
    let today = state.clock.now_local().date_naive();
    for code in crate::districts::service::not_in_force(&state.db, &districts, today).await? {
        errors
            .entry("district_codes".to_owned())
            .or_default()
            .push(format!("unknown_district:{code}"));
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }

    let id = Uuid::now_v7();
    let campaign = voucher_campaign::Model {
        id,
        name: input.name.trim().to_owned(),
        categories: json!(categories).to_string(),
        district_codes: json!(districts).to_string(),
        face_value_fen: input.face_value_fen,
        threshold_fen: input.threshold_fen,
        total_quantity: input.total_quantity,
        per_user_limit: input.per_user_limit,
        valid_days: input.valid_days,
        return_expired: input.return_expired.unwrap_or(true),
        starts_at,
        ends_at,
        created_by: admin.user_id,
        created_at: state.clock.now(),
    };
    let opens: Vec<_> = shape.rounds.iter().map(|r| r.0).collect();
    let rounds: Vec<voucher_round::Model> = rules::round_windows(&opens, ends_at)
        .into_iter()
        .zip(&shape.rounds)
        .enumerate()
        .map(
            |(i, ((opens_at, closes_at), (_, quantity)))| voucher_round::Model {
                id: Uuid::now_v7(),
                campaign_id: id,
                seq: i32::try_from(i + 1).unwrap_or(i32::MAX),
                opens_at,
                closes_at,
                quantity: *quantity,
                returned: 0,
                claimed: 0,
                last_grant: 0,
            },
        )
        .collect();
    let txn = state.db.begin().await?;
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
    Ok(view(&info, state.clock.now()))
}

/// The campaign, from the cache or the database (the round counters in it
/// are as of when it was cached: read `voucher_rounds` for live stock).
pub async fn campaign(state: &AppState, id: Uuid) -> AppResult<Arc<CampaignInfo>> {
    let db = state.db.clone();
    state
        .vouchers
        .campaigns
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

fn info_from(campaign: voucher_campaign::Model, rounds: Vec<voucher_round::Model>) -> CampaignInfo {
    CampaignInfo {
        categories: parse_json_list(&campaign.categories),
        district_codes: parse_json_list(&campaign.district_codes),
        campaign,
        rounds,
    }
}

async fn rounds_of(
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

fn round_view(r: &voucher_round::Model) -> RoundView {
    RoundView {
        seq: r.seq,
        opens_at: r.opens_at,
        closes_at: r.closes_at,
        quantity: r.quantity,
        returned: r.returned,
        claimed: r.claimed,
        remaining: r.quantity + r.returned - r.claimed,
    }
}

fn view(info: &CampaignInfo, now: DateTime<Utc>) -> CampaignView {
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
        starts_at: c.starts_at,
        ends_at: c.ends_at,
        status: status.to_owned(),
        current_round: current.map(|r| r.seq),
        remaining: current.map_or(0, |r| r.quantity + r.returned - r.claimed),
        next_round_opens_at: next,
        rounds: info.rounds.iter().map(round_view).collect(),
    }
}

/// Campaigns with live stock, newest first.
pub async fn list_campaigns(
    state: &AppState,
    status: Option<&str>,
) -> AppResult<Vec<CampaignView>> {
    if let Some(s) = status
        && !matches!(s, "open" | "upcoming" | "ended")
    {
        return Err(AppError::bad_request("status 须为 open、upcoming 或 ended"));
    }
    let campaigns = voucher_campaign::Entity::find()
        .order_by_desc(voucher_campaign::Column::Id)
        .all(&state.db)
        .await?;
    let ids: Vec<Uuid> = campaigns.iter().map(|c| c.id).collect();
    let mut rounds = rounds_of(&state.db, &ids).await?;
    let now = state.clock.now();
    Ok(campaigns
        .into_iter()
        .map(|c| {
            let r = rounds.remove(&c.id).unwrap_or_default();
            view(&info_from(c, r), now)
        })
        .filter(|v| status.is_none_or(|s| v.status == s))
        .collect())
}

pub async fn get_campaign(state: &AppState, id: Uuid) -> AppResult<CampaignView> {
    let cached = campaign(state, id).await?;
    let rounds = rounds_of(&state.db, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    Ok(view(
        &info_from(cached.campaign.clone(), rounds),
        state.clock.now(),
    ))
}

// ------------------------------------------------------------------ claims

/// Claims a voucher of the round open now.
pub async fn claim(
    state: &AppState,
    caller: &Principal,
    campaign_id: Uuid,
    key: Option<String>,
) -> AppResult<(StatusCode, Value)> {
    let info = campaign(state, campaign_id).await?;
    let now = state.clock.now();
    let round = match rules::round_at(&info.windows(), now) {
        RoundState::Open(i) => info
            .rounds
            .get(i)
            .ok_or_else(|| AppError::internal("round index out of range"))?,
        RoundState::NotYet(opens_at) => {
            return refuse(
                state,
                caller,
                &info,
                key.as_deref(),
                not_open(Some(opens_at)),
            )
            .await;
        }
        RoundState::Ended => {
            return refuse(state, caller, &info, key.as_deref(), not_open(None)).await;
        }
    };
    let limit = info.campaign.per_user_limit;
    if let Some(known) = state
        .vouchers
        .book
        .refusal(round.id, caller.user_id, limit)
        .await
    {
        return refuse(state, caller, &info, key.as_deref(), known).await;
    }

    let v = voucher::Model {
        id: Uuid::now_v7(),
        code: rules::new_code(),
        campaign_id,
        round_id: round.id,
        user_id: caller.user_id,
        slot: 0,
        status: "unused".to_owned(),
        claimed_at: now,
        expires_at: rules::expires_at(now, info.campaign.valid_days),
        used_at: None,
        returned_to_round: None,
        claim_key: key,
    };
    let body = claimed_body(&v, &info.campaign, now)?;
    let (reply, answer) = tokio::sync::oneshot::channel();
    state
        .vouchers
        .writer
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
async fn refuse(
    state: &AppState,
    caller: &Principal,
    info: &CampaignInfo,
    key: Option<&str>,
    refusal: AppError,
) -> AppResult<(StatusCode, Value)> {
    if let Some(key) = key
        && let Some(v) = claims::vouchers_with_keys(&state.db, &[(caller.user_id, key)])
            .await?
            .into_iter()
            .next()
    {
        return replay(&v, &info.campaign, state.clock.now());
    }
    Err(refusal)
}

/// The first answer of a claim, rebuilt from its voucher; the same key for
/// another campaign is another request.
pub fn replay(
    v: &voucher::Model,
    campaign: &voucher_campaign::Model,
    now: DateTime<Utc>,
) -> AppResult<(StatusCode, Value)> {
    if v.campaign_id != campaign.id {
        return Err(idempotency::key_reused());
    }
    Ok((StatusCode::CREATED, claimed_body(v, campaign, now)?))
}

/// The 201 body of a claim.
fn claimed_body(
    v: &voucher::Model,
    c: &voucher_campaign::Model,
    now: DateTime<Utc>,
) -> AppResult<Value> {
    serde_json::to_value(Claimed {
        voucher: voucher_view(v, c, now),
    })
    .map_err(AppError::internal)
}

fn not_open(next: Option<DateTime<Utc>>) -> AppError {
    match next {
        Some(at) => {
            AppError::conflict(NOT_OPEN, "本轮尚未开始").with_details(json!({ "opens_at": at }))
        }
        None => AppError::conflict(NOT_OPEN, "活动已结束").with_details(json!({ "ended": true })),
    }
}

fn effective_status(v: &voucher::Model, now: DateTime<Utc>) -> &'static str {
    match v.status.as_str() {
        "used" => "used",
        "expired" => "expired",
        _ if v.expires_at <= now => "expired",
        _ => "unused",
    }
}

fn voucher_view(
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
        status: effective_status(v, now).to_owned(),
        used_at: v.used_at,
    }
}

/// The caller's vouchers, newest first.
pub async fn mine(
    state: &AppState,
    caller: &Principal,
    status: Option<&str>,
    page: Page,
) -> AppResult<Paginated<VoucherView>> {
    let now = state.clock.now();
    let mut query = voucher::Entity::find().filter(voucher::Column::UserId.eq(caller.user_id));
    query = match status {
        None => query,
        Some("unused") => query
            .filter(voucher::Column::Status.eq("unused"))
            .filter(voucher::Column::ExpiresAt.gt(now)),
        Some("used") => query.filter(voucher::Column::Status.eq("used")),
        Some("expired") => query.filter(
            sea_orm::Condition::any()
                .add(voucher::Column::Status.eq("expired"))
                .add(
                    sea_orm::Condition::all()
                        .add(voucher::Column::Status.eq("unused"))
                        .add(voucher::Column::ExpiresAt.lte(now)),
                ),
        ),
        Some(_) => return Err(AppError::bad_request("status 须为 unused、used 或 expired")),
    };
    if let Some(after) = page.after {
        query = query.filter(voucher::Column::Id.lt(after));
    }
    let rows = query
        .order_by_desc(voucher::Column::Id)
        .limit(page.limit + 1)
        .all(&state.db)
        .await?;
    let mut campaigns: HashMap<Uuid, Arc<CampaignInfo>> = HashMap::new();
    for v in &rows {
        if let std::collections::hash_map::Entry::Vacant(slot) = campaigns.entry(v.campaign_id) {
            slot.insert(campaign(state, v.campaign_id).await?);
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

// ------------------------------------------------------------- redemptions

const REDEMPTION_SCOPE: &str = "voucher_redemption";

/// Spends a voucher at one of the caller's shops.
pub async fn redeem(
    state: &AppState,
    staff: &Principal,
    input: RedeemRequest,
    key: Option<String>,
) -> AppResult<(StatusCode, Value)> {
    let fingerprint = idempotency::fingerprint(&input);
    let Some(code) = rules::normalize_code(&input.code) else {
        return Err(AppError::invalid_field("code", "invalid_format"));
    };
    let shop = shop::Entity::find_by_id(input.shop_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::not_found("门店不存在"))?;
    staff.require_staff_of(shop.merchant_id)?;
    let retry = idempotency::Retry {
        user_id: staff.user_id,
        scope: REDEMPTION_SCOPE,
        key: key.as_deref(),
        request_hash: &fingerprint,
    };
    if let Some(answer) = retry.stored(&state.db).await? {
        return Ok(answer);
    }
    let v = voucher::Entity::find()
        .filter(voucher::Column::Code.eq(code.as_str()))
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::not_found("券码不存在"))?;
    let now = state.clock.now();
    refuse_spent(&v, now)?;
    let info = campaign(state, v.campaign_id).await?;
    if !info.categories.contains(&shop.category_code)
        || !info.district_codes.contains(&shop.district_code)
    {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            NOT_APPLICABLE,
            "该券不适用于本店（行业或区县不符）",
        )
        .with_details(json!({
            "categories": info.categories,
            "district_codes": info.district_codes,
        })));
    }
    let c = &info.campaign;
    let Some((discount_fen, payable_fen)) =
        rules::apply(input.order_amount_fen, c.face_value_fen, c.threshold_fen)
    else {
        return Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            THRESHOLD_NOT_MET,
            "订单金额未达到使用门槛",
        )
        .with_details(json!({ "threshold_fen": c.threshold_fen })));
    };

    let redeemed = Redeemed {
        redemption_id: Uuid::now_v7(),
        voucher_id: v.id,
        discount_fen,
        payable_fen,
        order_amount_fen: input.order_amount_fen,
        redeemed_at: now,
    };
    let body = serde_json::to_value(&redeemed).map_err(AppError::internal)?;
    let txn = state.db.begin().await?;
    // The voucher is taken first and only if still unused and valid, so of
    // two tills scanning it at once exactly one gets it.
    let taken = voucher::Entity::update_many()
        .col_expr(voucher::Column::Status, Expr::value("used"))
        .col_expr(voucher::Column::UsedAt, Expr::value(Some(now)))
        .filter(voucher::Column::Id.eq(v.id))
        .filter(voucher::Column::Status.eq("unused"))
        .filter(voucher::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?;
    if taken.rows_affected == 0 {
        txn.rollback().await?;
        let now_row = voucher::Entity::find_by_id(v.id)
            .one(&state.db)
            .await?
            .ok_or_else(|| AppError::not_found("券码不存在"))?;
        refuse_spent(&now_row, now)?;
        return Err(AppError::conflict(ALREADY_REDEEMED, "该券已被使用"));
    }
    voucher_redemption::Entity::insert(voucher_redemption::ActiveModel {
        id: Set(redeemed.redemption_id),
        voucher_id: Set(v.id),
        campaign_id: Set(v.campaign_id),
        shop_id: Set(shop.id),
        merchant_id: Set(shop.merchant_id),
        staff_id: Set(staff.user_id),
        order_amount_fen: Set(input.order_amount_fen),
        discount_fen: Set(discount_fen),
        payable_fen: Set(payable_fen),
        created_at: Set(now),
        reversed_at: Set(None),
        reversed_by: Set(None),
    })
    .exec_without_returning(&txn)
    .await?;
    idempotency::commit_answer(txn, &retry, (StatusCode::OK, body), now).await
}

fn refuse_spent(v: &voucher::Model, now: DateTime<Utc>) -> AppResult<()> {
    match effective_status(v, now) {
        "used" => Err(AppError::conflict(ALREADY_REDEEMED, "该券已被使用")
            .with_details(json!({ "used_at": v.used_at }))),
        "expired" => Err(AppError::conflict(EXPIRED, "该券已过期")
            .with_details(json!({ "expires_at": v.expires_at }))),
        _ => Ok(()),
    }
}

/// Undoes a redemption on the day it was made; the voucher goes back to its
/// owner if it is still valid.
pub async fn reverse(
    state: &AppState,
    staff: &Principal,
    redemption_id: Uuid,
) -> AppResult<Reversed> {
    let r = voucher_redemption::Entity::find_by_id(redemption_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::not_found("核销记录不存在"))?;
    staff.require_staff_of(r.merchant_id)?;
    if r.reversed_at.is_some() {
        return Err(AppError::conflict(ALREADY_REVERSED, "该核销已撤销"));
    }
    let now = state.clock.now();
    if !rules::same_local_day(r.created_at, now) {
        return Err(AppError::conflict(
            REVERSAL_WINDOW_CLOSED,
            "只能撤销当天的核销",
        ));
    }
    let v = voucher::Entity::find_by_id(r.voucher_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::internal("redeemed voucher vanished"))?;
    if v.expires_at <= now {
        return Err(AppError::conflict(EXPIRED, "该券已过期，不能退回")
            .with_details(json!({ "expires_at": v.expires_at })));
    }
    let txn = state.db.begin().await?;
    let undone = voucher_redemption::Entity::update_many()
        .col_expr(
            voucher_redemption::Column::ReversedAt,
            Expr::value(Some(now)),
        )
        .col_expr(
            voucher_redemption::Column::ReversedBy,
            Expr::value(Some(staff.user_id)),
        )
        .filter(voucher_redemption::Column::Id.eq(r.id))
        .filter(voucher_redemption::Column::ReversedAt.is_null())
        .exec(&txn)
        .await?;
    if undone.rows_affected == 0 {
        txn.rollback().await?;
        return Err(AppError::conflict(ALREADY_REVERSED, "该核销已撤销"));
    }
    voucher::Entity::update_many()
        .col_expr(voucher::Column::Status, Expr::value("unused"))
        .col_expr(
            voucher::Column::UsedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(voucher::Column::Id.eq(v.id))
        .filter(voucher::Column::Status.eq("used"))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(Reversed {
        redemption_id: r.id,
        voucher_id: v.id,
        reversed_at: now,
        voucher_expires_at: v.expires_at,
    })
}

// ------------------------------------------------------------------ expiry

#[derive(Debug, Default, Clone, Copy, serde::Serialize, utoipa::ToSchema)]
pub struct ExpirySweep {
    pub expired: u64,
    /// Of those, how many went back to a later round's stock.
    pub returned: u64,
}

/// Marks unused vouchers past their validity as expired and, where the
/// campaign says so, gives their stock to its next round that has not
/// opened. Safe to run on every instance at once: each voucher changes
/// state in one conditional UPDATE.
pub async fn expire_due(state: &AppState) -> AppResult<ExpirySweep> {
    let mut sweep = ExpirySweep::default();
    loop {
        let now = state.clock.now();
        let due: Vec<(Uuid, Uuid)> = voucher::Entity::find()
            .select_only()
            .columns([voucher::Column::Id, voucher::Column::CampaignId])
            .filter(voucher::Column::Status.eq("unused"))
            .filter(voucher::Column::ExpiresAt.lte(now))
            .limit(500)
            .into_tuple()
            .all(&state.db)
            .await?;
        if due.is_empty() {
            return Ok(sweep);
        }
        let mut by_campaign: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        for (id, campaign_id) in &due {
            by_campaign.entry(*campaign_id).or_default().push(*id);
        }
        let txn = state.db.begin().await?;
        for (campaign_id, ids) in by_campaign {
            let info = campaign(state, campaign_id).await?;
            let next_round = info
                .campaign
                .return_expired
                .then(|| info.rounds.iter().find(|r| r.opens_at > now).map(|r| r.id))
                .flatten();
            let changed = voucher::Entity::update_many()
                .col_expr(voucher::Column::Status, Expr::value("expired"))
                .col_expr(voucher::Column::ReturnedToRound, Expr::value(next_round))
                .filter(voucher::Column::Id.is_in(ids))
                .filter(voucher::Column::Status.eq("unused"))
                .filter(voucher::Column::ExpiresAt.lte(now))
                .exec(&txn)
                .await?
                .rows_affected;
            sweep.expired += changed;
            if let Some(round) = next_round
                && changed > 0
            {
                let count = i64::try_from(changed).unwrap_or(0);
                voucher_round::Entity::update_many()
                    .col_expr(
                        voucher_round::Column::Returned,
                        Expr::col(voucher_round::Column::Returned).add(count),
                    )
                    .filter(voucher_round::Column::Id.eq(round))
                    .exec(&txn)
                    .await?;
                sweep.returned += changed;
            }
        }
        txn.commit().await?;
    }
}

/// Runs the expiry sweep every `every` on this instance.
pub fn spawn_expiry(state: actix_web::web::Data<AppState>, every: Duration) {
    actix_web::rt::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            if let Err(e) = expire_due(&state).await {
                tracing::warn!(error = %e, "voucher expiry sweep failed");
            }
        }
    });
}

// ------------------------------------------------------------------- stats

pub async fn stats(state: &AppState, id: Uuid) -> AppResult<CampaignStats> {
    let info = campaign(state, id).await?;
    let now = state.clock.now();
    let by_status: Vec<(String, i64)> = voucher::Entity::find()
        .select_only()
        .column(voucher::Column::Status)
        .column_as(voucher::Column::Id.count(), "n")
        .filter(voucher::Column::CampaignId.eq(id))
        .group_by(voucher::Column::Status)
        .into_tuple()
        .all(&state.db)
        .await?;
    let count = |s: &str| {
        by_status
            .iter()
            .find(|(status, _)| status == s)
            .map_or(0, |(_, n)| *n)
    };
    // Unused vouchers the sweep has not reached yet are expired all the same.
    let lapsed = i64::try_from(
        voucher::Entity::find()
            .filter(voucher::Column::CampaignId.eq(id))
            .filter(voucher::Column::Status.eq("unused"))
            .filter(voucher::Column::ExpiresAt.lte(now))
            .count(&state.db)
            .await?,
    )
    .unwrap_or(0);
    let returned = i64::try_from(
        voucher::Entity::find()
            .filter(voucher::Column::CampaignId.eq(id))
            .filter(voucher::Column::ReturnedToRound.is_not_null())
            .count(&state.db)
            .await?,
    )
    .unwrap_or(0);
    let sums: Option<(Option<i64>, Option<i64>)> = voucher_redemption::Entity::find()
        .select_only()
        .column_as(
            // SUM of a BIGINT is NUMERIC on PostgreSQL.
            Expr::col(voucher_redemption::Column::OrderAmountFen)
                .sum()
                .cast_as("BIGINT"),
            "orders",
        )
        .column_as(
            Expr::col(voucher_redemption::Column::DiscountFen)
                .sum()
                .cast_as("BIGINT"),
            "discounts",
        )
        .filter(voucher_redemption::Column::CampaignId.eq(id))
        .filter(voucher_redemption::Column::ReversedAt.is_null())
        .into_tuple()
        .one(&state.db)
        .await?;
    let reversed = i64::try_from(
        voucher_redemption::Entity::find()
            .filter(voucher_redemption::Column::CampaignId.eq(id))
            .filter(voucher_redemption::Column::ReversedAt.is_not_null())
            .count(&state.db)
            .await?,
    )
    .unwrap_or(0);
    let rounds = rounds_of(&state.db, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    let (orders, discounts) = sums.unwrap_or((None, None));
    Ok(CampaignStats {
        campaign_id: id,
        total_quantity: info.campaign.total_quantity,
        claimed: by_status.iter().map(|(_, n)| *n).sum(),
        unused: count("unused") - lapsed,
        redeemed: count("used"),
        expired: count("expired") + lapsed,
        returned,
        reversed,
        order_amount_fen: orders.unwrap_or(0),
        discount_fen: discounts.unwrap_or(0),
        rounds: rounds.iter().map(round_view).collect(),
    })
}
