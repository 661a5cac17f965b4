use chrono::{DateTime, Utc};
use entity::audit_event;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::dto::{AuditEventView, AuditQuery};
use crate::error::AppResult;
use crate::pagination::{PageQuery, Paginated};

/// One thing to account for.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub actor_id: Option<Uuid>,
    pub actor_role: &'a str,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: Option<Uuid>,
}

impl<'a> Entry<'a> {
    /// `actor` in `role` read the unmasked personal data in this object.
    pub fn read_of(actor: Uuid, role: &'a str, object_type: &'a str, object_id: Uuid) -> Self {
        Self {
            actor_id: Some(actor),
            actor_role: role,
            action: super::VIEW_PERSONAL_DATA,
            object_type,
            object_id: Some(object_id),
        }
    }
}

/// Appends an event, tagged with the request this task serves.
pub async fn record(db: &impl ConnectionTrait, at: DateTime<Utc>, e: Entry<'_>) -> AppResult<()> {
    audit_event::Entity::insert(audit_event::ActiveModel {
        id: sea_orm::ActiveValue::Set(Uuid::now_v7()),
        at: sea_orm::ActiveValue::Set(at),
        actor_id: sea_orm::ActiveValue::Set(e.actor_id),
        actor_role: sea_orm::ActiveValue::Set(e.actor_role.chars().take(32).collect()),
        action: sea_orm::ActiveValue::Set(e.action.chars().take(160).collect()),
        object_type: sea_orm::ActiveValue::Set(e.object_type.chars().take(32).collect()),
        object_id: sea_orm::ActiveValue::Set(e.object_id),
        request_id: sea_orm::ActiveValue::Set(super::current_request_id()),
    })
    .exec(db)
    .await?;
    Ok(())
}

/// Events newest first, filtered by actor, object, action and time.
pub async fn list(
    db: &impl ConnectionTrait,
    q: &AuditQuery,
) -> AppResult<Paginated<AuditEventView>> {
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor.clone(),
    }
    .page()?;
    let mut query = audit_event::Entity::find();
    if let Some(actor) = q.actor_id {
        query = query.filter(audit_event::Column::ActorId.eq(actor));
    }
    if let Some(object) = q.object_id {
        query = query.filter(audit_event::Column::ObjectId.eq(object));
    }
    if let Some(action) = q.action.as_deref().filter(|a| !a.is_empty()) {
        query = query.filter(audit_event::Column::Action.eq(action));
    }
    if let Some(from) = q.from {
        query = query.filter(audit_event::Column::At.gte(from));
    }
    if let Some(to) = q.to {
        query = query.filter(audit_event::Column::At.lt(to));
    }
    if let Some(after) = page.after {
        query = query.filter(audit_event::Column::Id.lt(after));
    }
    let rows = query
        .order_by_desc(audit_event::Column::Id)
        .limit(page.limit + 1)
        .all(db)
        .await?;
    Ok(Paginated::from_rows(
        rows,
        page,
        |e| e.id,
        AuditEventView::from,
    ))
}
