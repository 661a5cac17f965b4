//! Voucher claims at flash-sale rates.
//!
//! One transaction per claim tops out near 3,000 a second on PostgreSQL
//! (FACTS §8), so each instance has one writer task that commits the claims
//! that arrived while its previous transaction was committing, together:
//!
//! 1. idempotency keys already stored are answered from the store;
//! 2. each user's next slot in the round is read for the whole batch, and
//!    claims beyond the per-user limit are refused;
//! 3. one conditional UPDATE takes stock for the rest: it grants
//!    `min(wanted, left)` and records what it granted in the same row, so
//!    it never oversells whatever other instances do at the same moment;
//! 4. the vouchers are inserted with `ON CONFLICT DO NOTHING RETURNING`:
//!    the unique (round, user, slot) key is the per-user limit across
//!    instances, and a claim that lost a race there is tried again in the
//!    next batch, with its stock handed back;
//! 5. idempotency keys are stored with their answers, and the batch commits.
//!
//! Every claim is answered only after its batch has committed. In front of
//! the writer, `ClaimBook` remembers rounds found sold out (for a second)
//! and users found at their limit (for good, slots are never given back),
//! so the rush after a sell-out is refused without touching the database.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use actix_web::http::StatusCode;
use entity::{idempotency_key, voucher, voucher_round};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, Statement, TransactionTrait,
};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::idempotency;

pub const SCOPE: &str = "voucher_claim";
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
    pub round_id: Uuid,
    pub per_user_limit: i32,
    pub key: Option<ClaimKey>,
    /// The voucher to issue; `slot` is decided by the writer.
    pub voucher: voucher::Model,
    /// The 201 body, stored with the idempotency key.
    pub body: Value,
    pub attempts: u8,
    pub reply: oneshot::Sender<AppResult<(StatusCode, Value)>>,
}

pub struct ClaimKey {
    pub key: String,
    pub fingerprint: String,
}

/// What this instance has learnt from committed batches.
#[derive(Clone)]
pub struct ClaimBook {
    sold_out: moka::future::Cache<Uuid, ()>,
    /// (round, user) → highest slot the user holds in the round.
    slots: moka::future::Cache<(Uuid, Uuid), i32>,
}

impl ClaimBook {
    pub fn new() -> Self {
        Self {
            // Stock can come back (expired vouchers, races handed back), so
            // a sold-out round is asked about again after a second.
            sold_out: moka::future::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(Duration::from_secs(1))
                .build(),
            slots: moka::future::Cache::builder()
                .max_capacity(2_000_000)
                .time_to_idle(Duration::from_secs(24 * 3600))
                .build(),
        }
    }

    /// The refusal this instance already knows the answer to, if any.
    pub async fn refusal(&self, round: Uuid, user: Uuid, limit: i32) -> Option<AppError> {
        if self.slots.get(&(round, user)).await.unwrap_or(0) >= limit {
            return Some(limit_reached());
        }
        if self.sold_out.contains_key(&round) {
            return Some(sold_out());
        }
        None
    }

    async fn holds(&self, round: Uuid, user: Uuid, slot: i32) {
        let known = self.slots.get(&(round, user)).await.unwrap_or(0);
        if slot > known {
            self.slots.insert((round, user), slot).await;
        }
    }

    async fn stock_left(&self, round: Uuid, left: i64) {
        if left <= 0 {
            self.sold_out.insert(round, ()).await;
        } else {
            self.sold_out.invalidate(&round).await;
        }
    }
}

impl Default for ClaimBook {
    fn default() -> Self {
        Self::new()
    }
}

pub type ClaimWriter = mpsc::Sender<ClaimJob>;

/// Starts the writer task (inside the actix runtime).
pub fn spawn(db: DatabaseConnection, book: ClaimBook) -> ClaimWriter {
    let (tx, mut rx) = mpsc::channel::<ClaimJob>(4 * MAX_BATCH);
    actix_web::rt::spawn(async move {
        let mut again: Vec<ClaimJob> = Vec::new();
        loop {
            let mut batch = std::mem::take(&mut again);
            if batch.is_empty() {
                match rx.recv().await {
                    Some(job) => batch.push(job),
                    None => break,
                }
            }
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            again = write(&db, &book, batch).await;
        }
    });
    tx
}

