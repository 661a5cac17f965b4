//! The demo data against the traced rivers (`seeds/rivers.json`): nothing
//! stands in the Yangtze or the Jialing, and each shop is on the bank its
//! address and district say.

use std::collections::BTreeMap;

use super::demo_tourism::{EVENTS_FILE, EventFile, ROUTES_FILE, RouteFile};
use super::{RIVERS_FILE, SHOPS, ShopFile, parse};
use crate::geo::LatLng;
use crate::geo::rivers::RiverMap;

/// The tracing is good to about 150 m; a point this close to a traced bank
/// is too close to tell.
const MARGIN_M: f64 = 50.0;

fn rivers() -> RiverMap {
    serde_json::from_str(RIVERS_FILE).expect("rivers.json")
}

// Landmarks, WGS-84 (FACTS §6).
const JIEFANGBEI: LatLng = LatLng::new(29.5575, 106.5770);
const HONGYADONG: LatLng = LatLng::new(29.5630, 106.5785);
const GUANYINQIAO: LatLng = LatLng::new(29.5750, 106.5310);
const CIQIKOU: LatLng = LatLng::new(29.5795, 106.4490);
const LIZIBA: LatLng = LatLng::new(29.5545, 106.5335);
const CABLE_NORTH: LatLng = LatLng::new(29.5565, 106.5860);
const CABLE_SOUTH: LatLng = LatLng::new(29.5497, 106.5905);
/// FACTS' 南滨路 (龙门浩) point: midway between the cable-car stations.
const NANBINLU_FACTS: LatLng = LatLng::new(29.5530, 106.5880);

#[test]
fn the_traced_rivers_agree_with_the_landmarks() {
    let map = rivers();
    for (name, p) in [
        ("解放碑", JIEFANGBEI),
        ("洪崖洞", HONGYADONG),
        ("观音桥", GUANYINQIAO),
        ("磁器口", CIQIKOU),
        ("李子坝", LIZIBA),
        ("索道北站", CABLE_NORTH),
        ("索道南站", CABLE_SOUTH),
    ] {
        let (river, clear) = map.nearest_bank(p).unwrap();
        assert!(
            clear > MARGIN_M,
            "{name} is {clear:.0} m from the {}",
            river.name
        );
    }
    let (river, clear) = map.nearest_bank(NANBINLU_FACTS).unwrap();
    assert!(river.code == "yangtze" && clear < 0.0, "{clear}");
    let across = |a, b| map.river_between(a, b).map(|r| r.code.as_str());
    assert_eq!(across(CABLE_NORTH, CABLE_SOUTH), Some("yangtze"));
    assert_eq!(across(JIEFANGBEI, CABLE_SOUTH), Some("yangtze"));
    assert_eq!(across(HONGYADONG, GUANYINQIAO), Some("jialing"));
    assert_eq!(across(LIZIBA, GUANYINQIAO), Some("jialing"));
    assert_eq!(across(JIEFANGBEI, HONGYADONG), None);
    assert_eq!(across(JIEFANGBEI, LIZIBA), None);
}

#[test]
fn no_seed_shop_route_stop_or_event_lies_in_a_river() {
    let map = rivers();
    let shops: ShopFile = parse("shops.json", SHOPS).unwrap();
    let routes: RouteFile = serde_json::from_str(ROUTES_FILE).unwrap();
    let events: EventFile = serde_json::from_str(EVENTS_FILE).unwrap();
    let mut points: Vec<(String, LatLng)> = Vec::new();
    points.extend(shops.shops.iter().map(|s| {
        (
            format!("shop {} ({})", s.name, s.address),
            LatLng::new(s.lat, s.lng),
        )
    }));
    for r in &routes.routes {
        points.extend(r.stops.iter().map(|s| {
            (
                format!("stop {} of {}", s.name, r.title),
                LatLng::new(s.lat, s.lng),
            )
        }));
    }
    points.extend(
        events
            .events
            .iter()
            .map(|e| (format!("event {}", e.name), LatLng::new(e.lat, e.lng))),
    );
    assert!(points.len() > 350);
    let wet: Vec<String> = points
        .iter()
        .filter_map(|(what, p)| {
            let (river, clear) = map.nearest_bank(*p)?;
            (clear < MARGIN_M).then(|| format!("{what}: {clear:.0} m from the {}", river.name))
        })
        .collect();
    assert!(wet.is_empty(), "{wet:#?}");
}

#[test]
fn every_seed_shop_is_on_the_bank_its_address_says() {
    let map = rivers();
    let shops: ShopFile = parse("shops.json", SHOPS).unwrap();
    // Each district's shops are on one bank, the landmark's.
    let landmark = BTreeMap::from([
        ("500103", JIEFANGBEI),
        ("500108", CABLE_SOUTH),
        ("500106", CIQIKOU),
        ("5001L1", GUANYINQIAO),
    ]);
    // And shops on one street are on one bank.
    let mut streets: BTreeMap<&str, Vec<LatLng>> = BTreeMap::new();
    let mut wrong = Vec::new();
    for s in &shops.shops {
        let p = LatLng::new(s.lat, s.lng);
        let home = landmark[s.district_code.as_str()];
        if let Some(river) = map.river_between(home, p) {
            wrong.push(format!(
                "{} ({}) is across the {}",
                s.name, s.address, river.name
            ));
        }
        let street = s.address.split(' ').next().unwrap_or_default();
        streets.entry(street).or_default().push(p);
    }
    for (street, points) in &streets {
        for (i, a) in points.iter().enumerate() {
            for b in &points[i + 1..] {
                if let Some(river) = map.river_between(*a, *b) {
                    wrong.push(format!("{street} is on both banks of the {}", river.name));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
