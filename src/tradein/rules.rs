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

pub const BASIS_POINTS: i64 = 10_000;

// Reasons a purchase earns nothing (the quote says which).
pub const NO_RULE_IN_FORCE: &str = "no_rule_in_force";
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RuleBody {
    /// The national subsidy per category.
    National { categories: Vec<CategoryRule> },
    /// Chongqing's extra when the old unit's recycling is booked.
    RecyclingBonus {
        rate_bp: u32,
        cap_fen: Option<i64>,
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

    fn overlaps(&self, other: &RuleSet) -> bool {
        let ends_before =
            |a: &RuleSet, b: &RuleSet| a.effective_to.is_some_and(|end| end < b.effective_from);
        !(ends_before(self, other) || ends_before(other, self))
    }
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
            if set.effective_to.is_some_and(|end| end < set.effective_from) {
                return Err(format!("rule set {} ends before it starts", set.code));
            }
            if let Some(clash) = sets[..i]
                .iter()
                .find(|s| s.body.kind() == set.body.kind() && s.overlaps(set))
            {
                return Err(format!(
                    "rule sets {} and {} are both in force on some day",
                    clash.code, set.code
                ));
            }
            check_body(&set.code, &set.body)?;
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

    /// The recycling bonus for `category` on `day`: (set, rate, cap).
    pub fn recycling_bonus(
        &self,
        category: &str,
        day: NaiveDate,
    ) -> Option<(&RuleSet, u32, Option<i64>)> {
        let set = self.in_force("recycling_bonus", day)?;
        match &set.body {
            RuleBody::RecyclingBonus {
                rate_bp,
                cap_fen,
                categories,
            } if categories.iter().any(|c| c == category) => Some((set, *rate_bp, *cap_fen)),
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
            quote.reason = Some(NO_RULE_IN_FORCE);
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
        if let Some((bonus, rate_bp, cap)) = self.recycling_bonus(purchase.category, purchase.day) {
            quote.recycling_rule = Some(bonus.code.clone());
            quote.recycling_rate_bp = rate_bp;
            let amount = share(purchase.price_fen, rate_bp);
            quote.recycling_bonus_fen = cap.map_or(amount, |cap| amount.min(cap));
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

fn check_body(code: &str, body: &RuleBody) -> Result<(), String> {
    let rate_ok = |bp: u32| bp > 0 && i64::from(bp) <= BASIS_POINTS;
    match body {
        RuleBody::National { categories } => {
            if categories.is_empty() {
                return Err(format!("{code}: no categories"));
            }
            for (i, c) in categories.iter().enumerate() {
                if categories[..i].iter().any(|o| o.code == c.code) {
                    return Err(format!("{code}: category {} twice", c.code));
                }
                // Exactly one of a flat rate and grade rates.
                let has_rate = c.flat_rate_bp.is_some() == c.grade_rates_bp.is_empty();
                let grades_ok = c
                    .grade_rates_bp
                    .keys()
                    .all(|g| g.parse::<u8>().is_ok_and(|g| (1..=5).contains(&g)));
                if !has_rate
                    || !grades_ok
                    || !c.flat_rate_bp.is_none_or(rate_ok)
                    || !c.grade_rates_bp.values().all(|r| rate_ok(*r))
                {
                    return Err(format!(
                        "{code}: {} needs either grade rates or a flat rate, each 1..=10000 bp",
                        c.code
                    ));
                }
                if c.cap_fen <= 0 || c.per_year == 0 || c.price_limit_fen.is_some_and(|l| l <= 0) {
                    return Err(format!("{code}: {} needs a positive cap and quota", c.code));
                }
            }
        }
        RuleBody::RecyclingBonus {
            rate_bp, cap_fen, ..
        } => {
            if !rate_ok(*rate_bp) || cap_fen.is_some_and(|c| c <= 0) {
                return Err(format!("{code}: bad rate or cap"));
            }
        }
        RuleBody::RuralList { categories } => {
            if categories.is_empty() {
                return Err(format!("{code}: empty list"));
            }
        }
    }
    Ok(())
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
            return "该日期没有有效的以旧换新补贴规则".to_owned();
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
mod tests {
    use super::*;

    fn seed_book() -> RuleBook {
        let file: RuleFile = serde_json::from_str(SEED_FILE).unwrap();
        RuleBook::new(file.rule_sets).unwrap()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn quote(category: &str, price_fen: i64, grade: Option<u8>) -> Quote {
        seed_book().quote(&Purchase {
            category,
            price_fen,
            efficiency_grade: grade,
            day: day(2026, 11, 27),
            recycling: false,
        })
    }

    #[test]
    fn seed_rules_hold_the_national_list_and_the_chongqing_extra() {
        let book = seed_book();
        let (set, categories) = book.national(day(2026, 11, 27)).unwrap();
        assert_eq!(set.code, "national-2025");
        let appliances = categories
            .iter()
            .filter(|c| c.group == Group::Appliance)
            .count();
        assert_eq!(appliances, 12);
        assert_eq!(
            book.category("air_conditioner", day(2025, 3, 1))
                .unwrap()
                .per_year,
            3
        );
        assert!(book.national(day(2024, 12, 31)).is_none());
        assert_eq!(
            book.recycling_bonus("refrigerator", day(2026, 1, 1))
                .unwrap()
                .1,
            200
        );
        assert!(book.recycling_bonus("phone", day(2026, 1, 1)).is_none());
        assert!(book.rural_list("phone", day(2026, 1, 1)).is_some());
        assert!(book.rural_list("dishwasher", day(2026, 1, 1)).is_none());
    }

    #[test]
    fn a_4999_yuan_grade_1_fridge_earns_999_80() {
        let q = quote("refrigerator", 499_900, Some(1));
        assert!(q.eligible);
        assert_eq!(q.subsidy_fen, 99_980);
        assert_eq!(q.rate_bp, 2000);
        assert_eq!(q.cap_fen, 200_000);
        assert_eq!(q.rule.as_deref(), Some("national-2025"));
        assert_eq!(q.recycling_bonus_fen, 9_998);
        assert!(q.explanation("电冰箱", 499_900).contains("999.80"));
    }

    #[test]
    fn grade_2_is_15_percent_and_grade_3_gets_nothing() {
        assert_eq!(
            quote("washing_machine", 300_000, Some(2)).subsidy_fen,
            45_000
        );
        let q = quote("washing_machine", 300_000, Some(3));
        assert!(!q.eligible);
        assert_eq!(q.reason, Some(GRADE_NOT_ELIGIBLE));
        assert_eq!(q.subsidy_fen, 0);
        assert_eq!(quote("tv", 300_000, None).reason, Some(GRADE_REQUIRED));
    }

    #[test]
    fn the_cap_binds_exactly_at_its_price() {
        // 20% of 10,000.00 yuan is exactly the 2,000-yuan cap.
        let at = quote("air_conditioner", 1_000_000, Some(1));
        assert_eq!((at.subsidy_fen, at.capped), (200_000, false));
        // One fen more is still 2,000.00 after rounding down; five fen more is capped.
        let fen_above = quote("air_conditioner", 1_000_001, Some(1));
        assert_eq!((fen_above.subsidy_fen, fen_above.capped), (200_000, false));
        let above = quote("air_conditioner", 1_000_005, Some(1));
        assert_eq!((above.subsidy_fen, above.capped), (200_000, true));
        let below = quote("air_conditioner", 999_999, Some(1));
        assert_eq!(below.subsidy_fen, 199_999);
        // Grade 2 reaches the cap at 13,333.34 yuan.
        assert_eq!(quote("tv", 1_333_333, Some(2)).subsidy_fen, 199_999);
        assert_eq!(quote("tv", 1_333_334, Some(2)).subsidy_fen, 200_000);
    }

    #[test]
    fn phones_qualify_up_to_6000_yuan_inclusive() {
        let at = quote("phone", 600_000, None);
        assert!(at.eligible);
        assert_eq!((at.subsidy_fen, at.capped), (50_000, true));
        let over = quote("phone", 600_001, None);
        assert!(!over.eligible);
        assert_eq!(over.reason, Some(PRICE_OVER_LIMIT));
        // Below the cap: 15% of 2,999.99 yuan, rounded down.
        assert_eq!(quote("tablet", 299_999, None).subsidy_fen, 44_999);
        // The 500-yuan cap binds from 3,333.34 yuan.
        assert_eq!(quote("smartwatch", 333_333, None).subsidy_fen, 49_999);
        assert_eq!(quote("smartwatch", 333_334, None).subsidy_fen, 50_000);
        // A grade does not matter for digital products.
        assert_eq!(quote("phone", 100_000, Some(3)).subsidy_fen, 15_000);
    }

    #[test]
    fn recycling_adds_two_percent_on_top_of_the_capped_subsidy() {
        let book = seed_book();
        let q = book.quote(&Purchase {
            category: "refrigerator",
            price_fen: 1_500_000,
            efficiency_grade: Some(1),
            day: day(2026, 6, 1),
            recycling: true,
        });
        assert_eq!(q.national_subsidy_fen, 200_000);
        assert_eq!(q.recycling_bonus_fen, 30_000);
        assert_eq!(q.subsidy_fen, 230_000);
    }

    #[test]
    fn unknown_categories_and_days_before_any_rule_earn_nothing() {
        assert_eq!(
            quote("bicycle", 100_000, Some(1)).reason,
            Some(UNKNOWN_CATEGORY)
        );
        let q = seed_book().quote(&Purchase {
            category: "refrigerator",
            price_fen: 499_900,
            efficiency_grade: Some(1),
            day: day(2024, 6, 1),
            recycling: true,
        });
        assert_eq!(q.reason, Some(NO_RULE_IN_FORCE));
        assert_eq!(q.subsidy_fen, 0);
    }

    #[test]
    fn a_newer_version_takes_over_from_its_first_day() {
        let file: RuleFile = serde_json::from_str(SEED_FILE).unwrap();
        let mut sets = file.rule_sets;
        let mut next = sets[0].clone();
        sets[0].effective_to = Some(day(2026, 12, 31));
        next.code = "national-2027".into();
        next.effective_from = day(2027, 1, 1);
        if let RuleBody::National { categories } = &mut next.body {
            categories.retain(|c| c.code != "rice_cooker");
        }
        let book = RuleBook::new(sets.clone()).unwrap();
        assert!(book.category("rice_cooker", day(2026, 12, 31)).is_some());
        // Only 2026 is defined now: 2027 has no rule.
        assert!(book.national(day(2027, 1, 1)).is_none());
        sets.push(next);
        let book = RuleBook::new(sets.clone()).unwrap();
        assert_eq!(
            book.national(day(2027, 1, 1)).unwrap().0.code,
            "national-2027"
        );
        assert!(book.category("rice_cooker", day(2027, 1, 1)).is_none());
        // Two sets of one kind in force on one day are refused.
        sets[0].effective_to = Some(day(2027, 1, 1));
        assert!(RuleBook::new(sets).unwrap_err().contains("both in force"));
    }

    #[test]
    fn malformed_rule_sets_are_refused() {
        let file: RuleFile = serde_json::from_str(SEED_FILE).unwrap();
        let mut sets = file.rule_sets.clone();
        if let RuleBody::National { categories } = &mut sets[0].body {
            categories[0].cap_fen = 0;
        }
        assert!(RuleBook::new(sets).is_err());
        let mut sets = file.rule_sets.clone();
        sets.push(sets[0].clone());
        assert!(RuleBook::new(sets).unwrap_err().contains("twice"));
        let mut sets = file.rule_sets;
        sets[1].effective_to = Some(day(2023, 1, 1));
        assert!(RuleBook::new(sets).unwrap_err().contains("ends before"));
    }

    #[test]
    fn shares_round_down_to_the_fen() {
        assert_eq!(share(333, 1500), 49);
        assert_eq!(share(0, 2000), 0);
        assert_eq!(share(-5, 2000), 0);
        assert_eq!(share(i64::MAX, 10_000), i64::MAX);
    }
}
