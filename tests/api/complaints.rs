//! 12315 complaints: filing, deadlines, the state machine, who sees what,
//! the handler queue, notifications and disclosure.

use std::time::Duration;
use yuhui::workers::runtime::Periodic;

use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestOptions, WechatMode, spawn_app, spawn_app_with, wait_until};

/// Not an ODR merchant, 渝中区 (500103).
pub(crate) const NOODLES: &str = "01936d4a-0000-7000-8000-000000000001";
/// An ODR merchant, 渝中区.
pub(crate) const HOTPOT: &str = "01936d4a-0000-7000-8000-000000000002";

pub(crate) fn filing(merchant_id: &str, title: &str) -> Value {
    json!({
        "merchant_id": merchant_id,
        "category_code": "service",
        "title": title,
        "facts": "2026年11月25日晚在店内用餐，结账时被多收锅底费38元，店员拒绝退还。",
        "demand": "退还多收的38元并道歉",
        "amount_fen": 3800,
        "occurred_on": "2026-11-25",
        "contact_name": "王小明",
        "contact_phone": "13912345678",
        "contact_address": "重庆市渝中区民族路 88 号",
        "publish_consent": true,
    })
}

pub(crate) async fn file(app: &TestApp, token: &str, body: Value) -> Value {
    let res = app.post("/api/v1/complaints", Some(token), body).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    res.body
}

/// The outbox sends only when a test runs a round.
pub(crate) fn app_with_manual_outbox() -> TestOptions {
    TestOptions::default().var("YUHUI_OUTBOX_POLL_MS", "3600000")
}

fn app_with_fast_outbox() -> TestOptions {
    TestOptions::default()
        .var("YUHUI_OUTBOX_POLL_MS", "50")
        .var("YUHUI_OUTBOX_RETRY_BASE_MS", "50")
}

fn kinds(view: &Value) -> Vec<String> {
    view["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn a_complaint_goes_from_filing_to_rating_and_reaches_wechat_once_per_step() {
    let app = spawn_app_with(app_with_manual_outbox()).await;
    let resident = app.login("demo-resident").await;
    let handler = app.login("demo-handler").await;
    let merchant = app.login("demo-merchant").await;

    let filed = file(&app, &resident, filing(NOODLES, "小面馆结账多收锅底费")).await;
    assert_eq!(filed["status"], "submitted");
    assert!(filed["number"].as_str().unwrap().starts_with("YH20261127"));
    assert_eq!(filed["number"].as_str().unwrap().len(), 16);
    // Filed on Friday 2026-11-27: seven working days later is Tuesday 12-08.
    assert_eq!(filed["deadlines"]["decide_by"]["date"], "2026-12-08");
    assert_eq!(filed["deadlines"]["decide_by"]["overdue"], false);
    assert_eq!(filed["deadlines"]["decide_by"]["provisional"], false);
    let id = filed["id"].as_str().unwrap().to_owned();
    let path = |action: &str| format!("/api/v1/complaints/{id}/{action}");

    let accepted = app.post(&path("accept"), Some(&handler), json!({})).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text);
    assert_eq!(accepted.body["status"], "accepted");
    // Accepted on or after 2026-04-15: Order 121, 60 days from 2026-11-27,
    // a Tuesday in a year whose calendar is not loaded yet.
    assert_eq!(accepted.body["deadlines"]["mediate_rule"], "order121");
    assert_eq!(
        accepted.body["deadlines"]["mediate_by"]["date"],
        "2027-01-26"
    );
    assert_eq!(
        accepted.body["deadlines"]["mediate_by"]["provisional"],
        true
    );

    let answered = app
        .post(&path("merchant-response"), Some(&merchant), json!({ "message": "核实后确认多收，已联系顾客", "proposal": "退还 38 元并赠送一份小面" }))
        .await;
    assert_eq!(answered.status, StatusCode::OK, "{}", answered.text);

    let closed = app
        .post(
            &path("close"),
            Some(&handler),
            json!({ "outcome": "mediated", "note": "双方达成一致", "compensation_fen": 3800 }),
        )
        .await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.text);
    assert_eq!(closed.body["status"], "closed");
    assert_eq!(closed.body["outcome"], "mediated");

    let rated = app
        .post(
            &path("rating"),
            Some(&resident),
            json!({ "score": 5, "comment": "处理及时" }),
        )
        .await;
    assert_eq!(rated.status, StatusCode::OK, "{}", rated.text);
    assert_eq!(rated.body["rating"]["score"], 5);
    assert_eq!(
        kinds(&rated.body),
        ["filed", "accepted", "merchant_response", "closed", "rated"]
    );

    // Accepted, answered, closed: three messages to the resident, once each.
    assert_eq!(app.jobs.outbox.run_once().await.expect("a round"), 3);
    assert_eq!(app.jobs.outbox.run_once().await.expect("a round"), 0);
    let messages = app.wechat.messages();
    assert_eq!(messages.len(), 3);
    for m in &messages {
        assert_eq!(m["touser"], "demo-resident");
        assert_eq!(m["data"]["character_string1"]["value"], filed["number"]);
    }

    // The disclosure page counts the case and says nothing of who complained.
    let disclosure = app.get("/api/v1/disclosure/merchants", None).await;
    assert_eq!(disclosure.status, StatusCode::OK);
    let noodles = disclosure.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["merchant_id"] == NOODLES)
        .unwrap()
        .clone();
    assert!(noodles["complaints"].as_u64().unwrap() >= 1);
    for secret in ["13912345678", "王小明", "民族路 88 号", "demo-resident"] {
        assert!(
            !disclosure.text.contains(secret),
            "disclosure leaks {secret}"
        );
    }
    let profile = app.get(&format!("/api/v1/merchants/{NOODLES}"), None).await;
    assert_eq!(
        profile.body["complaints"]["complaints"],
        noodles["complaints"]
    );
    assert!(!profile.text.contains("13912345678"));
}

