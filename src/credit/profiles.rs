//! Computing, storing and reading credit profiles. A recompute reads the
//! facts of a batch of merchants, scores them under the rules in force
//! today, writes the profiles that changed and a history row for each
//! change of score or grade.

use std::collections::HashMap;
use std::sync::Arc;

use entity::status::MerchantStatus;
use entity::{credit_rule_set, merchant, merchant_credit, merchant_credit_history};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use uuid::Uuid;

use super::Credit;
use super::dto::{CreditHistoryEntry, CreditView};
use super::facts;
use super::oversight;
use super::rules::{self, CreditRules};
use crate::error::{AppError, AppResult};

/// Merchants scored per transaction.
const BATCH: usize = 1000;

/// The stored rule versions (the seed's when none is stored), oldest first.
pub async fn rule_sets(svc: &Credit) -> AppResult<Arc<Vec<CreditRules>>> {
    let db = svc.db.clone();
    svc.rules
        .try_get_with((), async move {
            let stored = credit_rule_set::Entity::find()
                .order_by_asc(credit_rule_set::Column::EffectiveFrom)
                .all(&db)
                .await?;
            let mut sets = Vec::with_capacity(stored.len());
            for row in stored {
                let set: CreditRules = serde_json::from_str(&row.body)
                    .map_err(|e| AppError::internal(format!("credit rules {}: {e}", row.code)))?;
                sets.push(set);
            }
            if sets.is_empty() {
                sets = rules::seed_rule_sets()
                    .map_err(|e| AppError::internal(format!("credit_rules.json: {e}")))?;
            }
            Ok::<_, AppError>(Arc::new(sets))
        })
        .await
        .map_err(|e| e.clone_for_reply())
}

/// Scores the approved merchants among `only` (all when `None`); returns
/// how many profiles changed.
pub async fn recompute(svc: &Credit, only: Option<&[Uuid]>) -> AppResult<usize> {
    let today = svc.clock.now_local().date_naive();
    let sets = rule_sets(svc).await?;
    let Some(rules) = rules::in_force(&sets, today) else {
        tracing::warn!(%today, "no credit rules in force: profiles left as they are");
        return Ok(0);
    };
    let mut changed = 0;
    match only {
        // A few merchants: each read limited to them.
        Some(ids) => {
            for batch in ids.chunks(BATCH) {
                let facts = facts::gather(&svc.db, Some(batch), today, rules.window_months).await?;
                let facts: Vec<_> = facts.into_iter().collect();
                changed += store(svc, rules, &facts).await?;
            }
        }
        // Everyone: each table read once, whole, then written in batches.
        None => {
            let facts: Vec<_> = facts::gather(&svc.db, None, today, rules.window_months)
                .await?
                .into_iter()
                .collect();
            for batch in facts.chunks(BATCH) {
                changed += store(svc, rules, batch).await?;
            }
        }
    }
    Ok(changed)
}

