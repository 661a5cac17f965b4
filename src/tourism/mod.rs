//! Culture and tourism: routes with ordered stops (and the shops open near
//! each), and the events calendar. One file per thing a user does;
//! `Tourism` is what they all work over.

pub mod catalogue;
pub mod catalogue_admin;
pub mod dto;
pub mod event_admin;
pub mod event_calendar;
pub mod handlers;
pub mod route_admin;
pub mod route_search;
pub mod routes;
pub mod rules;

use std::sync::Arc;
use std::time::Duration;

use entity::event;

use crate::places::Places;
use crate::state::Core;
use catalogue::RouteRecord;

/// How long an instance serves the catalogue before re-reading it.
const CATALOGUE_TTL: Duration = Duration::from_secs(30);

/// The tourism domain of one instance: the published catalogue held in
/// memory, and the shop index for the shops near each stop.
pub struct Tourism {
    pub core: Core,
    pub places: Arc<Places>,
    pub routes: moka::future::Cache<(), Arc<Vec<Arc<RouteRecord>>>>,
    pub events: moka::future::Cache<(), Arc<Vec<event::Model>>>,
}

impl std::ops::Deref for Tourism {
    type Target = Core;
    fn deref(&self) -> &Core {
        &self.core
    }
}

impl Tourism {
    pub fn new(core: Core, places: Arc<Places>) -> Self {
        Self {
            core,
            places,
            routes: moka::future::Cache::builder()
                .max_capacity(1)
                .time_to_live(CATALOGUE_TTL)
                .build(),
            events: moka::future::Cache::builder()
                .max_capacity(1)
                .time_to_live(CATALOGUE_TTL)
                .build(),
        }
    }
}
