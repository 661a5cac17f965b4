//! Trade-in: rules and quotes, offers, subsidy applications under
//! concurrency, review, refunds, recycling pickups and who may do what.

use chrono::{DateTime, Duration, TimeZone, Utc};
use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};
use yuhui::workers::runtime::Periodic;

use crate::helpers::{Response, TestApp, TestOptions, into_response, spawn_app, spawn_app_with};

/// 较场口邻里便民超市's merchant (demo-merchant): runs the 重庆百货 stores
/// and recycling shops in 渝中区, 两江新区 and 南岸区.
const MERCHANT_3: &str = "01936d4a-0000-7000-8000-000000000003";
/// demo-merchant-b's merchant (no recycling shop).
const MERCHANT_5: &str = "01936d4a-0000-7000-8000-000000000005";
/// Seeded offer: 海尔 refrigerator, 4,999.00 yuan, grade 1, at 重庆百货（民族路店）.
const FRIDGE_OFFER: &str = "01936d4a-0000-7000-8006-000000000001";
/// 重庆百货（民族路店）, merchant 3, 渝中区.
const STORE_500103: &str = "3e6798e7-32e2-562c-9da9-efd1b7713177";
/// 邹容路家电维修, merchant 5, 渝中区.
const REPAIR_SHOP_B: &str = "09ce40ad-f0e5-5183-a124-056da8079a32";
/// 解放碑, WGS-84 as the phone reports it.
const JIEFANGBEI: (f64, f64) = (29.5575, 106.5770);

/// A working day of the 2025 national programme (invoices dated in 2025),
/// 10:00 in Chongqing: the rules these tests check are 2025's.
fn in_2025_programme() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 11, 27, 2, 0, 0)
        .single()
        .expect("valid time")
}

/// An app whose clock is inside the 2025 programme.
async fn spawn_in_2025() -> TestApp {
    spawn_app_with(TestOptions::default().starting(in_2025_programme())).await
}

async fn post_with_key(
    app: &TestApp,
    path: &str,
    token: &str,
    key: &str,
    body: &Value,
) -> Response {
    let res = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .expect("request sent");
    into_response(res).await
}

fn application(category: &str, price_fen: i64, grade: Option<u8>, n: u32) -> Value {
    json!({
        "category": category,
        "merchant_id": MERCHANT_3,
        "price_fen": price_fen,
        "efficiency_grade": grade,
        "invoice_no": format!("INV-{category}-{n:04}"),
        "serial_no": format!("SN-{category}-{n:04}"),
    })
}

fn tomorrow(app: &TestApp) -> String {
    (app.clock.now_local().date_naive() + Duration::days(1)).to_string()
}

fn pickup_body(app: &TestApp, categories: &[&str], slot: &str) -> Value {
    json!({
        "address": "渝中区民族路 100 号 8-2",
        "lat": JIEFANGBEI.0,
        "lng": JIEFANGBEI.1,
        "coord": "wgs84",
        "categories": categories,
        "date": tomorrow(app),
        "slot": slot,
        "district_code": "500103",
    })
}

