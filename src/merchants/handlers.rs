use actix_web::{HttpResponse, get, post, web};
use uuid::Uuid;
use validator::Validate;

use super::MerchantStatus;
use super::dto::{MerchantApplication, MerchantProfile, MerchantView, RejectRequest, ReviewQuery};
use super::service;
use crate::auth::service::Identity;
use crate::auth::{AdminUser, AuthUser};
use crate::error::{AppError, AppResult, ErrorBody};
use crate::pagination::{PageQuery, Paginated};

/// Applies to register a merchant; an admin reviews it.
#[utoipa::path(
    operation_id = "apply_for_merchant",
    tag = "merchants",
    security(("bearer" = [])),
    request_body = MerchantApplication,
    responses(
        (status = 201, body = MerchantView),
        (status = 409, description = "`uscc_taken`", body = ErrorBody),
        (status = 422, description = "`validation_failed` (e.g. `uscc_checksum`, `unknown_district`)", body = ErrorBody),
    )
)]
#[post("/merchants")]
pub async fn apply(
    identity: web::Data<Identity>,
    user: AuthUser,
    body: web::Json<MerchantApplication>,
) -> AppResult<HttpResponse> {
    let mut input = body.into_inner();
    // Licences print the code in capitals; accept what people type.
    input.uscc = input.uscc.trim().to_ascii_uppercase();
    input.district_code = input.district_code.trim().to_owned();
    input.contact_phone = input.contact_phone.trim().to_owned();
    input.validate()?;
    let created = service::apply(&identity, user.user_id, input).await?;
    Ok(HttpResponse::Created().json(created))
}

/// The caller's own applications, newest first, with review results.
#[utoipa::path(
    operation_id = "my_merchants",
    tag = "merchants",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<MerchantView>))
)]
#[get("/merchants/mine")]
pub async fn mine(
    identity: web::Data<Identity>,
    user: AuthUser,
) -> AppResult<web::Json<Vec<MerchantView>>> {
    Ok(web::Json(service::mine(&identity.db, user.user_id).await?))
}

/// Public profile of an approved merchant.
#[utoipa::path(
    tag = "merchants",
    params(("id" = Uuid, Path, description = "merchant id")),
    responses(
        (status = 200, body = MerchantProfile),
        (status = 404, body = ErrorBody),
    )
)]
#[get("/merchants/{id}")]
pub async fn profile(
    identity: web::Data<Identity>,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<MerchantProfile>> {
    let today = identity.clock.now_local().date_naive();
    Ok(web::Json(
        service::public_profile(&identity.db, id.into_inner(), today).await?,
    ))
}

/// The review queue, oldest application first.
#[utoipa::path(
    operation_id = "merchant_review_queue",
    tag = "admin",
    security(("bearer" = [])),
    params(ReviewQuery),
    responses(
        (status = 200, body = Paginated<MerchantView>),
        (status = 403, body = ErrorBody),
    )
)]
#[get("/admin/merchants")]
pub async fn review_queue(
    identity: web::Data<Identity>,
    _admin: AdminUser,
    query: web::Query<ReviewQuery>,
) -> AppResult<web::Json<Paginated<MerchantView>>> {
    let status = match query.status.as_deref() {
        None => MerchantStatus::Pending,
        Some(s) => entity::status::parse::<MerchantStatus>(s)
            .ok_or_else(|| AppError::bad_request("status 须为 pending、approved 或 rejected"))?,
    };
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor.clone(),
    }
    .page()?;
    Ok(web::Json(
        service::list_for_review(&identity.db, status, page).await?,
    ))
}

/// Approves a pending application; the applicant becomes merchant staff.
#[utoipa::path(
    operation_id = "approve_merchant",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "merchant id")),
    responses(
        (status = 200, body = MerchantView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_transition`", body = ErrorBody),
    )
)]
#[post("/admin/merchants/{id}/approve")]
pub async fn approve(
    identity: web::Data<Identity>,
    admin: AdminUser,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<MerchantView>> {
    Ok(web::Json(
        service::approve(&identity, admin.user_id, id.into_inner()).await?,
    ))
}

/// Rejects a pending application with a reason the applicant sees.
#[utoipa::path(
    operation_id = "reject_merchant",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "merchant id")),
    request_body = RejectRequest,
    responses(
        (status = 200, body = MerchantView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_transition`", body = ErrorBody),
    )
)]
#[post("/admin/merchants/{id}/reject")]
pub async fn reject(
    identity: web::Data<Identity>,
    admin: AdminUser,
    id: web::Path<Uuid>,
    body: web::Json<RejectRequest>,
) -> AppResult<web::Json<MerchantView>> {
    body.validate()?;
    let body = body.into_inner();
    Ok(web::Json(
        service::reject(&identity, admin.user_id, id.into_inner(), body.reason).await?,
    ))
}
