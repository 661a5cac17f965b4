//! The in-memory spatial index behind nearby search and the circle report.
//!
//! Shops sit in a grid of ~165 m cells, once in an "all shops" list and once
//! in a list for their category, so a search with a category filter only
//! looks at shops of that category. A search walks rings of cells outward
//! from the caller and stops as soon as no unvisited cell can hold anything
//! nearer than what it has, so the top 20 near a dense spot costs a few
//! hundred distance computations whatever the total size.

use std::collections::{BinaryHeap, HashSet};
use std::hash::BuildHasherDefault;
use std::sync::Arc;

use chrono::NaiveDateTime;
use uuid::Uuid;

use super::grid::{COARSE, FINE, FastHasher, FastMap, cell_key, ring};
use super::hours::Schedule;
use crate::geo::{LatLng, distance_with_cos};

/// The key of the all-shops lists, beside one list per category number.
const ALL_CATEGORIES: u16 = u16::MAX;

#[derive(Debug, Clone)]
pub struct IndexedShop {
    pub id: Uuid,
    pub merchant_id: Uuid,
    pub name: Box<str>,
    /// GCJ-02.
    pub position: LatLng,
    pub category: u16,
    pub tags: u32,
    pub schedule: Arc<Schedule>,
    /// Microseconds since the epoch of the row this entry came from.
    pub updated_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub slot: u32,
    pub distance_m: f64,
    /// The distance in millimetres: the first half of the cursor key.
    pub distance_mm: u64,
}

#[derive(Debug, Default, Clone)]
pub struct SearchFilter<'a> {
    /// Category indexes; empty means any.
    pub categories: &'a [u16],
    /// Every one of these tag bits must be set.
    pub tags_all: u32,
    /// Open at this local time.
    pub open_at: Option<NaiveDateTime>,
    /// Substring of the name (ASCII case-insensitive).
    pub text: Option<&'a str>,
    /// Only merchants with one of these grades (bit 0 = A … bit 3 = D).
    pub credit: Option<(&'a super::CreditGrades, u8)>,
}

impl SearchFilter<'_> {
    fn accepts(&self, shop: &IndexedShop) -> bool {
        if shop.tags & self.tags_all != self.tags_all {
            return false;
        }
        if let Some(text) = self.text
            && !contains_ignore_ascii_case(&shop.name, text)
        {
            return false;
        }
        if let Some(at) = self.open_at
            && !shop.schedule.is_open(at)
        {
            return false;
        }
        if let Some((grades, mask)) = self.credit
            && grades
                .get(&shop.merchant_id)
                .is_none_or(|rank| mask & (1 << rank) == 0)
        {
            return false;
        }
        true
    }
}

fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    if needle.bytes().any(|b| b.is_ascii_uppercase())
        || haystack.bytes().any(|b| b.is_ascii_uppercase())
    {
        haystack
            .to_ascii_lowercase()
            .contains(&needle.to_ascii_lowercase())
    } else {
        haystack.contains(needle)
    }
}

/// What a cell holds of each shop: enough to measure and sort without
/// touching the full entry, so scans read 24 bytes a shop, in order.
#[derive(Debug, Clone, Copy)]
struct CellEntry {
    position: LatLng,
    slot: u32,
    category: u16,
}

#[derive(Default)]
pub struct ShopIndex {
    slots: Vec<Option<IndexedShop>>,
    free: Vec<u32>,
    by_id: FastMap<Uuid, u32>,
    cells: FastMap<u64, Vec<CellEntry>>,
    schedules: HashSet<Arc<Schedule>, BuildHasherDefault<FastHasher>>,
}

/// One `nearest` search: what a shop in a visited cell is measured against.
struct NearestSearch<'a> {
    center: LatLng,
    cos_lat: f64,
    radius_m: f64,
    limit: usize,
    filter: &'a SearchFilter<'a>,
    after: Option<(u64, Uuid)>,
}

impl NearestSearch<'_> {
    /// Keeps `entry` among the `limit` best if it belongs there: inside the
    /// radius, after the cursor, nearer than the worst kept, and accepted by
    /// the filter (tested last, as it reads the shop).
    #[inline]
    fn consider(
        &self,
        index: &ShopIndex,
        entry: &CellEntry,
        best: &mut BinaryHeap<(u64, Uuid, u32)>,
    ) {
        let d = distance_with_cos(self.center, entry.position, self.cos_lat);
        if d > self.radius_m {
            return;
        }
        let mm = (d * 1000.0).round() as u64;
        // Cheap rejections on the distance alone, before the entry is read.
        if self.after.is_some_and(|(after_mm, _)| mm < after_mm) {
            return;
        }
        let full = best.len() == self.limit;
        if full && best.peek().is_some_and(|top| mm > top.0) {
            return;
        }
        let Some(shop) = index.shop(entry.slot) else {
            return;
        };
        if let Some(key) = self.after
            && (mm, shop.id) <= key
        {
            return;
        }
        if full
            && best
                .peek()
                .is_some_and(|top| (mm, shop.id) >= (top.0, top.1))
        {
            return;
        }
        if !self.filter.accepts(shop) {
            return;
        }
        best.push((mm, shop.id, entry.slot));
        if best.len() > self.limit {
            best.pop();
        }
    }
}

