//! Routes and events. Both are read far more than written, so each instance
//! serves them from memory: the whole published catalogue is cached and
//! filtered in code, dropped at once on this instance's admin writes and
//! re-read at most 30 s later on the others.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::{event, shop, tourism_route, tourism_route_stop};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use super::dto::*;
use super::rules::{self, EventShape, RouteShape, StopShape};
use crate::auth::Principal;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::geo::{CoordSystem, LatLng};
use crate::pagination::{self, Page, PageQuery};
use crate::state::AppState;

const CATALOGUE_TTL: Duration = Duration::from_secs(30);
const SHOPS_PER_STOP: usize = 3;
const DEFAULT_EVENT_RADIUS_M: u32 = 10_000;
const MAX_EVENT_RADIUS_M: u32 = 200_000;
const MAX_QUERY_CHARS: usize = 30;

/// A route as the lists need it.
#[derive(Debug, Clone)]
pub struct RouteRecord {
    pub route: tourism_route::Model,
    pub themes: Vec<String>,
    pub district_codes: Vec<String>,
    /// By seq.
    pub stops: Vec<tourism_route_stop::Model>,
    /// Title, summary and stop names, folded, for `q`.
    pub text: String,
}

pub struct TourismState {
    pub routes: moka::future::Cache<(), Arc<Vec<Arc<RouteRecord>>>>,
    pub events: moka::future::Cache<(), Arc<Vec<event::Model>>>,
}

