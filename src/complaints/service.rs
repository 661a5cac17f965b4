use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Days, NaiveDate, Utc};
use entity::{complaint, complaint_category, complaint_event, merchant, shop, user};
use sea_orm::sea_query::{Condition, Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use serde_json::Value;
use uuid::Uuid;
use validator::Validate;

use super::dto::*;
use super::rules::{self, Action, NO_DEADLINE, Status, mask_address, mask_name};
use crate::auth::{Principal, Role};
use crate::calendar::{self, Calendar};
use crate::error::{AppError, AppResult};
use crate::idempotency;
use crate::merchants::MerchantStatus;
use crate::notify::{self, template};
use crate::pagination::{PageQuery, Paginated};
use crate::state::AppState;
use crate::validation::mask_phone;

const DUPLICATE_WINDOW_DAYS: u64 = 30;
/// How many of a complainant's recent cases the duplicate check reads.
const DUPLICATE_SCAN_LIMIT: u64 = 30;
const DECIDE_WORKING_DAYS: u32 = 7;
const MEDIATE_WORKING_DAYS: u32 = 45;
const ODR_WINDOW_WORKING_DAYS: u32 = 10;

/// How the caller relates to a case; decides what they see and may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Relation {
    Handler,
    Complainant,
    RespondentStaff,
    Admin,
}

fn relation(p: &Principal, c: &complaint::Model) -> Option<Relation> {
    if p.handles_district(&c.district_code) {
        Some(Relation::Handler)
    } else if c.complainant_id == p.user_id {
        Some(Relation::Complainant)
    } else if c.merchant_id.is_some_and(|m| p.is_staff_of(m)) {
        Some(Relation::RespondentStaff)
    } else if p.has_role(Role::Admin) {
        Some(Relation::Admin)
    } else {
        None
    }
}

fn status_of(c: &complaint::Model) -> AppResult<Status> {
    Status::parse(&c.status)
        .ok_or_else(|| AppError::internal(format!("unknown complaint status {}", c.status)))
}

fn today(state: &AppState) -> NaiveDate {
    state.clock.now_local().date_naive()
}

pub fn due_on(
    status: Status,
    decide_by: NaiveDate,
    mediate_by: Option<NaiveDate>,
    paused: bool,
) -> NaiveDate {
    match status {
        Status::Submitted | Status::MerchantWindow => decide_by,
        Status::Accepted if !paused => mediate_by.unwrap_or(NO_DEADLINE),
        _ => NO_DEADLINE,
    }
}

fn deadlines(c: &complaint::Model, today: NaiveDate) -> Deadlines {
    let status = Status::parse(&c.status).unwrap_or(Status::Closed);
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
        merchant_window_until: c.odr_window_until,
        paused,
    }
}

fn summary(c: complaint::Model, today: NaiveDate, handler: bool) -> ComplaintSummary {
    ComplaintSummary {
        deadlines: deadlines(&c, today),
        id: c.id,
        number: c.number,
        status: c.status,
        title: c.title,
        respondent_name: c.respondent_name,
        district_code: c.district_code,
        received_on: c.received_on,
        assignee_id: c.assignee_id,
        possible_duplicate_of: if handler { c.duplicate_of } else { None },
    }
}

