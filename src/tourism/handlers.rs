use actix_web::{HttpResponse, get, patch, post, web};
use uuid::Uuid;
use validator::Validate;

use super::dto::*;
use super::{
    Tourism, catalogue_admin, event_admin, event_calendar, route_admin, route_search, rules,
};
use crate::auth::AdminUser;
use crate::error::{AppResult, ErrorBody};
use crate::pagination::PageQuery;

/// Route themes.
#[utoipa::path(tag = "tourism", responses((status = 200, body = Vec<Code>)))]
#[get("/tourism/themes")]
pub async fn themes() -> web::Json<Vec<Code>> {
    web::Json(
        rules::THEMES
            .iter()
            .map(|(code, name)| Code { code, name })
            .collect(),
    )
}

/// Published routes: by theme, district, days (`days` exact, `max_days` at
/// most) and words in the title, summary or stop names.
#[utoipa::path(
    tag = "tourism",
    params(RouteQuery),
    responses((status = 200, body = RoutePage), (status = 422, description = "`validation_failed`: a filter out of range", body = ErrorBody))
)]
#[get("/tourism/routes")]
pub async fn list_routes(
    svc: web::Data<Tourism>,
    q: web::Query<RouteQuery>,
) -> AppResult<web::Json<RoutePage>> {
    Ok(web::Json(route_search::list_routes(&svc, &q).await?))
}

/// A route with its stops in order and, at each stop, shops open now within
/// a 15-minute walk.
#[utoipa::path(
    tag = "tourism",
    params(("id" = Uuid, Path, description = "route id"), CoordQuery),
    responses((status = 200, body = RouteDetail), (status = 404, body = ErrorBody))
)]
#[get("/tourism/routes/{id}")]
pub async fn get_route(
    svc: web::Data<Tourism>,
    id: web::Path<Uuid>,
    q: web::Query<CoordQuery>,
) -> AppResult<web::Json<RouteDetail>> {
    Ok(web::Json(
        route_search::get_route(&svc, id.into_inner(), q.coord).await?,
    ))
}

/// Every route, unpublished ones included, newest first: what the console
/// lists to edit.
#[utoipa::path(
    tag = "tourism",
    security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, body = RoutePage), (status = 403, body = ErrorBody))
)]
#[get("/admin/tourism/routes")]
pub async fn admin_list_routes(
    svc: web::Data<Tourism>,
    _admin: AdminUser,
    q: web::Query<PageQuery>,
) -> AppResult<web::Json<RoutePage>> {
    Ok(web::Json(
        catalogue_admin::all_routes(&svc, q.into_inner()).await?,
    ))
}

