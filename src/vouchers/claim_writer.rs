//! Voucher claims at flash-sale rates.
//!
//! One transaction per claim tops out near 3,000 a second on PostgreSQL
//! (FACTS §8), so each instance has one writer task that commits the claims
//! that arrived while its previous transaction was committing, together:
//!
//! 1. each claim gets the next slot of its user in the round, from what this
//!    instance has committed; claims beyond the per-user limit are refused;
//! 2. one conditional UPDATE takes stock for the rest: it grants
//!    `min(wanted, left)` and records what it granted in the same row, so
//!    it never oversells whatever other instances do at the same moment;
//! 3. the vouchers are inserted with `ON CONFLICT DO NOTHING RETURNING`.
//!    The unique (user, round, slot) key is the per-user limit across
//!    instances: a claim whose slot another instance took meanwhile is
//!    tried again in the next batch, with its stock handed back, and then
//!    the database is asked for the user's slots. The claim's
//!    `Idempotency-Key` is stored on its voucher under a unique (user, key)
//!    index, so a retry that gets this far loses there and is answered with
//!    the voucher of the first try;
//! 4. refused claims that carry a key are looked up the same way (a retry
//!    of a claim that succeeded gets its voucher, not `limit_reached`);
//! 5. the batch commits, and each claim is answered once the commit is
//!    durable (claim_answers.rs).
//!
//! Nothing is read before writing on the common path: a fresh claim costs
//! its share of one UPDATE and one multi-row INSERT.
//!
//! In front of the writer, `ClaimBook` (claim_book.rs) remembers rounds found sold out (for a second)
//! and users found at their limit (for good, slots are never given back),
//! so the rush after a sell-out is refused without touching the database.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};
use entity::{voucher, voucher_round};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QuerySelect, Statement, TransactionTrait,
};
use serde_json::json;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::campaigns::CampaignInfo;
use super::claim_answers::{Answers, Durability, Reply};
use super::claim_book::ClaimBook;
use super::claiming::{ClaimAnswer, replay};
use crate::error::{AppError, AppResult};
use crate::idempotency;
use crate::workers::runtime::{BatchQueue, Stop};

pub const SOLD_OUT: &str = "sold_out";
pub const LIMIT_REACHED: &str = "limit_reached";
const MAX_BATCH: usize = 1000;
/// A claim that lost a cross-instance race on its slot is tried this often.
const MAX_ATTEMPTS: u8 = 3;

pub fn sold_out() -> AppError {
    AppError::conflict(SOLD_OUT, "本轮消费券已领完")
}

pub fn limit_reached() -> AppError {
    AppError::conflict(LIMIT_REACHED, "本轮领取次数已达上限")
}

pub struct ClaimJob {
    pub campaign: Arc<CampaignInfo>,
    pub round_id: Uuid,
    /// The voucher to issue, its `claim_key` the request's Idempotency-Key;
    /// `slot` is decided by the writer.
    pub voucher: voucher::Model,
    /// The 201 body.
    pub body: Bytes,
    pub attempts: u8,
    pub reply: oneshot::Sender<AppResult<ClaimAnswer>>,
}

impl ClaimJob {
    fn per_user_limit(&self) -> i32 {
        self.campaign.campaign.per_user_limit
    }

    fn key(&self) -> Option<&str> {
        self.voucher.claim_key.as_deref()
    }
}

pub type ClaimWriter = mpsc::Sender<ClaimJob>;

pub type ClaimQueue = mpsc::Receiver<ClaimJob>;

pub fn channel() -> (ClaimWriter, ClaimQueue) {
    mpsc::channel(4 * MAX_BATCH)
}

