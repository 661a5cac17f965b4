//! Builds the application: database, state, routes, middleware, server.
//! `main`, the tests and the OpenAPI export all go through here.

use std::net::TcpListener;
use std::sync::RwLock;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpRequest, HttpServer, web};
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{AppExt, scope};
use utoipa_swagger_ui::SwaggerUi;

use crate::clock::Clock;
use crate::config::Config;
use crate::error::{AppError, codes};
use crate::places::PlacesState;
use crate::places::categories::CategoryRegistry;
use crate::state::AppState;
use crate::{auth, db, districts, merchants, openapi, ops, places, seed, telemetry};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error("seed data: {0}")]
    Seed(#[from] seed::SeedError),
    #[error("cannot listen on {bind}: {source}")]
    Bind {
        bind: String,
        source: std::io::Error,
    },
    #[error("HTTP client: {0}")]
    Http(#[from] reqwest::Error),
}

pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
}

impl Application {
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        Self::build_with_clock(config, Clock::System).await
    }

    pub async fn build_with_clock(config: Config, clock: Clock) -> Result<Self, StartupError> {
        let db = db::connect(&config).await?;
        db::migrate(&db).await?;
        if config.seed_on_empty && seed::load_if_empty(&db, clock.now()).await? {
            tracing::info!("loaded seed data into an empty database");
        }
        let categories = CategoryRegistry::load(&db).await?;
        let index = places::sync::load(&db, &categories).await?;
        let places_state = PlacesState {
            index: RwLock::new(index),
            categories,
            walking: config.walking,
            circle: places::circle::Thresholds {
                enhanced_min_quality: config.circle_enhanced_min_quality,
                premium_min_quality: config.circle_premium_min_quality,
            },
        };
        let bind = config.bind.clone();
        let workers = config.workers;
        let writers = db::connect_writers(&config).await?;
        let state = web::Data::new(AppState::new(config, db, writers, clock, places_state)?);
        places::sync::spawn_poller(state.clone());
        crate::notify::spawn_worker(state.clone());
        crate::vouchers::service::spawn_expiry(state.clone(), state.config.voucher_expiry_interval);
        let listener = TcpListener::bind(&bind).map_err(|source| StartupError::Bind {
            bind: bind.clone(),
            source,
        })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartupError::Bind {
                bind: bind.clone(),
                source,
            })?
            .port();
        let document = openapi::document();
        let app_state = state.clone();
        let mut server =
            HttpServer::new(move || app(app_state.clone(), document.clone())).shutdown_timeout(10);
        if let Some(n) = workers {
            server = server.workers(n.max(1));
        }
        let server = server
            .listen(listener)
            .map_err(|source| StartupError::Bind { bind, source })?
            .run();
        Ok(Self {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server from elsewhere (tests, embedding).
    pub fn server_handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Serves until SIGINT/SIGTERM, then finishes in-flight requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Every documented route. Adding a handler here puts it in the OpenAPI
/// document too; a handler that is not `#[utoipa::path]`-annotated does not
/// compile here.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.configure(ops::routes).service(
        // Routes are tried in order and each with a path parameter is a
        // regex, so the flash-sale claim path goes first.
        scope::scope("/api/v1")
            .configure(crate::vouchers::routes::routes)
            .configure(auth::routes::routes)
            .configure(districts::routes::routes)
            .configure(merchants::routes::routes)
            .configure(places::routes::routes)
            .configure(crate::complaints::routes::routes)
            .configure(crate::tradein::routes::routes)
            .configure(crate::tourism::routes::routes)
            .configure(crate::calendar::routes::routes),
    );
}

pub fn app(
    state: web::Data<AppState>,
    document: utoipa::openapi::OpenApi,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let json_limit = state.config.json_limit_bytes;
    App::new()
        .wrap(from_fn(telemetry::observe))
        .app_data(state)
        .app_data(
            web::JsonConfig::default()
                .limit(json_limit)
                .error_handler(json_error),
        )
        .app_data(web::PayloadConfig::new(
            crate::complaints::attachments::MAX_BYTES,
        ))
        .app_data(web::PathConfig::default().error_handler(path_error))
        .app_data(web::QueryConfig::default().error_handler(query_error))
        .into_utoipa_app()
        .configure(routes)
        .into_app()
        .service(web::redirect("/docs", "/docs/"))
        .service(SwaggerUi::new("/docs/{_:.*}").url("/api-docs/openapi.json", document))
        .default_service(web::to(unknown_route))
}

async fn unknown_route(req: HttpRequest) -> Result<actix_web::HttpResponse, AppError> {
    Err(AppError::not_found("请求的接口不存在")
        .with_details(serde_json::json!({ "path": req.path() })))
}

fn json_error(err: JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    let app_error = match &err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            AppError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                codes::PAYLOAD_TOO_LARGE,
                "请求内容过大",
            )
        }
        JsonPayloadError::ContentType => AppError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            codes::UNSUPPORTED_MEDIA_TYPE,
            "请求须为 application/json",
        ),
        JsonPayloadError::Deserialize(e) => {
            AppError::bad_request("请求体不是有效的 JSON 或字段类型不符")
                .with_details(serde_json::json!({ "reason": e.to_string() }))
        }
        _ => AppError::bad_request("无法读取请求体"),
    };
    app_error.into()
}

fn path_error(err: PathError, _: &HttpRequest) -> actix_web::Error {
    AppError::bad_request("路径参数格式错误")
        .with_details(serde_json::json!({ "reason": err.to_string() }))
        .into()
}

fn query_error(err: QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    AppError::bad_request("查询参数格式错误")
        .with_details(serde_json::json!({ "reason": err.to_string() }))
        .into()
}
