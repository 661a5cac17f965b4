//! The 山城有信 scoring rules (`seeds/credit_rules.json`) and the pure
//! function that turns what Yuhui knows of a merchant into a score, a grade
//! and the factors that explain them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One version of the rules. Field meanings: `seeds/credit_rules.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CreditRules {
    pub code: String,
    pub effective_from: NaiveDate,
    pub base: i32,
    pub window_months: u32,
    pub grades: GradeFloors,
    pub verified_points: i32,
    pub tenure_points_per_month: i32,
    pub tenure_max_points: i32,
    pub commitment_points: i32,
    pub odr_kept_points: i32,
    pub odr_missed_penalty: i32,
    pub odr_missed_max_penalty: i32,
    pub first_compensation_paid_points: i32,
    pub first_compensation_paid_max_points: i32,
    pub first_compensation_failed_penalty: i32,
    pub complaints_free_per_shop: f64,
    pub complaint_penalty: i32,
    pub complaint_max_penalty: i32,
    pub accepted_penalty: i32,
    pub accepted_max_penalty: i32,
    pub mediation_success_points: i32,
    pub responses_on_time_points: i32,
    pub repeat_penalty: i32,
    pub repeat_max_penalty: i32,
    pub reversal_penalty: i32,
    pub reversal_max_penalty: i32,
    pub invoice_rejection_penalty: i32,
    pub invoice_rejection_max_penalty: i32,
}

/// The lowest score of each grade; below C is D.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "UPPERCASE")]
pub struct GradeFloors {
    pub a: i32,
    pub b: i32,
    pub c: i32,
}

#[derive(Deserialize)]
struct RuleFile {
    rule_sets: Vec<CreditRules>,
}

pub const RULES_FILE: &str = include_str!("../../seeds/credit_rules.json");

/// The seed's rule sets, oldest first.
pub fn seed_rule_sets() -> Result<Vec<CreditRules>, serde_json::Error> {
    let mut sets = serde_json::from_str::<RuleFile>(RULES_FILE)?.rule_sets;
    sets.sort_by_key(|r| r.effective_from);
    Ok(sets)
}

/// The version in force on `day`: the latest that started by then.
pub fn in_force(sets: &[CreditRules], day: NaiveDate) -> Option<&CreditRules> {
    sets.iter()
        .filter(|r| r.effective_from <= day)
        .max_by_key(|r| r.effective_from)
}

/// What Yuhui holds about one merchant, counted over the rules' window
/// where it says so. Nothing here identifies a complainant: repeat
/// complaints arrive already counted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MerchantFacts {
    /// Credit code checked (at application) and the application approved.
    pub approved: bool,
    /// Whole months since approval.
    pub months_on_yuhui: u32,
    pub active_shops: u32,
    pub no_reason_return: bool,
    pub first_compensation: bool,
    pub odr: bool,
    /// ODR cases whose direct-settlement window is over.
    pub odr_cases_done: u32,
    /// Of those, settled directly inside the window.
    pub odr_settled: u32,
    /// Of those, answered by the merchant (a response or a settlement).
    pub odr_answered: u32,
    /// Closed cases with compensation paid.
    pub compensation_paid: u32,
    /// Closed cases whose mediation failed.
    pub mediation_failed: u32,
    pub complaints: u32,
    pub accepted: u32,
    /// Accepted cases closed after mediation, and of those mediated or settled.
    pub mediation_closed: u32,
    pub mediation_succeeded: u32,
    /// Complaints in a category from a resident beyond the first in it.
    pub repeat_complaints: u32,
    pub reversed_redemptions: u32,
    pub invoice_rejections: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct Factor {
    pub code: String,
    pub label: String,
    /// The figure the points come from (a count, a rate 0..1, months).
    pub value: f64,
    pub points: i32,
    /// `12m` for the last window_months, `all` for the whole time on Yuhui.
    pub period: String,
    /// Why these points, in a sentence.
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub score: i32,
    pub grade: char,
    pub factors: Vec<Factor>,
}

pub fn grade_of(score: i32, floors: GradeFloors) -> char {
    if score >= floors.a {
        'A'
    } else if score >= floors.b {
        'B'
    } else if score >= floors.c {
        'C'
    } else {
        'D'
    }
}

fn rate(part: u32, whole: u32) -> f64 {
    if whole == 0 {
        0.0
    } else {
        f64::from(part) / f64::from(whole)
    }
}

fn capped_penalty(count: u32, each: i32, max: i32) -> i32 {
    -(i64::from(count) * i64::from(each)).min(i64::from(max)) as i32
}

