use actix_web::{get, post, web};
use uuid::Uuid;
use validator::Validate;

use super::Credit;
use super::dto::{
    AppealAnswer, AppealView, CreditHistoryEntry, CreditView, KeyList, MerchantCode, NewAppeal,
    SetOverride, Verification, VerifyRequest,
};
use super::{codes, oversight, profiles};
use crate::auth::{AdminUser, MerchantUser};
use crate::error::{AppResult, ErrorBody};

/// A merchant's credit profile (山城有信): grade, score and every factor
/// behind them, with the rules version used. Public; never any
/// complainant's data.
#[utoipa::path(
    operation_id = "merchant_credit",
    tag = "credit",
    params(("id" = Uuid, Path, description = "merchant id")),
    responses(
        (status = 200, body = CreditView),
        (status = 404, description = "no approved merchant with this id", body = ErrorBody),
    )
)]
#[get("/merchants/{id}/credit")]
pub async fn profile(
    credit: web::Data<Credit>,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<CreditView>> {
    Ok(web::Json(
        profiles::profile(&credit, id.into_inner()).await?,
    ))
}

/// How the merchant's score and grade changed, newest first.
#[utoipa::path(
    operation_id = "merchant_credit_history",
    tag = "credit",
    params(("id" = Uuid, Path, description = "merchant id")),
    responses(
        (status = 200, body = Vec<CreditHistoryEntry>),
        (status = 404, body = ErrorBody),
    )
)]
#[get("/merchants/{id}/credit/history")]
pub async fn history(
    credit: web::Data<Credit>,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<Vec<CreditHistoryEntry>>> {
    Ok(web::Json(
        profiles::history(&credit, id.into_inner()).await?,
    ))
}

/// 一企一码: the merchant's signed code and its QR code, for the door.
#[utoipa::path(
    operation_id = "merchant_code",
    tag = "credit",
    params(("id" = Uuid, Path, description = "merchant id")),
    responses(
        (status = 200, body = MerchantCode),
        (status = 404, body = ErrorBody),
    )
)]
#[get("/merchants/{id}/code")]
pub async fn code(
    credit: web::Data<Credit>,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<MerchantCode>> {
    Ok(web::Json(codes::issue(&credit, id.into_inner()).await?))
}

/// The public keys codes are signed with, to verify them offline.
#[utoipa::path(
    operation_id = "credit_keys",
    tag = "credit",
    responses((status = 200, body = KeyList))
)]
#[get("/credit/keys")]
pub async fn keys(credit: web::Data<Credit>) -> web::Json<KeyList> {
    web::Json(KeyList {
        keys: credit.keys.public_keys(),
    })
}

/// Checks a scanned code: genuine and unexpired, or why not
/// (`malformed`, `unknown_key`, `bad_signature`, `expired`).
#[utoipa::path(
    operation_id = "verify_merchant_code",
    tag = "credit",
    request_body = VerifyRequest,
    responses(
        (status = 200, body = Verification),
        (status = 422, description = "`validation_failed`: no payload, or over 4096 characters", body = ErrorBody),
    )
)]
#[post("/credit/verify")]
pub async fn verify(
    credit: web::Data<Credit>,
    body: web::Json<VerifyRequest>,
) -> AppResult<web::Json<Verification>> {
    body.validate()?;
    Ok(web::Json(codes::verify(&credit, &body.payload).await?))
}

/// Sets a merchant's grade, with a reason, until a day (the newest wins).
#[utoipa::path(
    operation_id = "override_merchant_credit",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "merchant id")),
    request_body = SetOverride,
    responses(
        (status = 200, body = CreditView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "`validation_failed` (`grade`, `reason`, `ends_on`)", body = ErrorBody),
    )
)]
#[post("/admin/merchants/{id}/credit/override")]
pub async fn set_override(
    credit: web::Data<Credit>,
    admin: AdminUser,
    id: web::Path<Uuid>,
    body: web::Json<SetOverride>,
) -> AppResult<web::Json<CreditView>> {
    body.validate()?;
    Ok(web::Json(
        oversight::set_override(&credit, &admin, id.into_inner(), body.into_inner()).await?,
    ))
}

/// A merchant's staff appeal one factor of its profile.
#[utoipa::path(
    operation_id = "appeal_credit_factor",
    tag = "merchant",
    security(("bearer" = [])),
    request_body = NewAppeal,
    responses(
        (status = 201, body = AppealView),
        (status = 403, description = "not staff of this merchant", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`appeal_open`: this factor has an appeal waiting", body = ErrorBody),
        (status = 422, description = "`validation_failed` (`factor_code`, `statement`)", body = ErrorBody),
    )
)]
#[post("/merchant/credit/appeals")]
pub async fn appeal(
    credit: web::Data<Credit>,
    staff: MerchantUser,
    body: web::Json<NewAppeal>,
) -> AppResult<actix_web::HttpResponse> {
    body.validate()?;
    let filed = oversight::appeal(&credit, &staff, body.into_inner()).await?;
    Ok(actix_web::HttpResponse::Created().json(filed))
}

/// Appeals to answer (oldest first), then recent answers.
#[utoipa::path(
    operation_id = "credit_appeal_queue",
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<AppealView>),
        (status = 403, body = ErrorBody),
    )
)]
#[get("/admin/credit/appeals")]
pub async fn appeal_queue(
    credit: web::Data<Credit>,
    _admin: AdminUser,
) -> AppResult<web::Json<Vec<AppealView>>> {
    Ok(web::Json(oversight::review_queue(&credit).await?))
}

/// Answers an appeal: upheld or dismissed, with the reasons.
#[utoipa::path(
    operation_id = "answer_credit_appeal",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "appeal id")),
    request_body = AppealAnswer,
    responses(
        (status = 200, body = AppealView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`appeal_answered`", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/admin/credit/appeals/{id}/answer")]
pub async fn answer_appeal(
    credit: web::Data<Credit>,
    admin: AdminUser,
    id: web::Path<Uuid>,
    body: web::Json<AppealAnswer>,
) -> AppResult<web::Json<AppealView>> {
    body.validate()?;
    Ok(web::Json(
        oversight::answer(&credit, &admin, id.into_inner(), body.into_inner()).await?,
    ))
}
