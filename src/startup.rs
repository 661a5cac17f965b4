//! Builds the application: database, state, routes, middleware, server.
//! `main`, the tests and the OpenAPI export all go through here.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpRequest, HttpServer, web};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::clock::Clock;
use crate::config::Config;
use crate::domains::Domains;
use crate::error::{AppError, codes};
use crate::metrics::Metrics;
use crate::places::Places;
use crate::state::{AppState, Core};
use crate::wechat::WechatClient;
use crate::workers::{Jobs, Workers};
use crate::{db, openapi, seed, telemetry};

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
    #[error("REDIS_URL: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("recomputing deadlines: {0}")]
    Deadlines(#[from] crate::error::AppError),
    #[error("merchant code signing keys: {0}")]
    SigningKeys(#[from] crate::credit::signing::KeySpecError),
}

pub struct Application {
    port: u16,
    server: Server,
    /// The listening socket, kept to refuse new connections at once on SIGTERM.
    listener: TcpListener,
    domains: Domains,
    workers: Workers,
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
        // A calendar year loaded while no instance ran (or by hand in the
        // database) settles provisional deadlines reckoned before it.
        let calendar = crate::calendar::service::load(&db).await?;
        let recomputed =
            crate::complaints::deadlines::recompute_provisional(&db, &calendar, clock.now())
                .await?;
        if recomputed > 0 {
            tracing::info!(
                recomputed,
                "provisional deadlines recomputed on a newer calendar"
            );
        }
        let app = AppState {
            wechat: WechatClient::new(&config.wechat)?,
            metrics: Arc::new(Metrics::default()),
            draining: Arc::default(),
            route_labels: Arc::default(),
            config: Arc::new(config),
            db,
            clock,
        };
        let core = Core::new(app.db.clone(), app.clock.clone()).with_metrics(app.metrics.clone());
        let places = Places::load(core.clone(), &app.config).await?;
        let writers = db::connect_writers(&app.config).await?;
        let config = app.config.clone();
        let shared_limits = crate::rate_limit::SharedWindows::from_url(
            config.redis_url.as_deref(),
            &config.redis_prefix,
            app.metrics.clone(),
        )?;
        let signing_keys = Arc::new(crate::credit::signing::load_ring(&config)?);
        let (domains, queues) = Domains::build(app, core, places, shared_limits, signing_keys);

        let listener = TcpListener::bind(&config.bind).map_err(|source| StartupError::Bind {
            bind: config.bind.clone(),
            source,
        })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartupError::Bind {
                bind: config.bind.clone(),
                source,
            })?
            .port();
        let document = openapi::document();
        let served = domains.clone();
        // Signals are handled in `run_until_stopped`, which closes the door
        // before actix starts its graceful stop.
        let server = HttpServer::new(move || build_app(served.clone(), document.clone()))
            .shutdown_timeout(10)
            .disable_signals()
            .workers(config.workers);
        let own_listener = listener.try_clone().map_err(|source| StartupError::Bind {
            bind: config.bind.clone(),
            source,
        })?;
        let server = server
            .listen(listener)
            .map_err(|source| StartupError::Bind {
                bind: config.bind.clone(),
                source,
            })?
            .run();
        // Started once the port is ours, so a failed start leaves no task behind.
        let jobs = Jobs::new(&config, &domains);
        let workers = Workers::start(writers, queues, &domains, jobs);
        Ok(Self {
            port,
            server,
            listener: own_listener,
            domains,
            workers,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server from elsewhere (tests, embedding).
    pub fn server_handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    pub fn domains(&self) -> &Domains {
        &self.domains
    }

    /// The periodic jobs, for tests that run a round instead of waiting.
    pub fn jobs(&self) -> Arc<Jobs> {
        self.workers.jobs.clone()
    }

    /// Serves until SIGINT/SIGTERM or a stop through the handle: the server
    /// finishes the requests it took, then the background workers stop in
    /// order (see `workers`).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(termination()).await
    }

    /// Serves until `stop` completes (a signal in production; tests pass
    /// their own trigger, as signals reach every app in the process), then
    /// drains and stops as on SIGTERM.
    pub async fn run_until(
        self,
        stop: impl std::future::Future<Output = ()> + 'static,
    ) -> std::io::Result<()> {
        let handle = self.server.handle();
        let listener = self.listener;
        let draining = self.domains.app.draining.clone();
        let drain_for = self.domains.app.config.drain;
        let on_signal = actix_web::rt::spawn(async move {
            stop.await;
            // Out of rotation first: `/ready` answers 503 while requests are
            // still served, so a load balancer polling it moves traffic away
            // before the socket closes.
            draining.store(true, std::sync::atomic::Ordering::SeqCst);
            tracing::info!(?drain_for, "stopping: draining, /ready answers 503");
            tokio::time::sleep(drain_for).await;
            tracing::info!("stopping: refusing new connections, finishing the requests taken");
            // actix drops connections it has accepted but not yet started when
            // its workers stop, and resets those still in the listen queue
            // when it closes the socket. Refusing new connections first, then
            // giving the accepted ones a moment to be read, leaves every
            // request a client managed to send with an answer.
            if let Err(e) = socket2::SockRef::from(&listener).shutdown(std::net::Shutdown::Both) {
                tracing::warn!(error = %e, "could not close the listening socket early");
            }
            tokio::time::sleep(SETTLE).await;
            handle.stop(true).await;
        });
        let served = self.server.await;
        on_signal.abort();
        self.workers.stop().await;
        served
    }
}

/// How long connections accepted before SIGTERM get to be read before the
/// HTTP workers stop taking new ones.
const SETTLE: std::time::Duration = std::time::Duration::from_millis(200);

/// SIGTERM (a service manager, `kill`) or SIGINT (Ctrl-C).
async fn termination() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = terminate => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

pub fn build_app(
    domains: Domains,
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
    let json_limit = domains.app.config.json_limit_bytes;
    App::new()
        .wrap(from_fn(crate::audit::middleware::staff_actions))
        .wrap(from_fn(telemetry::observe))
        .configure(move |cfg| domains.register(cfg))
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
        .configure(crate::routes::routes)
        .into_app()
        .configure(crate::console::routes)
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
