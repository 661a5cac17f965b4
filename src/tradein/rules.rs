//! Subsidy rules as versioned data and their evaluation: plain functions,
//! no I/O. A rule set is in force on the days of its window (Chongqing dates,
//! both ends inclusive); each kind has at most one set in force on a day.
//!
//! Money is integer fen and rates are basis points, so 4,999.00 yuan at 20%
//! is exactly 99,980 fen. Amounts round down to the fen: a subsidy never
//! exceeds its stated rate.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::rule_checks;

pub const BASIS_POINTS: i64 = 10_000;

// Reasons a purchase earns nothing (the quote says which).
/// No national programme is in force on the invoice date.
pub const NO_PROGRAMME: &str = "no_programme";
pub const UNKNOWN_CATEGORY: &str = "unknown_category";
pub const GRADE_REQUIRED: &str = "efficiency_grade_required";
pub const GRADE_NOT_ELIGIBLE: &str = "efficiency_grade_not_eligible";
pub const PRICE_OVER_LIMIT: &str = "price_over_limit";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// Household appliances, subsidised by energy/water-efficiency grade.
    Appliance,
    /// Phones, tablets and smartwatches: a flat rate under a price limit.
    Digital,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CategoryRule {
    pub code: String,
    pub name: String,
    pub group: Group,
    /// Rate by efficiency grade ("1".."5"; appliances); grades not listed
    /// get nothing. String keys, as JSON has them.
    #[serde(default)]
    pub grade_rates_bp: BTreeMap<String, u32>,
    /// Rate whatever the grade (digital products).
    #[serde(default)]
    pub flat_rate_bp: Option<u32>,
    /// Highest price that still qualifies, inclusive.
    #[serde(default)]
    pub price_limit_fen: Option<i64>,
    /// Most subsidy per item.
    pub cap_fen: i64,
    /// Items per person per programme (calendar) year.
    pub per_year: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RuleBody {
    /// The national subsidy per category.
    National { categories: Vec<CategoryRule> },
    /// Chongqing's extra when the old unit's recycling is booked.
    RecyclingBonus {
        rate_bp: u32,
        /// Most extra per item, if any.
        cap_fen: Option<i64>,
        /// true: national subsidy and extra together stay within the
        /// national cap; false: the extra comes on top of it.
        #[serde(default)]
        within_national_cap: bool,
        categories: Vec<String>,
    },
    /// 家电下乡: products listed for rural residents.
    RuralList { categories: Vec<String> },
}

impl RuleBody {
    pub fn kind(&self) -> &'static str {
        match self {
            RuleBody::National { .. } => "national",
            RuleBody::RecyclingBonus { .. } => "recycling_bonus",
            RuleBody::RuralList { .. } => "rural_list",
        }
    }
}

/// A versioned rule set, as in `seeds/trade_in_rules.json`: a code such as
/// `national-2027`, a name, a window of Chongqing dates (both ends
/// inclusive; no end: until ended) and by `kind` its rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RuleSet {
    pub code: String,
    pub name: String,
    pub effective_from: NaiveDate,
    pub effective_to: Option<NaiveDate>,
    #[serde(flatten)]
    pub body: RuleBody,
}

impl RuleSet {
    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        day >= self.effective_from && self.effective_to.is_none_or(|end| day <= end)
    }

    pub fn overlaps(&self, other: &RuleSet) -> bool {
        let ends_before =
            |a: &RuleSet, b: &RuleSet| a.effective_to.is_some_and(|end| end < b.effective_from);
        !(ends_before(self, other) || ends_before(other, self))
    }
}

/// A set of the same kind as `set` in force on one of its days.
pub fn clash<'a>(sets: &'a [RuleSet], set: &RuleSet) -> Option<&'a RuleSet> {
    sets.iter()
        .find(|s| s.code != set.code && s.body.kind() == set.body.kind() && s.overlaps(set))
}

/// Every rule set, checked to be consistent.
#[derive(Debug, Clone, Default)]
pub struct RuleBook {
    sets: Vec<RuleSet>,
}

impl RuleBook {
    /// Checks the sets: unique codes, windows in order and not overlapping
    /// within a kind, sane rates, caps and quotas.
    pub fn new(mut sets: Vec<RuleSet>) -> Result<Self, String> {
        sets.sort_by(|a, b| {
            a.effective_from
                .cmp(&b.effective_from)
                .then(a.code.cmp(&b.code))
        });
        for (i, set) in sets.iter().enumerate() {
            if sets[..i].iter().any(|s| s.code == set.code) {
                return Err(format!("rule set {} appears twice", set.code));
            }
            if let Some(clash) = clash(&sets[..i], set) {
                return Err(format!(
                    "rule sets {} and {} are both in force on some day",
                    clash.code, set.code
                ));
            }
            if let Some((field, reason)) = rule_checks::check_set(set).into_iter().next() {
                return Err(format!("rule set {}: {field}: {reason}", set.code));
            }
        }
        Ok(Self { sets })
    }

