//! Voucher rules with no I/O: campaign validation, which round is open,
//! validity, codes, discounts.

use chrono::{DateTime, Days, NaiveTime, TimeZone, Utc};

use crate::clock::SHANGHAI;
use crate::error::FieldErrors;

pub const MAX_ROUNDS: usize = 48;
pub const MAX_PER_USER_LIMIT: i32 = 10;
pub const MAX_VALID_DAYS: i32 = 90;
pub const MAX_TOTAL_QUANTITY: i64 = 100_000_000;

/// The numbers of a campaign that must agree with each other.
#[derive(Debug, Clone)]
pub struct CampaignShape {
    pub face_value_fen: i64,
    pub threshold_fen: i64,
    pub total_quantity: i64,
    pub per_user_limit: i32,
    pub valid_days: i32,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// (opens_at, quantity) in the order given.
    pub rounds: Vec<(DateTime<Utc>, i64)>,
}

fn push(errors: &mut FieldErrors, field: &str, reason: &str) {
    errors
        .entry(field.to_owned())
        .or_default()
        .push(reason.to_owned());
}

/// Every rule the numbers break, by field (empty when all hold).
pub fn check_shape(c: &CampaignShape) -> FieldErrors {
    let mut errors = FieldErrors::new();
    if c.face_value_fen <= 0 {
        push(&mut errors, "face_value_fen", "must_be_positive");
    }
    // 满100减25: the order must reach more than the voucher is worth.
    if c.threshold_fen <= c.face_value_fen {
        push(&mut errors, "threshold_fen", "must_exceed_face_value");
    }
    if !(1..=MAX_TOTAL_QUANTITY).contains(&c.total_quantity) {
        push(&mut errors, "total_quantity", "out_of_range");
    }
    if !(1..=MAX_PER_USER_LIMIT).contains(&c.per_user_limit) {
        push(&mut errors, "per_user_limit", "out_of_range");
    }
    if !(1..=MAX_VALID_DAYS).contains(&c.valid_days) {
        push(&mut errors, "valid_days", "out_of_range");
    }
    if c.ends_at <= c.starts_at {
        push(&mut errors, "ends_at", "must_follow_starts_at");
    }
    if c.rounds.is_empty() || c.rounds.len() > MAX_ROUNDS {
        push(&mut errors, "rounds", "count_out_of_range");
        return errors;
    }
    for (i, (opens_at, quantity)) in c.rounds.iter().enumerate() {
        if *quantity <= 0 {
            push(
                &mut errors,
                &format!("rounds[{i}].quantity"),
                "must_be_positive",
            );
        }
        if *opens_at < c.starts_at || *opens_at >= c.ends_at {
            push(
                &mut errors,
                &format!("rounds[{i}].opens_at"),
                "outside_campaign_window",
            );
        }
        if i > 0 && *opens_at <= c.rounds[i - 1].0 {
            push(
                &mut errors,
                &format!("rounds[{i}].opens_at"),
                "must_follow_previous_round",
            );
        }
    }
    let sum = c
        .rounds
        .iter()
        .map(|(_, q)| *q)
        .fold(0_i64, i64::saturating_add);
    if sum != c.total_quantity {
        push(&mut errors, "total_quantity", "must_equal_sum_of_rounds");
    }
    errors
}

