//! Console sign-in by scanning (扫码登录): the test plays both the console
//! (creates and polls the ticket) and the mini-program (approves it).

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Response, TestApp, spawn_app};

async fn new_ticket(app: &TestApp) -> (String, String, Value) {
    let res = app
        .post("/api/v1/auth/console/tickets", None, json!({}))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let ticket = res.body["ticket"].as_str().unwrap().to_owned();
    let secret = res.body["poll_secret"].as_str().unwrap().to_owned();
    (ticket, secret, res.body)
}

async fn poll(app: &TestApp, ticket: &str, secret: Option<&str>) -> Response {
    let mut req = app
        .client
        .get(app.url(&format!("/api/v1/auth/console/tickets/{ticket}")));
    if let Some(secret) = secret {
        req = req.header("X-Poll-Secret", secret);
    }
    crate::helpers::into_response(req.send().await.unwrap()).await
}

async fn approve(app: &TestApp, ticket: &str, token: &str) -> Response {
    app.post(
        &format!("/api/v1/auth/console/tickets/{ticket}/approve"),
        Some(token),
        json!({}),
    )
    .await
}

#[actix_web::test]
async fn a_handler_signs_in_by_scanning_and_the_session_is_handed_out_once() {
    let app = spawn_app().await;
    let (ticket, secret, created) = new_ticket(&app).await;
    // The QR code shows the ticket, never the secret.
    let qr = created["qr_payload"].as_str().unwrap();
    assert_eq!(qr, format!("yuhui-console:{ticket}"));
    assert!(!qr.contains(&secret));

    let options = app.get("/api/v1/auth/console/options", None).await;
    assert_eq!(options.body, json!({ "dev_login": true }));

    let pending = poll(&app, &ticket, Some(&secret)).await;
    assert_eq!(pending.status, StatusCode::OK);
    assert_eq!(pending.body, json!({ "status": "pending" }));

    let handler = app.login("demo-handler").await;
    let approved = approve(&app, &ticket, &handler).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.text);

    let first = poll(&app, &ticket, Some(&secret)).await;
    assert_eq!(first.body["status"], "approved");
    assert_eq!(first.body["user"]["roles"], json!(["resident", "handler"]));
    let session = first.body["token"].as_str().unwrap();
    assert_eq!(
        app.me(session).await["handler_districts"],
        json!(["500103", "500106"])
    );
    let queue = app.get("/api/v1/handler/complaints", Some(session)).await;
    assert_eq!(queue.status, StatusCode::OK);

    // Later reads say it was consumed and never carry a session again.
    let later = poll(&app, &ticket, Some(&secret)).await;
    assert_eq!(later.body, json!({ "status": "consumed" }));
    // A second scan of the same code is refused.
    approve(&app, &ticket, &handler)
        .await
        .assert_error(409, "ticket_used");
}

#[actix_web::test]
async fn a_photographed_code_is_worth_nothing_without_the_poll_secret() {
    let app = spawn_app().await;
    let (ticket, secret, _) = new_ticket(&app).await;
    let admin = app.login("demo-admin").await;
    assert_eq!(approve(&app, &ticket, &admin).await.status, StatusCode::OK);

    poll(&app, &ticket, None)
        .await
        .assert_error(404, "not_found");
    poll(&app, &ticket, Some("guessed"))
        .await
        .assert_error(404, "not_found");
    // The rightful console still gets its session.
    let mine = poll(&app, &ticket, Some(&secret)).await;
    assert!(mine.body["token"].is_string(), "{}", mine.text);
}

#[actix_web::test]
async fn only_staff_can_approve_and_only_within_two_minutes() {
    let app = spawn_app().await;
    let (ticket, secret, _) = new_ticket(&app).await;
    let resident = app.login("demo-resident").await;
    approve(&app, &ticket, &resident)
        .await
        .assert_error(403, "not_staff");
    assert_eq!(
        poll(&app, &ticket, Some(&secret)).await.body["status"],
        "pending"
    );
    approve(&app, &uuid::Uuid::new_v4().to_string(), &resident)
        .await
        .assert_error(403, "not_staff");
    let merchant = app.login("demo-merchant").await;
    approve(&app, &uuid::Uuid::new_v4().to_string(), &merchant)
        .await
        .assert_error(404, "not_found");
    approve(&app, &ticket, "not-a-token")
        .await
        .assert_error(401, "unauthorized");

    app.clock.advance(chrono::Duration::seconds(121));
    approve(&app, &ticket, &merchant)
        .await
        .assert_error(410, "ticket_expired");
    assert_eq!(
        poll(&app, &ticket, Some(&secret)).await.body,
        json!({ "status": "expired" })
    );
}

#[actix_web::test]
async fn a_session_not_collected_in_time_is_never_handed_out() {
    let app = spawn_app().await;
    let (ticket, secret, _) = new_ticket(&app).await;
    let merchant = app.login("demo-merchant").await;
    assert_eq!(
        approve(&app, &ticket, &merchant).await.status,
        StatusCode::OK
    );
    app.clock.advance(chrono::Duration::seconds(120));
    assert_eq!(
        poll(&app, &ticket, Some(&secret)).await.body,
        json!({ "status": "expired" })
    );
}

#[actix_web::test]
async fn every_approval_is_an_audit_event() {
    let app = spawn_app().await;
    let (ticket, _, _) = new_ticket(&app).await;
    let handler = app.login("demo-handler").await;
    let handler_id = app.me(&handler).await["id"].as_str().unwrap().to_owned();
    assert_eq!(
        approve(&app, &ticket, &handler).await.status,
        StatusCode::OK
    );

    let admin = app.login("demo-admin").await;
    let events = app
        .get(
            &format!("/api/v1/admin/audit-events?object_id={ticket}"),
            Some(&admin),
        )
        .await;
    assert_eq!(events.status, StatusCode::OK, "{}", events.text);
    let items = events.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", events.text);
    assert_eq!(items[0]["action"], "console_sign_in_approved");
    assert_eq!(items[0]["actor_id"], handler_id.as_str());
    assert_eq!(items[0]["actor_role"], "handler");
    assert_eq!(items[0]["object_type"], "console_ticket");
}
