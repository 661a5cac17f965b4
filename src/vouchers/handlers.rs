use actix_web::{HttpRequest, HttpResponse, get, post, web};
use uuid::Uuid;
use validator::Validate;

use super::dto::*;
use super::service::{self, ExpirySweep};
use crate::auth::{AdminUser, AuthUser, MerchantUser};
use crate::error::{AppResult, ErrorBody};
use crate::idempotency;
use crate::pagination::{PageQuery, Paginated};
use crate::state::AppState;

/// Creates a campaign of one tier released in rounds.
#[utoipa::path(
    tag = "vouchers",
    security(("bearer" = [])),
    request_body = NewCampaign,
    responses(
        (status = 201, body = CampaignView),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, description = "`validation_failed` (e.g. `must_exceed_face_value`, `must_equal_sum_of_rounds`, `outside_campaign_window`)", body = ErrorBody),
    )
)]
#[post("/admin/voucher-campaigns")]
pub async fn create_campaign(
    state: web::Data<AppState>,
    admin: AdminUser,
    body: web::Json<NewCampaign>,
) -> AppResult<HttpResponse> {
    let input = body.into_inner();
    input.validate()?;
    let created = service::create_campaign(&state, &admin, input).await?;
    Ok(HttpResponse::Created().json(created))
}

/// Campaigns, newest first, with the stock left in the round open now.
#[utoipa::path(
    tag = "vouchers",
    params(CampaignQuery),
    responses((status = 200, body = Vec<CampaignView>), (status = 400, body = ErrorBody))
)]
#[get("/voucher-campaigns")]
pub async fn list_campaigns(
    state: web::Data<AppState>,
    q: web::Query<CampaignQuery>,
) -> AppResult<web::Json<Vec<CampaignView>>> {
    Ok(web::Json(
        service::list_campaigns(&state, q.status.as_deref()).await?,
    ))
}

/// One campaign with its rounds and live stock.
#[utoipa::path(
    tag = "vouchers",
    params(("id" = Uuid, Path, description = "campaign id")),
    responses((status = 200, body = CampaignView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[get("/voucher-campaigns/{id}")]
pub async fn get_campaign(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<CampaignView>> {
    Ok(web::Json(
        service::get_campaign(&state, id.into_inner()).await?,
    ))
}

/// Claims a voucher of the round open now. Send an `Idempotency-Key`: a
/// retry after a dropped connection returns the same voucher.
#[utoipa::path(
    tag = "vouchers",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "campaign id"),
        ("Idempotency-Key" = Option<String>, Header, description = "retry-safe key"),
    ),
    responses(
        (status = 201, body = Claimed),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`sold_out`, `limit_reached`, `not_open` (details: `opens_at`, or `ended`); `try_again` when the claim lost a race with another instance three times", body = ErrorBody),
        (status = 422, description = "`idempotency_key_reused`", body = ErrorBody),
    )
)]
#[post("/voucher-campaigns/{id}/claims")]
pub async fn claim(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let key = idempotency::key_from(&req)?;
    let (status, body) = service::claim(&state, &user, id.into_inner(), key).await?;
    Ok(HttpResponse::build(status).json(body))
}

/// The caller's vouchers, newest first: `status=unused|used|expired`.
#[utoipa::path(
    tag = "vouchers",
    security(("bearer" = [])),
    params(MineQuery),
    responses((status = 200, body = Paginated<VoucherView>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody))
)]
#[get("/vouchers/mine")]
pub async fn mine(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<MineQuery>,
) -> AppResult<web::Json<Paginated<VoucherView>>> {
    let q = q.into_inner();
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    }
    .page()?;
    Ok(web::Json(
        service::mine(&state, &user, q.status.as_deref(), page).await?,
    ))
}

/// Spends a voucher at the till of one of the caller's shops.
#[utoipa::path(
    tag = "vouchers",
    security(("bearer" = [])),
    request_body = RedeemRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "retry-safe key")),
    responses(
        (status = 200, body = Redeemed),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "`forbidden` (not your shop), `not_applicable` (category or district)", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`already_redeemed`, `expired`", body = ErrorBody),
        (status = 422, description = "`threshold_not_met`, `validation_failed`, `idempotency_key_reused`", body = ErrorBody),
    )
)]
#[post("/merchant/redemptions")]
pub async fn redeem(
    state: web::Data<AppState>,
    staff: MerchantUser,
    req: HttpRequest,
    body: web::Json<RedeemRequest>,
) -> AppResult<HttpResponse> {
    let key = idempotency::key_from(&req)?;
    let input = body.into_inner();
    input.validate()?;
    let (status, body) = service::redeem(&state, &staff, input, key).await?;
    Ok(HttpResponse::build(status).json(body))
}

/// Undoes a redemption the same day; the voucher goes back to its owner.
#[utoipa::path(
    tag = "vouchers",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "redemption id")),
    responses(
        (status = 200, body = Reversed),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`already_reversed`, `reversal_window_closed`, `expired`", body = ErrorBody),
    )
)]
#[post("/merchant/redemptions/{id}/reversal")]
pub async fn reverse(
    state: web::Data<AppState>,
    staff: MerchantUser,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<Reversed>> {
    Ok(web::Json(
        service::reverse(&state, &staff, id.into_inner()).await?,
    ))
}

/// Claimed, redeemed, expired and returned counts and the order amount driven.
#[utoipa::path(
    tag = "vouchers",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "campaign id")),
    responses(
        (status = 200, body = CampaignStats),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
#[get("/admin/voucher-campaigns/{id}/stats")]
pub async fn stats(
    state: web::Data<AppState>,
    _admin: AdminUser,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<CampaignStats>> {
    Ok(web::Json(service::stats(&state, id.into_inner()).await?))
}

/// Runs the expiry sweep now (it also runs in the background).
#[utoipa::path(
    tag = "vouchers",
    security(("bearer" = [])),
    responses((status = 200, body = ExpirySweep), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody))
)]
#[post("/admin/vouchers/expiry-sweeps")]
pub async fn expire_now(
    state: web::Data<AppState>,
    _admin: AdminUser,
) -> AppResult<web::Json<ExpirySweep>> {
    Ok(web::Json(service::expire_due(&state).await?))
}
