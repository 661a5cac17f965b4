//! Route and event checks, date-range overlap and route matching: plain
//! functions with no I/O.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::error::FieldErrors;
use crate::geo::{self, LatLng};

/// Route themes (policy measures 四, 九, 十一, 十二, 十七, 二十).
pub const THEMES: &[(&str, &str)] = &[
    ("family", "亲子"),
    ("study", "研学"),
    ("summer", "避暑"),
    ("red", "红色文化"),
    ("rural", "乡村"),
    ("self_drive", "自驾"),
    ("graduation", "毕业季"),
    ("night", "夜游"),
    ("chuanyu", "川渝"),
];

pub const EVENT_CATEGORIES: &[(&str, &str)] = &[
    ("festival", "节庆"),
    ("fair", "展会"),
    ("night_market", "夜市"),
    ("music", "音乐"),
    ("sports", "体育赛事"),
    ("consumption_season", "消费季"),
    ("food", "美食"),
    ("culture", "文化艺术"),
];

pub const MAX_DAYS: i32 = 15;
pub const MAX_STOPS: usize = 40;
pub const MAX_STOP_MINUTES: i32 = 720;
pub const MAX_TICKET_FEN: i64 = 1_000_000;
/// An event runs at most this long (a consumption season of a year).
pub const MAX_EVENT_DAYS: i64 = 366;

/// Sichuan and Chongqing together: where a 川渝 route may go.
pub const SICHUAN_CHONGQING_LAT: (f64, f64) = (26.0, 34.4);
pub const SICHUAN_CHONGQING_LNG: (f64, f64) = (97.3, 110.25);

pub fn is_theme(code: &str) -> bool {
    THEMES.iter().any(|(c, _)| *c == code)
}

pub fn is_event_category(code: &str) -> bool {
    EVENT_CATEGORIES.iter().any(|(c, _)| *c == code)
}

/// Where a stop may be: Chongqing, or Sichuan and Chongqing for a 川渝 route.
pub fn stop_in_region(p: LatLng, cross_region: bool) -> bool {
    if geo::in_chongqing(p) {
        return true;
    }
    cross_region
        && (SICHUAN_CHONGQING_LAT.0..=SICHUAN_CHONGQING_LAT.1).contains(&p.lat)
        && (SICHUAN_CHONGQING_LNG.0..=SICHUAN_CHONGQING_LNG.1).contains(&p.lng)
}

#[derive(Debug, Clone)]
pub struct StopShape {
    pub seq: i32,
    pub day: i32,
    /// Stored (GCJ-02).
    pub position: LatLng,
    pub minutes: i32,
    pub ticket_fen: i64,
}

#[derive(Debug, Clone)]
pub struct RouteShape<'a> {
    pub themes: &'a [String],
    pub days: i32,
    pub stops: &'a [StopShape],
    /// Places outside Chongqing the route names (trimmed).
    pub outside_places: &'a [String],
}

fn push(errors: &mut FieldErrors, field: &str, reason: impl Into<String>) {
    errors
        .entry(field.to_owned())
        .or_default()
        .push(reason.into());
}

/// Themes known and present; days in range; stops numbered 1, 2, … in the
/// order given, on days 1..=days without a day left out, each inside the region.
pub fn check_route(route: &RouteShape<'_>) -> FieldErrors {
    let mut errors = FieldErrors::new();
    if route.themes.is_empty() {
        push(&mut errors, "themes", "required");
    }
    for theme in route.themes {
        if !is_theme(theme) {
            push(&mut errors, "themes", format!("unknown_theme:{theme}"));
        }
    }
    if !(1..=MAX_DAYS).contains(&route.days) {
        push(&mut errors, "days", "out_of_range");
    }
    if route.stops.is_empty() || route.stops.len() > MAX_STOPS {
        push(&mut errors, "stops", "count_out_of_range");
        return errors;
    }
    let cross_region = route.themes.iter().any(|t| t == "chuanyu");
    let mut leaves_chongqing = false;
    let mut day = 1;
    for (i, stop) in route.stops.iter().enumerate() {
        let field = format!("stops[{i}]");
        if usize::try_from(stop.seq).ok() != Some(i + 1) {
            push(&mut errors, &field, "seq_must_run_1_2_3_without_gaps");
        }
        if i == 0 && stop.day != 1 {
            push(&mut errors, &field, "first_stop_must_be_on_day_1");
        } else if stop.day < day {
            push(&mut errors, &field, "day_goes_backwards");
        } else if stop.day > day + 1 {
            push(&mut errors, &field, "day_skipped");
        }
        if stop.day > route.days {
            push(&mut errors, &field, "day_after_route_ends");
        }
        day = stop.day.max(day);
        if !stop.position.is_valid() || !stop_in_region(stop.position, cross_region) {
            push(&mut errors, &field, "outside_region");
        } else if !geo::in_chongqing(stop.position) {
            leaves_chongqing = true;
        }
        if !(0..=MAX_STOP_MINUTES).contains(&stop.minutes) {
            push(&mut errors, &field, "minutes_out_of_range");
        }
        if !(0..=MAX_TICKET_FEN).contains(&stop.ticket_fen) {
            push(&mut errors, &field, "ticket_out_of_range");
        }
    }
    if day < route.days && !errors.contains_key("days") {
        push(&mut errors, "days", "no_stop_on_last_day");
    }
    // `district_codes` are Chongqing's: a route that leaves it says where else it goes.
    if leaves_chongqing && route.outside_places.is_empty() {
        push(
            &mut errors,
            "outside_places",
            "name_the_places_outside_chongqing",
        );
    }
    errors
}

