//! Routes and events are read far more than written, so each instance
//! serves them from memory: the whole published catalogue is cached and
//! filtered in code, dropped at once on this instance's admin writes and
//! re-read at most 30 s later on the others.

use std::sync::Arc;

use entity::{event, tourism_route, tourism_route_stop};
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};
use uuid::Uuid;

use super::Tourism;
use super::rules::{self};
use crate::error::{AppError, AppResult};
use crate::pagination::{self, Page};

/// A route as the lists need it.
#[derive(Debug, Clone)]
pub struct RouteRecord {
    pub route: tourism_route::Model,
    pub themes: Vec<String>,
    pub district_codes: Vec<String>,
    pub outside_places: Vec<String>,
    /// By seq.
    pub stops: Vec<tourism_route_stop::Model>,
    /// Title, summary and stop names, folded, for `q`.
    pub text: String,
}

pub(super) fn record(
    route: tourism_route::Model,
    stops: Vec<tourism_route_stop::Model>,
) -> RouteRecord {
    let mut text = format!("{} {}", route.title, route.summary);
    for s in &stops {
        text.push(' ');
        text.push_str(&s.name);
    }
    RouteRecord {
        themes: serde_json::from_str(&route.themes).unwrap_or_default(),
        district_codes: serde_json::from_str(&route.district_codes).unwrap_or_default(),
        outside_places: serde_json::from_str(&route.outside_places).unwrap_or_default(),
        text: rules::fold(&text),
        route,
        stops,
    }
}

pub(super) async fn load_routes(db: &impl ConnectionTrait) -> AppResult<Vec<Arc<RouteRecord>>> {
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

pub async fn routes(svc: &Tourism) -> AppResult<Arc<Vec<Arc<RouteRecord>>>> {
    let db = svc.db.clone();
    svc.routes
        .try_get_with((), async move { load_routes(&db).await.map(Arc::new) })
        .await
        .map_err(|e| e.clone_for_reply())
}

pub async fn events(svc: &Tourism) -> AppResult<Arc<Vec<event::Model>>> {
    let db = svc.db.clone();
    svc.events
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
pub(super) fn page_of<T>(
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
