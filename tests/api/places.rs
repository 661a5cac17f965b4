//! Shops, nearby search and the 15-minute circle report.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestOptions, spawn_app, spawn_app_with};

/// demo-merchant runs merchants 1–4; demo-merchant-b runs merchant 5.
pub(crate) const MERCHANT_1: &str = "01936d4a-0000-7000-8000-000000000001";
const MERCHANT_5: &str = "01936d4a-0000-7000-8000-000000000005";

/// Central 万州 (GCJ-02): inside Chongqing, far from every seeded shop, so
/// tests there see only the shops they create.
pub(crate) const WANZHOU: (f64, f64) = (30.8078, 108.4080);
/// Metres per degree of latitude in the index's projection.
const M_PER_DEG: f64 = 111_195.08;

/// 解放碑, 磁器口, 观音桥 in WGS-84 (FACTS §6), and 南滨路 by 龙门浩老街
/// on the south bank (FACTS' point lies over the Yangtze; seeds/rivers.json).
const JIEFANGBEI: (f64, f64) = (29.5575, 106.5770);
const CIQIKOU: (f64, f64) = (29.5795, 106.4490);
const GUANYINQIAO: (f64, f64) = (29.5750, 106.5310);
const NANBINLU: (f64, f64) = (29.5478, 106.5905);

pub(crate) fn shop_body(name: &str, lat: f64, lng: f64) -> Value {
    json!({
        "merchant_id": MERCHANT_1,
        "name": name,
        "category": "convenience_store",
        "lat": lat,
        "lng": lng,
        "address": "万州区高笋塘 1 号",
        "district_code": "500101",
        "phone": "023-58888888",
        "opening_hours": [{ "days": [1, 2, 3, 4, 5, 6, 7], "open": "08:00", "close": "22:00" }],
        "tags": ["支持消费券"],
    })
}

async fn create(app: &TestApp, token: &str, body: Value) -> Value {
    let res = app.post("/api/v1/merchant/shops", Some(token), body).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    res.body
}

/// A point `metres` due north of 万州.
fn north(metres: f64) -> (f64, f64) {
    (WANZHOU.0 + metres / M_PER_DEG, WANZHOU.1)
}

