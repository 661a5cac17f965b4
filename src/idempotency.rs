//! `Idempotency-Key`: a retry with the same key and body gets the first
//! response; the same key with another body is 422 `idempotency_key_reused`.
//!
//! The key is claimed, with the answer, by inserting its row in the
//! transaction that does the work, so the database decides between concurrent retries on any
//! instance: the second one waits for the first to commit and then replays
//! its answer. If the work fails the transaction rolls back and the key is
//! free again, so a retry after a failure does the work anew.

use actix_web::HttpRequest;
use actix_web::http::StatusCode;
use entity::idempotency_key;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DatabaseTransaction, EntityTrait};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

pub const HEADER: &str = "Idempotency-Key";
pub const KEY_REUSED: &str = "idempotency_key_reused";

/// The header's value, if any; 400 when it is unusable.
pub fn key_from(req: &HttpRequest) -> AppResult<Option<String>> {
    let Some(value) = req.headers().get(HEADER) else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .map_err(|_| AppError::bad_request("Idempotency-Key 须为可见 ASCII 字符"))?
        .trim();
    if key.is_empty() || key.len() > 128 {
        return Err(AppError::bad_request("Idempotency-Key 长度须为 1 到 128"));
    }
    Ok(Some(key.to_owned()))
}

pub fn fingerprint(body: &impl serde::Serialize) -> String {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let digest = Sha256::digest(&bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

pub enum Claim {
    /// First use: do the work in the same transaction.
    Fresh,
    /// Seen before with the same body: answer this.
    Replay(StatusCode, serde_json::Value),
}

/// Claims `key` storing the response at once, for work whose answer is
/// known before it is done. A replay or a mismatch is answered as by `claim`.
pub async fn claim_with_response(
    txn: &impl ConnectionTrait,
    user_id: Uuid,
    scope: &str,
    key: &str,
    request_hash: &str,
    (status, body): (StatusCode, &serde_json::Value),
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Claim> {
    let inserted = idempotency_key::Entity::insert(idempotency_key::ActiveModel {
        user_id: Set(user_id),
        scope: Set(scope.to_owned()),
        key: Set(key.to_owned()),
        request_hash: Set(request_hash.to_owned()),
        response_status: Set(i32::from(status.as_u16())),
        response_body: Set(body.to_string()),
        created_at: Set(now),
    })
    .on_conflict_do_nothing_on([
        idempotency_key::Column::UserId,
        idempotency_key::Column::Scope,
        idempotency_key::Column::Key,
    ])
    .exec_without_returning(txn)
    .await?;
    if matches!(inserted, sea_orm::TryInsertResult::Inserted(n) if n > 0) {
        return Ok(Claim::Fresh);
    }
    replay(txn, user_id, scope, key, request_hash).await
}

/// Who is retrying what: the caller, the endpoint's scope, the key, and
/// the fingerprint of the body.
pub struct Retry<'a> {
    pub user_id: Uuid,
    pub scope: &'a str,
    pub key: Option<&'a str>,
    pub request_hash: &'a str,
}

impl Retry<'_> {
    /// The answer stored under the key, if there is a key and it was used.
    pub async fn stored(
        &self,
        db: &impl ConnectionTrait,
    ) -> AppResult<Option<(StatusCode, serde_json::Value)>> {
        match self.key {
            Some(key) => stored(db, self.user_id, self.scope, key, self.request_hash).await,
            None => Ok(None),
        }
    }
}

/// Finishes work done in `txn` whose answer is `answer`: claims the key (if
/// any) in the same transaction and commits, or, when a concurrent request
/// with the key committed first, rolls back and answers as that one did.
pub async fn commit_answer(
    txn: DatabaseTransaction,
    retry: &Retry<'_>,
    answer: (StatusCode, serde_json::Value),
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<(StatusCode, serde_json::Value)> {
    if let Some(key) = retry.key
        && let Claim::Replay(status, stored) = claim_with_response(
            &txn,
            retry.user_id,
            retry.scope,
            key,
            retry.request_hash,
            (answer.0, &answer.1),
            now,
        )
        .await?
    {
        txn.rollback().await?;
        return Ok((status, stored));
    }
    txn.commit().await?;
    Ok(answer)
}

async fn replay(
    txn: &impl ConnectionTrait,
    user_id: Uuid,
    scope: &str,
    key: &str,
    request_hash: &str,
) -> AppResult<Claim> {
    let (status, body) = stored(txn, user_id, scope, key, request_hash)
        .await?
        .ok_or_else(|| AppError::internal("idempotency key vanished"))?;
    Ok(Claim::Replay(status, body))
}

/// The answer stored under `key`, if any: for work whose answer is only
/// known inside its transaction, to answer a retry before starting it.
pub async fn stored(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    scope: &str,
    key: &str,
    request_hash: &str,
) -> AppResult<Option<(StatusCode, serde_json::Value)>> {
    idempotency_key::Entity::find_by_id((user_id, scope.to_owned(), key.to_owned()))
        .one(db)
        .await?
        .map(|row| replay_row(&row, request_hash))
        .transpose()
}

/// The stored answer, if the retry carries the same body.
fn replay_row(
    stored: &idempotency_key::Model,
    request_hash: &str,
) -> AppResult<(StatusCode, serde_json::Value)> {
    if stored.request_hash != request_hash {
        return Err(key_reused());
    }
    let status = StatusCode::from_u16(stored.response_status as u16).unwrap_or(StatusCode::OK);
    let body = serde_json::from_str(&stored.response_body).unwrap_or(serde_json::Value::Null);
    Ok((status, body))
}

pub fn key_reused() -> AppError {
    AppError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        KEY_REUSED,
        "该 Idempotency-Key 已用于另一请求",
    )
}

/// How long a key is kept: a retry later than this is a new request.
pub const RETENTION_DAYS: i64 = 7;

/// Deletes keys older than the retention; returns how many went.
pub async fn purge_expired(
    db: &impl ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<u64> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let cutoff = now - chrono::Duration::days(RETENTION_DAYS);
    Ok(idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::CreatedAt.lt(cutoff))
        .exec(db)
        .await?
        .rows_affected)
}

/// Background job: idempotency keys past their retention are deleted, and
/// console sign-in tickets an hour after they expired (audit events are
/// kept: nothing deletes them).
pub struct IdempotencyRetention {
    pub db: sea_orm::DatabaseConnection,
    pub clock: crate::clock::Clock,
    pub every: std::time::Duration,
}

impl crate::workers::runtime::Periodic for IdempotencyRetention {
    const NAME: &'static str = "idempotency retention";
    fn every(&self) -> std::time::Duration {
        self.every
    }
    async fn run_once(&self) -> AppResult<usize> {
        let now = self.clock.now();
        let purged = purge_expired(&self.db, now).await?
            + crate::auth::console_sign_in::purge_expired(&self.db, now).await?;
        Ok(usize::try_from(purged).unwrap_or(usize::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_follow_the_body() {
        let a = fingerprint(&serde_json::json!({"a": 1}));
        assert_eq!(a, fingerprint(&serde_json::json!({"a": 1})));
        assert_ne!(a, fingerprint(&serde_json::json!({"a": 2})));
        assert_eq!(a.len(), 64);
    }
}
