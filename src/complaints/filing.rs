//! Filing a complaint: the respondent resolved from a shop, a merchant or a
//! name, the legal deadlines on the working-day calendar, a possible
//! duplicate flagged, and the row handed to the batch writer.

use actix_web::http::StatusCode;
use chrono::{DateTime, Days, NaiveDate, Utc};
use entity::{complaint, complaint_category, merchant, shop};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::Value;
use uuid::Uuid;
use validator::Validate;

use super::Complaints;
use super::case_view::deadlines;
use super::dto::*;
use super::legal_clock::{CaseFacts, Reckoning, reckon};
use super::rules::{self, Status};
use super::writer::{FilingJob, IdempotencyClaim};
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::idempotency;
use crate::merchants::MerchantStatus;

pub(super) const DUPLICATE_WINDOW_DAYS: u64 = 30;

/// How many of a complainant's recent cases the duplicate check reads.
pub(super) const DUPLICATE_SCAN_LIMIT: u64 = 30;

pub async fn categories(db: &impl ConnectionTrait) -> AppResult<Vec<ComplaintCategoryView>> {
    Ok(complaint_category::Entity::find()
        .order_by_asc(complaint_category::Column::SortOrder)
        .all(db)
        .await?
        .into_iter()
        .map(|c| ComplaintCategoryView {
            code: c.code,
            name: c.name,
        })
        .collect())
}

/// Complaint categories are seed data: checked against a per-instance copy.
pub(super) async fn known_category(svc: &Complaints, code: &str) -> AppResult<bool> {
    let codes = match svc.categories.get(&()).await {
        Some(codes) => codes,
        None => {
            let codes: std::sync::Arc<Vec<String>> = std::sync::Arc::new(
                categories(&svc.db)
                    .await?
                    .into_iter()
                    .map(|c| c.code)
                    .collect(),
            );
            svc.categories.insert((), codes.clone()).await;
            codes
        }
    };
    Ok(codes.iter().any(|c| c == code))
}

pub(super) struct ResolvedRespondent {
    shop_id: Option<Uuid>,
    merchant_id: Option<Uuid>,
    name: String,
    address: String,
    district_code: String,
    odr: bool,
}

pub(super) async fn approved_merchant(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> AppResult<Option<merchant::Model>> {
    Ok(merchant::Entity::find_by_id(id)
        .filter(merchant::Column::Status.eq(MerchantStatus::Approved))
        .one(db)
        .await?)
}

pub(super) async fn resolve_respondent(
    svc: &Complaints,
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
            .one(&svc.db)
            .await?
            .ok_or_else(|| AppError::invalid_field("shop_id", "unknown_shop"))?;
        let m = approved_merchant(&svc.db, s.merchant_id)
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
        let m = approved_merchant(&svc.db, merchant_id)
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
        &svc.db,
        std::slice::from_ref(&named.district_code),
        svc.today(),
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
pub(super) type EarlierCase = (Uuid, String, Option<Uuid>, Option<Uuid>, String);

/// An earlier case (30 days) of the same person against the same respondent
/// with a similar title: flagged for the handler, never refused.
pub(super) async fn possible_duplicate(
    svc: &Complaints,
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
        .all(&svc.db)
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

pub async fn file(
    svc: &Complaints,
    caller: &Principal,
    input: FileComplaint,
    key: Option<String>,
) -> AppResult<(StatusCode, Value)> {
    input.validate()?;
    if input
        .contact_address
        .as_deref()
        .is_none_or(|a| a.trim().is_empty())
    {
        return Err(AppError::invalid_field("contact_address", "required"));
    }
    let today = svc.today();
    if input.occurred_on > today {
        return Err(AppError::invalid_field("occurred_on", "in_future"));
    }
    if !known_category(svc, &input.category_code).await? {
        return Err(AppError::invalid_field("category_code", "unknown_category"));
    }
    svc.limiter.hit(&caller.user_id.to_string()).await?;
    let respondent = resolve_respondent(svc, &input).await?;
    let opening = reckon(
        &*svc.calendar.current().await?,
        &CaseFacts {
            received_on: today,
            odr: respondent.odr,
            escalated_on: None,
            transferred_on: None,
            accepted: None,
            pauses: Vec::new(),
        },
    );
    let duplicate_of =
        possible_duplicate(svc, caller.user_id, &respondent, &input.title, today).await?;
    let claim = key.map(|key| IdempotencyClaim {
        user_id: caller.user_id,
        key,
        fingerprint: idempotency::fingerprint(&input),
    });
    // Reserved before the transaction: on SQLite a second writer inside it would wait on itself.
    let number = svc
        .numbers
        .next(&svc.db, &today.format("%Y%m%d").to_string())
        .await?;
    let mut row = new_case(caller, input, respondent, opening, today, svc.clock.now());
    row.number = number;
    row.duplicate_of = duplicate_of;
    // The answer is known before the transaction, so the idempotency key is
    // claimed with it in one statement, by the batch writer.
    let filed = Filed {
        id: row.id,
        number: row.number.clone(),
        status: row.status.to_string(),
        deadlines: deadlines(&row, today),
        possible_duplicate_of: row.duplicate_of,
    };
    let body = serde_json::to_value(&filed).map_err(AppError::internal)?;
    let (reply, answer) = tokio::sync::oneshot::channel();
    let job = FilingJob {
        row,
        claim,
        body,
        reply,
    };
    svc.filing_writer
        .send(job)
        .await
        .map_err(|_| AppError::internal("filing writer stopped"))?;
    answer
        .await
        .map_err(|_| AppError::internal("filing writer dropped a filing"))?
}

/// The case as filed, before it has a number.
fn new_case(
    caller: &Principal,
    input: FileComplaint,
    respondent: ResolvedRespondent,
    opening: Reckoning,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> complaint::Model {
    let decide = opening.decide_by;
    // An ODR merchant first gets its window to settle directly.
    let status = if respondent.odr {
        Status::MerchantWindow
    } else {
        Status::Submitted
    };
    complaint::Model {
        id: Uuid::now_v7(),
        number: String::new(),
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
        status,
        odr: respondent.odr,
        received_on: today,
        odr_window_until: opening.window.map(|w| w.date),
        decide_by: decide.date,
        decide_by_provisional: decide.provisional,
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
        duplicate_of: None,
        mediate_rule: None,
        odr_escalated_on: None,
        transferred_on: None,
        deadlines_reckoned_at: Some(now),
        termination_reason: None,
        termination_notice_by: None,
        termination_notified_at: None,
        complainant_account_closed: false,
        created_at: now,
        updated_at: now,
    }
}
