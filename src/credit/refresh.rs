//! Keeping profiles current: a job on every instance rescoring the
//! merchants something happened to since its last pass (a complaint moved,
//! a redemption was reversed, a trade-in application was reviewed, a shop
//! or the merchant changed), and every merchant on its first pass and on
//! the first pass of each local day (the nightly recompute, which also
//! picks up a new rules version and the months on Yuhui).

use std::sync::Arc;
use std::sync::Mutex;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{complaint, merchant, shop, trade_in_application, voucher_redemption};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::Credit;
use super::profiles::recompute;
use crate::error::AppResult;
use crate::workers::runtime::Periodic;

/// Rows written by a transaction that committed just after a pass read
/// may carry a slightly earlier time: each pass looks back this far.
const OVERLAP: chrono::Duration = chrono::Duration::seconds(10);

pub struct CreditRefresh {
    pub credit: Arc<Credit>,
    pub every: std::time::Duration,
    /// This job's own progress: where the last pass got to, and the local
    /// day of the last full pass.
    pub progress: Mutex<Progress>,
}

#[derive(Default, Clone, Copy)]
pub struct Progress {
    pub since: Option<DateTime<Utc>>,
    pub full_on: Option<NaiveDate>,
}

impl CreditRefresh {
    pub fn new(credit: Arc<Credit>, every: std::time::Duration) -> Self {
        Self {
            credit,
            every,
            progress: Mutex::new(Progress::default()),
        }
    }
}

/// Merchants with something new since `since`.
pub async fn touched_since(svc: &Credit, since: DateTime<Utc>) -> AppResult<Vec<Uuid>> {
    let db = &svc.db;
    let mut ids: Vec<Uuid> = complaint::Entity::find()
        .select_only()
        .column(complaint::Column::MerchantId)
        .filter(complaint::Column::UpdatedAt.gte(since))
        .filter(complaint::Column::MerchantId.is_not_null())
        .into_tuple::<Option<Uuid>>()
        .all(db)
        .await?
        .into_iter()
        .flatten()
        .collect();
    ids.extend(
        voucher_redemption::Entity::find()
            .select_only()
            .column(voucher_redemption::Column::MerchantId)
            .filter(voucher_redemption::Column::ReversedAt.gte(since))
            .into_tuple::<Uuid>()
            .all(db)
            .await?,
    );
    ids.extend(
        trade_in_application::Entity::find()
            .select_only()
            .column(trade_in_application::Column::MerchantId)
            .filter(trade_in_application::Column::UpdatedAt.gte(since))
            .into_tuple::<Uuid>()
            .all(db)
            .await?,
    );
    ids.extend(
        shop::Entity::find()
            .select_only()
            .column(shop::Column::MerchantId)
            .filter(shop::Column::UpdatedAt.gte(since))
            .into_tuple::<Uuid>()
            .all(db)
            .await?,
    );
    ids.extend(
        merchant::Entity::find()
            .select_only()
            .column(merchant::Column::Id)
            .filter(merchant::Column::UpdatedAt.gte(since))
            .into_tuple::<Uuid>()
            .all(db)
            .await?,
    );
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

impl Periodic for CreditRefresh {
    const NAME: &'static str = "credit refresh";
    fn every(&self) -> std::time::Duration {
        self.every
    }
    async fn run_once(&self) -> AppResult<usize> {
        let svc = &self.credit;
        let started = svc.clock.now();
        let today = svc.clock.now_local().date_naive();
        let progress = *self.progress.lock().unwrap_or_else(|e| e.into_inner());
        let changed = match progress.since {
            Some(since) if progress.full_on == Some(today) => {
                let ids = touched_since(svc, since - OVERLAP).await?;
                if ids.is_empty() {
                    0
                } else {
                    recompute(svc, Some(&ids)).await?
                }
            }
            _ => recompute(svc, None).await?,
        };
        // Every pass, so overrides starting or ending and other instances'
        // work reach this instance's shop index too.
        super::profiles::publish_grades(svc).await?;
        let mut p = self.progress.lock().unwrap_or_else(|e| e.into_inner());
        p.since = Some(started);
        if progress.since.is_none() || progress.full_on != Some(today) {
            p.full_on = Some(today);
        }
        Ok(changed)
    }
}