#[actix_web::test]
async fn a_fridge_is_quoted_picked_up_applied_for_and_approved_and_a_second_is_refused() {
    // The outbox sends only when the test runs a round.
    let app = spawn_app_with(
        TestOptions::default()
            .starting(in_2025_programme())
            .var("YUHUI_OUTBOX_POLL_MS", "3600000"),
    )
    .await;
    let resident = app.login("demo-resident").await;
    let admin = app.login("demo-admin").await;
    let recycler = app.login("demo-merchant").await;

    let quote = app
        .get(
            "/api/v1/trade-in/quote?category=refrigerator&price_fen=499900&efficiency_grade=1",
            None,
        )
        .await;
    assert_eq!(quote.status, StatusCode::OK, "{}", quote.text);
    assert_eq!(quote.body["subsidy_fen"], 99_980);
    assert_eq!(quote.body["rate"], 0.2);
    assert_eq!(quote.body["cap_fen"], 200_000);
    assert_eq!(quote.body["rule"], "national-2025");
    assert_eq!(quote.body["eligible"], true);
    assert_eq!(quote.body["recycling_bonus_fen"], 9_998);
    assert!(
        quote.body["explanation"]
            .as_str()
            .unwrap()
            .contains("999.80")
    );

    let pickup = app
        .post(
            "/api/v1/recycling/pickups",
            Some(&resident),
            pickup_body(&app, &["refrigerator"], "morning"),
        )
        .await;
    assert_eq!(pickup.status, StatusCode::CREATED, "{}", pickup.text);
    assert_eq!(pickup.body["status"], "scheduled");
    assert_eq!(pickup.body["slot_starts_at"], "09:00");
    let pickup_id = pickup.body["id"].as_str().unwrap().to_owned();

    let mut body = application("refrigerator", 499_900, None, 1);
    body["offer_id"] = json!(FRIDGE_OFFER);
    body["recycling_pickup_id"] = json!(pickup_id);
    let applied = app
        .post("/api/v1/trade-in/applications", Some(&resident), body)
        .await;
    assert_eq!(applied.status, StatusCode::CREATED, "{}", applied.text);
    assert_eq!(applied.body["subsidy_fen"], 99_980);
    assert_eq!(
        applied.body["efficiency_grade"], 1,
        "grade taken from the offer"
    );
    assert_eq!(applied.body["recycling_state"], "pending");
    assert_eq!(applied.body["recycling_bonus_fen"], 9_998);
    assert_eq!(applied.body["status"], "pending");
    assert_eq!(applied.body["rule"], "national-2025");
    let id = applied.body["id"].as_str().unwrap().to_owned();

    let queue = app
        .get(
            "/api/v1/admin/trade-in/applications?status=pending",
            Some(&admin),
        )
        .await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.text);
    assert!(
        queue.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == id.as_str())
    );
    let approved = app
        .post(
            &format!("/api/v1/admin/trade-in/applications/{id}/approve"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.text);
    assert_eq!(approved.body["status"], "approved");
    app.post(
        &format!("/api/v1/admin/trade-in/applications/{id}/approve"),
        Some(&admin),
        json!({}),
    )
    .await
    .assert_error(409, "already_reviewed");

    // The recycler collects the old fridge: the Chongqing 2% is added.
    let collected = app
        .post(
            &format!("/api/v1/recycling/pickups/{pickup_id}/collect"),
            Some(&recycler),
            json!({"note": "旧冰箱已拉走"}),
        )
        .await;
    assert_eq!(collected.status, StatusCode::OK, "{}", collected.text);
    assert_eq!(collected.body["status"], "collected");
    let mine = app
        .get(
            &format!("/api/v1/trade-in/applications/{id}"),
            Some(&resident),
        )
        .await;
    assert_eq!(mine.body["recycling_state"], "granted");
    assert_eq!(mine.body["subsidy_fen"], 99_980 + 9_998);
    assert_eq!(mine.body["status"], "approved");

    let second = app
        .post(
            "/api/v1/trade-in/applications",
            Some(&resident),
            application("refrigerator", 299_900, Some(2), 2),
        )
        .await;
    second.assert_error(409, "quota_used");
    assert_eq!(second.body["details"]["per_year"], 1);
    assert_eq!(second.body["details"]["year"], 2025);

    let listed = app
        .get("/api/v1/trade-in/applications/mine", Some(&resident))
        .await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);

    // The approval reaches the resident as a subscribe message.
    assert_eq!(app.jobs.outbox.run_once().await.expect("a round"), 1);
    let message = &app.wechat.messages()[0];
    assert_eq!(message["touser"], "demo-resident");
    assert_eq!(message["template_id"], "trade-in-review");
    assert_eq!(message["data"]["thing1"]["value"], "电冰箱");
    assert_eq!(message["data"]["phrase2"]["value"], "已通过");
    assert_eq!(message["data"]["amount3"]["value"], "999.80元");
}

#[actix_web::test]
async fn quotes_explain_every_boundary_and_categories_carry_their_rule() {
    let app = spawn_in_2025().await;
    let get = |q: &'static str| {
        let app = &app;
        async move { app.get(&format!("/api/v1/trade-in/quote?{q}"), None).await }
    };
    let grade_3 = get("category=washing_machine&price_fen=300000&efficiency_grade=3").await;
    assert_eq!(grade_3.status, StatusCode::OK);
    assert_eq!(grade_3.body["eligible"], false);
    assert_eq!(grade_3.body["reason"], "efficiency_grade_not_eligible");
    assert_eq!(grade_3.body["subsidy_fen"], 0);

    let phone_at = get("category=phone&price_fen=600000").await;
    assert_eq!(phone_at.body["subsidy_fen"], 50_000);
    assert_eq!(phone_at.body["capped"], true);
    let phone_over = get("category=phone&price_fen=600001").await;
    assert_eq!(phone_over.body["eligible"], false);
    assert_eq!(phone_over.body["reason"], "price_over_limit");

    let with_recycling =
        get("category=refrigerator&price_fen=499900&efficiency_grade=1&recycling=true").await;
    assert_eq!(with_recycling.body["subsidy_fen"], 99_980 + 9_998);
    assert_eq!(with_recycling.body["recycling_rule"], "cq-recycling-2024");

    let before =
        get("category=refrigerator&price_fen=499900&efficiency_grade=1&date=2024-06-01").await;
    assert_eq!(before.body["reason"], "no_programme");
    assert_eq!(before.body["eligible"], false);

    get("category=bicycle&price_fen=100000")
        .await
        .assert_error(422, "validation_failed");
    get("category=tv&price_fen=0&efficiency_grade=1")
        .await
        .assert_error(422, "validation_failed");
    get("category=tv&price_fen=abc")
        .await
        .assert_error(400, "bad_request");

    let categories = app.get("/api/v1/trade-in/categories", None).await;
    assert_eq!(categories.status, StatusCode::OK);
    let list = categories.body.as_array().unwrap();
    assert_eq!(list.len(), 15);
    let ac = list
        .iter()
        .find(|c| c["code"] == "air_conditioner")
        .unwrap();
    assert_eq!(ac["per_year"], 3);
    assert_eq!(ac["grade_rates"]["1"], 0.2);
    assert_eq!(ac["rural_list"], "cq-rural-2022");
    assert_eq!(ac["recycling_bonus_rate"], 0.02);
    let phone = list.iter().find(|c| c["code"] == "phone").unwrap();
    assert_eq!(phone["price_limit_fen"], 600_000);
    assert_eq!(phone["flat_rate"], 0.15);
    assert_eq!(phone["programme_in_force"], true);
}

