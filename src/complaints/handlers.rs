use actix_web::{HttpRequest, HttpResponse, get, patch, post, put, web};
use chrono::Days;
use uuid::Uuid;

use super::dashboard::{DashboardQuery, DashboardView};
use super::dto::*;
use super::{Complaints, attachments, case_view, deadlines, disclosure, filing, party_actions};
use crate::auth::{AdminUser, AuthUser, HandlerUser, MerchantUser};
use crate::calendar::YearTable;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::idempotency;
use crate::pagination::Paginated;

type View = AppResult<web::Json<ComplaintView>>;

/// Complaint categories.
#[utoipa::path(
    operation_id = "complaint_categories",tag = "complaints", responses((status = 200, body = Vec<ComplaintCategoryView>)))]
#[get("/complaints/categories")]
pub async fn categories(
    svc: web::Data<Complaints>,
) -> AppResult<web::Json<Vec<ComplaintCategoryView>>> {
    Ok(web::Json(filing::categories(&svc.db).await?))
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
        (status = 422, description = "`validation_failed`, `idempotency_key_reused`", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
    )
)]
#[post("/complaints")]
pub async fn file(
    svc: web::Data<Complaints>,
    user: AuthUser,
    req: HttpRequest,
    body: web::Json<FileComplaint>,
) -> AppResult<HttpResponse> {
    let key = idempotency::key_from(&req)?;
    let (status, body) = filing::file(&svc, &user, body.into_inner(), key).await?;
    Ok(HttpResponse::build(status).json(body))
}

/// The caller's complaints, newest first.
#[utoipa::path(
    operation_id = "my_complaints",
    tag = "complaints",
    security(("bearer" = [])),
    params(MineQuery),
    responses((status = 200, body = Paginated<ComplaintSummary>))
)]
#[get("/complaints/mine")]
pub async fn mine(
    svc: web::Data<Complaints>,
    user: AuthUser,
    q: web::Query<MineQuery>,
) -> AppResult<web::Json<Paginated<ComplaintSummary>>> {
    Ok(web::Json(case_view::mine(&svc, &user, &q).await?))
}

/// The cases against the caller's merchants, newest first, without
/// complainant data; the case itself is `GET /complaints/{id}`.
#[utoipa::path(
    operation_id = "merchant_complaints",
    tag = "complaints",
    security(("bearer" = [])),
    params(MerchantCaseQuery),
    responses(
        (status = 200, body = Paginated<ComplaintSummary>),
        (status = 403, body = ErrorBody),
    )
)]
#[get("/merchant/complaints")]
pub async fn against_my_merchants(
    svc: web::Data<Complaints>,
    staff: MerchantUser,
    q: web::Query<MerchantCaseQuery>,
) -> AppResult<web::Json<Paginated<ComplaintSummary>>> {
    Ok(web::Json(
        case_view::against_my_merchants(&svc, &staff, &q).await?,
    ))
}

/// The handler's queue, most urgent deadline first, with counts per status.
#[utoipa::path(
    tag = "complaints",
    security(("bearer" = [])),
    params(QueueQuery),
    responses(
        (status = 200, body = QueuePage),
        (status = 403, body = ErrorBody),
    )
)]
#[get("/handler/complaints")]
pub async fn queue(
    svc: web::Data<Complaints>,
    user: HandlerUser,
    q: web::Query<QueueQuery>,
) -> AppResult<web::Json<QueuePage>> {
    Ok(web::Json(super::queue::queue(&svc, &user, &q).await?))
}

/// The handler's dashboard: cases per district and status in their
/// districts, and month by month how many decisions and mediations kept
/// their legal deadline.
#[utoipa::path(
    tag = "complaints",
    security(("bearer" = [])),
    params(DashboardQuery),
    responses(
        (status = 200, body = DashboardView),
        (status = 403, body = ErrorBody),
        (status = 422, description = "`months` outside 1–24", body = ErrorBody),
    )
)]
#[get("/handler/dashboard")]
pub async fn dashboard(
    svc: web::Data<Complaints>,
    user: HandlerUser,
    q: web::Query<DashboardQuery>,
) -> AppResult<web::Json<DashboardView>> {
    Ok(web::Json(
        super::dashboard::dashboard(&svc, &user, &q).await?,
    ))
}

