//! The legal clock of a case, reckoned from its facts alone: when it was
//! received, whether an ODR merchant's window ran and whether a party ended
//! it early, the latest transfer, the acceptance date with the mediation
//! rule of that day, and the pauses for testing or appraisal. Every place
//! that sets a deadline (filing, acceptance, escalation, transfer, resuming,
//! a newly loaded calendar year) asks this one function, so a recomputation
//! can never forget a pause or a restart.

use chrono::{Days, NaiveDate};

pub use entity::status::MediateRule;

use crate::calendar::{Calendar, Reckoned};

/// The bureau decides whether to accept within 7 working days.
pub const DECIDE_WORKING_DAYS: u32 = 7;
/// An ODR merchant's direct-settlement window.
pub const ODR_WINDOW_WORKING_DAYS: u32 = 10;
/// Order 20: mediation ends 45 working days after acceptance.
pub const ORDER20_WORKING_DAYS: u32 = 45;
/// Order 121: mediation ends 60 days after acceptance.
pub const ORDER121_DAYS: u64 = 60;
/// Both parties are told of a termination within 7 working days.
pub const TERMINATION_NOTICE_WORKING_DAYS: u32 = 7;

/// The day SAMR Order 121 came into force.
pub const ORDER121_IN_FORCE: NaiveDate = match NaiveDate::from_ymd_opt(2026, 4, 15) {
    Some(d) => d,
    None => panic!("2026-04-15 is a date"),
};

/// The rule is chosen by the day the case was accepted.
pub fn mediate_rule_for(accepted_on: NaiveDate) -> MediateRule {
    if accepted_on < ORDER121_IN_FORCE {
        MediateRule::Order20
    } else {
        MediateRule::Order121
    }
}

/// A stretch in which the mediation clock stood still; `until` is None
/// while it still stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pause {
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
}

/// What the deadlines of a case depend on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFacts {
    pub received_on: NaiveDate,
    pub odr: bool,
    pub escalated_on: Option<NaiveDate>,
    pub transferred_on: Option<NaiveDate>,
    pub accepted: Option<(NaiveDate, MediateRule)>,
    pub pauses: Vec<Pause>,
}

/// The deadlines the facts give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reckoning {
    /// The end of an ODR merchant's window, when there is one.
    pub window: Option<Reckoned>,
    pub decide_by: Reckoned,
    /// Set once accepted; counts only the pauses that have ended.
    pub mediate_by: Option<Reckoned>,
}

pub fn reckon(calendar: &Calendar, facts: &CaseFacts) -> Reckoning {
    let window = facts.odr.then(|| match facts.escalated_on {
        Some(day) => Reckoned {
            date: day,
            provisional: false,
        },
        None => calendar.add_working_days(facts.received_on, ODR_WINDOW_WORKING_DAYS),
    });
    // The bureau's clock starts when the case reaches it: on receipt, when
    // the merchant's window ends, or on the day a transfer hands it to
    // another district's bureau, whichever is last.
    let reached = window.unwrap_or(Reckoned {
        date: facts.received_on,
        provisional: false,
    });
    let start = match facts.transferred_on {
        Some(day) if day > reached.date => Reckoned {
            date: day,
            provisional: false,
        },
        _ => reached,
    };
    let decide = calendar.add_working_days(start.date, DECIDE_WORKING_DAYS);
    Reckoning {
        window,
        decide_by: Reckoned {
            date: decide.date,
            provisional: decide.provisional || start.provisional,
        },
        mediate_by: facts
            .accepted
            .map(|(on, rule)| mediation_end(calendar, on, rule, &facts.pauses)),
    }
}

