//! Consumption vouchers: campaigns, claims under concurrency (one and two
//! instances), redemption at the till, reversal, expiry and stats.

use chrono::{DateTime, Duration, Utc};
use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};
use yuhui::workers::runtime::Periodic;

use crate::helpers::{Response, TestApp, TestOptions, into_response, spawn_app, spawn_app_with};

/// 老四川（解放碑店）: demo-merchant's restaurant in 渝中区 (500103).
pub(crate) const RESTAURANT_500103: &str = "e2cbd95d-5682-5c7b-8eae-8e4bbc326514";
/// 霸王茶姬（解放碑店）: demo-merchant's tea shop in 渝中区.
const TEA_500103: &str = "605d1fd8-5115-514f-b4ad-3cf553940c87";
/// 渝菜馆（观音桥店）: demo-merchant's restaurant in 两江新区 (5001L1).
const RESTAURANT_5001L1: &str = "2d0a26da-7246-5e29-b6b1-44ef52a64f37";
/// A shop of demo-merchant-b's merchant.
const OTHER_MERCHANTS_SHOP: &str = "02e065d4-8462-505a-a049-a6bd7e3da8cf";

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339()
}

/// 满100减25 in restaurants of 渝中区: round 1 opens in an hour, round 2 in three days.
pub(crate) fn campaign_body(app: &TestApp, first: i64, second: i64, per_user_limit: i32) -> Value {
    let now = app.clock.now();
    json!({
        "name": "测试餐饮券 满100减25",
        "categories": ["restaurant"],
        "district_codes": ["500103"],
        "face_value_fen": 2500,
        "threshold_fen": 10000,
        "total_quantity": first + second,
        "per_user_limit": per_user_limit,
        "rounds": [
            {"opens_at": rfc3339(now + Duration::hours(1)), "quantity": first},
            {"opens_at": rfc3339(now + Duration::days(3)), "quantity": second},
        ],
        "valid_days": 1,
        "starts_at": rfc3339(now),
        "ends_at": rfc3339(now + Duration::days(10)),
    })
}

pub(crate) async fn create_campaign(app: &TestApp, body: Value) -> String {
    let admin = app.login("demo-admin").await;
    let res = app
        .post("/api/v1/admin/voucher-campaigns", Some(&admin), body)
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    res.body["id"].as_str().unwrap().to_owned()
}

pub(crate) async fn claim(
    app: &TestApp,
    token: &str,
    campaign: &str,
    key: Option<&str>,
) -> Response {
    let mut req = app
        .client
        .post(app.url(&format!("/api/v1/voucher-campaigns/{campaign}/claims")))
        .bearer_auth(token);
    if let Some(key) = key {
        req = req.header("Idempotency-Key", key);
    }
    into_response(req.send().await.expect("claim sent")).await
}

pub(crate) async fn claim_ok(app: &TestApp, token: &str, campaign: &str) -> Value {
    let res = claim(app, token, campaign, None).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    res.body["voucher"].clone()
}

/// Redeems on an order of its own: each till sale is a new payment.
async fn redeem(app: &TestApp, token: &str, code: &str, shop: &str, amount: i64) -> Response {
    let order_no = format!("POS-{}", uuid::Uuid::now_v7().simple());
    redeem_on(app, token, code, shop, amount, &order_no).await
}

async fn redeem_on(
    app: &TestApp,
    token: &str,
    code: &str,
    shop: &str,
    amount: i64,
    order_no: &str,
) -> Response {
    app.post(
        "/api/v1/merchant/redemptions",
        Some(token),
        json!({"code": code, "shop_id": shop, "order_amount_fen": amount, "order_no": order_no}),
    )
    .await
}

