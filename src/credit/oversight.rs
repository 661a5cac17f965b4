//! People over the score: an admin's grade with a reason and an end date,
//! and a merchant's appeal against a factor, answered by an admin. Both
//! show on the profile; staff actions are audited by the role extractors.

use chrono::NaiveDate;
use entity::{credit_appeal, credit_override};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::Credit;
use super::dto::{
    AppealAnswer, AppealDecision, AppealView, CreditView, NewAppeal, OverrideView, SetOverride,
};
use super::profiles::{approved_merchant, profile_of};
use crate::auth::Principal;
use crate::error::{AppError, AppResult, is_unique_violation};

pub const OPEN: &str = "open";
const GRADES: [&str; 4] = ["A", "B", "C", "D"];
/// An override lasts at most a year.
const MAX_OVERRIDE_DAYS: i64 = 366;

pub async fn override_in_force(
    db: &impl ConnectionTrait,
    merchant_id: Uuid,
    today: NaiveDate,
) -> AppResult<Option<OverrideView>> {
    Ok(credit_override::Entity::find()
        .filter(credit_override::Column::MerchantId.eq(merchant_id))
        .filter(credit_override::Column::EndsOn.gte(today))
        .order_by_desc(credit_override::Column::SetAt)
        .one(db)
        .await?
        .map(|o| OverrideView {
            grade: o.grade,
            reason: o.reason,
            ends_on: o.ends_on,
            set_at: o.set_at,
        }))
}

fn appeal_view(a: credit_appeal::Model, merchant_name: String) -> AppealView {
    AppealView {
        id: a.id,
        merchant_id: a.merchant_id,
        merchant_name,
        factor_code: a.factor_code,
        statement: a.statement,
        filed_at: a.filed_at,
        status: a.status,
        answer: a.answer,
        answered_at: a.answered_at,
    }
}

pub async fn appeals_of(
    db: &impl ConnectionTrait,
    merchant_id: Uuid,
    merchant_name: &str,
) -> AppResult<Vec<AppealView>> {
    Ok(credit_appeal::Entity::find()
        .filter(credit_appeal::Column::MerchantId.eq(merchant_id))
        .order_by_desc(credit_appeal::Column::FiledAt)
        .limit(20)
        .all(db)
        .await?
        .into_iter()
        .map(|a| appeal_view(a, merchant_name.to_owned()))
        .collect())
}

/// Appeals with their merchants' names.
async fn named(
    db: &impl ConnectionTrait,
    appeals: Vec<credit_appeal::Model>,
) -> AppResult<Vec<AppealView>> {
    let ids: Vec<Uuid> = appeals.iter().map(|a| a.merchant_id).collect();
    let names: std::collections::HashMap<Uuid, String> = entity::merchant::Entity::find()
        .filter(entity::merchant::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m.name))
        .collect();
    Ok(appeals
        .into_iter()
        .map(|a| {
            let name = names.get(&a.merchant_id).cloned().unwrap_or_default();
            appeal_view(a, name)
        })
        .collect())
}

/// Sets the grade until `ends_on`; the newest override wins.
pub async fn set_override(
    svc: &Credit,
    admin: &Principal,
    merchant_id: Uuid,
    input: SetOverride,
) -> AppResult<CreditView> {
    let m = approved_merchant(svc, merchant_id).await?;
    let today = svc.clock.now_local().date_naive();
    let grade = input.grade.trim().to_ascii_uppercase();
    if !GRADES.contains(&grade.as_str()) {
        return Err(AppError::invalid_field("grade", "one_of_a_b_c_d"));
    }
    if input.ends_on < today || (input.ends_on - today).num_days() > MAX_OVERRIDE_DAYS {
        return Err(AppError::invalid_field("ends_on", "today_to_a_year_ahead"));
    }
    let _turn = svc.gate.turn().await;
    credit_override::Entity::insert(credit_override::ActiveModel {
        id: Set(Uuid::now_v7()),
        merchant_id: Set(merchant_id),
        grade: Set(grade),
        reason: Set(input.reason.trim().to_owned()),
        ends_on: Set(input.ends_on),
        set_by: Set(admin.user_id),
        set_at: Set(svc.clock.now()),
    })
    .exec_without_returning(&svc.db)
    .await?;
    drop(_turn);
    svc.scanned.invalidate(&merchant_id).await;
    super::profiles::publish_grades(svc).await?;
    profile_of(svc, &m).await
}

