//! When a recycling pickup may be booked: plain functions on local times.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// How far ahead a pickup can be booked.
pub const HORIZON_DAYS: i64 = 30;
/// A slot closes for booking this long before it starts, so the recycler
/// can plan the route.
pub const LEAD_MINUTES: i64 = 60;

pub const DATE_PAST: &str = "date_past";
pub const TOO_FAR_AHEAD: &str = "too_far_ahead";
pub const SLOT_CLOSED: &str = "slot_closed_for_booking";

/// "HH:MM" → time of day.
pub fn parse_time(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(text, "%H:%M").ok()
}

/// Whether a pickup on `day` in the slot starting at `starts` can still be
/// booked at local time `now`; the reason when not.
pub fn check_booking(
    now: NaiveDateTime,
    day: NaiveDate,
    starts: NaiveTime,
) -> Result<(), &'static str> {
    let today = now.date();
    if day < today {
        return Err(DATE_PAST);
    }
    if (day - today).num_days() > HORIZON_DAYS {
        return Err(TOO_FAR_AHEAD);
    }
    if day.and_time(starts) - chrono::Duration::minutes(LEAD_MINUTES) < now {
        return Err(SLOT_CLOSED);
    }
    Ok(())
}

/// Whether the slot has started at local time `now` (a pickup cannot be
/// marked missed before its slot starts).
pub fn has_started(now: NaiveDateTime, day: NaiveDate, starts: NaiveTime) -> bool {
    day.and_time(starts) <= now
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(d: u32, h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, d)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    #[test]
    fn bookings_close_an_hour_before_the_slot() {
        let nine = parse_time("09:00").unwrap();
        assert_eq!(check_booking(at(27, 7, 59), day(27), nine), Ok(()));
        assert_eq!(check_booking(at(27, 8, 0), day(27), nine), Ok(()));
        assert_eq!(check_booking(at(27, 8, 1), day(27), nine), Err(SLOT_CLOSED));
        assert_eq!(check_booking(at(27, 23, 0), day(28), nine), Ok(()));
    }

    #[test]
    fn past_days_and_days_beyond_the_horizon_are_refused() {
        let nine = parse_time("09:00").unwrap();
        assert_eq!(check_booking(at(27, 7, 0), day(26), nine), Err(DATE_PAST));
        let limit = day(27) + chrono::Duration::days(HORIZON_DAYS);
        assert_eq!(check_booking(at(27, 7, 0), limit, nine), Ok(()));
        assert_eq!(
            check_booking(at(27, 7, 0), limit + chrono::Duration::days(1), nine),
            Err(TOO_FAR_AHEAD)
        );
    }

    #[test]
    fn times_parse_as_hours_and_minutes() {
        assert_eq!(parse_time("18:30"), NaiveTime::from_hms_opt(18, 30, 0));
        assert_eq!(parse_time("25:00"), None);
        assert_eq!(parse_time("9"), None);
        assert!(has_started(
            at(27, 9, 0),
            day(27),
            parse_time("09:00").unwrap()
        ));
        assert!(!has_started(
            at(27, 8, 59),
            day(27),
            parse_time("09:00").unwrap()
        ));
    }
}
