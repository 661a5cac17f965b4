use actix_web::{HttpRequest, HttpResponse, get, post, web};
use uuid::Uuid;
use validator::Validate;

use super::dto::*;
use super::expiry::{self, ExpirySweep};
use super::{Vouchers, campaigns, claiming, redemption, wallet};
use crate::auth::{AdminUser, AuthUser, MerchantUser};
use crate::error::{AppResult, ErrorBody};
use crate::idempotency;
use crate::pagination::{PageQuery, Paginated};

/// Creates a campaign of one tier released in rounds.
#[utoipa::path(
    tag = "vouchers",
    security(("bearer" = [])),
    request_body = NewCampaign,
    responses(
        (status = 201, body = CampaignView),
        (status = 403, body = ErrorBody),
        (status = 422, description = "`validation_failed` (e.g. `must_exceed_face_value`, `must_equal_sum_of_rounds`, `outside_campaign_window`)", body = ErrorBody),
    )
)]
#[post("/admin/voucher-campaigns")]
pub async fn create_campaign(
    svc: web::Data<Vouchers>,
    admin: AdminUser,
    body: web::Json<NewCampaign>,
) -> AppResult<HttpResponse> {
    let input = body.into_inner();
    input.validate()?;
    let created = campaigns::create_campaign(&svc, &admin, input).await?;
    Ok(HttpResponse::Created().json(created))
}

/// Campaigns, newest first, with the stock left in the round open now.
#[utoipa::path(
    tag = "vouchers",
    params(CampaignQuery),
    responses((status = 200, body = Vec<CampaignView>))
)]
#[get("/voucher-campaigns")]
pub async fn list_campaigns(
    svc: web::Data<Vouchers>,
    q: web::Query<CampaignQuery>,
) -> AppResult<web::Json<Vec<CampaignView>>> {
    Ok(web::Json(
        campaigns::list_campaigns(&svc, q.status.as_deref()).await?,
    ))
}

/// One campaign with its rounds and live stock.
#[utoipa::path(
    tag = "vouchers",
    params(("id" = Uuid, Path, description = "campaign id")),
    responses((status = 200, body = CampaignView), (status = 404, body = ErrorBody))
)]
#[get("/voucher-campaigns/{id}")]
pub async fn get_campaign(
    svc: web::Data<Vouchers>,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<CampaignView>> {
    Ok(web::Json(
        campaigns::get_campaign(&svc, id.into_inner()).await?,
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
        (status = 404, body = ErrorBody),
        (status = 409, description = "`sold_out`, `limit_reached`, `not_open` (details: `opens_at`, or `ended`); `try_again` when the claim lost a race with another instance three times", body = ErrorBody),
        (status = 422, description = "`idempotency_key_reused`", body = ErrorBody),
    )
)]
#[post("/voucher-campaigns/{id}/claims")]
pub async fn claim(
    svc: web::Data<Vouchers>,
    user: AuthUser,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let key = idempotency::key_from(&req)?;
    let (status, body) = claiming::claim(&svc, &user, id.into_inner(), key).await?;
    Ok(HttpResponse::build(status)
        .content_type(actix_web::http::header::ContentType::json())
        .body(body))
}

/// The caller's vouchers, newest first: `status=unused|used|expired`.
#[utoipa::path(
    operation_id = "my_vouchers",
    tag = "vouchers",
    security(("bearer" = [])),
    params(MineQuery),
    responses((status = 200, body = Paginated<VoucherView>))
)]
#[get("/vouchers/mine")]
pub async fn mine(
    svc: web::Data<Vouchers>,
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
        wallet::mine(&svc, &user, q.status.as_deref(), page).await?,
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
        (status = 403, description = "`forbidden` (not your shop), `not_applicable` (category or district)", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`already_redeemed`, `expired`, `voucher_void`, `one_voucher_per_payment` (this order already has a live voucher at this merchant)", body = ErrorBody),
        (status = 422, description = "`threshold_not_met`, `validation_failed`, `idempotency_key_reused`", body = ErrorBody),
    )
)]
#[post("/merchant/redemptions")]
pub async fn redeem(
    svc: web::Data<Vouchers>,
    staff: MerchantUser,
    req: HttpRequest,
    body: web::Json<RedeemRequest>,
) -> AppResult<HttpResponse> {
    let key = idempotency::key_from(&req)?;
    let input = body.into_inner();
    input.validate()?;
    let (status, body) = redemption::redeem(&svc, &staff, input, key).await?;
    Ok(HttpResponse::build(status).json(body))
}

/// Undoes a redemption the same day; the voucher goes back to its owner.
#[utoipa::path(
    tag = "vouchers",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "redemption id")),
    responses(
        (status = 200, body = Reversed),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`already_reversed`, `reversal_window_closed`, `expired`", body = ErrorBody),
    )
)]
#[post("/merchant/redemptions/{id}/reversal")]
pub async fn reverse(
    svc: web::Data<Vouchers>,
    staff: MerchantUser,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<Reversed>> {
    Ok(web::Json(
        redemption::reverse(&svc, &staff, id.into_inner()).await?,
    ))
}

/// Claimed, redeemed, expired and returned counts and the order amount driven.
#[utoipa::path(
    tag = "vouchers",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "campaign id")),
    responses(
        (status = 200, body = CampaignStats),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
#[get("/admin/voucher-campaigns/{id}/stats")]
pub async fn stats(
    svc: web::Data<Vouchers>,
    _admin: AdminUser,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<CampaignStats>> {
    Ok(web::Json(super::stats::stats(&svc, id.into_inner()).await?))
}

/// Runs the expiry sweep now (it also runs in the background).
#[utoipa::path(
    tag = "vouchers",
    security(("bearer" = [])),
    responses((status = 200, body = ExpirySweep), (status = 403, body = ErrorBody))
)]
#[post("/admin/vouchers/expiry-sweeps")]
pub async fn expire_now(
    svc: web::Data<Vouchers>,
    _admin: AdminUser,
) -> AppResult<web::Json<ExpirySweep>> {
    Ok(web::Json(expiry::expire_due(&svc).await?))
}
