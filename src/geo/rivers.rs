//! Rivers as centre lines with a width (`seeds/rivers.json`): whether a
//! point lies in one, and whether a river runs between two points (they are
//! on opposite banks, so walking between them needs a bridge).

use serde::Deserialize;

use super::LatLng;

/// One point of a centre line: `[lat, lng, width_m]`.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct CentrePoint(pub f64, pub f64, pub f64);

#[derive(Debug, Clone, Deserialize)]
pub struct River {
    pub code: String,
    pub name: String,
    /// Downstream order; the width is interpolated between points.
    pub centre_line: Vec<CentrePoint>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RiverMap {
    pub rivers: Vec<River>,
}

/// Metres east and north of `origin` (equirectangular: these rivers are a
/// few kilometres long).
fn plane(p: LatLng, origin: LatLng) -> (f64, f64) {
    let m_per_deg = super::EARTH_RADIUS_M.to_radians();
    (
        (p.lng - origin.lng) * m_per_deg * origin.lat.to_radians().cos(),
        (p.lat - origin.lat) * m_per_deg,
    )
}

impl River {
    fn segments(&self) -> impl Iterator<Item = (CentrePoint, CentrePoint)> + '_ {
        self.centre_line.windows(2).map(|w| (w[0], w[1]))
    }

    /// Metres from `p` to the nearer bank: negative inside the river.
    pub fn clearance_m(&self, p: LatLng) -> f64 {
        self.segments()
            .map(|(a, b)| {
                let (ax, ay) = plane(LatLng::new(a.0, a.1), p);
                let (bx, by) = plane(LatLng::new(b.0, b.1), p);
                let (dx, dy) = (bx - ax, by - ay);
                let length2 = dx * dx + dy * dy;
                let t = if length2 == 0.0 {
                    0.0
                } else {
                    (-(ax * dx + ay * dy) / length2).clamp(0.0, 1.0)
                };
                let (cx, cy) = (ax + t * dx, ay + t * dy);
                let half_width = (a.2 + (b.2 - a.2) * t) / 2.0;
                (cx * cx + cy * cy).sqrt() - half_width
            })
            .fold(f64::INFINITY, f64::min)
    }

    /// Whether the straight line from `a` to `b` crosses the centre line.
    pub fn runs_between(&self, a: LatLng, b: LatLng) -> bool {
        let b_xy = plane(b, a);
        let side = |u: (f64, f64), v: (f64, f64), w: (f64, f64)| {
            (v.0 - u.0) * (w.1 - u.1) - (v.1 - u.1) * (w.0 - u.0)
        };
        self.segments().any(|(c, d)| {
            let c = plane(LatLng::new(c.0, c.1), a);
            let d = plane(LatLng::new(d.0, d.1), a);
            side((0.0, 0.0), b_xy, c) * side((0.0, 0.0), b_xy, d) < 0.0
                && side(c, d, (0.0, 0.0)) * side(c, d, b_xy) < 0.0
        })
    }
}

impl RiverMap {
    /// The river `p` is nearest to and how far from its bank (negative: in it).
    pub fn nearest_bank(&self, p: LatLng) -> Option<(&River, f64)> {
        self.rivers
            .iter()
            .map(|r| (r, r.clearance_m(p)))
            .min_by(|x, y| x.1.total_cmp(&y.1))
    }

    /// Whether a river runs between `a` and `b`.
    pub fn river_between(&self, a: LatLng, b: LatLng) -> Option<&River> {
        self.rivers.iter().find(|r| r.runs_between(a, b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn river() -> River {
        // Flows east along latitude 29.55, 400 m wide, then 600 m.
        River {
            code: "test".into(),
            name: "测试河".into(),
            centre_line: vec![
                CentrePoint(29.55, 106.50, 400.0),
                CentrePoint(29.55, 106.52, 400.0),
                CentrePoint(29.55, 106.54, 600.0),
            ],
        }
    }

    #[test]
    fn clearance_is_the_distance_to_the_nearer_bank() {
        let r = river();
        // 0.0045° of latitude is about 500 m: 300 m beyond a 200 m half width.
        let north = r.clearance_m(LatLng::new(29.5545, 106.51));
        assert!((north - 300.4).abs() < 2.0, "{north}");
        assert!(r.clearance_m(LatLng::new(29.55, 106.51)) < -199.0);
        // Where the river widens, the bank is nearer.
        let wide = r.clearance_m(LatLng::new(29.5545, 106.54));
        assert!((wide - 200.4).abs() < 2.0, "{wide}");
        // Beyond the traced stretch the distance is to its end.
        assert!(r.clearance_m(LatLng::new(29.55, 106.60)) > 5_000.0);
    }

    #[test]
    fn a_river_runs_between_points_on_opposite_banks_only() {
        let r = river();
        let (south, north) = (LatLng::new(29.54, 106.51), LatLng::new(29.56, 106.51));
        assert!(r.runs_between(south, north));
        assert!(r.runs_between(north, south));
        assert!(!r.runs_between(north, LatLng::new(29.57, 106.53)));
        // Past the end of the traced line nothing is known to be in the way.
        assert!(!r.runs_between(LatLng::new(29.54, 106.6), LatLng::new(29.56, 106.6)));
    }
}