#[actix_web::test]
async fn a_retry_with_the_same_key_files_once() {
    let app = spawn_app().await;
    let resident = app.login("someone").await;
    let body = filing(NOODLES, "重复提交测试");
    let send = |key: &'static str, body: Value| {
        let app = &app;
        let resident = resident.clone();
        async move {
            let res = app
                .client
                .post(app.url("/api/v1/complaints"))
                .bearer_auth(resident)
                .header("Idempotency-Key", key)
                .json(&body)
                .send()
                .await
                .unwrap();
            crate::helpers::into_response(res).await
        }
    };
    let (a, b, c) = futures_util::join!(
        send("k-1", body.clone()),
        send("k-1", body.clone()),
        send("k-1", body.clone())
    );
    for r in [&a, &b, &c] {
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.body["id"], a.body["id"]);
        assert_eq!(r.body["number"], a.body["number"]);
    }
    let mine = app.get("/api/v1/complaints/mine", Some(&resident)).await;
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 1);

    let mut other = body.clone();
    other["amount_fen"] = json!(100);
    send("k-1", other)
        .await
        .assert_error(422, "idempotency_key_reused");
    // A new key is a new filing.
    assert_ne!(send("k-2", body).await.body["id"], a.body["id"]);
}

#[actix_web::test]
async fn filings_are_validated() {
    let app = spawn_app().await;
    let resident = app.login("someone").await;
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({ "contact_phone": "12345" }),
            "contact_phone",
            "mobile_format",
        ),
        (
            json!({ "occurred_on": "2026-12-25" }),
            "occurred_on",
            "in_future",
        ),
        (json!({ "title": "短" }), "title", "length"),
        (json!({ "amount_fen": -1 }), "amount_fen", "range"),
        (
            json!({ "category_code": "aliens" }),
            "category_code",
            "unknown_category",
        ),
        (
            json!({ "merchant_id": uuid::Uuid::now_v7() }),
            "merchant_id",
            "unknown_merchant",
        ),
        (
            json!({ "shop_id": uuid::Uuid::now_v7() }),
            "respondent",
            "name_exactly_one_of_shop_merchant_respondent",
        ),
        (
            json!({ "merchant_id": null }),
            "respondent",
            "name_exactly_one_of_shop_merchant_respondent",
        ),
        // Order 20 art. 9: the complainant's address is part of a complaint.
        (
            json!({ "contact_address": null }),
            "contact_address",
            "required",
        ),
        (
            json!({ "contact_address": "   " }),
            "contact_address",
            "required",
        ),
    ];
    for (change, field, reason) in cases {
        let mut body = filing(NOODLES, "校验测试投诉");
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let res = app.post("/api/v1/complaints", Some(&resident), body).await;
        res.assert_error(422, "validation_failed");
        assert!(
            res.body["details"]["fields"][field]
                .as_array()
                .is_some_and(|r| r.iter().any(|x| x == reason)),
            "{field}: {}",
            res.text
        );
    }
    let mut without_address = filing(NOODLES, "校验测试投诉");
    without_address
        .as_object_mut()
        .unwrap()
        .remove("contact_address");
    let res = app
        .post("/api/v1/complaints", Some(&resident), without_address)
        .await;
    res.assert_error(422, "validation_failed");
    assert_eq!(
        res.body["details"]["fields"]["contact_address"],
        json!(["required"])
    );
    // A respondent not on Yuhui, in a real district: jurisdiction follows it.
    let mut body = filing(NOODLES, "路边摊缺斤少两");
    body["merchant_id"] = Value::Null;
    body["respondent"] =
        json!({ "name": "南岸区某水果摊", "address": "南岸区南坪正街", "district_code": "500108" });
    let filed = file(&app, &resident, body).await;
    let view = app
        .get(
            &format!("/api/v1/complaints/{}", filed["id"].as_str().unwrap()),
            Some(&resident),
        )
        .await;
    assert_eq!(view.body["respondent"]["district_code"], "500108");
    app.post("/api/v1/complaints", None, filing(NOODLES, "未登录投诉"))
        .await
        .assert_error(401, "unauthorized");
    // Nothing half-written.
    assert_eq!(
        app.get("/api/v1/complaints/mine", Some(&resident))
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[actix_web::test]
async fn each_role_sees_only_what_it_may() {
    let app = spawn_app().await;
    let resident = app.login("demo-resident").await;
    let filed = file(&app, &resident, filing(NOODLES, "看谁能看到这件投诉")).await;
    let id = filed["id"].as_str().unwrap();
    let path = format!("/api/v1/complaints/{id}");
    let handler = app.login("demo-handler").await;
    app.post(
        &format!("{path}/notes"),
        Some(&handler),
        json!({ "text": "内部：商家有前科", "internal": true }),
    )
    .await;
    app.post(
        &format!("{path}/notes"),
        Some(&handler),
        json!({ "text": "已电话联系双方", "internal": false }),
    )
    .await;

    // The handler of 渝中区 sees everything.
    let h = app.get(&path, Some(&handler)).await;
    assert_eq!(h.body["contact"]["phone"], "13912345678");
    assert_eq!(h.body["contact"]["name"], "王小明");
    assert!(h.text.contains("内部：商家有前科"));

    // The respondent's staff and the complainant see masked data and no internal notes.
    for token in [app.login("demo-merchant").await, resident.clone()] {
        let v = app.get(&path, Some(&token)).await;
        assert_eq!(v.status, StatusCode::OK, "{}", v.text);
        assert_eq!(v.body["contact"]["phone"], "139****5678");
        assert_eq!(v.body["contact"]["name"], "王**");
        assert!(!v.text.contains("13912345678"));
        assert!(!v.text.contains("内部"));
        assert!(v.text.contains("已电话联系双方"));
    }
    // An admin sees the case, masked.
    let admin = app.login("demo-admin").await;
    let a = app.get(&path, Some(&admin)).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(!a.text.contains("13912345678"));

    // Nobody else.
    let other_handler = app.login("nanan-handler").await;
    let other_id = app.me(&other_handler).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.put(
        &format!("/api/v1/admin/users/{other_id}/roles"),
        Some(&admin),
        json!({ "roles": ["handler"], "handler_districts": ["500108"] }),
    )
    .await;
    for token in [
        app.login("demo-merchant-b").await,
        app.login("a-stranger").await,
        other_handler,
    ] {
        app.get(&path, Some(&token))
            .await
            .assert_error(403, "forbidden");
    }
    app.get(&path, None).await.assert_error(401, "unauthorized");
    app.get(
        &format!("/api/v1/complaints/{}", uuid::Uuid::now_v7()),
        Some(&handler),
    )
    .await
    .assert_error(404, "not_found");
}

#[actix_web::test]
async fn actions_check_role_then_state() {
    let app = spawn_app().await;
    let resident = app.login("demo-resident").await;
    let handler = app.login("demo-handler").await;
    let merchant_b = app.login("demo-merchant-b").await;
    let filed = file(&app, &resident, filing(NOODLES, "状态机测试投诉")).await;
    let id = filed["id"].as_str().unwrap();
    let path = |a: &str| format!("/api/v1/complaints/{id}/{a}");

    app.post(&path("accept"), Some(&resident), json!({}))
        .await
        .assert_error(403, "forbidden");
    app.post(
        &path("merchant-response"),
        Some(&merchant_b),
        json!({ "message": "不是我家的事" }),
    )
    .await
    .assert_error(403, "forbidden");
    app.post(&path("withdraw"), Some(&handler), json!({}))
        .await
        .assert_error(403, "forbidden");
    app.post(
        &path("close"),
        Some(&handler),
        json!({ "outcome": "mediated" }),
    )
    .await
    .assert_error(409, "invalid_transition");
    app.post(&path("rating"), Some(&resident), json!({ "score": 4 }))
        .await
        .assert_error(409, "invalid_transition");
    app.post(
        &path("settlement"),
        Some(&resident),
        json!({ "accept": true }),
    )
    .await
    .assert_error(409, "no_proposal");
    app.post(
        &path("reject"),
        Some(&handler),
        json!({ "reason_code": "because" }),
    )
    .await
    .assert_error(422, "validation_failed");

    let withdrawn = app
        .post(
            &path("withdraw"),
            Some(&resident),
            json!({ "reason": "已与商家私下解决" }),
        )
        .await;
    assert_eq!(withdrawn.body["status"], "withdrawn");
    app.post(&path("accept"), Some(&handler), json!({}))
        .await
        .assert_error(409, "invalid_transition");
    app.post(&path("withdraw"), Some(&resident), json!({}))
        .await
        .assert_error(409, "invalid_transition");

    // Rejection is final too.
    let second = file(&app, &resident, filing(NOODLES, "另一件投诉测试")).await;
    let p2 = format!("/api/v1/complaints/{}", second["id"].as_str().unwrap());
    let rejected = app
        .post(
            &format!("{p2}/reject"),
            Some(&handler),
            json!({ "reason_code": "over_three_years", "note": "超过三年" }),
        )
        .await;
    assert_eq!(rejected.body["status"], "rejected");
    assert_eq!(rejected.body["reject_reason"], "over_three_years");
    app.post(&format!("{p2}/accept"), Some(&handler), json!({}))
        .await
        .assert_error(409, "invalid_transition");

    // Two handlers accepting at once: one wins.
    let third = file(&app, &resident, filing(NOODLES, "并发受理测试投诉")).await;
    let p3 = format!(
        "/api/v1/complaints/{}/accept",
        third["id"].as_str().unwrap()
    );
    let (x, y) = futures_util::join!(
        app.post(&p3, Some(&handler), json!({})),
        app.post(&p3, Some(&handler), json!({}))
    );
    let mut statuses = [x.status.as_u16(), y.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 409]);
}

