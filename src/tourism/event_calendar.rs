//! The events calendar: events overlapping a range of days, by category,
//! district and distance.

use chrono::{DateTime, Utc};
use entity::event;
use uuid::Uuid;

use super::Tourism;
use super::catalogue::{events, page_of};
use super::dto::*;
use super::rules::{self};
use crate::error::{AppError, AppResult};
use crate::geo::{CoordSystem, LatLng};
use crate::pagination::PageQuery;

pub(super) const DEFAULT_EVENT_RADIUS_M: u32 = 10_000;

pub(super) const MAX_EVENT_RADIUS_M: u32 = 200_000;

pub(super) fn event_view(
    e: &event::Model,
    coord: CoordSystem,
    distance_m: Option<f64>,
) -> EventView {
    let shown = coord.from_stored(LatLng::new(e.lat, e.lng)).rounded();
    EventView {
        id: e.id,
        name: e.name.clone(),
        summary: e.summary.clone(),
        category: e.category.clone(),
        starts_at: e.starts_at,
        ends_at: e.ends_at,
        venue: e.venue.clone(),
        lat: shown.lat,
        lng: shown.lng,
        district_code: e.district_code.clone(),
        organiser: e.organiser.clone(),
        free: e.free,
        price_fen: e.price_fen,
        published: e.published,
        distance_m: distance_m.map(|d| d.round() as u32),
    }
}

pub async fn list_events(svc: &Tourism, q: &EventQuery) -> AppResult<EventPage> {
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor.clone(),
    }
    .page()?;
    let offset = *svc.clock.now_local().offset();
    let from_day = q.from.unwrap_or_else(|| svc.clock.now_local().date_naive());
    if q.to.is_some_and(|to| to < from_day) {
        return Err(AppError::invalid_field("to", "before_from"));
    }
    let (from, to) = match q.to {
        Some(to_day) => rules::day_range(from_day, to_day, offset)
            .ok_or_else(|| AppError::invalid_field("to", "out_of_range"))?,
        None => (
            rules::day_range(from_day, from_day, offset)
                .ok_or_else(|| AppError::invalid_field("from", "out_of_range"))?
                .0,
            DateTime::<Utc>::MAX_UTC,
        ),
    };
    if let Some(category) = &q.category
        && !rules::is_event_category(category)
    {
        return Err(AppError::invalid_field("category", "unknown_category"));
    }
    let center =
        crate::geo::optional_point(q.lat, q.lng, q.coord).map_err(AppError::bad_request)?;
    let radius = f64::from(
        q.radius_m
            .unwrap_or(DEFAULT_EVENT_RADIUS_M)
            .clamp(1, MAX_EVENT_RADIUS_M),
    );
    let all = events(svc).await?;
    let mut matching: Vec<(Option<f64>, &event::Model)> = all
        .iter()
        .filter(|e| e.published)
        .filter(|e| rules::overlaps(e.starts_at, e.ends_at, from, to))
        .filter(|e| q.category.as_ref().is_none_or(|c| &e.category == c))
        .filter(|e| {
            q.district_code
                .as_ref()
                .is_none_or(|d| &e.district_code == d)
        })
        .filter_map(|e| match center {
            None => Some((None, e)),
            Some(c) => {
                let d = crate::geo::haversine_m(c, LatLng::new(e.lat, e.lng));
                (d <= radius).then_some((Some(d), e))
            }
        })
        .collect();
    if center.is_some() {
        matching.sort_by(|a, b| {
            a.0.unwrap_or(0.0)
                .total_cmp(&b.0.unwrap_or(0.0))
                .then(a.1.starts_at.cmp(&b.1.starts_at))
        });
    }
    let (items, next_cursor) = page_of(matching, page, |(_, e)| e.id)?;
    Ok(EventPage {
        items: items
            .into_iter()
            .map(|(d, e)| event_view(e, q.coord, d))
            .collect(),
        next_cursor,
    })
}

pub async fn get_event(svc: &Tourism, id: Uuid, coord: CoordSystem) -> AppResult<EventView> {
    let all = events(svc).await?;
    all.iter()
        .find(|e| e.id == id && e.published)
        .map(|e| event_view(e, coord, None))
        .ok_or_else(|| AppError::not_found("活动不存在"))
}
