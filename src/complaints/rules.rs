//! The case state machine and the other pure rules of complaint handling.

use chrono::NaiveDate;
use uuid::Uuid;

pub use entity::status::{ComplaintOutcome as Outcome, ComplaintStatus as Status};
use sea_orm::{ActiveEnum, Iterable};

/// What the rules say of a status beyond its stored name.
pub trait StatusRules: Sized {
    fn parse(s: &str) -> Option<Self>;
    fn all() -> Vec<Self>;
    fn is_final(&self) -> bool;
    /// The statuses of a case still running.
    fn open() -> Vec<Self>;
    /// Short Chinese name, as shown to residents (≤ 5 characters).
    fn label(self) -> &'static str;
}

impl StatusRules for Status {
    fn parse(s: &str) -> Option<Self> {
        Status::try_from_value(&s.to_owned()).ok()
    }

    fn all() -> Vec<Self> {
        Status::iter().collect()
    }

    fn is_final(&self) -> bool {
        matches!(self, Status::Rejected | Status::Closed | Status::Withdrawn)
    }

    fn open() -> Vec<Self> {
        Status::iter().filter(|s| !s.is_final()).collect()
    }

    fn label(self) -> &'static str {
        match self {
            Status::Submitted => "待受理",
            Status::MerchantWindow => "商家处理中",
            Status::Accepted => "调解中",
            Status::Rejected => "不予受理",
            Status::Closed => "已办结",
            Status::Withdrawn => "已撤回",
        }
    }
}

/// The outcome a handler names when closing, if it is one.
pub fn parse_outcome(s: &str) -> Option<Outcome> {
    Outcome::try_from_value(&s.to_owned()).ok()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Accept,
    Reject,
    Transfer,
    Assign,
    Close,
    Pause,
    Resume,
    Withdraw,
    MerchantResponse,
    Settlement,
    Rate,
    /// A party ends the ODR window early.
    Escalate,
}

/// Whether a handler is a party to a case: its complainant, or staff of
/// the merchant complained about. A party must not handle it.
pub fn conflicted(
    handler: Uuid,
    handler_merchants: &[Uuid],
    complainant: Uuid,
    respondent_merchant: Option<Uuid>,
) -> bool {
    handler == complainant || respondent_merchant.is_some_and(|m| handler_merchants.contains(&m))
}

/// Whether `action` may happen in `status`.
pub fn allowed(action: Action, status: Status, paused: bool) -> bool {
    use Status::*;
    match action {
        Action::Accept | Action::Reject => status == Submitted,
        Action::Transfer => matches!(status, Submitted | MerchantWindow),
        Action::Assign => matches!(status, Submitted | MerchantWindow | Accepted),
        Action::Close => status == Accepted,
        Action::Pause => status == Accepted && !paused,
        Action::Resume => status == Accepted && paused,
        Action::Withdraw | Action::MerchantResponse | Action::Settlement => {
            matches!(status, Submitted | MerchantWindow | Accepted)
        }
        Action::Rate => status == Closed,
        Action::Escalate => status == MerchantWindow,
    }
}

/// Grounds for not accepting (不予受理), SAMR Order 20 art. 15.
pub const REJECT_REASONS: [&str; 6] = [
    "not_jurisdiction",
    "handled_elsewhere",
    "not_consumer_dispute",
    "over_three_years",
    "materials_missing",
    "identity_refused",
];

/// Grounds for terminating mediation (FACTS §2): withdrawal or settlement
/// by the parties, a party refusing or absent, no agreement possible, a
/// rejection ground found later, or the time limit reached.
pub const TERMINATION_REASONS: [&str; 6] = [
    "withdrawn_or_settled",
    "party_refused",
    "party_absent",
    "no_agreement",
    "rejection_ground_found",
    "time_limit_reached",
];

/// Dates stand in for "no deadline running" so that the queue sorts in SQL.
pub const NO_DEADLINE: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(d) => d,
    None => panic!("9999-12-31 is a date"),
};

/// `张三` → `张*`, `欧阳娜娜` → `欧***`.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => {
            let rest = chars.count().max(1);
            format!("{first}{}", "*".repeat(rest))
        }
        None => String::new(),
    }
}

