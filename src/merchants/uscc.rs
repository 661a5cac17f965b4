//! The 18-character unified social credit code (统一社会信用代码) of
//! GB 32100-2015, checked by its mod-31 check character.

/// The 31 characters the standard uses: digits and capitals without I, O, S, V, Z.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

fn value_of(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|a| *a == c).map(|p| p as u32)
}

/// The check character for the first 17 characters, if they are all valid.
pub fn check_character(first17: &[u8]) -> Option<u8> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (c, w) in first17.iter().zip(WEIGHTS) {
        sum += value_of(*c)? * w;
    }
    Some(ALPHABET[((31 - sum % 31) % 31) as usize])
}

/// Length, alphabet, the 6-digit division code in positions 3–8, and the
/// check character. Lower-case letters are not accepted: the code is printed
/// in capitals on every licence, so callers upper-case input first.
pub fn is_valid(code: &str) -> bool {
    let bytes = code.as_bytes();
    bytes.len() == 18
        && bytes[2..8].iter().all(u8::is_ascii_digit)
        && check_character(&bytes[..17]) == Some(bytes[17])
}

pub fn validate(code: &str) -> Result<(), validator::ValidationError> {
    if is_valid(code) {
        Ok(())
    } else {
        Err(validator::ValidationError::new("uscc_checksum"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_codes_pass() {
        assert!(is_valid("91350100M000100Y43"));
        assert!(is_valid("91110000802100433B"));
    }

    #[test]
    fn a_changed_character_fails() {
        assert!(!is_valid("91350100M000100Y44"));
        assert!(!is_valid("91350100M000101Y43"));
        assert!(!is_valid("91110000802100433b"));
    }

    #[test]
    fn wrong_length_and_alphabet_fail() {
        assert!(!is_valid("91350100M000100Y4"));
        assert!(!is_valid("91350100M000100Y433"));
        // `I`, `O`, `S`, `V`, `Z` are not in the alphabet.
        assert!(!is_valid("91350100MO00100Y43"));
        assert!(!is_valid(""));
        assert!(!is_valid("九1350100M000100Y4"));
    }

    #[test]
    fn the_check_character_is_computed() {
        assert_eq!(check_character(b"91500103MA60YH001"), Some(b'4'));
        assert_eq!(check_character(b"short"), None);
    }
}
