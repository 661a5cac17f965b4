//! Nearby search: the shops within a walk of a point, nearest first, from
//! the in-memory index, with filters and pages; and the shops open near a
//! point, for other domains (tourism stops).

use chrono::NaiveDateTime;

use super::Places;
use super::dto::{CategoryView, NearbyPage, NearbyQuery, NearbyShop, NearbySort};
use super::index::{Hit, IndexedShop, SearchFilter};
use super::tags;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::geo::walking::Profile;
use crate::geo::{CoordSystem, LatLng};
use crate::pagination::{self, PageQuery};

pub(super) const MAX_WALK_MINUTES: u32 = 60;

/// The 15-minute convenience circle.
pub(super) const DEFAULT_WALK_MINUTES: u32 = 15;

pub(super) const MAX_QUERY_CHARS: usize = 50;

pub(super) const MAX_TAGS: usize = 10;

/// `sort=credit` ranks at most this many of the nearest shops in the walk.
const CREDIT_SORT_CAP: usize = 5_000;

const GRADES: [&str; 4] = ["A", "B", "C", "D"];

/// `A,B` → a mask with bit 0 for A … bit 3 for D.
pub(super) fn grade_mask(list: &str) -> AppResult<u8> {
    let mut mask = 0u8;
    for g in list.split(',').map(str::trim).filter(|g| !g.is_empty()) {
        let rank = GRADES
            .iter()
            .position(|x| x.eq_ignore_ascii_case(g))
            .ok_or_else(|| AppError::invalid_field("credit_grade", "one_of_a_b_c_d"))?;
        mask |= 1 << rank;
    }
    Ok(mask)
}

/// The `sort=credit` key: grade first (unscored last), then distance.
fn credit_key(rank: Option<u8>, distance_mm: u64) -> u64 {
    (u64::from(rank.unwrap_or(4)) << 40) | distance_mm.min((1 << 40) - 1)
}

pub fn categories(places: &Places) -> Vec<CategoryView> {
    places
        .categories
        .all()
        .iter()
        .map(|c| CategoryView {
            code: c.code.clone(),
            name: c.name.clone(),
            tier: c.tier,
        })
        .collect()
}

/// A query point, checked, in the stored system.
pub(super) fn query_point(lat: f64, lng: f64, coord: CoordSystem) -> AppResult<LatLng> {
    let p = LatLng::new(lat, lng);
    if !p.is_valid() {
        let mut fields = FieldErrors::new();
        if !(lat.is_finite() && (-90.0..=90.0).contains(&lat)) {
            fields.insert("lat".into(), vec!["range".into()]);
        }
        if !(lng.is_finite() && (-180.0..=180.0).contains(&lng)) {
            fields.insert("lng".into(), vec!["range".into()]);
        }
        return Err(AppError::validation(fields));
    }
    Ok(coord.to_stored(p))
}

pub(super) fn walk_minutes(value: Option<u32>) -> AppResult<u32> {
    let minutes = value.unwrap_or(DEFAULT_WALK_MINUTES);
    if (1..=MAX_WALK_MINUTES).contains(&minutes) {
        Ok(minutes)
    } else {
        Err(AppError::invalid_field("walk_minutes", "range"))
    }
}

