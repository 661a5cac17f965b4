//! Culture and tourism: route search and detail with open shops at each
//! stop, the events calendar's date overlap, admin edits and who may make them.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

/// 渝中半日漫步：解放碑 → 洪崖洞 → 长江索道 → 南滨路.
const YUZHONG_WALK: &str = "01936d4a-0000-7000-8007-000000000001";
/// 解放碑, WGS-84 as the phone reports it.
const JIEFANGBEI: (f64, f64) = (29.5575, 106.5770);

fn titles(res: &Value) -> Vec<String> {
    res["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap().to_owned())
        .collect()
}

fn names(res: &Value) -> Vec<String> {
    res["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn a_family_in_yuzhong_finds_a_weekend_route_with_open_shops_and_this_months_events() {
    let app = spawn_app().await;
    let found = app
        .get(
            "/api/v1/tourism/routes?theme=family&district_code=500103&max_days=2",
            None,
        )
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    let items = found.body["items"].as_array().unwrap();
    assert!(
        items.iter().any(|r| r["id"] == YUZHONG_WALK),
        "{}",
        found.text
    );
    for r in items {
        assert!(r["themes"].as_array().unwrap().contains(&json!("family")));
        assert!(
            r["district_codes"]
                .as_array()
                .unwrap()
                .contains(&json!("500103"))
        );
        assert!(r["days"].as_i64().unwrap() <= 2);
    }

    let detail = app
        .get(
            &format!("/api/v1/tourism/routes/{YUZHONG_WALK}?coord=wgs84"),
            None,
        )
        .await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.text);
    let stops = detail.body["stops"].as_array().unwrap();
    let order: Vec<&str> = stops.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(
        order,
        [
            "解放碑步行街",
            "洪崖洞",
            "长江索道（新华路站）",
            "南滨路·龙门浩老街"
        ]
    );
    assert_eq!(
        stops
            .iter()
            .map(|s| s["seq"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    // Shown in the system asked for: the seed's WGS-84 comes back as given.
    assert!((stops[0]["lat"].as_f64().unwrap() - JIEFANGBEI.0).abs() < 1e-5);
    let shops = stops[0]["nearby_open_shops"].as_array().unwrap();
    assert!(!shops.is_empty() && shops.len() <= 3, "{}", detail.text);
    for shop in shops {
        assert_eq!(shop["open_now"], true);
        assert!(shop["walk_minutes"].as_u64().unwrap() <= 15);
    }
    let distances: Vec<u64> = shops
        .iter()
        .map(|s| s["distance_m"].as_u64().unwrap())
        .collect();
    assert!(distances.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(
        stops[1]["shop_id"], "129e59a7-d567-5f1c-8fbb-50640fe81fad",
        "洪崖洞 links a shop"
    );

    let month = app
        .get(
            &format!(
                "/api/v1/events?from=2026-11-01&to=2026-11-30&lat={}&lng={}&coord=wgs84&radius_m=10000",
                JIEFANGBEI.0, JIEFANGBEI.1
            ),
            None,
        )
        .await;
    assert_eq!(month.status, StatusCode::OK, "{}", month.text);
    let events = names(&month.body);
    assert!(
        events.contains(&"重庆火锅美食文化节".to_owned()),
        "{events:?}"
    );
    assert!(events.contains(&"观音桥夜市".to_owned()), "{events:?}");
    assert!(
        !events.contains(&"长江三峡（巫山）国际红叶节".to_owned()),
        "巫山 is far away"
    );
    assert!(!events.contains(&"重庆马拉松".to_owned()), "March");
    let items = month.body["items"].as_array().unwrap();
    let distances: Vec<u64> = items
        .iter()
        .map(|e| e["distance_m"].as_u64().unwrap())
        .collect();
    assert!(distances.windows(2).all(|w| w[0] <= w[1]), "{distances:?}");
    assert!(distances.iter().all(|d| *d <= 10_000));
}

#[actix_web::test]
async fn routes_are_found_by_theme_days_district_and_text() {
    let app = spawn_app().await;
    let get = |q: &'static str| {
        let app = &app;
        async move {
            let res = app.get(&format!("/api/v1/tourism/routes?{q}"), None).await;
            assert_eq!(res.status, StatusCode::OK, "{q}: {}", res.text);
            res.body
        }
    };
    let all = get("limit=100").await;
    assert!(all["items"].as_array().unwrap().len() >= 12);
    assert_eq!(titles(&get("theme=red").await), ["红岩红色文化之旅"]);
    assert_eq!(
        titles(&get("theme=chuanyu").await),
        ["川渝双城记：重庆—成都两日"]
    );
    let two_days = get("days=2").await;
    assert!(
        two_days["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["days"] == 2)
    );
    assert!(titles(&two_days).len() >= 3);
    assert_eq!(titles(&get("q=石刻").await), ["大足石刻研学一日"]);
    // Words match stop names too, and every word must match.
    let hongyadong = titles(&get("q=洪崖洞").await);
    assert!(hongyadong.len() >= 3, "{hongyadong:?}");
    assert_eq!(
        titles(&get("q=洪崖洞%20成都").await),
        ["川渝双城记：重庆—成都两日"]
    );
    assert!(titles(&get("district_code=500156").await).contains(&"武隆两日自驾".to_owned()));
    assert!(titles(&get("theme=night&district_code=500106").await).is_empty());

    // Pages follow one another without repeats.
    let first = get("limit=5").await;
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let second = app
        .get(
            &format!("/api/v1/tourism/routes?limit=5&cursor={cursor}"),
            None,
        )
        .await;
    let a = titles(&first);
    let b = titles(&second.body);
    assert_eq!(b.len(), 5);
    assert!(a.iter().all(|t| !b.contains(t)));

    app.get("/api/v1/tourism/routes?theme=nightlife", None)
        .await
        .assert_error(422, "validation_failed");
    app.get(
        "/api/v1/tourism/routes/01936d4a-0000-7000-8007-000000000999",
        None,
    )
    .await
    .assert_error(404, "not_found");
    let themes = app.get("/api/v1/tourism/themes", None).await;
    assert_eq!(themes.body.as_array().unwrap().len(), 9);
}

#[actix_web::test]
async fn an_event_counts_when_it_overlaps_the_dates_asked_for() {
    let app = spawn_app().await;
    let get = |q: &'static str| {
        let app = &app;
        async move { app.get(&format!("/api/v1/events?{q}"), None).await }
    };
    // 红叶节 began on 20 November and 火锅节 on 22 November: both still on the 30th.
    let last_day = names(&get("from=2026-11-30&to=2026-11-30&limit=100").await.body);
    assert!(last_day.contains(&"长江三峡（巫山）国际红叶节".to_owned()));
    assert!(last_day.contains(&"重庆火锅美食文化节".to_owned()));
    // 火锅节 ends on 1 December at 22:00.
    let december = names(&get("from=2026-12-02&to=2026-12-05&limit=100").await.body);
    assert!(!december.contains(&"重庆火锅美食文化节".to_owned()));
    assert!(december.contains(&"长江三峡（巫山）国际红叶节".to_owned()));
    let dec_first = names(&get("from=2026-12-01&to=2026-12-01&limit=100").await.body);
    assert!(dec_first.contains(&"重庆火锅美食文化节".to_owned()));
    // Without dates: everything not yet over, by start.
    let upcoming = get("limit=100").await;
    let starts: Vec<&str> = upcoming.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["starts_at"].as_str().unwrap())
        .collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]));
    assert!(!names(&upcoming.body).contains(&"重庆马拉松".to_owned()));
    let sports = get("from=2026-01-01&to=2026-12-31&category=sports&limit=100").await;
    assert!(
        sports.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["category"] == "sports")
    );
    assert!(names(&sports.body).contains(&"重庆马拉松".to_owned()));
    let nanan = get("from=2026-01-01&to=2026-12-31&district_code=500108&limit=100").await;
    assert!(
        nanan.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["district_code"] == "500108")
    );

    get("from=2026-11-30&to=2026-11-01")
        .await
        .assert_error(422, "validation_failed");
    get("category=rave")
        .await
        .assert_error(422, "validation_failed");
    get("lat=29.5").await.assert_error(400, "bad_request");
    get("from=30-11-2026")
        .await
        .assert_error(400, "bad_request");
    let categories = app.get("/api/v1/events/categories", None).await;
    assert_eq!(categories.status, StatusCode::OK);
}