/// A copy of the 2025 national rates as `code`, in force over `from`–`to`.
fn national_rules(app_year_rules: &Value, code: &str, from: &str, to: Option<&str>) -> Value {
    let mut set = app_year_rules.clone();
    set["code"] = json!(code);
    set["name"] = json!(format!("测试规则 {code}"));
    set["effective_from"] = json!(from);
    set["effective_to"] = json!(to);
    set.as_object_mut().map(|o| o.remove("in_force_today"));
    set
}

#[actix_web::test]
async fn the_invoice_date_picks_the_programme_and_admins_publish_the_next_year() {
    // 2026-11-27: after the 2025 programme, before anyone published 2026's.
    let app = spawn_app().await;
    let admin = app.login("demo-admin").await;
    let resident = app.login("between-programmes").await;
    let quote = |q: String| {
        let app = &app;
        async move {
            app.get(
                &format!("/api/v1/trade-in/quote?category=refrigerator&price_fen=499900&efficiency_grade=1{q}"),
                None,
            )
            .await
        }
    };
    // Both sides of the 2025 window's last edge, and today.
    let last_day = quote("&invoice_date=2025-12-31".into()).await;
    assert_eq!(
        (
            last_day.body["eligible"].clone(),
            last_day.body["subsidy_fen"].clone()
        ),
        (json!(true), json!(99_980))
    );
    assert_eq!(last_day.body["rule"], "national-2025");
    for after in ["&invoice_date=2026-01-01", ""] {
        let q = quote(after.into()).await;
        assert_eq!(q.status, StatusCode::OK, "{}", q.text);
        assert_eq!(q.body["eligible"], false, "{after}: {}", q.text);
        assert_eq!(q.body["reason"], "no_programme");
        assert_eq!(q.body["subsidy_fen"], 0);
        assert!(q.body["rule"].is_null(), "not 2025's rules: {}", q.text);
    }
    // The products stay listed between programmes, marked as earning nothing.
    let categories = app.get("/api/v1/trade-in/categories", None).await;
    let fridge = categories
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "refrigerator")
        .unwrap()
        .clone();
    assert_eq!(fridge["programme_in_force"], false);
    assert!(fridge["recycling_bonus_rate"].is_null());
    // An application today is refused for the window; one on 2025's last day is priced by it.
    let mut today = application("refrigerator", 499_900, Some(1), 1);
    let refused = app
        .post(
            "/api/v1/trade-in/applications",
            Some(&resident),
            today.clone(),
        )
        .await;
    refused.assert_error(422, "outside_programme_window");
    assert_eq!(refused.body["details"]["reason"], "no_programme");
    today["invoice_date"] = json!("2025-12-31");
    let priced = app
        .post("/api/v1/trade-in/applications", Some(&resident), today)
        .await;
    assert_eq!(priced.status, StatusCode::CREATED, "{}", priced.text);
    assert_eq!(priced.body["rule"], "national-2025");

    // An admin publishes 2026's rules as data.
    let path = "/api/v1/admin/trade-in/rule-sets";
    let sets = app.get(path, Some(&admin)).await;
    assert_eq!(sets.status, StatusCode::OK, "{}", sets.text);
    let rules_2025 = sets
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == "national-2025")
        .unwrap()
        .clone();
    assert_eq!(rules_2025["effective_to"], "2025-12-31");
    assert_eq!(rules_2025["in_force_today"], false);
    let next = national_rules(&rules_2025, "national-2026", "2026-01-01", None);
    let published = app.post(path, Some(&admin), next.clone()).await;
    assert_eq!(published.status, StatusCode::CREATED, "{}", published.text);
    assert_eq!(published.body["in_force_today"], true);
    // A retry is answered with what was stored; another set under the code is a conflict.
    let retried = app.post(path, Some(&admin), next.clone()).await;
    assert_eq!(retried.status, StatusCode::OK, "{}", retried.text);
    let mut other = next.clone();
    other["name"] = json!("另一套规则");
    app.post(path, Some(&admin), other)
        .await
        .assert_error(409, "rule_set_exists");
    let now_quoted = quote(String::new()).await;
    assert_eq!(now_quoted.body["eligible"], true, "{}", now_quoted.text);
    assert_eq!(now_quoted.body["rule"], "national-2026");
    assert_eq!(
        quote("&invoice_date=2025-06-01".into()).await.body["rule"],
        "national-2025"
    );

    // Two national sets in force on one day are refused, naming the clash.
    let overlapping = national_rules(
        &rules_2025,
        "national-2027",
        "2026-12-01",
        Some("2027-12-31"),
    );
    let res = app.post(path, Some(&admin), overlapping.clone()).await;
    res.assert_error(422, "validation_failed");
    assert_eq!(
        res.body["details"]["fields"]["effective_from"][0],
        "overlaps:national-2026"
    );
    // Rates, caps and quotas out of range, each beside its category.
    let mut wild = national_rules(&rules_2025, "national-2030", "2030-01-01", None);
    wild["categories"][0]["grade_rates_bp"]["1"] = json!(20_000);
    wild["categories"][3]["cap_fen"] = json!(0);
    let res = app.post(path, Some(&admin), wild).await;
    res.assert_error(422, "validation_failed");
    let fields = &res.body["details"]["fields"];
    assert_eq!(
        fields["categories[0]"][0], "rate_out_of_range",
        "{}",
        res.text
    );
    assert_eq!(fields["categories[3]"][0], "cap_out_of_range");
    // Ending 2026's window makes room for 2027's; an end in the past is refused.
    let end = format!("{path}/national-2026");
    app.patch(&end, Some(&admin), json!({"effective_to": "2026-11-26"}))
        .await
        .assert_error(422, "validation_failed");
    let ended = app
        .patch(&end, Some(&admin), json!({"effective_to": "2026-12-31"}))
        .await;
    assert_eq!(ended.status, StatusCode::OK, "{}", ended.text);
    let mut next_year = overlapping;
    next_year["effective_from"] = json!("2027-01-01");
    let res = app.post(path, Some(&admin), next_year).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    app.patch(
        &format!("{path}/no-such-set"),
        Some(&admin),
        json!({"effective_to": "2027-01-01"}),
    )
    .await
    .assert_error(404, "not_found");
    // Only admins see or publish rules.
    for who in ["demo-resident", "demo-merchant", "demo-handler"] {
        let token = app.login(who).await;
        app.get(path, Some(&token))
            .await
            .assert_error(403, "forbidden");
        app.post(path, Some(&token), next.clone())
            .await
            .assert_error(403, "forbidden");
    }
}

