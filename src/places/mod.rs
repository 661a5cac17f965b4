//! Shops and the 15-minute convenience circle (一刻钟便民生活圈): categories,
//! merchant shop management, nearby search and the circle report, served
//! from an in-memory index kept in step with the database.

pub mod categories;
pub mod circle;
pub mod dto;
mod handlers;
pub mod hours;
pub mod index;
pub mod routes;
pub mod service;
pub mod sync;
pub mod tags;

use std::sync::RwLock;

use categories::CategoryRegistry;
use index::ShopIndex;

use crate::geo::walking::WalkingModel;

pub struct PlacesState {
    pub index: RwLock<ShopIndex>,
    pub categories: CategoryRegistry,
    pub walking: WalkingModel,
    pub circle: circle::Thresholds,
}

impl PlacesState {
    pub fn read_index(&self) -> std::sync::RwLockReadGuard<'_, ShopIndex> {
        self.index
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn write_index(&self) -> std::sync::RwLockWriteGuard<'_, ShopIndex> {
        self.index
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
