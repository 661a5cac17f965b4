//! Working days on the official calendar (FACTS §5): Monday to Friday unless
//! a day off, plus the listed make-up days. A year without a loaded table is
//! counted Monday to Friday and the result marked provisional.

pub mod service;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One year's notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct YearTable {
    pub year: i32,
    pub days_off: Vec<NaiveDate>,
    pub makeup_days: Vec<NaiveDate>,
    #[serde(default)]
    pub source: String,
}

#[derive(Debug, Clone, Default)]
pub struct Calendar {
    years: BTreeMap<i32, (BTreeSet<NaiveDate>, BTreeSet<NaiveDate>)>,
}

/// A computed date and whether it rests on a year not loaded yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reckoned {
    pub date: NaiveDate,
    pub provisional: bool,
}

impl Calendar {
    pub fn new(tables: impl IntoIterator<Item = YearTable>) -> Self {
        let mut years = BTreeMap::new();
        for t in tables {
            years.insert(
                t.year,
                (
                    t.days_off.into_iter().collect(),
                    t.makeup_days.into_iter().collect(),
                ),
            );
        }
        Self { years }
    }

    pub fn has_year(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    /// Whether `day` is a working day, and whether that is only a guess.
    pub fn is_working_day(&self, day: NaiveDate) -> (bool, bool) {
        let weekday = !matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
        match self.years.get(&day.year()) {
            Some((off, makeup)) => (
                (weekday && !off.contains(&day)) || makeup.contains(&day),
                false,
            ),
            None => (weekday, true),
        }
    }

    /// The `n`th working day after `start` (`start` itself not counted).
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> Reckoned {
        let mut day = start;
        let mut counted = 0;
        let mut provisional = false;
        while counted < n {
            day = day + Days::new(1);
            let (working, guess) = self.is_working_day(day);
            provisional |= guess;
            if working {
                counted += 1;
            }
        }
        Reckoned {
            date: day,
            provisional,
        }
    }

    /// Working days in `(from, to]`: how long a paused clock stood still.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        self.count_working_days(from, to).0
    }

    /// Working days in `(from, to]`, and whether a year not loaded yet
    /// decided any of them.
    pub fn count_working_days(&self, from: NaiveDate, to: NaiveDate) -> (u32, bool) {
        let mut day = from;
        let mut n = 0;
        let mut provisional = false;
        while day < to {
            day = day + Days::new(1);
            let (working, guess) = self.is_working_day(day);
            provisional |= guess;
            if working {
                n += 1;
            }
        }
        (n, provisional)
    }

    /// The last day of a period counted in calendar days: `day` itself if
    /// it is a working day, else the next working day (Civil Code art. 203).
    pub fn roll_to_working_day(&self, day: NaiveDate) -> Reckoned {
        let mut day = day;
        let mut provisional = false;
        loop {
            let (working, guess) = self.is_working_day(day);
            provisional |= guess;
            if working {
                return Reckoned {
                    date: day,
                    provisional,
                };
            }
            day = day + Days::new(1);
        }
    }
}

/// The official tables shipped in `seeds/holidays.json`, for unit tests.
#[cfg(test)]
pub fn official() -> Calendar {
    let file: serde_json::Value =
        serde_json::from_str(include_str!("../../seeds/holidays.json")).expect("holidays.json");
    let tables: Vec<YearTable> =
        serde_json::from_value(file["years"].clone()).expect("holidays.json years");
    Calendar::new(tables)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_documented_examples_hold() {
        let c = official();
        let r = c.add_working_days(d("2025-09-26"), 7);
        assert_eq!(
            r,
            Reckoned {
                date: d("2025-10-13"),
                provisional: false
            }
        );
        // Ends on a make-up Saturday.
        assert_eq!(c.add_working_days(d("2026-02-12"), 7).date, d("2026-02-28"));
        assert_eq!(
            c.add_working_days(d("2026-09-18"), 45).date,
            d("2026-11-26")
        );
    }

    #[test]
    fn a_year_not_loaded_counts_weekdays_and_says_so() {
        let c = official();
        // 2026-12-24 (Thu) + 7: the count runs into 2027, which has no table.
        let r = c.add_working_days(d("2026-12-24"), 7);
        assert!(r.provisional);
        // 12-25, 12-28, 12-29, 12-30, 12-31, then 2027-01-01 (Fri) and 01-04 (Mon)
        // counted as plain weekdays.
        assert_eq!(r.date, d("2027-01-04"));
        let r = c.add_working_days(d("2026-11-27"), 7);
        assert!(!r.provisional);
    }

    #[test]
    fn a_period_ending_on_a_rest_day_rolls_to_the_next_working_day() {
        let c = official();
        // Inside the National Day holiday.
        assert_eq!(
            c.roll_to_working_day(d("2026-10-02")),
            Reckoned {
                date: d("2026-10-08"),
                provisional: false
            }
        );
        // A make-up Saturday is a working day.
        assert_eq!(c.roll_to_working_day(d("2026-10-10")).date, d("2026-10-10"));
        // A Saturday of a year with no table: Monday, and only a guess.
        assert_eq!(
            c.roll_to_working_day(d("2027-01-02")),
            Reckoned {
                date: d("2027-01-04"),
                provisional: true
            }
        );
        assert_eq!(
            c.count_working_days(d("2026-12-30"), d("2027-01-05")),
            (4, true)
        );
    }

    #[test]
    fn paused_clocks_count_only_working_days() {
        let c = official();
        // 2026-09-30 to 2026-10-09: the National Day week is off, 10-08 and 10-09 work.
        assert_eq!(c.working_days_between(d("2026-09-30"), d("2026-10-09")), 2);
        assert_eq!(c.working_days_between(d("2026-11-27"), d("2026-11-27")), 0);
    }

    #[test]
    fn weekends_and_makeup_days() {
        let c = official();
        assert_eq!(c.is_working_day(d("2026-02-14")), (true, false)); // make-up Saturday
        assert_eq!(c.is_working_day(d("2026-02-16")), (false, false)); // Spring Festival Monday
        assert_eq!(c.is_working_day(d("2026-11-28")), (false, false)); // Saturday
        assert_eq!(c.is_working_day(d("2027-03-01")), (true, true));
    }
}
