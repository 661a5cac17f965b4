//! Answering a committed claim batch once it is on disk, without holding up
//! the next batch.
//!
//! With SQLite's `synchronous=FULL` each commit waits until its log reaches
//! the disk (about 4 ms here, a third of a batch's time), and the claim
//! writer can do nothing else meanwhile. Its own connection therefore
//! commits with `synchronous=NORMAL` (the log is written, not yet synced)
//! and hands the batch's answers here: a thread syncs the log file, then
//! answers, while the writer already commits the next batch. One sync covers
//! every batch committed before it started. A claim is still acknowledged
//! only once it would survive a power cut.
//!
//! On PostgreSQL, or when SQLite runs with `synchronous=NORMAL` by choice,
//! a commit is as durable as it is going to be and answers go out at once.

use std::path::PathBuf;
use std::sync::mpsc;
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use super::claiming::ClaimAnswer;
use crate::error::{AppError, AppResult};

/// One claim's answer and where it goes.
pub type Reply = (
    oneshot::Sender<AppResult<ClaimAnswer>>,
    AppResult<ClaimAnswer>,
);

/// When a committed batch may be answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Durability {
    /// The commit itself made it durable.
    AtCommit,
    /// Once this SQLite log (`…-wal`) has been synced.
    AfterLogSync(PathBuf),
}

pub struct Answers {
    queue: Option<mpsc::Sender<Vec<Reply>>>,
    syncer: Option<JoinHandle<()>>,
    /// The log to sync before each answer when the thread could not start.
    sync_inline: Option<PathBuf>,
}

impl Answers {
    pub fn new(durability: Durability) -> Self {
        let Durability::AfterLogSync(log) = durability else {
            return Self {
                queue: None,
                syncer: None,
                sync_inline: None,
            };
        };
        let (queue, batches) = mpsc::channel();
        let for_thread = log.clone();
        let syncer = std::thread::Builder::new()
            .name("claim-log-sync".into())
            .spawn(move || sync_then_answer(&for_thread, &batches));
        match syncer {
            Ok(syncer) => Self {
                queue: Some(queue),
                syncer: Some(syncer),
                sync_inline: None,
            },
            // Without the thread the writer syncs after each commit itself.
            Err(e) => {
                tracing::error!(error = %e, "cannot start the claim log sync thread");
                Self {
                    queue: None,
                    syncer: None,
                    sync_inline: Some(log),
                }
            }
        }
    }

    /// Answers a committed batch, now or once its log is on disk.
    pub fn give(&self, replies: Vec<Reply>) {
        match &self.queue {
            Some(queue) => {
                if let Err(mpsc::SendError(replies)) = queue.send(replies) {
                    answer_all(replies, Err(AppError::internal("claim log sync stopped")));
                }
            }
            None => match &self.sync_inline {
                Some(log) => answer_all(replies, sync(log)),
                None => answer_all(replies, Ok(())),
            },
        }
    }

    /// Waits until every batch given has been answered.
    pub async fn finish(mut self) {
        self.queue = None;
        if let Some(syncer) = self.syncer.take() {
            let _ = tokio::task::spawn_blocking(move || syncer.join()).await;
        }
    }
}

fn sync_then_answer(log: &std::path::Path, batches: &mpsc::Receiver<Vec<Reply>>) {
    while let Ok(first) = batches.recv() {
        let mut pending = vec![first];
        pending.extend(batches.try_iter());
        let synced = sync(log);
        for replies in pending {
            let outcome = match &synced {
                Ok(()) => Ok(()),
                Err(e) => Err(e.clone_for_reply()),
            };
            answer_all(replies, outcome);
        }
    }
}

/// Syncs the log file, opened afresh each time (the connection may have
/// replaced it).
fn sync(log: &std::path::Path) -> AppResult<()> {
    std::fs::File::open(log)
        .and_then(|f| f.sync_data())
        .map_err(|e| {
            tracing::error!(error = %e, log = %log.display(), "syncing the claim log failed");
            AppError::internal("claim log sync failed")
        })
}

/// Sends each reply; a failed sync turns them into errors (the claims may be
/// committed: a retry with the same Idempotency-Key gets its voucher).
fn answer_all(replies: Vec<Reply>, outcome: AppResult<()>) {
    for (to, reply) in replies {
        let reply = match &outcome {
            Ok(()) => reply,
            Err(e) => Err(e.clone_for_reply()),
        };
        let _ = to.send(reply);
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::StatusCode;
    use actix_web::web::Bytes;

    use super::*;

    fn claim() -> (Reply, oneshot::Receiver<AppResult<ClaimAnswer>>) {
        let (to, answer) = oneshot::channel();
        (
            (to, Ok((StatusCode::CREATED, Bytes::from_static(b"{}")))),
            answer,
        )
    }

    #[actix_web::test]
    async fn answers_after_the_log_is_synced() {
        let dir = std::env::temp_dir().join(format!("yuhui-log-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let log = dir.join("claims.db-wal");
        std::fs::write(&log, b"frames").expect("log file");
        let answers = Answers::new(Durability::AfterLogSync(log));
        let (first, first_answer) = claim();
        let (second, second_answer) = claim();
        answers.give(vec![first]);
        answers.give(vec![second]);
        answers.finish().await;
        for answer in [first_answer, second_answer] {
            let (status, _) = answer.await.expect("answered").expect("a 201");
            assert_eq!(status, StatusCode::CREATED);
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    #[actix_web::test]
    async fn a_log_that_cannot_be_synced_fails_the_claims_it_holds() {
        let missing = std::env::temp_dir().join(format!("yuhui-no-log-{}", uuid::Uuid::new_v4()));
        let answers = Answers::new(Durability::AfterLogSync(missing));
        let (reply, answer) = claim();
        answers.give(vec![reply]);
        answers.finish().await;
        let err = answer
            .await
            .expect("answered")
            .expect_err("not acknowledged");
        assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[actix_web::test]
    async fn a_durable_commit_is_answered_at_once() {
        let answers = Answers::new(Durability::AtCommit);
        let (reply, mut answer) = claim();
        answers.give(vec![reply]);
        assert!(answer.try_recv().is_ok());
        answers.finish().await;
    }
}
