//! What makes a subsidy rule set sound, field by field: the seed file and
//! an admin publishing a new year's rules are held to the same checks.

use super::rules::{BASIS_POINTS, RuleBody, RuleSet};

/// Highest subsidy cap per item a rule may set: 10,000 yuan. The national
/// caps are 2,000 and 500 yuan; anything far above is a typing slip.
pub const MAX_CAP_FEN: i64 = 1_000_000;

/// Highest price limit: 1,000,000 yuan.
pub const MAX_PRICE_LIMIT_FEN: i64 = 100_000_000;

/// Most items of one category per person and year.
pub const MAX_PER_YEAR: u32 = 10;

/// A rate is more than nothing and at most the whole price.
fn rate_ok(bp: u32) -> bool {
    bp > 0 && i64::from(bp) <= BASIS_POINTS
}

/// `national-2027`, `tv`: lower-case letters, digits, `-` and `_`.
fn code_ok(code: &str) -> bool {
    (2..=40).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// The problems of one set on its own, as (field, reason) in request terms.
pub fn check_set(set: &RuleSet) -> Vec<(String, String)> {
    let mut problems: Vec<(String, String)> = Vec::new();
    let mut add = |field: String, reason: &str| problems.push((field, reason.to_owned()));
    if !code_ok(&set.code) {
        add("code".into(), "format");
    }
    let name_len = set.name.trim().chars().count();
    if !(2..=60).contains(&name_len) {
        add("name".into(), "length");
    }
    if set.effective_to.is_some_and(|end| end < set.effective_from) {
        add("effective_to".into(), "before_effective_from");
    }
    match &set.body {
        RuleBody::National { categories } => {
            if categories.is_empty() || categories.len() > 50 {
                add("categories".into(), "count_out_of_range");
            }
            for (i, c) in categories.iter().enumerate() {
                let field = format!("categories[{i}]");
                if categories[..i].iter().any(|o| o.code == c.code) {
                    add(field.clone(), "duplicate_category");
                }
                if !code_ok(&c.code) || c.name.trim().is_empty() || c.name.chars().count() > 40 {
                    add(field.clone(), "code_or_name");
                }
                // Exactly one of a flat rate and grade rates.
                if c.flat_rate_bp.is_some() != c.grade_rates_bp.is_empty() {
                    add(field.clone(), "one_of_flat_rate_or_grade_rates");
                }
                let grades_ok = c
                    .grade_rates_bp
                    .keys()
                    .all(|g| g.parse::<u8>().is_ok_and(|g| (1..=5).contains(&g)));
                if !grades_ok {
                    add(field.clone(), "grade_out_of_range");
                }
                if !c.flat_rate_bp.is_none_or(rate_ok)
                    || !c.grade_rates_bp.values().all(|r| rate_ok(*r))
                {
                    add(field.clone(), "rate_out_of_range");
                }
                if !(1..=MAX_CAP_FEN).contains(&c.cap_fen) {
                    add(field.clone(), "cap_out_of_range");
                }
                if !(1..=MAX_PER_YEAR).contains(&c.per_year) {
                    add(field.clone(), "per_year_out_of_range");
                }
                if c.price_limit_fen
                    .is_some_and(|l| !(1..=MAX_PRICE_LIMIT_FEN).contains(&l))
                {
                    add(field, "price_limit_out_of_range");
                }
            }
        }
        RuleBody::RecyclingBonus {
            rate_bp,
            cap_fen,
            categories,
            ..
        } => {
            if !rate_ok(*rate_bp) {
                add("rate_bp".into(), "rate_out_of_range");
            }
            if cap_fen.is_some_and(|c| !(1..=MAX_CAP_FEN).contains(&c)) {
                add("cap_fen".into(), "cap_out_of_range");
            }
            if categories.is_empty() {
                add("categories".into(), "count_out_of_range");
            }
        }
        RuleBody::RuralList { categories } => {
            if categories.is_empty() {
                add("categories".into(), "count_out_of_range");
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tradein::rules::RuleFile;

    fn seed_sets() -> Vec<RuleSet> {
        let file: RuleFile = serde_json::from_str(crate::tradein::rules::SEED_FILE).unwrap();
        file.rule_sets
    }

    fn fields(set: &RuleSet) -> Vec<String> {
        check_set(set).into_iter().map(|(f, _)| f).collect()
    }

    #[test]
    fn the_seed_sets_are_sound() {
        for set in seed_sets() {
            assert_eq!(check_set(&set), vec![], "{}", set.code);
        }
    }

    #[test]
    fn each_problem_names_its_field() {
        let mut national = seed_sets().remove(0);
        national.code = "National 2027".into();
        national.effective_to = Some(national.effective_from.pred_opt().unwrap());
        let RuleBody::National { categories } = &mut national.body else {
            panic!("the first seed set is the national one");
        };
        categories[0].grade_rates_bp.insert("1".into(), 10_001);
        categories[1].flat_rate_bp = Some(1500);
        categories[2].cap_fen = 0;
        categories[3].per_year = 0;
        assert_eq!(
            fields(&national),
            [
                "code",
                "effective_to",
                "categories[0]",
                "categories[1]",
                "categories[2]",
                "categories[3]"
            ]
        );
        let mut bonus = seed_sets().remove(1);
        if let RuleBody::RecyclingBonus {
            rate_bp, cap_fen, ..
        } = &mut bonus.body
        {
            *rate_bp = 0;
            *cap_fen = Some(-1);
        }
        assert_eq!(fields(&bonus), ["rate_bp", "cap_fen"]);
    }
}
