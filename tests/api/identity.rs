//! Login through WeChat and the dev login, `/me`, phone binding, roles.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestOptions, WechatMode, spawn_app, spawn_app_with};

fn roles(me: &Value) -> Vec<String> {
    me["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn each_demo_account_has_its_roles() {
    let app = spawn_app().await;

    let resident = app.me(&app.login("demo-resident").await).await;
    assert_eq!(roles(&resident), ["resident"]);
    assert_eq!(resident["merchant_ids"], json!([]));

    let merchant = app.me(&app.login("demo-merchant").await).await;
    assert_eq!(roles(&merchant), ["resident", "merchant"]);
    assert_eq!(merchant["merchant_ids"].as_array().unwrap().len(), 4);

    let handler = app.me(&app.login("demo-handler").await).await;
    assert_eq!(roles(&handler), ["resident", "handler"]);
    assert_eq!(handler["handler_districts"], json!(["500103", "500106"]));

    let admin = app.me(&app.login("demo-admin").await).await;
    assert_eq!(roles(&admin), ["resident", "admin"]);

    // Phones are shown masked even to their owner's own profile view.
    assert_eq!(resident["phone_masked"], "023****0001");
}

#[actix_web::test]
async fn dev_login_creates_a_resident_once() {
    let app = spawn_app().await;
    let first = app
        .post(
            "/api/v1/auth/dev/login",
            None,
            json!({ "openid": "new-person" }),
        )
        .await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.body["user"]["roles"], json!(["resident"]));
    assert!(
        first.body["expires_at"]
            .as_str()
            .unwrap()
            .starts_with("2026-11-28")
    );
    let second = app
        .post(
            "/api/v1/auth/dev/login",
            None,
            json!({ "openid": "new-person" }),
        )
        .await;
    assert_eq!(first.body["user"]["id"], second.body["user"]["id"]);
}

#[actix_web::test]
async fn dev_login_is_404_when_disabled() {
    let app = spawn_app_with(TestOptions::default().var("YUHUI_DEV_LOGIN", "false")).await;
    app.post(
        "/api/v1/auth/dev/login",
        None,
        json!({ "openid": "demo-admin" }),
    )
    .await
    .assert_error(404, "not_found");
}

#[actix_web::test]
async fn wechat_login_creates_the_user_and_keeps_the_session_key() {
    let app = spawn_app().await;
    let code = app.wechat.issue_login_code("o-wx-user-1");
    let res = app
        .post("/api/v1/auth/wechat/login", None, json!({ "code": code }))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert!(!res.text.contains("session_key"));
    assert!(!res.text.contains("SECRET-SESSION-KEY"));
    let token = res.body["token"].as_str().unwrap();
    let me = app.me(token).await;
    assert_eq!(me["id"], res.body["user"]["id"]);
    assert_eq!(roles(&me), ["resident"]);

    // The same person logging in again is the same user.
    let code = app.wechat.issue_login_code("o-wx-user-1");
    let again = app
        .post("/api/v1/auth/wechat/login", None, json!({ "code": code }))
        .await;
    assert_eq!(again.body["user"]["id"], me["id"]);
}

#[actix_web::test]
async fn a_used_or_made_up_code_is_wechat_code_invalid() {
    let app = spawn_app().await;
    let code = app.wechat.issue_login_code("o-wx-user-2");
    let first = app
        .post("/api/v1/auth/wechat/login", None, json!({ "code": code }))
        .await;
    assert_eq!(first.status, StatusCode::OK);
    app.post("/api/v1/auth/wechat/login", None, json!({ "code": code }))
        .await
        .assert_error(401, "wechat_code_invalid");
    app.post(
        "/api/v1/auth/wechat/login",
        None,
        json!({ "code": "made-up" }),
    )
    .await
    .assert_error(401, "wechat_code_invalid");
    app.post("/api/v1/auth/wechat/login", None, json!({ "code": "" }))
        .await
        .assert_error(422, "validation_failed");
}