#[actix_web::test]
async fn an_odr_merchant_first_gets_its_own_window() {
    let app = spawn_app().await;
    let resident = app.login("demo-resident").await;
    let handler = app.login("demo-handler").await;
    let merchant = app.login("demo-merchant").await;
    let filed = file(&app, &resident, filing(HOTPOT, "火锅店多收锅底费")).await;
    assert_eq!(filed["status"], "merchant_window");
    // Ten working days, then the bureau's seven.
    assert_eq!(filed["deadlines"]["merchant_window_until"], "2026-12-11");
    assert_eq!(filed["deadlines"]["decide_by"]["date"], "2026-12-22");
    let id = filed["id"].as_str().unwrap();
    let path = |a: &str| format!("/api/v1/complaints/{id}/{a}");
    app.post(&path("accept"), Some(&handler), json!({}))
        .await
        .assert_error(409, "invalid_transition");

    app.post(
        &path("merchant-response"),
        Some(&merchant),
        json!({ "message": "抱歉，马上退款", "proposal": "退还 38 元" }),
    )
    .await;
    let settled = app
        .post(
            &path("settlement"),
            Some(&resident),
            json!({ "accept": true }),
        )
        .await;
    assert_eq!(settled.status, StatusCode::OK, "{}", settled.text);
    assert_eq!(settled.body["status"], "closed");
    assert_eq!(settled.body["outcome"], "settled");

    // Another case where the merchant stays silent: after the window it joins the queue.
    let silent = file(&app, &resident, filing(HOTPOT, "火锅店服务态度差")).await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 14, 2, 0, 0).unwrap());
    // Sessions last a day: log in again on the new date.
    let handler = app.login("demo-handler").await;
    let view = app
        .get(
            &format!("/api/v1/complaints/{}", silent["id"].as_str().unwrap()),
            Some(&handler),
        )
        .await;
    assert_eq!(view.body["status"], "submitted");
    assert!(kinds(&view.body).contains(&"merchant_window_ended".to_owned()));
    let accepted = app
        .post(
            &format!(
                "/api/v1/complaints/{}/accept",
                silent["id"].as_str().unwrap()
            ),
            Some(&handler),
            json!({}),
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text);
}

