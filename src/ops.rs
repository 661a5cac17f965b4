//! Liveness, readiness and metrics for the load balancer and Prometheus.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::{AppError, ErrorBody, codes};
use crate::metrics::PoolGauges;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Status {
    pub status: &'static str,
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(health).service(ready).service(metrics);
}

/// The process is up.
#[utoipa::path(tag = "operations", responses((status = 200, body = Status)))]
#[get("/health")]
pub async fn health() -> web::Json<Status> {
    web::Json(Status { status: "ok" })
}

/// The database answers and the instance is not stopping; take it out of
/// rotation otherwise.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, body = Status), (status = 503, description = "`not_ready` (database unreachable) or `draining` (stopping)", body = ErrorBody))
)]
#[get("/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<web::Json<Status>, AppError> {
    if state.draining.load(std::sync::atomic::Ordering::SeqCst) {
        return Err(AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            codes::DRAINING,
            "实例正在停止",
        ));
    }
    match state.db.ping().await {
        Ok(()) => Ok(web::Json(Status { status: "ready" })),
        Err(e) => {
            tracing::warn!(error = %e, "database not reachable");
            Err(AppError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                codes::NOT_READY,
                "数据库不可用",
            ))
        }
    }
}

/// Prometheus text exposition.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, content_type = "text/plain; version=0.0.4", body = String))
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let pool = pool_gauges(&state.db);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render(pool))
}

fn pool_gauges(db: &sea_orm::DatabaseConnection) -> Option<PoolGauges> {
    match db.get_database_backend() {
        sea_orm::DatabaseBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            Some(PoolGauges {
                size: pool.size(),
                idle: pool.num_idle(),
            })
        }
        sea_orm::DatabaseBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            Some(PoolGauges {
                size: pool.size(),
                idle: pool.num_idle(),
            })
        }
        _ => None,
    }
}