/// A route to edit, published or not, with its stops (GCJ-02).
#[utoipa::path(
    tag = "tourism",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "route id")),
    responses((status = 200, body = RouteDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[get("/admin/tourism/routes/{id}")]
pub async fn admin_get_route(
    svc: web::Data<Tourism>,
    _admin: AdminUser,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<RouteDetail>> {
    Ok(web::Json(
        catalogue_admin::route_for_edit(&svc, id.into_inner()).await?,
    ))
}

/// Creates a route (published unless `published: false`).
#[utoipa::path(
    tag = "tourism",
    security(("bearer" = [])),
    request_body = NewRoute,
    responses(
        (status = 201, body = RouteDetail),
        (status = 403, body = ErrorBody),
        (status = 422, description = "`validation_failed`: stops out of order or with gaps, outside the region, unknown theme, district or shop", body = ErrorBody),
    )
)]
#[post("/admin/tourism/routes")]
pub async fn create_route(
    svc: web::Data<Tourism>,
    admin: AdminUser,
    body: web::Json<NewRoute>,
) -> AppResult<HttpResponse> {
    let input = body.into_inner();
    input.validate()?;
    Ok(HttpResponse::Created().json(route_admin::create_route(&svc, &admin, input).await?))
}

/// Edits a route; `stops` replaces them all; `published: false` unpublishes it.
#[utoipa::path(
    tag = "tourism",
    security(("bearer" = [])),
    request_body = RouteChanges,
    params(("id" = Uuid, Path, description = "route id")),
    responses(
        (status = 200, body = RouteDetail),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
#[patch("/admin/tourism/routes/{id}")]
pub async fn update_route(
    svc: web::Data<Tourism>,
    _admin: AdminUser,
    id: web::Path<Uuid>,
    body: web::Json<RouteChanges>,
) -> AppResult<web::Json<RouteDetail>> {
    let input = body.into_inner();
    input.validate()?;
    Ok(web::Json(
        route_admin::update_route(&svc, id.into_inner(), input).await?,
    ))
}

/// Event categories.
#[utoipa::path(tag = "tourism", responses((status = 200, body = Vec<Code>)))]
#[get("/events/categories")]
pub async fn event_categories() -> web::Json<Vec<Code>> {
    web::Json(
        rules::EVENT_CATEGORIES
            .iter()
            .map(|(code, name)| Code { code, name })
            .collect(),
    )
}

/// Published events overlapping the days `from`–`to` (default: from today
/// on), by category and district; nearest first around `lat`/`lng`, else by start.
#[utoipa::path(
    tag = "tourism",
    params(EventQuery),
    responses((status = 200, body = EventPage), (status = 422, description = "`validation_failed`: a date window or filter out of range", body = ErrorBody))
)]
#[get("/events")]
pub async fn list_events(
    svc: web::Data<Tourism>,
    q: web::Query<EventQuery>,
) -> AppResult<web::Json<EventPage>> {
    Ok(web::Json(event_calendar::list_events(&svc, &q).await?))
}

/// One published event.
#[utoipa::path(
    tag = "tourism",
    params(("id" = Uuid, Path, description = "event id"), CoordQuery),
    responses((status = 200, body = EventView), (status = 404, body = ErrorBody))
)]
#[get("/events/{id}")]
pub async fn get_event(
    svc: web::Data<Tourism>,
    id: web::Path<Uuid>,
    q: web::Query<CoordQuery>,
) -> AppResult<web::Json<EventView>> {
    Ok(web::Json(
        event_calendar::get_event(&svc, id.into_inner(), q.coord).await?,
    ))
}

/// Every event, past and unpublished ones included, latest start first.
#[utoipa::path(
    tag = "tourism",
    security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, body = EventPage), (status = 403, body = ErrorBody))
)]
#[get("/admin/events")]
pub async fn admin_list_events(
    svc: web::Data<Tourism>,
    _admin: AdminUser,
    q: web::Query<PageQuery>,
) -> AppResult<web::Json<EventPage>> {
    Ok(web::Json(
        catalogue_admin::all_events(&svc, q.into_inner()).await?,
    ))
}

/// Creates an event (published unless `published: false`).
#[utoipa::path(
    tag = "tourism",
    security(("bearer" = [])),
    request_body = NewEvent,
    responses(
        (status = 201, body = EventView),
        (status = 403, body = ErrorBody),
        (status = 422, description = "`validation_failed`: ends before it starts, outside Chongqing, unknown category or district, price rules", body = ErrorBody),
    )
)]
#[post("/admin/events")]
pub async fn create_event(
    svc: web::Data<Tourism>,
    admin: AdminUser,
    body: web::Json<NewEvent>,
) -> AppResult<HttpResponse> {
    let input = body.into_inner();
    input.validate()?;
    Ok(HttpResponse::Created().json(event_admin::create_event(&svc, &admin, input).await?))
}

/// Edits an event; `published: false` unpublishes it.
#[utoipa::path(
    tag = "tourism",
    security(("bearer" = [])),
    request_body = EventChanges,
    params(("id" = Uuid, Path, description = "event id")),
    responses(
        (status = 200, body = EventView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
#[patch("/admin/events/{id}")]
pub async fn update_event(
    svc: web::Data<Tourism>,
    _admin: AdminUser,
    id: web::Path<Uuid>,
    body: web::Json<EventChanges>,
) -> AppResult<web::Json<EventView>> {
    let input = body.into_inner();
    input.validate()?;
    Ok(web::Json(
        event_admin::update_event(&svc, id.into_inner(), input).await?,
    ))
}