async fn nearby(app: &TestApp, query: &str) -> Value {
    let res = app
        .get(
            &format!(
                "/api/v1/shops/nearby?lat={}&lng={}&{query}",
                WANZHOU.0, WANZHOU.1
            ),
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    res.body
}

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn categories_come_in_three_tiers() {
    let app = spawn_app().await;
    let res = app.get("/api/v1/categories", None).await;
    assert_eq!(res.status, StatusCode::OK);
    let all = res.body.as_array().unwrap();
    let tier = |t: &str| all.iter().filter(|c| c["tier"] == t).count();
    assert_eq!(tier("basic"), 13);
    assert!(tier("quality") >= 10);
    assert!(
        all.iter()
            .any(|c| c["code"] == "time_honored" && c["name"] == "老字号")
    );
}

#[actix_web::test]
async fn nearby_at_jiefangbei_lists_real_shops_nearest_first() {
    let app = spawn_app().await;
    let res = app
        .get(
            &format!(
                "/api/v1/shops/nearby?lat={}&lng={}&coord=wgs84&limit=50",
                JIEFANGBEI.0, JIEFANGBEI.1
            ),
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let items = res.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 50);
    assert!(res.body["next_cursor"].is_string());
    let mut last = 0;
    for item in items {
        let d = item["distance_m"].as_u64().unwrap();
        assert!(d >= last, "not nearest first");
        last = d;
        assert!(d <= res.body["radius_m"].as_u64().unwrap());
        assert!(item["walk_minutes"].as_u64().unwrap() <= 15);
        for field in [
            "id",
            "name",
            "category",
            "lat",
            "lng",
            "open_now",
            "tags",
            "merchant_id",
        ] {
            assert!(item.get(field).is_some(), "missing {field}");
        }
    }
}

#[actix_web::test]
async fn the_walk_radius_is_a_hard_edge_and_profiles_shrink_it() {
    let app = spawn_app().await;
    let token = app.login("demo-merchant").await;
    for (name, metres) in [
        ("近 600 米", 600.0),
        ("近 800 米", 800.0),
        ("远 850 米", 850.0),
    ] {
        let (lat, lng) = north(metres);
        create(&app, &token, shop_body(name, lat, lng)).await;
    }
    // 15 min × 75 m/min ÷ 1.36 = 827 m in a straight line.
    let page = nearby(&app, "walk_minutes=15").await;
    assert_eq!(names(&page), ["近 600 米", "近 800 米"]);
    assert_eq!(page["radius_m"], 827);
    assert_eq!(page["items"][1]["walk_minutes"], 15);
    assert_eq!(page["items"][0]["walk_minutes"], 11);
    // 16 minutes reach 882 m.
    assert_eq!(names(&nearby(&app, "walk_minutes=16").await).len(), 3);
    // The elderly profile walks 55 m/min: 607 m in 15 minutes.
    let elderly = nearby(&app, "walk_minutes=15&profile=elderly").await;
    assert_eq!(names(&elderly), ["近 600 米"]);
    assert_eq!(elderly["items"][0]["walk_minutes"], 15);
}

#[actix_web::test]
async fn every_filter_narrows_the_list() {
    let app = spawn_app().await;
    let token = app.login("demo-merchant").await;
    let (lat, lng) = north(100.0);
    create(&app, &token, shop_body("万州便利店", lat, lng)).await;
    let mut pharmacy = shop_body("桐君阁大药房", lat + 0.001, lng);
    pharmacy["category"] = json!("pharmacy");
    pharmacy["tags"] = json!(["老字号", "24小时"]);
    pharmacy["opening_hours"] =
        json!([{ "days": [1, 2, 3, 4, 5, 6, 7], "open": "00:00", "close": "24:00" }]);
    create(&app, &token, pharmacy).await;
    let mut hotpot = shop_body("万州烤鱼 Night Fish", lat + 0.002, lng);
    hotpot["category"] = json!("hotpot");
    hotpot["tags"] = json!(["夜间营业"]);
    hotpot["opening_hours"] =
        json!([{ "days": [1, 2, 3, 4, 5, 6, 7], "open": "17:00", "close": "02:00" }]);
    create(&app, &token, hotpot).await;

    assert_eq!(names(&nearby(&app, "").await).len(), 3);
    assert_eq!(
        names(&nearby(&app, "category=pharmacy").await),
        ["桐君阁大药房"]
    );
    assert_eq!(
        names(&nearby(&app, "category=pharmacy,hotpot").await).len(),
        2
    );
    assert_eq!(names(&nearby(&app, "tag=老字号").await), ["桐君阁大药房"]);
    assert_eq!(
        names(&nearby(&app, "tag=老字号,24小时").await),
        ["桐君阁大药房"]
    );
    assert!(names(&nearby(&app, "tag=老字号,夜间营业").await).is_empty());
    assert_eq!(names(&nearby(&app, "q=药房").await), ["桐君阁大药房"]);
    assert_eq!(
        names(&nearby(&app, "q=night").await),
        ["万州烤鱼 Night Fish"]
    );
    // 10:00 in Chongqing: the fish place opens at 17:00.
    let open = nearby(&app, "open_now=true").await;
    assert_eq!(names(&open).len(), 2);
    assert!(!names(&open).contains(&"万州烤鱼 Night Fish".to_owned()));
    let all = nearby(&app, "").await;
    let fish = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["category"] == "hotpot")
        .unwrap();
    assert_eq!(fish["open_now"], false);
}

#[actix_web::test]
async fn overnight_hours_count_at_half_past_one() {
    let app = spawn_app().await;
    let token = app.login("demo-merchant").await;
    let (lat, lng) = north(50.0);
    let mut hotpot = shop_body("通宵老火锅", lat, lng);
    hotpot["category"] = json!("hotpot");
    hotpot["opening_hours"] = json!([{ "days": [4, 5], "open": "17:00", "close": "02:00" }]);
    create(&app, &token, hotpot).await;

    // Friday 2026-11-27 01:30 in Chongqing: Thursday evening's hours run on.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 26, 17, 30, 0).unwrap());
    assert_eq!(names(&nearby(&app, "open_now=true").await), ["通宵老火锅"]);
    // 02:30: closed.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 26, 18, 30, 0).unwrap());
    assert!(names(&nearby(&app, "open_now=true").await).is_empty());
    // Sunday 01:30: Saturday has no hours.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 28, 17, 30, 0).unwrap());
    assert!(names(&nearby(&app, "open_now=true").await).is_empty());
    // Saturday 01:30: Friday's evening runs on.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 27, 17, 30, 0).unwrap());
    assert_eq!(names(&nearby(&app, "open_now=true").await), ["通宵老火锅"]);
}