fn new_route() -> Value {
    json!({
        "title": "测试线路：解放碑到鹅岭",
        "summary": "一条用于测试的半日线路，从解放碑到鹅岭二厂。",
        "themes": ["graduation", "family"],
        "district_codes": ["500103"],
        "days": 1,
        "best_season": "全年",
        "coord": "wgs84",
        "stops": [
            {"seq": 1, "day": 1, "name": "解放碑", "lat": 29.5575, "lng": 106.5770, "minutes": 30},
            {"seq": 2, "day": 1, "name": "鹅岭二厂", "lat": 29.5530, "lng": 106.5430, "minutes": 60,
             "ticket_fen": 0, "opening_notes": "10:00–22:00"},
        ],
    })
}

async fn created_route(app: &TestApp, admin: &str) -> String {
    let res = app
        .post("/api/v1/admin/tourism/routes", Some(admin), new_route())
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    res.body["id"].as_str().unwrap().to_owned()
}

#[actix_web::test]
async fn admins_create_edit_and_unpublish_routes_and_the_lists_follow_at_once() {
    let app = spawn_app().await;
    let admin = app.login("demo-admin").await;
    let path = "/api/v1/admin/tourism/routes";

    // Fill the cache first, so the write must invalidate it.
    let before = app
        .get("/api/v1/tourism/routes?theme=graduation", None)
        .await;
    assert_eq!(titles(&before.body).len(), 1);
    let id = created_route(&app, &admin).await;
    let after = app
        .get("/api/v1/tourism/routes?theme=graduation", None)
        .await;
    assert!(titles(&after.body).contains(&"测试线路：解放碑到鹅岭".to_owned()));
    let detail = app.get(&format!("/api/v1/tourism/routes/{id}"), None).await;
    assert_eq!(detail.status, StatusCode::OK);
    let distance = detail.body["distance_m"].as_i64().unwrap();
    assert!(
        (3_000..4_000).contains(&distance),
        "straight line ≈ 3.3 km: {distance}"
    );

    // A day added: stops replaced, days changed, checked as a whole.
    let edited = app
        .patch(
            &format!("{path}/{id}"),
            Some(&admin),
            json!({
                "days": 2,
                "coord": "wgs84",
                "stops": [
                    {"seq": 1, "day": 1, "name": "解放碑", "lat": 29.5575, "lng": 106.5770, "minutes": 30},
                    {"seq": 2, "day": 1, "name": "鹅岭二厂", "lat": 29.5530, "lng": 106.5430, "minutes": 60},
                    {"seq": 3, "day": 2, "name": "磁器口古镇", "lat": 29.5790, "lng": 106.4480, "minutes": 120,
                     "shop_id": "69e5ab22-ff23-541c-ad4b-4e8354a71ca7"},
                ],
            }),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text);
    assert_eq!(edited.body["days"], 2);
    assert_eq!(edited.body["stops"].as_array().unwrap().len(), 3);
    let shown = app.get(&format!("/api/v1/tourism/routes/{id}"), None).await;
    assert_eq!(shown.body["stops"][2]["name"], "磁器口古镇");
    app.patch(&format!("{path}/{id}"), Some(&admin), json!({"days": 3}))
        .await
        .assert_error(422, "validation_failed");

    let hidden = app
        .patch(
            &format!("{path}/{id}"),
            Some(&admin),
            json!({"published": false}),
        )
        .await;
    assert_eq!(hidden.body["published"], false);
    app.get(&format!("/api/v1/tourism/routes/{id}"), None)
        .await
        .assert_error(404, "not_found");
    let list = app
        .get("/api/v1/tourism/routes?theme=graduation", None)
        .await;
    assert!(!titles(&list.body).contains(&"测试线路：解放碑到鹅岭".to_owned()));
    // The admin still finds it, first as the newest, to publish it again.
    let mine = app.get(path, Some(&admin)).await;
    assert_eq!(mine.body["items"][0]["id"], id.as_str(), "{}", mine.text);
    assert_eq!(mine.body["items"][0]["published"], false);
    let to_edit = app.get(&format!("{path}/{id}"), Some(&admin)).await;
    assert_eq!(to_edit.status, StatusCode::OK, "{}", to_edit.text);
    assert_eq!(to_edit.body["stops"].as_array().unwrap().len(), 3);
    let resident = app.login("demo-resident").await;
    app.get(path, Some(&resident))
        .await
        .assert_error(403, "forbidden");
    app.get(&format!("{path}/{id}"), Some(&resident))
        .await
        .assert_error(403, "forbidden");
    app.patch(
        &format!("{path}/01936d4a-0000-7000-8007-000000000999"),
        Some(&admin),
        json!({"days": 1}),
    )
    .await
    .assert_error(404, "not_found");
}