/// Per-merchant complaint figures (no complainant data).
#[utoipa::path(
    tag = "complaints",
    params(DisclosureQuery),
    responses((status = 200, body = DisclosurePage))
)]
#[get("/disclosure/merchants")]
pub async fn disclosure_list(
    svc: web::Data<Complaints>,
    q: web::Query<DisclosureQuery>,
) -> AppResult<web::Json<DisclosurePage>> {
    let today = svc.today();
    let to = q.to.unwrap_or(today);
    let from = q
        .from
        .unwrap_or_else(|| to.checked_sub_days(Days::new(364)).unwrap_or(to));
    if from > to {
        return Err(AppError::bad_request("from 须不晚于 to"));
    }
    let mut items = disclosure::merchants(&svc.db, from, to).await?;
    let min_cases = svc.settings.disclosure_min_cases;
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
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
#[get("/complaints/{id}")]
pub async fn get(svc: web::Data<Complaints>, user: AuthUser, id: web::Path<Uuid>) -> View {
    Ok(web::Json(
        case_view::get(&svc, &user, id.into_inner()).await?,
    ))
}

/// Adds an evidence photo: the request body is the JPEG or PNG itself
/// (`wx.request` with an ArrayBuffer), at most 5 MB, at most 9 per case.
#[utoipa::path(
    tag = "complaints",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "complaint id"), UploadQuery),
    request_body(content = Vec<u8>, content_type = "image/jpeg"),
    responses(
        (status = 201, body = attachments::AttachmentView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`too_many_attachments`", body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, description = "not a readable JPEG or PNG", body = ErrorBody),
    )
)]
#[post("/complaints/{id}/attachments")]
pub async fn upload_attachment(
    svc: web::Data<Complaints>,
    user: AuthUser,
    id: web::Path<Uuid>,
    query: web::Query<UploadQuery>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let saved = attachments::upload(
        &svc,
        &user,
        id.into_inner(),
        &body,
        query.shared_with_merchant,
    )
    .await?;
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
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
#[get("/complaints/{id}/attachments/{attachment_id}")]
pub async fn attachment(
    svc: web::Data<Complaints>,
    user: AuthUser,
    path: web::Path<(Uuid, Uuid)>,
) -> AppResult<HttpResponse> {
    let (id, attachment_id) = path.into_inner();
    let (content_type, bytes) = attachments::fetch(&svc, &user, id, attachment_id).await?;
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("Cache-Control", "private, max-age=3600"))
        .body(bytes))
}

/// The complainant shares a photo with the respondent's staff, or stops.
#[utoipa::path(
    tag = "complaints",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "complaint id"),
        ("attachment_id" = Uuid, Path, description = "attachment id"),
    ),
    request_body = AttachmentSharing,
    responses(
        (status = 200, body = attachments::AttachmentView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
#[patch("/complaints/{id}/attachments/{attachment_id}")]
pub async fn share_attachment(
    svc: web::Data<Complaints>,
    user: AuthUser,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<AttachmentSharing>,
) -> AppResult<web::Json<attachments::AttachmentView>> {
    let (id, attachment_id) = path.into_inner();
    Ok(web::Json(
        attachments::set_sharing(&svc, &user, id, attachment_id, body.shared_with_merchant).await?,
    ))
}

/// The complainant or the respondent's staff end an ODR merchant's
/// direct-settlement window now; the bureau's seven working days start.
#[utoipa::path(
    tag = "complaints",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "complaint id")),
    request_body = EscalateRequest,
    responses(
        (status = 200, body = ComplaintView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_transition`: not in the merchant's window", body = ErrorBody),
    )
)]
#[post("/complaints/{id}/escalate")]
pub async fn escalate(
    req: HttpRequest,
    svc: web::Data<Complaints>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: web::Json<EscalateRequest>,
) -> View {
    let view = party_actions::escalate(&svc, &user, id.into_inner(), body.into_inner()).await?;
    // The respondent's staff escalating act for their merchant.
    if view
        .respondent
        .merchant_id
        .is_some_and(|m| user.is_staff_of(m))
    {
        crate::audit::middleware::acting_as(&req, user.0.clone(), "merchant");
    }
    Ok(web::Json(view))
}

/// The complainant withdraws the case.
#[utoipa::path(
    tag = "complaints",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "complaint id")),
    request_body = WithdrawRequest,
    responses(
        (status = 200, body = ComplaintView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_transition` and other state conflicts", body = ErrorBody),
    )
)]
#[post("/complaints/{id}/withdraw")]
pub async fn withdraw(
    svc: web::Data<Complaints>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: web::Json<WithdrawRequest>,
) -> View {
    Ok(web::Json(
        party_actions::withdraw(&svc, &user, id.into_inner(), body.into_inner()).await?,
    ))
}

