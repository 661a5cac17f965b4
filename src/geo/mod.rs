//! Coordinates, distances and the walking model. Pure functions only.

pub mod coord;
pub mod rivers;
pub mod walking;

pub use coord::{CoordSystem, LatLng};

/// Mean Earth radius in metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Distance in metres for points a few kilometres apart: an equirectangular
/// projection at the first point's latitude, within 0.1% of the great circle
/// at walking distances and far cheaper than haversine on the hot path.
#[inline]
pub fn local_distance_m(a: LatLng, b: LatLng) -> f64 {
    let cos_lat = a.lat.to_radians().cos();
    distance_with_cos(a, b, cos_lat)
}

/// As `local_distance_m` with `cos(a.lat)` computed once by the caller.
#[inline]
pub fn distance_with_cos(a: LatLng, b: LatLng, cos_lat: f64) -> f64 {
    let dy = (b.lat - a.lat).to_radians();
    let dx = (b.lng - a.lng).to_radians() * cos_lat;
    EARTH_RADIUS_M * (dx * dx + dy * dy).sqrt()
}

/// Great-circle distance in metres (for long distances and for checking).
pub fn haversine_m(a: LatLng, b: LatLng) -> f64 {
    let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = la2 - la1;
    let dlng = (b.lng - a.lng).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlng / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().asin()
}

/// Chongqing municipality's bounding box (with a small margin).
pub const CHONGQING_LAT: (f64, f64) = (28.10, 32.25);
pub const CHONGQING_LNG: (f64, f64) = (105.25, 110.25);

pub fn in_chongqing(p: LatLng) -> bool {
    (CHONGQING_LAT.0..=CHONGQING_LAT.1).contains(&p.lat)
        && (CHONGQING_LNG.0..=CHONGQING_LNG.1).contains(&p.lng)
}

/// An optional point given as two optional query fields, in stored
/// coordinates: both or neither, and a real latitude and longitude.
pub fn optional_point(
    lat: Option<f64>,
    lng: Option<f64>,
    coord: CoordSystem,
) -> Result<Option<LatLng>, &'static str> {
    match (lat, lng) {
        (None, None) => Ok(None),
        (Some(lat), Some(lng)) => {
            let p = LatLng::new(lat, lng);
            if p.is_valid() {
                Ok(Some(coord.to_stored(p)))
            } else {
                Err("lat/lng 无效")
            }
        }
        _ => Err("lat 与 lng 须同时提供"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_distance_agrees_with_haversine_at_walking_range() {
        let jiefangbei = LatLng::new(29.5575, 106.5770);
        let hongyadong = LatLng::new(29.5630, 106.5785);
        let h = haversine_m(jiefangbei, hongyadong);
        let l = local_distance_m(jiefangbei, hongyadong);
        assert!((h - l).abs() / h < 0.001, "{h} vs {l}");
        assert!((600.0..650.0).contains(&h), "{h}");
    }

    #[test]
    fn the_bounding_box_holds_the_city_and_not_chengdu() {
        assert!(in_chongqing(LatLng::new(29.5575, 106.5770)));
        assert!(!in_chongqing(LatLng::new(30.657, 104.066)));
    }

    #[test]
    fn optional_points_need_both_halves_and_real_values() {
        assert_eq!(optional_point(None, None, CoordSystem::Gcj02), Ok(None));
        assert_eq!(
            optional_point(Some(29.5), Some(106.5), CoordSystem::Gcj02),
            Ok(Some(LatLng::new(29.5, 106.5)))
        );
        assert!(optional_point(Some(29.5), None, CoordSystem::Gcj02).is_err());
        assert!(optional_point(Some(95.0), Some(106.5), CoordSystem::Gcj02).is_err());
    }
}
