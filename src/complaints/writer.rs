//! Filings are written by one task per instance in batches: whatever arrived
//! while the previous transaction committed goes into the next one. Batches
//! keep the guarantees of one transaction per filing (each filing is
//! acknowledged only after its commit; idempotency keys are claimed inside
//! it, so the database still decides between instances) with one commit,
//! one flush to disk, for many filings. SQLite has a single writer, so one
//! transaction per filing topped out near 500 a second there; PostgreSQL
//! managed about 1,000 a second that way and about 1,600 batched.

use actix_web::http::StatusCode;
use entity::{complaint, complaint_event};
use sea_orm::{
    ActiveValue::Set, DatabaseConnection, EntityTrait, IntoActiveModel, TransactionTrait,
};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::idempotency::{self, Claim};
use crate::workers::runtime::{BatchQueue, Stop};

const MAX_BATCH: usize = 64;

pub struct IdempotencyClaim {
    pub user_id: Uuid,
    pub key: String,
    pub fingerprint: String,
}

pub struct FilingJob {
    pub row: complaint::Model,
    pub claim: Option<IdempotencyClaim>,
    /// The 201 answer, stored with the idempotency key.
    pub body: Value,
    pub reply: oneshot::Sender<AppResult<(StatusCode, Value)>>,
}

pub type FilingWriter = mpsc::Sender<FilingJob>;
pub type FilingQueue = mpsc::Receiver<FilingJob>;

pub fn channel() -> (FilingWriter, FilingQueue) {
    mpsc::channel(4 * MAX_BATCH)
}

/// The writer task (`workers` starts it): writes batches until stopped,
/// then writes and answers what is still queued.
pub async fn run(db: DatabaseConnection, queue: FilingQueue, stop: Stop) {
    let mut queue = BatchQueue::new(queue, stop, MAX_BATCH);
    let mut batch = Vec::new();
    while queue.fill(&mut batch).await {
        write(&db, std::mem::take(&mut batch)).await;
    }
}

async fn write(db: &DatabaseConnection, batch: Vec<FilingJob>) {
    match write_batch(db, &batch).await {
        Ok(results) => {
            for (job, result) in batch.into_iter().zip(results) {
                let _ = job.reply.send(result);
            }
        }
        // One bad filing must not fail the others: retry each on its own.
        Err(_) if batch.len() > 1 => {
            for job in batch {
                let result = match write_batch(db, std::slice::from_ref(&job)).await {
                    Ok(mut results) => results
                        .pop()
                        .unwrap_or_else(|| Err(AppError::internal("empty batch result"))),
                    Err(e) => Err(e),
                };
                let _ = job.reply.send(result);
            }
        }
        Err(e) => {
            if let Some(job) = batch.into_iter().next() {
                let _ = job.reply.send(Err(e));
            }
        }
    }
}

/// One transaction for the batch; the answer for each filing in order.
async fn write_batch(
    db: &DatabaseConnection,
    jobs: &[FilingJob],
) -> AppResult<Vec<AppResult<(StatusCode, Value)>>> {
    let txn = db.begin().await?;
    let mut results = Vec::with_capacity(jobs.len());
    let mut fresh = Vec::with_capacity(jobs.len());
    for job in jobs {
        match &job.claim {
            None => {
                fresh.push(job);
                results.push(Ok((StatusCode::CREATED, job.body.clone())));
            }
            Some(c) => {
                let claimed = idempotency::claim_with_response(
                    &txn,
                    c.user_id,
                    "complaint_filing",
                    &c.key,
                    &c.fingerprint,
                    (StatusCode::CREATED, &job.body),
                    job.row.created_at,
                )
                .await;
                match claimed {
                    Ok(Claim::Fresh) => {
                        fresh.push(job);
                        results.push(Ok((StatusCode::CREATED, job.body.clone())));
                    }
                    Ok(Claim::Replay(status, body)) => results.push(Ok((status, body))),
                    Err(e) if e.code() == idempotency::KEY_REUSED => results.push(Err(e)),
                    Err(e) => return Err(e),
                }
            }
        }
    }
    if !fresh.is_empty() {
        complaint::Entity::insert_many(fresh.iter().map(|j| j.row.clone().into_active_model()))
            .exec_without_returning(&txn)
            .await?;
        complaint_event::Entity::insert_many(fresh.iter().map(|j| complaint_event::ActiveModel {
            id: Set(Uuid::now_v7()),
            complaint_id: Set(j.row.id),
            actor_id: Set(Some(j.row.complainant_id)),
            actor_role: Set("resident".to_owned()),
            kind: Set("filed".to_owned()),
            from_status: Set(None),
            to_status: Set(Some(j.row.status)),
            note: Set(None),
            internal: Set(false),
            created_at: Set(j.row.created_at),
        }))
        .exec_without_returning(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(results)
}
