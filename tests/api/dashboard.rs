//! The handler's dashboard: counts per district and status, and each
//! month's decisions and mediations against their legal deadlines.

use chrono::Duration;
use serde_json::{Value, json};

use crate::complaints::{NOODLES, file, filing};
use crate::helpers::{TestApp, spawn_app};

async fn dashboard(app: &TestApp, token: &str, months: u32) -> Value {
    let res = app
        .get(
            &format!("/api/v1/handler/dashboard?months={months}"),
            Some(token),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    res.body
}

fn month<'a>(view: &'a Value, name: &str) -> &'a Value {
    view["months"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["month"] == name)
        .unwrap_or_else(|| panic!("no {name} in {view}"))
}

fn district<'a>(view: &'a Value, code: &str) -> &'a Value {
    &view["districts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["district_code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {view}"))["counts"]
}

/// A handler of 丰都县 alone, where the seeds file no cases, so every
/// figure is this test's own.
async fn fengdu_handler(app: &TestApp) -> String {
    let admin = app.login("demo-admin").await;
    let token = app.login("fengdu-handler").await;
    let id = app.me(&token).await["id"].as_str().unwrap().to_owned();
    let granted = app
        .put(
            &format!("/api/v1/admin/users/{id}/roles"),
            Some(&admin),
            json!({ "roles": ["handler"], "handler_districts": ["500230"] }),
        )
        .await;
    assert_eq!(granted.status, 200, "{}", granted.text);
    app.login("fengdu-handler").await
}

fn in_fengdu(title: &str) -> Value {
    let mut body = filing(NOODLES, title);
    let fields = body.as_object_mut().unwrap();
    fields.remove("merchant_id");
    fields.insert(
        "respondent".into(),
        json!({ "name": "丰都某土特产店", "address": "丰都县名山街道 1 号", "district_code": "500230" }),
    );
    body
}

#[actix_web::test]
async fn decisions_and_mediations_are_counted_against_their_deadlines() {
    let app = spawn_app().await;
    let resident = app.login("demo-resident").await;
    let handler = fengdu_handler(&app).await;
    let empty = dashboard(&app, &handler, 2).await;
    assert_eq!(month(&empty, "2026-11")["received"], 0);

    // Filed on Friday 2026-11-27: decide by Tuesday 2026-12-08.
    let mut ids = Vec::new();
    for title in ["按时受理并调解", "超期驳回", "无人处理"] {
        ids.push(
            file(&app, &resident, in_fengdu(title)).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let act = |id: &str, action: &str| format!("/api/v1/complaints/{id}/{action}");
    let accepted = app
        .post(&act(&ids[0], "accept"), Some(&handler), json!({}))
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.text);
    let closed = app
        .post(
            &act(&ids[0], "close"),
            Some(&handler),
            json!({ "outcome": "mediated", "note": "商家退还 38 元", "compensation_fen": 3800 }),
        )
        .await;
    assert_eq!(closed.status, 200, "{}", closed.text);

    app.clock.advance(Duration::days(12));
    let handler = app.login("fengdu-handler").await;
    let rejected = app
        .post(
            &act(&ids[1], "reject"),
            Some(&handler),
            json!({ "reason_code": "not_jurisdiction", "note": "不属于本部门管辖" }),
        )
        .await;
    assert_eq!(rejected.status, 200, "{}", rejected.text);

    let view = dashboard(&app, &handler, 2).await;
    let november = month(&view, "2026-11");
    assert_eq!(november["received"], 3);
    assert_eq!(november["decided"], 2);
    assert_eq!(
        november["decided_in_time"], 1,
        "the rejection came after 12-08"
    );
    assert_eq!(
        november["decision_overdue"], 1,
        "the third is still waiting"
    );
    assert_eq!(november["mediations_closed"], 1);
    assert_eq!(november["mediated_in_time"], 1);
    assert_eq!(month(&view, "2026-12")["received"], 0);
    let counts = district(&view, "500230");
    assert_eq!(counts["submitted"], 1);
    assert_eq!(counts["rejected"], 1);
    assert_eq!(counts["closed"], 1);
    assert_eq!(counts["accepted"], 0);
    assert_eq!(
        view["districts"].as_array().unwrap().len(),
        1,
        "only the caller's districts"
    );
}

#[actix_web::test]
async fn only_handlers_see_it_and_months_are_bounded() {
    let app = spawn_app().await;
    let handler = app.login("demo-handler").await;
    let resident = app.login("demo-resident").await;
    let view = dashboard(&app, &handler, 6).await;
    assert_eq!(view["months"].as_array().unwrap().len(), 6);
    assert_eq!(view["months"][5]["month"], "2026-11");
    let refused = app.get("/api/v1/handler/dashboard", Some(&resident)).await;
    refused.assert_error(403, "forbidden");
    let too_many = app
        .get("/api/v1/handler/dashboard?months=25", Some(&handler))
        .await;
    too_many.assert_error(422, "validation_failed");
}
