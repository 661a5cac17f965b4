use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::Days;
use uuid::Uuid;

use super::disclosure;
use super::dto::*;
use super::service;
use crate::auth::{AuthUser, HandlerUser};
use crate::error::{AppError, AppResult, ErrorBody};
use crate::idempotency;
use crate::pagination::Paginated;
use crate::state::AppState;

type View = AppResult<web::Json<ComplaintView>>;

/// Complaint categories.
#[utoipa::path(tag = "complaints", responses((status = 200, body = Vec<CategoryView>)))]
#[get("/complaints/categories")]
pub async fn categories(state: web::Data<AppState>) -> AppResult<web::Json<Vec<CategoryView>>> {
    Ok(web::Json(service::categories(&state.db).await?))
}

/// Files a complaint. Send an `Idempotency-Key` so a retry on a flaky
/// network files it once.
#[utoipa::path(
    tag = "complaints",
    security(("bearer" = [])),
    request_body = FileComplaint,
    params(("Idempotency-Key" = Option<String>, Header, description = "retry-safe key")),
    responses(
        (status = 201, body = Filed),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 422, description = "`validation_failed`, `idempotency_key_reused`", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
    )
)]
#[post("/complaints")]
pub async fn file(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    body: web::Json<FileComplaint>,
) -> AppResult<HttpResponse> {
    let key = idempotency::key_from(&req)?;
    let (status, body) = service::file(&state, &user, body.into_inner(), key).await?;
    Ok(HttpResponse::build(status).json(body))
}

/// The caller's complaints, newest first.
#[utoipa::path(
    tag = "complaints",
    security(("bearer" = [])),
    params(MineQuery),
    responses((status = 200, body = Paginated<ComplaintSummary>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody))
)]
#[get("/complaints/mine")]
pub async fn mine(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<MineQuery>,
) -> AppResult<web::Json<Paginated<ComplaintSummary>>> {
    Ok(web::Json(service::mine(&state, &user, &q).await?))
}

/// The handler's queue, most urgent deadline first, with counts per status.
#[utoipa::path(
    tag = "complaints",
    security(("bearer" = [])),
    params(QueueQuery),
    responses(
        (status = 200, body = QueuePage),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    )
)]
#[get("/handler/complaints")]
pub async fn queue(
    state: web::Data<AppState>,
    user: HandlerUser,
    q: web::Query<QueueQuery>,
) -> AppResult<web::Json<QueuePage>> {
    Ok(web::Json(service::queue(&state, &user, &q).await?))
}

/// Per-merchant complaint figures (no complainant data).
#[utoipa::path(
    tag = "complaints",
    params(DisclosureQuery),
    responses((status = 200, body = DisclosurePage), (status = 400, body = ErrorBody))
)]
#[get("/disclosure/merchants")]
pub async fn disclosure_list(
    state: web::Data<AppState>,
    q: web::Query<DisclosureQuery>,
) -> AppResult<web::Json<DisclosurePage>> {
    let today = state.clock.now_local().date_naive();
    let to = q.to.unwrap_or(today);
    let from = q
        .from
        .unwrap_or_else(|| to.checked_sub_days(Days::new(364)).unwrap_or(to));
    if from > to {
        return Err(AppError::bad_request("from 须不晚于 to"));
    }
    let mut items = disclosure::merchants(&state.db, from, to).await?;
    let min_cases = state.config.disclosure_min_cases;
    items.retain(|m| {
        m.complaints >= min_cases
            && q.district_code
                .as_ref()
                .is_none_or(|d| &m.district_code == d)
    });
    if !disclosure::sort(&mut items, q.sort.as_deref().unwrap_or("complaints")) {
        return Err(AppError::bad_request(
            "sort 须为 complaints、mediation_success_rate、direct_settlement_rate 或 growth",
        ));
    }
    Ok(web::Json(DisclosurePage {
        from,
        to,
        min_cases,
        items,
    }))
}

/// One case with its timeline. Personal data is masked except for the
/// handlers of its district; internal notes only for handlers.
#[utoipa::path(
    tag = "complaints",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "complaint id")),
    responses(
        (status = 200, body = ComplaintView),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
#[get("/complaints/{id}")]
pub async fn get(state: web::Data<AppState>, user: AuthUser, id: web::Path<Uuid>) -> View {
    Ok(web::Json(
        service::get(&state, &user, id.into_inner()).await?,
    ))
}

/// Adds an evidence photo: the request body is the JPEG or PNG itself
/// (`wx.request` with an ArrayBuffer), at most 5 MB, at most 9 per case.
#[utoipa::path(
    tag = "complaints",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "complaint id")),
    request_body(content = Vec<u8>, content_type = "image/jpeg"),
    responses(
        (status = 201, body = super::attachments::AttachmentView),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`too_many_attachments`", body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, description = "not a JPEG or PNG", body = ErrorBody),
    )
)]
#[post("/complaints/{id}/attachments")]
pub async fn upload_attachment(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let saved = super::attachments::upload(&state, &user, id.into_inner(), &body).await?;
    Ok(HttpResponse::Created().json(saved))
}

