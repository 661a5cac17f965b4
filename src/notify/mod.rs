//! WeChat subscribe messages through an outbox. A change writes its message
//! in its own transaction (`enqueue`); a background worker on every instance
//! delivers due messages with retries and backoff, so a WeChat outage delays
//! messages but loses none. Delivery is at least once: a crash between
//! WeChat's answer and the row update can send a message twice.

pub mod template;

use entity::status::OutboxStatus;
use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::outbox;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::error::AppResult;
use crate::wechat::{WechatClient, WechatError};
use crate::workers::runtime::Periodic;

/// errcode 43101: the user has not subscribed to this template. A normal
/// outcome: recorded, never retried.
const NOT_SUBSCRIBED_ERRCODE: i64 = 43101;
const MAX_ATTEMPTS: i32 = 12;
const BATCH: u64 = 50;
/// How long a worker holds a message it is sending.
const CLAIM_SECONDS: i64 = 60;

/// Queues a message in the caller's transaction. Scheduling uses the wall
/// clock, not the business clock: retries are about WeChat's uptime.
pub async fn enqueue(
    txn: &impl ConnectionTrait,
    kind: &str,
    recipient_openid: &str,
    payload: &serde_json::Value,
) -> Result<(), sea_orm::DbErr> {
    enqueue_about(txn, kind, recipient_openid, payload, None).await
}

/// Queues a message about an object (a case), so whoever must know that it
/// was delivered can ask the outbox.
pub async fn enqueue_about(
    txn: &impl ConnectionTrait,
    kind: &str,
    recipient_openid: &str,
    payload: &serde_json::Value,
    subject_id: Option<Uuid>,
) -> Result<(), sea_orm::DbErr> {
    let now = Utc::now();
    outbox::Entity::insert(outbox::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(kind.to_owned()),
        recipient: Set(recipient_openid.to_owned()),
        payload: Set(payload.to_string()),
        status: Set(OutboxStatus::Pending),
        attempts: Set(0),
        next_attempt_at: Set(now),
        claimed_until: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
        subject_id: Set(subject_id),
    })
    .exec(txn)
    .await?;
    Ok(())
}

/// Backoff before attempt `attempts + 1`: base × 2^attempts, at most an hour.
pub fn backoff(base: Duration, attempts: i32) -> Duration {
    let factor = 1u32 << attempts.clamp(0, 16);
    base.saturating_mul(factor).min(Duration::from_secs(3600))
}

/// The outbox sender of one instance: every instance drains the same
/// table, each message claimed before it is sent.
pub struct OutboxSender {
    pub db: DatabaseConnection,
    pub wechat: WechatClient,
    /// First retry delay of a failed message; doubles each attempt.
    pub retry_base: Duration,
    pub every: Duration,
}

impl Periodic for OutboxSender {
    const NAME: &'static str = "outbox sender";
    fn every(&self) -> Duration {
        self.every
    }
    async fn run_once(&self) -> AppResult<usize> {
        Ok(deliver_due(self).await?)
    }
}

/// Sends what is due; returns how many messages were settled this round.
pub async fn deliver_due(sender: &OutboxSender) -> Result<usize, sea_orm::DbErr> {
    let now = Utc::now();
    let due = outbox::Entity::find()
        .filter(outbox::Column::Status.eq(OutboxStatus::Pending))
        .filter(outbox::Column::NextAttemptAt.lte(now))
        .order_by_asc(outbox::Column::NextAttemptAt)
        .limit(BATCH)
        .all(&sender.db)
        .await?;
    let mut settled = 0;
    for message in due {
        if !claim(sender, &message, now).await? {
            continue; // another instance has it
        }
        let payload: serde_json::Value = serde_json::from_str(&message.payload).unwrap_or_default();
        let result = sender.wechat.send_subscribe_message(&payload).await;
        settled += record(sender, &message, result, Utc::now()).await? as usize;
    }
    Ok(settled)
}

async fn claim(
    sender: &OutboxSender,
    message: &outbox::Model,
    now: DateTime<Utc>,
) -> Result<bool, sea_orm::DbErr> {
    let until = now + chrono::Duration::seconds(CLAIM_SECONDS);
    let claimed = outbox::Entity::update_many()
        .col_expr(outbox::Column::ClaimedUntil, Expr::value(Some(until)))
        .filter(outbox::Column::Id.eq(message.id))
        .filter(outbox::Column::Status.eq(OutboxStatus::Pending))
        .filter(
            outbox::Column::ClaimedUntil
                .is_null()
                .or(outbox::Column::ClaimedUntil.lt(now)),
        )
        .exec(&sender.db)
        .await?;
    Ok(claimed.rows_affected == 1)
}

/// Records the outcome; true when the message will not be tried again.
async fn record(
    sender: &OutboxSender,
    message: &outbox::Model,
    result: Result<(), WechatError>,
    now: DateTime<Utc>,
) -> Result<bool, sea_orm::DbErr> {
    let attempts = message.attempts + 1;
    let (status, error, next) = match result {
        Ok(()) => (OutboxStatus::Sent, None, now),
        Err(WechatError::Api { errcode, .. }) if errcode == NOT_SUBSCRIBED_ERRCODE => (
            OutboxStatus::NotSubscribed,
            Some(format!("errcode {errcode}")),
            now,
        ),
        Err(e) => {
            let wait = backoff(sender.retry_base, message.attempts);
            let next = now
                + chrono::Duration::from_std(wait).unwrap_or_else(|_| chrono::Duration::hours(1));
            let status = if attempts >= MAX_ATTEMPTS {
                OutboxStatus::Failed
            } else {
                OutboxStatus::Pending
            };
            if status == OutboxStatus::Failed {
                tracing::error!(message_id = %message.id, error = %e, "notification given up");
            } else {
                tracing::warn!(message_id = %message.id, error = %e, attempts, "notification will be retried");
            }
            (status, Some(e.to_string()), next)
        }
    };
    outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(status))
        .col_expr(outbox::Column::Attempts, Expr::value(attempts))
        .col_expr(outbox::Column::LastError, Expr::value(error))
        .col_expr(outbox::Column::NextAttemptAt, Expr::value(next))
        .col_expr(
            outbox::Column::ClaimedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            outbox::Column::SentAt,
            Expr::value((status == OutboxStatus::Sent).then_some(now)),
        )
        .filter(outbox::Column::Id.eq(message.id))
        .exec(&sender.db)
        .await?;
    Ok(status != OutboxStatus::Pending)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let base = Duration::from_secs(2);
        assert_eq!(backoff(base, 0), Duration::from_secs(2));
        assert_eq!(backoff(base, 3), Duration::from_secs(16));
        assert_eq!(backoff(base, 20), Duration::from_secs(3600));
    }
}