fn view(
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
    ComplaintView {
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
            .map(|e| EventView {
                id: e.id,
                kind: e.kind,
                actor_role: e.actor_role,
                from_status: e.from_status,
                to_status: e.to_status,
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
        status: c.status,
        category_code: c.category_code,
        title: c.title,
        facts: c.facts,
        demand: c.demand,
        amount_fen: c.amount_fen,
        occurred_on: c.occurred_on,
        received_on: c.received_on,
        publish_consent: c.publish_consent,
        outcome: c.outcome,
        compensation_fen: c.compensation_fen,
        reject_reason: c.reject_reason,
        merchant_response: c.merchant_response,
        merchant_proposal: c.merchant_proposal,
    }
}

pub async fn categories(db: &impl ConnectionTrait) -> AppResult<Vec<CategoryView>> {
    Ok(complaint_category::Entity::find()
        .order_by_asc(complaint_category::Column::SortOrder)
        .all(db)
        .await?
        .into_iter()
        .map(|c| CategoryView {
            code: c.code,
            name: c.name,
        })
        .collect())
}

/// Complaint categories are seed data: checked against a per-instance copy.
async fn known_category(state: &AppState, code: &str) -> AppResult<bool> {
    let codes = match state.complaint_categories.get(&()).await {
        Some(codes) => codes,
        None => {
            let codes: std::sync::Arc<Vec<String>> = std::sync::Arc::new(
                categories(&state.db)
                    .await?
                    .into_iter()
                    .map(|c| c.code)
                    .collect(),
            );
            state.complaint_categories.insert((), codes.clone()).await;
            codes
        }
    };
    Ok(codes.iter().any(|c| c == code))
}

struct ResolvedRespondent {
    shop_id: Option<Uuid>,
    merchant_id: Option<Uuid>,
    name: String,
    address: String,
    district_code: String,
    odr: bool,
}

async fn approved_merchant(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> AppResult<Option<merchant::Model>> {
    Ok(merchant::Entity::find_by_id(id)
        .filter(merchant::Column::Status.eq(MerchantStatus::Approved.as_str()))
        .one(db)
        .await?)
}

async fn resolve_respondent(
    state: &AppState,
    input: &FileComplaint,
) -> AppResult<ResolvedRespondent> {
    let named = [
        input.shop_id.is_some(),
        input.merchant_id.is_some(),
        input.respondent.is_some(),
    ];
    if named.iter().filter(|n| **n).count() != 1 {
        return Err(AppError::invalid_field(
            "respondent",
            "name_exactly_one_of_shop_merchant_respondent",
        ));
    }
    if let Some(shop_id) = input.shop_id {
        let s = shop::Entity::find_by_id(shop_id)
            .one(&state.db)
            .await?
            .ok_or_else(|| AppError::invalid_field("shop_id", "unknown_shop"))?;
        let m = approved_merchant(&state.db, s.merchant_id)
            .await?
            .ok_or_else(|| AppError::invalid_field("shop_id", "unknown_shop"))?;
        return Ok(ResolvedRespondent {
            shop_id: Some(s.id),
            merchant_id: Some(m.id),
            name: format!("{}（{}）", m.name, s.name),
            address: s.address,
            district_code: s.district_code,
            odr: m.odr,
        });
    }
    if let Some(merchant_id) = input.merchant_id {
        let m = approved_merchant(&state.db, merchant_id)
            .await?
            .ok_or_else(|| AppError::invalid_field("merchant_id", "unknown_merchant"))?;
        return Ok(ResolvedRespondent {
            shop_id: None,
            merchant_id: Some(m.id),
            name: m.name,
            address: m.address,
            district_code: m.district_code,
            odr: m.odr,
        });
    }
    let named = input
        .respondent
        .clone()
        .ok_or_else(|| AppError::invalid_field("respondent", "required"))?;
    let bad = crate::districts::service::not_in_force(
        &state.db,
        std::slice::from_ref(&named.district_code),
        today(state),
    )
    .await?;
    if !bad.is_empty() {
        return Err(AppError::invalid_field(
            "respondent.district_code",
            "unknown_district",
        ));
    }
    Ok(ResolvedRespondent {
        shop_id: None,
        merchant_id: None,
        name: named.name.trim().to_owned(),
        address: named.address.trim().to_owned(),
        district_code: named.district_code,
        odr: false,
    })
}

/// (id, title, shop, merchant, respondent name) of a complainant's earlier case.
type EarlierCase = (Uuid, String, Option<Uuid>, Option<Uuid>, String);

/// An earlier case (30 days) of the same person against the same respondent
/// with a similar title: flagged for the handler, never refused.
async fn possible_duplicate(
    state: &AppState,
    complainant: Uuid,
    respondent: &ResolvedRespondent,
    title: &str,
    today: NaiveDate,
) -> AppResult<Option<Uuid>> {
    let since = today
        .checked_sub_days(Days::new(DUPLICATE_WINDOW_DAYS))
        .unwrap_or(today);
    // Only the complainant's own recent cases are read (their index, newest
    // first); the respondent is compared here. Filtering on the respondent
    // in SQL let SQLite pick the respondent's index, which for a busy
    // merchant meant reading thousands of other people's cases per filing.
    let earlier: Vec<EarlierCase> = complaint::Entity::find()
        .select_only()
        .columns([
            complaint::Column::Id,
            complaint::Column::Title,
            complaint::Column::ShopId,
            complaint::Column::MerchantId,
            complaint::Column::RespondentName,
        ])
        .filter(complaint::Column::ComplainantId.eq(complainant))
        .filter(complaint::Column::ReceivedOn.gte(since))
        .order_by_desc(complaint::Column::Id)
        .limit(DUPLICATE_SCAN_LIMIT)
        .into_tuple()
        .all(&state.db)
        .await?;
    Ok(earlier
        .into_iter()
        .rev()
        .filter(
            |(_, _, shop, merchant, name)| match (respondent.shop_id, respondent.merchant_id) {
                (Some(s), _) => *shop == Some(s),
                (None, Some(m)) => *merchant == Some(m),
                (None, None) => shop.is_none() && merchant.is_none() && *name == respondent.name,
            },
        )
        .find(|(_, earlier_title, ..)| rules::similar_titles(earlier_title, title))
        .map(|(id, ..)| id))
}

// Each argument is a column of the append-only event row.
#[allow(clippy::too_many_arguments)]
async fn record_event(
    txn: &impl ConnectionTrait,
    complaint_id: Uuid,
    actor: Option<Uuid>,
    role: &str,
    kind: &str,
    from: Option<Status>,
    to: Option<Status>,
    note: Option<String>,
    internal: bool,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    complaint_event::Entity::insert(complaint_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        complaint_id: Set(complaint_id),
        actor_id: Set(actor),
        actor_role: Set(role.to_owned()),
        kind: Set(kind.to_owned()),
        from_status: Set(from.map(|s| s.as_str().to_owned())),
        to_status: Set(to.map(|s| s.as_str().to_owned())),
        note: Set(note),
        internal: Set(internal),
        created_at: Set(at),
    })
    .exec(txn)
    .await?;
    Ok(())
}

/// Queues a progress message to the complainant (same transaction).
async fn notify_complainant(
    txn: &impl ConnectionTrait,
    state: &AppState,
    c: &complaint::Model,
    state_name: &str,
    note: &str,
) -> AppResult<()> {
    let Some(who) = user::Entity::find_by_id(c.complainant_id).one(txn).await? else {
        return Ok(());
    };
    let when = state.clock.now_local().format("%Y-%m-%d %H:%M").to_string();
    let payload = template::complaint_progress(
        &who.openid,
        &state.config.complaint_template_id,
        &c.id.to_string(),
        &c.number,
        &c.title,
        state_name,
        &when,
        note,
    );
    notify::enqueue(txn, "complaint_progress", &who.openid, &payload).await?;
    Ok(())
}

pub async fn file(
    state: &AppState,
    caller: &Principal,
    input: FileComplaint,
    key: Option<String>,
) -> AppResult<(StatusCode, Value)> {
    input.validate()?;
    let today = today(state);
    if input.occurred_on > today {
        return Err(AppError::invalid_field("occurred_on", "in_future"));
    }
    if !known_category(state, &input.category_code).await? {
        return Err(AppError::invalid_field("category_code", "unknown_category"));
    }
    state
        .complaint_limiter
        .hit(&caller.user_id.to_string())
        .await?;
    let respondent = resolve_respondent(state, &input).await?;
    let calendar = calendar::service::current(state).await?;
    let (status, window, decide) = if respondent.odr {
        let window = calendar.add_working_days(today, ODR_WINDOW_WORKING_DAYS);
        let decide = calendar.add_working_days(window.date, DECIDE_WORKING_DAYS);
        (Status::MerchantWindow, Some(window), decide)
    } else {
        (
            Status::Submitted,
            None,
            calendar.add_working_days(today, DECIDE_WORKING_DAYS),
        )
    };
    let duplicate_of =
        possible_duplicate(state, caller.user_id, &respondent, &input.title, today).await?;
    let fingerprint = idempotency::fingerprint(&input);
    // Reserved before the transaction: on SQLite a second writer inside it would wait on itself.
    let number = state
        .complaint_numbers
        .next(&state.db, &today.format("%Y%m%d").to_string())
        .await?;
    let now = state.clock.now();

    let provisional = decide.provisional || window.is_some_and(|w| w.provisional);
    let row = complaint::Model {
        id: Uuid::now_v7(),
        number,
        complainant_id: caller.user_id,
        shop_id: respondent.shop_id,
        merchant_id: respondent.merchant_id,
        respondent_name: respondent.name,
        respondent_address: respondent.address,
        district_code: respondent.district_code,
        category_code: input.category_code,
        title: input.title.trim().to_owned(),
        facts: input.facts.trim().to_owned(),
        demand: input.demand.trim().to_owned(),
        amount_fen: input.amount_fen,
        occurred_on: input.occurred_on,
        contact_name: input.contact_name.trim().to_owned(),
        contact_phone: input.contact_phone,
        contact_address: input
            .contact_address
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty()),
        publish_consent: input.publish_consent,
        status: status.as_str().to_owned(),
        odr: respondent.odr,
        received_on: today,
        odr_window_until: window.map(|w| w.date),
        decide_by: decide.date,
        decide_by_provisional: provisional,
        accepted_on: None,
        mediate_by: None,
        mediate_by_provisional: false,
        paused_since: None,
        due_on: decide.date,
        deadline_warned_for: None,
        assignee_id: None,
        outcome: None,
        compensation_fen: None,
        reject_reason: None,
        merchant_response: None,
        merchant_proposal: None,
        settled_directly: false,
        closed_at: None,
        rating_score: None,
        rating_comment: None,
        duplicate_of,
        created_at: now,
        updated_at: now,
    };
    // The answer is known before the transaction, so the idempotency key is
    // claimed with it in one statement, by the batch writer.
    let filed = Filed {
        id: row.id,
        number: row.number.clone(),
        status: row.status.clone(),
        deadlines: deadlines(&row, today),
        possible_duplicate_of: row.duplicate_of,
    };
    let body = serde_json::to_value(&filed).map_err(AppError::internal)?;

    let (reply, answer) = tokio::sync::oneshot::channel();
    let job = super::writer::FilingJob {
        row,
        claim: key.map(|key| super::writer::IdempotencyClaim {
            user_id: caller.user_id,
            key,
            fingerprint,
        }),
        body,
        reply,
    };
    state
        .filing_writer
        .send(job)
        .await
        .map_err(|_| AppError::internal("filing writer stopped"))?;
    answer
        .await
        .map_err(|_| AppError::internal("filing writer dropped a filing"))?
}

async fn load(state: &AppState, id: Uuid) -> AppResult<complaint::Model> {
    complaint::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::not_found("投诉不存在"))
}

