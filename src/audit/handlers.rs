use actix_web::{get, web};

use super::dto::{AuditEventView, AuditQuery};
use super::service;
use crate::auth::AdminUser;
use crate::error::{AppResult, ErrorBody};
use crate::pagination::Paginated;
use crate::state::AppState;

/// The audit trail, newest first: who saw whose personal data, and every
/// staff action.
#[utoipa::path(
    operation_id = "list_audit_events",
    tag = "audit",
    security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, body = Paginated<AuditEventView>),
        (status = 403, body = ErrorBody),
    )
)]
#[get("/admin/audit-events")]
pub async fn list_events(
    state: web::Data<AppState>,
    _admin: AdminUser,
    query: web::Query<AuditQuery>,
) -> AppResult<web::Json<Paginated<AuditEventView>>> {
    Ok(web::Json(service::list(&state.db, &query).await?))
}