#[actix_web::test]
async fn the_queue_puts_the_most_urgent_first_and_filters() {
    let app = spawn_app().await;
    let handler = app.login("demo-handler").await;
    let resident = app.login("demo-resident").await;
    let res = app
        .get("/api/v1/handler/complaints?limit=100", Some(&handler))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let items = res.body["items"].as_array().unwrap();
    assert!(!items.is_empty(), "the seeded queue is empty");
    let running: Vec<&str> = items
        .iter()
        .filter(|i| {
            ["submitted", "merchant_window", "accepted"].contains(&i["status"].as_str().unwrap())
        })
        .map(|i| {
            if i["status"] == "accepted" {
                i["deadlines"]["mediate_by"]["date"].as_str().unwrap()
            } else {
                i["deadlines"]["decide_by"]["date"].as_str().unwrap()
            }
        })
        .collect();
    let mut sorted = running.clone();
    sorted.sort();
    assert_eq!(running, sorted, "not most urgent first");
    // Running cases come before finished ones.
    let first_final = items
        .iter()
        .position(|i| ["closed", "rejected", "withdrawn"].contains(&i["status"].as_str().unwrap()));
    if let Some(p) = first_final {
        assert!(
            items[p..]
                .iter()
                .all(|i| ["closed", "rejected", "withdrawn"]
                    .contains(&i["status"].as_str().unwrap()))
        );
    }
    let counts = &res.body["counts"];
    let total: u64 = counts
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(total as usize, items.len());

    // Filters.
    let overdue = app
        .get(
            "/api/v1/handler/complaints?overdue=true&limit=100",
            Some(&handler),
        )
        .await;
    assert!(
        overdue.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["deadlines"]["decide_by"]["overdue"] == true
                || i["deadlines"]["mediate_by"]["overdue"] == true)
    );
    let accepted = app
        .get("/api/v1/handler/complaints?status=accepted", Some(&handler))
        .await;
    assert!(
        accepted.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["status"] == "accepted")
    );
    let mine = app
        .get(
            "/api/v1/handler/complaints?assignee=me&limit=100",
            Some(&handler),
        )
        .await;
    let handler_id = app.me(&handler).await["id"].clone();
    assert!(
        mine.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["assignee_id"] == handler_id)
    );
    let district = app
        .get(
            "/api/v1/handler/complaints?district_code=500106&limit=100",
            Some(&handler),
        )
        .await;
    assert!(
        district.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["district_code"] == "500106")
    );

    // Pages follow each other.
    let page1 = app
        .get("/api/v1/handler/complaints?limit=5", Some(&handler))
        .await;
    let cursor = page1.body["next_cursor"].as_str().unwrap();
    let page2 = app
        .get(
            &format!("/api/v1/handler/complaints?limit=5&cursor={cursor}"),
            Some(&handler),
        )
        .await;
    let ids: Vec<&Value> = page1.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(page2.body["items"].as_array().unwrap())
        .map(|i| &i["id"])
        .collect();
    let expected: Vec<&Value> = items.iter().take(10).map(|i| &i["id"]).collect();
    assert_eq!(ids, expected);

    // Boundaries.
    app.get(
        "/api/v1/handler/complaints?district_code=500108",
        Some(&handler),
    )
    .await
    .assert_error(403, "forbidden");
    app.get("/api/v1/handler/complaints", Some(&resident))
        .await
        .assert_error(403, "forbidden");
    app.get("/api/v1/handler/complaints?status=nonsense", Some(&handler))
        .await
        .assert_error(400, "bad_request");
}

