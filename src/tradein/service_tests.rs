//! The per-person quota through the service, on a real database, without
//! HTTP: one refrigerator a year, three air conditioners, a rejection frees
//! a slot, and a retry with the same key is the same application.

use std::sync::Arc;

use serde_json::json;

use super::dto::NewApplication;
use super::review::{self, Decision};
use super::{TradeIn, TradeInSettings, applications};
use crate::places::Places;
use crate::testing::TestDb;

/// 较场口邻里便民超市 (approved), where the trade-in tests buy.
const SELLER: &str = "01936d4a-0000-7000-8000-000000000003";

async fn trade_in(db: &TestDb) -> TradeIn {
    let places = Places::load(db.core.clone(), &db.config)
        .await
        .expect("shop index");
    TradeIn::new(
        db.core.clone(),
        Arc::new(places),
        TradeInSettings {
            template_id: "trade-in-review".into(),
        },
    )
}

fn purchase(category: &str, price_fen: i64, n: u32) -> NewApplication {
    serde_json::from_value(json!({
        "category": category,
        "merchant_id": SELLER,
        "price_fen": price_fen,
        "efficiency_grade": 1,
        "invoice_no": format!("INV-{category}-{n:04}"),
        "serial_no": format!("SN-{category}-{n:04}"),
        "invoice_date": "2025-06-01",
    }))
    .expect("a valid application")
}

#[actix_web::test]
async fn the_quota_counts_slots_per_person_category_and_year() {
    let db = TestDb::seeded().await;
    let svc = trade_in(&db).await;
    let resident = db.new_resident("quota-service-test").await;

    let (status, first) =
        applications::apply(&svc, &resident, purchase("refrigerator", 499_900, 1), None)
            .await
            .expect("first fridge");
    assert_eq!(status.as_u16(), 201);
    assert_eq!(first["subsidy_fen"], 99_980);
    let second = applications::apply(&svc, &resident, purchase("refrigerator", 399_900, 2), None)
        .await
        .unwrap_err();
    assert_eq!(second.code(), "quota_used");

    for n in 0..3 {
        applications::apply(
            &svc,
            &resident,
            purchase("air_conditioner", 289_900, 10 + n),
            None,
        )
        .await
        .expect("up to three air conditioners");
    }
    let fourth = applications::apply(
        &svc,
        &resident,
        purchase("air_conditioner", 289_900, 13),
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(fourth.code(), "quota_used");

    // A rejected application gives its slot back.
    let admin = db.principal("demo-admin").await;
    let id = first["id"]
        .as_str()
        .expect("an id")
        .parse()
        .expect("a uuid");
    review::review(&svc, &admin, id, Decision::Reject("发票信息不符".into()))
        .await
        .expect("rejected");
    applications::apply(&svc, &resident, purchase("refrigerator", 399_900, 3), None)
        .await
        .expect("the slot is free again");
}

#[actix_web::test]
async fn a_retry_with_the_same_key_is_the_same_application() {
    let db = TestDb::seeded().await;
    let svc = trade_in(&db).await;
    let resident = db.new_resident("retry-service-test").await;
    let key = Some("phone-retry-1".to_owned());
    let (_, first) = applications::apply(
        &svc,
        &resident,
        purchase("washing_machine", 259_900, 1),
        key.clone(),
    )
    .await
    .expect("first try");
    let (status, again) = applications::apply(
        &svc,
        &resident,
        purchase("washing_machine", 259_900, 1),
        key,
    )
    .await
    .expect("the retry");
    assert_eq!(status.as_u16(), 201);
    assert!(first["id"].is_string(), "{first}");
    assert_eq!(again["id"], first["id"]);
}