/// Keeps an address down to its district (区 or 县): `重庆市渝中区民族路168号`
/// → `重庆市渝中区****`. An address that names no district keeps nothing.
pub fn mask_address(address: &str) -> String {
    let kept: String = match address
        .char_indices()
        .find(|(_, c)| matches!(c, '区' | '县'))
    {
        Some((at, c)) => address[..at + c.len_utf8()].to_owned(),
        None => String::new(),
    };
    format!("{kept}****")
}

/// Titles that say the same thing: equal once spaces and punctuation are
/// gone, one inside the other, or sharing most character pairs.
pub fn similar_titles(a: &str, b: &str) -> bool {
    let norm = |s: &str| -> Vec<char> {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let (a, b) = (norm(a), norm(b));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let (sa, sb): (String, String) = (a.iter().collect(), b.iter().collect());
    if sa == sb || (a.len() >= 4 && sb.contains(&sa)) || (b.len() >= 4 && sa.contains(&sb)) {
        return true;
    }
    let pairs = |v: &[char]| -> std::collections::HashSet<(char, char)> {
        v.windows(2).map(|w| (w[0], w[1])).collect()
    };
    let (pa, pb) = (pairs(&a), pairs(&b));
    if pa.is_empty() || pb.is_empty() {
        return false;
    }
    let common = pa.intersection(&pb).count() as f64;
    let union = pa.union(&pb).count() as f64;
    common / union >= 0.5
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parties_to_a_case_are_conflicted() {
        let (handler, other, merchant) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        assert!(conflicted(handler, &[], handler, None));
        assert!(conflicted(handler, &[merchant], other, Some(merchant)));
        assert!(!conflicted(
            handler,
            &[merchant],
            other,
            Some(Uuid::now_v7())
        ));
        assert!(!conflicted(handler, &[], other, None));
    }

    #[test]
    fn transitions_follow_the_state_machine() {
        assert!(allowed(Action::Accept, Status::Submitted, false));
        assert!(!allowed(Action::Accept, Status::MerchantWindow, false));
        assert!(!allowed(Action::Accept, Status::Accepted, false));
        assert!(allowed(Action::Close, Status::Accepted, false));
        assert!(!allowed(Action::Close, Status::Submitted, false));
        assert!(allowed(Action::Withdraw, Status::MerchantWindow, false));
        for done in [Status::Rejected, Status::Closed, Status::Withdrawn] {
            assert!(!allowed(Action::Withdraw, done, false));
            assert!(!allowed(Action::MerchantResponse, done, false));
            assert!(done.is_final());
        }
        assert!(allowed(Action::Rate, Status::Closed, false));
        assert!(!allowed(Action::Rate, Status::Rejected, false));
        assert!(allowed(Action::Pause, Status::Accepted, false));
        assert!(!allowed(Action::Pause, Status::Accepted, true));
        assert!(allowed(Action::Escalate, Status::MerchantWindow, false));
        assert!(!allowed(Action::Escalate, Status::Submitted, false));
        assert!(allowed(Action::Resume, Status::Accepted, true));
        for s in Status::all() {
            assert_eq!(Status::parse(&s.to_value()), Some(s));
            assert!(s.label().chars().count() <= 5);
            assert_eq!(Status::open().contains(&s), !s.is_final());
        }
    }

    #[test]
    fn names_and_addresses_are_masked() {
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳娜娜"), "欧***");
        assert_eq!(mask_name("李"), "李*");
        assert_eq!(mask_address("重庆市渝中区民族路168号"), "重庆市渝中区****");
        assert_eq!(mask_address("渝中区民族路168号"), "渝中区****");
        assert_eq!(
            mask_address("石柱土家族自治县南宾街道"),
            "石柱土家族自治县****"
        );
        assert_eq!(mask_address("解放碑步行街8号"), "****");
    }

    #[test]
    fn similar_titles_are_spotted() {
        assert!(similar_titles("火锅店拒绝退押金", "火锅店拒绝退押金！"));
        assert!(similar_titles("拒绝退押金", "火锅店拒绝退押金"));
        assert!(similar_titles("购买的冰箱不制冷", "购买的冰箱不制冷了"));
        assert!(!similar_titles("冰箱不制冷", "理发价格欺诈"));
        assert!(!similar_titles("", "x"));
    }
}
