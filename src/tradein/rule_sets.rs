//! Admins publish a new programme year's rules as data, and end a set's
//! window: no release is needed when the subsidy changes. A set already
//! used keeps its rates (applications name the set they were priced by);
//! only its end date can move, and never into the past.

use actix_web::http::StatusCode;
use chrono::NaiveDate;
use entity::trade_in_rule_set;
use sea_orm::{ActiveValue::Set, EntityTrait, IntoActiveModel};
use serde_json::json;

use super::TradeIn;
use super::dto::{EndRuleSet, RuleSetView};
use super::rule_book::load_rules;
use super::rule_checks::check_set;
use super::rules::{RuleBody, RuleSet, clash};
use crate::error::{AppError, AppResult, FieldErrors};

pub const RULE_SET_EXISTS: &str = "rule_set_exists";

fn view(set: RuleSet, today: NaiveDate) -> RuleSetView {
    RuleSetView {
        in_force_today: set.in_force_on(today),
        set,
    }
}

/// Every set, the latest start first.
pub async fn list(svc: &TradeIn) -> AppResult<Vec<RuleSetView>> {
    let book = load_rules(&svc.db).await?;
    let today = svc.today();
    Ok(book
        .sets()
        .iter()
        .rev()
        .cloned()
        .map(|s| view(s, today))
        .collect())
}

/// The problems a new or changed set has against the others.
fn problems(others: &[RuleSet], set: &RuleSet) -> FieldErrors {
    let mut errors = FieldErrors::new();
    for (field, reason) in check_set(set) {
        errors.entry(field).or_default().push(reason);
    }
    if let Some(other) = clash(others, set) {
        errors
            .entry("effective_from".to_owned())
            .or_default()
            .push(format!("overlaps:{}", other.code));
    }
    // The extra and the rural list name products of the national catalogue.
    let listed = match &set.body {
        RuleBody::RecyclingBonus { categories, .. } | RuleBody::RuralList { categories } => {
            categories.as_slice()
        }
        RuleBody::National { .. } => &[],
    };
    if !listed.is_empty() {
        let book = super::rules::RuleBook::new(others.to_vec()).ok();
        for code in listed {
            let known = book
                .as_ref()
                .is_some_and(|b| b.catalogue_category(code, set.effective_from).is_some());
            if !known {
                errors
                    .entry("categories".to_owned())
                    .or_default()
                    .push(format!("unknown_category:{code}"));
            }
        }
    }
    errors
}

/// Publishes a set. The same set sent again (a retry) is answered with the
/// stored one; another set under a taken code is a conflict.
pub async fn publish(svc: &TradeIn, set: RuleSet) -> AppResult<(StatusCode, RuleSetView)> {
    let today = svc.today();
    // One admin publishing at a time on this instance; reads first and a
    // single write after, as SQLite wants (no read-then-write transaction).
    let _turn = svc.gate.turn().await;
    let existing = load_rules(&svc.db).await?;
    if let Some(stored) = existing.sets().iter().find(|s| s.code == set.code) {
        if *stored == set {
            return Ok((StatusCode::OK, view(stored.clone(), today)));
        }
        return Err(AppError::conflict(
            RULE_SET_EXISTS,
            "该规则编码已被使用；新一年的规则请用新的编码",
        )
        .with_details(json!({ "code": set.code })));
    }
    let errors = problems(existing.sets(), &set);
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    trade_in_rule_set::Entity::insert(trade_in_rule_set::ActiveModel {
        code: Set(set.code.clone()),
        kind: Set(set.body.kind().to_owned()),
        effective_from: Set(set.effective_from),
        effective_to: Set(set.effective_to),
        body: Set(serde_json::to_string(&set).map_err(AppError::internal)?),
        created_at: Set(svc.clock.now()),
    })
    .exec_without_returning(&svc.db)
    .await?;
    svc.rules.invalidate_all();
    Ok((StatusCode::CREATED, view(set, today)))
}

/// Sets or moves the last day of a set's window, not before today: days
/// already past keep the rules residents were quoted.
pub async fn end(svc: &TradeIn, code: &str, input: EndRuleSet) -> AppResult<RuleSetView> {
    let today = svc.today();
    if input.effective_to < today {
        return Err(AppError::invalid_field("effective_to", "in_past"));
    }
    let _turn = svc.gate.turn().await;
    let row = trade_in_rule_set::Entity::find_by_id(code.to_owned())
        .one(&svc.db)
        .await?
        .ok_or_else(|| AppError::not_found("补贴规则不存在"))?;
    let existing = load_rules(&svc.db).await?;
    let mut set: RuleSet = serde_json::from_str(&row.body).map_err(AppError::internal)?;
    if set.effective_to.is_some_and(|end| end < today) {
        return Err(AppError::invalid_field(
            "effective_to",
            "window_already_over",
        ));
    }
    set.effective_to = Some(input.effective_to);
    let errors = problems(existing.sets(), &set);
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let mut changed = row.into_active_model();
    changed.effective_to = Set(set.effective_to);
    changed.body = Set(serde_json::to_string(&set).map_err(AppError::internal)?);
    trade_in_rule_set::Entity::update(changed)
        .exec(&svc.db)
        .await?;
    svc.rules.invalidate_all();
    Ok(view(set, today))
}