/// What became of one claim in a batch.
enum Decision {
    Answer(AppResult<(StatusCode, Value)>),
    /// Issued in slot n.
    Issued(i32),
    /// Lost a race with another instance: try in the next batch.
    Again,
    /// The same key as an earlier claim of this batch: the same answer.
    SameAs(usize),
}

struct BatchResult {
    decisions: Vec<Decision>,
    /// Stock left per round after the batch.
    left: Vec<(Uuid, i64)>,
}

/// Commits a batch and answers it; returns the claims to try again.
async fn write(db: &DatabaseConnection, book: &ClaimBook, batch: Vec<ClaimJob>) -> Vec<ClaimJob> {
    match commit(db, &batch).await {
        Ok(result) => answer(book, batch, result).await,
        // A batch that failed as a whole (a bad row, a lost connection) is
        // tried claim by claim, so one bad claim cannot fail the others.
        Err(_) if batch.len() > 1 => {
            let mut again = Vec::new();
            for job in batch {
                let one = vec![job];
                match commit(db, &one).await {
                    Ok(result) => again.extend(answer(book, one, result).await),
                    Err(e) => {
                        for job in one {
                            let _ = job.reply.send(Err(e.clone_for_reply()));
                        }
                    }
                }
            }
            again
        }
        Err(e) => {
            for job in batch {
                let _ = job.reply.send(Err(e.clone_for_reply()));
            }
            Vec::new()
        }
    }
}

async fn answer(book: &ClaimBook, batch: Vec<ClaimJob>, result: BatchResult) -> Vec<ClaimJob> {
    for (round, left) in &result.left {
        book.stock_left(*round, *left).await;
    }
    // Answers of claims others copy (same key in the same batch).
    let mut given: HashMap<usize, AppResult<(StatusCode, Value)>> = HashMap::new();
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
                    book.holds(job.round_id, job.voucher.user_id, job.per_user_limit)
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
        };
        given.insert(i, copy(&reply));
        let _ = job.reply.send(reply);
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
        let _ = job.reply.send(reply);
    }
    again
}

fn copy(reply: &AppResult<(StatusCode, Value)>) -> AppResult<(StatusCode, Value)> {
    match reply {
        Ok((status, body)) => Ok((*status, body.clone())),
        Err(e) => Err(e.clone_for_reply()),
    }
}

async fn commit(db: &DatabaseConnection, jobs: &[ClaimJob]) -> AppResult<BatchResult> {
    let txn = db.begin().await?;
    let mut decisions: Vec<Option<Decision>> = (0..jobs.len()).map(|_| None).collect();
    replay_stored_keys(&txn, jobs, &mut decisions).await?;

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
            claim_in_round(&txn, jobs, &members, round, &mut decisions).await?,
        ));
    }
    txn.commit().await?;
    Ok(BatchResult {
        decisions: decisions
            .into_iter()
            .map(|d| d.unwrap_or(Decision::Again))
            .collect(),
        left,
    })
}

