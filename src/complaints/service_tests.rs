//! The complaint rules exercised through the services, on a real database
//! and a manual clock, without HTTP: deadlines as filed and as time passes,
//! and who sees what of a case.

use chrono::{Duration, NaiveDate};
use sea_orm::EntityTrait;
use serde_json::json;
use uuid::Uuid;

use super::dto::FileComplaint;
use super::rules::Status;
use super::{ComplaintSettings, Complaints, case_view, deadlines, filing, writer};
use crate::auth::Principal;
use crate::calendar::service::CalendarCache;
use crate::testing::{Running, TestDb};
use crate::workers::runtime::TaskSet;

/// 洪崖洞山城老火锅: an ODR merchant of demo-merchant in 渝中区.
const ODR_MERCHANT: &str = "01936d4a-0000-7000-8000-000000000002";
/// 解放碑老街小面馆: demo-merchant's, not ODR.
const PLAIN_MERCHANT: &str = "01936d4a-0000-7000-8000-000000000001";

fn complaints(db: &TestDb) -> (Complaints, Running) {
    let (filings, queue) = writer::channel();
    let svc = Complaints::new(
        db.core.clone(),
        CalendarCache::new(db.core.db.clone()),
        ComplaintSettings::from_config(&db.config),
        filings,
        None,
    );
    let mut tasks = TaskSet::new();
    let writer_db = db.core.db.clone();
    tasks.start_writer("filing writer", move |stop| {
        writer::run(writer_db, queue, stop)
    });
    (svc, Running(tasks))
}

fn complaint_against(merchant: &str) -> FileComplaint {
    serde_json::from_value(json!({
        "merchant_id": merchant,
        "category_code": "goods_quality",
        "title": "菜品分量与菜单不符",
        "facts": "2026-11-26 晚在店内就餐，毛血旺分量明显少于菜单所示，店员拒绝处理。",
        "demand": "退还该菜品费用",
        "amount_fen": 6800,
        "occurred_on": "2026-11-26",
        "contact_name": "王小明",
        "contact_phone": "13800230099",
        "contact_address": "重庆市渝中区民族路 99 号",
        "publish_consent": true,
    }))
    .expect("a valid filing")
}

/// Files a complaint against `merchant`; the answer must be 201. Its id.
async fn file(svc: &Complaints, who: &Principal, merchant: &str) -> Uuid {
    let (status, body) = filing::file(svc, who, complaint_against(merchant), None)
        .await
        .expect("filed");
    assert_eq!(status.as_u16(), 201);
    body["id"].as_str().expect("an id").parse().expect("a uuid")
}

fn date(text: &str) -> NaiveDate {
    text.parse().expect("a date")
}

#[actix_web::test]
async fn an_odr_case_gets_the_merchant_window_then_the_bureau_clock() {
    let db = TestDb::seeded().await;
    let (svc, running) = complaints(&db);
    let resident = db.new_resident("service-test-resident").await;

    // Filed on Friday 2026-11-27: ten working days for the merchant end on
    // 12-11, and the bureau's seven then end on 12-22.
    let id = file(&svc, &resident, ODR_MERCHANT).await;
    let case = case_view::get(&svc, &resident, id).await.expect("own case");
    assert_eq!(case.status, "merchant_window");
    assert_eq!(
        case.deadlines.merchant_window_until,
        Some(date("2026-12-11"))
    );
    assert_eq!(case.deadlines.decide_by.date, date("2026-12-22"));
    assert!(!case.deadlines.decide_by.provisional);

    // The window is still open on its last day and ends the day after
    // (the sweep also ends the demo cases' windows that have run out).
    db.core
        .clock
        .set(crate::testing::start() + Duration::days(14));
    deadlines::end_windows(&svc, None).await.expect("sweep");
    let case = case_view::get(&svc, &resident, id).await.expect("own case");
    assert_eq!(case.status, "merchant_window");
    db.core
        .clock
        .set(crate::testing::start() + Duration::days(17));
    assert!(deadlines::end_windows(&svc, None).await.expect("sweep") >= 1);
    // Read the row itself: reading the case through the service would end
    // a lapsed window on its own.
    let row = entity::complaint::Entity::find_by_id(id)
        .one(&db.core.db)
        .await
        .expect("query")
        .expect("the case");
    assert_eq!(row.status, Status::Submitted);
    assert_eq!(row.due_on, date("2026-12-22"));
    running.stop().await;
}

#[actix_web::test]
async fn a_plain_case_goes_to_the_bureau_with_seven_working_days() {
    let db = TestDb::seeded().await;
    let (svc, running) = complaints(&db);
    let resident = db.new_resident("service-test-resident").await;
    let id = file(&svc, &resident, PLAIN_MERCHANT).await;
    let case = case_view::get(&svc, &resident, id).await.expect("own case");
    assert_eq!(case.status, "submitted");
    assert_eq!(case.deadlines.merchant_window_until, None);
    assert_eq!(case.deadlines.decide_by.date, date("2026-12-08"));
    running.stop().await;
}

#[actix_web::test]
async fn each_party_sees_what_the_rules_allow_and_strangers_nothing() {
    let db = TestDb::seeded().await;
    let (svc, running) = complaints(&db);
    let resident = db.new_resident("service-test-resident").await;
    let id = file(&svc, &resident, PLAIN_MERCHANT).await;

    let own = case_view::get(&svc, &resident, id).await.expect("own case");
    assert_eq!(
        own.contact.phone, "138****0099",
        "the complainant sees it masked too"
    );

    let handler = db.principal("demo-handler").await;
    let handled = case_view::get(&svc, &handler, id)
        .await
        .expect("handler of 渝中区");
    assert_eq!(handled.contact.phone, "13800230099");
    assert_eq!(
        handled.contact.address.as_deref(),
        Some("重庆市渝中区民族路 99 号")
    );

    let respondent = db.principal("demo-merchant").await;
    let answered = case_view::get(&svc, &respondent, id)
        .await
        .expect("respondent's staff");
    assert_eq!(answered.contact.phone, "138****0099");
    assert_ne!(answered.contact.name, "王小明");

    for stranger in [
        db.principal("demo-merchant-b").await,
        db.new_resident("someone-else").await,
    ] {
        let refused = case_view::get(&svc, &stranger, id).await.unwrap_err();
        assert_eq!(refused.status().as_u16(), 403);
    }
    running.stop().await;
}