#[actix_web::test]
async fn twenty_concurrent_applications_never_exceed_the_quota() {
    let app = spawn_in_2025().await;
    let resident = app.login("quota-resident").await;
    let fridges = join_all((0..20).map(|n| {
        let (app, resident) = (&app, &resident);
        async move {
            app.post(
                "/api/v1/trade-in/applications",
                Some(resident),
                application("refrigerator", 399_900, Some(1), n),
            )
            .await
        }
    }))
    .await;
    let created = fridges
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    let refused = fridges.iter().filter(|r| r.code() == "quota_used").count();
    assert_eq!(
        (created, refused),
        (1, 19),
        "{:?}",
        fridges.iter().map(|r| &r.text).collect::<Vec<_>>()
    );

    let air = join_all((0..20).map(|n| {
        let (app, resident) = (&app, &resident);
        async move {
            app.post(
                "/api/v1/trade-in/applications",
                Some(resident),
                application("air_conditioner", 289_900, Some(1), 100 + n),
            )
            .await
        }
    }))
    .await;
    let created = air
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    let refused = air.iter().filter(|r| r.code() == "quota_used").count();
    assert_eq!(
        (created, refused),
        (3, 17),
        "{:?}",
        air.iter().map(|r| &r.text).collect::<Vec<_>>()
    );

    let admin = app.login("demo-admin").await;
    let all = app
        .get(
            "/api/v1/admin/trade-in/applications?limit=100",
            Some(&admin),
        )
        .await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), 4);
}

#[actix_web::test]
async fn two_instances_on_one_database_share_the_quota() {
    let a = spawn_in_2025().await;
    let b = spawn_app_with(TestOptions {
        shared_database_url: Some(a.database_url.clone()),
        ..TestOptions::default().starting(in_2025_programme())
    })
    .await;
    let token = a.login("twin-quota").await;
    let answers = join_all((0..20).map(|n| {
        let (app, token) = (if n % 2 == 0 { &a } else { &b }, &token);
        async move {
            app.post(
                "/api/v1/trade-in/applications",
                Some(token),
                application("air_conditioner", 189_900, Some(2), n),
            )
            .await
        }
    }))
    .await;
    let created = answers
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    let refused = answers.iter().filter(|r| r.code() == "quota_used").count();
    assert_eq!(
        (created, refused),
        (3, 17),
        "{:?}",
        answers.iter().map(|r| &r.text).collect::<Vec<_>>()
    );
}