impl ShopIndex {
    /// Room for `n` shops, so a bulk load does not regrow its tables.
    pub fn with_capacity(n: usize) -> Self {
        Self {
            slots: Vec::with_capacity(n),
            by_id: FastMap::with_capacity_and_hasher(n, Default::default()),
            ..Default::default()
        }
    }

    /// Gives back the spare room lists grew into while loading.
    pub fn shrink_to_fit(&mut self) {
        for list in self.cells.values_mut() {
            list.shrink_to_fit();
        }
        self.cells.shrink_to_fit();
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    pub fn shop(&self, slot: u32) -> Option<&IndexedShop> {
        self.slots.get(slot as usize).and_then(Option::as_ref)
    }

    pub fn get(&self, id: &Uuid) -> Option<&IndexedShop> {
        self.by_id.get(id).and_then(|slot| self.shop(*slot))
    }

    /// One shared copy of each distinct schedule.
    pub fn intern(&mut self, schedule: Schedule) -> Arc<Schedule> {
        if let Some(existing) = self.schedules.get(&schedule) {
            return existing.clone();
        }
        let shared = Arc::new(schedule);
        self.schedules.insert(shared.clone());
        shared
    }

    /// Adds or replaces a shop; an entry older than the one held is ignored
    /// (a slow poll must not undo a newer local write).
    pub fn upsert(&mut self, shop: IndexedShop) {
        if let Some(current) = self.get(&shop.id)
            && current.updated_at > shop.updated_at
        {
            return;
        }
        self.remove(&shop.id);
        self.insert_new(shop);
    }

    /// Adds a shop known not to be in the index (the bulk load).
    pub fn insert_new(&mut self, shop: IndexedShop) {
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                self.slots.push(None);
                (self.slots.len() - 1) as u32
            }
        };
        let entry = CellEntry {
            position: shop.position,
            slot,
            category: shop.category,
        };
        self.cells
            .entry(cell_key(ALL_CATEGORIES, FINE.cell_of(shop.position)))
            .or_default()
            .push(entry);
        self.cells
            .entry(cell_key(shop.category, COARSE.cell_of(shop.position)))
            .or_default()
            .push(entry);
        self.by_id.insert(shop.id, slot);
        self.slots[slot as usize] = Some(shop);
    }

    pub fn remove(&mut self, id: &Uuid) -> bool {
        let Some(slot) = self.by_id.remove(id) else {
            return false;
        };
        if let Some(shop) = self.slots[slot as usize].take() {
            let keys = [
                cell_key(ALL_CATEGORIES, FINE.cell_of(shop.position)),
                cell_key(shop.category, COARSE.cell_of(shop.position)),
            ];
            for key in keys {
                if let Some(list) = self.cells.get_mut(&key) {
                    list.retain(|e| e.slot != slot);
                    if list.is_empty() {
                        self.cells.remove(&key);
                    }
                }
            }
        }
        self.free.push(slot);
        true
    }

    /// The `limit` nearest shops within `radius_m` that pass the filter,
    /// nearest first (ties by id), strictly after the `after` key.
    pub fn nearest(
        &self,
        center: LatLng,
        radius_m: f64,
        limit: usize,
        filter: &SearchFilter<'_>,
        after: Option<(u64, Uuid)>,
    ) -> Vec<Hit> {
        if limit == 0 || !center.is_valid() {
            return Vec::new();
        }
        let cos_lat = center.lat.to_radians().cos();
        let all = [ALL_CATEGORIES];
        let grid = if filter.categories.is_empty() {
            FINE
        } else {
            COARSE
        };
        let side = grid.min_side_m(center.lat);
        let center_cell = grid.cell_of(center);
        let max_ring = (radius_m / side).ceil() as i32 + 1;
        let keys: &[u16] = if filter.categories.is_empty() {
            &all
        } else {
            filter.categories
        };
        let search = NearestSearch {
            center,
            cos_lat,
            radius_m,
            limit,
            filter,
            after,
        };
        // Max-heap of the best `limit` so far: the worst of them on top.
        let mut best: BinaryHeap<(u64, Uuid, u32)> = BinaryHeap::with_capacity(limit + 1);

        for r in 0..=max_ring {
            let nearest_possible_mm = (f64::from((r - 1).max(0)) * side * 1000.0) as u64;
            if f64::from((r - 1).max(0)) * side > radius_m {
                break;
            }
            if best.len() == limit
                && best
                    .peek()
                    .is_some_and(|(worst, _, _)| nearest_possible_mm > *worst)
            {
                break;
            }
            ring(center_cell, r, |cell| {
                if grid.cell_distance_m(center, cos_lat, cell) > radius_m {
                    return;
                }
                for category in keys {
                    let Some(list) = self.cells.get(&cell_key(*category, cell)) else {
                        continue;
                    };
                    for entry in list {
                        search.consider(self, entry, &mut best);
                    }
                }
            });
        }
        let mut hits: Vec<Hit> = best
            .into_iter()
            .map(|(mm, _, slot)| Hit {
                slot,
                distance_m: mm as f64 / 1000.0,
                distance_mm: mm,
            })
            .collect();
        hits.sort_by_key(|h| (h.distance_mm, self.shop(h.slot).map(|s| s.id)));
        hits
    }

    /// For each category, the nearest shop within `radius_m` (any opening
    /// state): one pass over every cell the circle touches. Indexed by
    /// category number; `categories` is how many there are.
    pub fn nearest_per_category(
        &self,
        center: LatLng,
        radius_m: f64,
        categories: usize,
    ) -> Vec<Option<Hit>> {
        // (distance mm, slot) of the nearest so far; ties go to the lower id.
        let mut nearest: Vec<Option<(u64, u32)>> = vec![None; categories];
        if !center.is_valid() {
            return vec![None; categories];
        }
        let cos_lat = center.lat.to_radians().cos();
        let side = FINE.min_side_m(center.lat);
        let center_cell = FINE.cell_of(center);
        let max_ring = (radius_m / side).ceil() as i32 + 1;
        for r in 0..=max_ring {
            if f64::from((r - 1).max(0)) * side > radius_m {
                break;
            }
            ring(center_cell, r, |cell| {
                if FINE.cell_distance_m(center, cos_lat, cell) > radius_m {
                    return;
                }
                let Some(list) = self.cells.get(&cell_key(ALL_CATEGORIES, cell)) else {
                    return;
                };
                for entry in list {
                    let Some(held) = nearest.get_mut(usize::from(entry.category)) else {
                        continue;
                    };
                    let d = distance_with_cos(center, entry.position, cos_lat);
                    if d > radius_m {
                        continue;
                    }
                    let mm = (d * 1000.0).round() as u64;
                    let better = match held {
                        None => true,
                        Some((held_mm, _)) if mm < *held_mm => true,
                        Some((held_mm, held_slot)) if mm == *held_mm => {
                            let id = |slot: u32| self.shop(slot).map(|s| s.id);
                            id(entry.slot) < id(*held_slot)
                        }
                        Some(_) => false,
                    };
                    if better {
                        *held = Some((mm, entry.slot));
                    }
                }
            });
        }
        nearest
            .into_iter()
            .map(|n| {
                n.map(|(mm, slot)| Hit {
                    slot,
                    distance_m: mm as f64 / 1000.0,
                    distance_mm: mm,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::{haversine_m, local_distance_m};
    use crate::places::grid::METRES_PER_DEGREE;

    fn shop(n: u128, lat: f64, lng: f64, category: u16) -> IndexedShop {
        IndexedShop {
            id: Uuid::from_u128(n),
            merchant_id: Uuid::from_u128(0),
            name: format!("shop {n}").into(),
            position: LatLng::new(lat, lng),
            category,
            tags: 0,
            schedule: Arc::new(Schedule::default()),
            updated_at: 0,
        }
    }

    /// A deterministic scatter of shops around 解放碑.
    fn scattered(n: u32) -> ShopIndex {
        let mut index = ShopIndex::default();
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        for i in 0..n {
            let lat = 29.54 + next() * 0.04;
            let lng = 106.55 + next() * 0.05;
            index.upsert(shop(u128::from(i) + 1, lat, lng, (i % 7) as u16));
        }
        index
    }

    fn brute_force(
        index: &ShopIndex,
        center: LatLng,
        radius: f64,
        category: Option<u16>,
    ) -> Vec<(u64, Uuid)> {
        let mut all: Vec<(u64, Uuid)> = index
            .slots
            .iter()
            .flatten()
            .filter(|s| category.is_none_or(|c| s.category == c))
            .map(|s| {
                (
                    (local_distance_m(center, s.position) * 1000.0).round() as u64,
                    s.id,
                )
            })
            .filter(|(mm, _)| (*mm as f64) / 1000.0 <= radius)
            .collect();
        all.sort();
        all
    }

    #[test]
    fn nearest_matches_a_brute_force_scan() {
        let index = scattered(5_000);
        for center in [
            LatLng::new(29.5575, 106.5770),
            LatLng::new(29.545, 106.56),
            LatLng::new(29.60, 106.60),
        ] {
            for category in [None, Some(3)] {
                let cats: Vec<u16> = category.into_iter().collect();
                let filter = SearchFilter {
                    categories: &cats,
                    ..Default::default()
                };
                let hits = index.nearest(center, 827.0, 20, &filter, None);
                let got: Vec<(u64, Uuid)> = hits
                    .iter()
                    .map(|h| (h.distance_mm, index.shop(h.slot).unwrap().id))
                    .collect();
                let expected: Vec<(u64, Uuid)> = brute_force(&index, center, 827.0, category)
                    .into_iter()
                    .take(20)
                    .collect();
                assert_eq!(got, expected, "center {center:?} category {category:?}");
            }
        }
    }

    #[test]
    fn pages_follow_each_other_without_gaps_or_repeats() {
        let index = scattered(3_000);
        let center = LatLng::new(29.5575, 106.5770);
        let filter = SearchFilter::default();
        let mut after = None;
        let mut seen = Vec::new();
        loop {
            let page = index.nearest(center, 827.0, 7, &filter, after);
            if page.is_empty() {
                break;
            }
            for h in &page {
                seen.push((h.distance_mm, index.shop(h.slot).unwrap().id));
            }
            let last = page.last().unwrap();
            after = Some((last.distance_mm, index.shop(last.slot).unwrap().id));
        }
        assert_eq!(seen, brute_force(&index, center, 827.0, None));
    }

    #[test]
    fn the_radius_is_a_hard_edge() {
        let mut index = ShopIndex::default();
        let center = LatLng::new(29.5575, 106.5770);
        // Due north, 800 m and 850 m away.
        let dlat = |m: f64| m / METRES_PER_DEGREE;
        index.upsert(shop(1, center.lat + dlat(800.0), center.lng, 0));
        index.upsert(shop(2, center.lat + dlat(850.0), center.lng, 0));
        let hits = index.nearest(center, 827.0, 20, &SearchFilter::default(), None);
        assert_eq!(hits.len(), 1);
        assert!((hits[0].distance_m - 800.0).abs() < 1.0);
        assert!(
            (haversine_m(center, index.shop(hits[0].slot).unwrap().position) - 800.0).abs() < 1.0
        );
    }

    #[test]
    fn moves_and_removals_are_reflected() {
        let mut index = ShopIndex::default();
        let center = LatLng::new(29.5575, 106.5770);
        index.upsert(shop(1, 29.5576, 106.5771, 0));
        assert_eq!(
            index
                .nearest(center, 827.0, 20, &SearchFilter::default(), None)
                .len(),
            1
        );
        let mut moved = shop(1, 29.60, 106.60, 0);
        moved.updated_at = 1;
        index.upsert(moved);
        assert!(
            index
                .nearest(center, 827.0, 20, &SearchFilter::default(), None)
                .is_empty()
        );
        assert_eq!(index.len(), 1);
        // An older version arriving late changes nothing.
        index.upsert(shop(1, 29.5576, 106.5771, 0));
        assert!(
            index
                .nearest(center, 827.0, 20, &SearchFilter::default(), None)
                .is_empty()
        );
        assert!(index.remove(&Uuid::from_u128(1)));
        assert!(index.is_empty());
        assert!(!index.remove(&Uuid::from_u128(1)));
    }

    #[test]
    fn nearest_per_category_finds_each_categorys_closest() {
        let index = scattered(5_000);
        let center = LatLng::new(29.5575, 106.5770);
        let per = index.nearest_per_category(center, 827.0, 7);
        for category in 0..7u16 {
            let expected = brute_force(&index, center, 827.0, Some(category))
                .first()
                .copied();
            let got =
                per[usize::from(category)].map(|h| (h.distance_mm, index.shop(h.slot).unwrap().id));
            assert_eq!(got, expected, "category {category}");
        }
    }

    #[test]
    fn text_filters_ignore_ascii_case() {
        assert!(contains_ignore_ascii_case(
            "Manner Coffee 解放碑店",
            "coffee"
        ));
        assert!(contains_ignore_ascii_case("老街小面", "小面"));
        assert!(!contains_ignore_ascii_case("老街小面", "火锅"));
    }
}
