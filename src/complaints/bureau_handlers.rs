//! The bureau's actions on a case: accept, reject, transfer, assign,
//! close, notes, pause and resume, and recording a termination notice.

use actix_web::{HttpRequest, post, web};
use uuid::Uuid;

use super::dto::*;
use super::{Complaints, closing, transitions};
use crate::auth::{AuthUser, HandlerUser, Role};
use crate::error::{AppResult, ErrorBody};

type View = AppResult<web::Json<ComplaintView>>;

/// Body of actions that take only an optional note.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct OptionalNote {
    pub note: Option<String>,
}

/// Body of actions that take nothing.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct Empty {}

/// Accepts the case (受理); the mediation clock starts.
#[utoipa::path(
    tag = "complaints",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "complaint id")),
    request_body = OptionalNote,
    responses(
        (status = 200, body = ComplaintView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_transition` and other state conflicts", body = ErrorBody),
    )
)]
#[post("/complaints/{id}/accept")]
pub async fn accept(
    svc: web::Data<Complaints>,
    user: HandlerUser,
    id: web::Path<Uuid>,
    body: web::Json<OptionalNote>,
) -> View {
    Ok(web::Json(
        transitions::accept(&svc, &user, id.into_inner(), body.into_inner().note).await?,
    ))
}

/// Rejects the case (不予受理) with a legal ground.
#[utoipa::path(
    operation_id = "reject_complaint",
    tag = "complaints",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "complaint id")),
    request_body = RejectCaseRequest,
    responses(
        (status = 200, body = ComplaintView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_transition` and other state conflicts", body = ErrorBody),
    )
)]
#[post("/complaints/{id}/reject")]
pub async fn reject(
    svc: web::Data<Complaints>,
    user: HandlerUser,
    id: web::Path<Uuid>,
    body: web::Json<RejectCaseRequest>,
) -> View {
    Ok(web::Json(
        transitions::reject(&svc, &user, id.into_inner(), body.into_inner()).await?,
    ))
}

/// Moves the case to another district's queue.
#[utoipa::path(
    tag = "complaints",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "complaint id")),
    request_body = TransferRequest,
    responses(
        (status = 200, body = ComplaintView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_transition` and other state conflicts", body = ErrorBody),
    )
)]
#[post("/complaints/{id}/transfer")]
pub async fn transfer(
    svc: web::Data<Complaints>,
    user: HandlerUser,
    id: web::Path<Uuid>,
    body: web::Json<TransferRequest>,
) -> View {
    Ok(web::Json(
        transitions::transfer(&svc, &user, id.into_inner(), body.into_inner()).await?,
    ))
}

/// Assigns the case to a handler of its district who is not a party to it
/// (a handler of the district, or an admin).
#[utoipa::path(
    tag = "complaints",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "complaint id")),
    request_body = AssignRequest,
    responses(
        (status = 200, body = ComplaintView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_transition` and other state conflicts", body = ErrorBody),
    )
)]
#[post("/complaints/{id}/assign")]
pub async fn assign(
    req: HttpRequest,
    svc: web::Data<Complaints>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: web::Json<AssignRequest>,
) -> View {
    let view = transitions::assign(&svc, &user, id.into_inner(), body.into_inner()).await?;
    // Only a handler or an admin gets here: a staff action either way.
    let role = if user.has_role(Role::Handler) {
        "handler"
    } else {
        "admin"
    };
    crate::audit::middleware::acting_as(&req, user.0.clone(), role);
    Ok(web::Json(view))
}

/// Closes a mediation with its outcome.
#[utoipa::path(
    tag = "complaints",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "complaint id")),
    request_body = CloseRequest,
    responses(
        (status = 200, body = ComplaintView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_transition` and other state conflicts", body = ErrorBody),
    )
)]
#[post("/complaints/{id}/close")]
pub async fn close(
    svc: web::Data<Complaints>,
    user: HandlerUser,
    id: web::Path<Uuid>,
    body: web::Json<CloseRequest>,
) -> View {
    Ok(web::Json(
        closing::close(&svc, &user, id.into_inner(), body.into_inner()).await?,
    ))
}

/// Adds a note to the timeline (internal by default).
#[utoipa::path(
    tag = "complaints",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "complaint id")),
    request_body = NoteRequest,
    responses(
        (status = 200, body = ComplaintView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_transition` and other state conflicts", body = ErrorBody),
    )
)]
#[post("/complaints/{id}/notes")]
pub async fn notes(
    svc: web::Data<Complaints>,
    user: HandlerUser,
    id: web::Path<Uuid>,
    body: web::Json<NoteRequest>,
) -> View {
    Ok(web::Json(
        transitions::add_note(&svc, &user, id.into_inner(), body.into_inner()).await?,
    ))
}

/// Stops the mediation clock for testing or appraisal.
#[utoipa::path(
    tag = "complaints",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "complaint id")),
    request_body = PauseRequest,
    responses(
        (status = 200, body = ComplaintView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_transition` and other state conflicts", body = ErrorBody),
    )
)]
#[post("/complaints/{id}/pause")]
pub async fn pause(
    svc: web::Data<Complaints>,
    user: HandlerUser,
    id: web::Path<Uuid>,
    body: web::Json<PauseRequest>,
) -> View {
    Ok(web::Json(
        transitions::pause(&svc, &user, id.into_inner(), body.into_inner()).await?,
    ))
}

/// Restarts the mediation clock; the deadline moves by the working days it stood still.
#[utoipa::path(
    tag = "complaints",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "complaint id")),
    request_body = Empty,
    responses(
        (status = 200, body = ComplaintView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_transition` and other state conflicts", body = ErrorBody),
    )
)]
#[post("/complaints/{id}/resume")]
pub async fn resume(
    svc: web::Data<Complaints>,
    user: HandlerUser,
    id: web::Path<Uuid>,
    _body: web::Json<Empty>,
) -> View {
    Ok(web::Json(
        transitions::resume(&svc, &user, id.into_inner()).await?,
    ))
}

/// Records that the parties of a terminated case were told by other means
/// (phone, letter) when a WeChat message could not reach them; the notice
/// deadline leaves the queue.
#[utoipa::path(
    tag = "complaints",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "complaint id")),
    request_body = TerminationNoticeRequest,
    responses(
        (status = 200, body = ComplaintView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_transition`: no notice is due", body = ErrorBody),
    )
)]
#[post("/complaints/{id}/termination-notice")]
pub async fn termination_notice(
    svc: web::Data<Complaints>,
    user: HandlerUser,
    id: web::Path<Uuid>,
    body: web::Json<TerminationNoticeRequest>,
) -> View {
    Ok(web::Json(
        closing::record_termination_notice(&svc, &user, id.into_inner(), body.into_inner()).await?,
    ))
}