impl Default for TourismState {
    fn default() -> Self {
        Self {
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

fn record(route: tourism_route::Model, stops: Vec<tourism_route_stop::Model>) -> RouteRecord {
    let mut text = format!("{} {}", route.title, route.summary);
    for s in &stops {
        text.push(' ');
        text.push_str(&s.name);
    }
    RouteRecord {
        themes: serde_json::from_str(&route.themes).unwrap_or_default(),
        district_codes: serde_json::from_str(&route.district_codes).unwrap_or_default(),
        text: rules::fold(&text),
        route,
        stops,
    }
}

async fn load_routes(db: &impl ConnectionTrait) -> AppResult<Vec<Arc<RouteRecord>>> {
    let routes = tourism_route::Entity::find()
        .order_by_asc(tourism_route::Column::Id)
        .all(db)
        .await?;
    let mut stops = tourism_route_stop::Entity::find()
        .order_by_asc(tourism_route_stop::Column::RouteId)
        .order_by_asc(tourism_route_stop::Column::Seq)
        .all(db)
        .await?;
    Ok(routes
        .into_iter()
        .map(|r| {
            let (mine, rest): (Vec<_>, Vec<_>) = stops.drain(..).partition(|s| s.route_id == r.id);
            stops = rest;
            Arc::new(record(r, mine))
        })
        .collect())
}

pub async fn routes(state: &AppState) -> AppResult<Arc<Vec<Arc<RouteRecord>>>> {
    let db = state.db.clone();
    state
        .tourism
        .routes
        .try_get_with((), async move { load_routes(&db).await.map(Arc::new) })
        .await
        .map_err(|e| e.clone_for_reply())
}

pub async fn events(state: &AppState) -> AppResult<Arc<Vec<event::Model>>> {
    let db = state.db.clone();
    state
        .tourism
        .events
        .try_get_with((), async move {
            let rows = event::Entity::find()
                .order_by_asc(event::Column::StartsAt)
                .order_by_asc(event::Column::Id)
                .all(&db)
                .await?;
            Ok::<_, AppError>(Arc::new(rows))
        })
        .await
        .map_err(|e| e.clone_for_reply())
}

/// The page after `page.after` of an ordered in-memory list. A cursor whose
/// item has left the list (unpublished meanwhile) cannot say where to go on.
fn page_of<T>(
    items: Vec<T>,
    page: Page,
    id: impl Fn(&T) -> Uuid,
) -> AppResult<(Vec<T>, Option<String>)> {
    let start = match page.after {
        None => 0,
        Some(after) => {
            items
                .iter()
                .position(|i| id(i) == after)
                .ok_or_else(|| AppError::bad_request("cursor 已失效，请从第一页重新加载"))?
                + 1
        }
    };
    let limit = page.limit as usize;
    let more = items.len() > start + limit;
    let taken: Vec<T> = items.into_iter().skip(start).take(limit).collect();
    let next = more
        .then(|| taken.last().map(|i| pagination::encode_cursor(id(i))))
        .flatten();
    Ok((taken, next))
}

// ---------------------------------------------------------------- routes

fn summary(r: &RouteRecord) -> RouteSummary {
    RouteSummary {
        id: r.route.id,
        title: r.route.title.clone(),
        summary: r.route.summary.clone(),
        themes: r.themes.clone(),
        district_codes: r.district_codes.clone(),
        days: r.route.days,
        distance_m: r.route.distance_m,
        best_season: r.route.best_season.clone(),
        stop_count: r.stops.len(),
        tickets_fen: r.stops.iter().map(|s| s.ticket_fen).sum(),
        first_stop: r.stops.first().map(|s| s.name.clone()).unwrap_or_default(),
        published: r.route.published,
    }
}

fn detail(state: &AppState, r: &RouteRecord, coord: CoordSystem) -> RouteDetail {
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
                    nearby_open_shops: crate::places::service::open_shops_near(
                        state,
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

pub async fn list_routes(state: &AppState, q: &RouteQuery) -> AppResult<RoutePage> {
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
    let all = routes(state).await?;
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

pub async fn get_route(state: &AppState, id: Uuid, coord: CoordSystem) -> AppResult<RouteDetail> {
    let all = routes(state).await?;
    let found = all
        .iter()
        .find(|r| r.route.id == id && r.route.published)
        .ok_or_else(|| AppError::not_found("线路不存在"))?;
    Ok(detail(state, found, coord))
}

/// A route's fields after a create or an edit, checked as a whole.
struct RouteDraft {
    title: String,
    summary: String,
    themes: Vec<String>,
    district_codes: Vec<String>,
    days: i32,
    distance_m: Option<i32>,
    best_season: String,
    /// Stored coordinates.
    stops: Vec<tourism_route_stop::Model>,
    published: bool,
}

fn stops_from(
    route_id: Uuid,
    input: &[StopInput],
    coord: CoordSystem,
) -> Vec<tourism_route_stop::Model> {
    input
        .iter()
        .map(|s| {
            let p = coord.to_stored(LatLng::new(s.lat, s.lng));
            tourism_route_stop::Model {
                route_id,
                seq: s.seq,
                day: s.day,
                name: s.name.trim().to_owned(),
                lat: p.lat,
                lng: p.lng,
                minutes: s.minutes,
                opening_notes: s
                    .opening_notes
                    .as_deref()
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(str::to_owned),
                ticket_fen: s.ticket_fen,
                shop_id: s.shop_id,
            }
        })
        .collect()
}

async fn check_draft(state: &AppState, draft: &mut RouteDraft) -> AppResult<()> {
    draft.themes.sort();
    draft.themes.dedup();
    draft.district_codes.sort();
    draft.district_codes.dedup();
    let shapes: Vec<StopShape> = draft
        .stops
        .iter()
        .map(|s| StopShape {
            seq: s.seq,
            day: s.day,
            position: LatLng::new(s.lat, s.lng),
            minutes: s.minutes,
            ticket_fen: s.ticket_fen,
        })
        .collect();
    let mut errors = rules::check_route(&RouteShape {
        themes: &draft.themes,
        days: draft.days,
        stops: &shapes,
    });
    let today = state.clock.now_local().date_naive();
    for code in
        crate::districts::service::not_in_force(&state.db, &draft.district_codes, today).await?
    {
        errors
            .entry("district_codes".to_owned())
            .or_default()
            .push(format!("unknown_district:{code}"));
    }
    let linked: Vec<Uuid> = draft.stops.iter().filter_map(|s| s.shop_id).collect();
    if !linked.is_empty() {
        let open: Vec<Uuid> = shop::Entity::find()
            .filter(shop::Column::Id.is_in(linked.clone()))
            .filter(shop::Column::Status.eq(crate::places::sync::ACTIVE))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|s| s.id)
            .collect();
        for (i, s) in draft.stops.iter().enumerate() {
            if s.shop_id.is_some_and(|id| !open.contains(&id)) {
                errors
                    .entry(format!("stops[{i}]"))
                    .or_default()
                    .push("unknown_shop".to_owned());
            }
        }
    }
    if draft
        .distance_m
        .is_some_and(|d| !(0..=5_000_000).contains(&d))
    {
        errors
            .entry("distance_m".to_owned())
            .or_default()
            .push("out_of_range".to_owned());
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    if draft.distance_m.is_none() {
        let straight = rules::straight_line_m(&shapes).round();
        draft.distance_m = Some(straight.min(f64::from(i32::MAX)) as i32);
    }
    Ok(())
}

async fn save_route(
    state: &AppState,
    id: Uuid,
    draft: RouteDraft,
    created: Option<(Uuid, DateTime<Utc>)>,
) -> AppResult<RouteDetail> {
    let now = state.clock.now();
    let existing = match created {
        Some(_) => None,
        None => tourism_route::Entity::find_by_id(id).one(&state.db).await?,
    };
    let (created_by, created_at) = match (created, &existing) {
        (Some(c), _) => c,
        (None, Some(r)) => (r.created_by, r.created_at),
        (None, None) => return Err(AppError::not_found("线路不存在")),
    };
    let route = tourism_route::Model {
        id,
        title: draft.title.trim().to_owned(),
        summary: draft.summary.trim().to_owned(),
        themes: json!(draft.themes).to_string(),
        district_codes: json!(draft.district_codes).to_string(),
        days: draft.days,
        distance_m: draft.distance_m.unwrap_or(0),
        best_season: draft.best_season.trim().to_owned(),
        published: draft.published,
        created_by,
        created_at,
        updated_at: now,
    };
    let _turn = state.write_turn().await;
    let txn = state.db.begin().await?;
    if existing.is_some() {
        tourism_route::Entity::update(route.clone().into_active_model().reset_all())
            .exec(&txn)
            .await?;
        tourism_route_stop::Entity::delete_many()
            .filter(tourism_route_stop::Column::RouteId.eq(id))
            .exec(&txn)
            .await?;
    } else {
        tourism_route::Entity::insert(route.clone().into_active_model())
            .exec_without_returning(&txn)
            .await?;
    }
    tourism_route_stop::Entity::insert_many(
        draft.stops.iter().map(|s| s.clone().into_active_model()),
    )
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    state.tourism.routes.invalidate(&()).await;
    Ok(detail(
        state,
        &record(route, draft.stops),
        CoordSystem::Gcj02,
    ))
}

pub async fn create_route(
    state: &AppState,
    admin: &Principal,
    input: NewRoute,
) -> AppResult<RouteDetail> {
    let id = Uuid::now_v7();
    let mut draft = RouteDraft {
        stops: stops_from(id, &input.stops, input.coord),
        title: input.title,
        summary: input.summary,
        themes: input.themes,
        district_codes: input.district_codes,
        days: input.days,
        distance_m: input.distance_m,
        best_season: input.best_season,
        published: input.published.unwrap_or(true),
    };
    check_draft(state, &mut draft).await?;
    save_route(state, id, draft, Some((admin.user_id, state.clock.now()))).await
}

pub async fn update_route(
    state: &AppState,
    id: Uuid,
    changes: RouteChanges,
) -> AppResult<RouteDetail> {
    let current = tourism_route::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::not_found("线路不存在"))?;
    let stops = match &changes.stops {
        Some(new) => stops_from(id, new, changes.coord),
        None => {
            tourism_route_stop::Entity::find()
                .filter(tourism_route_stop::Column::RouteId.eq(id))
                .order_by_asc(tourism_route_stop::Column::Seq)
                .all(&state.db)
                .await?
        }
    };
    let current = record(current, Vec::new());
    // A changed stop list is measured again unless a distance is given.
    let distance_m = changes
        .distance_m
        .or((changes.stops.is_none()).then_some(current.route.distance_m));
    let mut draft = RouteDraft {
        title: changes.title.unwrap_or(current.route.title),
        summary: changes.summary.unwrap_or(current.route.summary),
        themes: changes.themes.unwrap_or(current.themes),
        district_codes: changes.district_codes.unwrap_or(current.district_codes),
        days: changes.days.unwrap_or(current.route.days),
        distance_m,
        best_season: changes.best_season.unwrap_or(current.route.best_season),
        stops,
        published: changes.published.unwrap_or(current.route.published),
    };
    check_draft(state, &mut draft).await?;
    save_route(state, id, draft, None).await
}

// ---------------------------------------------------------------- events

fn event_view(e: &event::Model, coord: CoordSystem, distance_m: Option<f64>) -> EventView {
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

pub async fn list_events(state: &AppState, q: &EventQuery) -> AppResult<EventPage> {
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor.clone(),
    }
    .page()?;
    let offset = *state.clock.now_local().offset();
    let from_day = q
        .from
        .unwrap_or_else(|| state.clock.now_local().date_naive());
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
    let all = events(state).await?;
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

pub async fn get_event(state: &AppState, id: Uuid, coord: CoordSystem) -> AppResult<EventView> {
    let all = events(state).await?;
    all.iter()
        .find(|e| e.id == id && e.published)
        .map(|e| event_view(e, coord, None))
        .ok_or_else(|| AppError::not_found("活动不存在"))
}

/// Checks an event as it will be stored, with the price as submitted (a
/// free event is stored without one, but a price sent with it is an error).
async fn check_event(state: &AppState, e: &event::Model, price_fen: Option<i64>) -> AppResult<()> {
    let mut errors: FieldErrors = rules::check_event(&EventShape {
        category: &e.category,
        starts_at: e.starts_at,
        ends_at: e.ends_at,
        position: LatLng::new(e.lat, e.lng),
        free: e.free,
        price_fen,
    });
    let today = state.clock.now_local().date_naive();
    if !crate::districts::service::not_in_force(
        &state.db,
        std::slice::from_ref(&e.district_code),
        today,
    )
    .await?
    .is_empty()
    {
        errors
            .entry("district_code".to_owned())
            .or_default()
            .push("unknown_district".to_owned());
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::validation(errors))
    }
}

pub async fn create_event(
    state: &AppState,
    admin: &Principal,
    input: NewEvent,
) -> AppResult<EventView> {
    let now = state.clock.now();
    let p = input.coord.to_stored(LatLng::new(input.lat, input.lng));
    let row = event::Model {
        id: Uuid::now_v7(),
        name: input.name.trim().to_owned(),
        summary: input.summary.trim().to_owned(),
        category: input.category,
        starts_at: input.starts_at,
        ends_at: input.ends_at,
        venue: input.venue.trim().to_owned(),
        lat: p.lat,
        lng: p.lng,
        district_code: input.district_code,
        organiser: input.organiser.trim().to_owned(),
        free: input.free,
        price_fen: if input.free { None } else { input.price_fen },
        published: input.published.unwrap_or(true),
        created_by: admin.user_id,
        created_at: now,
        updated_at: now,
    };
    check_event(state, &row, input.price_fen).await?;
    event::Entity::insert(row.clone().into_active_model())
        .exec_without_returning(&state.db)
        .await?;
    state.tourism.events.invalidate(&()).await;
    Ok(event_view(&row, CoordSystem::Gcj02, None))
}

pub async fn update_event(
    state: &AppState,
    id: Uuid,
    changes: EventChanges,
) -> AppResult<EventView> {
    let current = event::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::not_found("活动不存在"))?;
    let position = crate::geo::optional_point(changes.lat, changes.lng, changes.coord)
        .map_err(AppError::bad_request)?
        .unwrap_or(LatLng::new(current.lat, current.lng));
    let free = changes.free.unwrap_or(current.free);
    let price_fen = match changes.price_fen {
        Some(p) => Some(p),
        None if free => None,
        None => current.price_fen,
    };
    let row = event::Model {
        name: changes.name.map_or(current.name, |n| n.trim().to_owned()),
        summary: changes
            .summary
            .map_or(current.summary, |s| s.trim().to_owned()),
        category: changes.category.unwrap_or(current.category),
        starts_at: changes.starts_at.unwrap_or(current.starts_at),
        ends_at: changes.ends_at.unwrap_or(current.ends_at),
        venue: changes.venue.map_or(current.venue, |v| v.trim().to_owned()),
        lat: position.lat,
        lng: position.lng,
        district_code: changes.district_code.unwrap_or(current.district_code),
        organiser: changes
            .organiser
            .map_or(current.organiser, |o| o.trim().to_owned()),
        free,
        price_fen: if free { None } else { price_fen },
        published: changes.published.unwrap_or(current.published),
        updated_at: state.clock.now(),
        ..current
    };
    check_event(state, &row, price_fen).await?;
    event::Entity::update(row.clone().into_active_model().reset_all())
        .exec(&state.db)
        .await?;
    state.tourism.events.invalidate(&()).await;
    Ok(event_view(&row, CoordSystem::Gcj02, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_follow_the_cursor_and_refuse_a_lost_one() {
        let ids: Vec<Uuid> = (0..5).map(|_| Uuid::now_v7()).collect();
        let first = Page {
            limit: 2,
            after: None,
        };
        let (a, next) = page_of(ids.clone(), first, |i| *i).unwrap();
        assert_eq!(a, ids[..2]);
        let after = pagination::decode_cursor(&next.unwrap());
        let (b, next) = page_of(ids.clone(), Page { limit: 2, after }, |i| *i).unwrap();
        assert_eq!(b, ids[2..4]);
        let after = pagination::decode_cursor(&next.unwrap());
        let (c, next) = page_of(ids.clone(), Page { limit: 2, after }, |i| *i).unwrap();
        assert_eq!((c, next), (ids[4..].to_vec(), None));
        let lost = Page {
            limit: 2,
            after: Some(Uuid::now_v7()),
        };
        assert!(page_of(ids, lost, |i| *i).is_err());
    }
}
