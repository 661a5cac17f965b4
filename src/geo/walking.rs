//! The walking model (DESIGN.md): straight-line distance × detour factor ÷
//! walking speed, rounded up to whole minutes.

use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    #[default]
    Standard,
    Elderly,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WalkingModel {
    /// Real walks over straight lines (1.36 measured in 渝中区).
    pub detour_factor: f64,
    pub standard_m_per_min: f64,
    pub elderly_m_per_min: f64,
}

impl Default for WalkingModel {
    fn default() -> Self {
        Self {
            detour_factor: 1.36,
            standard_m_per_min: 75.0,
            elderly_m_per_min: 55.0,
        }
    }
}

impl WalkingModel {
    pub fn speed(&self, profile: Profile) -> f64 {
        match profile {
            Profile::Standard => self.standard_m_per_min,
            Profile::Elderly => self.elderly_m_per_min,
        }
    }

    /// Whole minutes to walk a straight-line distance.
    pub fn minutes(&self, straight_m: f64, profile: Profile) -> u32 {
        let minutes = straight_m * self.detour_factor / self.speed(profile);
        // A hair of tolerance so that exactly-at-the-edge distances, which
        // come back from `radius_m` through floating point, stay inside.
        (minutes - 1e-9).ceil().max(0.0) as u32
    }

    /// The straight-line radius reachable in `minutes`.
    pub fn radius_m(&self, minutes: u32, profile: Profile) -> f64 {
        f64::from(minutes) * self.speed(profile) / self.detour_factor
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifteen_minutes_is_about_830_metres_in_a_straight_line() {
        let m = WalkingModel::default();
        let r = m.radius_m(15, Profile::Standard);
        assert!((827.0..828.0).contains(&r), "{r}");
        assert_eq!(m.minutes(r, Profile::Standard), 15);
        assert_eq!(m.minutes(r + 1.0, Profile::Standard), 16);
        assert_eq!(m.minutes(0.0, Profile::Standard), 0);
        assert_eq!(m.minutes(1.0, Profile::Standard), 1);
    }

    #[test]
    fn the_elderly_profile_walks_slower() {
        let m = WalkingModel::default();
        let r = m.radius_m(15, Profile::Elderly);
        assert!((606.0..607.0).contains(&r), "{r}");
        assert!(m.minutes(800.0, Profile::Elderly) > m.minutes(800.0, Profile::Standard));
    }
}
