use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use entity::holiday_table;
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait, TransactionTrait,
};

use super::{Calendar, YearTable};
use crate::error::{AppError, AppResult};

/// How long an instance serves the calendar from memory before re-reading it.
const CALENDAR_TTL: std::time::Duration = std::time::Duration::from_secs(30);

/// The working-day calendar of this instance: read from the database and
/// kept for 30 s (tables change once a year); a table loaded here drops it.
#[derive(Clone)]
pub struct CalendarCache {
    db: DatabaseConnection,
    held: moka::future::Cache<(), Arc<Calendar>>,
}

impl CalendarCache {
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            held: moka::future::Cache::builder()
                .max_capacity(1)
                .time_to_live(CALENDAR_TTL)
                .build(),
        }
    }

    pub async fn current(&self) -> AppResult<Arc<Calendar>> {
        let db = self.db.clone();
        self.held
            .try_get_with((), async move { load(&db).await.map(Arc::new) })
            .await
            .map_err(|e| e.clone_for_reply())
    }

    /// Drops this instance's copy; the next request reads the tables.
    pub fn forget(&self) {
        self.held.invalidate_all();
    }

    /// Reads the tables again now, for this instance's next requests too.
    pub async fn reload(&self) -> AppResult<Arc<Calendar>> {
        self.held.invalidate(&()).await;
        self.current().await
    }
}

pub async fn load(db: &impl ConnectionTrait) -> AppResult<Calendar> {
    let rows = holiday_table::Entity::find().all(db).await?;
    let mut tables = Vec::with_capacity(rows.len());
    for row in rows {
        let parse =
            |text: &str| serde_json::from_str::<Vec<NaiveDate>>(text).map_err(AppError::internal);
        tables.push(YearTable {
            year: row.year,
            days_off: parse(&row.days_off)?,
            makeup_days: parse(&row.makeup_days)?,
            source: row.source,
        });
    }
    Ok(Calendar::new(tables))
}

/// Checks a year's table: every date inside the year, none both off and make-up.
pub fn check(table: &YearTable) -> Result<(), &'static str> {
    use chrono::Datelike;
    if !(2000..=2100).contains(&table.year) {
        return Err("year_range");
    }
    if table
        .days_off
        .iter()
        .chain(&table.makeup_days)
        .any(|d| d.year() != table.year)
    {
        return Err("date_outside_year");
    }
    if table.days_off.iter().any(|d| table.makeup_days.contains(d)) {
        return Err("day_both_off_and_makeup");
    }
    Ok(())
}

/// Replaces a year's table.
pub async fn store(
    db: &DatabaseConnection,
    table: &YearTable,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let text = |dates: &[NaiveDate]| serde_json::to_string(dates).map_err(AppError::internal);
    let txn = db.begin().await?;
    holiday_table::Entity::delete_by_id(table.year)
        .exec(&txn)
        .await?;
    holiday_table::Entity::insert(holiday_table::ActiveModel {
        year: Set(table.year),
        days_off: Set(text(&table.days_off)?),
        makeup_days: Set(text(&table.makeup_days)?),
        source: Set(table.source.chars().take(200).collect()),
        loaded_at: Set(now),
    })
    .exec(&txn)
    .await?;
    txn.commit().await?;
    Ok(())
}