/// The end of mediation, stretched by every pause that has ended.
fn mediation_end(
    calendar: &Calendar,
    accepted_on: NaiveDate,
    rule: MediateRule,
    pauses: &[Pause],
) -> Reckoned {
    let ended = pauses.iter().filter_map(|p| p.until.map(|u| (p.from, u)));
    match rule {
        MediateRule::Order20 => {
            let mut end = calendar.add_working_days(accepted_on, ORDER20_WORKING_DAYS);
            for (from, until) in ended {
                let (stood, guessed) = calendar.count_working_days(from, until);
                let moved = calendar.add_working_days(end.date, stood);
                end = Reckoned {
                    date: moved.date,
                    provisional: end.provisional || moved.provisional || guessed,
                };
            }
            end
        }
        MediateRule::Order121 => {
            let stood: u64 = ended
                .map(|(from, until)| (until - from).num_days().max(0) as u64)
                .sum();
            calendar.roll_to_working_day(accepted_on + Days::new(ORDER121_DAYS + stood))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::official;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn facts(received: &str) -> CaseFacts {
        CaseFacts {
            received_on: d(received),
            odr: false,
            escalated_on: None,
            transferred_on: None,
            accepted: None,
            pauses: Vec::new(),
        }
    }

    #[test]
    fn the_rule_follows_the_acceptance_date() {
        assert_eq!(mediate_rule_for(d("2026-04-14")), MediateRule::Order20);
        assert_eq!(mediate_rule_for(d("2026-04-15")), MediateRule::Order121);
    }

    #[test]
    fn order121_rolls_past_the_national_day_holiday() {
        let mut f = facts("2026-07-27");
        f.accepted = Some((d("2026-08-03"), MediateRule::Order121));
        let m = reckon(&official(), &f).mediate_by.unwrap();
        // 2026-10-02 is inside 10-01..10-07.
        assert_eq!(m.date, d("2026-10-08"));
        assert!(!m.provisional);
    }

    #[test]
    fn order20_counts_working_days() {
        let mut f = facts("2026-09-10");
        f.accepted = Some((d("2026-09-18"), MediateRule::Order20));
        assert_eq!(
            reckon(&official(), &f).mediate_by.unwrap().date,
            d("2026-11-26")
        );
    }

    #[test]
    fn ended_pauses_stretch_mediation_and_a_running_one_does_not_yet() {
        let cal = official();
        let mut f = facts("2026-10-26");
        f.accepted = Some((d("2026-11-02"), MediateRule::Order121));
        let plain = reckon(&cal, &f).mediate_by.unwrap();
        // 2026-11-02 + 60 = 2027-01-01: a year without a table.
        assert_eq!(plain.date, d("2027-01-01"));
        assert!(plain.provisional);
        f.pauses.push(Pause {
            from: d("2026-11-10"),
            until: None,
        });
        assert_eq!(reckon(&cal, &f).mediate_by.unwrap(), plain);
        f.pauses[0].until = Some(d("2026-11-20"));
        // Ten days stood still: 2027-01-11, a Monday.
        assert_eq!(reckon(&cal, &f).mediate_by.unwrap().date, d("2027-01-11"));

        // Order 20 counts the working days the clock stood: 11-11..11-20 is 8.
        f.accepted = Some((d("2026-11-02"), MediateRule::Order20));
        let without = cal.add_working_days(d("2026-11-02"), 45).date;
        assert_eq!(
            reckon(&cal, &f).mediate_by.unwrap().date,
            cal.add_working_days(without, 8).date
        );
    }

    #[test]
    fn a_transfer_restarts_the_decision_clock() {
        let cal = official();
        let mut f = facts("2026-11-16");
        assert_eq!(reckon(&cal, &f).decide_by.date, d("2026-11-25"));
        // Transferred on day 6 (Tuesday 11-24): seven working days from there.
        f.transferred_on = Some(d("2026-11-24"));
        assert_eq!(reckon(&cal, &f).decide_by.date, d("2026-12-03"));
    }

    #[test]
    fn the_odr_window_comes_first_unless_a_party_ends_it() {
        let cal = official();
        let mut f = facts("2026-11-27");
        f.odr = true;
        let r = reckon(&cal, &f);
        assert_eq!(r.window.unwrap().date, d("2026-12-11"));
        assert_eq!(r.decide_by.date, d("2026-12-22"));
        f.escalated_on = Some(d("2026-11-30"));
        let r = reckon(&cal, &f);
        assert_eq!(r.window.unwrap().date, d("2026-11-30"));
        assert_eq!(r.decide_by.date, d("2026-12-09"));
    }
}
