//! Health, readiness and metrics.

use std::path::Path;
use std::time::Duration;

use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use yuhui::backup::{BackupError, backup, restore};
use yuhui::config::Config;

use crate::helpers::{TestOptions, spawn_app, spawn_app_with};

#[actix_web::test]
async fn health_and_ready_answer() {
    let app = spawn_app().await;
    let health = app.get("/health", None).await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.body["status"], "ok");
    let ready = app.get("/ready", None).await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.body["status"], "ready");
}

#[actix_web::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = spawn_app().await;
    let token = app.login("demo-resident").await;
    app.get("/api/v1/me", Some(&token)).await;
    app.get("/api/v1/me", Some(&token)).await;
    app.get("/api/v1/me", None).await;
    app.get(&format!("/api/v1/merchants/{}", uuid::Uuid::now_v7()), None)
        .await;

    let res = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = res.text().await.unwrap();
    assert!(
        text.contains(
            r#"yuhui_http_requests_total{method="GET",route="/api/v1/me",status="200"} 2"#
        ),
        "{text}"
    );
    assert!(
        text.contains(
            r#"yuhui_http_requests_total{method="GET",route="/api/v1/me",status="401"} 1"#
        )
    );
    // Routes are labelled by pattern, not by the id in the URL.
    assert!(text.contains(r#"route="/api/v1/merchants/{id}",status="404"} 1"#));
    assert!(text.contains("yuhui_http_request_duration_seconds_bucket"));
    assert!(text.contains("yuhui_db_pool_connections"));
    assert!(text.contains(r#"yuhui_cache_lookups_total{cache="principal",result="hit"}"#));
}

/// SIGTERM takes the instance out of rotation before it stops taking
/// requests: `/ready` answers 503 `draining` while other requests are still
/// answered, then the socket closes.
#[actix_web::test]
async fn ready_answers_503_while_the_instance_drains() {
    let app = spawn_app_with(TestOptions::default().var("YUHUI_DRAIN_MS", "1500")).await;
    let token = app.login("demo-resident").await;
    app.stop_as_on_sigterm();

    let started = std::time::Instant::now();
    let draining = loop {
        let ready = app.get("/ready", None).await;
        if ready.status == StatusCode::SERVICE_UNAVAILABLE {
            break ready;
        }
        assert!(started.elapsed() < Duration::from_secs(1), "never drained");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(draining.code(), "draining");
    let me = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!(
        me.status,
        StatusCode::OK,
        "requests are still served while draining"
    );

    // After the drain the door closes: new connections are refused.
    let closed = loop {
        let fresh = reqwest::Client::new();
        match fresh.get(app.url("/health")).send().await {
            Err(e) => break e,
            Ok(_) => {
                assert!(started.elapsed() < Duration::from_secs(10), "never closed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    assert!(closed.is_connect(), "{closed}");
    assert!(started.elapsed() >= Duration::from_millis(1400));
}

fn config_for(database_url: &str) -> Config {
    let url = database_url.to_owned();
    Config::from_lookup(|k| (k == "DATABASE_URL").then(|| url.clone())).expect("config")
}

async fn users_in(database_url: &str) -> i64 {
    let db = sea_orm::Database::connect(database_url)
        .await
        .expect("open");
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT count(*) AS n FROM users",
        ))
        .await
        .expect("count")
        .expect("row");
    let n = row.try_get::<i64>("", "n").expect("n");
    db.close().await.expect("close");
    n
}

/// `yuhui backup` while logins write new users: the copy is whole and holds
/// at least every user there was before it started; `yuhui restore` refuses
/// a database in use and puts the copy in place of a stopped one.
#[actix_web::test]
async fn backup_under_write_load_and_restore() {
    let app = spawn_app().await;
    if !app.database_url.starts_with("sqlite") {
        let err = backup(&config_for(&app.database_url), Path::new("/tmp/never"))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("pg_dump"), "{err}");
        return;
    }
    let dir = std::env::temp_dir().join(format!("yuhui-backup-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let copy = dir.join("copy.db");
    let before = users_in(&app.database_url).await;

    let writers = (0..200).map(|i| {
        let app = &app;
        async move { app.login(&format!("backup-load-{i}")).await }
    });
    let config = config_for(&app.database_url);
    let (_, taken) = tokio::join!(futures_util::future::join_all(writers), async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        backup(&config, &copy).await
    });
    assert!(taken.expect("backup") > 0);
    let copy_url = format!("sqlite://{}?mode=ro", copy.display());
    let copied = users_in(&copy_url).await;
    assert!(copied >= before, "{copied} users copied, {before} before");
    assert!(copied <= before + 200);

    // A second backup to the same file is refused, not overwritten.
    assert!(backup(&config, &copy).await.is_err());
    // The running app has its database open.
    let in_use = restore(&config, &copy).await.unwrap_err();
    assert!(matches!(in_use, BackupError::InUse), "{in_use}");
    // Not a backup: refused before anything is touched.
    let junk = dir.join("junk.db");
    std::fs::write(&junk, b"not a database").unwrap();
    let target_url = format!("sqlite://{}?mode=rwc", dir.join("restored.db").display());
    let target = config_for(&target_url);
    assert!(matches!(
        restore(&target, &junk).await.unwrap_err(),
        BackupError::NotABackup(..)
    ));
    assert!(!dir.join("restored.db").exists());

    restore(&target, &copy).await.expect("restore");
    assert_eq!(users_in(&target_url).await, copied);
    let _ = std::fs::remove_dir_all(&dir);
}