#[actix_web::test]
async fn transfers_move_the_case_to_the_other_district() {
    let app = spawn_app().await;
    let resident = app.login("demo-resident").await;
    let handler = app.login("demo-handler").await;
    let admin = app.login("demo-admin").await;
    let nanan = app.login("nanan-handler").await;
    let nanan_id = app.me(&nanan).await["id"].as_str().unwrap().to_owned();
    app.put(
        &format!("/api/v1/admin/users/{nanan_id}/roles"),
        Some(&admin),
        json!({ "roles": ["handler"], "handler_districts": ["500108"] }),
    )
    .await;

    let filed = file(&app, &resident, filing(NOODLES, "应由南岸区处理的投诉")).await;
    let id = filed["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/complaints/{id}/transfer"),
        Some(&handler),
        json!({ "district_code": "500103" }),
    )
    .await
    .assert_error(422, "validation_failed");
    let moved = app
        .post(
            &format!("/api/v1/complaints/{id}/transfer"),
            Some(&handler),
            json!({ "district_code": "500108", "note": "经营地在南岸区" }),
        )
        .await;
    moved.assert_error(403, "forbidden");
    app.get(&format!("/api/v1/complaints/{id}"), Some(&handler))
        .await
        .assert_error(403, "forbidden");
    let queue = app
        .get("/api/v1/handler/complaints?limit=100", Some(&nanan))
        .await;
    assert!(
        queue.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == id)
    );
    let accepted = app
        .post(
            &format!("/api/v1/complaints/{id}/accept"),
            Some(&nanan),
            json!({}),
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text);
    assert!(kinds(&accepted.body).contains(&"transferred".to_owned()));
    // Assigning needs a handler of the case's district.
    app.post(
        &format!("/api/v1/complaints/{id}/assign"),
        Some(&nanan),
        json!({ "user_id": app.me(&handler).await["id"] }),
    )
    .await
    .assert_error(422, "validation_failed");
    let assigned = app
        .post(
            &format!("/api/v1/complaints/{id}/assign"),
            Some(&nanan),
            json!({ "user_id": nanan_id }),
        )
        .await;
    assert_eq!(assigned.body["assignee_id"], nanan_id.as_str());
}

#[actix_web::test]
async fn pausing_stops_the_mediation_clock() {
    let app = spawn_app().await;
    let resident = app.login("demo-resident").await;
    let handler = app.login("demo-handler").await;
    let filed = file(&app, &resident, filing(NOODLES, "需要送检的投诉")).await;
    let id = filed["id"].as_str().unwrap();
    let accepted = app
        .post(
            &format!("/api/v1/complaints/{id}/accept"),
            Some(&handler),
            json!({}),
        )
        .await;
    let before = accepted.body["deadlines"]["mediate_by"]["date"]
        .as_str()
        .unwrap()
        .to_owned();
    let paused = app
        .post(
            &format!("/api/v1/complaints/{id}/pause"),
            Some(&handler),
            json!({ "reason": "送检" }),
        )
        .await;
    assert_eq!(paused.body["deadlines"]["paused"], true);
    // Friday 11-27 to Friday 12-04: the 60 days stood still for seven.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 4, 2, 0, 0).unwrap());
    let handler = app.login("demo-handler").await;
    let resumed = app
        .post(
            &format!("/api/v1/complaints/{id}/resume"),
            Some(&handler),
            json!({}),
        )
        .await;
    assert_eq!(resumed.status, StatusCode::OK, "{}", resumed.text);
    assert_eq!(before, "2027-01-26");
    assert_eq!(
        resumed.body["deadlines"]["mediate_by"]["date"],
        "2027-02-02"
    );
    assert_eq!(resumed.body["deadlines"]["paused"], false);
}