/// Moves ODR cases whose direct-settlement window has ended into the
/// bureau's queue. The background worker runs it every tick; reading one
/// case runs it for that case, so nobody acts on a stale window.
pub async fn end_windows(state: &AppState, districts: Option<&[String]>) -> AppResult<()> {
    let today = today(state);
    let mut query = complaint::Entity::find()
        .filter(complaint::Column::Status.eq(Status::MerchantWindow.as_str()))
        .filter(complaint::Column::OdrWindowUntil.lt(today));
    if let Some(d) = districts {
        query = query.filter(complaint::Column::DistrictCode.is_in(d.iter().cloned()));
    }
    for c in query.limit(500).all(&state.db).await? {
        let txn = state.db.begin().await?;
        let moved = complaint::Entity::update_many()
            .col_expr(
                complaint::Column::Status,
                Expr::value(Status::Submitted.as_str()),
            )
            .col_expr(complaint::Column::DueOn, Expr::value(c.decide_by))
            .col_expr(complaint::Column::UpdatedAt, Expr::value(state.clock.now()))
            .filter(complaint::Column::Id.eq(c.id))
            .filter(complaint::Column::Status.eq(Status::MerchantWindow.as_str()))
            .exec(&txn)
            .await?;
        if moved.rows_affected == 1 {
            record_event(
                &txn,
                c.id,
                None,
                "system",
                "merchant_window_ended",
                Some(Status::MerchantWindow),
                Some(Status::Submitted),
                Some("商家自行和解期已结束，转入受理".into()),
                false,
                state.clock.now(),
            )
            .await?;
        }
        txn.commit().await?;
    }
    Ok(())
}