/// The writer task (`workers` starts it): commits batches until stopped,
/// then commits and answers what is still queued. `durability` says when a
/// committed batch may be answered (`claim_answers`).
pub async fn run(
    db: DatabaseConnection,
    book: ClaimBook,
    queue: ClaimQueue,
    stop: Stop,
    durability: Durability,
) {
    let mut queue = BatchQueue::new(queue, stop, MAX_BATCH);
    let answers = Answers::new(durability);
    // Claims that lost a race with another instance go first in the next batch.
    let mut batch = Vec::new();
    while queue.fill(&mut batch).await {
        let mut replies = Vec::with_capacity(batch.len());
        batch = write(&db, &book, std::mem::take(&mut batch), &mut replies).await;
        answers.give(replies);
    }
    answers.finish().await;
}

/// What became of one claim in a batch.
enum Decision {
    Answer(AppResult<ClaimAnswer>),
    /// Issued in slot n.
    Issued(i32),
    /// Lost a race with another instance: try in the next batch.
    Again,
    /// The same key as an earlier claim of this batch: the same answer.
    SameAs(usize),
    /// If the claim's key is already on a voucher (a retry of a claim that
    /// succeeded), that voucher; otherwise this refusal, or another try.
    UnlessReplay(Option<AppError>),
}

struct BatchResult {
    decisions: Vec<Decision>,
    /// Stock left per round after the batch.
    left: Vec<(Uuid, i64)>,
}

/// Commits a batch and adds its answers to `replies`; returns the claims to
/// try again.
async fn write(
    db: &DatabaseConnection,
    book: &ClaimBook,
    batch: Vec<ClaimJob>,
    replies: &mut Vec<Reply>,
) -> Vec<ClaimJob> {
    let mut known = HashMap::with_capacity(batch.len());
    for job in &batch {
        let at = (job.round_id, job.voucher.user_id);
        known.insert(at, book.slots.get(&at).await.unwrap_or(0));
    }
    match commit(db, &batch, &known).await {
        Ok(result) => answer(book, batch, result, replies).await,
        // A batch that failed as a whole (a bad row, a lost connection) is
        // tried claim by claim, so one bad claim cannot fail the others.
        Err(_) if batch.len() > 1 => {
            let mut again = Vec::new();
            for job in batch {
                let one = vec![job];
                match commit(db, &one, &known).await {
                    Ok(result) => again.extend(answer(book, one, result, replies).await),
                    Err(e) => {
                        for job in one {
                            replies.push((job.reply, Err(e.clone_for_reply())));
                        }
                    }
                }
            }
            again
        }
        Err(e) => {
            for job in batch {
                replies.push((job.reply, Err(e.clone_for_reply())));
            }
            Vec::new()
        }
    }
}

async fn answer(
    book: &ClaimBook,
    batch: Vec<ClaimJob>,
    result: BatchResult,
    replies: &mut Vec<Reply>,
) -> Vec<ClaimJob> {
    for (round, left) in &result.left {
        book.stock_left(*round, *left).await;
    }
    // Answers of claims others copy (same key in the same batch).
    let mut given: HashMap<usize, AppResult<ClaimAnswer>> = HashMap::new();
    let mut again = Vec::new();
    let mut followers = Vec::new();
    for (i, (job, decision)) in batch.into_iter().zip(result.decisions).enumerate() {
        let reply = match decision {
            Decision::Issued(slot) => {
                book.holds(job.round_id, job.voucher.user_id, slot).await;
                Ok((StatusCode::CREATED, job.body.clone()))
            }
            Decision::Answer(reply) => {
                if matches!(&reply, Err(e) if e.code() == LIMIT_REACHED) {
                    book.holds(job.round_id, job.voucher.user_id, job.per_user_limit())
                        .await;
                }
                reply
            }
            Decision::Again if job.attempts + 1 < MAX_ATTEMPTS => {
                let mut job = job;
                job.attempts += 1;
                again.push(job);
                continue;
            }
            Decision::Again => Err(AppError::conflict("try_again", "领取人数过多，请稍后重试")),
            Decision::SameAs(first) => {
                followers.push((job, first));
                continue;
            }
            // Settled in `commit`; never left over.
            Decision::UnlessReplay(_) => Err(AppError::internal("unresolved voucher claim")),
        };
        given.insert(i, copy(&reply));
        replies.push((job.reply, reply));
    }
    for (job, first) in followers {
        let reply = match given.get(&first) {
            Some(reply) => copy(reply),
            // The first is being tried again: so is this one.
            None => {
                again.push(job);
                continue;
            }
        };
        replies.push((job.reply, reply));
    }
    again
}