#[actix_web::test]
async fn route_and_event_input_is_checked_and_only_admins_may_write() {
    let app = spawn_app().await;
    let admin = app.login("demo-admin").await;
    let path = "/api/v1/admin/tourism/routes";
    let refused = |body: Value, field: &'static str| {
        let (app, admin) = (&app, &admin);
        async move {
            let res = app.post(path, Some(admin), body).await;
            res.assert_error(422, "validation_failed");
            assert!(
                res.body["details"]["fields"].get(field).is_some(),
                "{field}: {}",
                res.text
            );
        }
    };
    let mut gap = new_route();
    gap["stops"][1]["seq"] = json!(3);
    refused(gap, "stops[1]").await;
    let mut skipped_day = new_route();
    skipped_day["days"] = json!(3);
    skipped_day["stops"][1]["day"] = json!(3);
    refused(skipped_day, "stops[1]").await;
    let mut abroad = new_route();
    abroad["stops"][1]["lat"] = json!(30.664);
    abroad["stops"][1]["lng"] = json!(104.053);
    refused(abroad.clone(), "stops[1]").await;
    // The same Chengdu stop is fine on a 川渝 route, which says it leaves Chongqing.
    abroad["themes"] = json!(["chuanyu"]);
    refused(abroad.clone(), "outside_places").await;
    abroad["outside_places"] = json!([" 四川省成都市青羊区 ", "四川省成都市青羊区"]);
    let res = app.post(path, Some(&admin), abroad.clone()).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    assert_eq!(res.body["outside_places"], json!(["四川省成都市青羊区"]));
    assert_eq!(res.body["district_codes"], json!(["500103"]));
    abroad["outside_places"] = json!(["成"]);
    refused(abroad, "outside_places").await;
    let mut theme = new_route();
    theme["themes"] = json!(["nightlife"]);
    refused(theme, "themes").await;
    let mut district = new_route();
    district["district_codes"] = json!(["500112"]);
    refused(district, "district_codes").await;
    let mut shop = new_route();
    shop["stops"][0]["shop_id"] = json!("01936d4a-0000-7000-8000-00000000dead");
    refused(shop, "stops[0]").await;
    let mut blank = new_route();
    blank["title"] = json!("  ");
    refused(blank, "title").await;

    let starts = app.clock.now() + Duration::days(3);
    let event = json!({
        "name": "测试夜市",
        "category": "night_market",
        "starts_at": starts.to_rfc3339(),
        "ends_at": (starts + Duration::hours(5)).to_rfc3339(),
        "venue": "解放碑步行街",
        "lat": 29.5575, "lng": 106.5770, "coord": "wgs84",
        "district_code": "500103",
        "organiser": "渝中区商务委员会",
        "free": true,
    });
    let mut backwards = event.clone();
    backwards["ends_at"] = json!((starts - Duration::hours(1)).to_rfc3339());
    let res = app
        .post("/api/v1/admin/events", Some(&admin), backwards)
        .await;
    res.assert_error(422, "validation_failed");
    assert!(res.body["details"]["fields"].get("ends_at").is_some());
    let mut priced = event.clone();
    priced["free"] = json!(false);
    app.post("/api/v1/admin/events", Some(&admin), priced)
        .await
        .assert_error(422, "validation_failed");
    let mut far = event.clone();
    far["lat"] = json!(39.9);
    far["lng"] = json!(116.4);
    app.post("/api/v1/admin/events", Some(&admin), far)
        .await
        .assert_error(422, "validation_failed");

    // Not admins.
    for openid in ["demo-resident", "demo-merchant", "demo-handler"] {
        let token = app.login(openid).await;
        app.post(path, Some(&token), new_route())
            .await
            .assert_error(403, "forbidden");
        app.post("/api/v1/admin/events", Some(&token), event.clone())
            .await
            .assert_error(403, "forbidden");
        app.patch(
            &format!("{path}/{YUZHONG_WALK}"),
            Some(&token),
            json!({"published": false}),
        )
        .await
        .assert_error(403, "forbidden");
    }
    app.post(path, None, new_route())
        .await
        .assert_error(401, "unauthorized");

    // An event created shows in the calendar at once; unpublished, it leaves.
    let day = (starts.with_timezone(&yuhui::clock::SHANGHAI)).date_naive();
    let calendar = format!("/api/v1/events?from={day}&to={day}&category=night_market");
    let before = app.get(&calendar, None).await;
    assert!(!names(&before.body).contains(&"测试夜市".to_owned()));
    let created = app.post("/api/v1/admin/events", Some(&admin), event).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert!(names(&app.get(&calendar, None).await.body).contains(&"测试夜市".to_owned()));
    let moved = app
        .patch(
            &format!("/api/v1/admin/events/{id}"),
            Some(&admin),
            json!({"free": false, "price_fen": 2000}),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
    assert_eq!(moved.body["price_fen"], 2000);
    app.patch(
        &format!("/api/v1/admin/events/{id}"),
        Some(&admin),
        json!({"ends_at": (starts - Duration::days(1)).to_rfc3339()}),
    )
    .await
    .assert_error(422, "validation_failed");
    app.patch(
        &format!("/api/v1/admin/events/{id}"),
        Some(&admin),
        json!({"published": false}),
    )
    .await;
    assert!(!names(&app.get(&calendar, None).await.body).contains(&"测试夜市".to_owned()));
    // Unpublished, and every seed event, past ones too, in the admin's list.
    let mut listed = Vec::new();
    let mut next = Some(String::new());
    while let Some(cursor) = next {
        let page = app
            .get(
                &format!("/api/v1/admin/events?limit=100&cursor={cursor}"),
                Some(&admin),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        listed.extend(page.body["items"].as_array().unwrap().clone());
        next = page.body["next_cursor"].as_str().map(str::to_owned);
    }
    let ours = listed.iter().find(|e| e["id"] == id.as_str()).unwrap();
    assert_eq!(ours["published"], false);
    let starts: Vec<&str> = listed
        .iter()
        .map(|e| e["starts_at"].as_str().unwrap())
        .collect();
    assert!(starts.windows(2).all(|w| w[0] >= w[1]), "latest first");
    app.get(
        "/api/v1/admin/events",
        Some(&app.login("demo-merchant").await),
    )
    .await
    .assert_error(403, "forbidden");
    app.get(&format!("/api/v1/events/{id}"), None)
        .await
        .assert_error(404, "not_found");
}