/// An evidence photo, for those who may see the case.
#[utoipa::path(
    tag = "complaints",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "complaint id"),
        ("attachment_id" = Uuid, Path, description = "attachment id"),
    ),
    responses(
        (status = 200, content_type = "image/jpeg", body = Vec<u8>),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
#[get("/complaints/{id}/attachments/{attachment_id}")]
pub async fn attachment(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(Uuid, Uuid)>,
) -> AppResult<HttpResponse> {
    let (id, attachment_id) = path.into_inner();
    let (content_type, bytes) = super::attachments::fetch(&state, &user, id, attachment_id).await?;
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("Cache-Control", "private, max-age=3600"))
        .body(bytes))
}

macro_rules! action {
    ($(#[$doc:meta])* $name:ident, $path:literal, $who:ty, $body:ty, |$state:ident, $user:ident, $id:ident, $input:ident| $call:expr) => {
        $(#[$doc])*
        #[utoipa::path(
            tag = "complaints",
            security(("bearer" = [])),
            params(("id" = Uuid, Path, description = "complaint id")),
            request_body = $body,
            responses(
                (status = 200, body = ComplaintView),
                (status = 400, body = ErrorBody),
                (status = 401, body = ErrorBody),
                (status = 403, body = ErrorBody),
                (status = 404, body = ErrorBody),
                (status = 409, description = "`invalid_transition` and other state conflicts", body = ErrorBody),
                (status = 422, body = ErrorBody),
            )
        )]
        #[post($path)]
        pub async fn $name(state: web::Data<AppState>, user: $who, id: web::Path<Uuid>, body: web::Json<$body>) -> View {
            let ($state, $user, $id, $input) = (&state, &user, id.into_inner(), body.into_inner());
            Ok(web::Json($call.await?))
        }
    };
}

/// Body of actions that take only an optional note.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct OptionalNote {
    pub note: Option<String>,
}

/// Body of actions that take nothing.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct Empty {}

action!(
    /// Accepts the case (受理); the mediation clock starts.
    accept, "/complaints/{id}/accept", HandlerUser, OptionalNote,
    |s, u, id, b| service::accept(s, u, id, b.note)
);
action!(
    /// Rejects the case (不予受理) with a legal ground.
    reject, "/complaints/{id}/reject", HandlerUser, RejectRequest,
    |s, u, id, b| service::reject(s, u, id, b)
);
action!(
    /// Moves the case to another district's queue.
    transfer, "/complaints/{id}/transfer", HandlerUser, TransferRequest,
    |s, u, id, b| service::transfer(s, u, id, b)
);
action!(
    /// Assigns the case to a handler of its district.
    assign, "/complaints/{id}/assign", HandlerUser, AssignRequest,
    |s, u, id, b| service::assign(s, u, id, b)
);
action!(
    /// Closes a mediation with its outcome.
    close, "/complaints/{id}/close", HandlerUser, CloseRequest,
    |s, u, id, b| service::close(s, u, id, b)
);
action!(
    /// Adds a note to the timeline (internal by default).
    notes, "/complaints/{id}/notes", HandlerUser, NoteRequest,
    |s, u, id, b| service::add_note(s, u, id, b)
);
action!(
    /// Stops the mediation clock for testing or appraisal.
    pause, "/complaints/{id}/pause", HandlerUser, PauseRequest,
    |s, u, id, b| service::pause(s, u, id, b)
);
action!(
    /// Restarts the mediation clock; the deadline moves by the working days it stood still.
    resume, "/complaints/{id}/resume", HandlerUser, Empty,
    |s, u, id, _b| service::resume(s, u, id)
);
action!(
    /// The complainant withdraws the case.
    withdraw, "/complaints/{id}/withdraw", AuthUser, WithdrawRequest,
    |s, u, id, b| service::withdraw(s, u, id, b)
);
action!(
    /// The respondent merchant answers or proposes a settlement.
    merchant_response, "/complaints/{id}/merchant-response", AuthUser, MerchantResponseRequest,
    |s, u, id, b| service::merchant_response(s, u, id, b)
);
action!(
    /// The complainant accepts or declines the merchant's proposal.
    settlement, "/complaints/{id}/settlement", AuthUser, SettlementRequest,
    |s, u, id, b| service::settlement(s, u, id, b)
);
action!(
    /// The complainant rates the handling after closing (once).
    rating, "/complaints/{id}/rating", AuthUser, RatingRequest,
    |s, u, id, b| service::rate(s, u, id, b)
);