fn copy(reply: &AppResult<ClaimAnswer>) -> AppResult<ClaimAnswer> {
    match reply {
        Ok((status, body)) => Ok((*status, body.clone())),
        Err(e) => Err(e.clone_for_reply()),
    }
}

/// `known`: the slot each (round, user) of the batch is known to hold.
async fn commit(
    db: &DatabaseConnection,
    jobs: &[ClaimJob],
    known: &HashMap<(Uuid, Uuid), i32>,
) -> AppResult<BatchResult> {
    let txn = db.begin().await?;
    let mut decisions: Vec<Option<Decision>> = (0..jobs.len()).map(|_| None).collect();
    same_key_twice(jobs, &mut decisions);

    let mut rounds: Vec<Uuid> = Vec::new();
    for (i, job) in jobs.iter().enumerate() {
        if decisions[i].is_none() && !rounds.contains(&job.round_id) {
            rounds.push(job.round_id);
        }
    }
    let mut left = Vec::with_capacity(rounds.len());
    for round in rounds {
        let members: Vec<usize> = (0..jobs.len())
            .filter(|i| decisions[*i].is_none() && jobs[*i].round_id == round)
            .collect();
        left.push((
            round,
            claim_in_round(&txn, jobs, &members, round, known, &mut decisions).await?,
        ));
    }
    replay_where_stored(&txn, jobs, &mut decisions).await?;
    txn.commit().await?;
    Ok(BatchResult {
        decisions: decisions
            .into_iter()
            .map(|d| d.unwrap_or(Decision::Again))
            .collect(),
        left,
    })
}

/// A key used twice in one batch (a double tap) is answered once.
fn same_key_twice(jobs: &[ClaimJob], decisions: &mut [Option<Decision>]) {
    let mut first_with: HashMap<(Uuid, &str), usize> = HashMap::new();
    for (i, job) in jobs.iter().enumerate() {
        let Some(key) = job.key() else { continue };
        match first_with.get(&(job.voucher.user_id, key)) {
            Some(first) => {
                decisions[i] = Some(
                    if jobs[*first].voucher.campaign_id == job.voucher.campaign_id {
                        Decision::SameAs(*first)
                    } else {
                        Decision::Answer(Err(idempotency::key_reused()))
                    },
                );
            }
            None => {
                first_with.insert((job.voucher.user_id, key), i);
            }
        }
    }
}

/// Claims that were refused or lost their insert and carry a key: if that
/// key is on a voucher already, they are retries of a claim that succeeded
/// and get its answer. Fresh claims never come here, so the common path
/// reads nothing before it writes.
async fn replay_where_stored(
    txn: &impl ConnectionTrait,
    jobs: &[ClaimJob],
    decisions: &mut [Option<Decision>],
) -> AppResult<()> {
    let mut pending: Vec<usize> = Vec::new();
    let mut pairs: Vec<(Uuid, &str)> = Vec::new();
    for (i, decision) in decisions.iter().enumerate() {
        if let (Some(Decision::UnlessReplay(_)), Some(key)) = (decision, jobs[i].key()) {
            pending.push(i);
            pairs.push((jobs[i].voucher.user_id, key));
        }
    }
    if pending.is_empty() {
        return Ok(());
    }
    pairs.sort_unstable();
    pairs.dedup();
    let mut stored: HashMap<(Uuid, String), voucher::Model> = HashMap::new();
    for chunk in pairs.chunks(1000) {
        for v in vouchers_with_keys(txn, chunk).await? {
            if let Some(key) = v.claim_key.clone() {
                stored.insert((v.user_id, key), v);
            }
        }
    }
    for i in pending {
        let job = &jobs[i];
        let found = job
            .key()
            .and_then(|key| stored.get(&(job.voucher.user_id, key.to_owned())));
        let fallback = match decisions[i].take() {
            Some(Decision::UnlessReplay(refusal)) => refusal,
            _ => None,
        };
        decisions[i] = Some(match (found, fallback) {
            (Some(v), _) => {
                Decision::Answer(replay(v, &job.campaign.campaign, job.voucher.claimed_at))
            }
            (None, Some(refusal)) => Decision::Answer(Err(refusal)),
            (None, None) => Decision::Again,
        });
    }
    Ok(())
}

