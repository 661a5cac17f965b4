//! Personal data: what merchants and admins see of a complainant, which
//! photos they see, the audit trail of every unmasked read and staff
//! action, a resident's export and account closing, and key retention.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use yuhui::workers::runtime::Periodic;

use crate::complaints::{NOODLES, file, filing, jpeg, upload};
use crate::helpers::{TestApp, spawn_app};
use crate::vouchers::{RESTAURANT_500103, campaign_body, claim_ok, create_campaign, stats};

async fn case_of(app: &TestApp, title: &str) -> String {
    let resident = app.login("demo-resident").await;
    file(app, &resident, filing(NOODLES, title)).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[actix_web::test]
async fn merchants_and_admins_see_the_address_down_to_the_district_and_only_shared_photos() {
    let app = spawn_app().await;
    let id = case_of(&app, "带照片的投诉").await;
    let resident = app.login("demo-resident").await;
    let merchant = app.login("demo-merchant").await;
    let admin = app.login("demo-admin").await;
    let handler = app.login("demo-handler").await;
    let case = format!("/api/v1/complaints/{id}");

    for who in [&merchant, &admin] {
        let seen = app.get(&case, Some(who)).await;
        assert_eq!(seen.body["contact"]["address"], "重庆市渝中区****");
        assert_eq!(seen.body["contact"]["phone"], "139****5678");
    }
    let seen = app.get(&case, Some(&handler)).await;
    assert_eq!(seen.body["contact"]["address"], "重庆市渝中区民族路 88 号");

    let kept = upload(&app, &resident, &id, jpeg(1), "image/jpeg").await;
    assert_eq!(kept.body["shared_with_merchant"], false);
    let photo = kept.body["url"].as_str().unwrap().to_owned();
    let photos = |who: String| {
        let app = &app;
        let case = case.clone();
        async move {
            app.get(&case, Some(&who)).await.body["attachments"]
                .as_array()
                .unwrap()
                .len()
        }
    };
    assert_eq!(photos(merchant.clone()).await, 0);
    assert_eq!(photos(handler.clone()).await, 1);
    app.get(&photo, Some(&merchant))
        .await
        .assert_error(404, "not_found");

    // Only the complainant decides.
    let share = photo.clone();
    app.patch(
        &share,
        Some(&merchant),
        json!({ "shared_with_merchant": true }),
    )
    .await
    .assert_error(403, "forbidden");
    let shared = app
        .patch(
            &share,
            Some(&resident),
            json!({ "shared_with_merchant": true }),
        )
        .await;
    assert_eq!(shared.status, StatusCode::OK, "{}", shared.text);
    assert_eq!(photos(merchant.clone()).await, 1);
    let fetched = app
        .client
        .get(app.url(&photo))
        .bearer_auth(&merchant)
        .send()
        .await
        .unwrap();
    assert_eq!(fetched.status(), StatusCode::OK);

    // Shared when uploaded, by the complainant only.
    let second = app
        .client
        .post(app.url(&format!("{case}/attachments?shared_with_merchant=true")))
        .bearer_auth(&resident)
        .header("content-type", "image/jpeg")
        .body(jpeg(2))
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), StatusCode::CREATED);
    assert_eq!(photos(merchant).await, 2);
}

async fn audit(app: &TestApp, query: &str) -> Vec<Value> {
    let admin = app.login("demo-admin").await;
    let res = app
        .get(&format!("/api/v1/admin/audit-events?{query}"), Some(&admin))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    res.body["items"].as_array().unwrap().clone()
}

