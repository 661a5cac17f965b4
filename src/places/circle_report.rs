//! The 15-minute circle report: the nearest outlet of every basic and
//! quality type around a point, coverage and grade.

use super::Places;
use super::categories::Tier;
use super::circle;
use super::dto::{CategoryCoverage, CircleQuery, CircleReport, NearestShop};
use super::nearby::{query_point, walk_minutes};
use crate::error::AppResult;

pub fn circle_report(places: &Places, q: &CircleQuery) -> AppResult<CircleReport> {
    let center = query_point(q.lat, q.lng, q.coord)?;
    let minutes = walk_minutes(q.walk_minutes)?;
    let radius = places.walking.radius_m(minutes, q.profile);
    let index = places.read_index();
    let nearest = index.nearest_per_category(center, radius, places.categories.all().len());
    let coverage = |tier: Tier| -> Vec<CategoryCoverage> {
        places
            .categories
            .of_tier(tier)
            .map(|(i, info)| CategoryCoverage {
                category: info.code.clone(),
                name: info.name.clone(),
                nearest: nearest
                    .get(usize::from(i))
                    .copied()
                    .flatten()
                    .and_then(|hit| {
                        index.shop(hit.slot).map(|s| NearestShop {
                            shop_id: s.id,
                            name: s.name.to_string(),
                            distance_m: hit.distance_m.round() as u32,
                            walk_minutes: places.walking.minutes(hit.distance_m, q.profile),
                        })
                    }),
            })
            .collect()
    };
    let basic = coverage(Tier::Basic);
    let quality = coverage(Tier::Quality);
    drop(index);
    let missing: Vec<String> = basic
        .iter()
        .filter(|c| c.nearest.is_none())
        .map(|c| c.category.clone())
        .collect();
    let basic_present = basic.len() - missing.len();
    let quality_present = quality.iter().filter(|c| c.nearest.is_some()).count();
    Ok(CircleReport {
        walk_minutes: minutes,
        radius_m: radius.round() as u32,
        basic_coverage: circle::coverage(basic_present, basic.len()),
        grade: circle::grade(basic_present, basic.len(), quality_present, places.circle),
        quality_present,
        missing,
        basic,
        quality,
    })
}