async fn load_current(state: &AppState, id: Uuid) -> AppResult<complaint::Model> {
    let c = load(state, id).await?;
    if c.status == Status::MerchantWindow.as_str()
        && c.odr_window_until.is_some_and(|d| d < today(state))
    {
        end_windows(state, Some(std::slice::from_ref(&c.district_code))).await?;
        return load(state, id).await;
    }
    Ok(c)
}

/// Saves a change made from `expected` state; 409 if someone changed it first.
async fn save(
    txn: &impl ConnectionTrait,
    id: Uuid,
    row: complaint::ActiveModel,
    expected: Status,
) -> AppResult<complaint::Model> {
    let updated = complaint::Entity::update_many()
        .set(row)
        .filter(complaint::Column::Id.eq(id))
        .filter(complaint::Column::Status.eq(expected.as_str()))
        .exec(txn)
        .await?;
    if updated.rows_affected == 0 {
        return Err(AppError::invalid_transition("案件状态已变化，请刷新后重试"));
    }
    complaint::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::not_found("投诉不存在"))
}

fn check(action: Action, c: &complaint::Model) -> AppResult<Status> {
    let status = status_of(c)?;
    if rules::allowed(action, status, c.paused_since.is_some()) {
        Ok(status)
    } else {
        Err(AppError::invalid_transition(format!(
            "案件当前状态为 {}，不能执行此操作",
            status.as_str()
        )))
    }
}

fn require_handler(p: &Principal, c: &complaint::Model) -> AppResult<()> {
    if p.handles_district(&c.district_code) {
        Ok(())
    } else {
        Err(AppError::forbidden("不是该辖区的处理人员"))
    }
}

fn require_complainant(p: &Principal, c: &complaint::Model) -> AppResult<()> {
    if c.complainant_id == p.user_id {
        Ok(())
    } else {
        Err(AppError::forbidden("只有投诉人可以执行此操作"))
    }
}

/// The case and its state, for a handler of its district allowed `action` now.
async fn handler_action(
    state: &AppState,
    caller: &Principal,
    id: Uuid,
    action: Action,
) -> AppResult<(complaint::Model, Status)> {
    let c = load_current(state, id).await?;
    require_handler(caller, &c)?;
    let from = check(action, &c)?;
    Ok((c, from))
}

/// The case and its state, for its complainant allowed `action` now.
async fn complainant_action(
    state: &AppState,
    caller: &Principal,
    id: Uuid,
    action: Action,
) -> AppResult<(complaint::Model, Status)> {
    let c = load_current(state, id).await?;
    require_complainant(caller, &c)?;
    let from = check(action, &c)?;
    Ok((c, from))
}

/// The case, if the caller may see it (404 if none, 403 if not theirs).
pub async fn visible_case(
    state: &AppState,
    caller: &Principal,
    id: Uuid,
) -> AppResult<complaint::Model> {
    let c = load_current(state, id).await?;
    relation(caller, &c).ok_or_else(|| AppError::forbidden("无权查看该投诉"))?;
    Ok(c)
}

pub async fn get(state: &AppState, caller: &Principal, id: Uuid) -> AppResult<ComplaintView> {
    let c = load_current(state, id).await?;
    let relation = relation(caller, &c).ok_or_else(|| AppError::forbidden("无权查看该投诉"))?;
    let events = complaint_event::Entity::find()
        .filter(complaint_event::Column::ComplaintId.eq(id))
        .order_by_asc(complaint_event::Column::Id)
        .all(&state.db)
        .await?;
    let attachments = super::attachments::list(state, id).await?;
    Ok(view(c, events, attachments, relation, today(state)))
}

pub async fn mine(
    state: &AppState,
    caller: &Principal,
    q: &MineQuery,
) -> AppResult<Paginated<ComplaintSummary>> {
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor.clone(),
    }
    .page()?;
    let mut query =
        complaint::Entity::find().filter(complaint::Column::ComplainantId.eq(caller.user_id));
    if let Some(after) = page.after {
        query = query.filter(complaint::Column::Id.lt(after));
    }
    let rows = query
        .order_by_desc(complaint::Column::Id)
        .limit(page.limit + 1)
        .all(&state.db)
        .await?;
    let today = today(state);
    Ok(Paginated::from_rows(
        rows,
        page,
        |c| c.id,
        |c| summary(c, today, false),
    ))
}

fn encode_queue_cursor(due: NaiveDate, id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("{due}|{id}"))
}

fn decode_queue_cursor(cursor: &str) -> Option<(NaiveDate, Uuid)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).ok()?).ok()?;
    let (due, id) = text.split_once('|')?;
    Some((due.parse().ok()?, id.parse().ok()?))
}

