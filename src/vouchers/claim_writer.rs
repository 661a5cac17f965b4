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
//! 3. the vouchers are inserted with `ON CONFLICT DO NOTHING`, and counted.
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
//! The statements are in claim_statements.rs. In front of the writer,
//! `ClaimBook` (claim_book.rs) remembers rounds found sold out (for a
//! second) and users found at their limit (for good, slots are never given
//! back), so the rush after a sell-out is refused without touching the
//! database.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use entity::voucher;
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::campaigns::CampaignInfo;
use super::claim_answers::{Answers, Durability, Reply};
use super::claim_book::ClaimBook;
use super::claim_statements::{
    hand_back, held_slots, insert_vouchers, stock_left, take_stock, vouchers_with_keys,
};
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
    /// (round, user, slot): the highest slot a user holds, read from the
    /// database for claims tried again.
    held: Vec<(Uuid, Uuid, i32)>,
}

/// Commits a batch and adds its answers to `replies`; returns the claims to
/// try again.
pub(super) async fn write(
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
    for (round, user, slot) in &result.held {
        book.holds(*round, *user, *slot).await;
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
            // A `limit_reached` here may count a claim of this batch that
            // did not go in (sold out, or tried again), so the book learns
            // slots only from what was issued or read back.
            Decision::Answer(reply) => reply,
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
    let mut held = Vec::new();
    for round in rounds {
        let members: Vec<usize> = (0..jobs.len())
            .filter(|i| decisions[*i].is_none() && jobs[*i].round_id == round)
            .collect();
        left.push((
            round,
            claim_in_round(
                &txn,
                jobs,
                &members,
                round,
                known,
                &mut decisions,
                &mut held,
            )
            .await?,
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
        held,
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

/// Steps 2–5 for the claims of one round; returns the stock left.
async fn claim_in_round(
    txn: &impl ConnectionTrait,
    jobs: &[ClaimJob],
    members: &[usize],
    round: Uuid,
    known: &HashMap<(Uuid, Uuid), i32>,
    decisions: &mut [Option<Decision>],
    held: &mut Vec<(Uuid, Uuid, i32)>,
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
        let read = held_slots(txn, round, &asked).await?;
        held.extend(read.iter().map(|(user, slot)| (round, *user, *slot)));
        read
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

    let rows: Vec<_> = winners
        .iter()
        .map(|&(i, slot)| (&jobs[i].voucher, slot))
        .collect();
    let inserted = insert_vouchers(txn, &rows).await?;
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
