//! The legal clock of a case in its corners: which mediation limit applies,
//! periods ending on rest days, pauses surviving a calendar load, transfers
//! and escalations restarting the decision clock, and termination notices.

use chrono::{DateTime, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use yuhui::workers::runtime::Periodic;

use crate::complaints::{HOTPOT, NOODLES, app_with_manual_outbox, file, filing};
use crate::helpers::{TestApp, TestOptions, spawn_app, spawn_app_with};

/// 10:00 in Chongqing on that day.
fn morning(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 2, 0, 0).unwrap()
}

fn starting(at: DateTime<Utc>) -> TestOptions {
    TestOptions {
        start: at,
        ..Default::default()
    }
}

/// A plain case against the noodle shop, filed and accepted today.
async fn accepted_case(app: &TestApp, title: &str) -> (String, Value) {
    let resident = app.login("demo-resident").await;
    let handler = app.login("demo-handler").await;
    let mut body = filing(NOODLES, title);
    body["occurred_on"] = json!(app.clock.now().date_naive().to_string());
    let id = file(app, &resident, body).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let accepted = app
        .post(
            &format!("/api/v1/complaints/{id}/accept"),
            Some(&handler),
            json!({}),
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text);
    (id, accepted.body["deadlines"].clone())
}

#[actix_web::test]
async fn the_mediation_limit_is_the_one_in_force_on_the_day_of_acceptance() {
    // Accepted Tuesday 2026-04-14: Order 20, 45 working days (May Day week off).
    let app = spawn_app_with(starting(morning(2026, 4, 14))).await;
    let (_, deadlines) = accepted_case(&app, "新规施行前一天受理").await;
    assert_eq!(deadlines["mediate_rule"], "order20");
    assert_eq!(deadlines["mediate_by"]["date"], "2026-06-18");
    assert_eq!(deadlines["mediate_by"]["provisional"], false);

    // Accepted Wednesday 2026-04-15: Order 121, 60 days to Sunday 06-14,
    // which rolls to Monday 06-15.
    let app = spawn_app_with(starting(morning(2026, 4, 15))).await;
    let (id, deadlines) = accepted_case(&app, "新规施行当天受理").await;
    assert_eq!(deadlines["mediate_rule"], "order121");
    assert_eq!(deadlines["mediate_by"]["date"], "2026-06-15");
    // The rule stays with the case whatever day it is read.
    app.clock.set(morning(2026, 5, 20));
    let handler = app.login("demo-handler").await;
    let later = app
        .get(&format!("/api/v1/complaints/{id}"), Some(&handler))
        .await;
    assert_eq!(later.body["deadlines"]["mediate_rule"], "order121");
}

#[actix_web::test]
async fn a_period_ending_in_the_national_day_holiday_ends_after_it() {
    let app = spawn_app_with(starting(morning(2026, 8, 3))).await;
    let (_, deadlines) = accepted_case(&app, "国庆假期里到期").await;
    // 2026-08-03 + 60 days = 10-02, inside 10-01..10-07.
    assert_eq!(deadlines["mediate_by"]["date"], "2026-10-08");
    assert_eq!(deadlines["mediate_by"]["provisional"], false);
}

#[actix_web::test]
async fn a_pause_survives_the_next_years_calendar() {
    let app = spawn_app_with(starting(morning(2026, 11, 2))).await;
    let (id, deadlines) = accepted_case(&app, "送检后跨年的调解期限").await;
    // 11-02 + 60 = 2027-01-01, a year without a table: a guess.
    assert_eq!(deadlines["mediate_by"]["date"], "2027-01-01");
    assert_eq!(deadlines["mediate_by"]["provisional"], true);
    let path = |action: &str| format!("/api/v1/complaints/{id}/{action}");

    app.clock.set(morning(2026, 11, 10));
    let handler = app.login("demo-handler").await;
    app.post(&path("pause"), Some(&handler), json!({ "reason": "送检" }))
        .await;
    app.clock.set(morning(2026, 11, 20));
    let handler = app.login("demo-handler").await;
    let resumed = app.post(&path("resume"), Some(&handler), json!({})).await;
    // Ten days stood still.
    assert_eq!(
        resumed.body["deadlines"]["mediate_by"]["date"],
        "2027-01-11"
    );
    assert_eq!(resumed.body["deadlines"]["mediate_by"]["provisional"], true);

    // The 2027 notice arrives; the pause is still counted, and the guess is gone.
    let admin = app.login("demo-admin").await;
    let table = json!({ "year": 2027, "days_off": ["2027-01-01", "2027-01-02", "2027-01-03"], "makeup_days": [], "source": "test" });
    let loaded = app
        .put("/api/v1/admin/calendar/2027", Some(&admin), table)
        .await;
    assert_eq!(loaded.status, StatusCode::OK, "{}", loaded.text);
    let view = app
        .get(&format!("/api/v1/complaints/{id}"), Some(&handler))
        .await;
    assert_eq!(view.body["deadlines"]["mediate_by"]["date"], "2027-01-11");
    assert_eq!(view.body["deadlines"]["mediate_by"]["provisional"], false);
}

