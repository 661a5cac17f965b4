//! Claims through the service and the claim writer, on a real database,
//! without HTTP: the per-user limit, the round's stock, and retries.

use std::sync::Arc;

use serde_json::json;

use super::campaigns::CampaignInfo;
use super::claim_book::ClaimBook;
use super::claim_writer::ClaimJob;
use super::dto::NewCampaign;
use super::{Vouchers, campaigns, claim_writer, claiming, rules};
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

/// A claim for `user`, as `claiming::claim` queues it.
fn queued_claim(
    info: &Arc<CampaignInfo>,
    user: uuid::Uuid,
) -> (
    ClaimJob,
    tokio::sync::oneshot::Receiver<crate::error::AppResult<claiming::ClaimAnswer>>,
) {
    let now = start();
    let (reply, answer) = tokio::sync::oneshot::channel();
    let voucher = entity::voucher::Model {
        id: uuid::Uuid::now_v7(),
        code: rules::new_code(),
        campaign_id: info.campaign.id,
        round_id: info.rounds[0].id,
        user_id: user,
        slot: 0,
        status: entity::status::VoucherStatus::Unused,
        claimed_at: now,
        expires_at: rules::expires_at(now, info.campaign.valid_days),
        used_at: None,
        returned_to_round: None,
        claim_key: None,
    };
    let job = ClaimJob {
        campaign: info.clone(),
        round_id: info.rounds[0].id,
        voucher,
        body: actix_web::web::Bytes::new(),
        attempts: 0,
        reply,
    };
    (job, answer)
}

/// Commits one batch as the writer does and returns each claim's status
/// or error code, in batch order.
async fn write_batch(
    db: &TestDb,
    book: &ClaimBook,
    batch: Vec<(ClaimJob, Waiting)>,
) -> Vec<String> {
    let (jobs, waiting): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
    let mut replies = Vec::new();
    let again = claim_writer::write(&db.core.db, book, jobs, &mut replies).await;
    assert!(again.is_empty(), "nothing to try again with one instance");
    for (reply, answer) in replies {
        let _ = reply.send(answer);
    }
    let mut answers = Vec::new();
    for answer in waiting {
        answers.push(match answer.await.expect("answered") {
            Ok((status, _)) => status.as_u16().to_string(),
            Err(e) => e.code().to_owned(),
        });
    }
    answers
}

type Waiting = tokio::sync::oneshot::Receiver<crate::error::AppResult<claiming::ClaimAnswer>>;

#[actix_web::test]
async fn a_refusal_counting_a_claim_that_did_not_go_in_leaves_the_user_below_the_limit() {
    let db = TestDb::seeded().await;
    let (svc, running) = vouchers(&db).await;
    let admin = db.principal("demo-admin").await;
    let created = campaigns::create_campaign(&svc, &admin, campaign(2))
        .await
        .expect("campaign");
    let info = campaigns::campaign(&svc, created.id).await.expect("info");
    let round = info.rounds[0].id;
    let (first, second) = (
        db.new_resident("batch-claimer-1").await,
        db.new_resident("batch-claimer-2").await,
    );
    // The book of a writer of its own: the service's writer stays idle.
    let book = ClaimBook::new();
    let one = write_batch(&db, &book, vec![queued_claim(&info, first.user_id)]).await;
    assert_eq!(one, ["201"]);

    // One voucher left: the second resident's claim takes it, the first's
    // next claim finds it gone, and the first's claim after that is over
    // the limit only by counting the one that found it gone.
    let batch = vec![
        queued_claim(&info, second.user_id),
        queued_claim(&info, first.user_id),
        queued_claim(&info, first.user_id),
    ];
    let answers = write_batch(&db, &book, batch).await;
    assert_eq!(answers, ["201", "sold_out", "limit_reached"]);
    // Holding one of two, the first resident is refused for the stock, not
    // the limit: when stock comes back, they may claim again.
    let known = book
        .refusal(round, first.user_id, 2)
        .await
        .expect("sold out");
    assert_eq!(known.code(), "sold_out");
    running.stop().await;
}
