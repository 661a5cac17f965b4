use actix_web::{get, post, web};
use uuid::Uuid;
use validator::Validate;

use super::Credit;
use super::dto::{
    CreditHistoryEntry, CreditView, KeyList, MerchantCode, Verification, VerifyRequest,
};
use super::{codes, profiles};
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
