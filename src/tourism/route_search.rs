//! Residents find routes by theme, district, length and words, and open
//! one: its stops in order, each with the shops open within a walk.

use std::sync::Arc;

use uuid::Uuid;

use super::Tourism;
use super::catalogue::{RouteRecord, page_of, routes};
use super::dto::*;
use super::rules::{self};
use crate::error::{AppError, AppResult};
use crate::geo::{CoordSystem, LatLng};
use crate::pagination::PageQuery;

pub(super) const SHOPS_PER_STOP: usize = 3;

pub(super) const MAX_QUERY_CHARS: usize = 30;

pub(super) fn summary(r: &RouteRecord) -> RouteSummary {
    RouteSummary {
        id: r.route.id,
        title: r.route.title.clone(),
        summary: r.route.summary.clone(),
        themes: r.themes.clone(),
        district_codes: r.district_codes.clone(),
        outside_places: r.outside_places.clone(),
        days: r.route.days,
        distance_m: r.route.distance_m,
        best_season: r.route.best_season.clone(),
        stop_count: r.stops.len(),
        tickets_fen: r.stops.iter().map(|s| s.ticket_fen).sum(),
        first_stop: r.stops.first().map(|s| s.name.clone()).unwrap_or_default(),
        published: r.route.published,
    }
}

pub(super) fn detail(svc: &Tourism, r: &RouteRecord, coord: CoordSystem) -> RouteDetail {
    RouteDetail {
        summary: summary(r),
        stops: r
            .stops
            .iter()
            .map(|s| {
                let stored = LatLng::new(s.lat, s.lng);
                let shown = coord.from_stored(stored).rounded();
                StopView {
                    seq: s.seq,
                    day: s.day,
                    name: s.name.clone(),
                    lat: shown.lat,
                    lng: shown.lng,
                    minutes: s.minutes,
                    opening_notes: s.opening_notes.clone(),
                    ticket_fen: s.ticket_fen,
                    shop_id: s.shop_id,
                    nearby_open_shops: crate::places::nearby::open_shops_near(
                        &svc.places,
                        stored,
                        SHOPS_PER_STOP,
                        coord,
                    ),
                }
            })
            .collect(),
        updated_at: r.route.updated_at,
    }
}

pub async fn list_routes(svc: &Tourism, q: &RouteQuery) -> AppResult<RoutePage> {
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor.clone(),
    }
    .page()?;
    if let Some(theme) = &q.theme
        && !rules::is_theme(theme)
    {
        return Err(AppError::invalid_field("theme", "unknown_theme"));
    }
    let text = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty());
    if text.is_some_and(|t| t.chars().count() > MAX_QUERY_CHARS) {
        return Err(AppError::invalid_field("q", "too_long"));
    }
    let words: Vec<String> = text
        .map(|t| t.split_whitespace().map(rules::fold).collect())
        .unwrap_or_default();
    let all = routes(svc).await?;
    let matching: Vec<&Arc<RouteRecord>> = all
        .iter()
        .filter(|r| r.route.published)
        .filter(|r| q.theme.as_ref().is_none_or(|t| r.themes.contains(t)))
        .filter(|r| {
            q.district_code
                .as_ref()
                .is_none_or(|d| r.district_codes.contains(d))
        })
        .filter(|r| q.days.is_none_or(|d| r.route.days == d))
        .filter(|r| q.max_days.is_none_or(|d| r.route.days <= d))
        .filter(|r| words.iter().all(|w| r.text.contains(w.as_str())))
        .collect();
    let (items, next_cursor) = page_of(matching, page, |r| r.route.id)?;
    Ok(RoutePage {
        items: items.iter().map(|r| summary(r)).collect(),
        next_cursor,
    })
}

pub async fn get_route(svc: &Tourism, id: Uuid, coord: CoordSystem) -> AppResult<RouteDetail> {
    let all = routes(svc).await?;
    let found = all
        .iter()
        .find(|r| r.route.id == id && r.route.published)
        .ok_or_else(|| AppError::not_found("线路不存在"))?;
    Ok(detail(svc, found, coord))
}