#[actix_web::test]
async fn wechat_errors_map_to_clear_api_errors() {
    let app = spawn_app().await;
    let login = || async {
        let code = app.wechat.issue_login_code("o-someone");
        app.post("/api/v1/auth/wechat/login", None, json!({ "code": code }))
            .await
    };
    app.wechat.set_mode(WechatMode::Errcode(40226));
    login().await.assert_error(403, "wechat_user_blocked");
    app.wechat.set_mode(WechatMode::Errcode(45011));
    let limited = login().await;
    limited.assert_error(429, "rate_limited");
    assert!(limited.headers.get("retry-after").is_some());
    app.wechat.set_mode(WechatMode::Errcode(-1));
    login().await.assert_error(502, "upstream_unavailable");
    app.wechat.set_mode(WechatMode::Errcode(40013));
    let odd = login().await;
    odd.assert_error(502, "upstream_error");
    assert_eq!(odd.body["details"]["errcode"], 40013);
    app.wechat.set_mode(WechatMode::Normal);
    assert_eq!(login().await.status, StatusCode::OK);
}

#[actix_web::test]
async fn a_hanging_wechat_is_a_502_within_the_timeout() {
    let app = spawn_app().await;
    app.wechat.set_mode(WechatMode::Hang);
    let started = std::time::Instant::now();
    let code = app.wechat.issue_login_code("o-slow");
    app.post("/api/v1/auth/wechat/login", None, json!({ "code": code }))
        .await
        .assert_error(502, "upstream_unavailable");
    // Not a timing assertion on speed: the call must not wait for the 5 s hang.
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[actix_web::test]
async fn an_unreachable_wechat_is_a_502() {
    // Port 9 on loopback: nothing listens there.
    let app =
        spawn_app_with(TestOptions::default().var("WECHAT_API_BASE", "http://127.0.0.1:9")).await;
    app.post("/api/v1/auth/wechat/login", None, json!({ "code": "any" }))
        .await
        .assert_error(502, "upstream_unavailable");
}

#[actix_web::test]
async fn wechat_login_without_credentials_is_503() {
    let app = spawn_app_with(
        TestOptions::default()
            .var("WECHAT_APPID", "")
            .var("WECHAT_SECRET", ""),
    )
    .await;
    app.post("/api/v1/auth/wechat/login", None, json!({ "code": "any" }))
        .await
        .assert_error(503, "wechat_not_configured");
}

#[actix_web::test]
async fn logins_are_rate_limited_per_client() {
    let app = spawn_app_with(TestOptions::default().var("YUHUI_LOGIN_RATE_LIMIT", "3")).await;
    for _ in 0..3 {
        app.login("demo-resident").await;
    }
    let res = app
        .post(
            "/api/v1/auth/dev/login",
            None,
            json!({ "openid": "demo-resident" }),
        )
        .await;
    res.assert_error(429, "rate_limited");
    assert_eq!(res.headers["retry-after"], "60");
    // Other endpoints are not affected.
    assert_eq!(app.get("/health", None).await.status, StatusCode::OK);
}

async fn login_from(app: &crate::helpers::TestApp, forwarded_for: &str) -> StatusCode {
    app.client
        .post(app.url("/api/v1/auth/dev/login"))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({ "openid": "demo-resident" }))
        .send()
        .await
        .unwrap()
        .status()
}

