//! Console sign-in by scanning (扫码登录).
//!
//! 1. The console creates a ticket and shows `qr_payload` as a QR code; it
//!    keeps the poll secret to itself, so a photographed code is worth nothing.
//! 2. A staff member scans it with the mini-program, where they are logged
//!    in, and approves it (an audit event).
//! 3. The console polls with its secret; the first read after approval
//!    consumes the ticket and carries the session, later reads never do.
//!
//! Every step is one conditional UPDATE, so two instances (or a double tap)
//! cannot approve twice or hand out two sessions.

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use entity::console_ticket;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::dto::{ConsoleTicketCreated, ConsoleTicketStatus, ConsoleTicketView};
use super::principal::{Principal, Role};
use super::service::{self, Identity};
use crate::audit::{self, Entry};
use crate::error::{AppError, AppResult};

/// How long a ticket can be scanned and its session collected.
pub const TICKET_TTL: Duration = Duration::minutes(2);
/// Tickets are deleted this long after they expire (the retention job).
pub const KEEP_EXPIRED: Duration = Duration::hours(1);
/// What the mini-program recognises as a console sign-in code.
pub const QR_PREFIX: &str = "yuhui-console:";

pub const NOT_STAFF: &str = "not_staff";
pub const TICKET_EXPIRED: &str = "ticket_expired";
pub const TICKET_USED: &str = "ticket_used";
pub const APPROVED_ACTION: &str = "console_sign_in_approved";

/// Where a ticket stands at `now`.
pub fn status_of(t: &console_ticket::Model, now: DateTime<Utc>) -> ConsoleTicketStatus {
    if t.consumed_at.is_some() {
        ConsoleTicketStatus::Consumed
    } else if now >= t.expires_at {
        ConsoleTicketStatus::Expired
    } else if t.approved_at.is_some() {
        ConsoleTicketStatus::Approved
    } else {
        ConsoleTicketStatus::Pending
    }
}

/// Console staff are those with a role beyond resident.
pub fn is_staff(p: &Principal) -> bool {
    [Role::Merchant, Role::Handler, Role::Admin]
        .into_iter()
        .any(|r| p.has_role(r))
}

