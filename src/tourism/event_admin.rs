//! Admins create, edit and unpublish events.

use entity::event;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel};
use uuid::Uuid;

use super::Tourism;
use super::dto::*;
use super::event_calendar::event_view;
use super::rules::{self, EventShape};
use crate::auth::Principal;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::geo::{CoordSystem, LatLng};

/// Checks an event as it will be stored, with the price as submitted (a
/// free event is stored without one, but a price sent with it is an error).
pub(super) async fn check_event(
    svc: &Tourism,
    e: &event::Model,
    price_fen: Option<i64>,
) -> AppResult<()> {
    let mut errors: FieldErrors = rules::check_event(&EventShape {
        category: &e.category,
        starts_at: e.starts_at,
        ends_at: e.ends_at,
        position: LatLng::new(e.lat, e.lng),
        free: e.free,
        price_fen,
    });
    let today = svc.clock.now_local().date_naive();
    if !crate::districts::service::not_in_force(
        &svc.db,
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
    svc: &Tourism,
    admin: &Principal,
    input: NewEvent,
) -> AppResult<EventView> {
    let now = svc.clock.now();
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
    check_event(svc, &row, input.price_fen).await?;
    event::Entity::insert(row.clone().into_active_model())
        .exec_without_returning(&svc.db)
        .await?;
    svc.events.invalidate(&()).await;
    Ok(event_view(&row, CoordSystem::Gcj02, None))
}

pub async fn update_event(svc: &Tourism, id: Uuid, changes: EventChanges) -> AppResult<EventView> {
    let current = event::Entity::find_by_id(id)
        .one(&svc.db)
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
        updated_at: svc.clock.now(),
        ..current
    };
    check_event(svc, &row, price_fen).await?;
    event::Entity::update(row.clone().into_active_model().reset_all())
        .exec(&svc.db)
        .await?;
    svc.events.invalidate(&()).await;
    Ok(event_view(&row, CoordSystem::Gcj02, None))
}