pub async fn queue(state: &AppState, caller: &Principal, q: &QueueQuery) -> AppResult<QueuePage> {
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
    let after = match q.cursor.as_deref() {
        None | Some("") => None,
        Some(c) => {
            Some(decode_queue_cursor(c).ok_or_else(|| AppError::bad_request("cursor 无效"))?)
        }
    };
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
    let today = today(state);

    let mut query =
        complaint::Entity::find().filter(complaint::Column::DistrictCode.is_in(districts.clone()));
    if !statuses.is_empty() {
        query = query.filter(complaint::Column::Status.is_in(statuses.iter().map(|s| s.as_str())));
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
        .all(&state.db)
        .await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if more {
        rows.last().map(|c| encode_queue_cursor(c.due_on, c.id))
    } else {
        None
    };

    Ok(QueuePage {
        items: rows.into_iter().map(|c| summary(c, today, true)).collect(),
        next_cursor,
        counts: status_counts(state, districts).await?,
    })
}

/// Cases per status in these districts. Counting reads every case of the
/// districts, so each instance keeps the answer: fresh for 3 s, and after
/// that one request recounts while the others get the held counts, so no
/// request waits on a count it did not need to wait for. The counts are a
/// summary; the queue's items are always read fresh.
async fn status_counts(
    state: &AppState,
    mut districts: Vec<String>,
) -> AppResult<BTreeMap<String, u64>> {
    const FRESH: std::time::Duration = std::time::Duration::from_secs(3);
    districts.sort();
    if let Some(held) = state.queue_counts.get(&districts).await {
        state.metrics.cache_lookup("queue_counts", true);
        if held.0.elapsed() < FRESH {
            return Ok(held.1.clone());
        }
        let recount = state
            .queue_counts_recounting
            .entry(districts.clone())
            .or_insert_with(async {})
            .await
            .is_fresh();
        if !recount {
            return Ok(held.1.clone());
        }
        let counts = count_statuses(state, districts.clone()).await;
        state.queue_counts_recounting.invalidate(&districts).await;
        let counts = counts?;
        state
            .queue_counts
            .insert(
                districts,
                std::sync::Arc::new((std::time::Instant::now(), counts.clone())),
            )
            .await;
        return Ok(counts);
    }
    state.metrics.cache_lookup("queue_counts", false);
    // Concurrent first requests share one count.
    let held = state
        .queue_counts
        .try_get_with(districts.clone(), async {
            count_statuses(state, districts)
                .await
                .map(|c| std::sync::Arc::new((std::time::Instant::now(), c)))
        })
        .await
        .map_err(|e| AppError::internal(e.to_string()))?;
    Ok(held.1.clone())
}

async fn count_statuses(
    state: &AppState,
    districts: Vec<String>,
) -> AppResult<BTreeMap<String, u64>> {
    let counted: Vec<(String, i64)> = complaint::Entity::find()
        .select_only()
        .column(complaint::Column::Status)
        .column_as(complaint::Column::Id.count(), "n")
        .filter(complaint::Column::DistrictCode.is_in(districts.clone()))
        .group_by(complaint::Column::Status)
        .into_tuple()
        .all(&state.db)
        .await?;
    let mut counts: BTreeMap<String, u64> = Status::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), 0))
        .collect();
    for (status, n) in counted {
        counts.insert(status, std::cmp::max(n, 0) as u64);
    }
    Ok(counts)
}

/// Common shape of a handler or party action: load, check, change, record.
struct Step<'a> {
    actor: &'a Principal,
    role: &'static str,
    kind: &'static str,
    note: Option<String>,
    internal: bool,
    /// Progress message to the complainant: (state name, text).
    notify: Option<(&'static str, String)>,
}

async fn apply_step(
    state: &AppState,
    c: complaint::Model,
    from: Status,
    to: Option<Status>,
    change: impl FnOnce(&mut complaint::ActiveModel),
    step: Step<'_>,
) -> AppResult<complaint::Model> {
    let now = state.clock.now();
    let id = c.id;
    let mut row = c.into_active_model();
    change(&mut row);
    if let Some(to) = to {
        row.status = Set(to.as_str().to_owned());
    }
    row.updated_at = Set(now);
    let _turn = state.write_turn().await;
    let txn = state.db.begin().await?;
    let saved = save(&txn, id, row, from).await?;
    record_event(
        &txn,
        saved.id,
        Some(step.actor.user_id),
        step.role,
        step.kind,
        Some(from),
        to.or(Some(from)),
        step.note,
        step.internal,
        now,
    )
    .await?;
    if let Some((state_name, text)) = &step.notify {
        notify_complainant(&txn, state, &saved, state_name, text).await?;
    }
    txn.commit().await?;
    Ok(saved)
}

async fn finish(
    state: &AppState,
    caller: &Principal,
    c: complaint::Model,
) -> AppResult<ComplaintView> {
    get(state, caller, c.id).await
}

