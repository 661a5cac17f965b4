//! Checks shared by several domains, as plain functions usable from
//! `#[validate(custom(function = ...))]`.

use validator::ValidationError;

/// Mainland China mobile number: 11 digits starting 13–19.
pub fn is_mainland_mobile(s: &str) -> bool {
    s.len() == 11
        && s.starts_with('1')
        && s.as_bytes()[1].is_ascii_digit()
        && (b'3'..=b'9').contains(&s.as_bytes()[1])
        && s.bytes().all(|b| b.is_ascii_digit())
}

/// A mobile number, or a landline such as `023-63881234` / `02363881234`,
/// or a service hotline like `400-123-4567`.
pub fn is_contact_phone(s: &str) -> bool {
    if is_mainland_mobile(s) {
        return true;
    }
    let digits: String = s.chars().filter(|c| *c != '-').collect();
    let only_digits_and_dashes = s.chars().all(|c| c.is_ascii_digit() || c == '-');
    only_digits_and_dashes
        && !s.starts_with('-')
        && !s.ends_with('-')
        && (digits.starts_with('0') || digits.starts_with("400"))
        && (10..=12).contains(&digits.len())
}

pub fn contact_phone(s: &str) -> Result<(), ValidationError> {
    if is_contact_phone(s) {
        Ok(())
    } else {
        Err(ValidationError::new("phone_format"))
    }
}

/// Text that is not blank once trimmed.
pub fn not_blank(s: &str) -> Result<(), ValidationError> {
    if s.trim().is_empty() {
        Err(ValidationError::new("blank"))
    } else {
        Ok(())
    }
}

/// `138****5678`: what everyone but the owner and case handlers may see.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() < 7 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobile_numbers() {
        assert!(is_mainland_mobile("13812345678"));
        assert!(is_mainland_mobile("19912345678"));
        assert!(!is_mainland_mobile("12812345678"));
        assert!(!is_mainland_mobile("1381234567"));
        assert!(!is_mainland_mobile("1381234567a"));
    }

    #[test]
    fn contact_phones() {
        assert!(is_contact_phone("023-63881234"));
        assert!(is_contact_phone("02363881234"));
        assert!(is_contact_phone("400-123-4567"));
        assert!(is_contact_phone("13812345678"));
        assert!(!is_contact_phone("call me"));
        assert!(!is_contact_phone("-023638812"));
        assert!(!is_contact_phone("123"));
    }

    #[test]
    fn phones_are_masked_in_the_middle() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("123"), "***");
    }
}
