use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use uuid::Uuid;
use validator::Validate;

use super::dto::*;
use super::review::{self, Decision};
use super::rules::RuleSet;
use super::{TradeIn, applications, offers, pickups, quotes, rule_sets};
use crate::auth::{AdminUser, AuthUser, MerchantUser, Role};
use crate::error::{AppResult, ErrorBody};
use crate::idempotency;
use crate::pagination::{PageQuery, Paginated};

/// Appliance and digital categories with the subsidy rule in force today.
#[utoipa::path(
    operation_id = "trade_in_categories",tag = "trade-in", responses((status = 200, body = Vec<TradeInCategory>)))]
#[get("/trade-in/categories")]
pub async fn categories(svc: web::Data<TradeIn>) -> AppResult<web::Json<Vec<TradeInCategory>>> {
    Ok(web::Json(quotes::categories(&svc).await?))
}

/// What a purchase earns and why: rate, cap, the rule applied, or the reason it earns nothing.
#[utoipa::path(
    tag = "trade-in",
    params(QuoteQuery),
    responses(
        (status = 200, body = QuoteView),
        (status = 422, description = "`validation_failed`: unknown category, price or grade out of range", body = ErrorBody),
    )
)]
#[get("/trade-in/quote")]
pub async fn quote(
    svc: web::Data<TradeIn>,
    q: web::Query<QuoteQuery>,
) -> AppResult<web::Json<QuoteView>> {
    Ok(web::Json(quotes::quote(&svc, &q).await?))
}

/// Every subsidy rule set, the latest start first, with whether it is in force today.
#[utoipa::path(
    tag = "trade-in",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<RuleSetView>), (status = 403, body = ErrorBody))
)]
#[get("/admin/trade-in/rule-sets")]
pub async fn list_rule_sets(
    svc: web::Data<TradeIn>,
    _admin: AdminUser,
) -> AppResult<web::Json<Vec<RuleSetView>>> {
    Ok(web::Json(rule_sets::list(&svc).await?))
}

/// Publishes a rule set (a new programme year): same shape as
/// `seeds/trade_in_rules.json`. The same set sent again answers 200.
#[utoipa::path(
    tag = "trade-in",
    security(("bearer" = [])),
    request_body = RuleSet,
    responses(
        (status = 201, body = RuleSetView),
        (status = 200, description = "the same set was already published (a retry)", body = RuleSetView),
        (status = 403, body = ErrorBody),
        (status = 409, description = "`rule_set_exists`: another set has this code", body = ErrorBody),
        (status = 422, description = "`validation_failed`: a window overlapping another set of its kind, rates, caps or quotas out of range, unknown categories", body = ErrorBody),
    )
)]
#[post("/admin/trade-in/rule-sets")]
pub async fn publish_rule_set(
    svc: web::Data<TradeIn>,
    _admin: AdminUser,
    body: web::Json<RuleSet>,
) -> AppResult<HttpResponse> {
    let (status, view) = rule_sets::publish(&svc, body.into_inner()).await?;
    Ok(HttpResponse::build(status).json(view))
}

/// Sets the last day of a rule set's window (today or later).
#[utoipa::path(
    tag = "trade-in",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "rule set code")),
    request_body = EndRuleSet,
    responses(
        (status = 200, body = RuleSetView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "`validation_failed`: in the past, before the start, or overlapping another set", body = ErrorBody),
    )
)]
#[patch("/admin/trade-in/rule-sets/{code}")]
pub async fn end_rule_set(
    svc: web::Data<TradeIn>,
    _admin: AdminUser,
    code: web::Path<String>,
    body: web::Json<EndRuleSet>,
) -> AppResult<web::Json<RuleSetView>> {
    Ok(web::Json(
        rule_sets::end(&svc, &code, body.into_inner()).await?,
    ))
}

/// Lists a trade-in offer at one of the caller's shops. Send an
/// `Idempotency-Key`: a retry does not list it twice.
#[utoipa::path(
    tag = "trade-in",
    security(("bearer" = [])),
    request_body = NewOffer,
    params(("Idempotency-Key" = Option<String>, Header, description = "retry-safe key")),
    responses(
        (status = 201, body = OfferView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
#[post("/merchant/trade-in-offers")]
pub async fn create_offer(
    svc: web::Data<TradeIn>,
    staff: MerchantUser,
    req: HttpRequest,
    body: web::Json<NewOffer>,
) -> AppResult<HttpResponse> {
    let key = idempotency::key_from(&req)?;
    let input = body.into_inner();
    input.validate()?;
    let (status, body) = offers::create(&svc, &staff, input, key).await?;
    Ok(HttpResponse::build(status).json(body))
}

/// The caller's merchants' offers, including withdrawn and ended ones.
#[utoipa::path(
    tag = "trade-in",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<OfferView>), (status = 403, body = ErrorBody))
)]
#[get("/merchant/trade-in-offers")]
pub async fn my_offers(
    svc: web::Data<TradeIn>,
    staff: MerchantUser,
) -> AppResult<web::Json<Vec<OfferView>>> {
    Ok(web::Json(offers::of_merchant(&svc, &staff).await?))
}

