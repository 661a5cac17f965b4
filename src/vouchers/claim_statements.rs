//! The statements of a claim batch (claim_writer.rs): stock taken and
//! handed back in one row, vouchers inserted from one parameter, slots and
//! keys read back where a claim needs them.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, SecondsFormat, Utc};
use entity::{voucher, voucher_round};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, QueryFilter, QuerySelect,
    Statement,
};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

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

/// Each user's highest slot in the round.
pub(super) async fn held_slots(
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
pub(super) async fn take_stock(
    txn: &impl ConnectionTrait,
    round: Uuid,
    wanted: i64,
) -> AppResult<(i64, i64)> {
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

pub(super) async fn stock_left(txn: &impl ConnectionTrait, round: Uuid) -> AppResult<i64> {
    let r = voucher_round::Entity::find_by_id(round)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::internal("voucher round vanished"))?;
    Ok(r.stock_left())
}

pub(super) async fn hand_back(
    txn: &impl ConnectionTrait,
    round: Uuid,
    count: i64,
) -> Result<(), DbErr> {
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
pub(super) async fn insert_vouchers(
    txn: &impl ConnectionTrait,
    winners: &[(&voucher::Model, i32)],
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
    // Tuples serialize as JSON arrays, written straight out; a `json!`
    // value per row cost an allocation per field on the writer's path.
    let rows: Vec<_> = winners
        .iter()
        .map(|&(v, slot)| {
            (
                v.id.simple(),
                &v.code,
                v.campaign_id.simple(),
                v.round_id.simple(),
                v.user_id.simple(),
                slot,
                v.status.to_value(),
                at(v.claimed_at),
                at(v.expires_at),
                v.used_at.map(at),
                v.returned_to_round.map(Uuid::simple),
                &v.claim_key,
            )
        })
        .collect();
    let rows = serde_json::to_string(&rows).map_err(AppError::internal)?;
    let count = txn
        .execute_raw(Statement::from_sql_and_values(backend, sql, [rows.into()]))
        .await?
        .rows_affected();
    let ids = winners.iter().map(|(v, _)| v.id);
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
/// 16-byte blobs), times as sqlx writes them (RFC 3339). `jsonb_each`, not
/// `json_each`: it hands each row over as binary JSON, where `json_each`
/// renders it back to text for every `->>` to parse again (that was more
/// than half of the writer's work).
const INSERT_FROM_JSON_SQLITE: &str = "INSERT INTO vouchers \
    (id, code, campaign_id, round_id, user_id, slot, status, claimed_at, expires_at, \
     used_at, returned_to_round, claim_key) \
    SELECT unhex(value ->> 0), value ->> 1, unhex(value ->> 2), unhex(value ->> 3), \
           unhex(value ->> 4), value ->> 5, value ->> 6, value ->> 7, value ->> 8, \
           value ->> 9, unhex(value ->> 10), value ->> 11 \
    FROM jsonb_each(?1) WHERE true \
    ON CONFLICT DO NOTHING";

const INSERT_FROM_JSON_POSTGRES: &str = "INSERT INTO vouchers \
    (id, code, campaign_id, round_id, user_id, slot, status, claimed_at, expires_at, \
     used_at, returned_to_round, claim_key) \
    SELECT (r ->> 0)::uuid, r ->> 1, (r ->> 2)::uuid, (r ->> 3)::uuid, (r ->> 4)::uuid, \
           (r ->> 5)::int, r ->> 6, (r ->> 7)::timestamptz, (r ->> 8)::timestamptz, \
           (r ->> 9)::timestamptz, (r ->> 10)::uuid, r ->> 11 \
    FROM jsonb_array_elements($1::jsonb) AS r \
    ON CONFLICT DO NOTHING";
