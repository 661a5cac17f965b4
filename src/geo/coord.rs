//! WGS-84 (GPS, `wx.getLocation` default) and GCJ-02 (WeChat's map, Tencent
//! maps). Yuhui stores GCJ-02, what the mini-program shows, and converts at
//! the edges. The transform is the standard public GCJ-02 algorithm.

use std::f64::consts::PI;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatLng {
    pub lat: f64,
    pub lng: f64,
}

impl LatLng {
    pub const fn new(lat: f64, lng: f64) -> Self {
        Self { lat, lng }
    }

    /// Six decimals (about 0.1 m): what the API returns.
    pub fn rounded(self) -> Self {
        Self::new(
            (self.lat * 1e6).round() / 1e6,
            (self.lng * 1e6).round() / 1e6,
        )
    }

    pub fn is_valid(&self) -> bool {
        self.lat.is_finite()
            && self.lng.is_finite()
            && (-90.0..=90.0).contains(&self.lat)
            && (-180.0..=180.0).contains(&self.lng)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CoordSystem {
    #[default]
    Gcj02,
    Wgs84,
}

impl CoordSystem {
    /// A point given in this system, in the stored system (GCJ-02).
    pub fn to_stored(self, p: LatLng) -> LatLng {
        match self {
            CoordSystem::Gcj02 => p,
            CoordSystem::Wgs84 => wgs84_to_gcj02(p),
        }
    }

    /// A stored point, in this system.
    pub fn from_stored(self, p: LatLng) -> LatLng {
        match self {
            CoordSystem::Gcj02 => p,
            CoordSystem::Wgs84 => gcj02_to_wgs84(p),
        }
    }
}

const A: f64 = 6_378_245.0;
const EE: f64 = 0.006_693_421_622_965_943;

fn out_of_china(p: LatLng) -> bool {
    !(72.004..=137.8347).contains(&p.lng) || !(0.8293..=55.8271).contains(&p.lat)
}

fn transform_lat(x: f64, y: f64) -> f64 {
    let mut r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    r
}

fn transform_lng(x: f64, y: f64) -> f64 {
    let mut r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    r
}

pub fn wgs84_to_gcj02(p: LatLng) -> LatLng {
    if out_of_china(p) {
        return p;
    }
    let dlat = transform_lat(p.lng - 105.0, p.lat - 35.0);
    let dlng = transform_lng(p.lng - 105.0, p.lat - 35.0);
    let rad_lat = p.lat / 180.0 * PI;
    let magic = 1.0 - EE * rad_lat.sin() * rad_lat.sin();
    let sqrt_magic = magic.sqrt();
    let dlat = dlat * 180.0 / ((A * (1.0 - EE)) / (magic * sqrt_magic) * PI);
    let dlng = dlng * 180.0 / (A / sqrt_magic * rad_lat.cos() * PI);
    LatLng::new(p.lat + dlat, p.lng + dlng)
}

/// The inverse has no closed form: iterate the forward transform until the
/// round trip lands within a millimetre.
pub fn gcj02_to_wgs84(p: LatLng) -> LatLng {
    if out_of_china(p) {
        return p;
    }
    let mut w = p;
    for _ in 0..10 {
        let g = wgs84_to_gcj02(w);
        let (dlat, dlng) = (g.lat - p.lat, g.lng - p.lng);
        w = LatLng::new(w.lat - dlat, w.lng - dlng);
        if dlat.abs() < 1e-9 && dlng.abs() < 1e-9 {
            break;
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::haversine_m;

    #[test]
    fn matches_the_published_reference_pair() {
        // The pair every public implementation of the transform tests against.
        let g = wgs84_to_gcj02(LatLng::new(39.915, 116.404));
        assert!((g.lat - 39.916_404_281_501_64).abs() < 1e-9, "{g:?}");
        assert!((g.lng - 116.410_244_499_169_38).abs() < 1e-9, "{g:?}");
    }

    #[test]
    fn the_offset_in_chongqing_is_as_documented() {
        // FACTS §6: about −0.0029° lat and +0.0037° lng at 解放碑.
        let w = LatLng::new(29.5575, 106.5770);
        let g = wgs84_to_gcj02(w);
        assert!((g.lat - w.lat + 0.0029).abs() < 0.0002, "{g:?}");
        assert!((g.lng - w.lng - 0.0037).abs() < 0.0002, "{g:?}");
    }

    #[test]
    fn round_trips_stay_within_a_metre() {
        for (lat, lng) in [
            (29.5575, 106.5770),
            (29.5795, 106.4490),
            (30.8078, 108.4080),
            (28.85, 105.9),
        ] {
            let w = LatLng::new(lat, lng);
            let back = gcj02_to_wgs84(wgs84_to_gcj02(w));
            assert!(haversine_m(w, back) < 1.0);
            let g = LatLng::new(lat, lng);
            let back = wgs84_to_gcj02(gcj02_to_wgs84(g));
            assert!(haversine_m(g, back) < 1.0);
        }
    }

    #[test]
    fn points_outside_china_are_untouched() {
        let p = LatLng::new(48.8566, 2.3522);
        assert_eq!(wgs84_to_gcj02(p), p);
        assert_eq!(gcj02_to_wgs84(p), p);
    }
}
