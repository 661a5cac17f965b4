use actix_web::{get, web};

use super::dto::{DistrictQuery, DistrictView};
use super::service;
use crate::error::AppResult;
use crate::state::AppState;

/// Chongqing's county-level divisions.
#[utoipa::path(
    tag = "reference",
    params(DistrictQuery),
    responses(
        (status = 200, body = Vec<DistrictView>),
    )
)]
#[get("/districts")]
pub async fn list_districts(
    state: web::Data<AppState>,
    query: web::Query<DistrictQuery>,
) -> AppResult<web::Json<Vec<DistrictView>>> {
    let today = state.clock.now_local().date_naive();
    let rows = service::list(&state.db, today, query.include_ended).await?;
    Ok(web::Json(
        rows.into_iter().map(DistrictView::from).collect(),
    ))
}
