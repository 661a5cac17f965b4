use std::collections::HashMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpResponse, HttpServer, web};
use chrono::{DateTime, TimeZone, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use yuhui::clock::Clock;
use yuhui::config::Config;
use yuhui::startup::Application;

/// A moment inside the 2026 calendar tables, on a working day, 10:00 in Chongqing.
pub fn default_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 2, 0, 0)
        .single()
        .expect("valid time")
}

pub struct TestApp {
    pub address: String,
    /// The periodic jobs, to run a round instead of waiting for the timer.
    pub jobs: Arc<yuhui::workers::Jobs>,
    pub client: reqwest::Client,
    pub wechat: FakeWechat,
    pub clock: Clock,
    pub database_url: String,
    upload_dir: PathBuf,
    server: ServerHandle,
    /// Sends what SIGTERM would: drain, then stop (`stop_as_on_sigterm`).
    sigterm: std::sync::Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
    database: TestDatabase,
}

enum TestDatabase {
    Sqlite(PathBuf),
    Postgres {
        admin_url: String,
        name: String,
    },
    /// Another test app's database: that app cleans it up.
    Shared,
}

pub struct Response {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Response {
    /// The `code` of an error body.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text
        );
        assert_eq!(self.code(), code, "unexpected code; body: {}", self.text);
        assert!(
            self.body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "no message: {}",
            self.text
        );
        assert!(
            self.body["details"].is_object(),
            "details must be an object: {}",
            self.text
        );
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let mut req = self.client.request(method, self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.expect("request sent");
        into_response(res).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.request(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Response {
        self.request(Method::POST, path, token, Some(body)).await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: Value) -> Response {
        self.request(Method::PUT, path, token, Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> Response {
        self.request(Method::PATCH, path, token, Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Response {
        self.request(Method::DELETE, path, token, None).await
    }

    /// Logs in through the dev login; returns the token.
    pub async fn login(&self, openid: &str) -> String {
        let res = self
            .post("/api/v1/auth/dev/login", None, json!({ "openid": openid }))
            .await;
        assert_eq!(res.status, StatusCode::OK, "login failed: {}", res.text);
        res.body["token"].as_str().expect("token").to_owned()
    }

    /// Begins the stop SIGTERM begins: draining, then closing.
    pub fn stop_as_on_sigterm(&self) {
        if let Some(sigterm) = self.sigterm.lock().expect("sigterm").take() {
            let _ = sigterm.send(());
        }
    }

    pub async fn me(&self, token: &str) -> Value {
        let res = self.get("/api/v1/me", Some(token)).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        res.body
    }
}

pub async fn into_response(res: reqwest::Response) -> Response {
    let status = res.status();
    let headers = res.headers().clone();
    let text = res.text().await.expect("body read");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Response {
        status,
        headers,
        body,
        text,
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Sends the stop command now; the server's connections close with it.
        drop(self.server.stop(false));
        let _ = std::fs::remove_dir_all(&self.upload_dir);
        match &self.database {
            TestDatabase::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(p);
                }
            }
            TestDatabase::Shared => {}
            TestDatabase::Postgres { admin_url, name } => {
                let admin_url = admin_url.clone();
                let name = name.clone();
                // Drop cannot await; a thread of its own runs the cleanup to the end.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build();
                    if let Ok(rt) = rt {
                        rt.block_on(async {
                            if let Ok(db) = sea_orm::Database::connect(&admin_url).await {
                                use sea_orm::ConnectionTrait;
                                let _ = db
                                    .execute_unprepared(&format!(
                                        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                                    ))
                                    .await;
                                let _ = db.close().await;
                            }
                        });
                    }
                })
                .join();
            }
        }
    }
}

/// Settings a test may change before the app starts.
#[derive(Clone)]
pub struct TestOptions {
    pub vars: HashMap<String, String>,
    pub start: DateTime<Utc>,
    /// Run against this database (another app's) instead of a fresh one.
    pub shared_database_url: Option<String>,
}

impl Default for TestOptions {
    fn default() -> Self {
        Self {
            vars: HashMap::new(),
            start: default_start(),
            shared_database_url: None,
        }
    }
}

impl TestOptions {
    pub fn var(mut self, name: &str, value: &str) -> Self {
        self.vars.insert(name.to_owned(), value.to_owned());
        self
    }

    /// Starts the app's clock at `at` instead of the default day.
    pub fn starting(mut self, at: DateTime<Utc>) -> Self {
        self.start = at;
        self
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(TestOptions::default()).await
}

pub async fn spawn_app_with(options: TestOptions) -> TestApp {
    // `TEST_LOG=1 cargo test …` shows the server's logs.
    if std::env::var_os("TEST_LOG").is_some() {
        yuhui::telemetry::init_logging(yuhui::config::LogFormat::Text);
    }
    let wechat = FakeWechat::start().await;
    let (database_url, database) = match options.shared_database_url.clone() {
        Some(url) => (url, TestDatabase::Shared),
        None => fresh_database().await,
    };

    let upload_dir =
        std::env::temp_dir().join(format!("yuhui-uploads-{}", uuid::Uuid::new_v4().simple()));
    let mut vars: HashMap<String, String> = HashMap::from([
        ("YUHUI_UPLOAD_DIR".into(), upload_dir.display().to_string()),
        // Each app generates its own development key for merchant codes.
        (
            "YUHUI_CREDIT_KEY_FILE".into(),
            upload_dir.join("credit-signing-key").display().to_string(),
        ),
        ("DATABASE_URL".into(), database_url.clone()),
        ("YUHUI_BIND".into(), "127.0.0.1:0".into()),
        ("YUHUI_WORKERS".into(), "2".into()),
        ("YUHUI_DB_MAX_CONNECTIONS".into(), "5".into()),
        ("WECHAT_APPID".into(), FakeWechat::APPID.into()),
        ("WECHAT_SECRET".into(), FakeWechat::SECRET.into()),
        ("WECHAT_API_BASE".into(), wechat.base_url.clone()),
        ("WECHAT_TIMEOUT_MS".into(), "1000".into()),
        ("YUHUI_LOGIN_RATE_LIMIT".into(), "1000".into()),
        (
            "JWT_SECRET".into(),
            "test-secret-test-secret-test-secret".into(),
        ),
    ]);
    vars.extend(options.vars);
    let config =
        Config::from_lookup(|k| vars.get(k).cloned()).expect("test configuration is valid");
    let clock = Clock::manual(options.start);
    let app = Application::build_with_clock(config, clock.clone())
        .await
        .expect("application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let server = app.server_handle();
    let jobs = app.jobs();
    // Signals would reach every app in the test process: each gets its own.
    let (sigterm, stop) = tokio::sync::oneshot::channel::<()>();
    actix_web::rt::spawn(app.run_until(async move {
        if stop.await.is_err() {
            std::future::pending::<()>().await;
        }
    }));

    TestApp {
        address,
        jobs,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client"),
        wechat,
        clock,
        database_url,
        upload_dir,
        server,
        sigterm: std::sync::Mutex::new(Some(sigterm)),
        database,
    }
}

async fn fresh_database() -> (String, TestDatabase) {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin_url) if !admin_url.is_empty() => {
            use sea_orm::ConnectionTrait;
            let name = format!("yuhui_test_{}", uuid::Uuid::new_v4().simple());
            let admin = sea_orm::Database::connect(&admin_url)
                .await
                .expect("TEST_DATABASE_URL must reach PostgreSQL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("create test database");
            let _ = admin.close().await;
            let base = admin_url.split('?').next().unwrap_or(&admin_url);
            let (server, _) = base.rsplit_once('/').expect("database URL with a path");
            (
                format!("{server}/{name}"),
                TestDatabase::Postgres { admin_url, name },
            )
        }
        _ => {
            let path = std::env::temp_dir()
                .join(format!("yuhui-test-{}.db", uuid::Uuid::new_v4().simple()));
            (
                format!("sqlite://{}?mode=rwc", path.display()),
                TestDatabase::Sqlite(path),
            )
        }
    }
}

/// What the fake WeChat server answers.
#[derive(Clone, Debug, PartialEq)]
pub enum WechatMode {
    Normal,
    /// Every call answers HTTP 200 with this errcode.
    Errcode(i64),
    /// Every call waits longer than the client's timeout.
    Hang,
    /// The server answers HTTP 503, as during an outage.
    Down,
}

#[derive(Debug)]
struct FakeState {
    mode: WechatMode,
    login_codes: HashMap<String, String>,
    phone_codes: HashMap<String, String>,
    token_generation: u32,
    token_requests: u32,
    api_calls: u32,
    /// Subscribe messages accepted, in order.
    messages: Vec<Value>,
    /// Openids that have not subscribed (43101).
    unsubscribed: Vec<String>,
    send_attempts: u32,
    /// Calls turned away while down.
    refused: u32,
}

/// A local stand-in for api.weixin.qq.com speaking the real request and
/// response shapes (FACTS.md §7).
#[derive(Clone)]
pub struct FakeWechat {
    pub base_url: String,
    state: Arc<Mutex<FakeState>>,
}

impl FakeWechat {
    pub const APPID: &'static str = "wx-test-appid";
    pub const SECRET: &'static str = "wx-test-secret";

    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(FakeState {
            mode: WechatMode::Normal,
            login_codes: HashMap::new(),
            phone_codes: HashMap::new(),
            token_generation: 1,
            token_requests: 0,
            api_calls: 0,
            messages: Vec::new(),
            unsubscribed: Vec::new(),
            send_attempts: 0,
            refused: 0,
        }));
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind fake wechat");
        let port = listener.local_addr().expect("addr").port();
        let data = web::Data::new(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/sns/jscode2session", web::get().to(jscode2session))
                .route("/cgi-bin/stable_token", web::post().to(stable_token))
                .route(
                    "/wxa/business/getuserphonenumber",
                    web::post().to(phone_number),
                )
                .route(
                    "/cgi-bin/message/subscribe/send",
                    web::post().to(subscribe_send),
                )
        })
        .workers(1)
        .listen(listener)
        .expect("listen")
        .run();
        actix_web::rt::spawn(server);
        Self {
            base_url: format!("http://127.0.0.1:{port}"),
            state,
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut FakeState) -> T) -> T {
        f(&mut self.state.lock().expect("fake state"))
    }