#[actix_web::test]
async fn invoices_serials_rejections_refunds_and_retries() {
    let app = spawn_in_2025().await;
    let resident = app.login("invoice-resident").await;
    let other = app.login("invoice-other").await;
    let admin = app.login("demo-admin").await;
    let seller = app.login("demo-merchant").await;
    let path = "/api/v1/trade-in/applications";

    let first = app
        .post(
            path,
            Some(&resident),
            application("tv", 459_900, Some(2), 1),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    assert_eq!(first.body["subsidy_fen"], 68_985);
    let first_id = first.body["id"].as_str().unwrap().to_owned();

    // The same invoice at the same merchant (any case, any spacing) is used.
    let mut again = application("washing_machine", 100_000, Some(1), 2);
    again["invoice_no"] = json!(" inv-tv-0001 ");
    app.post(path, Some(&other), again)
        .await
        .assert_error(409, "invoice_used");
    // The same serial anywhere is used.
    let mut serial = application("washing_machine", 100_000, Some(1), 3);
    serial["serial_no"] = json!("sn-tv-0001");
    serial["merchant_id"] = json!(MERCHANT_5);
    app.post(path, Some(&other), serial)
        .await
        .assert_error(409, "serial_used");
    // The same invoice number at another merchant is another invoice.
    let mut elsewhere = application("washing_machine", 100_000, Some(1), 4);
    elsewhere["invoice_no"] = json!("INV-TV-0001");
    elsewhere["merchant_id"] = json!(MERCHANT_5);
    let res = app.post(path, Some(&other), elsewhere).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);

    // Not eligible, outside the programme, above the offer, unknown merchant.
    app.post(
        path,
        Some(&resident),
        application("dishwasher", 300_000, Some(3), 5),
    )
    .await
    .assert_error(422, "not_eligible");
    let mut early = application("dishwasher", 300_000, Some(1), 6);
    early["invoice_date"] = json!("2024-12-31");
    app.post(path, Some(&resident), early)
        .await
        .assert_error(422, "outside_programme_window");
    let mut future = application("dishwasher", 300_000, Some(1), 7);
    future["invoice_date"] = json!("2027-01-01");
    app.post(path, Some(&resident), future)
        .await
        .assert_error(422, "validation_failed");
    let mut raised = application("refrigerator", 529_900, None, 8);
    raised["offer_id"] = json!(FRIDGE_OFFER);
    let res = app.post(path, Some(&resident), raised).await;
    res.assert_error(422, "price_above_offer");
    assert_eq!(res.body["details"]["offer_price_fen"], 499_900);
    let mut nobody = application("dishwasher", 300_000, Some(1), 9);
    nobody["merchant_id"] = json!("01936d4a-0000-7000-8000-000000000006");
    app.post(path, Some(&resident), nobody)
        .await
        .assert_error(422, "validation_failed");

    // A rejection frees the quota, the invoice and the serial.
    let rejected = app
        .post(
            &format!("/api/v1/admin/trade-in/applications/{first_id}/reject"),
            Some(&admin),
            json!({"reason": "发票抬头与申请人不符"}),
        )
        .await;
    assert_eq!(rejected.status, StatusCode::OK, "{}", rejected.text);
    assert_eq!(rejected.body["reason"], "发票抬头与申请人不符");
    let retry = app
        .post(
            path,
            Some(&resident),
            application("tv", 459_900, Some(2), 1),
        )
        .await;
    assert_eq!(retry.status, StatusCode::CREATED, "{}", retry.text);
    let retry_id = retry.body["id"].as_str().unwrap().to_owned();

    // The seller finds the application by its invoice and records a refund,
    // which keeps the quota used.
    let found = app
        .get(
            "/api/v1/merchant/trade-in/applications?invoice_no=inv-tv-0001&status=pending",
            Some(&seller),
        )
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    let found = found.body["items"].as_array().unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["id"], retry_id.as_str());
    let refunded = app
        .post(
            &format!("/api/v1/trade-in/applications/{retry_id}/refund"),
            Some(&seller),
            json!({"reason": "七日无理由退货"}),
        )
        .await;
    assert_eq!(refunded.status, StatusCode::OK, "{}", refunded.text);
    assert_eq!(refunded.body["status"], "refunded");
    app.post(
        path,
        Some(&resident),
        application("tv", 359_900, Some(1), 10),
    )
    .await
    .assert_error(409, "quota_used");
    app.post(
        &format!("/api/v1/admin/trade-in/applications/{retry_id}/approve"),
        Some(&admin),
        json!({}),
    )
    .await
    .assert_error(409, "already_reviewed");

    // A retry with the same key returns the first answer, even once the
    // quota is used; another body under that key is refused.
    let body = application("microwave", 69_900, Some(1), 11);
    let key = "phone-retry-7f3a";
    let one = post_with_key(&app, path, &resident, key, &body).await;
    assert_eq!(one.status, StatusCode::CREATED, "{}", one.text);
    let two = post_with_key(&app, path, &resident, key, &body).await;
    assert_eq!(two.status, StatusCode::CREATED, "{}", two.text);
    assert_eq!(one.body["id"], two.body["id"]);
    let changed = application("microwave", 59_900, Some(1), 11);
    post_with_key(&app, path, &resident, key, &changed)
        .await
        .assert_error(422, "idempotency_key_reused");
    // Concurrent retries of one request create one application.
    let body = application("dishwasher", 539_900, Some(1), 12);
    let burst =
        join_all((0..5).map(|_| post_with_key(&app, path, &resident, "dish-1", &body))).await;
    assert!(
        burst.iter().all(|r| r.status == StatusCode::CREATED),
        "{:?}",
        burst.iter().map(|r| &r.text).collect::<Vec<_>>()
    );
    assert!(burst.iter().all(|r| r.body["id"] == burst[0].body["id"]));
}

