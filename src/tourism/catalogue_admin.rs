//! Admins see the whole catalogue, unpublished items included: an item
//! taken off the resident lists must still be findable to correct and
//! publish again. Newest first, since the latest work is what gets edited.

use uuid::Uuid;

use super::Tourism;
use super::catalogue::{events, page_of, routes};
use super::dto::*;
use super::event_calendar::event_view;
use super::route_search::{detail, summary};
use crate::error::{AppError, AppResult};
use crate::geo::CoordSystem;
use crate::pagination::PageQuery;

pub async fn all_routes(svc: &Tourism, page: PageQuery) -> AppResult<RoutePage> {
    let page = page.page()?;
    let all = routes(svc).await?;
    // The cache is ordered by id, and ids are time-ordered (UUIDv7).
    let newest_first: Vec<_> = all.iter().rev().collect();
    let (items, next_cursor) = page_of(newest_first, page, |r| r.route.id)?;
    Ok(RoutePage {
        items: items.iter().map(|r| summary(r)).collect(),
        next_cursor,
    })
}

pub async fn route_for_edit(svc: &Tourism, id: Uuid) -> AppResult<RouteDetail> {
    let all = routes(svc).await?;
    let found = all
        .iter()
        .find(|r| r.route.id == id)
        .ok_or_else(|| AppError::not_found("线路不存在"))?;
    Ok(detail(svc, found, CoordSystem::Gcj02))
}

pub async fn all_events(svc: &Tourism, page: PageQuery) -> AppResult<EventPage> {
    let page = page.page()?;
    let all = events(svc).await?;
    // The cache is ordered by start; the latest start first.
    let newest_first: Vec<_> = all.iter().rev().collect();
    let (items, next_cursor) = page_of(newest_first, page, |e| e.id)?;
    Ok(EventPage {
        items: items
            .into_iter()
            .map(|e| event_view(e, CoordSystem::Gcj02, None))
            .collect(),
        next_cursor,
    })
}