pub async fn accept(
    state: &AppState,
    caller: &Principal,
    id: Uuid,
    note: Option<String>,
) -> AppResult<ComplaintView> {
    let (c, from) = handler_action(state, caller, id, Action::Accept).await?;
    let today = today(state);
    let (mediate_by, provisional) = match state.config.mediation_calendar_days {
        Some(days) => (today + Days::new(u64::from(days)), false),
        None => {
            let r = calendar::service::current(state)
                .await?
                .add_working_days(today, MEDIATE_WORKING_DAYS);
            (r.date, r.provisional)
        }
    };
    let saved = apply_step(
        state,
        c,
        from,
        Some(Status::Accepted),
        |row| {
            row.accepted_on = Set(Some(today));
            row.mediate_by = Set(Some(mediate_by));
            row.mediate_by_provisional = Set(provisional);
            row.due_on = Set(mediate_by);
        },
        Step {
            actor: caller,
            role: "handler",
            kind: "accepted",
            note,
            internal: false,
            notify: Some((Status::Accepted.label(), "投诉已受理，将组织调解".into())),
        },
    )
    .await?;
    finish(state, caller, saved).await
}

pub async fn reject(
    state: &AppState,
    caller: &Principal,
    id: Uuid,
    input: RejectRequest,
) -> AppResult<ComplaintView> {
    input.validate()?;
    if !rules::REJECT_REASONS.contains(&input.reason_code.as_str()) {
        return Err(AppError::invalid_field("reason_code", "unknown_reason"));
    }
    let (c, from) = handler_action(state, caller, id, Action::Reject).await?;
    let reason = input.reason_code.clone();
    let saved = apply_step(
        state,
        c,
        from,
        Some(Status::Rejected),
        |row| {
            row.reject_reason = Set(Some(reason));
            row.due_on = Set(NO_DEADLINE);
        },
        Step {
            actor: caller,
            role: "handler",
            kind: "rejected",
            note: input.note,
            internal: false,
            notify: Some((
                Status::Rejected.label(),
                "投诉不予受理，详见案件说明".into(),
            )),
        },
    )
    .await?;
    finish(state, caller, saved).await
}

pub async fn transfer(
    state: &AppState,
    caller: &Principal,
    id: Uuid,
    input: TransferRequest,
) -> AppResult<ComplaintView> {
    input.validate()?;
    let (c, from) = handler_action(state, caller, id, Action::Transfer).await?;
    if input.district_code == c.district_code {
        return Err(AppError::invalid_field("district_code", "same_district"));
    }
    let bad = crate::districts::service::not_in_force(
        &state.db,
        std::slice::from_ref(&input.district_code),
        today(state),
    )
    .await?;
    if !bad.is_empty() {
        return Err(AppError::invalid_field("district_code", "unknown_district"));
    }
    let to_district = input.district_code.clone();
    let note = format!(
        "移送至 {}{}",
        to_district,
        input.note.map(|n| format!("：{n}")).unwrap_or_default()
    );
    let saved = apply_step(
        state,
        c,
        from,
        None,
        |row| {
            row.district_code = Set(to_district);
            row.assignee_id = Set(None);
        },
        Step {
            actor: caller,
            role: "handler",
            kind: "transferred",
            note: Some(note),
            internal: false,
            notify: None,
        },
    )
    .await?;
    // The caller may no longer see it: answer with what they can.
    match relation(caller, &saved) {
        Some(_) => finish(state, caller, saved).await,
        None => Err(AppError::forbidden("案件已移送出您的辖区")),
    }
}

pub async fn assign(
    state: &AppState,
    caller: &Principal,
    id: Uuid,
    input: AssignRequest,
) -> AppResult<ComplaintView> {
    let (c, from) = handler_action(state, caller, id, Action::Assign).await?;
    let target = crate::auth::service::load_principal(&state.db, input.user_id).await?;
    if !target.is_some_and(|t| t.handles_district(&c.district_code)) {
        return Err(AppError::invalid_field(
            "user_id",
            "not_a_handler_of_this_district",
        ));
    }
    let saved = apply_step(
        state,
        c,
        from,
        None,
        |row| row.assignee_id = Set(Some(input.user_id)),
        Step {
            actor: caller,
            role: "handler",
            kind: "assigned",
            note: Some(input.user_id.to_string()),
            internal: true,
            notify: None,
        },
    )
    .await?;
    finish(state, caller, saved).await
}

pub async fn close(
    state: &AppState,
    caller: &Principal,
    id: Uuid,
    input: CloseRequest,
) -> AppResult<ComplaintView> {
    input.validate()?;
    if !rules::OUTCOMES.contains(&input.outcome.as_str()) {
        return Err(AppError::invalid_field("outcome", "unknown_outcome"));
    }
    let (c, from) = handler_action(state, caller, id, Action::Close).await?;
    let now = state.clock.now();
    let outcome = input.outcome.clone();
    let saved = apply_step(
        state,
        c,
        from,
        Some(Status::Closed),
        |row| {
            row.outcome = Set(Some(outcome));
            row.compensation_fen = Set(input.compensation_fen);
            row.closed_at = Set(Some(now));
            row.paused_since = Set(None);
            row.due_on = Set(NO_DEADLINE);
        },
        Step {
            actor: caller,
            role: "handler",
            kind: "closed",
            note: input.note,
            internal: false,
            notify: Some((Status::Closed.label(), "投诉已办结，欢迎评价".into())),
        },
    )
    .await?;
    finish(state, caller, saved).await
}

