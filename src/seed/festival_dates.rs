//! Where the lunar-calendar festivals fall in a Gregorian year
//! (`seeds/lunar_festivals.json`), so demo events tied to a festival land on
//! it whatever year the seed loads in.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Deserialize;

pub const FESTIVALS_FILE: &str = include_str!("../../seeds/lunar_festivals.json");

/// A festival of the Chinese calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Festival {
    /// 春节, 正月初一.
    SpringFestival,
    /// 元宵节, 正月十五.
    LanternFestival,
    /// 端午节, 五月初五.
    DragonBoat,
    /// 中秋节, 八月十五.
    MidAutumn,
}

#[derive(Debug, Clone, Copy, Deserialize)]
struct YearRow {
    year: i32,
    spring_festival: NaiveDate,
    lantern_festival: NaiveDate,
    dragon_boat: NaiveDate,
    mid_autumn: NaiveDate,
}

#[derive(Deserialize)]
struct FestivalFile {
    years: Vec<YearRow>,
}

/// The table, by Gregorian year.
pub struct FestivalDates {
    years: BTreeMap<i32, YearRow>,
}

impl FestivalDates {
    pub fn from_seed() -> Result<Self, serde_json::Error> {
        Self::parse(FESTIVALS_FILE)
    }

    pub fn parse(text: &str) -> Result<Self, serde_json::Error> {
        let file: FestivalFile = serde_json::from_str(text)?;
        Ok(Self {
            years: file.years.into_iter().map(|r| (r.year, r)).collect(),
        })
    }

    /// The festival's date in `year`, or `None` outside the table.
    pub fn date(&self, festival: Festival, year: i32) -> Option<NaiveDate> {
        let row = self.years.get(&year)?;
        Some(match festival {
            Festival::SpringFestival => row.spring_festival,
            Festival::LanternFestival => row.lantern_festival,
            Festival::DragonBoat => row.dragon_boat,
            Festival::MidAutumn => row.mid_autumn,
        })
    }

    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.keys().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_table_gives_the_festivals_of_2025_2026_and_2027() {
        let dates = FestivalDates::from_seed().unwrap();
        let expected = [
            (
                2025,
                ["2025-01-29", "2025-02-12", "2025-05-31", "2025-10-06"],
            ),
            (
                2026,
                ["2026-02-17", "2026-03-03", "2026-06-19", "2026-09-25"],
            ),
            (
                2027,
                ["2027-02-06", "2027-02-20", "2027-06-09", "2027-09-15"],
            ),
        ];
        for (year, days) in expected {
            let festivals = [
                Festival::SpringFestival,
                Festival::LanternFestival,
                Festival::DragonBoat,
                Festival::MidAutumn,
            ];
            for (festival, want) in festivals.into_iter().zip(days) {
                assert_eq!(
                    dates.date(festival, year),
                    Some(day(want)),
                    "{festival:?} {year}"
                );
            }
        }
        assert_eq!(dates.date(Festival::SpringFestival, 2036), None);
    }

    #[test]
    fn every_year_2025_to_2035_is_consistent() {
        let dates = FestivalDates::from_seed().unwrap();
        assert_eq!(
            dates.years().collect::<Vec<_>>(),
            (2025..=2035).collect::<Vec<_>>()
        );
        for year in dates.years() {
            let get = |f| dates.date(f, year).unwrap();
            let spring = get(Festival::SpringFestival);
            // 正月十五 is fourteen days after 正月初一.
            assert_eq!(
                (get(Festival::LanternFestival) - spring).num_days(),
                14,
                "{year}"
            );
            // Spring Festival falls between 21 January and 20 February.
            assert!(
                (day(&format!("{year}-01-21"))..=day(&format!("{year}-02-20"))).contains(&spring),
                "{year}: {spring}"
            );
            // Dragon Boat 五月初五: late May to late June; Mid-Autumn: September or early October.
            let dragon = get(Festival::DragonBoat);
            assert!(
                (day(&format!("{year}-05-28"))..=day(&format!("{year}-06-25"))).contains(&dragon),
                "{year}: {dragon}"
            );
            let moon = get(Festival::MidAutumn);
            assert!(
                (day(&format!("{year}-09-07"))..=day(&format!("{year}-10-08"))).contains(&moon),
                "{year}: {moon}"
            );
            // From 五月初五 to 八月十五 is three lunar months and ten days
            // (a leap fifth, sixth or seventh month adds one month).
            let gap = (moon - dragon).num_days();
            assert!((96..=130).contains(&gap), "{year}: {gap}");
            assert_eq!(moon.year(), year);
        }
    }

    #[test]
    fn the_festivals_are_days_off_in_the_official_calendars() {
        #[derive(Deserialize)]
        struct Holidays {
            years: Vec<HolidayYear>,
        }
        #[derive(Deserialize)]
        struct HolidayYear {
            year: i32,
            days_off: Vec<NaiveDate>,
        }
        let holidays: Holidays =
            serde_json::from_str(include_str!("../../seeds/holidays.json")).unwrap();
        let dates = FestivalDates::from_seed().unwrap();
        assert!(holidays.years.len() >= 2);
        for y in &holidays.years {
            for festival in [
                Festival::SpringFestival,
                Festival::DragonBoat,
                Festival::MidAutumn,
            ] {
                let on = dates.date(festival, y.year).unwrap();
                assert!(
                    y.days_off.contains(&on),
                    "{festival:?} {on} is not a day off"
                );
            }
        }
    }
}