    pub fn sets(&self) -> &[RuleSet] {
        &self.sets
    }

    fn in_force(&self, kind: &str, day: NaiveDate) -> Option<&RuleSet> {
        self.sets
            .iter()
            .find(|s| s.body.kind() == kind && s.in_force_on(day))
    }

    /// The national rule set in force on `day`, with its categories.
    pub fn national(&self, day: NaiveDate) -> Option<(&RuleSet, &[CategoryRule])> {
        let set = self.in_force("national", day)?;
        match &set.body {
            RuleBody::National { categories } => Some((set, categories.as_slice())),
            _ => None,
        }
    }

    pub fn category(&self, code: &str, day: NaiveDate) -> Option<&CategoryRule> {
        self.national(day)?.1.iter().find(|c| c.code == code)
    }

    /// The national set whose categories name the products on `day`: the
    /// one in force, else the latest that started before it, else the
    /// first. Between programmes the products are still what merchants
    /// sell and recyclers collect; only the subsidy is gone.
    pub fn catalogue(&self, day: NaiveDate) -> Option<(&RuleSet, &[CategoryRule])> {
        let nationals = self.sets.iter().filter_map(|s| match &s.body {
            RuleBody::National { categories } => Some((s, categories.as_slice())),
            _ => None,
        });
        self.national(day)
            .or_else(|| nationals.clone().rfind(|(s, _)| s.effective_from <= day))
            .or_else(|| nationals.clone().next())
    }

    pub fn catalogue_category(&self, code: &str, day: NaiveDate) -> Option<&CategoryRule> {
        self.catalogue(day)?.1.iter().find(|c| c.code == code)
    }

    /// The recycling bonus for `category` on `day`: (set, rate, cap).
    pub fn recycling_bonus(
        &self,
        category: &str,
        day: NaiveDate,
    ) -> Option<(&RuleSet, u32, Option<i64>)> {
        self.recycling_extra(category, day)
            .map(|(set, rate, cap, _)| (set, rate, cap))
    }

    /// As `recycling_bonus`, with whether it stays within the national cap.
    fn recycling_extra(
        &self,
        category: &str,
        day: NaiveDate,
    ) -> Option<(&RuleSet, u32, Option<i64>, bool)> {
        let set = self.in_force("recycling_bonus", day)?;
        match &set.body {
            RuleBody::RecyclingBonus {
                rate_bp,
                cap_fen,
                within_national_cap,
                categories,
            } if categories.iter().any(|c| c == category) => {
                Some((set, *rate_bp, *cap_fen, *within_national_cap))
            }
            _ => None,
        }
    }

    /// The 家电下乡 list naming `category` on `day`, if any.
    pub fn rural_list(&self, category: &str, day: NaiveDate) -> Option<&RuleSet> {
        let set = self.in_force("rural_list", day)?;
        match &set.body {
            RuleBody::RuralList { categories } if categories.iter().any(|c| c == category) => {
                Some(set)
            }
            _ => None,
        }
    }

    /// What a purchase earns. `recycling` says whether the old unit's
    /// recycling is booked (the Chongqing extra is then included).
    pub fn quote(&self, purchase: &Purchase<'_>) -> Quote {
        let mut quote = Quote {
            eligible: false,
            reason: None,
            rule: None,
            rule_name: None,
            rate_bp: 0,
            cap_fen: 0,
            capped: false,
            national_subsidy_fen: 0,
            recycling_rule: None,
            recycling_rate_bp: 0,
            recycling_bonus_fen: 0,
            subsidy_fen: 0,
            per_year: 0,
            programme_year: purchase.day.year(),
            rural_list: self
                .rural_list(purchase.category, purchase.day)
                .map(|s| s.code.clone()),
        };
        let Some((set, categories)) = self.national(purchase.day) else {
            quote.reason = Some(
                if self
                    .catalogue_category(purchase.category, purchase.day)
                    .is_some()
                {
                    NO_PROGRAMME
                } else {
                    UNKNOWN_CATEGORY
                },
            );
            return quote;
        };
        quote.rule = Some(set.code.clone());
        quote.rule_name = Some(set.name.clone());
        let Some(rule) = categories.iter().find(|c| c.code == purchase.category) else {
            quote.reason = Some(UNKNOWN_CATEGORY);
            return quote;
        };
        quote.cap_fen = rule.cap_fen;
        quote.per_year = rule.per_year;
        let rate = match (rule.group, rule.flat_rate_bp, purchase.efficiency_grade) {
            (_, Some(flat), _) => Ok(flat),
            (_, None, None) => Err(GRADE_REQUIRED),
            (_, None, Some(grade)) => rule
                .grade_rates_bp
                .get(&grade.to_string())
                .copied()
                .ok_or(GRADE_NOT_ELIGIBLE),
        };
        let rate = match rate {
            Ok(rate) => rate,
            Err(reason) => {
                quote.reason = Some(reason);
                return quote;
            }
        };
        quote.rate_bp = rate;
        if rule
            .price_limit_fen
            .is_some_and(|limit| purchase.price_fen > limit)
        {
            quote.reason = Some(PRICE_OVER_LIMIT);
            return quote;
        }
        let uncapped = share(purchase.price_fen, rate);
        quote.capped = uncapped > rule.cap_fen;
        quote.national_subsidy_fen = uncapped.min(rule.cap_fen);
        quote.eligible = true;
        if let Some((bonus, rate_bp, cap, within)) =
            self.recycling_extra(purchase.category, purchase.day)
        {
            quote.recycling_rule = Some(bonus.code.clone());
            quote.recycling_rate_bp = rate_bp;
            let amount = share(purchase.price_fen, rate_bp);
            let mut extra = cap.map_or(amount, |cap| amount.min(cap));
            if within {
                extra = extra.min(rule.cap_fen - quote.national_subsidy_fen);
            }
            quote.recycling_bonus_fen = extra;
        }
        quote.subsidy_fen = quote.national_subsidy_fen
            + if purchase.recycling {
                quote.recycling_bonus_fen
            } else {
                0
            };
        quote
    }
}