/// Step 1: keys seen before are answered as the first time; a key used
/// twice in this batch is answered once.
async fn replay_stored_keys(
    txn: &impl ConnectionTrait,
    jobs: &[ClaimJob],
    decisions: &mut [Option<Decision>],
) -> AppResult<()> {
    let keyed: Vec<usize> = (0..jobs.len()).filter(|i| jobs[*i].key.is_some()).collect();
    if keyed.is_empty() {
        return Ok(());
    }
    let users: HashSet<Uuid> = keyed.iter().map(|i| jobs[*i].voucher.user_id).collect();
    let keys: HashSet<&str> = keyed
        .iter()
        .filter_map(|i| jobs[*i].key.as_ref().map(|k| k.key.as_str()))
        .collect();
    let stored: HashMap<(Uuid, String), idempotency_key::Model> = idempotency_key::Entity::find()
        .filter(idempotency_key::Column::Scope.eq(SCOPE))
        .filter(idempotency_key::Column::UserId.is_in(users))
        .filter(idempotency_key::Column::Key.is_in(keys))
        .all(txn)
        .await?
        .into_iter()
        .map(|row| ((row.user_id, row.key.clone()), row))
        .collect();
    let mut first_with: HashMap<(Uuid, &str), usize> = HashMap::new();
    for i in keyed {
        let Some(key) = &jobs[i].key else { continue };
        let user = jobs[i].voucher.user_id;
        if let Some(row) = stored.get(&(user, key.key.clone())) {
            decisions[i] = Some(Decision::Answer(idempotency::replay_row(
                row,
                &key.fingerprint,
            )));
        } else if let Some(first) = first_with.get(&(user, key.key.as_str())) {
            decisions[i] = Some(
                if jobs[*first].key.as_ref().map(|k| &k.fingerprint) == Some(&key.fingerprint) {
                    Decision::SameAs(*first)
                } else {
                    Decision::Answer(Err(idempotency::key_reused()))
                },
            );
        } else {
            first_with.insert((user, key.key.as_str()), i);
        }
    }
    Ok(())
}

