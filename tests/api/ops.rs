//! Health, readiness and metrics.

use reqwest::StatusCode;

use crate::helpers::spawn_app;

#[actix_web::test]
async fn health_and_ready_answer() {
    let app = spawn_app().await;
    let health = app.get("/health", None).await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.body["status"], "ok");
    let ready = app.get("/ready", None).await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.body["status"], "ready");
}

#[actix_web::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = spawn_app().await;
    let token = app.login("demo-resident").await;
    app.get("/api/v1/me", Some(&token)).await;
    app.get("/api/v1/me", Some(&token)).await;
    app.get("/api/v1/me", None).await;
    app.get(&format!("/api/v1/merchants/{}", uuid::Uuid::now_v7()), None)
        .await;

    let res = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = res.text().await.unwrap();
    assert!(
        text.contains(
            r#"yuhui_http_requests_total{method="GET",route="/api/v1/me",status="200"} 2"#
        ),
        "{text}"
    );
    assert!(
        text.contains(
            r#"yuhui_http_requests_total{method="GET",route="/api/v1/me",status="401"} 1"#
        )
    );
    // Routes are labelled by pattern, not by the id in the URL.
    assert!(text.contains(r#"route="/api/v1/merchants/{id}",status="404"} 1"#));
    assert!(text.contains("yuhui_http_request_duration_seconds_bucket"));
    assert!(text.contains("yuhui_db_pool_connections"));
    assert!(text.contains(r#"yuhui_cache_lookups_total{cache="principal",result="hit"}"#));
}
