//! Two instances on one database: limits that count once between them.

use reqwest::StatusCode;
use serde_json::json;

use crate::complaints::{NOODLES, filing};
use crate::helpers::{TestApp, TestOptions, spawn_app_with};

/// The Redis of `TEST_REDIS_URL` (CI sets it to this machine's). Without
/// it `cargo test` needs nothing installed, and the tests that need a
/// shared Redis say so and end.
fn redis_url() -> Option<String> {
    let url = std::env::var("TEST_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty());
    if url.is_none() {
        eprintln!("TEST_REDIS_URL is not set: the shared-limit test is not run");
    }
    url
}

/// Two instances on one database and one Redis namespace of their own.
async fn two_instances(redis_url: &str, vars: &[(&str, &str)]) -> (TestApp, TestApp) {
    let prefix = format!("yuhui-test-{}", uuid::Uuid::new_v4().simple());
    let mut options = TestOptions::default()
        .var("REDIS_URL", redis_url)
        .var("YUHUI_REDIS_PREFIX", &prefix);
    for (name, value) in vars {
        options = options.var(name, value);
    }
    let first = spawn_app_with(options.clone()).await;
    let second = spawn_app_with(TestOptions {
        shared_database_url: Some(first.database_url.clone()),
        ..options
    })
    .await;
    (first, second)
}

async fn dev_login(app: &TestApp) -> StatusCode {
    app.post(
        "/api/v1/auth/dev/login",
        None,
        json!({ "openid": "demo-resident" }),
    )
    .await
    .status
}

#[actix_web::test]
async fn two_instances_enforce_one_login_limit_between_them() {
    let Some(redis) = redis_url() else { return };
    let (a, b) = two_instances(&redis, &[("YUHUI_LOGIN_RATE_LIMIT", "3")]).await;
    assert_eq!(dev_login(&a).await, StatusCode::OK);
    assert_eq!(dev_login(&b).await, StatusCode::OK);
    assert_eq!(dev_login(&a).await, StatusCode::OK);
    // Per instance this would still be allowed on either.
    assert_eq!(dev_login(&b).await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(dev_login(&a).await, StatusCode::TOO_MANY_REQUESTS);
}

async fn file(app: &TestApp, title: &str) -> crate::helpers::Response {
    let token = app.login("demo-resident").await;
    app.post("/api/v1/complaints", Some(&token), filing(NOODLES, title))
        .await
}

#[actix_web::test]
async fn two_instances_enforce_one_filing_limit_between_them() {
    let Some(redis) = redis_url() else { return };
    let (a, b) = two_instances(&redis, &[("YUHUI_COMPLAINT_RATE_PER_HOUR", "2")]).await;
    assert_eq!(file(&a, "第一件投诉").await.status, StatusCode::CREATED);
    assert_eq!(file(&b, "第二件投诉").await.status, StatusCode::CREATED);
    file(&a, "第三件投诉")
        .await
        .assert_error(429, "rate_limited");
}

#[actix_web::test]
async fn an_unreachable_redis_means_counting_per_instance_never_an_error() {
    // Nothing listens on port 1.
    let app = spawn_app_with(
        TestOptions::default()
            .var("REDIS_URL", "redis://127.0.0.1:1")
            .var("YUHUI_LOGIN_RATE_LIMIT", "2"),
    )
    .await;
    assert_eq!(dev_login(&app).await, StatusCode::OK);
    assert_eq!(dev_login(&app).await, StatusCode::OK);
    assert_eq!(dev_login(&app).await, StatusCode::TOO_MANY_REQUESTS);
    let metrics = app.get("/metrics", None).await.text;
    let fallbacks = metrics
        .lines()
        .find_map(|l| l.strip_prefix("yuhui_rate_limit_fallbacks_total "))
        .and_then(|n| n.trim().parse::<u64>().ok())
        .expect("the fallback metric");
    assert!(fallbacks >= 3, "{fallbacks}");
}
