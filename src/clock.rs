//! Injectable time: production reads the system clock, tests set and advance
//! a manual one so expiry and deadlines are testable without sleeping.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, FixedOffset, Utc};

#[derive(Clone, Debug, Default)]
pub enum Clock {
    #[default]
    System,
    Manual(Arc<RwLock<DateTime<Utc>>>),
}

impl Clock {
    pub fn manual(start: DateTime<Utc>) -> Self {
        Self::Manual(Arc::new(RwLock::new(start)))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Self::System => Utc::now(),
            Self::Manual(at) => *at.read().unwrap_or_else(|poisoned| poisoned.into_inner()),
        }
    }

    /// Now in Asia/Shanghai, where every business rule is reckoned.
    pub fn now_local(&self) -> DateTime<FixedOffset> {
        self.now().with_timezone(&SHANGHAI)
    }

    /// Moves a manual clock; does nothing to the system clock.
    pub fn set(&self, to: DateTime<Utc>) {
        if let Self::Manual(at) = self {
            *at.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = to;
        }
    }

    pub fn advance(&self, by: Duration) {
        self.set(self.now() + by);
    }
}

/// China has kept UTC+8 without daylight saving since 1991, so a fixed offset
/// is exact for every date the product deals with.
pub const SHANGHAI: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let start = Utc.with_ymd_and_hms(2026, 11, 27, 2, 0, 0).unwrap();
        let clock = Clock::manual(start);
        assert_eq!(clock.now(), start);
        clock.advance(Duration::hours(1));
        assert_eq!(clock.now(), start + Duration::hours(1));
        assert_eq!(clock.now_local().format("%H:%M").to_string(), "11:00");
    }
}
