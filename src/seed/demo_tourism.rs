//! Demo culture and tourism data: routes (`seeds/tourism_routes.json`) and
//! events (`seeds/events.json`) placed in the year the seed loads: on a
//! month-day, on a lunar festival's date that year (`festival_dates`), or
//! relative to the day the seed loads so that something is always on.

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeZone, Utc};
use entity::{event, tourism_route, tourism_route_stop};
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, IntoActiveModel,
    TransactionTrait,
};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::festival_dates::{Festival, FestivalDates};
use crate::clock::SHANGHAI;
use crate::geo::{CoordSystem, LatLng};

pub const ROUTES_FILE: &str = include_str!("../../seeds/tourism_routes.json");
pub const EVENTS_FILE: &str = include_str!("../../seeds/events.json");

#[derive(Deserialize)]
pub struct RouteFile {
    pub coord: CoordSystem,
    pub routes: Vec<RouteSeed>,
}

#[derive(Deserialize)]
pub struct RouteSeed {
    pub id: Uuid,
    pub title: String,
    pub summary: String,
    pub themes: Vec<String>,
    pub district_codes: Vec<String>,
    #[serde(default)]
    pub outside_places: Vec<String>,
    pub days: i32,
    pub distance_m: Option<i32>,
    pub best_season: String,
    pub stops: Vec<StopSeed>,
}

#[derive(Deserialize)]
pub struct StopSeed {
    pub seq: i32,
    pub day: i32,
    pub name: String,
    /// Where the stop is: a Chongqing district code, or one of the route's
    /// `outside_places` (checked by the tests, not stored).
    pub district: String,
    pub lat: f64,
    pub lng: f64,
    pub minutes: i32,
    pub opening_notes: Option<String>,
    pub ticket_fen: i64,
    pub shop_id: Option<Uuid>,
}

#[derive(Deserialize)]
pub struct EventFile {
    pub coord: CoordSystem,
    pub events: Vec<EventSeed>,
}

#[derive(Deserialize)]
pub struct EventSeed {
    pub id: Uuid,
    pub name: String,
    pub summary: String,
    pub category: String,
    /// "MM-DD" in the year the seed loads.
    pub on: Option<String>,
    /// A lunar festival: the event starts `offset_days` from its date in
    /// the year the seed loads.
    pub festival: Option<Festival>,
    #[serde(default)]
    pub offset_days: i64,
    /// Days from the day the seed loads, for events with neither.
    pub from_day: Option<i64>,
    pub days: u64,
    pub opens: NaiveTime,
    /// On the last day; at or before `opens`, the next morning (the event
    /// runs past midnight).
    pub closes: NaiveTime,
    pub venue: String,
    pub lat: f64,
    pub lng: f64,
    pub district_code: String,
    pub organiser: String,
    pub free: bool,
    pub price_fen: Option<i64>,
}

impl EventSeed {
    /// When it runs: from `opens` on its first day to `closes` on its last
    /// (or the morning after). `None` for a festival outside the table.
    pub fn window(
        &self,
        now: DateTime<Utc>,
        festivals: &FestivalDates,
    ) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let today = now.with_timezone(&SHANGHAI).date_naive();
        let shift = |day: NaiveDate, by: i64| {
            if by >= 0 {
                day.checked_add_days(Days::new(by.unsigned_abs()))
            } else {
                day.checked_sub_days(Days::new(by.unsigned_abs()))
            }
        };
        let first = match (&self.on, self.festival, self.from_day) {
            (Some(on), _, _) => {
                NaiveDate::parse_from_str(&format!("{}-{on}", today.format("%Y")), "%Y-%m-%d")
                    .ok()?
            }
            (None, Some(festival), _) => {
                shift(festivals.date(festival, today.year())?, self.offset_days)?
            }
            (None, None, Some(d)) => shift(today, d)?,
            (None, None, None) => return None,
        };
        let mut last = first.checked_add_days(Days::new(self.days.saturating_sub(1)))?;
        if self.closes <= self.opens {
            last = last.succ_opt()?;
        }
        let at = |day: NaiveDate, time: NaiveTime| {
            SHANGHAI
                .from_local_datetime(&day.and_time(time))
                .single()
                .map(|t| t.with_timezone(&Utc))
        };
        Some((at(first, self.opens)?, at(last, self.closes)?))
    }
}

fn bad(file: &str, e: impl std::fmt::Display) -> DbErr {
    DbErr::Custom(format!("seed file {file} is malformed: {e}"))
}