#[actix_web::test]
async fn a_holiday_closure_shows_on_its_day() {
    let app = spawn_app().await;
    let token = app.login("demo-merchant").await;
    let (lat, lng) = north(50.0);
    let mut body = shop_body("国庆休息的店", lat, lng);
    body["exceptions"] = json!([{ "date": "2026-10-01", "closed": true, "note": "国庆休息" }]);
    let created = create(&app, &token, body).await;

    // 2026-10-01 12:00 in Chongqing.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 10, 1, 4, 0, 0).unwrap());
    assert!(names(&nearby(&app, "open_now=true").await).is_empty());
    let detail = app
        .get(
            &format!("/api/v1/shops/{}", created["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(detail.body["open_now"], false);
    assert_eq!(detail.body["exceptions"][0]["note"], "国庆休息");
    // The next day it opens as usual.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 10, 2, 4, 0, 0).unwrap());
    assert_eq!(
        names(&nearby(&app, "open_now=true").await),
        ["国庆休息的店"]
    );
}

#[actix_web::test]
async fn pages_have_no_gaps_or_repeats_while_shops_are_added() {
    let app = spawn_app().await;
    let token = app.login("demo-merchant").await;
    for i in 0..12 {
        let (lat, lng) = north(40.0 * f64::from(i + 1));
        create(&app, &token, shop_body(&format!("店 {i:02}"), lat, lng)).await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut added = 0;
    loop {
        let query = match &cursor {
            Some(c) => format!("limit=5&cursor={c}"),
            None => "limit=5".to_owned(),
        };
        let page = nearby(&app, &query).await;
        seen.extend(names(&page));
        // New shops arrive between pages: one nearer than the cursor, one farther.
        if added < 2 {
            let near = north(5.0 + f64::from(added));
            let far = north(700.0 + f64::from(added));
            create(
                &app,
                &token,
                shop_body(&format!("新店近 {added}"), near.0, near.1),
            )
            .await;
            create(
                &app,
                &token,
                shop_body(&format!("新店远 {added}"), far.0, far.1),
            )
            .await;
            added += 1;
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "a shop came twice: {seen:?}");
    for i in 0..12 {
        assert!(
            seen.contains(&format!("店 {i:02}")),
            "店 {i:02} was skipped"
        );
    }
    // Shops added farther than the cursor are found; nearer ones wait for a new search.
    assert!(seen.contains(&"新店远 0".to_owned()));
    assert!(!seen.contains(&"新店近 1".to_owned()));
}

#[actix_web::test]
async fn both_coordinate_systems_work_both_ways() {
    let app = spawn_app().await;
    let token = app.login("demo-merchant").await;
    // Given in WGS-84 (GPS), as a phone's wx.getLocation reports it.
    let (wgs_lat, wgs_lng) = (30.8107, 108.4043);
    let mut body = shop_body("GPS 录入的店", wgs_lat, wgs_lng);
    body["coord"] = json!("wgs84");
    let created = create(&app, &token, body).await;
    let id = created["id"].as_str().unwrap();
    // Shown in GCJ-02 by default: shifted by the documented offset.
    let detail = app.get(&format!("/api/v1/shops/{id}"), None).await.body;
    let (g_lat, g_lng) = (
        detail["lat"].as_f64().unwrap(),
        detail["lng"].as_f64().unwrap(),
    );
    assert!((g_lat - wgs_lat).abs() > 0.001 && (g_lng - wgs_lng).abs() > 0.001);
    // And back in WGS-84 within a metre.
    let back = app
        .get(&format!("/api/v1/shops/{id}?coord=wgs84"), None)
        .await
        .body;
    assert!((back["lat"].as_f64().unwrap() - wgs_lat).abs() * M_PER_DEG < 1.0);
    assert!((back["lng"].as_f64().unwrap() - wgs_lng).abs() * M_PER_DEG < 1.0);

    // Searching from the same physical spot in either system finds it at the same distance.
    let from_gcj = app
        .get(
            &format!("/api/v1/shops/nearby?lat={g_lat}&lng={g_lng}&coord=gcj02&limit=1"),
            None,
        )
        .await
        .body;
    let from_wgs = app
        .get(
            &format!("/api/v1/shops/nearby?lat={wgs_lat}&lng={wgs_lng}&coord=wgs84&limit=1"),
            None,
        )
        .await
        .body;
    assert_eq!(from_gcj["items"][0]["id"], id);
    assert_eq!(from_wgs["items"][0]["id"], id);
    assert!(from_gcj["items"][0]["distance_m"].as_u64().unwrap() <= 1);
    assert!(from_wgs["items"][0]["distance_m"].as_u64().unwrap() <= 1);
    assert!((from_wgs["items"][0]["lat"].as_f64().unwrap() - wgs_lat).abs() * M_PER_DEG < 1.0);
}

async fn report(app: &TestApp, (lat, lng): (f64, f64)) -> Value {
    let res = app
        .get(
            &format!("/api/v1/circle/report?lat={lat}&lng={lng}&coord=wgs84"),
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    res.body
}

#[actix_web::test]
async fn the_circle_report_grades_the_seeded_spots() {
    let app = spawn_app().await;
    let jiefangbei = report(&app, JIEFANGBEI).await;
    assert_eq!(jiefangbei["grade"], "premium");
    assert_eq!(jiefangbei["basic_coverage"], 1.0);
    assert_eq!(jiefangbei["missing"], json!([]));
    assert_eq!(jiefangbei["basic"].as_array().unwrap().len(), 13);
    let pharmacy = jiefangbei["basic"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["category"] == "pharmacy")
        .unwrap();
    assert!(pharmacy["nearest"]["walk_minutes"].as_u64().unwrap() <= 15);

    let ciqikou = report(&app, CIQIKOU).await;
    assert_eq!(ciqikou["grade"], "none");
    let missing: Vec<&str> = ciqikou["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert!(
        missing.contains(&"laundry") && missing.contains(&"recycling"),
        "{missing:?}"
    );
    assert!(ciqikou["basic_coverage"].as_f64().unwrap() < 1.0);
    let laundry = ciqikou["basic"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["category"] == "laundry")
        .unwrap();
    assert!(laundry["nearest"].is_null());

    assert_eq!(report(&app, GUANYINQIAO).await["grade"], "enhanced");
    assert_eq!(report(&app, NANBINLU).await["grade"], "basic");
}

#[actix_web::test]
async fn circle_thresholds_come_from_configuration() {
    let app =
        spawn_app_with(TestOptions::default().var("YUHUI_CIRCLE_PREMIUM_MIN_QUALITY", "12")).await;
    assert_eq!(report(&app, JIEFANGBEI).await["grade"], "enhanced");
}

#[actix_web::test]
async fn the_circle_follows_new_shops() {
    let app = spawn_app().await;
    let token = app.login("demo-merchant").await;
    let before = report(&app, CIQIKOU).await;
    assert!(
        before["missing"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m == "laundry")
    );
    let mut laundry = shop_body("磁器口洗衣店", CIQIKOU.0, CIQIKOU.1);
    laundry["coord"] = json!("wgs84");
    laundry["category"] = json!("laundry");
    laundry["district_code"] = json!("500106");
    create(&app, &token, laundry).await;
    let after = report(&app, CIQIKOU).await;
    assert!(
        !after["missing"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m == "laundry")
    );
}

#[actix_web::test]
async fn edits_and_closures_show_in_search_at_once() {
    let app = spawn_app().await;
    let token = app.login("demo-merchant").await;
    let (lat, lng) = north(100.0);
    let created = create(&app, &token, shop_body("旧名字", lat, lng)).await;
    let id = created["id"].as_str().unwrap();
    let path = format!("/api/v1/merchant/shops/{id}");

    let res = app
        .patch(
            &path,
            Some(&token),
            json!({ "name": "新名字", "tags": ["老字号"] }),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.body["phone"], "023-58888888");
    assert_eq!(names(&nearby(&app, "").await), ["新名字"]);
    assert_eq!(names(&nearby(&app, "tag=老字号").await), ["新名字"]);

    // Moved 2 km away: gone from here.
    let (far_lat, far_lng) = north(2_000.0);
    app.patch(
        &path,
        Some(&token),
        json!({ "lat": far_lat, "lng": far_lng }),
    )
    .await;
    assert!(names(&nearby(&app, "").await).is_empty());
    app.patch(
        &path,
        Some(&token),
        json!({ "lat": lat, "lng": lng, "phone": null }),
    )
    .await;
    let detail = app.get(&format!("/api/v1/shops/{id}"), None).await.body;
    assert!(detail["phone"].is_null());

    let closed = app.delete(&path, Some(&token)).await;
    assert_eq!(closed.status, StatusCode::OK);
    assert_eq!(closed.body["status"], "closed");
    assert!(names(&nearby(&app, "").await).is_empty());
    let detail = app.get(&format!("/api/v1/shops/{id}"), None).await.body;
    assert_eq!(detail["status"], "closed");
    assert_eq!(detail["open_now"], false);

    app.patch(&path, Some(&token), json!({ "status": "active" }))
        .await;
    assert_eq!(names(&nearby(&app, "").await), ["新名字"]);
}

#[actix_web::test]
async fn merchants_touch_only_their_own_shops() {
    let app = spawn_app().await;
    let owner = app.login("demo-merchant").await;
    let other = app.login("demo-merchant-b").await;
    let (lat, lng) = north(100.0);
    let created = create(&app, &owner, shop_body("我的店", lat, lng)).await;
    let path = format!("/api/v1/merchant/shops/{}", created["id"].as_str().unwrap());

    app.patch(&path, Some(&other), json!({ "name": "抢来的" }))
        .await
        .assert_error(403, "forbidden");
    app.delete(&path, Some(&other))
        .await
        .assert_error(403, "forbidden");
    app.post(
        "/api/v1/merchant/shops",
        Some(&other),
        shop_body("冒名开店", lat, lng),
    )
    .await
    .assert_error(403, "forbidden");
    // Their own merchant works.
    let mut own = shop_body("自己的店", lat, lng);
    own["merchant_id"] = json!(MERCHANT_5);
    create(&app, &other, own).await;
    // demo-merchant-b's list holds only their shop.
    let mine = app.get("/api/v1/merchant/shops", Some(&other)).await;
    assert!(
        mine.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["merchant_id"] == MERCHANT_5)
    );
    app.get(
        &format!("/api/v1/merchant/shops?merchant_id={MERCHANT_1}"),
        Some(&other),
    )
    .await
    .assert_error(403, "forbidden");

    for openid in ["demo-resident", "demo-handler", "demo-admin"] {
        let token = app.login(openid).await;
        app.patch(&path, Some(&token), json!({ "name": "x" }))
            .await
            .assert_error(403, "forbidden");
        app.post(
            "/api/v1/merchant/shops",
            Some(&token),
            shop_body("x", lat, lng),
        )
        .await
        .assert_error(403, "forbidden");
    }
    app.patch(&path, None, json!({ "name": "x" }))
        .await
        .assert_error(401, "unauthorized");
    app.get("/api/v1/merchant/shops", None)
        .await
        .assert_error(401, "unauthorized");
    let missing = format!("/api/v1/merchant/shops/{}", uuid::Uuid::now_v7());
    app.patch(&missing, Some(&owner), json!({ "name": "x" }))
        .await
        .assert_error(404, "not_found");
    // Nothing changed.
    assert_eq!(names(&nearby(&app, "q=我的店").await), ["我的店"]);
}

#[actix_web::test]
async fn bad_shops_are_refused_field_by_field() {
    let app = spawn_app().await;
    let token = app.login("demo-merchant").await;
    let (lat, lng) = north(100.0);
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({ "lat": 39.9, "lng": 116.4 }),
            "lat",
            "outside_chongqing",
        ),
        (
            json!({ "category": "spaceport" }),
            "category",
            "unknown_category",
        ),
        (json!({ "tags": ["火星"] }), "tags", "unknown_tag"),
        (json!({ "name": "" }), "name", "length"),
        (
            json!({ "district_code": "500105" }),
            "district_code",
            "unknown_district",
        ),
        (json!({ "phone": "not a phone" }), "phone", "phone_format"),
        (
            json!({ "opening_hours": [{ "days": [1], "open": "25:00", "close": "26:00" }] }),
            "opening_hours[0].open",
            "time_format",
        ),
        (
            json!({ "opening_hours": [{ "days": [8], "open": "09:00", "close": "18:00" }] }),
            "opening_hours[0].days",
            "day_range",
        ),
        (
            json!({ "exceptions": [{ "date": "2026-10-01" }] }),
            "exceptions[0]",
            "closed_or_hours_required",
        ),
    ];
    for (change, field, reason) in cases {
        let mut body = shop_body("坏数据", lat, lng);
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let res = app.post("/api/v1/merchant/shops", Some(&token), body).await;
        res.assert_error(422, "validation_failed");
        assert!(
            res.body["details"]["fields"][field]
                .as_array()
                .is_some_and(|r| r.iter().any(|x| x == reason)),
            "{field}: {}",
            res.text
        );
    }
    // A type error is a 400, not a 422.
    let mut body = shop_body("坏数据", lat, lng);
    body["lat"] = json!("north");
    app.post("/api/v1/merchant/shops", Some(&token), body)
        .await
        .assert_error(400, "bad_request");
    // Nothing was written.
    assert!(names(&nearby(&app, "").await).is_empty());
}

#[actix_web::test]
async fn bad_search_parameters_are_4xx() {
    let app = spawn_app().await;
    let base = "/api/v1/shops/nearby";
    app.get(&format!("{base}?lat=95&lng=106.5"), None)
        .await
        .assert_error(422, "validation_failed");
    app.get(&format!("{base}?lat=29.5&lng=106.5&walk_minutes=0"), None)
        .await
        .assert_error(422, "validation_failed");
    app.get(&format!("{base}?lat=29.5&lng=106.5&walk_minutes=61"), None)
        .await
        .assert_error(422, "validation_failed");
    app.get(
        &format!("{base}?lat=29.5&lng=106.5&category=spaceport"),
        None,
    )
    .await
    .assert_error(422, "validation_failed");
    app.get(&format!("{base}?lat=29.5&lng=106.5&tag=火星"), None)
        .await
        .assert_error(422, "validation_failed");
    app.get(&format!("{base}?lat=north&lng=106.5"), None)
        .await
        .assert_error(400, "bad_request");
    app.get(&format!("{base}?lng=106.5"), None)
        .await
        .assert_error(400, "bad_request");
    app.get(&format!("{base}?lat=29.5&lng=106.5&coord=bd09"), None)
        .await
        .assert_error(400, "bad_request");
    app.get(&format!("{base}?lat=29.5&lng=106.5&cursor=nope"), None)
        .await
        .assert_error(400, "bad_request");
    app.get(&format!("{base}?lat=29.5&lng=106.5&limit=101"), None)
        .await
        .assert_error(400, "bad_request");
    app.get("/api/v1/circle/report?lat=29.5&lng=200", None)
        .await
        .assert_error(422, "validation_failed");
    app.get(&format!("/api/v1/shops/{}", uuid::Uuid::now_v7()), None)
        .await
        .assert_error(404, "not_found");
}

#[actix_web::test]
async fn a_second_instance_sees_shop_changes_within_seconds() {
    let a = spawn_app_with(TestOptions::default().var("YUHUI_INDEX_POLL_MS", "200")).await;
    let mut options = TestOptions::default().var("YUHUI_INDEX_POLL_MS", "200");
    options.shared_database_url = Some(a.database_url.clone());
    let b = spawn_app_with(options).await;

    let token = a.login("demo-merchant").await;
    let (lat, lng) = north(100.0);
    let created = create(&a, &token, shop_body("甲实例开的店", lat, lng)).await;
    let id = created["id"].as_str().unwrap().to_owned();

    let wait_for = |expected: Vec<String>| {
        let b = &b;
        async move {
            let started = Instant::now();
            loop {
                let found = names(&nearby(b, "").await);
                if found == expected {
                    return started.elapsed();
                }
                assert!(
                    started.elapsed() < Duration::from_secs(5),
                    "instance B still shows {found:?}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    wait_for(vec!["甲实例开的店".to_owned()]).await;

    a.patch(
        &format!("/api/v1/merchant/shops/{id}"),
        Some(&token),
        json!({ "name": "改了名字" }),
    )
    .await;
    wait_for(vec!["改了名字".to_owned()]).await;

    a.delete(&format!("/api/v1/merchant/shops/{id}"), Some(&token))
        .await;
    wait_for(vec![]).await;
}