#[actix_web::test]
async fn a_paused_case_is_firmed_up_by_a_calendar_loaded_while_it_stands_still() {
    let app = spawn_app_with(starting(morning(2026, 11, 2))).await;
    let (id, _) = accepted_case(&app, "仍在送检的案件").await;
    let handler = app.login("demo-handler").await;
    app.post(
        &format!("/api/v1/complaints/{id}/pause"),
        Some(&handler),
        json!({ "reason": "鉴定" }),
    )
    .await;
    let admin = app.login("demo-admin").await;
    let table =
        json!({ "year": 2027, "days_off": ["2027-01-01"], "makeup_days": [], "source": "test" });
    app.put("/api/v1/admin/calendar/2027", Some(&admin), table)
        .await;
    let view = app
        .get(&format!("/api/v1/complaints/{id}"), Some(&handler))
        .await;
    assert_eq!(view.body["deadlines"]["paused"], true);
    // 2027-01-01 is now a known holiday: the end rolls to Monday 01-04.
    assert_eq!(view.body["deadlines"]["mediate_by"]["date"], "2027-01-04");
    assert_eq!(view.body["deadlines"]["mediate_by"]["provisional"], false);
}

#[actix_web::test]
async fn the_receiving_bureau_gets_its_own_seven_working_days() {
    let app = spawn_app_with(starting(morning(2026, 11, 16))).await;
    let resident = app.login("demo-resident").await;
    let mut body = filing(NOODLES, "需要移送的投诉");
    body["occurred_on"] = json!("2026-11-15");
    let filed = file(&app, &resident, body).await;
    assert_eq!(filed["deadlines"]["decide_by"]["date"], "2026-11-25");
    let id = filed["id"].as_str().unwrap();
    // Day 6: Tuesday 11-24.
    app.clock.set(morning(2026, 11, 24));
    let handler = app.login("demo-handler").await;
    let moved = app
        .post(
            &format!("/api/v1/complaints/{id}/transfer"),
            Some(&handler),
            json!({ "district_code": "500106", "note": "经营地在沙坪坝" }),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
    assert_eq!(moved.body["deadlines"]["decide_by"]["date"], "2026-12-03");
    assert_eq!(moved.body["deadlines"]["decide_by"]["overdue"], false);
}

#[actix_web::test]
async fn either_party_can_end_the_merchants_window_at_once() {
    let app = spawn_app().await; // Friday 2026-11-27
    let resident = app.login("demo-resident").await;
    let merchant = app.login("demo-merchant").await;
    let stranger = app.login("demo-merchant-b").await;

    // The complainant ends it.
    let first = file(&app, &resident, filing(HOTPOT, "火锅店拒绝和解")).await;
    assert_eq!(first["status"], "merchant_window");
    assert_eq!(first["deadlines"]["decide_by"]["date"], "2026-12-22");
    let id = first["id"].as_str().unwrap();
    let seen = app
        .get(&format!("/api/v1/complaints/{id}"), Some(&resident))
        .await;
    assert!(
        seen.body["actions"]
            .as_array()
            .unwrap()
            .contains(&json!("escalate"))
    );
    app.post(
        &format!("/api/v1/complaints/{id}/escalate"),
        Some(&stranger),
        json!({}),
    )
    .await
    .assert_error(403, "forbidden");
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0).unwrap());
    let resident = app.login("demo-resident").await;
    let escalated = app
        .post(
            &format!("/api/v1/complaints/{id}/escalate"),
            Some(&resident),
            json!({ "note": "商家拒绝退款" }),
        )
        .await;
    assert_eq!(escalated.status, StatusCode::OK, "{}", escalated.text);
    assert_eq!(escalated.body["status"], "submitted");
    assert_eq!(
        escalated.body["deadlines"]["merchant_window_until"],
        "2026-11-30"
    );
    assert_eq!(
        escalated.body["deadlines"]["decide_by"]["date"],
        "2026-12-09"
    );
    app.post(
        &format!("/api/v1/complaints/{id}/escalate"),
        Some(&resident),
        json!({}),
    )
    .await
    .assert_error(409, "invalid_transition");

    // The merchant's staff end another one.
    let second = file(&app, &resident, filing(HOTPOT, "火锅店账单有误")).await;
    let id = second["id"].as_str().unwrap();
    let merchant = {
        drop(merchant);
        app.login("demo-merchant").await
    };
    let escalated = app
        .post(
            &format!("/api/v1/complaints/{id}/escalate"),
            Some(&merchant),
            json!({}),
        )
        .await;
    assert_eq!(escalated.status, StatusCode::OK, "{}", escalated.text);
    assert_eq!(escalated.body["status"], "submitted");

    // Declining the merchant's proposal can end the window too.
    let third = file(&app, &resident, filing(HOTPOT, "火锅店和解方案不合理")).await;
    let id = third["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/complaints/{id}/merchant-response"),
        Some(&merchant),
        json!({ "message": "可退一半", "proposal": "退还19元" }),
    )
    .await;
    let offered = app
        .get(&format!("/api/v1/complaints/{id}"), Some(&resident))
        .await;
    let actions = offered.body["actions"].as_array().unwrap();
    assert!(actions.contains(&json!("settlement")) && actions.contains(&json!("escalate")));
    let declined = app
        .post(
            &format!("/api/v1/complaints/{id}/settlement"),
            Some(&resident),
            json!({ "accept": false, "escalate": true }),
        )
        .await;
    assert_eq!(declined.status, StatusCode::OK, "{}", declined.text);
    assert_eq!(declined.body["status"], "submitted");
    assert_eq!(
        declined.body["deadlines"]["decide_by"]["date"],
        "2026-12-09"
    );
}

