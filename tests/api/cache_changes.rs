//! Two instances on one PostgreSQL database: an edit on one reaches the
//! other's caches through `NOTIFY`, not through their polling or expiry.
//! Each fallback is set (or is) slower than the wait here, so an answer that
//! changes in time can only have come through the notification.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::complaints::{NOODLES, filing};
use crate::helpers::{TestApp, TestOptions, spawn_app_with};
use crate::places::{WANZHOU, shop_body};

/// Below every fallback: the principal cache keeps roles 10 s, the calendar
/// and the tourism catalogue 30 s, the rule book 60 s, and the shop index
/// poll is set to an hour here.
const FALLBACK_FREE_WAIT: Duration = Duration::from_secs(5);

async fn two_instances_on_postgres() -> Option<(TestApp, TestApp)> {
    let on_postgres = std::env::var("TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty());
    if !on_postgres {
        eprintln!("TEST_DATABASE_URL is not set: notifications are PostgreSQL's; not run");
        return None;
    }
    let options = TestOptions::default()
        .var("YUHUI_INDEX_POLL_MS", "3600000")
        .var("YUHUI_COMPLAINT_RATE_PER_HOUR", "10000");
    let first = spawn_app_with(options.clone()).await;
    let second = spawn_app_with(TestOptions {
        shared_database_url: Some(first.database_url.clone()),
        ..options
    })
    .await;
    for app in [&first, &second] {
        let listening = || async {
            app.get("/metrics", None)
                .await
                .text
                .contains("yuhui_change_listener_up 1")
        };
        let started = Instant::now();
        while !listening().await {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "never listened"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    Some((first, second))
}

/// Asks `probe` until it says yes; returns how long that took.
async fn seen_within<F, Fut>(what: &str, mut probe: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !probe().await {
        assert!(
            started.elapsed() < FALLBACK_FREE_WAIT,
            "{what}: not seen on the other instance"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let took = started.elapsed();
    eprintln!("{what}: seen on the other instance after {took:?}");
    took
}

async fn nearby_names(app: &TestApp) -> Vec<String> {
    let res = app
        .get(
            &format!(
                "/api/v1/shops/nearby?lat={}&lng={}&radius_m=2000&limit=50",
                WANZHOU.0, WANZHOU.1
            ),
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    res.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|s| s["name"].as_str().map(str::to_owned))
        .collect()
}

#[actix_web::test]
async fn a_shop_written_on_one_instance_is_found_on_the_other() {
    let Some((a, b)) = two_instances_on_postgres().await else {
        return;
    };
    assert!(nearby_names(&b).await.is_empty());
    let merchant = a.login("demo-merchant").await;
    let res = a
        .post(
            "/api/v1/merchant/shops",
            Some(&merchant),
            shop_body("万州通知便利店", WANZHOU.0, WANZHOU.1),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    seen_within("new shop", || async {
        nearby_names(&b)
            .await
            .contains(&"万州通知便利店".to_owned())
    })
    .await;
}

async fn route_titles(app: &TestApp) -> Vec<String> {
    let res = app.get("/api/v1/tourism/routes?limit=50", None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    res.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|r| r["title"].as_str().map(str::to_owned))
        .collect()
}

#[actix_web::test]
async fn a_route_published_on_one_instance_is_listed_on_the_other() {
    let Some((a, b)) = two_instances_on_postgres().await else {
        return;
    };
    let title = "通知测试线路：解放碑到鹅岭";
    // The other instance holds its catalogue (30 s) from here.
    assert!(!route_titles(&b).await.contains(&title.to_owned()));
    let admin = a.login("demo-admin").await;
    let route = json!({
        "title": title,
        "summary": "一条用于测试通知的半日线路，从解放碑到鹅岭二厂。",
        "themes": ["family"],
        "district_codes": ["500103"],
        "days": 1,
        "best_season": "全年",
        "coord": "wgs84",
        "stops": [
            {"seq": 1, "day": 1, "name": "解放碑", "lat": 29.5575, "lng": 106.5770, "minutes": 30},
            {"seq": 2, "day": 1, "name": "鹅岭二厂", "lat": 29.5530, "lng": 106.5430, "minutes": 60},
        ],
    });
    let res = a
        .post("/api/v1/admin/tourism/routes", Some(&admin), route)
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    seen_within("new route", || async {
        route_titles(&b).await.contains(&title.to_owned())
    })
    .await;
}

async fn fridge_quote(app: &TestApp) -> Value {
    let res = app
        .get(
            "/api/v1/trade-in/quote?category=refrigerator&price_fen=499900&efficiency_grade=1&invoice_date=2025-06-01",
            None,
        )
        .await;
    assert!(!res.status.is_server_error(), "{}", res.text);
    res.body
}

#[actix_web::test]
async fn a_rule_changed_in_the_database_applies_on_every_instance() {
    let Some((a, b)) = two_instances_on_postgres().await else {
        return;
    };
    let before = fridge_quote(&b).await;
    assert_eq!(before["rule"], "national-2025", "{before}");
    // An operator ends the rule in May by hand (rule sets are rows, so a
    // new version needs no deploy): a June invoice falls outside it.
    let db = sea_orm::Database::connect(&a.database_url)
        .await
        .expect("db");
    db.execute_unprepared(
        "UPDATE trade_in_rule_sets \
         SET effective_to = DATE '2025-05-31', \
             body = jsonb_set(body::jsonb, '{effective_to}', '\"2025-05-31\"')::text \
         WHERE code = 'national-2025'",
    )
    .await
    .expect("update");
    db.close().await.expect("close");
    seen_within("rule ended", || async {
        fridge_quote(&b).await.get("rule") != Some(&json!("national-2025"))
    })
    .await;
}

async fn decide_by(app: &TestApp, resident: &str) -> Value {
    let res = app
        .post(
            "/api/v1/complaints",
            Some(resident),
            filing(NOODLES, "通知测试：期限按新日历"),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    res.body["deadlines"]["decide_by"]["date"].clone()
}

#[actix_web::test]
async fn a_calendar_loaded_on_one_instance_sets_deadlines_on_the_other() {
    let Some((a, b)) = two_instances_on_postgres().await else {
        return;
    };
    let resident = b.login("demo-resident").await;
    let before = decide_by(&b, &resident).await;
    // Filed Friday 2026-11-27: a week off from Monday moves the 7th working day.
    let admin = a.login("demo-admin").await;
    let table = json!({
        "year": 2026,
        "days_off": ["2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04"],
        "makeup_days": [],
        "source": "test",
    });
    let res = a
        .put("/api/v1/admin/calendar/2026", Some(&admin), table)
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    seen_within("new calendar", || async {
        decide_by(&b, &resident).await != before
    })
    .await;
}

/// demo-handler's token and id, with the queue working for it on `app`
/// (so that instance holds its roles from here).
async fn working_handler(app: &TestApp) -> (String, String) {
    let handler = app.login("demo-handler").await;
    let queue = app.get("/api/v1/handler/complaints", Some(&handler)).await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.text);
    let id = app.me(&handler).await["id"].as_str().unwrap().to_owned();
    (handler, id)
}

async fn remove_roles(app: &TestApp, user_id: &str) {
    let admin = app.login("demo-admin").await;
    let res = app
        .put(
            &format!("/api/v1/admin/users/{user_id}/roles"),
            Some(&admin),
            json!({ "roles": [] }),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
}

#[actix_web::test]
async fn a_role_removed_on_one_instance_stops_working_on_the_other() {
    let Some((a, b)) = two_instances_on_postgres().await else {
        return;
    };
    let (handler, handler_id) = working_handler(&b).await;
    remove_roles(&a, &handler_id).await;
    seen_within("role removed", || async {
        let queue = b.get("/api/v1/handler/complaints", Some(&handler)).await;
        queue.status == StatusCode::FORBIDDEN
    })
    .await;
}

/// A listener whose connection is cut listens again and refreshes
/// everything, so nothing written meanwhile stays stale past the reconnect.
#[actix_web::test]
async fn a_cut_listening_connection_comes_back_and_catches_up() {
    let Some((a, b)) = two_instances_on_postgres().await else {
        return;
    };
    let (handler, handler_id) = working_handler(&b).await;

    let database = a.database_url.rsplit('/').next().unwrap().to_owned();
    let db = sea_orm::Database::connect(&a.database_url)
        .await
        .expect("db");
    let cut = db
        .execute_unprepared(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = '{database}' AND query ILIKE 'LISTEN%'"
        ))
        .await
        .expect("terminate");
    db.close().await.expect("close");
    assert!(cut.rows_affected() >= 2, "both listeners cut");

    remove_roles(&a, &handler_id).await;
    seen_within("role removed across a reconnect", || async {
        let queue = b.get("/api/v1/handler/complaints", Some(&handler)).await;
        queue.status == StatusCode::FORBIDDEN
    })
    .await;
    let metrics = b.get("/metrics", None).await.text;
    assert!(
        metrics.contains("yuhui_change_listener_up 1"),
        "listening again"
    );
}