#[actix_web::test]
async fn every_unmasked_read_and_staff_action_is_in_the_audit_trail() {
    let app = spawn_app().await;
    let id = case_of(&app, "审计测试投诉").await;
    let resident = app.login("demo-resident").await;
    let handler = app.login("demo-handler").await;
    let handler_id = app.me(&handler).await["id"].as_str().unwrap().to_owned();
    let merchant = app.login("demo-merchant").await;
    let case = format!("/api/v1/complaints/{id}");

    // Reads by the complainant and masked views leave no trace.
    app.get(&case, Some(&resident)).await;
    app.get(&case, Some(&merchant)).await;
    assert!(audit(&app, &format!("object_id={id}")).await.is_empty());

    // The handler's unmasked view, with the request id it came with.
    let viewed = app
        .client
        .get(app.url(&case))
        .bearer_auth(&handler)
        .header("x-request-id", "audit-test-request-0001")
        .send()
        .await
        .unwrap();
    assert_eq!(viewed.status(), StatusCode::OK);
    let events = audit(&app, &format!("object_id={id}")).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["action"], "view_personal_data");
    assert_eq!(events[0]["actor_id"], handler_id.as_str());
    assert_eq!(events[0]["actor_role"], "handler");
    assert_eq!(events[0]["object_type"], "complaint");
    assert_eq!(events[0]["request_id"], "audit-test-request-0001");

    // A staff action, and the view it answers with.
    let accepted = app
        .post(&format!("{case}/accept"), Some(&handler), json!({}))
        .await;
    assert_eq!(accepted.status, StatusCode::OK);
    let actions = audit(
        &app,
        &format!("object_id={id}&action=POST%20/api/v1/complaints/%7Bid%7D/accept"),
    )
    .await;
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(actions[0]["actor_role"], "handler");
    assert_eq!(actions[0]["object_type"], "complaint");

    // A photo download by the handler.
    let photo = upload(&app, &resident, &id, jpeg(3), "image/jpeg").await;
    let photo_id = photo.body["id"].as_str().unwrap().to_owned();
    app.client
        .get(app.url(photo.body["url"].as_str().unwrap()))
        .bearer_auth(&handler)
        .send()
        .await
        .unwrap();
    let downloads = audit(&app, &format!("object_id={photo_id}")).await;
    assert_eq!(downloads.len(), 1);
    assert_eq!(downloads[0]["object_type"], "complaint_attachment");

    // An export.
    let resident_id = app.me(&resident).await["id"].as_str().unwrap().to_owned();
    app.get("/api/v1/me/export", Some(&resident)).await;
    let exports = audit(
        &app,
        &format!("object_id={resident_id}&action=view_personal_data"),
    )
    .await;
    assert_eq!(exports.len(), 1);
    assert_eq!(exports[0]["object_type"], "user");

    // "Who saw this complainant's phone number": every unmasked read of the case.
    let readers = audit(&app, &format!("object_id={id}&action=view_personal_data")).await;
    assert!(readers.len() >= 2, "the view and the answer to accept");
    assert!(readers.iter().all(|e| e["actor_id"] == handler_id.as_str()));
    // Filters by actor and time.
    let by_handler = audit(&app, &format!("actor_id={handler_id}")).await;
    assert!(by_handler.len() >= 4);
    let future = (Utc::now() + Duration::days(3650))
        .to_rfc3339()
        .replace('+', "%2B");
    assert!(audit(&app, &format!("from={future}")).await.is_empty());

    // Only admins read the trail, and nobody can change it.
    app.get("/api/v1/admin/audit-events", Some(&handler))
        .await
        .assert_error(403, "forbidden");
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    use sea_orm::ConnectionTrait;
    assert!(
        db.execute_unprepared("DELETE FROM audit_events")
            .await
            .is_err()
    );
    assert!(
        db.execute_unprepared("UPDATE audit_events SET action = 'nothing'")
            .await
            .is_err()
    );
}