#[actix_web::test]
async fn a_termination_needs_its_ground_and_both_parties_are_told() {
    let app = spawn_app_with(app_with_manual_outbox()).await;
    let resident = app.login("demo-resident").await;
    let handler = app.login("demo-handler").await;
    let filed = file(&app, &resident, filing(NOODLES, "调解不成的投诉")).await;
    let id = filed["id"].as_str().unwrap();
    let path = |action: &str| format!("/api/v1/complaints/{id}/{action}");
    app.post(&path("accept"), Some(&handler), json!({})).await;

    app.post(
        &path("close"),
        Some(&handler),
        json!({ "outcome": "terminated", "note": "双方分歧过大" }),
    )
    .await
    .assert_error(422, "validation_failed");
    let wrong = app
        .post(
            &path("close"),
            Some(&handler),
            json!({ "outcome": "terminated", "termination_reason": "bored" }),
        )
        .await;
    wrong.assert_error(422, "validation_failed");
    assert_eq!(
        wrong.body["details"]["fields"]["termination_reason"][0],
        "unknown_reason"
    );
    let closed = app
        .post(
            &path("close"),
            Some(&handler),
            json!({ "outcome": "terminated", "termination_reason": "no_agreement" }),
        )
        .await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.text);
    assert_eq!(closed.body["termination_reason"], "no_agreement");
    // Seven working days from Friday 11-27.
    assert_eq!(
        closed.body["deadlines"]["termination_notice_by"]["date"],
        "2026-12-08"
    );
    let queue = app
        .get("/api/v1/handler/complaints?status=closed", Some(&handler))
        .await;
    let row = queue.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .expect("the terminated case stays in the queue until the parties are told")
        .clone();
    assert_eq!(
        row["deadlines"]["termination_notice_by"]["date"],
        "2026-12-08"
    );

    // One message to the complainant and one to the merchant's staff.
    app.jobs.outbox.run_once().await.expect("a round");
    let told: Vec<String> = app
        .wechat
        .messages()
        .iter()
        .filter(|m| m.to_string().contains("调解终止"))
        .map(|m| m["touser"].as_str().unwrap_or("").to_owned())
        .collect();
    assert!(told.contains(&"demo-resident".to_owned()), "{told:?}");
    assert!(told.contains(&"demo-merchant".to_owned()), "{told:?}");
    app.jobs
        .deadline_warnings
        .run_once()
        .await
        .expect("a round");
    let view = app
        .get(&format!("/api/v1/complaints/{id}"), Some(&handler))
        .await;
    assert!(view.body["deadlines"]["termination_notice_by"].is_null());
    assert!(
        view.body["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "termination_notified")
    );
}