    /// A `wx.login` code that logs in as `openid` once.
    pub fn issue_login_code(&self, openid: &str) -> String {
        let code = format!("code-{}", uuid::Uuid::new_v4().simple());
        self.with(|s| s.login_codes.insert(code.clone(), openid.to_owned()));
        code
    }

    pub fn issue_phone_code(&self, phone: &str) -> String {
        let code = format!("phone-{}", uuid::Uuid::new_v4().simple());
        self.with(|s| s.phone_codes.insert(code.clone(), phone.to_owned()));
        code
    }

    pub fn set_mode(&self, mode: WechatMode) {
        self.with(|s| s.mode = mode);
    }

    /// Invalidates the current access token, as WeChat does when it expires.
    pub fn expire_token(&self) {
        self.with(|s| s.token_generation += 1);
    }

    pub fn token_requests(&self) -> u32 {
        self.with(|s| s.token_requests)
    }

    pub fn api_calls(&self) -> u32 {
        self.with(|s| s.api_calls)
    }

    /// Subscribe messages delivered so far.
    pub fn messages(&self) -> Vec<Value> {
        self.with(|s| s.messages.clone())
    }

    pub fn refused(&self) -> u32 {
        self.with(|s| s.refused)
    }

    pub fn send_attempts(&self) -> u32 {
        self.with(|s| s.send_attempts)
    }