#[actix_web::test]
async fn who_may_see_review_and_refund_applications() {
    let app = spawn_in_2025().await;
    let resident = app.login("roles-resident").await;
    let stranger = app.login("roles-stranger").await;
    let seller = app.login("demo-merchant").await;
    let other_merchant = app.login("demo-merchant-b").await;
    let admin = app.login("demo-admin").await;
    let res = app
        .post(
            "/api/v1/trade-in/applications",
            Some(&resident),
            application("rice_cooker", 39_900, Some(2), 1),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let id = res.body["id"].as_str().unwrap().to_owned();
    let one = format!("/api/v1/trade-in/applications/{id}");

    app.post(
        "/api/v1/trade-in/applications",
        None,
        application("tv", 1, Some(1), 2),
    )
    .await
    .assert_error(401, "unauthorized");
    assert_eq!(app.get(&one, Some(&resident)).await.status, StatusCode::OK);
    assert_eq!(app.get(&one, Some(&seller)).await.status, StatusCode::OK);
    assert_eq!(app.get(&one, Some(&admin)).await.status, StatusCode::OK);
    app.get(&one, Some(&stranger))
        .await
        .assert_error(404, "not_found");
    app.get(&one, Some(&other_merchant))
        .await
        .assert_error(404, "not_found");

    for token in [&resident, &seller] {
        app.get("/api/v1/admin/trade-in/applications", Some(token))
            .await
            .assert_error(403, "forbidden");
        app.post(
            &format!("/api/v1/admin/trade-in/applications/{id}/approve"),
            Some(token),
            json!({}),
        )
        .await
        .assert_error(403, "forbidden");
    }
    app.post(
        &format!("/api/v1/admin/trade-in/applications/{id}/reject"),
        Some(&admin),
        json!({"reason": " "}),
    )
    .await
    .assert_error(422, "validation_failed");
    for token in [&resident, &other_merchant] {
        app.post(
            &format!("{one}/refund"),
            Some(token),
            json!({"reason": "退货退款"}),
        )
        .await
        .assert_error(403, "forbidden");
    }
    app.get(
        "/api/v1/admin/trade-in/applications?status=lost",
        Some(&admin),
    )
    .await
    .assert_error(400, "bad_request");
    // A merchant sees the applications naming it, and only those.
    let seller_list = app
        .get("/api/v1/merchant/trade-in/applications", Some(&seller))
        .await;
    assert_eq!(seller_list.body["items"].as_array().unwrap().len(), 1);
    let other_list = app
        .get(
            "/api/v1/merchant/trade-in/applications",
            Some(&other_merchant),
        )
        .await;
    assert!(other_list.body["items"].as_array().unwrap().is_empty());
    app.get("/api/v1/merchant/trade-in/applications", Some(&resident))
        .await
        .assert_error(403, "forbidden");
}

#[actix_web::test]
async fn offers_are_listed_by_their_merchant_and_found_by_category_district_and_distance() {
    let app = spawn_in_2025().await;
    let merchant = app.login("demo-merchant").await;
    let merchant_b = app.login("demo-merchant-b").await;
    let resident = app.login("demo-resident").await;
    let ends = (app.clock.now() + Duration::days(30)).to_rfc3339();
    let offer = json!({
        "shop_id": STORE_500103,
        "category": "water_purifier",
        "brand": "沁园",
        "model": "QR-R5-05 净水器",
        "price_fen": 259_900,
        "old_unit_bonus_fen": 10_000,
        "efficiency_grade": 1,
        "ends_at": ends,
    });
    let created = app
        .post(
            "/api/v1/merchant/trade-in-offers",
            Some(&merchant),
            offer.clone(),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.body["subsidy_fen"], 51_980);
    assert_eq!(created.body["net_price_fen"], 259_900 - 51_980 - 10_000);
    let offer_id = created.body["id"].as_str().unwrap().to_owned();

    // A retry with the key lists it once.
    let path = "/api/v1/merchant/trade-in-offers";
    let first = post_with_key(&app, path, &merchant, "offer-1", &offer).await;
    let again = post_with_key(&app, path, &merchant, "offer-1", &offer).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    assert_eq!(first.body["id"], again.body["id"]);
    let first_id = first.body["id"].as_str().unwrap().to_owned();
    let res = app
        .delete(&format!("{path}/{first_id}"), Some(&merchant))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);

    app.post(
        "/api/v1/merchant/trade-in-offers",
        Some(&merchant_b),
        offer.clone(),
    )
    .await
    .assert_error(403, "forbidden");
    app.post(
        "/api/v1/merchant/trade-in-offers",
        Some(&resident),
        offer.clone(),
    )
    .await
    .assert_error(403, "forbidden");
    let mut no_grade = offer.clone();
    no_grade["efficiency_grade"] = Value::Null;
    app.post(
        "/api/v1/merchant/trade-in-offers",
        Some(&merchant),
        no_grade,
    )
    .await
    .assert_error(422, "validation_failed");
    let mut ended = offer.clone();
    ended["ends_at"] = json!((app.clock.now() - Duration::days(1)).to_rfc3339());
    app.post("/api/v1/merchant/trade-in-offers", Some(&merchant), ended)
        .await
        .assert_error(422, "validation_failed");
    let mut own_shop_b = offer.clone();
    own_shop_b["shop_id"] = json!(REPAIR_SHOP_B);
    let res = app
        .post(
            "/api/v1/merchant/trade-in-offers",
            Some(&merchant_b),
            own_shop_b,
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);

    let purifiers = app
        .get("/api/v1/trade-in-offers?category=water_purifier", None)
        .await;
    assert_eq!(purifiers.status, StatusCode::OK, "{}", purifiers.text);
    assert_eq!(purifiers.body["items"].as_array().unwrap().len(), 2);

    let in_5001l1 = app
        .get("/api/v1/trade-in-offers?district_code=5001L1", None)
        .await;
    let items = in_5001l1.body["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items.iter().all(|o| o["district_code"] == "5001L1"));

    let near = app
        .get(
            &format!(
                "/api/v1/trade-in-offers?lat={}&lng={}&coord=wgs84&radius_m=3000",
                JIEFANGBEI.0, JIEFANGBEI.1
            ),
            None,
        )
        .await;
    let items = near.body["items"].as_array().unwrap();
    assert!(items.len() >= 6, "{}", near.text);
    let distances: Vec<u64> = items
        .iter()
        .map(|o| o["distance_m"].as_u64().unwrap())
        .collect();
    assert!(distances.windows(2).all(|w| w[0] <= w[1]), "{distances:?}");
    assert!(distances.iter().all(|d| *d <= 3000));
    assert!(
        items.iter().all(|o| o["district_code"] == "500103"),
        "观音桥 is over 3 km away"
    );
    app.get("/api/v1/trade-in-offers?lat=29.5", None)
        .await
        .assert_error(400, "bad_request");

    app.delete(
        &format!("/api/v1/merchant/trade-in-offers/{offer_id}"),
        Some(&merchant_b),
    )
    .await
    .assert_error(403, "forbidden");
    let withdrawn = app
        .delete(
            &format!("/api/v1/merchant/trade-in-offers/{offer_id}"),
            Some(&merchant),
        )
        .await;
    assert_eq!(withdrawn.body["status"], "withdrawn");
    let purifiers = app
        .get("/api/v1/trade-in-offers?category=water_purifier", None)
        .await;
    assert_eq!(purifiers.body["items"].as_array().unwrap().len(), 1);
    let mine = app
        .get("/api/v1/merchant/trade-in-offers", Some(&merchant))
        .await;
    assert!(
        mine.body
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["id"] == offer_id.as_str() && o["status"] == "withdrawn")
    );
}

