//! Shops and the 15-minute convenience circle (一刻钟便民生活圈): categories,
//! merchant shop management, nearby search and the circle report, served
//! from an in-memory index kept in step with the database.

pub mod categories;
pub mod circle;
pub mod circle_report;
pub mod dto;
mod grid;
mod handlers;
pub mod hours;
pub mod index;
pub mod nearby;
pub mod routes;
pub mod shop_admin;
pub mod shop_view;
pub mod sync;
pub mod tags;

use std::sync::{Arc, RwLock};

use categories::CategoryRegistry;
use index::ShopIndex;

use crate::geo::walking::WalkingModel;
use crate::state::Core;

/// The places domain of one instance: the shop index it searches, kept in
/// step with the database, and the walking and circle settings.
/// Merchant id → credit grade rank (0 = A … 3 = D).
pub type CreditGrades = std::collections::HashMap<uuid::Uuid, u8>;

pub struct Places {
    pub core: Core,
    pub index: RwLock<ShopIndex>,
    /// Each scored merchant's credit grade (0 = A … 3 = D), for the
    /// `credit_grade` filter and `sort=credit`; replaced whole by the credit
    /// refresh job.
    pub credit_grades: RwLock<Arc<CreditGrades>>,
    pub categories: CategoryRegistry,
    pub walking: WalkingModel,
    pub circle: circle::Thresholds,
}

impl std::ops::Deref for Places {
    type Target = Core;
    fn deref(&self) -> &Core {
        &self.core
    }
}

impl Places {
    /// Loads the categories and the whole index from the database.
    pub async fn load(core: Core, config: &crate::config::Config) -> Result<Self, sea_orm::DbErr> {
        let categories = CategoryRegistry::load(&core.db).await?;
        let index = sync::load(&core.db, &categories).await?;
        Ok(Self {
            core,
            index: RwLock::new(index),
            credit_grades: RwLock::default(),
            categories,
            walking: config.walking,
            circle: circle::Thresholds {
                enhanced_min_quality: config.circle_enhanced_min_quality,
                premium_min_quality: config.circle_premium_min_quality,
            },
        })
    }

    pub fn read_index(&self) -> std::sync::RwLockReadGuard<'_, ShopIndex> {
        self.index
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn credit_grades(&self) -> Arc<CreditGrades> {
        self.credit_grades
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    pub fn set_credit_grades(&self, grades: CreditGrades) {
        *self
            .credit_grades
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(grades);
    }

    pub fn write_index(&self) -> std::sync::RwLockWriteGuard<'_, ShopIndex> {
        self.index
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
