use std::collections::HashMap;

use entity::{merchant, merchant_staff};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use uuid::Uuid;

use super::MerchantStatus;
use super::dto::{
    Commitments, ComplaintFigures, DistrictRef, MerchantApplication, MerchantProfile, MerchantView,
};
use crate::auth::service::Identity;
use crate::districts;
use crate::error::{AppError, AppResult, codes, is_unique_violation};
use crate::pagination::{Page, Paginated};

async fn district_names(db: &impl ConnectionTrait) -> AppResult<HashMap<String, String>> {
    Ok(districts::service::names(db).await?)
}

fn district_ref(names: &HashMap<String, String>, code: &str) -> DistrictRef {
    DistrictRef {
        code: code.to_owned(),
        name: names.get(code).cloned().unwrap_or_default(),
    }
}

fn commitments(m: &merchant::Model) -> Commitments {
    Commitments {
        no_reason_return: m.no_reason_return,
        first_compensation: m.first_compensation,
        odr: m.odr,
    }
}

fn view(m: merchant::Model, names: &HashMap<String, String>) -> MerchantView {
    MerchantView {
        id: m.id,
        district: district_ref(names, &m.district_code),
        commitments: commitments(&m),
        name: m.name,
        uscc: m.uscc,
        address: m.address,
        contact_phone: m.contact_phone,
        status: m.status.to_string(),
        reject_reason: m.reject_reason,
        applicant_id: m.applicant_id,
        created_at: m.created_at,
        reviewed_at: m.reviewed_at,
    }
}

pub async fn apply(
    identity: &Identity,
    applicant_id: Uuid,
    input: MerchantApplication,
) -> AppResult<MerchantView> {
    let today = identity.clock.now_local().date_naive();
    if !districts::service::not_in_force(
        &identity.db,
        std::slice::from_ref(&input.district_code),
        today,
    )
    .await?
    .is_empty()
    {
        return Err(AppError::invalid_field("district_code", "unknown_district"));
    }
    let now = identity.clock.now();
    let row = merchant::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(input.name.trim().to_owned()),
        uscc: Set(input.uscc),
        district_code: Set(input.district_code),
        address: Set(input.address.trim().to_owned()),
        contact_phone: Set(input.contact_phone),
        no_reason_return: Set(input.commitments.no_reason_return),
        first_compensation: Set(input.commitments.first_compensation),
        odr: Set(input.commitments.odr),
        status: Set(MerchantStatus::Pending),
        reject_reason: Set(None),
        applicant_id: Set(applicant_id),
        reviewed_by: Set(None),
        reviewed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let created = row.insert(&identity.db).await.map_err(|e| {
        if is_unique_violation(&e, "uscc") {
            AppError::conflict(codes::USCC_TAKEN, "该统一社会信用代码已登记")
        } else {
            e.into()
        }
    })?;
    let names = district_names(&identity.db).await?;
    Ok(view(created, &names))
}

pub async fn list_for_review(
    db: &impl ConnectionTrait,
    status: MerchantStatus,
    page: Page,
) -> AppResult<Paginated<MerchantView>> {
    let mut query = merchant::Entity::find().filter(merchant::Column::Status.eq(status));
    if let Some(after) = page.after {
        query = query.filter(merchant::Column::Id.gt(after));
    }
    let rows = query
        .order_by_asc(merchant::Column::Id)
        .limit(page.limit + 1)
        .all(db)
        .await?;
    let names = district_names(db).await?;
    Ok(Paginated::from_rows(
        rows,
        page,
        |m| m.id,
        |m| view(m, &names),
    ))
}

pub async fn mine(db: &impl ConnectionTrait, applicant_id: Uuid) -> AppResult<Vec<MerchantView>> {
    let rows = merchant::Entity::find()
        .filter(merchant::Column::ApplicantId.eq(applicant_id))
        .order_by_desc(merchant::Column::Id)
        .all(db)
        .await?;
    let names = district_names(db).await?;
    Ok(rows.into_iter().map(|m| view(m, &names)).collect())
}