pub fn assess(f: &MerchantFacts, r: &CreditRules) -> Assessment {
    let window = format!("近{}个月", r.window_months);
    let mut factors = Vec::new();
    let mut add =
        |code: &str, label: &str, value: f64, points: i32, all_time: bool, why: String| {
            factors.push(Factor {
                code: code.to_owned(),
                label: label.to_owned(),
                value,
                points,
                period: if all_time { "all" } else { "12m" }.to_owned(),
                explanation: why,
            })
        };
    add(
        "verified",
        "信用代码核验与入驻审核",
        if f.approved { 1.0 } else { 0.0 },
        if f.approved { r.verified_points } else { 0 },
        true,
        if f.approved {
            "统一社会信用代码校验通过，入驻申请已审核通过".to_owned()
        } else {
            "尚未通过入驻审核".to_owned()
        },
    );
    add(
        "tenure",
        "入驻时长",
        f64::from(f.months_on_yuhui),
        (i64::from(f.months_on_yuhui) * i64::from(r.tenure_points_per_month))
            .min(i64::from(r.tenure_max_points)) as i32,
        true,
        format!("已入驻 {} 个月", f.months_on_yuhui),
    );
    let declared = [f.no_reason_return, f.first_compensation, f.odr]
        .iter()
        .filter(|c| **c)
        .count() as u32;
    add(
        "commitments",
        "公开承诺",
        f64::from(declared),
        declared as i32 * r.commitment_points,
        true,
        format!("作出 {declared} 项承诺（无理由退货、先行赔付、在线纠纷解决）"),
    );
    if f.odr && f.odr_cases_done > 0 {
        let kept = rate(f.odr_settled, f.odr_cases_done);
        add(
            "odr_kept",
            "在线纠纷和解",
            kept,
            (f64::from(r.odr_kept_points) * kept).round() as i32,
            false,
            format!(
                "{window}{} 件在线纠纷中 {} 件在和解期内和解",
                f.odr_cases_done, f.odr_settled
            ),
        );
        let answered = rate(f.odr_answered, f.odr_cases_done);
        let unanswered = f.odr_cases_done.saturating_sub(f.odr_answered);
        add(
            "responses_on_time",
            "按时回应投诉",
            answered,
            (f64::from(r.responses_on_time_points) * answered).round() as i32
                + capped_penalty(unanswered, r.odr_missed_penalty, r.odr_missed_max_penalty),
            false,
            format!(
                "{window}和解期内回应 {} 件，未回应 {unanswered} 件",
                f.odr_answered
            ),
        );
    }
    if f.first_compensation {
        let paid = (i64::from(f.compensation_paid) * i64::from(r.first_compensation_paid_points))
            .min(i64::from(r.first_compensation_paid_max_points)) as i32;
        add(
            "first_compensation",
            "先行赔付",
            f64::from(f.compensation_paid),
            paid - f.mediation_failed as i32 * r.first_compensation_failed_penalty,
            false,
            format!(
                "{window}赔付 {} 件，调解不成 {} 件",
                f.compensation_paid, f.mediation_failed
            ),
        );
    }
    let shops = f.active_shops.max(1);
    let per_shop = f64::from(f.complaints) / f64::from(shops);
    let excess = (per_shop - r.complaints_free_per_shop).max(0.0);
    add(
        "complaints",
        "投诉量（按门店数）",
        (per_shop * 100.0).round() / 100.0,
        -((f64::from(r.complaint_penalty) * excess).round() as i32).min(r.complaint_max_penalty),
        false,
        format!("{window}被投诉 {} 件，门店 {shops} 家", f.complaints),
    );
    add(
        "accepted",
        "立案投诉",
        f64::from(f.accepted),
        capped_penalty(f.accepted, r.accepted_penalty, r.accepted_max_penalty),
        false,
        format!("{window}经审查受理 {} 件", f.accepted),
    );
    if f.mediation_closed > 0 {
        let success = rate(f.mediation_succeeded, f.mediation_closed);
        add(
            "mediation_success",
            "调解成功率",
            success,
            (f64::from(r.mediation_success_points) * success).round() as i32,
            false,
            format!(
                "{window}调解结案 {} 件，达成和解 {} 件",
                f.mediation_closed, f.mediation_succeeded
            ),
        );
    }
    add(
        "repeat_complaints",
        "同类重复投诉",
        f64::from(f.repeat_complaints),
        capped_penalty(f.repeat_complaints, r.repeat_penalty, r.repeat_max_penalty),
        false,
        format!(
            "{window}不同消费者就同类问题重复投诉 {} 件",
            f.repeat_complaints
        ),
    );
    add(
        "reversed_redemptions",
        "消费券核销撤销",
        f64::from(f.reversed_redemptions),
        capped_penalty(
            f.reversed_redemptions,
            r.reversal_penalty,
            r.reversal_max_penalty,
        ),
        false,
        format!("{window}撤销消费券核销 {} 笔", f.reversed_redemptions),
    );
    add(
        "invoice_rejections",
        "以旧换新发票问题",
        f64::from(f.invoice_rejections),
        capped_penalty(
            f.invoice_rejections,
            r.invoice_rejection_penalty,
            r.invoice_rejection_max_penalty,
        ),
        false,
        format!(
            "{window}因发票问题被驳回的补贴申请 {} 件",
            f.invoice_rejections
        ),
    );
    let score = (r.base + factors.iter().map(|x| x.points).sum::<i32>()).clamp(0, 1000);
    Assessment {
        score,
        grade: grade_of(score, r.grades),
        factors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> CreditRules {
        seed_rule_sets().unwrap().remove(0)
    }

    fn points(a: &Assessment, code: &str) -> i32 {
        a.factors
            .iter()
            .find(|f| f.code == code)
            .map_or(0, |f| f.points)
    }

    fn steady() -> MerchantFacts {
        MerchantFacts {
            approved: true,
            months_on_yuhui: 24,
            active_shops: 3,
            no_reason_return: true,
            first_compensation: true,
            odr: true,
            ..MerchantFacts::default()
        }
    }

    #[test]
    fn a_verified_committed_merchant_without_complaints_grades_a() {
        let a = assess(&steady(), &rules());
        // 600 + 60 verified + 60 tenure (capped) + 3 × 20 commitments.
        assert_eq!(a.score, 780);
        assert_eq!(points(&a, "tenure"), 60);
        assert_eq!(a.grade, 'B');
        let mut kept = steady();
        kept.odr_cases_done = 2;
        kept.odr_settled = 2;
        kept.odr_answered = 2;
        kept.complaints = 2;
        kept.compensation_paid = 2;
        let a = assess(&kept, &rules());
        assert_eq!(points(&a, "odr_kept"), 40);
        assert_eq!(points(&a, "responses_on_time"), 40);
        assert_eq!(points(&a, "first_compensation"), 20);
        // Two complaints over three shops are within one per shop.
        assert_eq!(points(&a, "complaints"), 0);
        assert_eq!(a.score, 880);
        assert_eq!(a.grade, 'A');
    }

    #[test]
    fn accepted_and_failed_cases_move_the_factors_the_rules_say() {
        let r = rules();
        let mut f = steady();
        f.active_shops = 1;
        f.complaints = 4;
        f.accepted = 3;
        f.mediation_closed = 2;
        f.mediation_succeeded = 1;
        f.mediation_failed = 1;
        f.repeat_complaints = 1;
        let a = assess(&f, &r);
        // Three complaints beyond the one a shop is allowed: 3 × 40.
        assert_eq!(points(&a, "complaints"), -120);
        assert_eq!(points(&a, "accepted"), -30);
        assert_eq!(points(&a, "mediation_success"), 30);
        assert_eq!(points(&a, "first_compensation"), -50);
        assert_eq!(points(&a, "repeat_complaints"), -40);
        assert_eq!(a.score, 780 - 120 - 30 + 30 - 50 - 40);
        assert_eq!(a.grade, 'C');
    }

    #[test]
    fn penalties_stop_at_their_caps_and_the_score_stays_in_range() {
        let mut f = MerchantFacts {
            complaints: 500,
            accepted: 500,
            repeat_complaints: 500,
            reversed_redemptions: 500,
            invoice_rejections: 500,
            ..MerchantFacts::default()
        };
        let a = assess(&f, &rules());
        assert_eq!(points(&a, "complaints"), -240);
        assert_eq!(points(&a, "accepted"), -100);
        assert_eq!(points(&a, "repeat_complaints"), -160);
        assert_eq!(points(&a, "reversed_redemptions"), -50);
        assert_eq!(points(&a, "invoice_rejections"), -100);
        // 600 − 650 is below zero.
        assert_eq!((a.score, a.grade), (0, 'D'));
        let silent = MerchantFacts {
            odr: true,
            odr_cases_done: 100,
            ..MerchantFacts::default()
        };
        // A hundred unanswered cases cost what the cap allows.
        assert_eq!(
            points(&assess(&silent, &rules()), "responses_on_time"),
            -160
        );
        f = MerchantFacts {
            approved: true,
            months_on_yuhui: 1000,
            no_reason_return: true,
            first_compensation: true,
            odr: true,
            odr_cases_done: 1,
            odr_settled: 1,
            odr_answered: 1,
            compensation_paid: 1000,
            mediation_closed: 1,
            mediation_succeeded: 1,
            active_shops: 10,
            complaints: 1,
            ..MerchantFacts::default()
        };
        let a = assess(&f, &rules());
        assert_eq!(points(&a, "first_compensation"), 30);
        assert!(a.score <= 1000 && a.grade == 'A', "{}", a.score);
    }

    #[test]
    fn the_version_in_force_is_the_latest_started() {
        let first = rules();
        let mut next = first.clone();
        next.code = "next".into();
        next.effective_from = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        let sets = vec![first.clone(), next];
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(in_force(&sets, day(2026, 12, 31)).unwrap().code, first.code);
        assert_eq!(in_force(&sets, day(2027, 1, 1)).unwrap().code, "next");
        assert!(in_force(&sets, day(2025, 6, 1)).is_none());
    }
}