/// The vouchers carrying these (user, key) pairs, looked up pair by pair:
/// with separate `user_id IN (…) AND claim_key IN (…)` lists SQLite probes
/// every combination.
pub async fn vouchers_with_keys(
    db: &impl ConnectionTrait,
    pairs: &[(Uuid, &str)],
) -> Result<Vec<voucher::Model>, DbErr> {
    let backend = db.get_database_backend();
    let mut values: Vec<sea_orm::Value> = Vec::with_capacity(2 * pairs.len());
    let mut rows = Vec::with_capacity(pairs.len());
    for (user, key) in pairs {
        let (a, b) = (values.len() + 1, values.len() + 2);
        rows.push(match backend {
            DatabaseBackend::Postgres => format!("(${a}::uuid, ${b})"),
            _ => format!("(?{a}, ?{b})"),
        });
        values.push((*user).into());
        values.push((*key).into());
    }
    let sql = format!(
        "SELECT * FROM vouchers WHERE (user_id, claim_key) IN (VALUES {})",
        rows.join(", ")
    );
    voucher::Entity::find()
        .from_raw_sql(Statement::from_sql_and_values(backend, sql, values))
        .all(db)
        .await
}

/// Steps 2–5 for the claims of one round; returns the stock left.
async fn claim_in_round(
    txn: &impl ConnectionTrait,
    jobs: &[ClaimJob],
    members: &[usize],
    round: Uuid,
    known: &HashMap<(Uuid, Uuid), i32>,
    decisions: &mut [Option<Decision>],
) -> AppResult<i64> {
    // The slot a user holds comes from what this instance has committed
    // (exact with one instance). A claim that then finds its slot taken (by
    // another instance, or a forgotten entry) is tried again, and for those
    // the database is asked.
    let asked: HashSet<Uuid> = members
        .iter()
        .filter(|i| jobs[**i].attempts > 0)
        .map(|i| jobs[*i].voucher.user_id)
        .collect();
    let mut next_slot = if asked.is_empty() {
        HashMap::new()
    } else {
        held_slots(txn, round, &asked).await?
    };
    for &i in members {
        let user = jobs[i].voucher.user_id;
        if !asked.contains(&user) {
            next_slot.insert(user, known.get(&(round, user)).copied().unwrap_or(0));
        }
    }
    let mut candidates: Vec<(usize, i32)> = Vec::with_capacity(members.len());
    for &i in members {
        let job = &jobs[i];
        let held = next_slot.entry(job.voucher.user_id).or_insert(0);
        if *held >= job.per_user_limit() {
            decisions[i] = Some(refuse(job, limit_reached()));
        } else {
            *held += 1;
            candidates.push((i, *held));
        }
    }
    if candidates.is_empty() {
        return stock_left(txn, round).await;
    }
    let wanted = i64::try_from(candidates.len()).unwrap_or(i64::MAX);
    let (granted, mut left) = take_stock(txn, round, wanted).await?;
    let granted = usize::try_from(granted).unwrap_or(0);
    for (i, _) in &candidates[granted.min(candidates.len())..] {
        decisions[*i] = Some(refuse(&jobs[*i], sold_out()));
    }
    let winners = &candidates[..granted.min(candidates.len())];
    if winners.is_empty() {
        return Ok(left);
    }

    let inserted = insert_vouchers(txn, jobs, winners).await?;
    let mut issued = 0;
    for &(i, slot) in winners {
        // Not inserted: its key is on a voucher already (a retry), or its
        // slot was taken meanwhile by another instance.
        decisions[i] = Some(if inserted.contains(&jobs[i].voucher.id) {
            issued += 1;
            Decision::Issued(slot)
        } else if jobs[i].key().is_some() {
            Decision::UnlessReplay(None)
        } else {
            Decision::Again
        });
    }
    let unused = winners.len() - issued;
    if unused > 0 {
        let back = i64::try_from(unused).unwrap_or(0);
        hand_back(txn, round, back).await?;
        left += back;
    }
    Ok(left)
}