#[actix_web::test]
async fn a_settlement_after_acceptance_is_settled_not_mediated() {
    let app = spawn_app().await;
    let resident = app.login("demo-resident").await;
    let handler = app.login("demo-handler").await;
    let merchant = app.login("demo-merchant").await;
    let filed = file(&app, &resident, filing(NOODLES, "受理后自行和解")).await;
    let id = filed["id"].as_str().unwrap();
    let path = |action: &str| format!("/api/v1/complaints/{id}/{action}");
    app.post(&path("accept"), Some(&handler), json!({})).await;
    app.post(
        &path("merchant-response"),
        Some(&merchant),
        json!({ "message": "同意退款", "proposal": "退还38元" }),
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
    assert_eq!(settled.body["outcome"], "settled");
}

/// A case filed Thursday 2026-12-24: its decision runs into 2027.
async fn provisional_case(app: &TestApp) -> String {
    let resident = app.login("demo-resident").await;
    let mut body = filing(NOODLES, "跨年的投诉");
    body["occurred_on"] = json!("2026-12-20");
    let filed = file(app, &resident, body).await;
    assert_eq!(filed["deadlines"]["decide_by"]["date"], "2027-01-04");
    assert_eq!(filed["deadlines"]["decide_by"]["provisional"], true);
    filed["id"].as_str().unwrap().to_owned()
}

async fn decide_by(app: &TestApp, id: &str) -> Value {
    let handler = app.login("demo-handler").await;
    app.get(&format!("/api/v1/complaints/{id}"), Some(&handler))
        .await
        .body["deadlines"]["decide_by"]
        .clone()
}

#[actix_web::test]
async fn the_calendar_command_recomputes_what_it_settles() {
    let app = spawn_app_with(starting(morning(2026, 12, 24))).await;
    let id = provisional_case(&app).await;
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    let file = json!({ "years": [{ "year": 2027, "days_off": ["2027-01-01", "2027-01-04"], "makeup_days": [] }] });
    let loaded = yuhui::cli::load_calendar_file(&db, &file.to_string(), app.clock.now())
        .await
        .expect("the file loads");
    assert!(loaded.recomputed >= 1, "{}", loaded.recomputed);
    // 12-25, 12-28 … 12-31, then 1-1 and 1-4 off: the 7th working day is 1-6.
    let decide = decide_by(&app, &id).await;
    assert_eq!(decide["date"], "2027-01-06");
    assert_eq!(decide["provisional"], false);
}

#[actix_web::test]
async fn an_instance_starting_on_a_newer_calendar_recomputes_at_once() {
    let app = spawn_app_with(starting(morning(2026, 12, 24))).await;
    let id = provisional_case(&app).await;
    // A table written straight into the database, later than the deadline.
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    let later = morning(2026, 12, 25);
    let table = entity::holiday_table::ActiveModel {
        year: sea_orm::ActiveValue::Set(2027),
        days_off: sea_orm::ActiveValue::Set(r#"["2027-01-01","2027-01-04"]"#.into()),
        makeup_days: sea_orm::ActiveValue::Set("[]".into()),
        source: sea_orm::ActiveValue::Set("by hand".into()),
        loaded_at: sea_orm::ActiveValue::Set(later),
    };
    sea_orm::EntityTrait::insert(table).exec(&db).await.unwrap();
    assert_eq!(decide_by(&app, &id).await["provisional"], true);

    let second = spawn_app_with(TestOptions {
        start: later,
        shared_database_url: Some(app.database_url.clone()),
        ..Default::default()
    })
    .await;
    let decide = decide_by(&second, &id).await;
    assert_eq!(decide["date"], "2027-01-06");
    assert_eq!(decide["provisional"], false);
}
