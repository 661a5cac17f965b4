//! Grading a 15-minute circle. No national numeric sheet exists (FACTS §1);
//! the common rule is that a type is present when one outlet of it lies
//! within the walk, and all basic types come first.

use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Grade {
    /// Some basic-need type is missing.
    None,
    /// Every basic-need type is present (基础型).
    Basic,
    /// …and at least the enhanced number of quality types (提升型).
    Enhanced,
    /// …and at least the premium number of quality types (品质型).
    Premium,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    pub enhanced_min_quality: usize,
    pub premium_min_quality: usize,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            enhanced_min_quality: 5,
            premium_min_quality: 9,
        }
    }
}

pub fn grade(
    basic_present: usize,
    basic_total: usize,
    quality_present: usize,
    t: Thresholds,
) -> Grade {
    if basic_present < basic_total {
        Grade::None
    } else if quality_present >= t.premium_min_quality {
        Grade::Premium
    } else if quality_present >= t.enhanced_min_quality {
        Grade::Enhanced
    } else {
        Grade::Basic
    }
}

/// Share of basic types present, 0..=1, rounded to three places.
pub fn coverage(present: usize, total: usize) -> f64 {
    if total == 0 {
        return 1.0;
    }
    (present as f64 / total as f64 * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades_follow_basic_first_then_quality() {
        let t = Thresholds::default();
        assert_eq!(grade(12, 13, 12, t), Grade::None);
        assert_eq!(grade(13, 13, 0, t), Grade::Basic);
        assert_eq!(grade(13, 13, 4, t), Grade::Basic);
        assert_eq!(grade(13, 13, 5, t), Grade::Enhanced);
        assert_eq!(grade(13, 13, 8, t), Grade::Enhanced);
        assert_eq!(grade(13, 13, 9, t), Grade::Premium);
        let strict = Thresholds {
            enhanced_min_quality: 7,
            premium_min_quality: 11,
        };
        assert_eq!(grade(13, 13, 9, strict), Grade::Enhanced);
    }

    #[test]
    fn coverage_is_a_share() {
        assert_eq!(coverage(13, 13), 1.0);
        assert_eq!(coverage(9, 13), 0.692);
        assert_eq!(coverage(0, 13), 0.0);
    }
}
