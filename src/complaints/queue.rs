//! The handler's queue: the cases of their districts, most urgent deadline
//! first, with counts per status held briefly per instance.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use entity::complaint;
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::Complaints;
use super::case_view::summary;
use super::dto::*;
use super::rules::{Status, StatusRules};
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::pagination::{self, PageQuery};

pub async fn queue(svc: &Complaints, caller: &Principal, q: &QueueQuery) -> AppResult<QueuePage> {
    let districts: Vec<String> = match &q.district_code {
        Some(code) if caller.handles_district(code) => vec![code.clone()],
        Some(_) => return Err(AppError::forbidden("不是该辖区的处理人员")),
        None => caller.handler_districts.clone(),
    };
    let limit = PageQuery {
        limit: q.limit,
        cursor: None,
    }
    .page()?
    .limit;
    let after = pagination::keyed_cursor::<NaiveDate>(q.cursor.as_deref())?;
    let mut statuses = Vec::new();
    for s in q
        .status
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        statuses
            .push(Status::parse(s).ok_or_else(|| AppError::bad_request(format!("未知状态 {s}")))?);
    }
    let today = svc.today();

    let mut query =
        complaint::Entity::find().filter(complaint::Column::DistrictCode.is_in(districts.clone()));
    if !statuses.is_empty() {
        query = query.filter(complaint::Column::Status.is_in(statuses.iter().copied()));
    }
    if q.overdue {
        query = query.filter(complaint::Column::DueOn.lt(today));
    }
    match q.assignee.as_deref() {
        None | Some("") => {}
        Some("me") => query = query.filter(complaint::Column::AssigneeId.eq(caller.user_id)),
        Some("none") => query = query.filter(complaint::Column::AssigneeId.is_null()),
        Some(other) => {
            let id: Uuid = other
                .parse()
                .map_err(|_| AppError::bad_request("assignee 须为用户 id、me 或 none"))?;
            query = query.filter(complaint::Column::AssigneeId.eq(id));
        }
    }
    if let Some((due, id)) = after {
        query = query.filter(
            Condition::any().add(complaint::Column::DueOn.gt(due)).add(
                Condition::all()
                    .add(complaint::Column::DueOn.eq(due))
                    .add(complaint::Column::Id.gt(id)),
            ),
        );
    }
    let mut rows = query
        .order_by_asc(complaint::Column::DueOn)
        .order_by_asc(complaint::Column::Id)
        .limit(limit + 1)
        .all(&svc.db)
        .await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if more {
        rows.last()
            .map(|c| pagination::encode_keyed_cursor(c.due_on, c.id))
    } else {
        None
    };

    Ok(QueuePage {
        items: rows.into_iter().map(|c| summary(c, today, true)).collect(),
        next_cursor,
        counts: status_counts(svc, districts).await?,
    })
}

/// Cases per status in these districts. Counting reads every case of the
/// districts, so each instance keeps the answer: fresh for 3 s, and after
/// that one request recounts while the others get the held counts, so no
/// request waits on a count it did not need to wait for. The counts are a
/// summary; the queue's items are always read fresh.
pub(super) async fn status_counts(
    svc: &Complaints,
    mut districts: Vec<String>,
) -> AppResult<BTreeMap<String, u64>> {
    const FRESH: std::time::Duration = std::time::Duration::from_secs(3);
    districts.sort();
    if let Some(held) = svc.queue_counts.get(&districts).await {
        svc.metrics.cache_lookup("queue_counts", true);
        if held.0.elapsed() < FRESH {
            return Ok(held.1.clone());
        }
        let recount = svc
            .queue_counts_recounting
            .entry(districts.clone())
            .or_insert_with(async {})
            .await
            .is_fresh();
        if !recount {
            return Ok(held.1.clone());
        }
        let counts = count_statuses(svc, districts.clone()).await;
        svc.queue_counts_recounting.invalidate(&districts).await;
        let counts = counts?;
        svc.queue_counts
            .insert(
                districts,
                std::sync::Arc::new((std::time::Instant::now(), counts.clone())),
            )
            .await;
        return Ok(counts);
    }
    svc.metrics.cache_lookup("queue_counts", false);
    // Concurrent first requests share one count.
    let held = svc
        .queue_counts
        .try_get_with(districts.clone(), async {
            count_statuses(svc, districts)
                .await
                .map(|c| std::sync::Arc::new((std::time::Instant::now(), c)))
        })
        .await
        .map_err(|e| AppError::internal(e.to_string()))?;
    Ok(held.1.clone())
}

pub(super) async fn count_statuses(
    svc: &Complaints,
    districts: Vec<String>,
) -> AppResult<BTreeMap<String, u64>> {
    let counted: Vec<(String, i64)> = complaint::Entity::find()
        .select_only()
        .column(complaint::Column::Status)
        .column_as(complaint::Column::Id.count(), "n")
        .filter(complaint::Column::DistrictCode.is_in(districts.clone()))
        .group_by(complaint::Column::Status)
        .into_tuple()
        .all(&svc.db)
        .await?;
    let mut counts = zero_counts();
    for (status, n) in counted {
        counts.insert(status, std::cmp::max(n, 0) as u64);
    }
    Ok(counts)
}

/// Every status at zero, so a status with no cases still shows.
pub(super) fn zero_counts() -> BTreeMap<String, u64> {
    Status::all().iter().map(|s| (s.to_string(), 0)).collect()
}