pub fn nearby(places: &Places, q: &NearbyQuery) -> AppResult<NearbyPage> {
    let center = query_point(q.lat, q.lng, q.coord)?;
    let minutes = walk_minutes(q.walk_minutes)?;
    let page = PageQuery {
        limit: q.limit,
        cursor: None,
    }
    .page()?;
    let after = pagination::keyed_cursor::<u64>(q.cursor.as_deref())?;
    let mut categories = Vec::new();
    for code in q
        .category
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        match places.categories.index_of(code) {
            Some(i) if !categories.contains(&i) => categories.push(i),
            Some(_) => {}
            None => return Err(AppError::invalid_field("category", "unknown_category")),
        }
    }
    let tags_all = tags::mask(
        q.tag
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty()),
    )
    .map_err(|_| AppError::invalid_field("tag", "unknown_tag"))?;
    let text = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty());
    if text.is_some_and(|t| t.chars().count() > MAX_QUERY_CHARS) {
        return Err(AppError::invalid_field("q", "too_long"));
    }

    let mask = match q.credit_grade.as_deref().map(str::trim) {
        Some(list) if !list.is_empty() => Some(grade_mask(list)?),
        _ => None,
    };

    let now = places.clock.now_local().naive_local();
    let radius = places.walking.radius_m(minutes, q.profile);
    let grades = places.credit_grades();
    let filter = SearchFilter {
        categories: &categories,
        tags_all,
        open_at: q.open_now.then_some(now),
        text,
        credit: mask.map(|m| (grades.as_ref(), m)),
    };
    let limit = page.limit as usize;
    let index = places.read_index();
    // (cursor key, hit) in the order asked for.
    let mut hits: Vec<(u64, Hit)> = match q.sort {
        NearbySort::Distance => index
            .nearest(center, radius, limit + 1, &filter, after)
            .into_iter()
            .map(|h| (h.distance_mm, h))
            .collect(),
        NearbySort::Credit => {
            let mut ranked: Vec<(u64, uuid::Uuid, Hit)> = index
                .nearest(center, radius, CREDIT_SORT_CAP, &filter, None)
                .into_iter()
                .filter_map(|h| {
                    let shop = index.shop(h.slot)?;
                    let key = credit_key(grades.get(&shop.merchant_id).copied(), h.distance_mm);
                    Some((key, shop.id, h))
                })
                .filter(|(key, id, _)| after.is_none_or(|a| (*key, *id) > a))
                .collect();
            ranked.sort_by_key(|(key, id, _)| (*key, *id));
            ranked.truncate(limit + 1);
            ranked.into_iter().map(|(key, _, h)| (key, h)).collect()
        }
    };
    let more = hits.len() > limit;
    hits.truncate(limit);
    let mut next_cursor = None;
    let mut items = Vec::with_capacity(hits.len());
    for (key, hit) in &hits {
        let Some(shop) = index.shop(hit.slot) else {
            continue;
        };
        if more {
            next_cursor = Some(pagination::encode_keyed_cursor(*key, shop.id));
        }
        let mut item = nearby_shop(places, shop, hit, q.coord, q.profile, now);
        item.credit_grade = grades
            .get(&shop.merchant_id)
            .and_then(|rank| GRADES.get(usize::from(*rank)).copied());
        items.push(item);
    }
    Ok(NearbyPage {
        items,
        next_cursor,
        radius_m: radius.round() as u32,
    })
}

pub(super) fn nearby_shop(
    places: &Places,
    shop: &IndexedShop,
    hit: &Hit,
    coord: CoordSystem,
    profile: Profile,
    now: NaiveDateTime,
) -> NearbyShop {
    let shown = coord.from_stored(shop.position).rounded();
    NearbyShop {
        id: shop.id,
        name: shop.name.to_string(),
        category: places
            .categories
            .get(shop.category)
            .map(|c| c.code.clone())
            .unwrap_or_default(),
        lat: shown.lat,
        lng: shown.lng,
        distance_m: hit.distance_m.round() as u32,
        walk_minutes: places.walking.minutes(hit.distance_m, profile),
        open_now: shop.schedule.is_open(now),
        tags: tags::names(shop.tags).collect(),
        merchant_id: shop.merchant_id,
        credit_grade: None,
    }
}

/// The `limit` nearest shops open now within a standard 15-minute walk of
/// `center` (stored coordinates), shown in `coord`.
pub fn open_shops_near(
    places: &Places,
    center: LatLng,
    limit: usize,
    coord: CoordSystem,
) -> Vec<NearbyShop> {
    let now = places.clock.now_local().naive_local();
    let profile = Profile::Standard;
    let radius = places.walking.radius_m(DEFAULT_WALK_MINUTES, profile);
    let filter = SearchFilter {
        open_at: Some(now),
        ..SearchFilter::default()
    };
    let index = places.read_index();
    index
        .nearest(center, radius, limit, &filter, None)
        .iter()
        .filter_map(|hit| {
            let shop = index.shop(hit.slot)?;
            Some(nearby_shop(places, shop, hit, coord, profile, now))
        })
        .collect()
}
