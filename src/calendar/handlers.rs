use actix_web::{put, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::{YearTable, service};
use crate::auth::AdminUser;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
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
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[put("/admin/calendar/{year}")]
pub async fn load_year(
    state: web::Data<AppState>,
    _admin: AdminUser,
    year: web::Path<i32>,
    body: web::Json<YearTable>,
) -> AppResult<web::Json<CalendarLoaded>> {
    let table = body.into_inner();
    if table.year != year.into_inner() {
        return Err(AppError::invalid_field("year", "does_not_match_path"));
    }
    service::check(&table).map_err(|reason| AppError::invalid_field("days_off", reason))?;
    service::store(&state.db, &table, state.clock.now()).await?;
    let recomputed = crate::complaints::service::recompute_provisional(&state).await?;
    Ok(web::Json(CalendarLoaded {
        year: table.year,
        days_off: table.days_off.len(),
        makeup_days: table.makeup_days.len(),
        recomputed,
    }))
}