async fn store(
    svc: &Credit,
    rules: &CreditRules,
    facts: &[(Uuid, rules::MerchantFacts)],
) -> AppResult<usize> {
    if facts.is_empty() {
        return Ok(0);
    }
    let now = svc.clock.now();
    let before: HashMap<Uuid, merchant_credit::Model> = merchant_credit::Entity::find()
        .filter(merchant_credit::Column::MerchantId.is_in(facts.iter().map(|(id, _)| *id)))
        .all(&svc.db)
        .await?
        .into_iter()
        .map(|p| (p.merchant_id, p))
        .collect();
    let mut profiles = Vec::new();
    let mut history = Vec::new();
    for (id, f) in facts {
        let a = rules::assess(f, rules);
        let grade = a.grade.to_string();
        let factors = serde_json::to_string(&a.factors)
            .map_err(|e| AppError::internal(format!("credit factors: {e}")))?;
        let old = before.get(id);
        if old.is_some_and(|p| {
            p.score == a.score
                && p.grade == grade
                && p.factors == factors
                && p.rules_version == rules.code
        }) {
            continue;
        }
        if old.is_none_or(|p| p.score != a.score || p.grade != grade) {
            history.push(merchant_credit_history::ActiveModel {
                id: Set(Uuid::now_v7()),
                merchant_id: Set(*id),
                score: Set(a.score),
                grade: Set(grade.clone()),
                rules_version: Set(rules.code.clone()),
                as_of: Set(now),
            });
        }
        profiles.push(merchant_credit::ActiveModel {
            merchant_id: Set(*id),
            score: Set(a.score),
            grade: Set(grade),
            factors: Set(factors),
            rules_version: Set(rules.code.clone()),
            as_of: Set(now),
        });
    }
    let changed = profiles.len();
    if changed == 0 {
        return Ok(0);
    }
    let _turn = svc.gate.turn().await;
    let txn = svc.db.begin().await?;
    // Parameters per statement stay well inside SQLite's limit.
    for chunk in profiles.chunks(500) {
        merchant_credit::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::column(merchant_credit::Column::MerchantId)
                    .update_columns([
                        merchant_credit::Column::Score,
                        merchant_credit::Column::Grade,
                        merchant_credit::Column::Factors,
                        merchant_credit::Column::RulesVersion,
                        merchant_credit::Column::AsOf,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
    }
    for chunk in history.chunks(500) {
        merchant_credit_history::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(changed)
}

pub(super) async fn approved_merchant(svc: &Credit, id: Uuid) -> AppResult<merchant::Model> {
    merchant::Entity::find_by_id(id)
        .filter(merchant::Column::Status.eq(MerchantStatus::Approved))
        .one(&svc.db)
        .await?
        .ok_or_else(|| AppError::not_found("商户不存在"))
}

/// Hands the shop index every merchant's grade as residents see it (an
/// override in force, else the score's).
pub async fn publish_grades(svc: &Credit) -> AppResult<usize> {
    let today = svc.clock.now_local().date_naive();
    let mut grades: crate::places::CreditGrades = merchant_credit::Entity::find()
        .select_only()
        .columns([
            merchant_credit::Column::MerchantId,
            merchant_credit::Column::Grade,
        ])
        .into_tuple::<(Uuid, String)>()
        .all(&svc.db)
        .await?
        .into_iter()
        .filter_map(|(id, g)| Some((id, rank(&g)?)))
        .collect();
    // Oldest first, so the newest override of a merchant is the one kept.
    for o in entity::credit_override::Entity::find()
        .filter(entity::credit_override::Column::EndsOn.gte(today))
        .order_by_asc(entity::credit_override::Column::SetAt)
        .all(&svc.db)
        .await?
    {
        if let Some(r) = rank(&o.grade) {
            grades.insert(o.merchant_id, r);
        }
    }
    let n = grades.len();
    svc.places.set_credit_grades(grades);
    Ok(n)
}

fn rank(grade: &str) -> Option<u8> {
    ["A", "B", "C", "D"]
        .iter()
        .position(|g| *g == grade)
        .and_then(|p| u8::try_from(p).ok())
}

/// The stored profile with the override in force and the appeals.
async fn view(
    svc: &Credit,
    m: &merchant::Model,
    p: merchant_credit::Model,
) -> AppResult<CreditView> {
    let today = svc.clock.now_local().date_naive();
    let override_ = oversight::override_in_force(&svc.db, m.id, today).await?;
    let appeals = oversight::appeals_of(&svc.db, m.id, &m.name).await?;
    Ok(CreditView {
        merchant_id: m.id,
        merchant_name: m.name.clone(),
        grade: override_
            .as_ref()
            .map_or_else(|| p.grade.clone(), |o| o.grade.clone()),
        computed_grade: p.grade,
        score: p.score,
        factors: serde_json::from_str(&p.factors).unwrap_or_default(),
        as_of: p.as_of,
        rules_version: p.rules_version,
        override_,
        appeals,
    })
}

/// The profile of an approved merchant, computed now if it never was.
pub async fn profile(svc: &Credit, id: Uuid) -> AppResult<CreditView> {
    let m = approved_merchant(svc, id).await?;
    profile_of(svc, &m).await
}

pub(super) async fn profile_of(svc: &Credit, m: &merchant::Model) -> AppResult<CreditView> {
    if let Some(p) = merchant_credit::Entity::find_by_id(m.id)
        .one(&svc.db)
        .await?
    {
        return view(svc, m, p).await;
    }
    recompute(svc, Some(&[m.id])).await?;
    let p = merchant_credit::Entity::find_by_id(m.id)
        .one(&svc.db)
        .await?
        .ok_or_else(|| AppError::internal("credit profile not written"))?;
    view(svc, m, p).await
}

/// Score and grade as they changed, newest first (the last 100).
pub async fn history(svc: &Credit, id: Uuid) -> AppResult<Vec<CreditHistoryEntry>> {
    let m = approved_merchant(svc, id).await?;
    // A merchant never scored gets its first entry now.
    profile_of(svc, &m).await?;
    Ok(merchant_credit_history::Entity::find()
        .filter(merchant_credit_history::Column::MerchantId.eq(id))
        .order_by_desc(merchant_credit_history::Column::AsOf)
        .limit(100)
        .all(&svc.db)
        .await?
        .into_iter()
        .map(|h| CreditHistoryEntry {
            grade: h.grade,
            score: h.score,
            rules_version: h.rules_version,
            as_of: h.as_of,
        })
        .collect())
}