pub async fn public_profile(
    db: &impl ConnectionTrait,
    id: Uuid,
    today: chrono::NaiveDate,
) -> AppResult<MerchantProfile> {
    let m = merchant::Entity::find_by_id(id)
        .filter(merchant::Column::Status.eq(MerchantStatus::Approved))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("商户不存在"))?;
    let names = district_names(db).await?;
    let from = today
        .checked_sub_days(chrono::Days::new(364))
        .unwrap_or(today);
    let figures = crate::complaints::disclosure::merchants(db, from, today)
        .await?
        .into_iter()
        .find(|d| d.merchant_id == m.id);
    let credit_grade = match crate::credit::oversight::override_in_force(db, m.id, today).await? {
        Some(o) => Some(o.grade),
        None => entity::merchant_credit::Entity::find_by_id(m.id)
            .one(db)
            .await?
            .map(|p| p.grade),
    };
    Ok(MerchantProfile {
        credit_grade,
        complaints: ComplaintFigures {
            complaints: figures.as_ref().map_or(0, |f| f.complaints),
            accepted: figures.as_ref().map_or(0, |f| f.accepted),
            mediation_success_rate: figures.as_ref().and_then(|f| f.mediation_success_rate),
            direct_settlement_rate: figures.as_ref().and_then(|f| f.direct_settlement_rate),
        },
        id: m.id,
        district: district_ref(&names, &m.district_code),
        commitments: commitments(&m),
        name: m.name,
        address: m.address,
        contact_phone: m.contact_phone,
        approved_at: m.reviewed_at,
    })
}

/// Moves a pending application to approved or rejected. The conditional
/// update makes two admins deciding at once safe: one wins, the other gets
/// 409 `invalid_transition`.
async fn decide(
    identity: &Identity,
    admin_id: Uuid,
    id: Uuid,
    to: MerchantStatus,
    reason: Option<String>,
) -> AppResult<MerchantView> {
    let now = identity.clock.now();
    let txn = identity.db.begin().await?;
    let updated = merchant::Entity::update_many()
        .col_expr(merchant::Column::Status, Expr::value(to))
        .col_expr(merchant::Column::RejectReason, Expr::value(reason))
        .col_expr(merchant::Column::ReviewedBy, Expr::value(Some(admin_id)))
        .col_expr(merchant::Column::ReviewedAt, Expr::value(Some(now)))
        .col_expr(merchant::Column::UpdatedAt, Expr::value(now))
        .filter(merchant::Column::Id.eq(id))
        .filter(merchant::Column::Status.eq(MerchantStatus::Pending))
        .exec(&txn)
        .await?;
    let m = merchant::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("商户申请不存在"))?;
    if updated.rows_affected == 0 {
        return Err(AppError::invalid_transition(format!(
            "申请当前状态为 {}，不能再审核",
            m.status
        )));
    }
    if to == MerchantStatus::Approved {
        merchant_staff::Entity::insert(merchant_staff::ActiveModel {
            merchant_id: Set(m.id),
            user_id: Set(m.applicant_id),
            created_at: Set(now),
        })
        .on_conflict_do_nothing_on([
            merchant_staff::Column::MerchantId,
            merchant_staff::Column::UserId,
        ])
        .exec(&txn)
        .await?;
    }
    txn.commit().await?;
    // The applicant becomes staff: their roles change now on this instance.
    identity.forget_roles(m.applicant_id).await;
    tracing::info!(%admin_id, merchant_id = %id, status = %to, "merchant reviewed");
    let names = district_names(&identity.db).await?;
    Ok(view(m, &names))
}

pub async fn approve(identity: &Identity, admin_id: Uuid, id: Uuid) -> AppResult<MerchantView> {
    decide(identity, admin_id, id, MerchantStatus::Approved, None).await
}

pub async fn reject(
    identity: &Identity,
    admin_id: Uuid,
    id: Uuid,
    reason: String,
) -> AppResult<MerchantView> {
    decide(
        identity,
        admin_id,
        id,
        MerchantStatus::Rejected,
        Some(reason.trim().to_owned()),
    )
    .await
}