pub async fn add_note(
    state: &AppState,
    caller: &Principal,
    id: Uuid,
    input: NoteRequest,
) -> AppResult<ComplaintView> {
    input.validate()?;
    let c = load(state, id).await?;
    require_handler(caller, &c)?;
    record_event(
        &state.db,
        c.id,
        Some(caller.user_id),
        "handler",
        "note",
        None,
        None,
        Some(input.text.trim().to_owned()),
        input.internal,
        state.clock.now(),
    )
    .await?;
    finish(state, caller, c).await
}

pub async fn pause(
    state: &AppState,
    caller: &Principal,
    id: Uuid,
    input: PauseRequest,
) -> AppResult<ComplaintView> {
    input.validate()?;
    let (c, from) = handler_action(state, caller, id, Action::Pause).await?;
    let today = today(state);
    let saved = apply_step(
        state,
        c,
        from,
        None,
        |row| {
            row.paused_since = Set(Some(today));
            row.due_on = Set(NO_DEADLINE);
        },
        Step {
            actor: caller,
            role: "handler",
            kind: "paused",
            note: Some(input.reason),
            internal: false,
            notify: None,
        },
    )
    .await?;
    finish(state, caller, saved).await
}

pub async fn resume(state: &AppState, caller: &Principal, id: Uuid) -> AppResult<ComplaintView> {
    let (c, from) = handler_action(state, caller, id, Action::Resume).await?;
    let today = today(state);
    let since = c.paused_since.unwrap_or(today);
    let old = c.mediate_by.unwrap_or(today);
    let (mediate_by, provisional) = match state.config.mediation_calendar_days {
        Some(_) => (
            old + Days::new(std::cmp::max((today - since).num_days(), 0) as u64),
            c.mediate_by_provisional,
        ),
        None => {
            let cal: std::sync::Arc<Calendar> = calendar::service::current(state).await?;
            let stood = cal.working_days_between(since, today);
            let r = cal.add_working_days(old, stood);
            (r.date, r.provisional || c.mediate_by_provisional)
        }
    };
    let saved = apply_step(
        state,
        c,
        from,
        None,
        |row| {
            row.paused_since = Set(None);
            row.mediate_by = Set(Some(mediate_by));
            row.mediate_by_provisional = Set(provisional);
            row.due_on = Set(mediate_by);
        },
        Step {
            actor: caller,
            role: "handler",
            kind: "resumed",
            note: Some(format!("调解期限顺延至 {mediate_by}")),
            internal: false,
            notify: None,
        },
    )
    .await?;
    finish(state, caller, saved).await
}

pub async fn withdraw(
    state: &AppState,
    caller: &Principal,
    id: Uuid,
    input: WithdrawRequest,
) -> AppResult<ComplaintView> {
    input.validate()?;
    let (c, from) = complainant_action(state, caller, id, Action::Withdraw).await?;
    let saved = apply_step(
        state,
        c,
        from,
        Some(Status::Withdrawn),
        |row| {
            row.due_on = Set(NO_DEADLINE);
            row.paused_since = Set(None);
        },
        Step {
            actor: caller,
            role: "resident",
            kind: "withdrawn",
            note: input.reason,
            internal: false,
            notify: None,
        },
    )
    .await?;
    finish(state, caller, saved).await
}

pub async fn merchant_response(
    state: &AppState,
    caller: &Principal,
    id: Uuid,
    input: MerchantResponseRequest,
) -> AppResult<ComplaintView> {
    input.validate()?;
    let c = load_current(state, id).await?;
    if !c.merchant_id.is_some_and(|m| caller.is_staff_of(m)) {
        return Err(AppError::forbidden("不是被投诉商户的工作人员"));
    }
    let from = check(Action::MerchantResponse, &c)?;
    let message = input.message.trim().to_owned();
    let message_text = message.clone();
    let proposal = input.proposal.map(|p| p.trim().to_owned());
    let saved = apply_step(
        state,
        c,
        from,
        None,
        |row| {
            row.merchant_response = Set(Some(message_text));
            row.merchant_proposal = Set(proposal);
        },
        Step {
            actor: caller,
            role: "merchant",
            kind: "merchant_response",
            note: Some(message),
            internal: false,
            notify: Some(("商家已回复", "商家已回复您的投诉，请查看".into())),
        },
    )
    .await?;
    finish(state, caller, saved).await
}

pub async fn settlement(
    state: &AppState,
    caller: &Principal,
    id: Uuid,
    input: SettlementRequest,
) -> AppResult<ComplaintView> {
    let (c, from) = complainant_action(state, caller, id, Action::Settlement).await?;
    if c.merchant_proposal.is_none() {
        return Err(AppError::conflict("no_proposal", "商家尚未提出和解方案"));
    }
    let saved = if input.accept {
        let now = state.clock.now();
        // Before the bureau accepted it, the parties settled on their own.
        let direct = from != Status::Accepted;
        apply_step(
            state,
            c,
            from,
            Some(Status::Closed),
            |row| {
                row.outcome = Set(Some(if direct { "settled" } else { "mediated" }.to_owned()));
                row.settled_directly = Set(direct);
                row.closed_at = Set(Some(now));
                row.paused_since = Set(None);
                row.due_on = Set(NO_DEADLINE);
            },
            Step {
                actor: caller,
                role: "resident",
                kind: "settlement_accepted",
                note: None,
                internal: false,
                notify: None,
            },
        )
        .await?
    } else {
        apply_step(
            state,
            c,
            from,
            None,
            |row| row.merchant_proposal = Set(None),
            Step {
                actor: caller,
                role: "resident",
                kind: "settlement_declined",
                note: None,
                internal: false,
                notify: None,
            },
        )
        .await?
    };
    finish(state, caller, saved).await
}