/// Withdraws an offer; searches stop showing it at once.
#[utoipa::path(
    tag = "trade-in",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "offer id")),
    responses((status = 200, body = OfferView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[delete("/merchant/trade-in-offers/{id}")]
pub async fn withdraw_offer(
    svc: web::Data<TradeIn>,
    staff: MerchantUser,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<OfferView>> {
    Ok(web::Json(
        offers::withdraw(&svc, &staff, id.into_inner()).await?,
    ))
}

/// Offers running now, by category and district; nearest first around `lat`/`lng`.
#[utoipa::path(
    tag = "trade-in",
    params(OfferQuery),
    responses((status = 200, body = Paginated<OfferView>))
)]
#[get("/trade-in-offers")]
pub async fn search_offers(
    svc: web::Data<TradeIn>,
    q: web::Query<OfferQuery>,
) -> AppResult<web::Json<Paginated<OfferView>>> {
    Ok(web::Json(offers::search(&svc, &q).await?))
}

/// Applies for the subsidy on a purchase; the server computes it. Send an
/// `Idempotency-Key`: a retry returns the first answer.
#[utoipa::path(
    operation_id = "apply_for_trade_in",
    tag = "trade-in",
    security(("bearer" = [])),
    request_body = NewApplication,
    params(("Idempotency-Key" = Option<String>, Header, description = "retry-safe key")),
    responses(
        (status = 201, body = ApplicationView),
        (status = 404, description = "the recycling pickup is not the caller's", body = ErrorBody),
        (status = 409, description = "`quota_used`, `invoice_used`, `serial_used`, `pickup_already_linked`, `pickup_not_usable`, `try_again`", body = ErrorBody),
        (status = 422, description = "`not_eligible` (details.reason), `outside_programme_window`, `price_above_offer`, `validation_failed`, `idempotency_key_reused`", body = ErrorBody),
    )
)]
#[post("/trade-in/applications")]
pub async fn apply(
    svc: web::Data<TradeIn>,
    user: AuthUser,
    req: HttpRequest,
    body: web::Json<NewApplication>,
) -> AppResult<HttpResponse> {
    let key = idempotency::key_from(&req)?;
    let input = body.into_inner();
    input.validate()?;
    let (status, body) = applications::apply(&svc, &user, input, key).await?;
    Ok(HttpResponse::build(status).json(body))
}

/// The caller's applications, newest first.
#[utoipa::path(
    tag = "trade-in",
    security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, body = Paginated<ApplicationView>))
)]
#[get("/trade-in/applications/mine")]
pub async fn my_applications(
    svc: web::Data<TradeIn>,
    user: AuthUser,
    q: web::Query<PageQuery>,
) -> AppResult<web::Json<Paginated<ApplicationView>>> {
    Ok(web::Json(applications::mine(&svc, &user, q.page()?).await?))
}