/// A refusal, unless the claim turns out to be a retry (it has a key).
fn refuse(job: &ClaimJob, refusal: AppError) -> Decision {
    if job.key().is_some() {
        Decision::UnlessReplay(Some(refusal))
    } else {
        Decision::Answer(Err(refusal))
    }
}

/// Each user's highest slot in the round.
async fn held_slots(
    txn: &impl ConnectionTrait,
    round: Uuid,
    users: &HashSet<Uuid>,
) -> Result<HashMap<Uuid, i32>, DbErr> {
    let query = Query::select()
        .column(voucher::Column::UserId)
        .expr_as(Expr::col(voucher::Column::Slot).max(), "slot")
        .from(voucher::Entity)
        .and_where(Expr::col(voucher::Column::RoundId).eq(round))
        .and_where(Expr::col(voucher::Column::UserId).is_in(users.iter().copied()))
        .group_by_col(voucher::Column::UserId)
        .to_owned();
    let mut held = HashMap::with_capacity(users.len());
    for row in txn.query_all(&query).await? {
        held.insert(
            row.try_get::<Uuid>("", "user_id")?,
            row.try_get::<i32>("", "slot")?,
        );
    }
    Ok(held)
}

/// Grants `min(wanted, left)` in one statement; returns (granted, left after).
async fn take_stock(txn: &impl ConnectionTrait, round: Uuid, wanted: i64) -> AppResult<(i64, i64)> {
    let backend = txn.get_database_backend();
    // Every right-hand side reads the row as it was before this UPDATE. The
    // stock is `voucher_round::Model::stock_left` written out.
    let sql = match backend {
        DatabaseBackend::Postgres => {
            "UPDATE voucher_rounds \
             SET last_grant = LEAST($1, quantity + returned - carried_out - claimed), \
                 claimed = LEAST(quantity + returned - carried_out, claimed + $1) \
             WHERE id = $2 \
             RETURNING last_grant, quantity + returned - carried_out - claimed AS stock_left"
        }
        _ => {
            "UPDATE voucher_rounds \
             SET last_grant = MIN(?1, quantity + returned - carried_out - claimed), \
                 claimed = MIN(quantity + returned - carried_out, claimed + ?1) \
             WHERE id = ?2 \
             RETURNING last_grant, quantity + returned - carried_out - claimed AS stock_left"
        }
    };
    let row = txn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [wanted.into(), round.into()],
        ))
        .await?
        .ok_or_else(|| AppError::internal("voucher round vanished"))?;
    Ok((
        row.try_get::<i64>("", "last_grant")?,
        row.try_get::<i64>("", "stock_left")?,
    ))
}

async fn stock_left(txn: &impl ConnectionTrait, round: Uuid) -> AppResult<i64> {
    let r = voucher_round::Entity::find_by_id(round)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::internal("voucher round vanished"))?;
    Ok(r.stock_left())
}

async fn hand_back(txn: &impl ConnectionTrait, round: Uuid, count: i64) -> Result<(), DbErr> {
    voucher_round::Entity::update_many()
        .col_expr(
            voucher_round::Column::Claimed,
            Expr::col(voucher_round::Column::Claimed).sub(count),
        )
        .filter(voucher_round::Column::Id.eq(round))
        .exec(txn)
        .await?;
    Ok(())
}