#[actix_web::test]
async fn loading_next_years_calendar_firms_up_provisional_deadlines() {
    // Thursday 2026-12-24, 10:00 in Chongqing.
    let options = TestOptions {
        start: Utc.with_ymd_and_hms(2026, 12, 24, 2, 0, 0).unwrap(),
        ..Default::default()
    };
    let app = spawn_app_with(options).await;
    let resident = app.login("demo-resident").await;
    let mut body = filing(NOODLES, "跨年的投诉期限");
    body["occurred_on"] = json!("2026-12-20");
    let filed = file(&app, &resident, body).await;
    assert_eq!(filed["deadlines"]["decide_by"]["provisional"], true);
    assert_eq!(filed["deadlines"]["decide_by"]["date"], "2027-01-04");

    // Suppose 2027 gives 1/1–1/3 and 1/4 off.
    let admin = app.login("demo-admin").await;
    let table = json!({ "year": 2027, "days_off": ["2027-01-01", "2027-01-02", "2027-01-03", "2027-01-04"], "makeup_days": [], "source": "test" });
    app.put(
        "/api/v1/admin/calendar/2027",
        Some(&app.login("demo-resident").await),
        table.clone(),
    )
    .await
    .assert_error(403, "forbidden");
    app.put("/api/v1/admin/calendar/2028", Some(&admin), table.clone())
        .await
        .assert_error(422, "validation_failed");
    let loaded = app
        .put("/api/v1/admin/calendar/2027", Some(&admin), table)
        .await;
    assert_eq!(loaded.status, StatusCode::OK, "{}", loaded.text);
    assert!(loaded.body["recomputed"].as_u64().unwrap() >= 1);
    let view = app
        .get(
            &format!("/api/v1/complaints/{}", filed["id"].as_str().unwrap()),
            Some(&resident),
        )
        .await;
    assert_eq!(view.body["deadlines"]["decide_by"]["provisional"], false);
    // 12-25, 12-28 … 12-31, then 1-1 to 1-4 are off: the 6th and 7th working days are 1-5 and 1-6.
    assert_eq!(view.body["deadlines"]["decide_by"]["date"], "2027-01-06");
}

#[actix_web::test]
async fn messages_wait_out_a_wechat_outage_and_arrive_once() {
    let app = spawn_app_with(app_with_fast_outbox()).await;
    let resident = app.login("demo-resident").await;
    let handler = app.login("demo-handler").await;
    app.wechat.set_mode(WechatMode::Down);
    for i in 0..3 {
        let filed = file(
            &app,
            &resident,
            filing(NOODLES, &format!("停机期间的投诉 {i}")),
        )
        .await;
        let res = app
            .post(
                &format!(
                    "/api/v1/complaints/{}/accept",
                    filed["id"].as_str().unwrap()
                ),
                Some(&handler),
                json!({}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK);
    }
    wait_until("retries during the outage", || app.wechat.refused() >= 6).await;
    assert!(app.wechat.messages().is_empty());
    app.wechat.set_mode(WechatMode::Normal);
    wait_until("delivery after the outage", || {
        app.wechat.messages().len() >= 3
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let messages = app.wechat.messages();
    assert_eq!(messages.len(), 3);
    let mut titles: Vec<String> = messages
        .iter()
        .map(|m| m["data"]["thing2"]["value"].as_str().unwrap().to_owned())
        .collect();
    titles.sort();
    titles.dedup();
    assert_eq!(titles.len(), 3, "a message came twice");
}

#[actix_web::test]
async fn an_unsubscribed_user_is_recorded_not_retried() {
    let app = spawn_app_with(app_with_fast_outbox()).await;
    let resident = app.login("demo-resident").await;
    let handler = app.login("demo-handler").await;
    app.wechat.unsubscribe("demo-resident");
    let filed = file(&app, &resident, filing(NOODLES, "未订阅消息的用户投诉")).await;
    app.post(
        &format!(
            "/api/v1/complaints/{}/accept",
            filed["id"].as_str().unwrap()
        ),
        Some(&handler),
        json!({}),
    )
    .await;
    wait_until("one attempt", || app.wechat.send_attempts() >= 1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.wechat.send_attempts(), 1);
    assert!(app.wechat.messages().is_empty());
}

#[actix_web::test]
async fn long_titles_fit_the_template_rules() {
    let app = spawn_app_with(app_with_fast_outbox()).await;
    let resident = app.login("demo-resident").await;
    let handler = app.login("demo-handler").await;
    let title = "商家拒绝履行七天无理由退货承诺并且服务态度恶劣要求赔偿损失";
    let filed = file(&app, &resident, filing(NOODLES, title)).await;
    app.post(
        &format!(
            "/api/v1/complaints/{}/accept",
            filed["id"].as_str().unwrap()
        ),
        Some(&handler),
        json!({}),
    )
    .await;
    wait_until("the message", || !app.wechat.messages().is_empty()).await;
    let m = &app.wechat.messages()[0];
    assert_eq!(
        m["data"]["thing2"]["value"]
            .as_str()
            .unwrap()
            .chars()
            .count(),
        20
    );
}

#[actix_web::test]
async fn similar_complaints_are_flagged_not_refused() {
    let app = spawn_app().await;
    let resident = app.login("someone").await;
    let first = file(&app, &resident, filing(NOODLES, "小面馆多收锅底费")).await;
    let second = file(&app, &resident, filing(NOODLES, "小面馆多收锅底费！")).await;
    assert_eq!(second["possible_duplicate_of"], first["id"]);
    let other = file(&app, &resident, filing(NOODLES, "门口乱停车挡路")).await;
    assert!(other["possible_duplicate_of"].is_null());
}

#[actix_web::test]
async fn filing_is_rate_limited_per_user() {
    let app =
        spawn_app_with(TestOptions::default().var("YUHUI_COMPLAINT_RATE_PER_HOUR", "2")).await;
    let resident = app.login("someone").await;
    file(&app, &resident, filing(NOODLES, "第一件频率测试")).await;
    file(&app, &resident, filing(NOODLES, "第二件频率测试")).await;
    app.post(
        "/api/v1/complaints",
        Some(&resident),
        filing(NOODLES, "第三件频率测试"),
    )
    .await
    .assert_error(429, "rate_limited");
    let other = app.login("someone-else").await;
    file(&app, &other, filing(NOODLES, "别人的投诉不受影响")).await;
}

#[actix_web::test]
async fn disclosure_ranks_only_merchants_with_enough_cases() {
    let app = spawn_app_with(TestOptions::default().var("YUHUI_DISCLOSURE_MIN_CASES", "100")).await;
    let res = app.get("/api/v1/disclosure/merchants", None).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body["items"].as_array().unwrap().is_empty());
    app.get("/api/v1/disclosure/merchants?sort=loudest", None)
        .await
        .assert_error(400, "bad_request");
    let app = spawn_app().await;
    let res = app
        .get(
            "/api/v1/disclosure/merchants?sort=mediation_success_rate&district_code=500106",
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(
        res.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["district_code"] == "500106")
    );
    assert!(!res.body["items"].as_array().unwrap().is_empty());
    let categories = app.get("/api/v1/complaints/categories", None).await;
    assert!(
        categories
            .body
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["code"] == "food_safety")
    );
}

pub(crate) async fn upload(
    app: &TestApp,
    token: &str,
    id: &str,
    bytes: Vec<u8>,
    content_type: &str,
) -> crate::helpers::Response {
    let res = app
        .client
        .post(app.url(&format!("/api/v1/complaints/{id}/attachments")))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .await
        .unwrap();
    crate::helpers::into_response(res).await
}

fn segment(marker: u8, body: &[u8]) -> Vec<u8> {
    let mut s = vec![0xFF, marker];
    s.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
    s.extend_from_slice(body);
    s
}

/// The parts of a JPEG a phone writes before the picture, without the EXIF.
fn jpeg_head() -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8];
    j.extend(segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
    j
}