pub(crate) async fn stats(app: &TestApp, campaign: &str) -> Value {
    let admin = app.login("demo-admin").await;
    let res = app
        .get(
            &format!("/api/v1/admin/voucher-campaigns/{campaign}/stats"),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    res.body
}

async fn logins(app: &TestApp, prefix: &str, n: usize) -> Vec<String> {
    join_all((0..n).map(|i| {
        let openid = format!("{prefix}-{i}");
        async move { app.login(&openid).await }
    }))
    .await
}

fn count(responses: &[Response], status: u16, code: Option<&str>) -> usize {
    responses
        .iter()
        .filter(|r| r.status.as_u16() == status && code.is_none_or(|c| r.code() == c))
        .count()
}

#[actix_web::test]
async fn campaigns_are_validated_and_admin_only() {
    let app = spawn_app().await;
    let resident = app.login("demo-resident").await;
    let merchant = app.login("demo-merchant").await;
    let body = campaign_body(&app, 10, 10, 1);
    for token in [&resident, &merchant] {
        app.post("/api/v1/admin/voucher-campaigns", Some(token), body.clone())
            .await
            .assert_error(403, "forbidden");
    }
    app.post("/api/v1/admin/voucher-campaigns", None, body.clone())
        .await
        .assert_error(401, "unauthorized");

    let admin = app.login("demo-admin").await;
    let mut bad = body.clone();
    bad["threshold_fen"] = json!(2500);
    bad["total_quantity"] = json!(21);
    bad["categories"] = json!(["restaurant", "spaceships"]);
    bad["district_codes"] = json!(["500112"]); // 渝北区, no longer in force
    bad["rounds"][1]["opens_at"] = json!(rfc3339(app.clock.now() + Duration::days(11)));
    let res = app
        .post("/api/v1/admin/voucher-campaigns", Some(&admin), bad)
        .await;
    res.assert_error(422, "validation_failed");
    let fields = &res.body["details"]["fields"];
    assert_eq!(fields["threshold_fen"], json!(["must_exceed_face_value"]));
    assert_eq!(
        fields["total_quantity"],
        json!(["must_equal_sum_of_rounds"])
    );
    assert_eq!(fields["categories"], json!(["unknown_category:spaceships"]));
    assert_eq!(fields["district_codes"], json!(["unknown_district:500112"]));
    assert_eq!(
        fields["rounds[1].opens_at"],
        json!(["outside_campaign_window"])
    );

    let mut wrong_type = body.clone();
    wrong_type["face_value_fen"] = json!("25元");
    app.post("/api/v1/admin/voucher-campaigns", Some(&admin), wrong_type)
        .await
        .assert_error(400, "bad_request");

    let id = create_campaign(&app, body).await;
    let listed = app
        .get("/api/v1/voucher-campaigns?status=upcoming", None)
        .await;
    let ours = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == json!(id));
    let ours = ours.expect("the new campaign is upcoming");
    assert_eq!(ours["rounds"].as_array().unwrap().len(), 2);
    assert_eq!(
        ours["rounds"][0]["closes_at"],
        ours["rounds"][1]["opens_at"]
    );
    // The seeded demo campaign is open now, with stock left.
    let open = app.get("/api/v1/voucher-campaigns?status=open", None).await;
    assert!(
        open.body
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == "open" && c["remaining"].as_i64().unwrap() > 0)
    );
    assert!(!open.body.as_array().unwrap().is_empty());
    app.get("/api/v1/voucher-campaigns?status=soon", None)
        .await
        .assert_error(400, "bad_request");
    app.get(
        &format!("/api/v1/voucher-campaigns/{}", uuid::Uuid::now_v7()),
        None,
    )
    .await
    .assert_error(404, "not_found");
}

#[actix_web::test]
async fn claims_follow_the_rounds_and_the_per_user_limit() {
    let app = spawn_app().await;
    let id = create_campaign(&app, campaign_body(&app, 5, 5, 1)).await;
    let token = app.login("round-walker").await;

    let early = claim(&app, &token, &id, None).await;
    early.assert_error(409, "not_open");
    assert!(early.body["details"]["opens_at"].is_string());

    app.clock.advance(Duration::hours(1));
    let token = app.login("round-walker").await;
    let voucher = claim_ok(&app, &token, &id).await;
    let code = voucher["code"].as_str().unwrap();
    assert_eq!(code.len(), 16);
    assert_eq!(voucher["qr_payload"], json!(format!("YHV1:{code}")));
    assert_eq!(voucher["face_value_fen"], 2500);
    assert_eq!(voucher["threshold_fen"], 10000);
    assert_eq!(voucher["status"], "unused");
    claim(&app, &token, &id, None)
        .await
        .assert_error(409, "limit_reached");

    let view = app
        .get(&format!("/api/v1/voucher-campaigns/{id}"), None)
        .await;
    assert_eq!(view.body["status"], "open");
    assert_eq!(view.body["current_round"], 1);
    assert_eq!(view.body["remaining"], 4);

    // Round 2 opens three days after the start: the limit is per round.
    app.clock.set(app.clock.now() + Duration::days(3));
    let token = app.login("round-walker").await;
    claim_ok(&app, &token, &id).await;
    claim(&app, &token, &id, None)
        .await
        .assert_error(409, "limit_reached");

    app.clock.set(app.clock.now() + Duration::days(8));
    let token = app.login("round-walker").await;
    let ended = claim(&app, &token, &id, None).await;
    ended.assert_error(409, "not_open");
    assert_eq!(ended.body["details"]["ended"], true);

    claim(&app, "not-a-token", &id, None)
        .await
        .assert_error(401, "unauthorized");
    claim(&app, &token, &uuid::Uuid::now_v7().to_string(), None)
        .await
        .assert_error(404, "not_found");
}