/// Steps 2–5 for the claims of one round; returns the stock left.
async fn claim_in_round(
    txn: &impl ConnectionTrait,
    jobs: &[ClaimJob],
    members: &[usize],
    round: Uuid,
    decisions: &mut [Option<Decision>],
) -> AppResult<i64> {
    let users: HashSet<Uuid> = members.iter().map(|i| jobs[*i].voucher.user_id).collect();
    let mut next_slot = held_slots(txn, round, &users).await?;
    let mut candidates: Vec<(usize, i32)> = Vec::with_capacity(members.len());
    for &i in members {
        let job = &jobs[i];
        let held = next_slot.entry(job.voucher.user_id).or_insert(0);
        if *held >= job.per_user_limit {
            decisions[i] = Some(Decision::Answer(Err(limit_reached())));
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
        decisions[*i] = Some(Decision::Answer(Err(sold_out())));
    }
    let winners = &candidates[..granted.min(candidates.len())];
    if winners.is_empty() {
        return Ok(left);
    }

    let inserted = insert_vouchers(txn, jobs, winners).await?;
    let mut kept: Vec<(usize, i32)> = Vec::with_capacity(winners.len());
    for &(i, slot) in winners {
        if inserted.contains(&jobs[i].voucher.id) {
            kept.push((i, slot));
        } else {
            decisions[i] = Some(Decision::Again);
        }
    }
    // A key stored meanwhile by another instance: that claim won; this one
    // is undone and answered from the store in the next batch.
    let lost = store_keys(txn, jobs, &kept).await?;
    if !lost.is_empty() {
        voucher::Entity::delete_many()
            .filter(voucher::Column::Id.is_in(lost.iter().map(|i| jobs[*i].voucher.id)))
            .exec(txn)
            .await?;
    }
    for &(i, slot) in &kept {
        decisions[i] = Some(if lost.contains(&i) {
            Decision::Again
        } else {
            Decision::Issued(slot)
        });
    }
    let unused = winners.len() - (kept.len() - lost.len());
    if unused > 0 {
        let back = i64::try_from(unused).unwrap_or(0);
        hand_back(txn, round, back).await?;
        left += back;
    }
    Ok(left)
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
    // Every right-hand side reads the row as it was before this UPDATE.
    let sql = match backend {
        DatabaseBackend::Postgres => {
            "UPDATE voucher_rounds \
             SET last_grant = LEAST($1, quantity + returned - claimed), \
                 claimed = LEAST(quantity + returned, claimed + $1) \
             WHERE id = $2 \
             RETURNING last_grant, quantity + returned - claimed AS stock_left"
        }
        _ => {
            "UPDATE voucher_rounds \
             SET last_grant = MIN(?1, quantity + returned - claimed), \
                 claimed = MIN(quantity + returned, claimed + ?1) \
             WHERE id = ?2 \
             RETURNING last_grant, quantity + returned - claimed AS stock_left"
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
    Ok(r.quantity + r.returned - r.claimed)
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
async fn insert_vouchers(
    txn: &impl ConnectionTrait,
    jobs: &[ClaimJob],
    winners: &[(usize, i32)],
) -> AppResult<HashSet<Uuid>> {
    use voucher::Column as C;
    let mut inserted = HashSet::with_capacity(winners.len());
    // 12 values a row: well inside SQLite's 32,766 parameters per statement.
    for chunk in winners.chunks(1000) {
        let mut insert = Query::insert();
        insert.into_table(voucher::Entity).columns([
            C::Id,
            C::Code,
            C::CampaignId,
            C::RoundId,
            C::UserId,
            C::Slot,
            C::Status,
            C::ClaimedAt,
            C::ExpiresAt,
            C::UsedAt,
            C::ReturnedToRound,
        ]);
        for &(i, slot) in chunk {
            let v = &jobs[i].voucher;
            insert
                .values([
                    v.id.into(),
                    v.code.clone().into(),
                    v.campaign_id.into(),
                    v.round_id.into(),
                    v.user_id.into(),
                    slot.into(),
                    v.status.clone().into(),
                    v.claimed_at.into(),
                    v.expires_at.into(),
                    v.used_at.into(),
                    v.returned_to_round.into(),
                ])
                .map_err(AppError::internal)?;
        }
        insert
            .on_conflict(OnConflict::new().do_nothing().to_owned())
            .returning_col(C::Id);
        for row in txn.query_all(&insert).await? {
            inserted.insert(row.try_get::<Uuid>("", "id")?);
        }
    }
    Ok(inserted)
}

/// Stores the keys of issued claims with their answers; returns the claims
/// whose key another transaction stored first.
async fn store_keys(
    txn: &impl ConnectionTrait,
    jobs: &[ClaimJob],
    kept: &[(usize, i32)],
) -> AppResult<HashSet<usize>> {
    use idempotency_key::Column as C;
    let keyed: Vec<usize> = kept
        .iter()
        .map(|(i, _)| *i)
        .filter(|i| jobs[*i].key.is_some())
        .collect();
    let mut stored: HashSet<(Uuid, String)> = HashSet::with_capacity(keyed.len());
    for chunk in keyed.chunks(1000) {
        let mut insert = Query::insert();
        insert.into_table(idempotency_key::Entity).columns([
            C::UserId,
            C::Scope,
            C::Key,
            C::RequestHash,
            C::ResponseStatus,
            C::ResponseBody,
            C::CreatedAt,
        ]);
        for &i in chunk {
            let job = &jobs[i];
            let Some(key) = &job.key else { continue };
            insert
                .values([
                    job.voucher.user_id.into(),
                    SCOPE.into(),
                    key.key.clone().into(),
                    key.fingerprint.clone().into(),
                    i32::from(StatusCode::CREATED.as_u16()).into(),
                    job.body.to_string().into(),
                    job.voucher.claimed_at.into(),
                ])
                .map_err(AppError::internal)?;
        }
        insert
            .on_conflict(OnConflict::new().do_nothing().to_owned())
            .returning(Query::returning().columns([C::UserId, C::Key]));
        for row in txn.query_all(&insert).await? {
            stored.insert((
                row.try_get::<Uuid>("", "user_id")?,
                row.try_get::<String>("", "key")?,
            ));
        }
    }
    Ok(keyed
        .into_iter()
        .filter(|i| {
            let job = &jobs[*i];
            job.key
                .as_ref()
                .is_some_and(|k| !stored.contains(&(job.voucher.user_id, k.key.clone())))
        })
        .collect())
}

/// Shared with the handler: the stored answer for a key, if there is one.
pub async fn stored_answer(
    db: &impl ConnectionTrait,
    user: Uuid,
    key: &ClaimKey,
) -> AppResult<Option<(StatusCode, Value)>> {
    let row = idempotency_key::Entity::find_by_id((user, SCOPE.to_owned(), key.key.clone()))
        .one(db)
        .await?;
    row.map(|row| idempotency::replay_row(&row, &key.fingerprint))
        .transpose()
}
