//! Opening hours: the API's weekly list and dated exceptions, compiled once
//! into minute spans so `open_now` is a few integer comparisons.
//!
//! A span's `end` may pass 1440 (midnight): a hotpot place open 17:00–02:00
//! on Friday is the span 1020..1560 on Friday, and is still open at 01:30 on
//! Saturday. `"00:00"–"24:00"` is all day.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub const MINUTES_PER_DAY: u16 = 1440;
const MAX_WEEKLY_ENTRIES: usize = 21;
const MAX_EXCEPTIONS: usize = 120;

/// `{"days": [1,2,3,4,5], "open": "09:00", "close": "21:00"}`, 1 = Monday.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WeeklyHours {
    pub days: Vec<u8>,
    /// `HH:MM`, 00:00–23:59
    pub open: String,
    /// `HH:MM`; before `open` runs past midnight; `24:00` is the end of the day
    pub close: String,
}

/// A dated change: closed all day, or other hours that day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DatedException {
    pub date: NaiveDate,
    #[serde(default)]
    pub closed: bool,
    pub open: Option<String>,
    pub close: Option<String>,
    /// e.g. 国庆休息, 跨年延长营业
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Span {
    pub start: u16,
    pub end: u16,
}

/// Compiled hours. Shops with the same hours share one (they are interned).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Schedule {
    /// Index 0 = Monday.
    weekly: [Vec<Span>; 7],
    /// Sorted by date.
    exceptions: Vec<(NaiveDate, Vec<Span>)>,
}

/// `HH:MM` to minutes; `24:00` only when `allow_24`.
pub fn parse_hhmm(s: &str, allow_24: bool) -> Option<u16> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let h: u16 = h.parse().ok()?;
    let m: u16 = m.parse().ok()?;
    if m >= 60 {
        return None;
    }
    match h {
        0..=23 => Some(h * 60 + m),
        24 if allow_24 && m == 0 => Some(MINUTES_PER_DAY),
        _ => None,
    }
}