pub async fn load(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<(), DbErr> {
    let routes: RouteFile =
        serde_json::from_str(ROUTES_FILE).map_err(|e| bad("tourism_routes.json", e))?;
    let events: EventFile = serde_json::from_str(EVENTS_FILE).map_err(|e| bad("events.json", e))?;
    let festivals = FestivalDates::from_seed().map_err(|e| bad("lunar_festivals.json", e))?;
    let admin = created_by(db).await?;
    let txn = db.begin().await?;
    for r in &routes.routes {
        let stops: Vec<tourism_route_stop::Model> = r
            .stops
            .iter()
            .map(|s| {
                let p = routes.coord.to_stored(LatLng::new(s.lat, s.lng));
                tourism_route_stop::Model {
                    route_id: r.id,
                    seq: s.seq,
                    day: s.day,
                    name: s.name.clone(),
                    lat: p.lat,
                    lng: p.lng,
                    minutes: s.minutes,
                    opening_notes: s.opening_notes.clone(),
                    ticket_fen: s.ticket_fen,
                    shop_id: s.shop_id,
                }
            })
            .collect();
        let distance = r.distance_m.unwrap_or_else(|| {
            let points: Vec<LatLng> = stops.iter().map(|s| LatLng::new(s.lat, s.lng)).collect();
            crate::tourism::rules::path_length_m(&points).round() as i32
        });
        let inserted = tourism_route::Entity::insert(tourism_route::ActiveModel {
            id: Set(r.id),
            title: Set(r.title.clone()),
            summary: Set(r.summary.clone()),
            themes: Set(json!(r.themes).to_string()),
            district_codes: Set(json!(r.district_codes).to_string()),
            outside_places: Set(json!(r.outside_places).to_string()),
            days: Set(r.days),
            distance_m: Set(distance),
            best_season: Set(r.best_season.clone()),
            published: Set(true),
            created_by: Set(admin),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .on_conflict_do_nothing_on([tourism_route::Column::Id])
        .exec_without_returning(&txn)
        .await?;
        // Stops go in only with a new route: an edited one keeps its own.
        if matches!(inserted, sea_orm::TryInsertResult::Inserted(n) if n > 0) {
            tourism_route_stop::Entity::insert_many(
                stops.into_iter().map(|s| s.into_active_model()),
            )
            .exec_without_returning(&txn)
            .await?;
        }
    }
    for e in &events.events {
        let Some((starts_at, ends_at)) = e.window(now, &festivals) else {
            if e.festival.is_some() {
                // Past the end of the festival table: better no event than one
                // on the wrong day.
                tracing::warn!(event = %e.name, "no festival date for this year in seeds/lunar_festivals.json; event not seeded");
                continue;
            }
            return Err(bad("events.json", format!("{} has no valid time", e.name)));
        };
        let p = events.coord.to_stored(LatLng::new(e.lat, e.lng));
        event::Entity::insert(event::ActiveModel {
            id: Set(e.id),
            name: Set(e.name.clone()),
            summary: Set(e.summary.clone()),
            category: Set(e.category.clone()),
            starts_at: Set(starts_at),
            ends_at: Set(ends_at),
            venue: Set(e.venue.clone()),
            lat: Set(p.lat),
            lng: Set(p.lng),
            district_code: Set(e.district_code.clone()),
            organiser: Set(e.organiser.clone()),
            free: Set(e.free),
            price_fen: Set(if e.free { None } else { e.price_fen }),
            published: Set(true),
            created_by: Set(admin),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .on_conflict_do_nothing_on([event::Column::Id])
        .exec_without_returning(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// The demo admin, who "created" the demo routes and events.
async fn created_by(db: &impl ConnectionTrait) -> Result<Uuid, DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter};
    entity::user::Entity::find()
        .filter(entity::user::Column::Openid.eq("demo-admin"))
        .one(db)
        .await?
        .map(|u| u.id)
        .ok_or_else(|| DbErr::Custom("seed data refers to unknown account `demo-admin`".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tourism::rules::{self, EventShape, RouteShape, StopShape};

    #[test]
    fn seed_routes_pass_the_admin_checks_and_cover_every_theme() {
        let file: RouteFile = serde_json::from_str(ROUTES_FILE).unwrap();
        assert!(file.routes.len() >= 12);
        for r in &file.routes {
            let stops: Vec<StopShape> = r
                .stops
                .iter()
                .map(|s| StopShape {
                    seq: s.seq,
                    day: s.day,
                    position: file.coord.to_stored(LatLng::new(s.lat, s.lng)),
                    minutes: s.minutes,
                    ticket_fen: s.ticket_fen,
                })
                .collect();
            let errors = rules::check_route(&RouteShape {
                themes: &r.themes,
                days: r.days,
                stops: &stops,
                outside_places: &r.outside_places,
            });
            assert!(errors.is_empty(), "{}: {errors:?}", r.title);
        }
        for (theme, _) in rules::THEMES {
            assert!(
                file.routes
                    .iter()
                    .any(|r| r.themes.iter().any(|t| t == theme)),
                "no route for {theme}"
            );
        }
    }

    #[test]
    fn seed_events_pass_the_admin_checks_and_spread_over_the_year() {
        let file: EventFile = serde_json::from_str(EVENTS_FILE).unwrap();
        assert!(file.events.len() >= 20);
        let now = Utc.with_ymd_and_hms(2026, 11, 27, 2, 0, 0).unwrap();
        let festivals = FestivalDates::from_seed().unwrap();
        let mut months = std::collections::BTreeSet::new();
        for e in &file.events {
            let (starts_at, ends_at) = e
                .window(now, &festivals)
                .unwrap_or_else(|| panic!("{}", e.name));
            let errors = rules::check_event(&EventShape {
                category: &e.category,
                starts_at,
                ends_at,
                position: file.coord.to_stored(LatLng::new(e.lat, e.lng)),
                free: e.free,
                price_fen: e.price_fen,
            });
            assert!(errors.is_empty(), "{}: {errors:?}", e.name);
            months.insert(starts_at.with_timezone(&SHANGHAI).format("%m").to_string());
        }
        assert!(months.len() >= 10, "{months:?}");
    }

    /// The seeded window of the event named `name` when the seed loads on
    /// 1 March of `year`, in Chongqing time.
    fn seeded(name: &str, year: i32) -> (String, String) {
        let file: EventFile = serde_json::from_str(EVENTS_FILE).unwrap();
        let festivals = FestivalDates::from_seed().unwrap();
        let e = file.events.iter().find(|e| e.name == name).unwrap();
        let now = Utc.with_ymd_and_hms(year, 3, 1, 2, 0, 0).unwrap();
        let (from, to) = e.window(now, &festivals).unwrap();
        let local = |t: DateTime<Utc>| {
            t.with_timezone(&SHANGHAI)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        };
        (local(from), local(to))
    }

    #[test]
    fn festival_events_fall_on_their_festival_in_any_year() {
        // 除夕 to 正月初八; 正月初十 to 元宵; 端午.
        let expected = [
            (
                2025,
                [
                    "2025-01-28",
                    "2025-02-05",
                    "2025-02-07",
                    "2025-02-12",
                    "2025-05-31",
                ],
            ),
            (
                2026,
                [
                    "2026-02-16",
                    "2026-02-24",
                    "2026-02-26",
                    "2026-03-03",
                    "2026-06-19",
                ],
            ),
            (
                2027,
                [
                    "2027-02-05",
                    "2027-02-13",
                    "2027-02-15",
                    "2027-02-20",
                    "2027-06-09",
                ],
            ),
        ];
        for (year, [fair_from, fair_to, dragon_from, dragon_to, boats]) in expected {
            let (from, to) = seeded("磁器口春节庙会", year);
            assert_eq!((&from[..10], &to[..10]), (fair_from, fair_to), "{year}");
            let (from, to) = seeded("铜梁火龙节", year);
            assert_eq!((&from[..10], &to[..10]), (dragon_from, dragon_to), "{year}");
            let (from, to) = seeded("嘉陵江端午龙舟赛", year);
            assert_eq!((&from[..10], &to[..10]), (boats, boats), "{year}");
        }
    }

    #[test]
    fn new_years_eve_runs_past_midnight() {
        let (from, to) = seeded("解放碑跨年夜", 2026);
        assert_eq!(from, "2026-12-31 20:00");
        assert_eq!(to, "2027-01-01 00:30");
    }

    #[test]
    fn a_festival_past_the_table_seeds_no_event() {
        let file: EventFile = serde_json::from_str(EVENTS_FILE).unwrap();
        let festivals = FestivalDates::from_seed().unwrap();
        let now = Utc.with_ymd_and_hms(2036, 3, 1, 2, 0, 0).unwrap();
        for e in &file.events {
            assert_eq!(
                e.window(now, &festivals).is_none(),
                e.festival.is_some(),
                "{}",
                e.name
            );
        }
    }

    #[test]
    fn a_route_lists_every_place_its_stops_are_in() {
        let file: RouteFile = serde_json::from_str(ROUTES_FILE).unwrap();
        let chongqing: std::collections::BTreeSet<String> = {
            #[derive(Deserialize)]
            struct District {
                code: String,
            }
            #[derive(Deserialize)]
            struct Districts {
                districts: Vec<District>,
            }
            let d: Districts =
                serde_json::from_str(include_str!("../../seeds/districts.json")).unwrap();
            d.districts.into_iter().map(|d| d.code).collect()
        };
        for r in &file.routes {
            let stops: std::collections::BTreeSet<&str> =
                r.stops.iter().map(|s| s.district.as_str()).collect();
            let listed: std::collections::BTreeSet<&str> = r
                .district_codes
                .iter()
                .chain(&r.outside_places)
                .map(String::as_str)
                .collect();
            assert_eq!(stops, listed, "{}", r.title);
            assert!(
                r.district_codes.iter().all(|c| chongqing.contains(c)),
                "{}",
                r.title
            );
            assert!(
                r.outside_places.iter().all(|p| !chongqing.contains(p)),
                "{}",
                r.title
            );
        }
        let chuanyu = file
            .routes
            .iter()
            .find(|r| r.title.starts_with("川渝"))
            .unwrap();
        assert!(chuanyu.outside_places.iter().any(|p| p.contains("成都")));
    }
}
