//! The grid under the shop index: cell geometry (which cell a point is in,
//! how far a cell is, the rings of cells around one), the cell keys, and the
//! fast hash the index's maps use. Everything here runs per cell or per
//! lookup of a search, so it is marked `#[inline]`: without it the release
//! build (several codegen units) may call it across units instead of
//! inlining it into the search loop.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::geo::{EARTH_RADIUS_M, LatLng};

const CELL_LAT_DEG: f64 = 0.0015;
const CELL_LNG_DEG: f64 = 0.0017;
pub(super) const METRES_PER_DEGREE: f64 = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;

/// A multiply-rotate hash with a splitmix64 finish: cell keys and UUIDs are
/// ours, not an attacker's, so SipHash's flood resistance buys nothing here.
/// The finish matters: a bare multiply leaves the low bits (which pick the
/// bucket) depending only on the key's low bits, and cell keys that differ
/// in their high bits would all collide.
#[derive(Default, Clone, Copy)]
pub struct FastHasher(u64);

impl Hasher for FastHasher {
    #[inline]
    fn finish(&self) -> u64 {
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

#[inline]
pub(super) fn cell_key(category: u16, (cy, cx): (i32, i32)) -> u64 {
    (u64::from(category) << 48)
        | (((cy as u32 & 0xFF_FFFF) as u64) << 24)
        | (cx as u32 & 0xFF_FFFF) as u64
}

/// Cells of the square ring `r` around `(cy, cx)`.
#[inline]
pub(super) fn ring(center: (i32, i32), r: i32, mut visit: impl FnMut((i32, i32))) {
    let (cy, cx) = center;
    if r == 0 {
        visit(center);
        return;
    }
    for dx in -r..=r {
        visit((cy - r, cx + dx));
        visit((cy + r, cx + dx));
    }
    for dy in (-r + 1)..r {
        visit((cy + dy, cx - r));
        visit((cy + dy, cx + r));
    }
}

/// A grid of cells `lat_deg` × `lng_deg`. The all-shops lists use a fine
/// grid (~165 m); the per-category lists a grid four times coarser, so that a
/// category's few shops in an area share one list instead of one list each.
#[derive(Debug, Clone, Copy)]
pub(super) struct Grid {
    lat_deg: f64,
    lng_deg: f64,
}

pub(super) const FINE: Grid = Grid {
    lat_deg: CELL_LAT_DEG,
    lng_deg: CELL_LNG_DEG,
};
pub(super) const COARSE: Grid = Grid {
    lat_deg: CELL_LAT_DEG * 4.0,
    lng_deg: CELL_LNG_DEG * 4.0,
};

impl Grid {
    #[inline]
    pub(super) fn cell_of(self, p: LatLng) -> (i32, i32) {
        (
            (p.lat / self.lat_deg).floor() as i32,
            (p.lng / self.lng_deg).floor() as i32,
        )
    }

    /// The smallest side of a cell at this latitude, in metres.
    #[inline]
    pub(super) fn min_side_m(self, lat: f64) -> f64 {
        (self.lat_deg * METRES_PER_DEGREE)
            .min(self.lng_deg * METRES_PER_DEGREE * lat.to_radians().cos())
    }

    /// Distance in metres from `center` to the nearest point of a cell, in
    /// the same local projection as `distance_with_cos`.
    #[inline]
    pub(super) fn cell_distance_m(self, center: LatLng, cos_lat: f64, (cy, cx): (i32, i32)) -> f64 {
        let lat0 = f64::from(cy) * self.lat_deg;
        let lng0 = f64::from(cx) * self.lng_deg;
        let dy = (lat0 - center.lat)
            .max(0.0)
            .max(center.lat - (lat0 + self.lat_deg));
        let dx = (lng0 - center.lng)
            .max(0.0)
            .max(center.lng - (lng0 + self.lng_deg))
            * cos_lat;
        METRES_PER_DEGREE * (dy * dy + dx * dx).sqrt()
    }
}
