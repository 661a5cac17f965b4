use actix_web::{HttpResponse, delete, get, web};

use super::dto::{CloseAccountRequest, ExportDocument};
use super::{closing, export};
use crate::auth::AuthUser;
use crate::auth::service::Identity;
use crate::error::{AppResult, ErrorBody};

/// Everything Yuhui holds about the caller, as one JSON document.
#[utoipa::path(
    tag = "identity",
    security(("bearer" = [])),
    responses(
        (status = 200, body = ExportDocument),
    )
)]
#[get("/me/export")]
pub async fn export_me(identity: web::Data<Identity>, user: AuthUser) -> AppResult<HttpResponse> {
    let document = export::export(&identity.core, &user).await?;
    Ok(HttpResponse::Ok()
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"yuhui-export.json\"",
        ))
        .insert_header(("Cache-Control", "no-store"))
        .json(document))
}

/// Closes the caller's account (注销): every token stops working, the
/// WeChat account and phone are unlinked, unused vouchers are voided and
/// pending trade-in applications and pickups withdrawn.
#[utoipa::path(
    tag = "identity",
    security(("bearer" = [])),
    request_body = CloseAccountRequest,
    responses(
        (status = 204, description = "closed"),
        (status = 409, description = "`open_cases`: a complaint of the caller is not final; `last_staff`: the caller is the last staff member of an approved merchant", body = ErrorBody),
        (status = 422, description = "`confirm` is not 注销", body = ErrorBody),
    )
)]
#[delete("/me")]
pub async fn close_me(
    identity: web::Data<Identity>,
    user: AuthUser,
    body: web::Json<CloseAccountRequest>,
) -> AppResult<HttpResponse> {
    closing::close_account(&identity, &user, body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