/// The picture itself: tables, frame, scan and end, with `n` as its pixels.
fn jpeg_body(n: u8) -> Vec<u8> {
    let mut j = segment(0xDB, &[0u8; 65]);
    j.extend(segment(0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]));
    j.extend(segment(0xDA, &[1, 1, 0, 0, 63, 0]));
    j.extend(std::iter::repeat_n(n, 1000));
    j.extend_from_slice(&[0xFF, 0xD9]);
    j
}

/// A photo as a phone takes it: with the place and the phone in its EXIF.
pub(crate) fn jpeg(n: u8) -> Vec<u8> {
    let mut j = jpeg_head();
    j.extend(segment(
        0xE1,
        b"Exif\0\0GPS 29.5569N 106.5775E HUAWEI Mate 60",
    ));
    j.extend(jpeg_body(n));
    j
}

/// The same photo as Yuhui keeps it.
fn jpeg_without_metadata(n: u8) -> Vec<u8> {
    let mut j = jpeg_head();
    j.extend(jpeg_body(n));
    j
}

#[actix_web::test]
async fn evidence_photos_are_checked_by_content_and_shown_only_to_the_case() {
    let app = spawn_app().await;
    let resident = app.login("demo-resident").await;
    let handler = app.login("demo-handler").await;
    let filed = file(&app, &resident, filing(NOODLES, "带照片证据的投诉")).await;
    let id = filed["id"].as_str().unwrap();

    let saved = upload(&app, &resident, id, jpeg(1), "image/jpeg").await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.text);
    assert_eq!(saved.body["content_type"], "image/jpeg");
    // Stored and hashed without its metadata.
    let clean = jpeg_without_metadata(1);
    let expected_hash: String = {
        use sha2::Digest;
        sha2::Sha256::digest(&clean)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    assert_eq!(saved.body["sha256"], expected_hash.as_str());
    assert_eq!(saved.body["size_bytes"], clean.len());
    assert_eq!(saved.body["shared_with_merchant"], false);
    let url = saved.body["url"].as_str().unwrap().to_owned();

    let fetched = app
        .client
        .get(app.url(&url))
        .bearer_auth(&handler)
        .send()
        .await
        .unwrap();
    assert_eq!(fetched.status(), StatusCode::OK);
    assert_eq!(fetched.headers()["content-type"], "image/jpeg");
    let served = fetched.bytes().await.unwrap().to_vec();
    assert_eq!(served, clean);
    assert!(!String::from_utf8_lossy(&served).contains("GPS"));
    let stranger = app.login("demo-merchant-b").await;
    let denied = app
        .client
        .get(app.url(&url))
        .bearer_auth(&stranger)
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    upload(&app, &stranger, id, jpeg(2), "image/jpeg")
        .await
        .assert_error(403, "forbidden");

    // A JPEG cut short cannot be cleaned, so it is refused.
    upload(&app, &resident, id, jpeg(2)[..30].to_vec(), "image/jpeg")
        .await
        .assert_error(422, "validation_failed");

    // A GIF (or anything else) calling itself a JPEG is refused.
    upload(&app, &resident, id, b"GIF89a....".to_vec(), "image/jpeg")
        .await
        .assert_error(422, "validation_failed");
    upload(
        &app,
        &resident,
        id,
        vec![0xFF; 6 * 1024 * 1024],
        "image/jpeg",
    )
    .await
    .assert_error(413, "payload_too_large");

    for n in 2..=9 {
        assert_eq!(
            upload(&app, &resident, id, jpeg(n), "image/jpeg")
                .await
                .status,
            StatusCode::CREATED
        );
    }
    upload(&app, &resident, id, jpeg(10), "image/jpeg")
        .await
        .assert_error(409, "too_many_attachments");
    let view = app
        .get(&format!("/api/v1/complaints/{id}"), Some(&resident))
        .await;
    assert_eq!(view.body["attachments"].as_array().unwrap().len(), 9);
}