    pub fn unsubscribe(&self, openid: &str) {
        self.with(|s| s.unsubscribed.push(openid.to_owned()));
    }
}

type Shared = web::Data<Arc<Mutex<FakeState>>>;

fn err(errcode: i64, errmsg: &str) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "errcode": errcode, "errmsg": errmsg }))
}

/// Applies the mode; `Some` is the answer to give instead of the normal one.
async fn interfere(state: &Shared) -> Option<HttpResponse> {
    let mode = state.lock().expect("fake state").mode.clone();
    match mode {
        WechatMode::Normal => None,
        WechatMode::Errcode(code) => Some(err(code, "simulated")),
        WechatMode::Hang => {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Some(err(-1, "too late"))
        }
        WechatMode::Down => {
            state.lock().expect("fake state").refused += 1;
            Some(HttpResponse::ServiceUnavailable().body("upstream down"))
        }
    }
}

async fn subscribe_send(
    state: Shared,
    query: web::Query<HashMap<String, String>>,
    body: web::Json<Value>,
) -> HttpResponse {
    state.lock().expect("fake state").send_attempts += 1;
    if let Some(answer) = interfere(&state).await {
        return answer;
    }
    let mut s = state.lock().expect("fake state");
    if query.get("access_token") != Some(&format!("token-{}", s.token_generation)) {
        return err(40001, "invalid credential");
    }
    let touser = body["touser"].as_str().unwrap_or_default().to_owned();
    if s.unsubscribed.contains(&touser) {
        return err(43101, "user refuse to accept the msg");
    }
    // The template rules WeChat enforces (47003 when broken).
    if let Some(data) = body["data"].as_object() {
        for (key, value) in data {
            let text = value["value"].as_str().unwrap_or_default();
            let limit = if key.starts_with("thing") {
                20
            } else if key.starts_with("phrase") {
                5
            } else {
                32
            };
            if text.chars().count() > limit {
                return err(47003, "argument invalid! data.thing.value invalid");
            }
        }
    }
    s.messages.push(body.into_inner());
    err(0, "ok")
}

