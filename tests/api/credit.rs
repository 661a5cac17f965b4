//! 山城有信 credit profiles and 一企一码 codes: the factors follow the
//! complaint record as the rules say, nothing names a complainant, and a
//! code verifies with the published key in a tool nobody here wrote.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD as B64};
use reqwest::StatusCode;
use serde_json::{Value, json};
use yuhui::workers::runtime::Periodic;

use crate::complaints::{NOODLES, file, filing};
use crate::helpers::{TestApp, TestOptions, spawn_app, spawn_app_with};

async fn credit(app: &TestApp, merchant: &str) -> Value {
    let res = app
        .get(&format!("/api/v1/merchants/{merchant}/credit"), None)
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    res.body
}

fn factor(profile: &Value, code: &str) -> Value {
    profile["factors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == code)
        .cloned()
        .unwrap_or(Value::Null)
}

async fn history(app: &TestApp) -> crate::helpers::Response {
    app.get(&format!("/api/v1/merchants/{NOODLES}/credit/history"), None)
        .await
}

async fn refresh(app: &TestApp) {
    app.jobs.credit_refresh.run_once().await.expect("a pass");
}

#[actix_web::test]
async fn an_accepted_then_mediated_complaint_moves_the_factors_the_rules_say() {
    let app = spawn_app().await;
    refresh(&app).await;
    let before = credit(&app, NOODLES).await;
    assert_eq!(before["rules_version"], "shancheng-2026");
    assert!(["A", "B", "C", "D"].contains(&before["grade"].as_str().unwrap()));
    let accepted_before = factor(&before, "accepted")["value"].as_f64().unwrap();
    let first = history(&app).await;
    assert_eq!(first.status, StatusCode::OK);
    let entries = first.body.as_array().unwrap().len();
    assert!(entries >= 1);

    let resident = app.login("demo-resident").await;
    let handler = app.login("demo-handler").await;
    let filed = file(&app, &resident, filing(NOODLES, "小面馆结账多收锅底费")).await;
    let id = filed["id"].as_str().unwrap().to_owned();
    let accept = app
        .post(
            &format!("/api/v1/complaints/{id}/accept"),
            Some(&handler),
            json!({}),
        )
        .await;
    assert_eq!(accept.status, StatusCode::OK, "{}", accept.text);
    refresh(&app).await;
    let after_accept = credit(&app, NOODLES).await;
    let accepted = factor(&after_accept, "accepted");
    assert_eq!(accepted["value"].as_f64().unwrap(), accepted_before + 1.0);
    // 10 points per accepted case (seeds/credit_rules.json), within the cap.
    assert_eq!(
        accepted["points"].as_i64().unwrap(),
        -((accepted_before as i64 + 1) * 10).min(100)
    );
    assert!(after_accept["score"].as_i64() < before["score"].as_i64());

    let closed = app
        .post(
            &format!("/api/v1/complaints/{id}/close"),
            Some(&handler),
            json!({ "outcome": "mediated", "note": "双方达成一致", "compensation_fen": 3800 }),
        )
        .await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.text);
    refresh(&app).await;
    let after_close = credit(&app, NOODLES).await;
    let mediation = factor(&after_close, "mediation_success");
    assert!(mediation["value"].as_f64().unwrap() > 0.0, "{after_close}");
    assert!(after_close["score"].as_i64() > after_accept["score"].as_i64());
    // Each change of score is in the history, newest first.
    let last = history(&app).await;
    let rows = last.body.as_array().unwrap();
    assert!(rows.len() >= entries + 2, "{}", last.text);
    assert_eq!(rows[0]["score"], after_close["score"]);

    // Nothing about who complained, anywhere.
    let code = app
        .get(&format!("/api/v1/merchants/{NOODLES}/code"), None)
        .await;
    let claims = B64
        .decode(
            code.body["payload"]
                .as_str()
                .unwrap()
                .split('.')
                .nth(1)
                .unwrap(),
        )
        .unwrap();
    let me = app.get("/api/v1/me", Some(&resident)).await;
    let resident_id = me.body["id"].as_str().unwrap().to_owned();
    for text in [
        after_close.to_string(),
        last.text.clone(),
        code.text.clone(),
        String::from_utf8(claims).unwrap(),
    ] {
        for secret in [
            "13912345678",
            "王小明",
            "民族路 88 号",
            "demo-resident",
            &resident_id,
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }

    // Unknown and unapproved merchants have no profile.
    let missing = app
        .get(
            "/api/v1/merchants/01936d4a-0000-7000-8000-00000000dead/credit",
            None,
        )
        .await;
    missing.assert_error(404, "not_found");
}

/// `openssl pkeyutl -verify -rawin` on the two halves of a code.
fn openssl_verifies(public_x: &str, payload: &str) -> bool {
    let dir = std::env::temp_dir().join(format!("yuhui-code-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    // SubjectPublicKeyInfo for an Ed25519 key: a fixed prefix, then the key.
    let mut der = vec![
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
    ];
    der.extend(B64.decode(public_x).unwrap());
    let pem = format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        STANDARD.encode(der)
    );
    let (signed, signature) = payload.rsplit_once('.').unwrap();
    std::fs::write(dir.join("key.pem"), pem).unwrap();
    std::fs::write(dir.join("signed"), signed).unwrap();
    std::fs::write(dir.join("sig"), B64.decode(signature).unwrap()).unwrap();
    let out = std::process::Command::new("openssl")
        .args([
            "pkeyutl", "-verify", "-pubin", "-inkey", "key.pem", "-rawin", "-in", "signed",
            "-sigfile", "sig",
        ])
        .current_dir(&dir)
        .output()
        .expect("openssl is installed (Debian's openssl package)");
    let _ = std::fs::remove_dir_all(&dir);
    out.status.success()
        && String::from_utf8_lossy(&out.stdout).contains("Signature Verified Successfully")
}

async fn verify(app: &TestApp, payload: &str) -> Value {
    let res = app
        .post("/api/v1/credit/verify", None, json!({ "payload": payload }))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    res.body
}

#[actix_web::test]
async fn a_code_verifies_offline_with_the_published_key_and_says_why_not() {
    let app = spawn_app().await;
    let res = app
        .get(&format!("/api/v1/merchants/{NOODLES}/code"), None)
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let payload = res.body["payload"].as_str().unwrap().to_owned();
    assert!(payload.starts_with("YHC1."));
    assert!(res.body["svg"].as_str().unwrap().contains("<svg"));
    let claims = &res.body["claims"];
    assert_eq!(claims["merchant_id"], NOODLES);
    for field in ["uscc", "name", "grade", "issued_at", "expires_at", "kid"] {
        assert!(claims[field].is_string(), "{field}");
    }

    let keys = app.get("/api/v1/credit/keys", None).await;
    let key = &keys.body["keys"][0];
    assert_eq!(
        (key["alg"].as_str(), key["crv"].as_str()),
        (Some("EdDSA"), Some("Ed25519"))
    );
    assert_eq!(key["kid"], claims["kid"]);
    let x = key["x"].as_str().unwrap();
    assert!(
        openssl_verifies(x, &payload),
        "openssl refuses a genuine code"
    );

    let ok = verify(&app, &payload).await;
    assert_eq!(ok["valid"], true, "{ok}");
    assert!(ok["reason"].is_null());
    assert_eq!(ok["merchant"]["id"], NOODLES);
    assert_eq!(ok["credit"]["merchant_id"], NOODLES);

    // A better score written into the claims: neither openssl nor Yuhui accept it.
    let mut forged: Value =
        serde_json::from_slice(&B64.decode(payload.split('.').nth(1).unwrap()).unwrap()).unwrap();
    forged["grade"] = json!("A");
    forged["score"] = json!(999);
    let signature = payload.rsplit('.').next().unwrap();
    let tampered = format!(
        "YHC1.{}.{signature}",
        B64.encode(serde_json::to_vec(&forged).unwrap())
    );
    assert!(!openssl_verifies(x, &tampered));
    assert_eq!(verify(&app, &tampered).await["reason"], "bad_signature");
    for junk in ["hello", "YHC1.e30.AAAA", "YHC1..", &format!("{payload}.x")] {
        let v = verify(&app, junk).await;
        assert_eq!(
            (v["valid"].as_bool(), v["reason"].as_str()),
            (Some(false), Some("malformed")),
            "{junk}"
        );
    }
    app.post("/api/v1/credit/verify", None, json!({ "payload": "" }))
        .await
        .assert_error(422, "validation_failed");

    // Another deployment's key is unknown here.
    let other = spawn_app_with(TestOptions::default().var(
        "YUHUI_CREDIT_SIGNING_KEYS",
        &format!("elsewhere={}", B64.encode([3u8; 32])),
    ))
    .await;
    let foreign = other
        .get(&format!("/api/v1/merchants/{NOODLES}/code"), None)
        .await;
    let v = verify(&app, foreign.body["payload"].as_str().unwrap()).await;
    assert_eq!(v["reason"], "unknown_key");

    // Thirty days on, the code has expired.
    app.clock.advance(chrono::Duration::days(31));
    let v = verify(&app, &payload).await;
    assert_eq!(
        (v["valid"].as_bool(), v["reason"].as_str()),
        (Some(false), Some("expired"))
    );
}

#[actix_web::test]
async fn a_rotated_key_still_verifies_older_codes() {
    let seed = |b: u8| B64.encode([b; 32]);
    let old_keys = format!("k2026={}", seed(7));
    let before =
        spawn_app_with(TestOptions::default().var("YUHUI_CREDIT_SIGNING_KEYS", &old_keys)).await;
    let old = before
        .get(&format!("/api/v1/merchants/{NOODLES}/code"), None)
        .await;
    let old_payload = old.body["payload"].as_str().unwrap().to_owned();
    assert_eq!(old.body["claims"]["kid"], "k2026");

    let rotated = spawn_app_with(TestOptions::default().var(
        "YUHUI_CREDIT_SIGNING_KEYS",
        &format!("{old_keys},k2027={}", seed(9)),
    ))
    .await;
    assert_eq!(verify(&rotated, &old_payload).await["valid"], true);
    let new = rotated
        .get(&format!("/api/v1/merchants/{NOODLES}/code"), None)
        .await;
    assert_eq!(new.body["claims"]["kid"], "k2027");
    let keys = rotated.get("/api/v1/credit/keys", None).await;
    let kids: Vec<&str> = keys.body["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids, ["k2026", "k2027"]);
    // The old deployment, which never had the new key, cannot vouch for it.
    let v = verify(&before, new.body["payload"].as_str().unwrap()).await;
    assert_eq!(v["reason"], "unknown_key");
}

#[actix_web::test]
async fn an_override_wins_until_its_end_date_and_appeals_get_an_answer() {
    let app = spawn_app().await;
    let admin = app.login("demo-admin").await;
    let resident = app.login("demo-resident").await;
    let computed = credit(&app, NOODLES).await["computed_grade"].clone();
    let path = format!("/api/v1/admin/merchants/{NOODLES}/credit/override");
    let today = app
        .clock
        .now()
        .with_timezone(&chrono_tz_shanghai())
        .date_naive();
    let ends = today + chrono::Duration::days(3);
    let body = |grade: &str, ends_on: chrono::NaiveDate| json!({ "grade": grade, "reason": "食品安全抽检不合格，限期整改", "ends_on": ends_on });
    app.post(&path, Some(&resident), body("D", ends))
        .await
        .assert_error(403, "forbidden");
    let bad = app.post(&path, Some(&admin), body("E", ends)).await;
    bad.assert_error(422, "validation_failed");
    assert!(
        bad.body["details"]["fields"]["grade"].is_array(),
        "{}",
        bad.text
    );
    let late = app
        .post(
            &path,
            Some(&admin),
            body("D", today - chrono::Duration::days(1)),
        )
        .await;
    assert!(
        late.body["details"]["fields"]["ends_on"].is_array(),
        "{}",
        late.text
    );

    let set = app.post(&path, Some(&admin), body("D", ends)).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    assert_eq!(set.body["grade"], "D");
    assert_eq!(set.body["computed_grade"], computed);
    assert_eq!(
        set.body["override"]["reason"],
        "食品安全抽检不合格，限期整改"
    );
    let code = app
        .get(&format!("/api/v1/merchants/{NOODLES}/code"), None)
        .await;
    assert_eq!(code.body["claims"]["grade"], "D");
    let public = app.get(&format!("/api/v1/merchants/{NOODLES}"), None).await;
    assert_eq!(public.body["credit_grade"], "D");
    let audit = app.get("/api/v1/admin/audit-events", Some(&admin)).await;
    assert!(audit.text.contains("credit/override"), "{}", audit.text);

    // The last day still has it; the day after, the score's grade is back.
    app.clock.advance(chrono::Duration::days(3));
    assert_eq!(credit(&app, NOODLES).await["grade"], "D");
    app.clock.advance(chrono::Duration::days(1));
    let after = credit(&app, NOODLES).await;
    assert_eq!(after["grade"], computed);
    assert!(after["override"].is_null());

    // Sessions last a day: sign in again four days on.
    let admin = app.login("demo-admin").await;
    let resident = app.login("demo-resident").await;
    let staff = app.login("demo-merchant").await;
    let other_staff = app.login("demo-merchant-b").await;
    let appeals = "/api/v1/merchant/credit/appeals";
    let appeal = |factor: &str, merchant: &str| {
        json!({
            "merchant_id": merchant,
            "factor_code": factor,
            "statement": "其中一件投诉系顾客误会，已当面说明并获谅解。",
        })
    };
    let filed = app
        .post(appeals, Some(&staff), appeal("accepted", NOODLES))
        .await;
    assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.text);
    assert_eq!(filed.body["status"], "open");
    app.post(appeals, Some(&staff), appeal("accepted", NOODLES))
        .await
        .assert_error(409, "appeal_open");
    let unknown = app
        .post(appeals, Some(&staff), appeal("weather", NOODLES))
        .await;
    unknown.assert_error(422, "validation_failed");
    app.post(appeals, Some(&other_staff), appeal("accepted", NOODLES))
        .await
        .assert_error(403, "forbidden");
    app.post(appeals, Some(&resident), appeal("accepted", NOODLES))
        .await
        .assert_error(403, "forbidden");
    assert_eq!(credit(&app, NOODLES).await["appeals"][0]["status"], "open");

    let queue = app.get("/api/v1/admin/credit/appeals", Some(&admin)).await;
    assert_eq!(queue.body[0]["id"], filed.body["id"]);
    app.get("/api/v1/admin/credit/appeals", Some(&staff))
        .await
        .assert_error(403, "forbidden");
    let answer_path = format!(
        "/api/v1/admin/credit/appeals/{}/answer",
        filed.body["id"].as_str().unwrap()
    );
    let answer =
        json!({ "decision": "upheld", "answer": "经核实情况属实，已撤销该件立案记录的扣分。" });
    let answered = app.post(&answer_path, Some(&admin), answer.clone()).await;
    assert_eq!(answered.status, StatusCode::OK, "{}", answered.text);
    assert_eq!(answered.body["status"], "upheld");
    app.post(&answer_path, Some(&admin), answer)
        .await
        .assert_error(409, "appeal_answered");
    let shown = credit(&app, NOODLES).await;
    assert_eq!(shown["appeals"][0]["status"], "upheld");
    assert!(
        shown["appeals"][0]["answer"]
            .as_str()
            .unwrap()
            .contains("经核实")
    );
}

fn chrono_tz_shanghai() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(8 * 3600).unwrap()
}

#[actix_web::test]
async fn residents_find_shops_by_grade_and_best_grade_first() {
    let app = spawn_app().await;
    refresh(&app).await;
    let near = |query: String| {
        let app = &app;
        async move {
            app.get(
                &format!("/api/v1/shops/nearby?lat=29.5575&lng=106.5770&coord=wgs84&walk_minutes=8&{query}"),
                None,
            )
            .await
        }
    };
    let all = near("limit=100".into()).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    // The whole walk fits one page, so the filtered lists can be compared with it.
    assert!(all.body["next_cursor"].is_null());
    let grade_of = |item: &Value| item["credit_grade"].as_str().unwrap_or("-").to_owned();
    let every: Vec<String> = all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(grade_of)
        .collect();
    assert!(
        every
            .iter()
            .all(|g| ["A", "B", "C", "D"].contains(&g.as_str())),
        "{every:?}"
    );
    let lowest = every.iter().max().unwrap().clone();
    let best = every.iter().min().unwrap().clone();
    assert_ne!(
        lowest, best,
        "the demo merchants differ in grade: {every:?}"
    );

    let only = near(format!("limit=100&credit_grade={lowest}")).await;
    let items = only.body["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items.iter().all(|i| grade_of(i) == lowest));
    assert_eq!(items.len(), every.iter().filter(|g| **g == lowest).count());

    // Best grade first, nearest first within a grade, across pages.
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = near(format!("limit=7&sort=credit{cursor}")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        for i in page.body["items"].as_array().unwrap() {
            seen.push((
                grade_of(i),
                i["distance_m"].as_u64().unwrap(),
                i["id"].to_string(),
            ));
        }
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), every.len());
    assert!(
        seen.windows(2)
            .all(|w| (&w[0].0, w[0].1) <= (&w[1].0, w[1].1)),
        "{seen:?}"
    );
    let mut ids: Vec<&String> = seen.iter().map(|s| &s.2).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), seen.len());

    // An override moves the merchant at once.
    let admin = app.login("demo-admin").await;
    let hotpot = crate::complaints::HOTPOT;
    let set = app
        .post(
            &format!("/api/v1/admin/merchants/{hotpot}/credit/override"),
            Some(&admin),
            json!({ "grade": "A", "reason": "整改完成，复查合格", "ends_on": "2026-12-31" }),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    let a = near("limit=100&credit_grade=a".into()).await;
    assert!(
        a.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["merchant_id"] == hotpot)
    );

    near("credit_grade=E".into())
        .await
        .assert_error(422, "validation_failed");
    let bad_sort = near("sort=rating".into()).await;
    assert_eq!(
        bad_sort.status,
        StatusCode::BAD_REQUEST,
        "{}",
        bad_sort.text
    );
}