#[actix_web::test]
async fn two_hundred_concurrent_claims_on_fifty_give_exactly_fifty() {
    let app = spawn_app().await;
    let id = create_campaign(&app, campaign_body(&app, 50, 10, 1)).await;
    app.clock.advance(Duration::hours(1));
    let tokens = logins(&app, "rush", 200).await;
    let responses = join_all(tokens.iter().map(|t| claim(&app, t, &id, None))).await;
    assert_eq!(count(&responses, 201, None), 50);
    assert_eq!(count(&responses, 409, Some("sold_out")), 150);
    let codes: std::collections::HashSet<_> = responses
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .map(|r| r.body["voucher"]["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 50);

    let s = stats(&app, &id).await;
    assert_eq!(s["claimed"], 50);
    assert_eq!(s["rounds"][0]["remaining"], 0);
    assert_eq!(s["rounds"][0]["claimed"], 50);
}

#[actix_web::test]
async fn one_user_firing_twenty_claims_at_once_gets_one() {
    let app = spawn_app().await;
    let id = create_campaign(&app, campaign_body(&app, 100, 10, 1)).await;
    app.clock.advance(Duration::hours(1));
    let token = app.login("eager").await;
    let responses = join_all((0..20).map(|_| claim(&app, &token, &id, None))).await;
    assert_eq!(count(&responses, 201, None), 1);
    assert_eq!(count(&responses, 409, Some("limit_reached")), 19);
    let mine = app.get("/api/v1/vouchers/mine", Some(&token)).await;
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn a_limit_of_three_gives_three_to_a_user_firing_ten() {
    let app = spawn_app().await;
    let id = create_campaign(&app, campaign_body(&app, 100, 10, 3)).await;
    app.clock.advance(Duration::hours(1));
    let token = app.login("thrice").await;
    let responses = join_all((0..10).map(|_| claim(&app, &token, &id, None))).await;
    assert_eq!(count(&responses, 201, None), 3);
    assert_eq!(count(&responses, 409, Some("limit_reached")), 7);
    assert_eq!(stats(&app, &id).await["rounds"][0]["remaining"], 97);
}

#[actix_web::test]
async fn a_retried_claim_returns_the_same_voucher() {
    let app = spawn_app().await;
    let id = create_campaign(&app, campaign_body(&app, 10, 10, 1)).await;
    let other = create_campaign(&app, campaign_body(&app, 10, 10, 1)).await;
    app.clock.advance(Duration::hours(1));
    let token = app.login("flaky-network").await;

    // The same key fired at once and again later: one voucher.
    let at_once = join_all((0..5).map(|_| claim(&app, &token, &id, Some("claim-1")))).await;
    assert_eq!(count(&at_once, 201, None), 5, "{}", at_once[0].text);
    let first = &at_once[0].body["voucher"]["id"];
    assert!(at_once.iter().all(|r| &r.body["voucher"]["id"] == first));
    let later = claim(&app, &token, &id, Some("claim-1")).await;
    assert_eq!(later.status, StatusCode::CREATED);
    assert_eq!(&later.body["voucher"]["id"], first);
    // A new key is a new claim: over the limit.
    claim(&app, &token, &id, Some("claim-2"))
        .await
        .assert_error(409, "limit_reached");
    // The same key for another campaign is a different request.
    claim(&app, &token, &other, Some("claim-1"))
        .await
        .assert_error(422, "idempotency_key_reused");
    assert_eq!(stats(&app, &id).await["claimed"], 1);
}

#[actix_web::test]
async fn redemption_checks_every_rule_of_the_till() {
    let app = spawn_app().await;
    let id = create_campaign(&app, campaign_body(&app, 10, 10, 1)).await;
    app.clock.advance(Duration::hours(1));
    let resident = app.login("diner").await;
    let voucher = claim_ok(&app, &resident, &id).await;
    let code = voucher["code"].as_str().unwrap().to_owned();
    let merchant = app.login("demo-merchant").await;

    // Who may redeem: staff of the shop's merchant only.
    redeem(&app, &resident, &code, RESTAURANT_500103, 12000)
        .await
        .assert_error(403, "forbidden");
    redeem(&app, &merchant, &code, OTHER_MERCHANTS_SHOP, 12000)
        .await
        .assert_error(403, "forbidden");
    // Where: the campaign's categories and districts.
    redeem(&app, &merchant, &code, TEA_500103, 12000)
        .await
        .assert_error(403, "not_applicable");
    redeem(&app, &merchant, &code, RESTAURANT_5001L1, 12000)
        .await
        .assert_error(403, "not_applicable");
    // How much: the threshold.
    let low = redeem(&app, &merchant, &code, RESTAURANT_500103, 9999).await;
    low.assert_error(422, "threshold_not_met");
    assert_eq!(low.body["details"]["threshold_fen"], 10000);
    // What: a code that does not exist, or is not a code at all.
    redeem(
        &app,
        &merchant,
        "0000-0000-0000-0000",
        RESTAURANT_500103,
        12000,
    )
    .await
    .assert_error(404, "not_found");
    let garbled = redeem(&app, &merchant, "hello", RESTAURANT_500103, 12000).await;
    garbled.assert_error(422, "validation_failed");
    redeem(
        &app,
        &merchant,
        &code,
        &uuid::Uuid::now_v7().to_string(),
        12000,
    )
    .await
    .assert_error(404, "not_found");
    app.post(
        "/api/v1/merchant/redemptions",
        Some(&merchant),
        json!({"code": code, "shop_id": RESTAURANT_500103, "order_amount_fen": -5, "order_no": "POS-1"}),
    )
    .await
    .assert_error(422, "validation_failed");

    // The scanned QR payload, typed in lower case, works.
    let scanned = format!("YHV1:{}", code.to_lowercase());
    let ok = redeem(&app, &merchant, &scanned, RESTAURANT_500103, 12345).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert_eq!(ok.body["discount_fen"], 2500);
    assert_eq!(ok.body["payable_fen"], 9845);
    redeem(&app, &merchant, &code, RESTAURANT_500103, 12345)
        .await
        .assert_error(409, "already_redeemed");
    let used = app
        .get("/api/v1/vouchers/mine?status=used", Some(&resident))
        .await;
    assert_eq!(used.body["items"][0]["code"], json!(code));

    let s = stats(&app, &id).await;
    assert_eq!(s["redeemed"], 1);
    assert_eq!(
        s["redeemed_by_round"],
        json!([{ "seq": 1, "redeemed": 1 }, { "seq": 2, "redeemed": 0 }])
    );
    assert_eq!(s["order_amount_fen"], 12345);
    assert_eq!(s["discount_fen"], 2500);

    // Same-day reversal gives the voucher back; the second reversal is refused.
    let redemption = ok.body["redemption_id"].as_str().unwrap();
    let reversal = format!("/api/v1/merchant/redemptions/{redemption}/reversal");
    let other_merchant = app.login("demo-merchant-b").await;
    app.post(&reversal, Some(&other_merchant), json!({}))
        .await
        .assert_error(403, "forbidden");
    let back = app.post(&reversal, Some(&merchant), json!({})).await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.text);
    app.post(&reversal, Some(&merchant), json!({}))
        .await
        .assert_error(409, "already_reversed");
    let unused = app
        .get("/api/v1/vouchers/mine?status=unused", Some(&resident))
        .await;
    assert_eq!(unused.body["items"][0]["code"], json!(code));
    let s = stats(&app, &id).await;
    assert_eq!(
        (s["redeemed"].clone(), s["reversed"].clone()),
        (json!(0), json!(1))
    );
    assert_eq!(s["redeemed_by_round"][0]["redeemed"], 0);
    assert_eq!(s["order_amount_fen"], 0);

    // Spent again, then the next day: no reversal.
    let again = redeem(&app, &merchant, &code, RESTAURANT_500103, 20000).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    app.clock.set(app.clock.now() + Duration::hours(16));
    let merchant = app.login("demo-merchant").await;
    let late = format!(
        "/api/v1/merchant/redemptions/{}/reversal",
        again.body["redemption_id"].as_str().unwrap()
    );
    app.post(&late, Some(&merchant), json!({}))
        .await
        .assert_error(409, "reversal_window_closed");
}

#[actix_web::test]
async fn expired_vouchers_refuse_and_return_to_the_round_they_expired_in() {
    let app = spawn_app().await;
    let id = create_campaign(&app, campaign_body(&app, 10, 10, 1)).await;
    app.clock.advance(Duration::hours(1));
    let a = app.login("forgetful-a").await;
    let b = app.login("forgetful-b").await;
    let va = claim_ok(&app, &a, &id).await;
    claim_ok(&app, &b, &id).await;

    // Valid through the end of the claim day in Chongqing (valid_days = 1).
    assert!(
        va["expires_at"]
            .as_str()
            .unwrap()
            .starts_with("2026-11-27T16:00:00")
    );
    app.clock.set(app.clock.now() + Duration::days(1));
    let merchant = app.login("demo-merchant").await;
    let code = va["code"].as_str().unwrap();
    redeem(&app, &merchant, code, RESTAURANT_500103, 20000)
        .await
        .assert_error(409, "expired");
    let a = app.login("forgetful-a").await;
    let expired = app
        .get("/api/v1/vouchers/mine?status=expired", Some(&a))
        .await;
    assert_eq!(expired.body["items"].as_array().unwrap().len(), 1);

    let admin = app.login("demo-admin").await;
    let sweep = app
        .post(
            "/api/v1/admin/vouchers/expiry-sweeps",
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(sweep.status, StatusCode::OK, "{}", sweep.text);
    assert_eq!(sweep.body, json!({"expired": 2, "returned": 2}));
    let again = app
        .post(
            "/api/v1/admin/vouchers/expiry-sweeps",
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(again.body, json!({"expired": 0, "returned": 0}));

    let s = stats(&app, &id).await;
    assert_eq!(
        (s["expired"].clone(), s["returned"].clone()),
        (json!(2), json!(2))
    );
    // They expired while round 1 was open: its stock has them back.
    assert_eq!(s["rounds"][0]["returned"], 2);
    assert_eq!(s["rounds"][0]["remaining"], 10);
    assert_eq!(s["rounds"][1]["remaining"], 10);
    app.post(
        "/api/v1/admin/vouchers/expiry-sweeps",
        Some(&merchant),
        json!({}),
    )
    .await
    .assert_error(403, "forbidden");
}

#[actix_web::test]
async fn a_rounds_leftover_rolls_into_the_next_and_late_returns_follow_it() {
    let app = spawn_app().await;
    let rolling = create_campaign(&app, campaign_body(&app, 10, 10, 1)).await;
    let mut fixed = campaign_body(&app, 10, 10, 1);
    fixed["roll_over_leftovers"] = json!(false);
    let fixed = create_campaign(&app, fixed).await;
    app.clock.advance(Duration::hours(1));
    for who in ["early-1", "early-2", "early-3"] {
        let token = app.login(who).await;
        claim_ok(&app, &token, &rolling).await;
        claim_ok(&app, &token, &fixed).await;
    }
    // Round 2 opens with 7 unclaimed vouchers of round 1 behind it; the
    // three claimed ones expired in round 1 but nobody swept then.
    app.clock.advance(Duration::days(3));
    let late = app.login("round-two").await;
    claim_ok(&app, &late, &rolling).await;
    claim_ok(&app, &late, &fixed).await;
    let s = stats(&app, &rolling).await;
    assert_eq!(s["rounds"][0]["carried_out"], 7, "{s}");
    assert_eq!(s["rounds"][0]["remaining"], 0);
    assert_eq!(s["rounds"][1]["carried_in"], 7);
    assert_eq!(s["rounds"][1]["remaining"], 10 + 7 - 1);
    let s = stats(&app, &fixed).await;
    assert_eq!(s["rounds"][1]["carried_in"], 0, "{s}");
    assert_eq!(s["rounds"][1]["remaining"], 9);

    // The late sweep gives the expired three to round 2 where round 1's
    // leftover went, or to nobody where leftovers do not roll over.
    let admin = app.login("demo-admin").await;
    let sweep = app
        .post(
            "/api/v1/admin/vouchers/expiry-sweeps",
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(
        sweep.body,
        json!({"expired": 6, "returned": 3}),
        "{}",
        sweep.text
    );
    let s = stats(&app, &rolling).await;
    assert_eq!(s["rounds"][0]["returned"], 0, "{s}");
    assert_eq!(s["rounds"][1]["returned"], 3);
    assert_eq!(s["rounds"][1]["remaining"], 10 + 7 + 3 - 1);
    assert_eq!(stats(&app, &fixed).await["rounds"][1]["remaining"], 9);
    // Closing out is done once, however many instances or jobs try again.
    app.jobs.voucher_expiry.run_once().await.expect("a sweep");
    assert_eq!(stats(&app, &rolling).await["rounds"][1]["carried_in"], 7);
}

#[actix_web::test]
async fn a_round_nobody_claims_in_passes_its_leftover_on_at_the_job() {
    let app = spawn_app().await;
    let id = create_campaign(&app, campaign_body(&app, 10, 10, 1)).await;
    app.clock.advance(Duration::days(3) + Duration::hours(1));
    app.jobs.voucher_expiry.run_once().await.expect("a sweep");
    let s = stats(&app, &id).await;
    assert_eq!(s["rounds"][1]["carried_in"], 10, "{s}");
    assert_eq!(s["rounds"][1]["remaining"], 20);
    // Twenty people can now claim in round 2, the twenty-first cannot.
    let mut claims = Vec::new();
    for i in 0..21 {
        let token = app.login(&format!("second-chance-{i}")).await;
        claims.push(claim(&app, &token, &id, None).await);
    }
    let codes: Vec<&str> = claims.iter().map(|r| r.code()).collect();
    assert_eq!(count(&claims, 201, None), 20, "{codes:?}");
    assert_eq!(count(&claims, 409, Some("sold_out")), 1);
}

#[actix_web::test]
async fn two_tills_scanning_one_code_at_once_redeem_it_once() {
    let app = spawn_app().await;
    let id = create_campaign(&app, campaign_body(&app, 10, 10, 1)).await;
    app.clock.advance(Duration::hours(1));
    let resident = app.login("double-scan").await;
    let code = claim_ok(&app, &resident, &id).await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let merchant = app.login("demo-merchant").await;
    let tills =
        join_all((0..8).map(|_| redeem(&app, &merchant, &code, RESTAURANT_500103, 15000))).await;
    assert_eq!(count(&tills, 200, None), 1);
    assert_eq!(count(&tills, 409, Some("already_redeemed")), 7);
    assert_eq!(stats(&app, &id).await["redeemed"], 1);
}

#[actix_web::test]
async fn one_payment_takes_one_voucher_until_it_is_reversed() {
    let app = spawn_app().await;
    let id = create_campaign(&app, campaign_body(&app, 10, 10, 1)).await;
    app.clock.advance(Duration::hours(1));
    let mut codes = Vec::new();
    for who in ["payer-a", "payer-b", "payer-c", "payer-d"] {
        let token = app.login(who).await;
        codes.push(
            claim_ok(&app, &token, &id).await["code"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let merchant = app.login("demo-merchant").await;
    // Two 满100减25 vouchers on one 300-yuan order would give 50 off.
    let first = redeem_on(
        &app,
        &merchant,
        &codes[0],
        RESTAURANT_500103,
        30000,
        "POS-300",
    )
    .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.body["order_no"], "POS-300");
    let second = redeem_on(
        &app,
        &merchant,
        &codes[1],
        RESTAURANT_500103,
        30000,
        " POS-300 ",
    )
    .await;
    second.assert_error(409, "one_voucher_per_payment");
    assert_eq!(
        second.body["details"]["redemption_id"],
        first.body["redemption_id"]
    );
    // Refused, the second voucher is still its holder's to spend.
    let elsewhere = redeem_on(
        &app,
        &merchant,
        &codes[1],
        RESTAURANT_500103,
        30000,
        "POS-301",
    )
    .await;
    assert_eq!(elsewhere.status, StatusCode::OK, "{}", elsewhere.text);
    // Order numbers are the merchant's own: another merchant's POS-300 is another payment.
    let other = app.login("demo-merchant-b").await;
    let theirs = redeem_on(
        &app,
        &other,
        &codes[2],
        OTHER_MERCHANTS_SHOP,
        30000,
        "POS-300",
    )
    .await;
    assert_ne!(theirs.code(), "one_voucher_per_payment", "{}", theirs.text);
    // A reversal frees the order for another voucher.
    let reversal = format!(
        "/api/v1/merchant/redemptions/{}/reversal",
        first.body["redemption_id"].as_str().unwrap()
    );
    let back = app.post(&reversal, Some(&merchant), json!({})).await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.text);
    let after = redeem_on(
        &app,
        &merchant,
        &codes[3],
        RESTAURANT_500103,
        30000,
        "POS-300",
    )
    .await;
    assert_eq!(after.status, StatusCode::OK, "{}", after.text);
    assert_eq!(
        stats(&app, &id).await["discount_fen"],
        5000,
        "one voucher per paid order"
    );
    redeem_on(&app, &merchant, &codes[0], RESTAURANT_500103, 30000, "  ")
        .await
        .assert_error(422, "validation_failed");
}

#[actix_web::test]
async fn two_vouchers_scanned_on_one_order_at_once_take_one() {
    let app = spawn_app().await;
    let id = create_campaign(&app, campaign_body(&app, 10, 10, 1)).await;
    app.clock.advance(Duration::hours(1));
    let mut codes = Vec::new();
    for i in 0..6 {
        let token = app.login(&format!("rush-{i}")).await;
        codes.push(
            claim_ok(&app, &token, &id).await["code"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let merchant = app.login("demo-merchant").await;
    let tills = join_all(
        codes
            .iter()
            .map(|code| redeem_on(&app, &merchant, code, RESTAURANT_500103, 15000, "POS-RUSH")),
    )
    .await;
    assert_eq!(count(&tills, 200, None), 1);
    assert_eq!(count(&tills, 409, Some("one_voucher_per_payment")), 5);
    assert_eq!(stats(&app, &id).await["redeemed"], 1);
}

#[actix_web::test]
async fn a_retried_redemption_is_answered_once() {
    let app = spawn_app().await;
    let id = create_campaign(&app, campaign_body(&app, 10, 10, 1)).await;
    app.clock.advance(Duration::hours(1));
    let resident = app.login("till-retry").await;
    let code = claim_ok(&app, &resident, &id).await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let merchant = app.login("demo-merchant").await;
    let send = |amount: i64| {
        let req = app
            .client
            .post(app.url("/api/v1/merchant/redemptions"))
            .bearer_auth(&merchant)
            .header("Idempotency-Key", "till-7-order-1")
            .json(&json!({"code": code, "shop_id": RESTAURANT_500103, "order_amount_fen": amount, "order_no": "till-7-order-1"}));
        async move { into_response(req.send().await.unwrap()).await }
    };
    let first = send(15000).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let retry = send(15000).await;
    assert_eq!(retry.status, StatusCode::OK, "{}", retry.text);
    assert_eq!(retry.body["redemption_id"], first.body["redemption_id"]);
    send(16000)
        .await
        .assert_error(422, "idempotency_key_reused");
}

#[actix_web::test]
async fn my_vouchers_are_mine_alone() {
    let app = spawn_app().await;
    let id = create_campaign(&app, campaign_body(&app, 10, 10, 1)).await;
    app.clock.advance(Duration::hours(1));
    let a = app.login("owner-a").await;
    let b = app.login("owner-b").await;
    let va = claim_ok(&app, &a, &id).await;
    let mine_b = app.get("/api/v1/vouchers/mine", Some(&b)).await;
    assert_eq!(mine_b.status, StatusCode::OK);
    assert!(mine_b.body["items"].as_array().unwrap().is_empty());
    let mine_a = app.get("/api/v1/vouchers/mine?limit=1", Some(&a)).await;
    assert_eq!(mine_a.body["items"][0]["id"], va["id"]);
    app.get("/api/v1/vouchers/mine", None)
        .await
        .assert_error(401, "unauthorized");
    app.get("/api/v1/vouchers/mine?status=lost", Some(&a))
        .await
        .assert_error(400, "bad_request");
    // Stats are for admins.
    app.get(
        &format!("/api/v1/admin/voucher-campaigns/{id}/stats"),
        Some(&a),
    )
    .await
    .assert_error(403, "forbidden");
    // The demo resident holds a voucher of the open demo campaign.
    let demo = app.login("demo-resident").await;
    let held = app
        .get("/api/v1/vouchers/mine?status=unused", Some(&demo))
        .await;
    assert_eq!(held.body["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn two_instances_on_one_database_never_oversell_or_double_spend() {
    let a = spawn_app().await;
    let b = spawn_app_with(TestOptions {
        shared_database_url: Some(a.database_url.clone()),
        ..TestOptions::default()
    })
    .await;
    let id = create_campaign(&a, campaign_body(&a, 50, 10, 1)).await;
    for app in [&a, &b] {
        app.clock.advance(Duration::hours(1));
    }

    // 200 users, alternating instances, on a round of 50.
    let tokens = logins(&a, "twin-rush", 200).await;
    let responses = join_all(tokens.iter().enumerate().map(|(i, t)| {
        let app = if i % 2 == 0 { &a } else { &b };
        claim(app, t, &id, None)
    }))
    .await;
    assert_eq!(count(&responses, 201, None), 50);
    assert_eq!(count(&responses, 409, Some("sold_out")), 150);

    // One user, twenty claims over both instances, on a fresh campaign.
    let second = create_campaign(&a, campaign_body(&a, 100, 10, 1)).await;
    for app in [&a, &b] {
        app.clock.advance(Duration::hours(1));
    }
    let eager = a.login("twin-eager").await;
    let responses = join_all((0..20).map(|i| {
        let app = if i % 2 == 0 { &a } else { &b };
        claim(app, &eager, &second, None)
    }))
    .await;
    assert_eq!(
        count(&responses, 201, None),
        1,
        "{:?}",
        responses.iter().map(|r| &r.text).collect::<Vec<_>>()
    );
    assert_eq!(count(&responses, 409, Some("limit_reached")), 19);

    // Two tills on two instances scan one code.
    let code = responses
        .iter()
        .find(|r| r.status == StatusCode::CREATED)
        .map(|r| r.body["voucher"]["code"].as_str().unwrap().to_owned())
        .unwrap();
    let merchant = a.login("demo-merchant").await;
    let tills = join_all((0..8).map(|i| {
        let app = if i % 2 == 0 { &a } else { &b };
        redeem(app, &merchant, &code, RESTAURANT_500103, 15000)
    }))
    .await;
    assert_eq!(count(&tills, 200, None), 1);
    assert_eq!(count(&tills, 409, Some("already_redeemed")), 7);

    let s = stats(&a, &id).await;
    assert_eq!(s["claimed"], 50);
    assert_eq!(s["rounds"][0]["remaining"], 0);
}

#[actix_web::test]
async fn a_retry_under_a_higher_limit_gets_its_voucher_and_takes_no_stock() {
    let app = spawn_app().await;
    let id = create_campaign(&app, campaign_body(&app, 10, 10, 3)).await;
    app.clock.advance(Duration::hours(1));
    let token = app.login("slow-network").await;
    let first = claim(&app, &token, &id, Some("tap-1")).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    // Under the limit, so the retry reaches the database and meets its key.
    for _ in 0..3 {
        let retry = claim(&app, &token, &id, Some("tap-1")).await;
        assert_eq!(retry.status, StatusCode::CREATED, "{}", retry.text);
        assert_eq!(retry.body["voucher"]["id"], first.body["voucher"]["id"]);
    }
    let s = stats(&app, &id).await;
    assert_eq!(s["claimed"], 1);
    assert_eq!(s["rounds"][0]["remaining"], 9);
    // A new key is a second voucher.
    let second = claim(&app, &token, &id, Some("tap-2")).await;
    assert_eq!(second.status, StatusCode::CREATED);
    assert_ne!(second.body["voucher"]["id"], first.body["voucher"]["id"]);
}