/// `rate_bp` of `amount_fen`, rounded down to the fen.
pub fn share(amount_fen: i64, rate_bp: u32) -> i64 {
    let exact = i128::from(amount_fen.max(0)) * i128::from(rate_bp) / i128::from(BASIS_POINTS);
    i64::try_from(exact).unwrap_or(i64::MAX)
}

/// A rate in basis points as the API shows it: 2000 → 0.2.
pub fn rate_fraction(rate_bp: u32) -> f64 {
    f64::from(rate_bp) / BASIS_POINTS as f64
}

/// What is being bought, and when.
#[derive(Debug, Clone)]
pub struct Purchase<'a> {
    pub category: &'a str,
    pub price_fen: i64,
    pub efficiency_grade: Option<u8>,
    /// The invoice date (for a quote: the day asked about).
    pub day: NaiveDate,
    pub recycling: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quote {
    pub eligible: bool,
    /// Why nothing is earned, when `eligible` is false.
    pub reason: Option<&'static str>,
    pub rule: Option<String>,
    pub rule_name: Option<String>,
    pub rate_bp: u32,
    pub cap_fen: i64,
    /// Whether the cap cut the subsidy.
    pub capped: bool,
    pub national_subsidy_fen: i64,
    pub recycling_rule: Option<String>,
    pub recycling_rate_bp: u32,
    /// The extra the old unit's recycling earns (whether or not booked).
    pub recycling_bonus_fen: i64,
    /// National subsidy, plus the recycling extra when recycling is booked.
    pub subsidy_fen: i64,
    pub per_year: u32,
    pub programme_year: i32,
    pub rural_list: Option<String>,
}

impl Quote {
    /// One sentence a resident can read.
    pub fn explanation(&self, category_name: &str, price_fen: i64) -> String {
        let yuan = |fen: i64| format!("{}.{:02}", fen / 100, fen % 100);
        let Some(rule_name) = &self.rule_name else {
            return "发票日期不在任何以旧换新补贴活动期内".to_owned();
        };
        match self.reason {
            Some(UNKNOWN_CATEGORY) => format!("{rule_name}不含该品类"),
            Some(GRADE_REQUIRED) => format!("{rule_name}：{category_name}须注明能效（水效）等级"),
            Some(GRADE_NOT_ELIGIBLE) => {
                format!("{rule_name}：{category_name}仅一级、二级能效（水效）产品可获补贴")
            }
            Some(PRICE_OVER_LIMIT) => {
                format!("{rule_name}：{category_name}单件售价超过补贴上限，不予补贴")
            }
            _ => {
                let mut text = format!(
                    "{rule_name}：{category_name}按售价 {} 元的 {}% 补贴，每件最高 {} 元，得 {} 元",
                    yuan(price_fen),
                    f64::from(self.rate_bp) / 100.0,
                    yuan(self.cap_fen),
                    yuan(self.national_subsidy_fen),
                );
                if self.recycling_rule.is_some() {
                    text.push_str(&format!(
                        "；交售旧机另补 {}%（{} 元）",
                        f64::from(self.recycling_rate_bp) / 100.0,
                        yuan(self.recycling_bonus_fen)
                    ));
                }
                text
            }
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct RuleFile {
    pub rule_sets: Vec<RuleSet>,
}

pub const SEED_FILE: &str = include_str!("../../seeds/trade_in_rules.json");

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