/// A merchant's staff appeal one factor; one open appeal per factor.
pub async fn appeal(svc: &Credit, staff: &Principal, input: NewAppeal) -> AppResult<AppealView> {
    staff.require_staff_of(input.merchant_id)?;
    let m = approved_merchant(svc, input.merchant_id).await?;
    let profile = profile_of(svc, &m).await?;
    let code = input.factor_code.trim();
    if !profile.factors.iter().any(|f| f.code == code) {
        return Err(AppError::invalid_field("factor_code", "unknown_factor"));
    }
    let row = credit_appeal::Model {
        id: Uuid::now_v7(),
        merchant_id: m.id,
        factor_code: code.to_owned(),
        statement: input.statement.trim().to_owned(),
        filed_by: staff.user_id,
        filed_at: svc.clock.now(),
        status: OPEN.to_owned(),
        answer: None,
        answered_by: None,
        answered_at: None,
    };
    let _turn = svc.gate.turn().await;
    // The partial unique index keeps one open appeal per factor, also
    // between two instances.
    match credit_appeal::Entity::insert(credit_appeal::ActiveModel::from(row.clone()))
        .exec_without_returning(&svc.db)
        .await
    {
        Ok(_) => Ok(appeal_view(row, m.name)),
        Err(e) if is_unique_violation(&e, "credit_appeals") => {
            Err(AppError::conflict("appeal_open", "该项已有待答复的申诉"))
        }
        Err(e) => Err(e.into()),
    }
}

/// Open appeals first, oldest first; then the answered ones, newest first.
pub async fn review_queue(svc: &Credit) -> AppResult<Vec<AppealView>> {
    let mut rows = credit_appeal::Entity::find()
        .filter(credit_appeal::Column::Status.eq(OPEN))
        .order_by_asc(credit_appeal::Column::FiledAt)
        .limit(200)
        .all(&svc.db)
        .await?;
    rows.extend(
        credit_appeal::Entity::find()
            .filter(credit_appeal::Column::Status.ne(OPEN))
            .order_by_desc(credit_appeal::Column::AnsweredAt)
            .limit(50)
            .all(&svc.db)
            .await?,
    );
    named(&svc.db, rows).await
}

/// An admin answers an open appeal, once.
pub async fn answer(
    svc: &Credit,
    admin: &Principal,
    id: Uuid,
    input: AppealAnswer,
) -> AppResult<AppealView> {
    let status = match input.decision {
        AppealDecision::Upheld => "upheld",
        AppealDecision::Dismissed => "dismissed",
    };
    let _turn = svc.gate.turn().await;
    let answered = credit_appeal::Entity::update_many()
        .col_expr(credit_appeal::Column::Status, status.into())
        .col_expr(
            credit_appeal::Column::Answer,
            Some(input.answer.trim().to_owned()).into(),
        )
        .col_expr(
            credit_appeal::Column::AnsweredBy,
            Some(admin.user_id).into(),
        )
        .col_expr(
            credit_appeal::Column::AnsweredAt,
            Some(svc.clock.now()).into(),
        )
        .filter(credit_appeal::Column::Id.eq(id))
        .filter(credit_appeal::Column::Status.eq(OPEN))
        .exec_with_returning(&svc.db)
        .await?;
    if let Some(a) = answered.into_iter().next() {
        return Ok(named(&svc.db, vec![a]).await?.remove(0));
    }
    match credit_appeal::Entity::find_by_id(id).one(&svc.db).await? {
        Some(_) => Err(AppError::conflict("appeal_answered", "该申诉已答复")),
        None => Err(AppError::not_found("申诉不存在")),
    }
}