async fn jscode2session(state: Shared, query: web::Query<HashMap<String, String>>) -> HttpResponse {
    if let Some(answer) = interfere(&state).await {
        return answer;
    }
    if query.get("appid").map(String::as_str) != Some(FakeWechat::APPID)
        || query.get("secret").map(String::as_str) != Some(FakeWechat::SECRET)
    {
        return err(40013, "invalid appid");
    }
    if query.get("grant_type").map(String::as_str) != Some("authorization_code") {
        return err(40002, "invalid grant_type");
    }
    let code = query.get("js_code").cloned().unwrap_or_default();
    let openid = state.lock().expect("fake state").login_codes.remove(&code);
    match openid {
        Some(openid) => HttpResponse::Ok().json(json!({
            "openid": openid,
            "session_key": "SECRET-SESSION-KEY-never-leaves-the-server",
            "unionid": format!("union-{openid}"),
        })),
        // Codes are single use: a second use is as bad as a made-up one.
        None => err(40029, "invalid code"),
    }
}

async fn stable_token(state: Shared, body: web::Json<Value>) -> HttpResponse {
    if let Some(answer) = interfere(&state).await {
        return answer;
    }
    if body["grant_type"] != "client_credential"
        || body["appid"] != FakeWechat::APPID
        || body["secret"] != FakeWechat::SECRET
    {
        return err(40013, "invalid appid");
    }
    let mut s = state.lock().expect("fake state");
    s.token_requests += 1;
    HttpResponse::Ok().json(json!({
        "access_token": format!("token-{}", s.token_generation),
        "expires_in": 7200,
    }))
}

async fn phone_number(
    state: Shared,
    query: web::Query<HashMap<String, String>>,
    body: web::Json<Value>,
) -> HttpResponse {
    if let Some(answer) = interfere(&state).await {
        return answer;
    }
    let mut s = state.lock().expect("fake state");
    s.api_calls += 1;
    let current = format!("token-{}", s.token_generation);
    if query.get("access_token") != Some(&current) {
        return err(
            40001,
            "invalid credential, access_token is invalid or not latest",
        );
    }
    let code = body["code"].as_str().unwrap_or_default().to_owned();
    match s.phone_codes.remove(&code) {
        Some(phone) => HttpResponse::Ok().json(json!({
            "errcode": 0,
            "errmsg": "ok",
            "phone_info": {
                "phoneNumber": phone,
                "purePhoneNumber": phone,
                "countryCode": "86",
                "watermark": { "timestamp": 1_764_208_800, "appid": FakeWechat::APPID },
            }
        })),
        None => err(40029, "invalid code"),
    }
}

/// Polls `done` every 50 ms; fails the test after 10 s.
pub async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let started = std::time::Instant::now();
    while !done() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
