//! The rules against FACTS §4, on the seed file and on variations of it.

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
        day: day(2025, 11, 27),
        recycling: false,
    })
}

#[test]
fn seed_rules_hold_the_national_list_and_the_chongqing_extra() {
    let book = seed_book();
    let (set, categories) = book.national(day(2025, 11, 27)).unwrap();
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
    // 2025's rules cover invoices dated in 2025, no later.
    assert_eq!(
        book.national(day(2025, 12, 31)).unwrap().0.code,
        "national-2025"
    );
    assert!(book.national(day(2026, 1, 1)).is_none());
    // The products are still known between programmes.
    assert_eq!(
        book.catalogue(day(2026, 6, 1)).unwrap().0.code,
        "national-2025"
    );
    assert!(book.catalogue_category("tv", day(2026, 6, 1)).is_some());
    assert_eq!(
        book.recycling_bonus("refrigerator", day(2025, 1, 1))
            .unwrap()
            .1,
        200
    );
    assert!(book.recycling_bonus("phone", day(2025, 1, 1)).is_none());
    assert!(book.rural_list("phone", day(2025, 1, 1)).is_some());
    assert!(book.rural_list("dishwasher", day(2025, 1, 1)).is_none());
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
        day: day(2025, 6, 1),
        recycling: true,
    });
    assert_eq!(q.national_subsidy_fen, 200_000);
    assert_eq!(q.recycling_bonus_fen, 30_000);
    assert_eq!(q.subsidy_fen, 230_000);
}

#[test]
fn an_extra_within_the_national_cap_fills_only_what_the_cap_leaves() {
    let file: RuleFile = serde_json::from_str(SEED_FILE).unwrap();
    let mut sets = file.rule_sets;
    for set in &mut sets {
        if let RuleBody::RecyclingBonus {
            within_national_cap,
            cap_fen,
            ..
        } = &mut set.body
        {
            *within_national_cap = true;
            *cap_fen = Some(5_000);
        }
    }
    let book = RuleBook::new(sets).unwrap();
    let buy = |price_fen| {
        book.quote(&Purchase {
            category: "refrigerator",
            price_fen,
            efficiency_grade: Some(1),
            day: day(2025, 6, 1),
            recycling: true,
        })
    };
    // 20% of 9,000 yuan = 1,800; 2% = 180 but its own cap is 50; 1,850 fits under 2,000.
    assert_eq!(
        (buy(900_000).national_subsidy_fen, buy(900_000).subsidy_fen),
        (180_000, 185_000)
    );
    // 20% of 9,900 = 1,980: only 20 yuan of room is left under the national cap.
    assert_eq!(buy(990_000).recycling_bonus_fen, 2_000);
    // At the cap, nothing is left for the extra.
    assert_eq!(buy(1_500_000).subsidy_fen, 200_000);
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
    assert_eq!(q.reason, Some(NO_PROGRAMME));
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
    next.effective_to = None;
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
    assert!(RuleBook::new(sets).unwrap_err().contains("effective_to"));
}

#[test]
fn shares_round_down_to_the_fen() {
    assert_eq!(share(333, 1500), 49);
    assert_eq!(share(0, 2000), 0);
    assert_eq!(share(-5, 2000), 0);
    assert_eq!(share(i64::MAX, 10_000), i64::MAX);
}