/// Inserts the winners' vouchers; returns the ids that went in.
///
/// The rows travel as one JSON array in one parameter: the statement's text
/// is the same for every batch, so it is prepared once per connection, and
/// binding one text beats binding twelve values a row (a multi-row VALUES
/// statement was prepared afresh for each batch size and spent more time
/// being built and bound than SQLite spent writing).
async fn insert_vouchers(
    txn: &impl ConnectionTrait,
    jobs: &[ClaimJob],
    winners: &[(usize, i32)],
) -> AppResult<HashSet<Uuid>> {
    use sea_orm::ActiveEnum;
    use voucher::Column as C;
    let mut inserted = HashSet::with_capacity(winners.len());
    let backend = txn.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Postgres => INSERT_FROM_JSON_POSTGRES,
        _ => INSERT_FROM_JSON_SQLITE,
    };
    let at = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::AutoSi, false);
    let id = |u: Uuid| u.simple().to_string();
    let rows: Vec<_> = winners
        .iter()
        .map(|&(i, slot)| {
            let v = &jobs[i].voucher;
            json!([
                id(v.id),
                v.code,
                id(v.campaign_id),
                id(v.round_id),
                id(v.user_id),
                slot,
                v.status.to_value(),
                at(v.claimed_at),
                at(v.expires_at),
                v.used_at.map(at),
                v.returned_to_round.map(id),
                v.claim_key,
            ])
        })
        .collect();
    let rows = serde_json::to_string(&rows).map_err(AppError::internal)?;
    let count = txn
        .execute_raw(Statement::from_sql_and_values(backend, sql, [rows.into()]))
        .await?
        .rows_affected();
    let ids = winners.iter().map(|&(i, _)| jobs[i].voucher.id);
    // Counted rather than returned: SQLite hands back returned rows one
    // message at a time, and on the common path every row went in.
    if usize::try_from(count).ok() == Some(winners.len()) {
        inserted.extend(ids);
    } else {
        for chunk in ids.collect::<Vec<_>>().chunks(1000) {
            let present = voucher::Entity::find()
                .select_only()
                .column(C::Id)
                .filter(C::Id.is_in(chunk.iter().copied()))
                .into_tuple::<Uuid>()
                .all(txn)
                .await?;
            inserted.extend(present);
        }
    }
    Ok(inserted)
}

/// Columns in `voucher::Model` order; ids as hex (SQLite keeps UUIDs as
/// 16-byte blobs), times as sqlx writes them (RFC 3339).
const INSERT_FROM_JSON_SQLITE: &str = "INSERT INTO vouchers \
    (id, code, campaign_id, round_id, user_id, slot, status, claimed_at, expires_at, \
     used_at, returned_to_round, claim_key) \
    SELECT unhex(value ->> 0), value ->> 1, unhex(value ->> 2), unhex(value ->> 3), \
           unhex(value ->> 4), value ->> 5, value ->> 6, value ->> 7, value ->> 8, \
           value ->> 9, unhex(value ->> 10), value ->> 11 \
    FROM json_each(?1) WHERE true \
    ON CONFLICT DO NOTHING";

const INSERT_FROM_JSON_POSTGRES: &str = "INSERT INTO vouchers \
    (id, code, campaign_id, round_id, user_id, slot, status, claimed_at, expires_at, \
     used_at, returned_to_round, claim_key) \
    SELECT (r ->> 0)::uuid, r ->> 1, (r ->> 2)::uuid, (r ->> 3)::uuid, (r ->> 4)::uuid, \
           (r ->> 5)::int, r ->> 6, (r ->> 7)::timestamptz, (r ->> 8)::timestamptz, \
           (r ->> 9)::timestamptz, (r ->> 10)::uuid, r ->> 11 \
    FROM jsonb_array_elements($1::jsonb) AS r \
    ON CONFLICT DO NOTHING";