/// Each round is open until the next one opens; the last until the campaign ends.
pub fn round_windows(
    opens: &[DateTime<Utc>],
    ends_at: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    opens
        .iter()
        .enumerate()
        .map(|(i, at)| (*at, opens.get(i + 1).copied().unwrap_or(ends_at)))
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundState {
    /// Index of the open round.
    Open(usize),
    /// Nothing open yet; the next round opens then.
    NotYet(DateTime<Utc>),
    Ended,
}

/// Which round takes claims at `now`. `windows` are sorted and contiguous.
pub fn round_at(windows: &[(DateTime<Utc>, DateTime<Utc>)], now: DateTime<Utc>) -> RoundState {
    match windows
        .iter()
        .position(|(opens, closes)| *opens <= now && now < *closes)
    {
        Some(i) => RoundState::Open(i),
        None => match windows.iter().find(|(opens, _)| *opens > now) {
            Some((opens, _)) => RoundState::NotYet(*opens),
            None => RoundState::Ended,
        },
    }
}

/// A voucher claimed at `claimed_at` is valid through the end of its
/// `valid_days`-th day in Chongqing, the claim day counting as the first
/// ("有效期7天" means through the 7th day, not 168 hours).
pub fn expires_at(claimed_at: DateTime<Utc>, valid_days: i32) -> DateTime<Utc> {
    let day = claimed_at.with_timezone(&SHANGHAI).date_naive();
    let days = u64::try_from(valid_days.max(1)).unwrap_or(1);
    let next_midnight = day
        .checked_add_days(Days::new(days))
        .unwrap_or(day)
        .and_time(NaiveTime::MIN);
    SHANGHAI
        .from_local_datetime(&next_midnight)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(claimed_at)
}

/// Crockford's base-32 alphabet: no I, L, O or U, so a code read aloud or
/// typed from a screen is not mistaken.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
pub const CODE_LEN: usize = 16;

/// 80 random bits as 16 base-32 characters.
pub fn encode_code(random: [u8; 10]) -> String {
    let mut bits: u128 = 0;
    for b in random {
        bits = (bits << 8) | u128::from(b);
    }
    (0..CODE_LEN)
        .rev()
        .map(|i| ALPHABET[((bits >> (i * 5)) & 31) as usize] as char)
        .collect()
}

/// A fresh unguessable code (80 bits from the OS generator, via UUID v4).
pub fn new_code() -> String {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    let mut random = [0u8; 10];
    // Bytes 6 and 8 carry the UUID's version and variant bits: skip them.
    for (slot, byte) in random
        .iter_mut()
        .zip(bytes.iter().enumerate().filter(|(i, _)| *i != 6 && *i != 8))
    {
        *slot = *byte.1;
    }
    encode_code(random)
}

/// What a till scanned or typed, as stored: QR prefix, spaces and dashes
/// dropped, lower case raised, and the look-alikes Crockford allows read back.
pub fn normalize_code(input: &str) -> Option<String> {
    let raw = input.trim();
    let raw = raw.strip_prefix(QR_PREFIX).unwrap_or(raw);
    let code: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect();
    (code.len() == CODE_LEN && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

/// Shown as a QR code at the till; the scanner sends it back as `code`.
pub const QR_PREFIX: &str = "YHV1:";

pub fn qr_payload(code: &str) -> String {
    format!("{QR_PREFIX}{code}")
}

/// The discount and what is left to pay, or None below the threshold.
pub fn apply(order_amount_fen: i64, face_value_fen: i64, threshold_fen: i64) -> Option<(i64, i64)> {
    (order_amount_fen >= threshold_fen).then(|| {
        let discount = face_value_fen.min(order_amount_fen);
        (discount, order_amount_fen - discount)
    })
}

/// Both instants fall on the same calendar day in Chongqing.
pub fn same_local_day(a: DateTime<Utc>, b: DateTime<Utc>) -> bool {
    a.with_timezone(&SHANGHAI).date_naive() == b.with_timezone(&SHANGHAI).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .expect("test time")
    }

    fn shape() -> CampaignShape {
        CampaignShape {
            face_value_fen: 2500,
            threshold_fen: 10000,
            total_quantity: 300,
            per_user_limit: 1,
            valid_days: 7,
            starts_at: at("2026-12-01T00:00:00+08:00"),
            ends_at: at("2026-12-31T00:00:00+08:00"),
            rounds: vec![
                (at("2026-12-01T10:00:00+08:00"), 100),
                (at("2026-12-08T10:00:00+08:00"), 200),
            ],
        }
    }

    #[test]
    fn a_sound_campaign_passes() {
        assert!(check_shape(&shape()).is_empty());
    }

    #[test]
    fn the_threshold_must_exceed_the_face_value() {
        let mut c = shape();
        c.threshold_fen = 2500;
        assert_eq!(
            check_shape(&c)["threshold_fen"],
            vec!["must_exceed_face_value"]
        );
    }

    #[test]
    fn round_quantities_must_add_up() {
        let mut c = shape();
        c.total_quantity = 301;
        assert_eq!(
            check_shape(&c)["total_quantity"],
            vec!["must_equal_sum_of_rounds"]
        );
    }

    #[test]
    fn rounds_must_lie_inside_the_window_and_in_order() {
        let mut c = shape();
        c.rounds[0].0 = at("2026-11-30T10:00:00+08:00");
        c.rounds[1].0 = at("2026-11-29T10:00:00+08:00");
        let errors = check_shape(&c);
        assert_eq!(
            errors["rounds[0].opens_at"],
            vec!["outside_campaign_window"]
        );
        assert_eq!(
            errors["rounds[1].opens_at"],
            vec!["outside_campaign_window", "must_follow_previous_round"]
        );
        c.rounds[1].0 = c.ends_at;
        assert!(check_shape(&c).contains_key("rounds[1].opens_at"));
    }

    #[test]
    fn finds_the_open_round_at_its_boundaries() {
        let c = shape();
        let opens: Vec<_> = c.rounds.iter().map(|r| r.0).collect();
        let windows = round_windows(&opens, c.ends_at);
        assert_eq!(
            round_at(&windows, at("2026-12-01T09:59:59+08:00")),
            RoundState::NotYet(at("2026-12-01T10:00:00+08:00"))
        );
        assert_eq!(
            round_at(&windows, at("2026-12-01T10:00:00+08:00")),
            RoundState::Open(0)
        );
        assert_eq!(
            round_at(&windows, at("2026-12-08T09:59:59+08:00")),
            RoundState::Open(0)
        );
        assert_eq!(
            round_at(&windows, at("2026-12-08T10:00:00+08:00")),
            RoundState::Open(1)
        );
        assert_eq!(
            round_at(&windows, at("2026-12-30T23:59:59+08:00")),
            RoundState::Open(1)
        );
        assert_eq!(
            round_at(&windows, at("2026-12-31T00:00:00+08:00")),
            RoundState::Ended
        );
    }

    #[test]
    fn validity_runs_to_the_end_of_the_last_local_day() {
        // Claimed 23:30 on the 1st in Chongqing (15:30 UTC): 7 days = through the 7th.
        assert_eq!(
            expires_at(at("2026-12-01T23:30:00+08:00"), 7),
            at("2026-12-08T00:00:00+08:00")
        );
        // 00:30 local is still the previous day in UTC; the local day counts.
        assert_eq!(
            expires_at(at("2026-12-02T00:30:00+08:00"), 1),
            at("2026-12-03T00:00:00+08:00")
        );
    }

    #[test]
    fn codes_are_sixteen_unambiguous_characters_and_read_back() {
        assert_eq!(encode_code([0; 10]), "0000000000000000");
        assert_eq!(encode_code([0xff; 10]), "ZZZZZZZZZZZZZZZZ");
        let code = new_code();
        assert_eq!(code.len(), CODE_LEN);
        assert_ne!(code, new_code());
        assert_eq!(normalize_code(&qr_payload(&code)), Some(code.clone()));
        assert_eq!(
            normalize_code("abcd-efgh 0o1i-lk00"),
            Some("ABCDEFGH00111K00".to_owned())
        );
        assert_eq!(normalize_code("ABCDEFGH0011"), None);
        assert_eq!(normalize_code("ABCDEFGH0011UUUU"), None);
    }

    #[test]
    fn discounts_need_the_threshold() {
        assert_eq!(apply(9999, 2500, 10000), None);
        assert_eq!(apply(10000, 2500, 10000), Some((2500, 7500)));
        assert_eq!(apply(12345, 2500, 10000), Some((2500, 9845)));
    }

    #[test]
    fn days_are_chongqing_days() {
        assert!(same_local_day(
            at("2026-12-01T00:10:00+08:00"),
            at("2026-12-01T23:50:00+08:00")
        ));
        assert!(!same_local_day(
            at("2026-12-01T23:50:00+08:00"),
            at("2026-12-02T00:10:00+08:00")
        ));
    }
}
