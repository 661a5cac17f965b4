//! Keeping the index in step with the database: a full load at start-up, the
//! writer's own changes applied at once, and a poll that picks up changes
//! made by other instances on the same database within seconds.

use entity::status::ShopStatus;
use std::sync::Arc;
use std::time::Instant;

use chrono::Duration;
use entity::shop;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait,
};
use uuid::Uuid;

use super::Places;
use super::categories::CategoryRegistry;
use super::grid::FastMap;
use super::hours::{DatedException, Schedule, WeeklyHours};
use super::index::{IndexedShop, ShopIndex};
use super::tags;
use crate::error::AppResult;
use crate::geo::LatLng;
use crate::workers::runtime::Periodic;

/// Re-read this much history on every poll, so a transaction that committed
/// late, or another instance's clock running a little behind, is not missed.
const POLL_OVERLAP_SECONDS: i64 = 30;
const LOAD_CHUNK: u64 = 20_000;

/// The columns the index needs.
#[derive(Debug, FromQueryResult)]
pub struct IndexRow {
    pub id: Uuid,
    pub merchant_id: Uuid,
    pub name: String,
    pub category_code: String,
    pub lat: f64,
    pub lng: f64,
    pub opening_hours: String,
    pub exceptions: String,
    pub tags: String,
    pub status: ShopStatus,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl IndexRow {
    /// Reads a row selected with `index_columns()`, by position.
    fn from_positions(row: &sea_orm::QueryResult) -> Result<Self, DbErr> {
        Ok(Self {
            id: row.try_get_by_index(0)?,
            merchant_id: row.try_get_by_index(1)?,
            name: row.try_get_by_index(2)?,
            category_code: row.try_get_by_index(3)?,
            lat: row.try_get_by_index(4)?,
            lng: row.try_get_by_index(5)?,
            opening_hours: row.try_get_by_index(6)?,
            exceptions: row.try_get_by_index(7)?,
            tags: row.try_get_by_index(8)?,
            status: row.try_get_by_index(9)?,
            updated_at: row.try_get_by_index(10)?,
        })
    }
}

fn index_columns() -> [shop::Column; 11] {
    use shop::Column as C;
    [
        C::Id,
        C::MerchantId,
        C::Name,
        C::CategoryCode,
        C::Lat,
        C::Lng,
        C::OpeningHours,
        C::Exceptions,
        C::Tags,
        C::Status,
        C::UpdatedAt,
    ]
}

/// Turns rows into index entries, parsing each distinct hours and tags text
/// once (a million shops share a few hundred distinct schedules).
#[derive(Default)]
pub struct RowConverter {
    schedules: FastMap<(String, String), Arc<Schedule>>,
    tag_masks: FastMap<String, u32>,
}

impl RowConverter {
    pub fn convert(
        &mut self,
        row: IndexRow,
        categories: &CategoryRegistry,
        index: &mut ShopIndex,
    ) -> Option<IndexedShop> {
        let Some(category) = categories.index_of(&row.category_code) else {
            tracing::warn!(shop_id = %row.id, category = %row.category_code, "shop with an unknown category left out of the index");
            return None;
        };
        let key = (row.opening_hours, row.exceptions);
        let schedule = match self.schedules.get(&key) {
            Some(s) => s.clone(),
            None => {
                let weekly: Vec<WeeklyHours> = serde_json::from_str(&key.0).unwrap_or_default();
                let exceptions: Vec<DatedException> =
                    serde_json::from_str(&key.1).unwrap_or_default();
                let compiled = Schedule::compile(&weekly, &exceptions).unwrap_or_else(|errors| {
                    tracing::warn!(shop_id = %row.id, ?errors, "stored opening hours do not compile; shown as closed");
                    Schedule::default()
                });
                let shared = index.intern(compiled);
                self.schedules.insert(key, shared.clone());
                shared
            }
        };
        let tags = match self.tag_masks.get(&row.tags) {
            Some(mask) => *mask,
            None => {
                let list: Vec<String> = serde_json::from_str(&row.tags).unwrap_or_default();
                let mask = tags::mask(list.iter().map(String::as_str)).unwrap_or_else(|unknown| {
                    tracing::warn!(shop_id = %row.id, tag = unknown, "stored tag outside the vocabulary ignored");
                    tags::mask(list.iter().map(String::as_str).filter(|t| tags::bit(t).is_some())).unwrap_or(0)
                });
                self.tag_masks.insert(row.tags, mask);
                mask
            }
        };
        Some(IndexedShop {
            id: row.id,
            merchant_id: row.merchant_id,
            name: row.name.into_boxed_str(),
            position: LatLng::new(row.lat, row.lng),
            category,
            tags,
            schedule,
            updated_at: row.updated_at.timestamp_micros(),
        })
    }
}

/// Reads every active shop, in chunks by id.
pub async fn load(
    db: &impl ConnectionTrait,
    categories: &CategoryRegistry,
) -> Result<ShopIndex, DbErr> {
    let started = Instant::now();
    let active = shop::Entity::find()
        .filter(shop::Column::Status.eq(ShopStatus::Active))
        .count(db)
        .await? as usize;
    let mut index = ShopIndex::with_capacity(active);
    let mut converter = RowConverter::default();
    let mut entries = Vec::with_capacity(active);
    let backend = db.get_database_backend();
    let chunk = |after: Option<Uuid>| {
        let mut query = shop::Entity::find()
            .select_only()
            .columns(index_columns())
            .filter(shop::Column::Status.eq(ShopStatus::Active));
        if let Some(last) = after {
            query = query.filter(shop::Column::Id.gt(last));
        }
        query
            .order_by_asc(shop::Column::Id)
            .limit(LOAD_CHUNK)
            .build(backend)
    };
    // Positional reads: mapping a million rows by column name costs seconds.
    let mut rows = db.query_all_raw(chunk(None)).await?;
    while !rows.is_empty() {
        let full = rows.len() as u64 == LOAD_CHUNK;
        let last: Uuid = rows[rows.len() - 1].try_get_by_index(0)?;
        // The database reads the next chunk while this one is converted.
        let next = async {
            if full {
                db.query_all_raw(chunk(Some(last))).await
            } else {
                Ok(Vec::new())
            }
        };
        let convert = async {
            for row in &rows {
                let row = IndexRow::from_positions(row)?;
                if let Some(entry) = converter.convert(row, categories, &mut index) {
                    entries.push(entry);
                }
            }
            Ok::<(), DbErr>(())
        };
        let (next, converted) = futures_util::join!(next, convert);
        converted?;
        rows = next?;
    }
    // Shops of one cell next to each other in memory: a search then reads
    // neighbouring entries instead of jumping around a large array.
    entries.sort_unstable_by_key(|s| {
        (
            (s.position.lat / 0.0015).floor() as i64,
            (s.position.lng / 0.0017).floor() as i64,
        )
    });
    for entry in entries {
        index.insert_new(entry);
    }
    index.shrink_to_fit();
    tracing::info!(
        shops = index.len(),
        millis = started.elapsed().as_millis() as u64,
        "shop index loaded"
    );
    Ok(index)
}

/// Applies the current database row of one shop to this instance's index.
pub fn apply(places: &Places, row: IndexRow, converter: &mut RowConverter) {
    let mut index = places.write_index();
    if row.status == ShopStatus::Active {
        if let Some(entry) = converter.convert(row, &places.categories, &mut index) {
            index.upsert(entry);
        }
    } else {
        index.remove(&row.id);
    }
}

pub async fn fetch_row(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<IndexRow>, DbErr> {
    shop::Entity::find_by_id(id)
        .select_only()
        .columns(index_columns())
        .into_model::<IndexRow>()
        .one(db)
        .await
}

/// Pulls changes written since a little before now and applies them.
pub async fn poll_once(places: &Places, converter: &mut RowConverter) -> Result<usize, DbErr> {
    let since = places.clock.now() - Duration::seconds(POLL_OVERLAP_SECONDS);
    let rows = shop::Entity::find()
        .select_only()
        .columns(index_columns())
        .filter(shop::Column::UpdatedAt.gt(since))
        .into_model::<IndexRow>()
        .all(&places.db)
        .await?;
    let n = rows.len();
    for row in rows {
        apply(places, row, converter);
    }
    Ok(n)
}

/// Background job: pulls other instances' shop changes into this index.
pub struct IndexPoller {
    pub places: Arc<Places>,
    pub every: std::time::Duration,
    converter: std::sync::Mutex<RowConverter>,
}

impl IndexPoller {
    pub fn new(places: Arc<Places>, every: std::time::Duration) -> Self {
        Self {
            places,
            every,
            converter: Default::default(),
        }
    }
}

impl Periodic for IndexPoller {
    const NAME: &'static str = "shop index poller";
    fn every(&self) -> std::time::Duration {
        self.every
    }
    async fn run_once(&self) -> AppResult<usize> {
        // Taken out for the round so no lock is held across an await; a round
        // running beside it starts with empty caches, which costs only time.
        let mut converter = std::mem::take(
            &mut *self
                .converter
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
        let polled = poll_once(&self.places, &mut converter).await;
        *self
            .converter
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = converter;
        Ok(polled?)
    }
}