fn secret_hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// 244 random bits from the OS generator (two UUID v4), URL-safe.
fn new_secret() -> String {
    let mut bytes = Vec::with_capacity(32);
    bytes.extend_from_slice(Uuid::new_v4().as_bytes());
    bytes.extend_from_slice(Uuid::new_v4().as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub async fn create(id: &Identity) -> AppResult<ConsoleTicketCreated> {
    let now = id.clock.now();
    let ticket = Uuid::new_v4();
    let poll_secret = new_secret();
    let expires_at = now + TICKET_TTL;
    console_ticket::Entity::insert(console_ticket::ActiveModel {
        id: Set(ticket),
        poll_secret_hash: Set(secret_hash(&poll_secret)),
        created_at: Set(now),
        expires_at: Set(expires_at),
        approved_by: Set(None),
        approved_at: Set(None),
        consumed_at: Set(None),
    })
    .exec(&id.db)
    .await?;
    Ok(ConsoleTicketCreated {
        ticket,
        poll_secret,
        qr_payload: format!("{QR_PREFIX}{ticket}"),
        expires_at,
    })
}

/// The mini-program approves a scanned ticket for its logged-in user.
pub async fn approve(id: &Identity, approver: &Principal, ticket: Uuid) -> AppResult<()> {
    if !is_staff(approver) {
        return Err(AppError::new(
            actix_web::http::StatusCode::FORBIDDEN,
            NOT_STAFF,
            "仅商户、处理人员和管理员可以登录管理后台",
        ));
    }
    let now = id.clock.now();
    let txn = id.db.begin().await?;
    let approved = console_ticket::Entity::update_many()
        .col_expr(
            console_ticket::Column::ApprovedBy,
            Expr::value(approver.user_id),
        )
        .col_expr(console_ticket::Column::ApprovedAt, Expr::value(now))
        .filter(console_ticket::Column::Id.eq(ticket))
        .filter(console_ticket::Column::ApprovedAt.is_null())
        .filter(console_ticket::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?
        .rows_affected;
    if approved == 0 {
        let found = console_ticket::Entity::find_by_id(ticket).one(&txn).await?;
        return Err(match found {
            None => AppError::not_found("登录二维码不存在"),
            Some(t) if t.approved_at.is_some() => {
                AppError::conflict(TICKET_USED, "该登录二维码已被使用")
            }
            Some(_) => AppError::new(
                actix_web::http::StatusCode::GONE,
                TICKET_EXPIRED,
                "登录二维码已过期，请刷新后重新扫码",
            ),
        });
    }
    let role = approver.roles.last().map_or("resident", |r| r.as_str());
    audit::record(
        &txn,
        now,
        Entry {
            actor_id: Some(approver.user_id),
            actor_role: role,
            action: APPROVED_ACTION,
            object_type: "console_ticket",
            object_id: Some(ticket),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The console's poll: the status, and the session on the first read after
/// approval. A wrong or missing secret is the same as no ticket.
pub async fn poll(
    id: &Identity,
    ticket: Uuid,
    secret: Option<&str>,
) -> AppResult<ConsoleTicketView> {
    let unknown = || AppError::not_found("登录二维码不存在");
    let found = console_ticket::Entity::find_by_id(ticket)
        .one(&id.db)
        .await?
        .ok_or_else(unknown)?;
    let given = secret.map(secret_hash).ok_or_else(unknown)?;
    if !constant_time_eq(given.as_bytes(), found.poll_secret_hash.as_bytes()) {
        return Err(unknown());
    }
    let now = id.clock.now();
    let status = status_of(&found, now);
    let (ConsoleTicketStatus::Approved, Some(user_id)) = (status, found.approved_by) else {
        return Ok(ConsoleTicketView::without_session(status));
    };
    let consumed = console_ticket::Entity::update_many()
        .col_expr(console_ticket::Column::ConsumedAt, Expr::value(now))
        .filter(console_ticket::Column::Id.eq(ticket))
        .filter(console_ticket::Column::ConsumedAt.is_null())
        .exec(&id.db)
        .await?
        .rows_affected;
    if consumed == 0 {
        // Another poll got there first: it carried the session.
        return Ok(ConsoleTicketView::without_session(
            ConsoleTicketStatus::Consumed,
        ));
    }
    let session = service::session_for(id, user_id).await?;
    Ok(ConsoleTicketView {
        status: ConsoleTicketStatus::Approved,
        token: Some(session.token),
        expires_at: Some(session.expires_at),
        user: Some(session.user),
    })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Deletes tickets expired for longer than `KEEP_EXPIRED`.
pub async fn purge_expired(
    db: &impl sea_orm::ConnectionTrait,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    Ok(console_ticket::Entity::delete_many()
        .filter(console_ticket::Column::ExpiresAt.lt(now - KEEP_EXPIRED))
        .exec(db)
        .await?
        .rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(now: DateTime<Utc>) -> console_ticket::Model {
        console_ticket::Model {
            id: Uuid::new_v4(),
            poll_secret_hash: secret_hash("s"),
            created_at: now,
            expires_at: now + TICKET_TTL,
            approved_by: None,
            approved_at: None,
            consumed_at: None,
        }
    }

    #[test]
    fn a_ticket_goes_pending_approved_consumed_or_expires() {
        let now = Utc::now();
        let mut t = ticket(now);
        assert_eq!(status_of(&t, now), ConsoleTicketStatus::Pending);
        assert_eq!(
            status_of(&t, now + TICKET_TTL),
            ConsoleTicketStatus::Expired
        );
        t.approved_at = Some(now);
        assert_eq!(status_of(&t, now), ConsoleTicketStatus::Approved);
        // A session not collected in time is not handed out later.
        assert_eq!(
            status_of(&t, now + TICKET_TTL),
            ConsoleTicketStatus::Expired
        );
        t.consumed_at = Some(now);
        assert_eq!(
            status_of(&t, now + TICKET_TTL),
            ConsoleTicketStatus::Consumed
        );
    }

    #[test]
    fn only_roles_beyond_resident_are_staff() {
        let resident = Principal::new(Uuid::now_v7(), &[], vec![], vec![]);
        assert!(!is_staff(&resident));
        let handler = Principal::new(
            Uuid::now_v7(),
            &[Role::Handler],
            vec![],
            vec!["500103".into()],
        );
        assert!(is_staff(&handler));
        // A merchant role without an approved merchant is no role.
        let lapsed = Principal::new(Uuid::now_v7(), &[Role::Merchant], vec![], vec![]);
        assert!(!is_staff(&lapsed));
    }

    #[test]
    fn secrets_are_long_random_and_compared_by_hash() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(constant_time_eq(
            secret_hash(&a).as_bytes(),
            secret_hash(&a).as_bytes()
        ));
        assert!(!constant_time_eq(
            secret_hash(&a).as_bytes(),
            secret_hash(&b).as_bytes()
        ));
    }
}