fn span(
    open: &str,
    close: &str,
    field: &str,
    errors: &mut Vec<(String, &'static str)>,
) -> Option<Span> {
    let start = parse_hhmm(open, false);
    let end = parse_hhmm(close, true);
    if start.is_none() {
        errors.push((format!("{field}.open"), "time_format"));
    }
    if end.is_none() {
        errors.push((format!("{field}.close"), "time_format"));
    }
    let (start, end) = (start?, end?);
    if start == end || (start == 0 && end == 0) {
        errors.push((format!("{field}.close"), "same_as_open"));
        return None;
    }
    Some(Span {
        start,
        end: if end < start {
            end + MINUTES_PER_DAY
        } else {
            end
        },
    })
}

impl Schedule {
    /// Checks and compiles; on failure, the reasons per field path.
    pub fn compile(
        weekly: &[WeeklyHours],
        exceptions: &[DatedException],
    ) -> Result<Self, Vec<(String, &'static str)>> {
        let mut errors = Vec::new();
        let mut schedule = Schedule::default();
        if weekly.len() > MAX_WEEKLY_ENTRIES {
            errors.push(("opening_hours".to_owned(), "too_many"));
        }
        if exceptions.len() > MAX_EXCEPTIONS {
            errors.push(("exceptions".to_owned(), "too_many"));
        }
        for (i, entry) in weekly.iter().enumerate() {
            let field = format!("opening_hours[{i}]");
            if entry.days.is_empty() {
                errors.push((format!("{field}.days"), "required"));
            }
            if entry.days.iter().any(|d| !(1..=7).contains(d)) {
                errors.push((format!("{field}.days"), "day_range"));
            }
            if let Some(s) = span(&entry.open, &entry.close, &field, &mut errors) {
                for day in &entry.days {
                    if (1..=7).contains(day) {
                        let list = &mut schedule.weekly[usize::from(*day - 1)];
                        if !list.contains(&s) {
                            list.push(s);
                        }
                    }
                }
            }
        }
        for (i, e) in exceptions.iter().enumerate() {
            let field = format!("exceptions[{i}]");
            if exceptions[..i].iter().any(|other| other.date == e.date) {
                errors.push((format!("{field}.date"), "duplicate_date"));
                continue;
            }
            let spans = if e.closed {
                Vec::new()
            } else {
                match (&e.open, &e.close) {
                    (Some(open), Some(close)) => {
                        span(open, close, &field, &mut errors).into_iter().collect()
                    }
                    _ => {
                        errors.push((field, "closed_or_hours_required"));
                        continue;
                    }
                }
            };
            schedule.exceptions.push((e.date, spans));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        for day in &mut schedule.weekly {
            day.sort_by_key(|s| (s.start, s.end));
        }
        schedule.exceptions.sort_by_key(|(d, _)| *d);
        Ok(schedule)
    }

    fn spans_on(&self, date: NaiveDate) -> &[Span] {
        if !self.exceptions.is_empty()
            && let Ok(i) = self.exceptions.binary_search_by_key(&date, |(d, _)| *d)
        {
            return &self.exceptions[i].1;
        }
        &self.weekly[date.weekday().num_days_from_monday() as usize]
    }

    /// Open at this local (Asia/Shanghai) time: inside one of today's spans,
    /// or inside yesterday's span that runs past midnight.
    pub fn is_open(&self, at: NaiveDateTime) -> bool {
        let date = at.date();
        let minute = (at.hour() * 60 + at.minute()) as u16;
        if self
            .spans_on(date)
            .iter()
            .any(|s| s.start <= minute && minute < s.end)
        {
            return true;
        }
        match date.pred_opt() {
            Some(yesterday) => self
                .spans_on(yesterday)
                .iter()
                .any(|s| s.end > MINUTES_PER_DAY && minute + MINUTES_PER_DAY < s.end),
            None => false,
        }
    }

    pub fn has_any_hours(&self) -> bool {
        self.weekly.iter().any(|d| !d.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weekly(days: &[u8], open: &str, close: &str) -> WeeklyHours {
        WeeklyHours {
            days: days.to_vec(),
            open: open.into(),
            close: close.into(),
        }
    }

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn parses_times() {
        assert_eq!(parse_hhmm("09:30", false), Some(570));
        assert_eq!(parse_hhmm("24:00", true), Some(1440));
        assert_eq!(parse_hhmm("24:00", false), None);
        assert_eq!(parse_hhmm("24:01", true), None);
        assert_eq!(parse_hhmm("9:30", false), None);
        assert_eq!(parse_hhmm("09:60", false), None);
        assert_eq!(parse_hhmm("ab:cd", false), None);
    }

    #[test]
    fn weekday_hours() {
        let s = Schedule::compile(&[weekly(&[1, 2, 3, 4, 5], "09:00", "21:00")], &[]).unwrap();
        // 2026-11-27 is a Friday.
        assert!(s.is_open(at("2026-11-27 09:00")));
        assert!(s.is_open(at("2026-11-27 20:59")));
        assert!(!s.is_open(at("2026-11-27 21:00")));
        assert!(!s.is_open(at("2026-11-27 08:59")));
        assert!(!s.is_open(at("2026-11-28 12:00")));
    }

    #[test]
    fn overnight_hours_run_into_the_next_day() {
        // A hotpot place open 17:00–02:00 Thursday to Saturday.
        let s = Schedule::compile(&[weekly(&[4, 5, 6], "17:00", "02:00")], &[]).unwrap();
        assert!(s.is_open(at("2026-11-27 01:30"))); // Friday 01:30, from Thursday
        assert!(s.is_open(at("2026-11-29 01:30"))); // Sunday 01:30, from Saturday
        assert!(!s.is_open(at("2026-11-30 01:30"))); // Monday 01:30: Sunday closed
        assert!(!s.is_open(at("2026-11-27 02:00")));
        assert!(s.is_open(at("2026-11-27 23:59")));
        assert!(!s.is_open(at("2026-11-24 01:30"))); // Tuesday
    }

    #[test]
    fn all_day_is_midnight_to_midnight() {
        let s =
            Schedule::compile(&[weekly(&[1, 2, 3, 4, 5, 6, 7], "00:00", "24:00")], &[]).unwrap();
        assert!(s.is_open(at("2026-11-27 00:00")));
        assert!(s.is_open(at("2026-11-27 23:59")));
        assert!(s.is_open(at("2026-11-28 03:00")));
    }

    #[test]
    fn a_holiday_closure_overrides_the_week_but_not_last_nights_spill() {
        let s = Schedule::compile(
            &[weekly(&[1, 2, 3, 4, 5, 6, 7], "10:00", "02:00")],
            &[DatedException {
                date: NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
                closed: true,
                open: None,
                close: None,
                note: Some("国庆休息".into()),
            }],
        )
        .unwrap();
        assert!(!s.is_open(at("2026-10-01 12:00")));
        // 01:30 on the 1st still belongs to the 30th's evening.
        assert!(s.is_open(at("2026-10-01 01:30")));
        // Nothing spills from the closed day into the 2nd.
        assert!(!s.is_open(at("2026-10-02 01:30")));
        assert!(s.is_open(at("2026-10-02 12:00")));
    }

    #[test]
    fn extended_hours_on_a_date() {
        let s = Schedule::compile(
            &[weekly(&[1, 2, 3, 4, 5, 6, 7], "09:00", "21:00")],
            &[DatedException {
                date: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
                closed: false,
                open: Some("09:00".into()),
                close: Some("03:00".into()),
                note: Some("跨年夜".into()),
            }],
        )
        .unwrap();
        assert!(s.is_open(at("2026-12-31 23:30")));
        assert!(s.is_open(at("2027-01-01 02:30")));
        assert!(!s.is_open(at("2026-12-30 23:30")));
    }

    #[test]
    fn bad_hours_are_reported_by_field() {
        let err = Schedule::compile(
            &[
                weekly(&[0, 8], "9:00", "21:00"),
                weekly(&[1], "10:00", "10:00"),
            ],
            &[DatedException {
                date: NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
                closed: false,
                open: None,
                close: None,
                note: None,
            }],
        )
        .unwrap_err();
        assert!(err.contains(&("opening_hours[0].days".into(), "day_range")));
        assert!(err.contains(&("opening_hours[0].open".into(), "time_format")));
        assert!(err.contains(&("opening_hours[1].close".into(), "same_as_open")));
        assert!(err.contains(&("exceptions[0]".into(), "closed_or_hours_required")));
    }
}
