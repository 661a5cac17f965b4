//! Claims through the service and the claim writer, on a real database,
//! without HTTP: the per-user limit, the round's stock, and retries.

use std::sync::Arc;

use serde_json::json;

use super::claim_book::ClaimBook;
use super::dto::NewCampaign;
use super::{Vouchers, campaigns, claim_writer, claiming};
use crate::places::Places;
use crate::testing::{Running, TestDb, start};
use crate::workers::runtime::TaskSet;

async fn vouchers(db: &TestDb) -> (Vouchers, Running) {
    let places = Places::load(db.core.clone(), &db.config)
        .await
        .expect("shop index");
    let (claims, queue) = claim_writer::channel();
    let book = ClaimBook::new();
    let svc = Vouchers::new(db.core.clone(), Arc::new(places), book.clone(), claims);
    let mut tasks = TaskSet::new();
    // The writer's own connection, as an instance has it: on SQLite it
    // commits without syncing and answers once its log is synced.
    let writers = crate::db::connect_writers(&db.config)
        .await
        .expect("writer connections");
    tasks.start_writer("claim writer", move |stop| {
        claim_writer::run(writers.claims, book, queue, stop, writers.claims_durability)
    });
    (svc, Running(tasks))
}

/// One round of `quantity` open from the start, at most two per person.
fn campaign(quantity: i64) -> NewCampaign {
    let opens = start() - chrono::Duration::minutes(1);
    serde_json::from_value(json!({
        "name": "服务测试券",
        "categories": ["restaurant"],
        "district_codes": ["500103"],
        "face_value_fen": 2500,
        "threshold_fen": 10000,
        "total_quantity": quantity,
        "per_user_limit": 2,
        "valid_days": 7,
        "starts_at": opens,
        "ends_at": opens + chrono::Duration::days(7),
        "rounds": [{"opens_at": opens, "quantity": quantity}],
    }))
    .expect("a valid campaign")
}

#[actix_web::test]
async fn claims_stop_at_the_per_user_limit_and_at_the_round_stock() {
    let db = TestDb::seeded().await;
    let (svc, running) = vouchers(&db).await;
    let admin = db.principal("demo-admin").await;
    let created = campaigns::create_campaign(&svc, &admin, campaign(3))
        .await
        .expect("campaign");
    let (first, second) = (
        db.new_resident("claimer-1").await,
        db.new_resident("claimer-2").await,
    );

    for _ in 0..2 {
        let (status, _) = claiming::claim(&svc, &first, created.id, None)
            .await
            .expect("within the limit");
        assert_eq!(status.as_u16(), 201);
    }
    let over = claiming::claim(&svc, &first, created.id, None)
        .await
        .unwrap_err();
    assert_eq!(over.code(), "limit_reached");

    claiming::claim(&svc, &second, created.id, None)
        .await
        .expect("the last voucher");
    let gone = claiming::claim(&svc, &second, created.id, None)
        .await
        .unwrap_err();
    assert_eq!(gone.code(), "sold_out");
    running.stop().await;
}

#[actix_web::test]
async fn a_retried_claim_gets_its_first_voucher_and_takes_no_stock() {
    let db = TestDb::seeded().await;
    let (svc, running) = vouchers(&db).await;
    let admin = db.principal("demo-admin").await;
    let created = campaigns::create_campaign(&svc, &admin, campaign(2))
        .await
        .expect("campaign");
    let resident = db.new_resident("retrying-claimer").await;
    let key = Some("claim-once".to_owned());
    let (_, first) = claiming::claim(&svc, &resident, created.id, key.clone())
        .await
        .expect("claimed");
    let (_, again) = claiming::claim(&svc, &resident, created.id, key)
        .await
        .expect("replayed");
    let first: serde_json::Value = serde_json::from_slice(&first).expect("json");
    let again: serde_json::Value = serde_json::from_slice(&again).expect("json");
    assert!(first["voucher"]["id"].is_string(), "{first}");
    assert_eq!(again["voucher"]["id"], first["voucher"]["id"]);
    // One voucher was issued, so one is left for someone else.
    let other = db.new_resident("another-claimer").await;
    claiming::claim(&svc, &other, created.id, None)
        .await
        .expect("the second voucher");
    running.stop().await;
}