/// Straight-line length of the route through its stops, in metres.
pub fn straight_line_m(stops: &[StopShape]) -> f64 {
    let points: Vec<LatLng> = stops.iter().map(|s| s.position).collect();
    path_length_m(&points)
}

/// Length of a path through `points` in order, in metres.
pub fn path_length_m(points: &[LatLng]) -> f64 {
    points
        .windows(2)
        .map(|w| geo::haversine_m(w[0], w[1]))
        .sum()
}

#[derive(Debug, Clone)]
pub struct EventShape<'a> {
    pub category: &'a str,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub position: LatLng,
    pub free: bool,
    pub price_fen: Option<i64>,
}

pub fn check_event(event: &EventShape<'_>) -> FieldErrors {
    let mut errors = FieldErrors::new();
    if !is_event_category(event.category) {
        push(&mut errors, "category", "unknown_category");
    }
    if event.ends_at <= event.starts_at {
        push(&mut errors, "ends_at", "must_be_after_starts_at");
    } else if event.ends_at - event.starts_at > Duration::days(MAX_EVENT_DAYS) {
        push(&mut errors, "ends_at", "longer_than_a_year");
    }
    if !event.position.is_valid() || !geo::in_chongqing(event.position) {
        push(&mut errors, "lat", "outside_chongqing");
    }
    match (event.free, event.price_fen) {
        (true, Some(p)) if p > 0 => push(&mut errors, "price_fen", "free_event_has_no_price"),
        (false, None) => push(&mut errors, "price_fen", "required_unless_free"),
        (_, Some(p)) if !(0..=MAX_TICKET_FEN).contains(&p) => {
            push(&mut errors, "price_fen", "out_of_range")
        }
        _ => {}
    }
    errors
}

/// Whether an event running over [starts, ends) overlaps the range
/// [from, to): an event that starts before the range and ends inside it
/// counts, as does one that spans the whole range.
pub fn overlaps(
    starts: DateTime<Utc>,
    ends: DateTime<Utc>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> bool {
    starts < to && ends > from
}

/// The instants a range of local days covers: from the start of `from` to
/// the end of `to` (both inclusive).
pub fn day_range(
    from: NaiveDate,
    to: NaiveDate,
    offset: chrono::FixedOffset,
) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let start = from
        .and_hms_opt(0, 0, 0)?
        .and_local_timezone(offset)
        .single()?;
    let end = to
        .succ_opt()?
        .and_hms_opt(0, 0, 0)?
        .and_local_timezone(offset)
        .single()?;
    Some((start.with_timezone(&Utc), end.with_timezone(&Utc)))
}

