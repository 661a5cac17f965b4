use actix_web::{HttpResponse, delete, get, patch, post, web};
use uuid::Uuid;

use super::dto::{
    CategoryView, CircleQuery, CircleReport, CoordQuery, CreateShop, MyShopsQuery, NearbyPage,
    NearbyQuery, ShopDetail, UpdateShop,
};
use super::{Places, shop_admin, shop_view};
use crate::auth::MerchantUser;
use crate::error::{AppResult, ErrorBody};
use crate::pagination::Paginated;

/// Shop categories with their tier (basic / quality / other).
#[utoipa::path(
    operation_id = "shop_categories",tag = "places", responses((status = 200, body = Vec<CategoryView>)))]
#[get("/categories")]
pub async fn categories(svc: web::Data<Places>) -> web::Json<Vec<CategoryView>> {
    web::Json(super::nearby::categories(&svc))
}

/// Shops within a walk of a point, nearest first.
#[utoipa::path(
    tag = "places",
    params(NearbyQuery),
    responses(
        (status = 200, body = NearbyPage),
        (status = 400, description = "missing or malformed parameter, bad cursor", body = ErrorBody),
        (status = 422, description = "out-of-range coordinates or walk, unknown category or tag", body = ErrorBody),
    )
)]
#[get("/shops/nearby")]
pub async fn nearby(
    svc: web::Data<Places>,
    query: web::Query<NearbyQuery>,
) -> AppResult<web::Json<NearbyPage>> {
    Ok(web::Json(super::nearby::nearby(&svc, &query)?))
}

/// A shop with its weekly hours, exceptions and the merchant's commitments.
#[utoipa::path(
    tag = "places",
    params(("id" = Uuid, Path, description = "shop id"), CoordQuery),
    responses((status = 200, body = ShopDetail), (status = 404, body = ErrorBody))
)]
#[get("/shops/{id}")]
pub async fn shop(
    svc: web::Data<Places>,
    id: web::Path<Uuid>,
    query: web::Query<CoordQuery>,
) -> AppResult<web::Json<ShopDetail>> {
    Ok(web::Json(
        shop_view::shop_detail(&svc, id.into_inner(), query.coord).await?,
    ))
}

/// The 15-minute circle around a point: nearest outlet of every basic and
/// quality type, coverage, missing types and grade.
#[utoipa::path(
    tag = "places",
    params(CircleQuery),
    responses(
        (status = 200, body = CircleReport),
        (status = 422, description = "`validation_failed`: coordinates or walk out of range", body = ErrorBody),
    )
)]
#[get("/circle/report")]
pub async fn circle_report(
    svc: web::Data<Places>,
    query: web::Query<CircleQuery>,
) -> AppResult<web::Json<CircleReport>> {
    Ok(web::Json(super::circle_report::circle_report(
        &svc, &query,
    )?))
}

/// Opens a shop for one of the caller's merchants.
#[utoipa::path(
    tag = "merchant",
    security(("bearer" = [])),
    request_body = CreateShop,
    responses(
        (status = 201, body = ShopDetail),
        (status = 403, description = "not staff of that merchant", body = ErrorBody),
    )
)]
#[post("/merchant/shops")]
pub async fn create_shop(
    svc: web::Data<Places>,
    user: MerchantUser,
    body: web::Json<CreateShop>,
) -> AppResult<HttpResponse> {
    let created = shop_admin::create_shop(&svc, &user, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(created))
}

/// The caller's shops (all their merchants, or one).
#[utoipa::path(
    tag = "merchant",
    security(("bearer" = [])),
    params(MyShopsQuery),
    responses(
        (status = 200, body = Paginated<ShopDetail>),
        (status = 403, body = ErrorBody),
    )
)]
#[get("/merchant/shops")]
pub async fn my_shops(
    svc: web::Data<Places>,
    user: MerchantUser,
    query: web::Query<MyShopsQuery>,
) -> AppResult<web::Json<Paginated<ShopDetail>>> {
    Ok(web::Json(shop_admin::my_shops(&svc, &user, &query).await?))
}

/// Edits a shop; nearby search reflects it at once.
#[utoipa::path(
    tag = "merchant",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "shop id")),
    request_body = UpdateShop,
    responses(
        (status = 200, body = ShopDetail),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
#[patch("/merchant/shops/{id}")]
pub async fn update_shop(
    svc: web::Data<Places>,
    user: MerchantUser,
    id: web::Path<Uuid>,
    body: web::Json<UpdateShop>,
) -> AppResult<web::Json<ShopDetail>> {
    Ok(web::Json(
        shop_admin::update_shop(&svc, &user, id.into_inner(), body.into_inner()).await?,
    ))
}

/// Closes a shop (it leaves nearby search; the record stays).
#[utoipa::path(
    tag = "merchant",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "shop id")),
    responses(
        (status = 200, body = ShopDetail),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
#[delete("/merchant/shops/{id}")]
pub async fn close_shop(
    svc: web::Data<Places>,
    user: MerchantUser,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<ShopDetail>> {
    Ok(web::Json(
        shop_admin::close_shop(&svc, &user, id.into_inner()).await?,
    ))
}
