//! Merchant applications, review, staff and public profiles.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

/// Made-up credit codes with valid check characters.
const USCC_A: &str = "91500108MA61AB001Q";
const USCC_B: &str = "91500108MA61AB002U";

fn application(uscc: &str) -> Value {
    json!({
        "name": "南滨路江景茶馆",
        "uscc": uscc,
        "district_code": "500108",
        "address": "南岸区南滨路 100 号",
        "contact_phone": "023-62880001",
        "commitments": { "no_reason_return": true, "first_compensation": false, "odr": true }
    })
}

async fn apply(app: &TestApp, token: &str, uscc: &str) -> Value {
    let res = app
        .post("/api/v1/merchants", Some(token), application(uscc))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    res.body
}

#[test]
fn the_test_codes_are_valid() {
    assert!(yuhui::merchants::uscc::is_valid(USCC_A));
    assert!(yuhui::merchants::uscc::is_valid(USCC_B));
}

#[actix_web::test]
async fn an_approved_applicant_becomes_merchant_staff() {
    let app = spawn_app().await;
    let applicant = app.login("tea-house-owner").await;
    let admin = app.login("demo-admin").await;

    let created = apply(&app, &applicant, USCC_A).await;
    assert_eq!(created["status"], "pending");
    assert_eq!(created["district"]["name"], "南岸区");
    assert_eq!(created["commitments"]["odr"], true);
    let id = created["id"].as_str().unwrap();

    // Not public before approval.
    app.get(&format!("/api/v1/merchants/{id}"), None)
        .await
        .assert_error(404, "not_found");

    let queue = app.get("/api/v1/admin/merchants", Some(&admin)).await;
    assert!(
        queue.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"] == id)
    );

    let approved = app
        .post(
            &format!("/api/v1/admin/merchants/{id}/approve"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.text);
    assert_eq!(approved.body["status"], "approved");

    let me = app.me(&applicant).await;
    assert_eq!(me["roles"], json!(["resident", "merchant"]));
    assert_eq!(me["merchant_ids"], json!([id]));

    let profile = app.get(&format!("/api/v1/merchants/{id}"), None).await;
    assert_eq!(profile.status, StatusCode::OK);
    assert_eq!(profile.body["name"], "南滨路江景茶馆");
    assert_eq!(profile.body["commitments"]["no_reason_return"], true);
    // The public profile names no applicant and no credit code.
    assert!(profile.body.get("applicant_id").is_none());
    assert!(!profile.text.contains(USCC_A));
}

#[actix_web::test]
async fn credit_codes_are_checked_and_normalised() {
    let app = spawn_app().await;
    let token = app.login("someone").await;

    let res = app
        .post(
            "/api/v1/merchants",
            Some(&token),
            application("91500108MA61AB001R"),
        )
        .await;
    res.assert_error(422, "validation_failed");
    assert_eq!(
        res.body["details"]["fields"]["uscc"],
        json!(["uscc_checksum"])
    );

    let res = app
        .post("/api/v1/merchants", Some(&token), application("12345"))
        .await;
    res.assert_error(422, "validation_failed");

    // Typed in lower case with spaces: stored as printed on the licence.
    let created = apply(&app, &token, &format!(" {} ", USCC_B.to_lowercase())).await;
    assert_eq!(created["uscc"], USCC_B);
}

#[actix_web::test]
async fn a_credit_code_registers_once() {
    let app = spawn_app().await;
    let first = app.login("first").await;
    let second = app.login("second").await;
    apply(&app, &first, USCC_A).await;
    app.post("/api/v1/merchants", Some(&second), application(USCC_A))
        .await
        .assert_error(409, "uscc_taken");
    // A seeded merchant's code is taken too.
    app.post(
        "/api/v1/merchants",
        Some(&second),
        application("91500103MA60YH0014"),
    )
    .await
    .assert_error(409, "uscc_taken");
}

#[actix_web::test]
async fn applications_are_validated_field_by_field() {
    let app = spawn_app().await;
    let token = app.login("someone").await;
    let res = app
        .post(
            "/api/v1/merchants",
            Some(&token),
            json!({
                "name": " ",
                "uscc": USCC_A,
                "district_code": "500108",
                "address": "x",
                "contact_phone": "call me maybe",
            }),
        )
        .await;
    res.assert_error(422, "validation_failed");
    let fields = &res.body["details"]["fields"];
    assert!(fields.get("name").is_some(), "{fields}");
    assert!(fields.get("address").is_some(), "{fields}");
    assert_eq!(fields["contact_phone"], json!(["phone_format"]));

    let mut body = application(USCC_A);
    body["district_code"] = json!("500199");
    let res = app.post("/api/v1/merchants", Some(&token), body).await;
    res.assert_error(422, "validation_failed");
    assert_eq!(
        res.body["details"]["fields"]["district_code"],
        json!(["unknown_district"])
    );

    // 渝北区 ended on 2025-11-06; new merchants register in 两江新区 (5001L1).
    let mut body = application(USCC_A);
    body["district_code"] = json!("500112");
    app.post("/api/v1/merchants", Some(&token), body)
        .await
        .assert_error(422, "validation_failed");
    let mut body = application(USCC_A);
    body["district_code"] = json!("5001L1");
    assert_eq!(
        app.post("/api/v1/merchants", Some(&token), body)
            .await
            .status,
        StatusCode::CREATED
    );

    // Nothing half-written: the failed attempts left no application behind.
    let mine = app.get("/api/v1/merchants/mine", Some(&token)).await;
    assert_eq!(mine.body.as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn a_rejected_application_shows_its_reason_to_the_applicant() {
    let app = spawn_app().await;
    let applicant = app.login("someone").await;
    let admin = app.login("demo-admin").await;
    let id = apply(&app, &applicant, USCC_A).await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    app.post(
        &format!("/api/v1/admin/merchants/{id}/reject"),
        Some(&admin),
        json!({ "reason": "" }),
    )
    .await
    .assert_error(422, "validation_failed");
    let res = app
        .post(
            &format!("/api/v1/admin/merchants/{id}/reject"),
            Some(&admin),
            json!({ "reason": "营业执照照片不清晰，请重新提交" }),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);

    let mine = app.get("/api/v1/merchants/mine", Some(&applicant)).await;
    assert_eq!(mine.body[0]["status"], "rejected");
    assert_eq!(
        mine.body[0]["reject_reason"],
        "营业执照照片不清晰，请重新提交"
    );
    assert_eq!(app.me(&applicant).await["roles"], json!(["resident"]));

    // A decided application cannot be decided again.
    app.post(
        &format!("/api/v1/admin/merchants/{id}/approve"),
        Some(&admin),
        json!({}),
    )
    .await
    .assert_error(409, "invalid_transition");
}

#[actix_web::test]
async fn two_admins_approving_at_once_approve_once() {
    let app = spawn_app().await;
    let applicant = app.login("someone").await;
    let admin = app.login("demo-admin").await;
    let id = apply(&app, &applicant, USCC_A).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/admin/merchants/{id}/approve");
    let (a, b) = futures_util::join!(
        app.post(&path, Some(&admin), json!({})),
        app.post(&path, Some(&admin), json!({}))
    );
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 409]);
}

#[actix_web::test]
async fn unknown_merchants_are_404() {
    let app = spawn_app().await;
    let admin = app.login("demo-admin").await;
    let missing = uuid::Uuid::now_v7();
    app.get(&format!("/api/v1/merchants/{missing}"), None)
        .await
        .assert_error(404, "not_found");
    app.post(
        &format!("/api/v1/admin/merchants/{missing}/approve"),
        Some(&admin),
        json!({}),
    )
    .await
    .assert_error(404, "not_found");
}

#[actix_web::test]
async fn only_admins_review() {
    let app = spawn_app().await;
    let applicant = app.login("someone").await;
    let id = apply(&app, &applicant, USCC_A).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let approve = format!("/api/v1/admin/merchants/{id}/approve");
    let reject = format!("/api/v1/admin/merchants/{id}/reject");

    app.get("/api/v1/admin/merchants", None)
        .await
        .assert_error(401, "unauthorized");
    app.post(&approve, None, json!({}))
        .await
        .assert_error(401, "unauthorized");
    for openid in ["demo-resident", "demo-merchant", "demo-handler"] {
        let token = app.login(openid).await;
        app.get("/api/v1/admin/merchants", Some(&token))
            .await
            .assert_error(403, "forbidden");
        app.post(&approve, Some(&token), json!({}))
            .await
            .assert_error(403, "forbidden");
        app.post(&reject, Some(&token), json!({ "reason": "不行" }))
            .await
            .assert_error(403, "forbidden");
    }
    // The applicant cannot approve their own application.
    app.post(&approve, Some(&applicant), json!({}))
        .await
        .assert_error(403, "forbidden");
    // Applying needs a login.
    app.post("/api/v1/merchants", None, application(USCC_B))
        .await
        .assert_error(401, "unauthorized");
    app.get("/api/v1/merchants/mine", None)
        .await
        .assert_error(401, "unauthorized");
}

#[actix_web::test]
async fn the_review_queue_pages_without_gaps_or_repeats() {
    let app = spawn_app().await;
    let admin = app.login("demo-admin").await;
    let codes = [
        "91500108MA61AB001Q",
        "91500108MA61AB002U",
        "91500108MA61AB003Y",
        "91500108MA61AB0042",
    ];
    for (i, code) in codes.iter().enumerate() {
        assert!(yuhui::merchants::uscc::is_valid(code), "{code}");
        let token = app.login(&format!("applicant-{i}")).await;
        apply(&app, &token, code).await;
    }
    // Four new applications plus the seeded pending one.
    let mut seen = HashSet::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/admin/merchants?status=pending&limit=2&cursor={c}"),
            None => "/api/v1/admin/merchants?status=pending&limit=2".to_owned(),
        };
        let res = app.get(&path, Some(&admin)).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        for item in res.body["items"].as_array().unwrap() {
            assert_eq!(item["status"], "pending");
            assert!(
                seen.insert(item["id"].as_str().unwrap().to_owned()),
                "repeated item"
            );
        }
        pages += 1;
        match res.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5);
    assert_eq!(pages, 3);

    let approved = app
        .get(
            "/api/v1/admin/merchants?status=approved&limit=100",
            Some(&admin),
        )
        .await;
    assert_eq!(approved.body["items"].as_array().unwrap().len(), 5);
    app.get("/api/v1/admin/merchants?status=whatever", Some(&admin))
        .await
        .assert_error(400, "bad_request");
}
