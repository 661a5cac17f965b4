//! What a purchase earns: the categories with their rule in force, and a
//! quote that names the rule and explains itself.

use super::TradeIn;
use super::dto::*;
use super::rule_book::rule_book;
use super::rules::{self, Purchase};
use crate::error::{AppError, AppResult};

pub async fn categories(svc: &TradeIn) -> AppResult<Vec<TradeInCategory>> {
    let book = rule_book(svc).await?;
    let day = svc.today();
    // Between programmes the products stay listed, marked as earning nothing.
    let Some((set, categories)) = book.catalogue(day) else {
        return Ok(Vec::new());
    };
    let in_force = set.in_force_on(day);
    Ok(categories
        .iter()
        .map(|c| {
            let bonus = book.recycling_bonus(&c.code, day).filter(|_| in_force);
            TradeInCategory {
                code: c.code.clone(),
                name: c.name.clone(),
                group: c.group,
                rule: set.code.clone(),
                programme_in_force: in_force,
                rule_name: set.name.clone(),
                grade_rates: c
                    .grade_rates_bp
                    .iter()
                    .map(|(grade, bp)| (grade.clone(), rules::rate_fraction(*bp)))
                    .collect(),
                flat_rate: c.flat_rate_bp.map(rules::rate_fraction),
                price_limit_fen: c.price_limit_fen,
                cap_fen: c.cap_fen,
                per_year: c.per_year,
                recycling_bonus_rate: bonus.map(|(_, bp, _)| rules::rate_fraction(bp)),
                recycling_rule: bonus.map(|(s, _, _)| s.code.clone()),
                rural_list: book.rural_list(&c.code, day).map(|s| s.code.clone()),
            }
        })
        .collect())
}

pub(super) fn check_price_and_grade(price_fen: i64, grade: Option<u8>) -> AppResult<()> {
    if !(1..=100_000_000).contains(&price_fen) {
        return Err(AppError::invalid_field("price_fen", "out_of_range"));
    }
    if grade.is_some_and(|g| !(1..=5).contains(&g)) {
        return Err(AppError::invalid_field("efficiency_grade", "out_of_range"));
    }
    Ok(())
}

pub async fn quote(svc: &TradeIn, q: &QuoteQuery) -> AppResult<QuoteView> {
    check_price_and_grade(q.price_fen, q.efficiency_grade)?;
    let book = rule_book(svc).await?;
    let day = q.invoice_date.or(q.date).unwrap_or_else(|| svc.today());
    let quote = book.quote(&Purchase {
        category: &q.category,
        price_fen: q.price_fen,
        efficiency_grade: q.efficiency_grade,
        day,
        recycling: q.recycling.unwrap_or(false),
    });
    if quote.reason == Some(rules::UNKNOWN_CATEGORY) {
        return Err(AppError::invalid_field("category", rules::UNKNOWN_CATEGORY));
    }
    let name = book
        .catalogue_category(&q.category, day)
        .map_or(q.category.as_str(), |c| c.name.as_str());
    Ok(QuoteView {
        explanation: quote.explanation(name, q.price_fen),
        eligible: quote.eligible,
        reason: quote.reason.map(str::to_owned),
        subsidy_fen: quote.subsidy_fen,
        rate: rules::rate_fraction(quote.rate_bp),
        cap_fen: quote.cap_fen,
        capped: quote.capped,
        rule: quote.rule,
        rule_name: quote.rule_name,
        national_subsidy_fen: quote.national_subsidy_fen,
        recycling_bonus_fen: quote.recycling_bonus_fen,
        recycling_rule: quote.recycling_rule,
        per_year: quote.per_year,
        programme_year: quote.programme_year,
        rural_list: quote.rural_list,
    })
}