#[actix_web::test]
async fn pickup_slots_fill_free_and_are_handled_only_by_recyclers_of_the_district() {
    let app = spawn_in_2025().await;
    let admin = app.login("demo-admin").await;
    let recycler = app.login("demo-merchant").await;
    let not_recycler = app.login("demo-merchant-b").await;
    let residents = [
        app.login("pickup-1").await,
        app.login("pickup-2").await,
        app.login("pickup-3").await,
    ];
    let capacity = app
        .put(
            "/api/v1/admin/recycling/slots",
            Some(&admin),
            json!({"district_code": "500103", "slot": "evening", "capacity": 2}),
        )
        .await;
    assert_eq!(capacity.status, StatusCode::OK, "{}", capacity.text);
    app.put(
        "/api/v1/admin/recycling/slots",
        Some(&residents[0]),
        json!({"district_code": "500103", "slot": "evening", "capacity": 99}),
    )
    .await
    .assert_error(403, "forbidden");

    // Three residents at once for two seats.
    let booked = join_all(residents.iter().map(|token| {
        app.post(
            "/api/v1/recycling/pickups",
            Some(token),
            pickup_body(&app, &["washing_machine", "tv"], "evening"),
        )
    }))
    .await;
    let ok: Vec<&Response> = booked
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .collect();
    assert_eq!(
        ok.len(),
        2,
        "{:?}",
        booked.iter().map(|r| &r.text).collect::<Vec<_>>()
    );
    let full = booked
        .iter()
        .find(|r| r.status != StatusCode::CREATED)
        .unwrap();
    full.assert_error(409, "slot_full");

    let slots = app
        .get(
            &format!(
                "/api/v1/recycling/slots?district_code=500103&date={}",
                tomorrow(&app)
            ),
            None,
        )
        .await;
    let evening = slots
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["slot"] == "evening")
        .unwrap()
        .clone();
    assert_eq!(
        (evening["remaining"].as_i64(), evening["bookable"].as_bool()),
        (Some(0), Some(false))
    );

    // Cancelling frees the seat for the third resident.
    let first = ok[0].body["id"].as_str().unwrap().to_owned();
    let owner_token = {
        let mut found = None;
        for t in &residents {
            if app.me(t).await["id"] == ok[0].body["user_id"] {
                found = Some(t.clone());
            }
        }
        found.unwrap()
    };
    let cancelled = app
        .post(
            &format!("/api/v1/recycling/pickups/{first}/cancel"),
            Some(&owner_token),
            json!({}),
        )
        .await;
    assert_eq!(cancelled.body["status"], "cancelled", "{}", cancelled.text);
    let third_index = residents.iter().position(|t| *t != owner_token).unwrap();
    let third = &residents[third_index];
    let third_openid = format!("pickup-{}", third_index + 1);
    let rebook = app
        .post(
            "/api/v1/recycling/pickups",
            Some(third),
            pickup_body(&app, &["tv"], "evening"),
        )
        .await;
    assert_eq!(rebook.status, StatusCode::CREATED, "{}", rebook.text);

    // Retries with one key take one seat.
    let key_body = pickup_body(&app, &["tv"], "morning");
    let a = post_with_key(
        &app,
        "/api/v1/recycling/pickups",
        &owner_token,
        "pk-1",
        &key_body,
    )
    .await;
    let b = post_with_key(
        &app,
        "/api/v1/recycling/pickups",
        &owner_token,
        "pk-1",
        &key_body,
    )
    .await;
    assert_eq!(a.body["id"], b.body["id"]);
    let slots = app
        .get(
            &format!(
                "/api/v1/recycling/slots?district_code=500103&date={}",
                tomorrow(&app)
            ),
            None,
        )
        .await;
    let morning = slots
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["slot"] == "morning")
        .unwrap()
        .clone();
    assert_eq!(morning["booked"], 1);

    // Bad bookings.
    let mut past = pickup_body(&app, &["tv"], "morning");
    past["date"] = json!(app.clock.now_local().date_naive().to_string());
    app.post("/api/v1/recycling/pickups", Some(third), past)
        .await
        .assert_error(422, "validation_failed");
    let mut unknown = pickup_body(&app, &["tv"], "midnight");
    unknown["slot"] = json!("midnight");
    app.post("/api/v1/recycling/pickups", Some(third), unknown)
        .await
        .assert_error(422, "validation_failed");
    let mut far = pickup_body(&app, &["tv"], "morning");
    far["lat"] = json!(39.9);
    far["lng"] = json!(116.4);
    app.post("/api/v1/recycling/pickups", Some(third), far)
        .await
        .assert_error(422, "validation_failed");
    // Without a district code the nearest shop's district is used.
    let mut guessed = pickup_body(&app, &["tv"], "afternoon");
    guessed.as_object_mut().unwrap().remove("district_code");
    let res = app
        .post("/api/v1/recycling/pickups", Some(third), guessed)
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    assert_eq!(res.body["district_code"], "500103");

    // Only a recycler of the district (or an admin) handles a pickup.
    let second = ok[1].body["id"].as_str().unwrap().to_owned();
    for token in [&not_recycler, third] {
        app.post(
            &format!("/api/v1/recycling/pickups/{second}/collect"),
            Some(token),
            json!({}),
        )
        .await
        .assert_error(403, "forbidden");
    }
    app.get(
        &format!("/api/v1/recycling/pickups?date={}", tomorrow(&app)),
        Some(&not_recycler),
    )
    .await
    .assert_error(403, "forbidden");
    let round = app
        .get(
            &format!("/api/v1/recycling/pickups?date={}", tomorrow(&app)),
            Some(&recycler),
        )
        .await;
    assert_eq!(round.status, StatusCode::OK, "{}", round.text);
    assert!(round.body.as_array().unwrap().len() >= 4);
    // Missed only once the slot has begun.
    app.post(
        &format!("/api/v1/recycling/pickups/{second}/miss"),
        Some(&recycler),
        json!({}),
    )
    .await
    .assert_error(409, "too_early");
    app.clock.advance(Duration::hours(32));
    // Tokens issued before the jump have expired.
    let (recycler, admin) = (
        app.login("demo-merchant").await,
        app.login("demo-admin").await,
    );
    let third = &app.login(&third_openid).await;
    let missed = app
        .post(
            &format!("/api/v1/recycling/pickups/{second}/miss"),
            Some(&recycler),
            json!({"note": "无人应门"}),
        )
        .await;
    assert_eq!(missed.body["status"], "missed", "{}", missed.text);
    app.post(
        &format!("/api/v1/recycling/pickups/{second}/collect"),
        Some(&admin),
        json!({}),
    )
    .await
    .assert_error(409, "invalid_transition");
    let mine = app.get("/api/v1/recycling/pickups/mine", Some(third)).await;
    assert!(mine.body["items"].as_array().unwrap().len() >= 2);
}

