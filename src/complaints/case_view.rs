//! What a caller sees of a case: deadlines with their urgency, the summary
//! in lists, the whole case with its timeline (personal data masked except
//! for the handlers of its district), and the complainant's own list.

use chrono::NaiveDate;
use entity::{complaint, complaint_event};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::Complaints;
use super::access::{Relation, available_actions, load_current, relation};
use super::dto::*;
use super::rules::{Status, StatusRules, mask_address, mask_name};
use crate::audit;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::pagination::{PageQuery, Paginated};
use crate::validation::mask_phone;

pub(super) fn deadlines(c: &complaint::Model, today: NaiveDate) -> Deadlines {
    let status = c.status;
    let paused = c.paused_since.is_some();
    Deadlines {
        decide_by: Deadline {
            date: c.decide_by,
            overdue: matches!(status, Status::Submitted | Status::MerchantWindow)
                && today > c.decide_by,
            provisional: c.decide_by_provisional,
        },
        mediate_by: c.mediate_by.map(|date| Deadline {
            date,
            overdue: status == Status::Accepted && !paused && today > date,
            provisional: c.mediate_by_provisional,
        }),
        mediate_rule: c.mediate_rule.map(|r| r.to_string()),
        termination_notice_by: c
            .termination_notice_by
            .filter(|_| c.termination_notified_at.is_none())
            .map(|date| Deadline {
                date,
                overdue: today > date,
                provisional: false,
            }),
        merchant_window_until: c.odr_window_until,
        paused,
    }
}

pub(super) fn summary(c: complaint::Model, today: NaiveDate, handler: bool) -> ComplaintSummary {
    ComplaintSummary {
        deadlines: deadlines(&c, today),
        id: c.id,
        number: c.number,
        status: c.status.to_string(),
        title: c.title,
        respondent_name: c.respondent_name,
        district_code: c.district_code,
        received_on: c.received_on,
        assignee_id: c.assignee_id,
        possible_duplicate_of: if handler { c.duplicate_of } else { None },
    }
}

pub(super) fn view(
    c: complaint::Model,
    events: Vec<complaint_event::Model>,
    attachments: Vec<super::attachments::AttachmentView>,
    relation: Relation,
    today: NaiveDate,
) -> ComplaintView {
    let handler = relation == Relation::Handler;
    let contact = if handler {
        Contact {
            name: c.contact_name.clone(),
            phone: c.contact_phone.clone(),
            address: c.contact_address.clone(),
        }
    } else {
        Contact {
            name: mask_name(&c.contact_name),
            phone: mask_phone(&c.contact_phone),
            address: c.contact_address.as_deref().map(mask_address),
        }
    };
    let sees_internal = matches!(relation, Relation::Handler | Relation::Admin);
    let actions = available_actions(relation, &c)
        .into_iter()
        .map(str::to_owned)
        .collect();
    ComplaintView {
        actions,
        termination_reason: c.termination_reason.clone(),
        complainant_account_closed: c.complainant_account_closed,
        deadlines: deadlines(&c, today),
        respondent: Respondent {
            name: c.respondent_name.clone(),
            address: c.respondent_address.clone(),
            district_code: c.district_code.clone(),
            shop_id: c.shop_id,
            merchant_id: c.merchant_id,
        },
        contact,
        rating: c.rating_score.map(|score| Rating {
            score,
            comment: c.rating_comment.clone(),
        }),
        events: events
            .into_iter()
            .filter(|e| sees_internal || !e.internal)
            .map(|e| CaseEventView {
                id: e.id,
                kind: e.kind,
                actor_role: e.actor_role,
                from_status: e.from_status.map(|s| s.to_string()),
                to_status: e.to_status.map(|s| s.to_string()),
                note: e.note,
                internal: e.internal,
                at: e.created_at,
            })
            .collect(),
        possible_duplicate_of: if handler { c.duplicate_of } else { None },
        attachments,
        assignee_id: if sees_internal { c.assignee_id } else { None },
        id: c.id,
        number: c.number,
        status: c.status.to_string(),
        category_code: c.category_code,
        title: c.title,
        facts: c.facts,
        demand: c.demand,
        amount_fen: c.amount_fen,
        occurred_on: c.occurred_on,
        received_on: c.received_on,
        publish_consent: c.publish_consent,
        outcome: c.outcome.map(|o| o.to_string()),
        compensation_fen: c.compensation_fen,
        reject_reason: c.reject_reason,
        merchant_response: c.merchant_response,
        merchant_proposal: c.merchant_proposal,
    }
}

pub async fn get(svc: &Complaints, caller: &Principal, id: Uuid) -> AppResult<ComplaintView> {
    let c = load_current(svc, id).await?;
    let relation = relation(caller, &c).ok_or_else(|| AppError::forbidden("无权查看该投诉"))?;
    let events = complaint_event::Entity::find()
        .filter(complaint_event::Column::ComplaintId.eq(id))
        .order_by_asc(complaint_event::Column::Id)
        .all(&svc.db)
        .await?;
    let attachments = super::attachments::list(svc, id, relation).await?;
    if relation == Relation::Handler {
        // The handler's view shows the complainant unmasked.
        audit::record(
            &svc.db,
            svc.clock.now(),
            audit::Entry::read_of(caller.user_id, relation.role(), "complaint", c.id),
        )
        .await?;
    }
    Ok(view(c, events, attachments, relation, svc.today()))
}

pub async fn mine(
    svc: &Complaints,
    caller: &Principal,
    q: &MineQuery,
) -> AppResult<Paginated<ComplaintSummary>> {
    let own = complaint::Column::ComplainantId.eq(caller.user_id);
    newest_first(svc, own, None, q.limit, q.cursor.clone()).await
}

/// The cases against the caller's merchants, newest first: what a merchant
/// answers from the console. Summaries carry no complainant data.
pub async fn against_my_merchants(
    svc: &Complaints,
    caller: &Principal,
    q: &MerchantCaseQuery,
) -> AppResult<Paginated<ComplaintSummary>> {
    if caller.merchant_ids.is_empty() {
        return Err(AppError::forbidden("仅商户人员可查看针对本商户的投诉"));
    }
    let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => {
            Some(Status::parse(s).ok_or_else(|| AppError::bad_request(format!("未知状态 {s}")))?)
        }
    };
    let theirs = complaint::Column::MerchantId.is_in(caller.merchant_ids.clone());
    newest_first(svc, theirs, status, q.limit, q.cursor.clone()).await
}

async fn newest_first(
    svc: &Complaints,
    whose: sea_orm::sea_query::SimpleExpr,
    status: Option<Status>,
    limit: Option<u64>,
    cursor: Option<String>,
) -> AppResult<Paginated<ComplaintSummary>> {
    let page = PageQuery { limit, cursor }.page()?;
    let mut query = complaint::Entity::find().filter(whose);
    if let Some(status) = status {
        query = query.filter(complaint::Column::Status.eq(status));
    }
    if let Some(after) = page.after {
        query = query.filter(complaint::Column::Id.lt(after));
    }
    let rows = query
        .order_by_desc(complaint::Column::Id)
        .limit(page.limit + 1)
        .all(&svc.db)
        .await?;
    let today = svc.today();
    Ok(Paginated::from_rows(
        rows,
        page,
        |c| c.id,
        |c| summary(c, today, false),
    ))
}

pub(super) async fn finish(
    svc: &Complaints,
    caller: &Principal,
    c: complaint::Model,
) -> AppResult<ComplaintView> {
    get(svc, caller, c.id).await
}