#[actix_web::test]
async fn a_resident_downloads_their_data_then_closes_the_account() {
    let app = spawn_app().await;
    let campaign = create_campaign(&app, campaign_body(&app, 10, 10, 1)).await;
    app.clock.advance(Duration::hours(1));
    let token = app.login("leaving-resident").await;
    let user_id = app.me(&token).await["id"].as_str().unwrap().to_owned();
    let voucher = claim_ok(&app, &token, &campaign).await;
    let filed = file(&app, &token, filing(NOODLES, "准备注销前的投诉")).await;
    let case = filed["id"].as_str().unwrap().to_owned();

    let export = app.get("/api/v1/me/export", Some(&token)).await;
    assert_eq!(export.status, StatusCode::OK, "{}", export.text);
    assert_eq!(export.body["user"]["id"], user_id.as_str());
    assert_eq!(export.body["complaints"][0]["id"], case.as_str());
    assert_eq!(export.body["complaints"][0]["contact_phone"], "13912345678");
    assert!(
        !export.body["complaints"][0]["events"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(export.body["vouchers"][0]["code"], voucher["code"]);
    assert!(
        export.body["trade_in_applications"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(export.body["recycling_pickups"].is_array());

    let close = |body: Value| {
        app.request(
            reqwest::Method::DELETE,
            "/api/v1/me",
            Some(&token),
            Some(body),
        )
    };
    close(json!({ "confirm": "yes" }))
        .await
        .assert_error(422, "validation_failed");
    close(json!({ "confirm": "注销" }))
        .await
        .assert_error(409, "open_cases");
    app.post(
        &format!("/api/v1/complaints/{case}/withdraw"),
        Some(&token),
        json!({}),
    )
    .await;
    let closed = close(json!({ "confirm": "注销" })).await;
    assert_eq!(closed.status, StatusCode::NO_CONTENT, "{}", closed.text);

    // Every token of the account stops working at once.
    app.get("/api/v1/me", Some(&token))
        .await
        .assert_error(401, "unauthorized");
    // A later login is a fresh account with no history.
    let fresh = app.login("leaving-resident").await;
    assert_ne!(app.me(&fresh).await["id"], user_id.as_str());
    let mine = app.get("/api/v1/complaints/mine", Some(&fresh)).await;
    assert!(mine.body["items"].as_array().unwrap().is_empty());
    let wallet = app.get("/api/v1/vouchers/mine", Some(&fresh)).await;
    assert!(wallet.body["items"].as_array().unwrap().is_empty());

    // The voucher is void and its stock went back to the round open now.
    let s = stats(&app, &campaign).await;
    assert_eq!(s["rounds"][0]["returned"], 1, "{s}");
    let merchant = app.login("demo-merchant").await;
    app.post(
        "/api/v1/merchant/redemptions",
        Some(&merchant),
        json!({"code": voucher["code"], "shop_id": RESTAURANT_500103, "order_amount_fen": 20000, "order_no": "POS-void-1"}),
    )
    .await
    .assert_error(409, "voucher_void");

    // The case file stays for the regulator, for handlers only.
    let handler = app.login("demo-handler").await;
    let kept = app
        .get(&format!("/api/v1/complaints/{case}"), Some(&handler))
        .await;
    assert_eq!(kept.status, StatusCode::OK);
    assert_eq!(kept.body["complainant_account_closed"], true);
    app.get(&format!("/api/v1/complaints/{case}"), Some(&merchant))
        .await
        .assert_error(403, "forbidden");
}

#[actix_web::test]
async fn the_last_staff_member_of_a_merchant_cannot_leave_it_unanswered() {
    let app = spawn_app().await;
    let merchant = app.login("demo-merchant").await;
    let res = app
        .request(
            reqwest::Method::DELETE,
            "/api/v1/me",
            Some(&merchant),
            Some(json!({ "confirm": "注销" })),
        )
        .await;
    res.assert_error(409, "last_staff");
    // Nothing changed.
    assert_eq!(
        app.me(&merchant).await["merchant_ids"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
}

#[actix_web::test]
async fn idempotency_keys_are_kept_seven_days_and_audit_events_for_good() {
    let app = spawn_app().await;
    let resident = app.login("demo-resident").await;
    let body = filing(NOODLES, "带幂等键的投诉");
    let send = |key: &'static str| {
        let app = &app;
        let resident = resident.clone();
        let body = body.clone();
        async move {
            app.client
                .post(app.url("/api/v1/complaints"))
                .bearer_auth(&resident)
                .header("Idempotency-Key", key)
                .json(&body)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()["id"]
                .clone()
        }
    };
    let first = send("retention-key-1").await;
    assert_eq!(send("retention-key-1").await, first);
    let handler = app.login("demo-handler").await;
    app.get(
        &format!("/api/v1/complaints/{}", first.as_str().unwrap()),
        Some(&handler),
    )
    .await;
    let trail = audit(&app, "limit=100").await.len();

    app.clock.advance(Duration::days(6));
    assert_eq!(app.jobs.idempotency_retention.run_once().await.unwrap(), 0);
    app.clock.advance(Duration::days(2));
    assert!(app.jobs.idempotency_retention.run_once().await.unwrap() >= 1);
    // Past its retention the key is free: the same request is a new filing.
    let resident = app.login("demo-resident").await;
    let again = app
        .client
        .post(app.url("/api/v1/complaints"))
        .bearer_auth(&resident)
        .header("Idempotency-Key", "retention-key-1")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_ne!(again.json::<Value>().await.unwrap()["id"], first);
    assert!(audit(&app, "limit=100").await.len() >= trail);
}
