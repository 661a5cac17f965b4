//! Admins create, edit and unpublish routes, with their stops checked.

use chrono::{DateTime, Utc};
use entity::status::ShopStatus;
use entity::{shop, tourism_route, tourism_route_stop};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use super::Tourism;
use super::catalogue::record;
use super::dto::*;
use super::route_search::detail;
use super::rules::{self, RouteShape, StopShape};
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::geo::{CoordSystem, LatLng};

/// A route's fields after a create or an edit, checked as a whole.
pub(super) struct RouteDraft {
    title: String,
    summary: String,
    themes: Vec<String>,
    district_codes: Vec<String>,
    outside_places: Vec<String>,
    days: i32,
    distance_m: Option<i32>,
    best_season: String,
    /// Stored coordinates.
    stops: Vec<tourism_route_stop::Model>,
    published: bool,
}

pub(super) fn stops_from(
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

pub(super) async fn check_draft(svc: &Tourism, draft: &mut RouteDraft) -> AppResult<()> {
    draft.themes.sort();
    draft.themes.dedup();
    draft.district_codes.sort();
    draft.district_codes.dedup();
    // Trimmed, each once, in the admin's order (the way the trip goes).
    let mut places: Vec<String> = Vec::new();
    for place in draft.outside_places.drain(..) {
        let place = place.trim().to_owned();
        if !places.contains(&place) {
            places.push(place);
        }
    }
    draft.outside_places = places;
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
        outside_places: &draft.outside_places,
    });
    let today = svc.clock.now_local().date_naive();
    for code in
        crate::districts::service::not_in_force(&svc.db, &draft.district_codes, today).await?
    {
        errors
            .entry("district_codes".to_owned())
            .or_default()
            .push(format!("unknown_district:{code}"));
    }
    if draft
        .outside_places
        .iter()
        .any(|p| !(2..=40).contains(&p.chars().count()))
    {
        errors
            .entry("outside_places".to_owned())
            .or_default()
            .push("place_name_2_to_40".to_owned());
    }
    let linked: Vec<Uuid> = draft.stops.iter().filter_map(|s| s.shop_id).collect();
    if !linked.is_empty() {
        let open: Vec<Uuid> = shop::Entity::find()
            .filter(shop::Column::Id.is_in(linked.clone()))
            .filter(shop::Column::Status.eq(ShopStatus::Active))
            .all(&svc.db)
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

pub(super) async fn save_route(
    svc: &Tourism,
    id: Uuid,
    draft: RouteDraft,
    created: Option<(Uuid, DateTime<Utc>)>,
) -> AppResult<RouteDetail> {
    let now = svc.clock.now();
    let existing = match created {
        Some(_) => None,
        None => tourism_route::Entity::find_by_id(id).one(&svc.db).await?,
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
        outside_places: json!(draft.outside_places).to_string(),
        days: draft.days,
        distance_m: draft.distance_m.unwrap_or(0),
        best_season: draft.best_season.trim().to_owned(),
        published: draft.published,
        created_by,
        created_at,
        updated_at: now,
    };
    let _turn = svc.gate.turn().await;
    let txn = svc.db.begin().await?;
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
    svc.routes.invalidate(&()).await;
    Ok(detail(svc, &record(route, draft.stops), CoordSystem::Gcj02))
}

pub async fn create_route(
    svc: &Tourism,
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
        outside_places: input.outside_places,
        days: input.days,
        distance_m: input.distance_m,
        best_season: input.best_season,
        published: input.published.unwrap_or(true),
    };
    check_draft(svc, &mut draft).await?;
    save_route(svc, id, draft, Some((admin.user_id, svc.clock.now()))).await
}

pub async fn update_route(
    svc: &Tourism,
    id: Uuid,
    changes: RouteChanges,
) -> AppResult<RouteDetail> {
    let current = tourism_route::Entity::find_by_id(id)
        .one(&svc.db)
        .await?
        .ok_or_else(|| AppError::not_found("线路不存在"))?;
    let stops = match &changes.stops {
        Some(new) => stops_from(id, new, changes.coord),
        None => {
            tourism_route_stop::Entity::find()
                .filter(tourism_route_stop::Column::RouteId.eq(id))
                .order_by_asc(tourism_route_stop::Column::Seq)
                .all(&svc.db)
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
        outside_places: changes.outside_places.unwrap_or(current.outside_places),
        days: changes.days.unwrap_or(current.route.days),
        distance_m,
        best_season: changes.best_season.unwrap_or(current.route.best_season),
        stops,
        published: changes.published.unwrap_or(current.route.published),
    };
    check_draft(svc, &mut draft).await?;
    save_route(svc, id, draft, None).await
}