#[actix_web::test]
async fn a_missed_pickup_loses_the_recycling_extra_and_cannot_be_linked_again() {
    let app = spawn_in_2025().await;
    let resident = app.login("missed-resident").await;
    let pickup = app
        .post(
            "/api/v1/recycling/pickups",
            Some(&resident),
            pickup_body(&app, &["air_conditioner"], "morning"),
        )
        .await;
    assert_eq!(pickup.status, StatusCode::CREATED, "{}", pickup.text);
    let pickup_id = pickup.body["id"].as_str().unwrap().to_owned();

    let mut body = application("air_conditioner", 289_900, Some(1), 1);
    body["recycling_pickup_id"] = json!(pickup_id);
    let applied = app
        .post("/api/v1/trade-in/applications", Some(&resident), body)
        .await;
    assert_eq!(applied.status, StatusCode::CREATED, "{}", applied.text);
    assert_eq!(applied.body["recycling_state"], "pending");
    let id = applied.body["id"].as_str().unwrap().to_owned();

    // One pickup earns the extra for one application only.
    let mut twice = application("air_conditioner", 289_900, Some(1), 2);
    twice["recycling_pickup_id"] = json!(pickup_id);
    app.post("/api/v1/trade-in/applications", Some(&resident), twice)
        .await
        .assert_error(409, "pickup_already_linked");
    // Someone else's pickup is not found; a pickup without the category is refused.
    let stranger = app.login("missed-stranger").await;
    let mut theirs = application("air_conditioner", 289_900, Some(1), 3);
    theirs["recycling_pickup_id"] = json!(pickup_id);
    app.post("/api/v1/trade-in/applications", Some(&stranger), theirs)
        .await
        .assert_error(404, "not_found");
    let mut wrong = application("tv", 289_900, Some(1), 4);
    wrong["recycling_pickup_id"] = json!(pickup_id);
    app.post("/api/v1/trade-in/applications", Some(&resident), wrong)
        .await
        .assert_error(422, "validation_failed");

    app.clock.advance(Duration::hours(24));
    // Tokens issued before the jump have expired.
    let (resident, recycler) = (
        app.login("missed-resident").await,
        app.login("demo-merchant").await,
    );
    let missed = app
        .post(
            &format!("/api/v1/recycling/pickups/{pickup_id}/miss"),
            Some(&recycler),
            json!({}),
        )
        .await;
    assert_eq!(missed.status, StatusCode::OK, "{}", missed.text);
    let after = app
        .get(
            &format!("/api/v1/trade-in/applications/{id}"),
            Some(&resident),
        )
        .await;
    assert_eq!(after.body["recycling_state"], "lost");
    assert_eq!(after.body["subsidy_fen"], 57_980);
    let mut later = application("air_conditioner", 289_900, Some(1), 5);
    later["recycling_pickup_id"] = json!(pickup_id);
    app.post("/api/v1/trade-in/applications", Some(&resident), later)
        .await
        .assert_error(409, "pickup_not_usable");
}