/// The respondent merchant answers or proposes a settlement.
#[utoipa::path(
    tag = "complaints",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "complaint id")),
    request_body = MerchantResponseRequest,
    responses(
        (status = 200, body = ComplaintView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_transition` and other state conflicts", body = ErrorBody),
    )
)]
#[post("/complaints/{id}/merchant-response")]
pub async fn merchant_response(
    svc: web::Data<Complaints>,
    user: MerchantUser,
    id: web::Path<Uuid>,
    body: web::Json<MerchantResponseRequest>,
) -> View {
    Ok(web::Json(
        party_actions::merchant_response(&svc, &user, id.into_inner(), body.into_inner()).await?,
    ))
}

/// The complainant accepts or declines the merchant's proposal.
#[utoipa::path(
    tag = "complaints",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "complaint id")),
    request_body = SettlementRequest,
    responses(
        (status = 200, body = ComplaintView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_transition` and other state conflicts", body = ErrorBody),
    )
)]
#[post("/complaints/{id}/settlement")]
pub async fn settlement(
    svc: web::Data<Complaints>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: web::Json<SettlementRequest>,
) -> View {
    Ok(web::Json(
        party_actions::settlement(&svc, &user, id.into_inner(), body.into_inner()).await?,
    ))
}

/// The complainant rates the handling after closing (once).
#[utoipa::path(
    tag = "complaints",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "complaint id")),
    request_body = RatingRequest,
    responses(
        (status = 200, body = ComplaintView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_transition` and other state conflicts", body = ErrorBody),
    )
)]
#[post("/complaints/{id}/rating")]
pub async fn rating(
    svc: web::Data<Complaints>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: web::Json<RatingRequest>,
) -> View {
    Ok(web::Json(
        party_actions::rate(&svc, &user, id.into_inner(), body.into_inner()).await?,
    ))
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CalendarLoaded {
    pub year: i32,
    pub days_off: usize,
    pub makeup_days: usize,
    /// Running cases whose provisional deadlines were recomputed.
    pub recomputed: u64,
}

/// Loads a year's official working-day calendar (the State Council notice);
/// provisional deadlines are recomputed at once.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("year" = i32, Path, description = "calendar year")),
    request_body = YearTable,
    responses(
        (status = 200, body = CalendarLoaded),
        (status = 403, body = ErrorBody),
    )
)]
#[put("/admin/calendar/{year}")]
pub async fn load_calendar_year(
    svc: web::Data<Complaints>,
    _admin: AdminUser,
    year: web::Path<i32>,
    body: web::Json<YearTable>,
) -> AppResult<web::Json<CalendarLoaded>> {
    let table = body.into_inner();
    if table.year != year.into_inner() {
        return Err(AppError::invalid_field("year", "does_not_match_path"));
    }
    let recomputed = deadlines::load_calendar_year(&svc, &table).await?;
    Ok(web::Json(CalendarLoaded {
        year: table.year,
        days_off: table.days_off.len(),
        makeup_days: table.makeup_days.len(),
        recomputed,
    }))
}