#[actix_web::test]
async fn a_handler_who_is_a_party_may_not_act_on_the_case() {
    let app = spawn_app().await;
    let handler = app.login("demo-handler").await;
    let admin = app.login("demo-admin").await;

    // The handler's own complaint, against a stall in the handler's own district.
    let mut body = filing(NOODLES, "处理人员本人的投诉");
    body["merchant_id"] = Value::Null;
    body["respondent"] =
        json!({ "name": "解放碑某水果摊", "address": "渝中区八一路", "district_code": "500103" });
    let own = file(&app, &handler, body).await;
    let own_id = own["id"].as_str().unwrap();
    for (action, body) in [
        ("accept", json!({})),
        ("notes", json!({ "text": "自己的案子" })),
        ("assign", json!({ "user_id": uuid::Uuid::now_v7() })),
    ] {
        app.post(
            &format!("/api/v1/complaints/{own_id}/{action}"),
            Some(&handler),
            body,
        )
        .await
        .assert_error(403, "conflict_of_interest");
    }
    // They see it as its complainant does.
    let seen = app
        .get(&format!("/api/v1/complaints/{own_id}"), Some(&handler))
        .await;
    assert_eq!(seen.body["contact"]["phone"], "139****5678");

    // Merchant staff made a handler of the district: not for their own merchant's cases.
    let merchant = app.login("demo-merchant").await;
    let merchant_id = app.get("/api/v1/me", Some(&merchant)).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let granted = app
        .put(
            &format!("/api/v1/admin/users/{merchant_id}/roles"),
            Some(&admin),
            json!({ "roles": ["merchant", "handler"], "handler_districts": ["500103"] }),
        )
        .await;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.text);
    let resident = app.login("demo-resident").await;
    let against = file(&app, &resident, filing(NOODLES, "面馆员工兼任处理人员")).await;
    let against_id = against["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/complaints/{against_id}/accept"),
        Some(&merchant),
        json!({}),
    )
    .await
    .assert_error(403, "conflict_of_interest");
    let seen = app
        .get(&format!("/api/v1/complaints/{against_id}"), Some(&merchant))
        .await;
    assert_eq!(seen.body["contact"]["phone"], "139****5678");
    // An admin hands each case to a handler who is not a party to it.
    let refused = app
        .post(
            &format!("/api/v1/complaints/{against_id}/assign"),
            Some(&admin),
            json!({ "user_id": merchant_id }),
        )
        .await;
    refused.assert_error(422, "validation_failed");
    assert_eq!(
        refused.body["details"]["fields"]["user_id"],
        json!(["conflict_of_interest"])
    );
    let reassigned = app
        .post(
            &format!("/api/v1/complaints/{own_id}/assign"),
            Some(&admin),
            json!({ "user_id": merchant_id }),
        )
        .await;
    assert_eq!(reassigned.status, StatusCode::OK, "{}", reassigned.text);
    assert_eq!(reassigned.body["assignee_id"], merchant_id.as_str());
    // Residents still may not assign.
    app.post(
        &format!("/api/v1/complaints/{own_id}/assign"),
        Some(&resident),
        json!({ "user_id": merchant_id }),
    )
    .await
    .assert_error(403, "forbidden");
    // The district's other handler still can act on the merchant's case.
    let accepted = app
        .post(
            &format!("/api/v1/complaints/{against_id}/accept"),
            Some(&handler),
            json!({}),
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text);
}
