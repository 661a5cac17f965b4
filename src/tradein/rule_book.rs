//! The subsidy rule sets in force, read from the database and kept by each
//! instance for a minute, so a new version reaches every instance without a
//! deploy.

use std::sync::Arc;

use chrono::NaiveDate;
use entity::trade_in_rule_set;
use sea_orm::{ConnectionTrait, EntityTrait};

use super::TradeIn;
use super::rules::{Group, RuleBook, RuleSet};
use crate::error::{AppError, AppResult};

pub async fn load_rules(db: &impl ConnectionTrait) -> AppResult<RuleBook> {
    let rows = trade_in_rule_set::Entity::find().all(db).await?;
    let sets = rows
        .iter()
        .map(|row| serde_json::from_str::<RuleSet>(&row.body))
        .collect::<Result<Vec<_>, _>>()
        .map_err(AppError::internal)?;
    RuleBook::new(sets).map_err(AppError::internal)
}

pub async fn rule_book(svc: &TradeIn) -> AppResult<Arc<RuleBook>> {
    let db = svc.db.clone();
    svc.rules
        .try_get_with((), async move { load_rules(&db).await.map(Arc::new) })
        .await
        .map_err(|e| e.clone_for_reply())
}

/// The group of a category in the catalogue of `day` (offers need it),
/// also between programmes.
pub fn group_of(book: &RuleBook, category: &str, day: NaiveDate) -> Option<Group> {
    book.catalogue_category(category, day).map(|c| c.group)
}
