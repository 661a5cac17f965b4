//! Every class of bad request gets its 4xx in the API's error shape.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{TestOptions, spawn_app, spawn_app_with};

#[actix_web::test]
async fn malformed_json_is_a_400() {
    let app = spawn_app().await;
    let res = app
        .client
        .post(app.url("/api/v1/auth/dev/login"))
        .header("content-type", "application/json")
        .body("{\"openid\": ")
        .send()
        .await
        .unwrap();
    crate::helpers::into_response(res)
        .await
        .assert_error(400, "bad_request");
}

#[actix_web::test]
async fn a_wrong_type_is_a_400() {
    let app = spawn_app().await;
    let res = app
        .post("/api/v1/auth/dev/login", None, json!({ "openid": 42 }))
        .await;
    res.assert_error(400, "bad_request");
}

#[actix_web::test]
async fn a_body_that_is_not_json_is_a_415() {
    let app = spawn_app().await;
    let res = app
        .client
        .post(app.url("/api/v1/auth/dev/login"))
        .header("content-type", "text/plain")
        .body("openid=demo-resident")
        .send()
        .await
        .unwrap();
    crate::helpers::into_response(res)
        .await
        .assert_error(415, "unsupported_media_type");
}

#[actix_web::test]
async fn a_bad_path_value_is_a_400() {
    let app = spawn_app().await;
    app.get("/api/v1/merchants/not-a-uuid", None)
        .await
        .assert_error(400, "bad_request");
}

#[actix_web::test]
async fn a_bad_query_value_is_a_400() {
    let app = spawn_app().await;
    app.get("/api/v1/districts?include_ended=perhaps", None)
        .await
        .assert_error(400, "bad_request");
    let admin = app.login("demo-admin").await;
    app.get("/api/v1/admin/merchants?limit=lots", Some(&admin))
        .await
        .assert_error(400, "bad_request");
    app.get("/api/v1/admin/merchants?limit=0", Some(&admin))
        .await
        .assert_error(400, "bad_request");
    app.get("/api/v1/admin/merchants?cursor=%%%", Some(&admin))
        .await
        .assert_error(400, "bad_request");
}

#[actix_web::test]
async fn unknown_routes_and_methods_are_json_404s() {
    let app = spawn_app().await;
    let res = app.get("/api/v1/no-such-thing", None).await;
    res.assert_error(404, "not_found");
    assert_eq!(res.body["details"]["path"], "/api/v1/no-such-thing");
    app.request(Method::DELETE, "/api/v1/categories", None, None)
        .await
        .assert_error(404, "not_found");
    app.get("/", None).await.assert_error(404, "not_found");
}

#[actix_web::test]
async fn an_oversized_body_is_a_413() {
    let app = spawn_app().await;
    let huge = "x".repeat(100 * 1024);
    let res = app
        .post("/api/v1/auth/dev/login", None, json!({ "openid": huge }))
        .await;
    res.assert_error(413, "payload_too_large");
}

#[actix_web::test]
async fn a_rule_broken_by_a_well_formed_value_is_a_422_with_fields() {
    let app = spawn_app().await;
    let res = app
        .post(
            "/api/v1/auth/dev/login",
            None,
            json!({ "openid": "has spaces!" }),
        )
        .await;
    res.assert_error(422, "validation_failed");
    assert_eq!(
        res.body["details"]["fields"]["openid"],
        json!(["openid_format"])
    );
}

#[actix_web::test]
async fn missing_bad_and_expired_tokens_are_401s() {
    let app = spawn_app().await;
    app.get("/api/v1/me", None)
        .await
        .assert_error(401, "unauthorized");
    app.get("/api/v1/me", Some("not.a.token"))
        .await
        .assert_error(401, "unauthorized");
    let res = app
        .client
        .get(app.url("/api/v1/me"))
        .header("authorization", "Basic ZGVtbzpkZW1v")
        .send()
        .await
        .unwrap();
    crate::helpers::into_response(res)
        .await
        .assert_error(401, "unauthorized");

    let token = app.login("demo-resident").await;
    assert_eq!(
        app.get("/api/v1/me", Some(&token)).await.status,
        StatusCode::OK
    );
    app.clock.advance(chrono::Duration::hours(25));
    app.get("/api/v1/me", Some(&token))
        .await
        .assert_error(401, "unauthorized");
}

#[actix_web::test]
async fn a_token_signed_with_another_secret_is_refused() {
    let app = spawn_app().await;
    let other = spawn_app_with(
        TestOptions::default().var("JWT_SECRET", "another-secret-another-secret-another"),
    )
    .await;
    let foreign = other.login("demo-resident").await;
    app.get("/api/v1/me", Some(&foreign))
        .await
        .assert_error(401, "unauthorized");
}

#[actix_web::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_app().await;
    let ok = app.get("/health", None).await;
    let failed = app.get("/api/v1/nothing-here", None).await;
    for res in [ok, failed] {
        let id = res
            .headers
            .get("x-request-id")
            .expect("x-request-id header");
        assert!(id.len() >= 8);
    }
    let res = app
        .client
        .get(app.url("/health"))
        .header("x-request-id", "trace-from-the-mini-program-0001")
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["x-request-id"],
        "trace-from-the-mini-program-0001"
    );
}