/// One application: its applicant, the seller's staff and admins.
#[utoipa::path(
    tag = "trade-in",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "application id")),
    responses((status = 200, body = ApplicationView), (status = 404, body = ErrorBody))
)]
#[get("/trade-in/applications/{id}")]
pub async fn get_application(
    svc: web::Data<TradeIn>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<ApplicationView>> {
    Ok(web::Json(
        applications::get(&svc, &user, id.into_inner()).await?,
    ))
}

/// The seller (or an admin) records a refund; the quota stays used.
#[utoipa::path(
    tag = "trade-in",
    security(("bearer" = [])),
    request_body = ReasonBody,
    params(("id" = Uuid, Path, description = "application id")),
    responses(
        (status = 200, body = ApplicationView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_transition`", body = ErrorBody),
    )
)]
#[post("/trade-in/applications/{id}/refund")]
pub async fn refund(
    svc: web::Data<TradeIn>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: web::Json<ReasonBody>,
) -> AppResult<web::Json<ApplicationView>> {
    let input = body.into_inner();
    input.validate()?;
    Ok(web::Json(
        review::refund(&svc, &user, id.into_inner(), input.reason).await?,
    ))
}

/// The review queue, oldest first: `status`, `category`.
#[utoipa::path(
    operation_id = "trade_in_review_queue",
    tag = "trade-in",
    security(("bearer" = [])),
    params(ApplicationQuery),
    responses((status = 200, body = Paginated<ApplicationView>),  (status = 403, body = ErrorBody))
)]
#[get("/admin/trade-in/applications")]
pub async fn review_queue(
    svc: web::Data<TradeIn>,
    _admin: AdminUser,
    q: web::Query<ApplicationQuery>,
) -> AppResult<web::Json<Paginated<ApplicationView>>> {
    let q = q.into_inner();
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor.clone(),
    }
    .page()?;
    Ok(web::Json(review::review_queue(&svc, &q, page).await?))
}

/// Applications naming the caller's merchants, newest first: find one by
/// `invoice_no` to record a refund.
#[utoipa::path(
    tag = "trade-in",
    security(("bearer" = [])),
    params(ApplicationQuery),
    responses((status = 200, body = Paginated<ApplicationView>),  (status = 403, body = ErrorBody))
)]
#[get("/merchant/trade-in/applications")]
pub async fn merchant_applications(
    svc: web::Data<TradeIn>,
    staff: MerchantUser,
    q: web::Query<ApplicationQuery>,
) -> AppResult<web::Json<Paginated<ApplicationView>>> {
    let q = q.into_inner();
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor.clone(),
    }
    .page()?;
    Ok(web::Json(
        review::of_merchant(&svc, &staff, &q, page).await?,
    ))
}

/// Approves a pending application.
#[utoipa::path(
    operation_id = "approve_trade_in_application",
    tag = "trade-in",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "application id")),
    responses(
        (status = 200, body = ApplicationView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`already_reviewed`", body = ErrorBody),
    )
)]
#[post("/admin/trade-in/applications/{id}/approve")]
pub async fn approve(
    svc: web::Data<TradeIn>,
    admin: AdminUser,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<ApplicationView>> {
    Ok(web::Json(
        review::review(&svc, &admin, id.into_inner(), Decision::Approve).await?,
    ))
}

/// Rejects a pending application with a reason; its quota, invoice and serial are freed.
#[utoipa::path(
    operation_id = "reject_trade_in_application",
    tag = "trade-in",
    security(("bearer" = [])),
    request_body = ReasonBody,
    params(("id" = Uuid, Path, description = "application id")),
    responses(
        (status = 200, body = ApplicationView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`already_reviewed`", body = ErrorBody),
    )
)]
#[post("/admin/trade-in/applications/{id}/reject")]
pub async fn reject(
    svc: web::Data<TradeIn>,
    admin: AdminUser,
    id: web::Path<Uuid>,
    body: web::Json<ReasonBody>,
) -> AppResult<web::Json<ApplicationView>> {
    let input = body.into_inner();
    input.validate()?;
    Ok(web::Json(
        review::review(
            &svc,
            &admin,
            id.into_inner(),
            Decision::Reject(input.reason),
        )
        .await?,
    ))
}

/// A district's pickup slots on a day and what is left in each.
#[utoipa::path(
    tag = "recycling",
    params(SlotQuery),
    responses((status = 200, body = Vec<SlotView>), (status = 422, description = "`validation_failed`: a date or district out of range", body = ErrorBody))
)]
#[get("/recycling/slots")]
pub async fn slots(
    svc: web::Data<TradeIn>,
    q: web::Query<SlotQuery>,
) -> AppResult<web::Json<Vec<SlotView>>> {
    Ok(web::Json(pickups::availability(&svc, &q).await?))
}

/// Sets how many pickups a district's slot takes per day.
#[utoipa::path(
    tag = "recycling",
    security(("bearer" = [])),
    request_body = SlotCapacity,
    responses((status = 200, body = Vec<SlotView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[put("/admin/recycling/slots")]
pub async fn set_capacity(
    svc: web::Data<TradeIn>,
    _admin: AdminUser,
    body: web::Json<SlotCapacity>,
) -> AppResult<web::Json<Vec<SlotView>>> {
    let input = body.into_inner();
    input.validate()?;
    Ok(web::Json(pickups::set_capacity(&svc, input).await?))
}

/// Books an old-appliance pickup. Send an `Idempotency-Key`: a retry does not take a second seat.
#[utoipa::path(
    tag = "recycling",
    security(("bearer" = [])),
    request_body = NewPickup,
    params(("Idempotency-Key" = Option<String>, Header, description = "retry-safe key")),
    responses(
        (status = 201, body = PickupView),
        (status = 409, description = "`slot_full`", body = ErrorBody),
        (status = 422, description = "`validation_failed` (`unknown_slot`, `date_past`, `slot_closed_for_booking`, ...), `idempotency_key_reused`", body = ErrorBody),
    )
)]
#[post("/recycling/pickups")]
pub async fn book_pickup(
    svc: web::Data<TradeIn>,
    user: AuthUser,
    req: HttpRequest,
    body: web::Json<NewPickup>,
) -> AppResult<HttpResponse> {
    let key = idempotency::key_from(&req)?;
    let input = body.into_inner();
    input.validate()?;
    let (status, body) = pickups::book(&svc, &user, input, key).await?;
    Ok(HttpResponse::build(status).json(body))
}

/// The caller's pickups, newest first.
#[utoipa::path(
    tag = "recycling",
    security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, body = Paginated<PickupView>))
)]
#[get("/recycling/pickups/mine")]
pub async fn my_pickups(
    svc: web::Data<TradeIn>,
    user: AuthUser,
    q: web::Query<PageQuery>,
) -> AppResult<web::Json<Paginated<PickupView>>> {
    Ok(web::Json(pickups::mine(&svc, &user, q.page()?).await?))
}

/// Cancels the caller's scheduled pickup; its seat is freed.
#[utoipa::path(
    tag = "recycling",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "pickup id")),
    responses((status = 200, body = PickupView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody))
)]
#[post("/recycling/pickups/{id}/cancel")]
pub async fn cancel_pickup(
    svc: web::Data<TradeIn>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<PickupView>> {
    Ok(web::Json(
        pickups::cancel(&svc, &user, id.into_inner()).await?,
    ))
}

/// A day's pickups: a recycler sees the districts of its recycling shops, an admin all.
#[utoipa::path(
    tag = "recycling",
    security(("bearer" = [])),
    params(RouteQuery),
    responses((status = 200, body = Vec<PickupView>),  (status = 403, body = ErrorBody))
)]
#[get("/recycling/pickups")]
pub async fn round(
    svc: web::Data<TradeIn>,
    user: AuthUser,
    q: web::Query<RouteQuery>,
) -> AppResult<web::Json<Vec<PickupView>>> {
    Ok(web::Json(pickups::round(&svc, &user, &q).await?))
}

/// The recycler (or an admin) collected the old units; a linked application gains the recycling extra.
#[utoipa::path(
    tag = "recycling",
    security(("bearer" = [])),
    request_body = HandlePickup,
    params(("id" = Uuid, Path, description = "pickup id")),
    responses((status = 200, body = PickupView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "`invalid_transition`", body = ErrorBody))
)]
#[post("/recycling/pickups/{id}/collect")]
pub async fn collect(
    req: HttpRequest,
    svc: web::Data<TradeIn>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Option<web::Json<HandlePickup>>,
) -> AppResult<web::Json<PickupView>> {
    let note = note_of(body)?;
    let view = pickups::collect(&svc, &user, id.into_inner(), note).await?;
    staff_capacity(&req, &user);
    Ok(web::Json(view))
}

/// Nobody was there once the slot began; a linked application loses the recycling extra.
#[utoipa::path(
    tag = "recycling",
    security(("bearer" = [])),
    request_body = HandlePickup,
    params(("id" = Uuid, Path, description = "pickup id")),
    responses((status = 200, body = PickupView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "`invalid_transition`, `too_early`", body = ErrorBody))
)]
#[post("/recycling/pickups/{id}/miss")]
pub async fn miss(
    req: HttpRequest,
    svc: web::Data<TradeIn>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Option<web::Json<HandlePickup>>,
) -> AppResult<web::Json<PickupView>> {
    let note = note_of(body)?;
    let view = pickups::miss(&svc, &user, id.into_inner(), note).await?;
    staff_capacity(&req, &user);
    Ok(web::Json(view))
}

/// Only a recycler's staff or an admin get this far: a staff action.
fn staff_capacity(req: &HttpRequest, user: &AuthUser) {
    let role = if user.has_role(Role::Merchant) {
        "merchant"
    } else {
        "admin"
    };
    crate::audit::middleware::acting_as(req, user.0.clone(), role);
}

fn note_of(body: Option<web::Json<HandlePickup>>) -> AppResult<Option<String>> {
    let Some(body) = body else {
        return Ok(None);
    };
    let input = body.into_inner();
    input.validate()?;
    Ok(input
        .note
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty()))
}