/// Lower-cased for matching; Chinese text is unchanged.
pub fn fold(text: &str) -> String {
    text.to_lowercase()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn stop(seq: i32, day: i32) -> StopShape {
        StopShape {
            seq,
            day,
            position: LatLng::new(29.5575, 106.5770),
            minutes: 60,
            ticket_fen: 0,
        }
    }

    fn themes(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_two_day_route_with_stops_in_order_passes() {
        let t = themes(&["family", "self_drive"]);
        let stops = [stop(1, 1), stop(2, 1), stop(3, 2)];
        let route = RouteShape {
            themes: &t,
            days: 2,
            outside_places: &[],
            stops: &stops,
        };
        assert!(check_route(&route).is_empty(), "{:?}", check_route(&route));
    }

    #[test]
    fn gaps_in_seq_and_days_are_refused() {
        let t = themes(&["family"]);
        let gap = [stop(1, 1), stop(3, 1)];
        let errors = check_route(&RouteShape {
            themes: &t,
            days: 1,
            outside_places: &[],
            stops: &gap,
        });
        assert_eq!(errors["stops[1]"], vec!["seq_must_run_1_2_3_without_gaps"]);
        let skipped = [stop(1, 1), stop(2, 3)];
        let errors = check_route(&RouteShape {
            themes: &t,
            days: 3,
            outside_places: &[],
            stops: &skipped,
        });
        assert_eq!(errors["stops[1]"], vec!["day_skipped"]);
        let backwards = [stop(1, 1), stop(2, 2), stop(3, 1)];
        let errors = check_route(&RouteShape {
            themes: &t,
            days: 2,
            outside_places: &[],
            stops: &backwards,
        });
        assert_eq!(errors["stops[2]"], vec!["day_goes_backwards"]);
        let short = [stop(1, 1)];
        let errors = check_route(&RouteShape {
            themes: &t,
            days: 2,
            outside_places: &[],
            stops: &short,
        });
        assert_eq!(errors["days"], vec!["no_stop_on_last_day"]);
        let late = [stop(1, 2)];
        let errors = check_route(&RouteShape {
            themes: &t,
            days: 1,
            outside_places: &[],
            stops: &late,
        });
        assert!(errors["stops[0]"].contains(&"first_stop_must_be_on_day_1".to_owned()));
    }

    #[test]
    fn stops_stay_in_chongqing_unless_the_route_is_chuanyu() {
        let chengdu = StopShape {
            position: LatLng::new(30.664, 104.053),
            ..stop(2, 1)
        };
        let stops = [stop(1, 1), chengdu];
        let local = themes(&["family"]);
        let errors = check_route(&RouteShape {
            themes: &local,
            days: 1,
            outside_places: &[],
            stops: &stops,
        });
        assert_eq!(errors["stops[1]"], vec!["outside_region"]);
        let cross = themes(&["chuanyu"]);
        let unnamed = check_route(&RouteShape {
            themes: &cross,
            days: 1,
            outside_places: &[],
            stops: &stops,
        });
        assert_eq!(unnamed.len(), 1, "{unnamed:?}");
        assert_eq!(
            unnamed["outside_places"],
            vec!["name_the_places_outside_chongqing"]
        );
        assert!(
            check_route(&RouteShape {
                themes: &cross,
                days: 1,
                outside_places: &["四川省成都市青羊区".to_owned()],
                stops: &stops,
            })
            .is_empty()
        );
        let beijing = [StopShape {
            position: LatLng::new(39.9, 116.4),
            ..stop(1, 1)
        }];
        assert!(
            !check_route(&RouteShape {
                themes: &cross,
                days: 1,
                outside_places: &[],
                stops: &beijing,
            })
            .is_empty()
        );
    }

    #[test]
    fn unknown_themes_and_empty_routes_are_refused() {
        let t = themes(&["family", "nightlife"]);
        let errors = check_route(&RouteShape {
            themes: &t,
            days: 1,
            outside_places: &[],
            stops: &[],
        });
        assert_eq!(errors["themes"], vec!["unknown_theme:nightlife"]);
        assert_eq!(errors["stops"], vec!["count_out_of_range"]);
    }

    fn at(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap()
    }

    #[test]
    fn events_overlapping_a_range_count_even_when_they_start_before_it() {
        let (from, to) = (at(10, 0), at(20, 0));
        assert!(
            overlaps(at(1, 0), at(11, 0), from, to),
            "starts before, ends inside"
        );
        assert!(
            overlaps(at(15, 0), at(25, 0), from, to),
            "starts inside, ends after"
        );
        assert!(overlaps(at(1, 0), at(30, 0), from, to), "spans the range");
        assert!(overlaps(at(12, 0), at(13, 0), from, to), "inside");
        assert!(
            !overlaps(at(1, 0), at(10, 0), from, to),
            "ends as the range starts"
        );
        assert!(
            !overlaps(at(20, 0), at(21, 0), from, to),
            "starts as the range ends"
        );
    }

    #[test]
    fn a_day_range_covers_whole_local_days() {
        let offset = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        let (from, to) = day_range(day(1), day(30), offset).unwrap();
        assert_eq!(from, Utc.with_ymd_and_hms(2026, 10, 31, 16, 0, 0).unwrap());
        assert_eq!(to, Utc.with_ymd_and_hms(2026, 11, 30, 16, 0, 0).unwrap());
    }

    #[test]
    fn events_need_an_order_a_place_and_a_price_rule() {
        let ok = EventShape {
            category: "night_market",
            starts_at: at(1, 10),
            ends_at: at(1, 14),
            position: LatLng::new(29.5575, 106.5770),
            free: true,
            price_fen: None,
        };
        assert!(check_event(&ok).is_empty());
        let backwards = EventShape {
            ends_at: at(1, 9),
            ..ok.clone()
        };
        assert_eq!(
            check_event(&backwards)["ends_at"],
            vec!["must_be_after_starts_at"]
        );
        let priced_free = EventShape {
            price_fen: Some(100),
            ..ok.clone()
        };
        assert!(check_event(&priced_free).contains_key("price_fen"));
        let unpriced = EventShape {
            free: false,
            ..ok.clone()
        };
        assert!(check_event(&unpriced).contains_key("price_fen"));
        let elsewhere = EventShape {
            position: LatLng::new(30.66, 104.05),
            category: "rave",
            ..ok
        };
        let errors = check_event(&elsewhere);
        assert!(errors.contains_key("lat") && errors.contains_key("category"));
    }

    #[test]
    fn straight_line_length_sums_the_legs() {
        let mut a = stop(1, 1);
        let mut b = stop(2, 1);
        let mut c = stop(3, 1);
        a.position = LatLng::new(29.0, 106.0);
        b.position = LatLng::new(29.01, 106.0);
        c.position = LatLng::new(29.02, 106.0);
        let total = straight_line_m(&[a, b, c]);
        assert!((total - 2_223.9).abs() < 5.0, "{total}");
    }
}