#[actix_web::test]
async fn a_forged_forwarded_for_does_not_dodge_the_login_limit() {
    // One proxy in front: it appends the address it saw (203.0.113.9).
    let app = spawn_app_with(
        TestOptions::default()
            .var("YUHUI_LOGIN_RATE_LIMIT", "3")
            .var("YUHUI_TRUST_FORWARDED_FOR", "true"),
    )
    .await;
    for i in 0..3 {
        let forged = format!("10.1.{i}.{i}, 203.0.113.9");
        assert_eq!(login_from(&app, &forged).await, StatusCode::OK);
    }
    assert_eq!(
        login_from(&app, "10.9.9.9, 203.0.113.9").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another client behind the same proxy has its own count.
    assert_eq!(login_from(&app, "198.51.100.7").await, StatusCode::OK);

    // Two proxies: the client is the second entry from the right.
    let app = spawn_app_with(
        TestOptions::default()
            .var("YUHUI_LOGIN_RATE_LIMIT", "2")
            .var("YUHUI_TRUST_FORWARDED_FOR", "true")
            .var("YUHUI_TRUSTED_PROXY_HOPS", "2"),
    )
    .await;
    for i in 0..2 {
        let forged = format!("10.2.{i}.1, 198.51.100.4, 10.0.0.2");
        assert_eq!(login_from(&app, &forged).await, StatusCode::OK);
    }
    assert_eq!(
        login_from(&app, "10.2.9.1, 198.51.100.4, 10.0.0.2").await,
        StatusCode::TOO_MANY_REQUESTS
    );

    // Not behind a proxy: the header is not read at all.
    let app = spawn_app_with(TestOptions::default().var("YUHUI_LOGIN_RATE_LIMIT", "2")).await;
    for i in 0..2 {
        assert_eq!(
            login_from(&app, &format!("10.3.{i}.1")).await,
            StatusCode::OK
        );
    }
    assert_eq!(
        login_from(&app, "10.3.9.1").await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[actix_web::test]
async fn binding_a_phone_uses_one_cached_access_token() {
    let app = spawn_app().await;
    let token = app.login("new-phone-user").await;
    for phone in ["13912345678", "13987654321"] {
        let code = app.wechat.issue_phone_code(phone);
        let res = app
            .post("/api/v1/me/phone", Some(&token), json!({ "code": code }))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        let masked = format!("{}****{}", &phone[..3], &phone[7..]);
        assert_eq!(res.body["phone_masked"], masked);
    }
    assert_eq!(app.wechat.token_requests(), 1);
}

#[actix_web::test]
async fn an_expired_access_token_is_refreshed_once_and_the_call_retried() {
    let app = spawn_app().await;
    let token = app.login("new-phone-user").await;
    let code = app.wechat.issue_phone_code("13911112222");
    assert_eq!(
        app.post("/api/v1/me/phone", Some(&token), json!({ "code": code }))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(app.wechat.token_requests(), 1);

    app.wechat.expire_token();
    let code = app.wechat.issue_phone_code("13933334444");
    let res = app
        .post("/api/v1/me/phone", Some(&token), json!({ "code": code }))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.body["phone_masked"], "139****4444");
    assert_eq!(app.wechat.token_requests(), 2);
    // First call, the refused call, and its one retry.
    assert_eq!(app.wechat.api_calls(), 3);
}

#[actix_web::test]
async fn a_bad_phone_code_is_422_and_keeps_the_user_logged_in() {
    let app = spawn_app().await;
    let token = app.login("new-phone-user").await;
    app.post("/api/v1/me/phone", Some(&token), json!({ "code": "nope" }))
        .await
        .assert_error(422, "wechat_code_invalid");
    app.post("/api/v1/me/phone", None, json!({ "code": "nope" }))
        .await
        .assert_error(401, "unauthorized");
}

#[actix_web::test]
async fn admins_grant_and_remove_handler_roles() {
    let app = spawn_app().await;
    let admin = app.login("demo-admin").await;
    let someone = app.login("future-handler").await;
    let id = app.me(&someone).await["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/admin/users/{id}/roles");

    let res = app
        .put(
            &path,
            Some(&admin),
            json!({ "roles": ["resident", "handler"], "handler_districts": ["500108"] }),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let me = app.me(&someone).await;
    assert_eq!(roles(&me), ["resident", "handler"]);
    assert_eq!(me["handler_districts"], json!(["500108"]));

    let res = app
        .put(&path, Some(&admin), json!({ "roles": ["resident"] }))
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(roles(&app.me(&someone).await), ["resident"]);
}

#[actix_web::test]
async fn role_changes_are_validated() {
    let app = spawn_app().await;
    let admin = app.login("demo-admin").await;
    let someone = app.login("someone").await;
    let id = app.me(&someone).await["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/admin/users/{id}/roles");

    let res = app
        .put(&path, Some(&admin), json!({ "roles": ["handler"] }))
        .await;
    res.assert_error(422, "validation_failed");
    assert_eq!(
        res.body["details"]["fields"]["handler_districts"],
        json!(["required_for_handler"])
    );

    let res = app
        .put(
            &path,
            Some(&admin),
            json!({ "roles": ["handler"], "handler_districts": ["999999"] }),
        )
        .await;
    res.assert_error(422, "validation_failed");
    assert_eq!(
        res.body["details"]["fields"]["handler_districts"],
        json!(["unknown_district"])
    );

    // 江北区 was merged into 两江新区 in 2025: no longer assignable.
    app.put(
        &path,
        Some(&admin),
        json!({ "roles": ["handler"], "handler_districts": ["500105"] }),
    )
    .await
    .assert_error(422, "validation_failed");

    app.put(&path, Some(&admin), json!({ "roles": ["emperor"] }))
        .await
        .assert_error(422, "validation_failed");

    let missing = format!("/api/v1/admin/users/{}/roles", uuid::Uuid::now_v7());
    app.put(&missing, Some(&admin), json!({ "roles": [] }))
        .await
        .assert_error(404, "not_found");

    let admin_id = app.me(&admin).await["id"].as_str().unwrap().to_owned();
    let res = app
        .put(
            &format!("/api/v1/admin/users/{admin_id}/roles"),
            Some(&admin),
            json!({ "roles": [] }),
        )
        .await;
    res.assert_error(422, "validation_failed");
    assert_eq!(
        res.body["details"]["fields"]["roles"],
        json!(["cannot_remove_own_admin"])
    );
}

#[actix_web::test]
async fn only_admins_change_roles() {
    let app = spawn_app().await;
    let target = app.login("someone").await;
    let id = app.me(&target).await["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/admin/users/{id}/roles");
    let body = json!({ "roles": ["admin"] });
    app.put(&path, None, body.clone())
        .await
        .assert_error(401, "unauthorized");
    for openid in ["demo-resident", "demo-merchant", "demo-handler"] {
        let token = app.login(openid).await;
        app.put(&path, Some(&token), body.clone())
            .await
            .assert_error(403, "forbidden");
    }
    // The caller cannot promote themselves either.
    app.put(&path, Some(&target), body)
        .await
        .assert_error(403, "forbidden");
    assert_eq!(roles(&app.me(&target).await), ["resident"]);
}

#[actix_web::test]
async fn an_admin_finds_a_colleague_by_nickname_or_role_and_grants_a_role() {
    let app = spawn_app().await;
    let admin = app.login("demo-admin").await;
    let resident = app.login("demo-resident").await;
    let me = app.get("/api/v1/me", Some(&resident)).await;
    let resident_id = me.body["id"].as_str().expect("id").to_owned();
    let nickname = me.body["nickname"].as_str().expect("nickname").to_owned();

    let part: String = nickname.chars().skip(1).take(3).collect();
    let found = app
        .get(
            &format!("/api/v1/admin/users?q={}", urlencode(&part)),
            Some(&admin),
        )
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    assert!(
        found
            .body
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["id"] == resident_id.as_str()),
        "{}",
        found.text
    );
    let by_id = app
        .get(
            &format!("/api/v1/admin/users?q={resident_id}"),
            Some(&admin),
        )
        .await;
    assert_eq!(by_id.body.as_array().unwrap().len(), 1, "{}", by_id.text);

    // `%` is a letter to search for, not "everyone".
    let wildcard = app.get("/api/v1/admin/users?q=%25", Some(&admin)).await;
    assert_eq!(wildcard.status, StatusCode::OK, "{}", wildcard.text);
    assert!(
        wildcard.body.as_array().unwrap().is_empty(),
        "{}",
        wildcard.text
    );

    let handlers = app
        .get("/api/v1/admin/users?role=handler", Some(&admin))
        .await;
    assert!(
        handlers.body.as_array().unwrap().iter().all(|u| u["roles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "handler")),
        "{}",
        handlers.text
    );
    assert!(!handlers.text.contains(&resident_id));

    let granted = app
        .put(
            &format!("/api/v1/admin/users/{resident_id}/roles"),
            Some(&admin),
            json!({ "roles": ["handler"], "handler_districts": ["500106"] }),
        )
        .await;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.text);
    let handlers = app
        .get("/api/v1/admin/users?role=handler", Some(&admin))
        .await;
    assert!(handlers.text.contains(&resident_id), "{}", handlers.text);

    let nothing = app.get("/api/v1/admin/users", Some(&admin)).await;
    assert_eq!(
        nothing.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        nothing.text
    );
    let unknown = app.get("/api/v1/admin/users?role=king", Some(&admin)).await;
    assert_eq!(
        unknown.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        unknown.text
    );
    let refused = app
        .get("/api/v1/admin/users?role=admin", Some(&resident))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
}

fn urlencode(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}
