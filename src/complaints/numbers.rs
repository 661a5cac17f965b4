//! Case numbers `YH` + date + six digits, unique across instances. Each
//! instance reserves a block of numbers for the day from the database in a
//! short transaction of its own and hands them out from memory, so filings
//! do not queue on one counter row. Numbers stay unique; a restart may leave
//! a gap.

use std::collections::HashMap;
use std::sync::Mutex;

use entity::complaint_counter;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait,
};

use crate::error::{AppError, AppResult};

/// Numbers per reservation with several instances on PostgreSQL.
pub const SHARED_BLOCK: i64 = 20;
/// SQLite is one instance; a large block keeps reservations (which must
/// wait for SQLite's one writer) rare.
pub const SINGLE_INSTANCE_BLOCK: i64 = 1000;

pub struct NumberBlocks {
    block: i64,
    /// Day → (next number, last number of the block).
    open: Mutex<HashMap<String, (i64, i64)>>,
}

pub fn format_number(day: &str, n: i64) -> String {
    format!("YH{day}{n:06}")
}

impl NumberBlocks {
    pub fn new(block: i64) -> Self {
        Self {
            block: std::cmp::max(block, 1),
            open: Mutex::default(),
        }
    }

    fn take(&self, day: &str) -> Option<i64> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let (next, last) = open.get_mut(day)?;
        if *next > *last {
            return None;
        }
        let n = *next;
        *next += 1;
        Some(n)
    }

    /// The next number for `day` (YYYYMMDD).
    pub async fn next(&self, db: &DatabaseConnection, day: &str) -> AppResult<String> {
        if let Some(n) = self.take(day) {
            return Ok(format_number(day, n));
        }
        let txn = db.begin().await?;
        complaint_counter::Entity::insert(complaint_counter::ActiveModel {
            day: Set(day.to_owned()),
            last: Set(0),
        })
        .on_conflict_do_nothing_on([complaint_counter::Column::Day])
        .exec(&txn)
        .await?;
        complaint_counter::Entity::update_many()
            .col_expr(
                complaint_counter::Column::Last,
                Expr::col(complaint_counter::Column::Last).add(self.block),
            )
            .filter(complaint_counter::Column::Day.eq(day))
            .exec(&txn)
            .await?;
        let last = complaint_counter::Entity::find_by_id(day.to_owned())
            .one(&txn)
            .await?
            .ok_or_else(|| AppError::internal("complaint counter row missing"))?
            .last;
        txn.commit().await?;
        let first = last - self.block + 1;
        {
            let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
            // Keep whichever open block was reserved later (another task may have raced us).
            let entry = open.entry(day.to_owned()).or_insert((first + 1, last));
            if entry.1 < last {
                *entry = (first + 1, last);
            }
        }
        Ok(format_number(day, first))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_have_the_documented_shape() {
        assert_eq!(format_number("20261127", 123), "YH20261127000123");
    }

    #[test]
    fn a_block_is_handed_out_in_order() {
        let blocks = NumberBlocks::new(SHARED_BLOCK);
        blocks
            .open
            .lock()
            .unwrap()
            .insert("20261127".into(), (5, 6));
        assert_eq!(blocks.take("20261127"), Some(5));
        assert_eq!(blocks.take("20261127"), Some(6));
        assert_eq!(blocks.take("20261127"), None);
        assert_eq!(blocks.take("20261128"), None);
    }
}