pub async fn rate(
    state: &AppState,
    caller: &Principal,
    id: Uuid,
    input: RatingRequest,
) -> AppResult<ComplaintView> {
    input.validate()?;
    let c = load(state, id).await?;
    require_complainant(caller, &c)?;
    check(Action::Rate, &c)?;
    let rated = complaint::Entity::update_many()
        .col_expr(
            complaint::Column::RatingScore,
            Expr::value(Some(input.score)),
        )
        .col_expr(
            complaint::Column::RatingComment,
            Expr::value(input.comment.clone()),
        )
        .filter(complaint::Column::Id.eq(id))
        .filter(complaint::Column::RatingScore.is_null())
        .exec(&state.db)
        .await?;
    if rated.rows_affected == 0 {
        return Err(AppError::conflict("already_rated", "该投诉已评价"));
    }
    record_event(
        &state.db,
        id,
        Some(caller.user_id),
        "resident",
        "rated",
        None,
        None,
        Some(format!("{} 分", input.score)),
        false,
        state.clock.now(),
    )
    .await?;
    get(state, caller, id).await
}

/// Warns the assigned handler the working day before a deadline (once per deadline).
pub async fn warn_near_deadlines(state: &AppState) -> AppResult<usize> {
    let today = today(state);
    let horizon = calendar::service::current(state)
        .await?
        .add_working_days(today, 1)
        .date;
    let near = complaint::Entity::find()
        .filter(complaint::Column::DueOn.gte(today))
        .filter(complaint::Column::DueOn.lte(horizon))
        .filter(complaint::Column::AssigneeId.is_not_null())
        .filter(
            Condition::any()
                .add(complaint::Column::DeadlineWarnedFor.is_null())
                .add(
                    Expr::col(complaint::Column::DeadlineWarnedFor)
                        .ne(Expr::col(complaint::Column::DueOn)),
                ),
        )
        .limit(100)
        .all(&state.db)
        .await?;
    let mut warned = 0;
    for c in near {
        let Some(assignee) = c.assignee_id else {
            continue;
        };
        let txn = state.db.begin().await?;
        let marked = complaint::Entity::update_many()
            .col_expr(
                complaint::Column::DeadlineWarnedFor,
                Expr::value(Some(c.due_on)),
            )
            .filter(complaint::Column::Id.eq(c.id))
            .filter(complaint::Column::DueOn.eq(c.due_on))
            .exec(&txn)
            .await?;
        if marked.rows_affected == 1
            && let Some(handler) = user::Entity::find_by_id(assignee).one(&txn).await?
        {
            let payload = template::complaint_progress(
                &handler.openid,
                &state.config.complaint_template_id,
                &c.id.to_string(),
                &c.number,
                &c.title,
                "临近期限",
                &c.due_on.format("%Y-%m-%d").to_string(),
                "案件办理期限将至，请及时处理",
            );
            notify::enqueue(&txn, "complaint_deadline_near", &handler.openid, &payload).await?;
            warned += 1;
        }
        txn.commit().await?;
    }
    Ok(warned)
}

/// After a year's calendar is loaded: recomputes every provisional deadline
/// of a running case from its start date.
pub async fn recompute_provisional(state: &AppState) -> AppResult<u64> {
    let cal = calendar::service::load(&state.db).await?;
    state.calendar.invalidate(&()).await;
    let rows = complaint::Entity::find()
        .filter(
            Condition::any()
                .add(complaint::Column::DecideByProvisional.eq(true))
                .add(complaint::Column::MediateByProvisional.eq(true)),
        )
        .all(&state.db)
        .await?;
    let mut changed = 0;
    for c in rows {
        let status = status_of(&c)?;
        let (window, decide) = match c.odr_window_until {
            Some(_) => {
                let w = cal.add_working_days(c.received_on, ODR_WINDOW_WORKING_DAYS);
                (Some(w), cal.add_working_days(w.date, DECIDE_WORKING_DAYS))
            }
            None => (
                None,
                cal.add_working_days(c.received_on, DECIDE_WORKING_DAYS),
            ),
        };
        let mediate = match (c.accepted_on, state.config.mediation_calendar_days) {
            (Some(on), None) => Some(cal.add_working_days(on, MEDIATE_WORKING_DAYS)),
            _ => None,
        };
        let mut row = c.clone().into_active_model();
        row.decide_by = Set(decide.date);
        row.decide_by_provisional =
            Set(decide.provisional || window.is_some_and(|w| w.provisional));
        row.odr_window_until = Set(window.map(|w| w.date));
        if let Some(m) = mediate
            && c.paused_since.is_none()
        {
            row.mediate_by = Set(Some(m.date));
            row.mediate_by_provisional = Set(m.provisional);
        }
        let mediate_by = match &row.mediate_by {
            sea_orm::ActiveValue::Set(v) | sea_orm::ActiveValue::Unchanged(v) => *v,
            sea_orm::ActiveValue::NotSet => c.mediate_by,
        };
        row.due_on = Set(due_on(
            status,
            decide.date,
            mediate_by,
            c.paused_since.is_some(),
        ));
        row.update(&state.db).await?;
        changed += 1;
    }
    Ok(changed)
}
