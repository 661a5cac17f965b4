//! HS256 session tokens. Small enough to keep in plain view: the header is
//! fixed (no algorithm negotiation, so `alg: none` tricks cannot apply) and the
//! signature is compared in constant time by `hmac`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;

const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    pub iat: i64,
    pub exp: i64,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("malformed token")]
    Malformed,
    #[error("bad signature")]
    BadSignature,
    #[error("expired")]
    Expired,
}

#[derive(Clone)]
pub struct TokenKeys {
    secret: Vec<u8>,
}

impl TokenKeys {
    pub fn new(secret: &str) -> Self {
        Self {
            secret: secret.as_bytes().to_vec(),
        }
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC takes keys of any length, so this cannot fail.
        match <Hmac<Sha256> as KeyInit>::new_from_slice(&self.secret) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC accepts any key length"),
        }
    }

    pub fn issue(
        &self,
        user_id: Uuid,
        now: DateTime<Utc>,
        ttl: std::time::Duration,
    ) -> (String, DateTime<Utc>) {
        let ttl = chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::hours(24));
        let expires_at = now + ttl;
        let claims = Claims {
            sub: user_id,
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
        };
        let payload = serde_json::to_vec(&claims).unwrap_or_default();
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(HEADER),
            URL_SAFE_NO_PAD.encode(payload)
        );
        let mut mac = self.mac();
        mac.update(signing_input.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        (format!("{signing_input}.{signature}"), expires_at)
    }

    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, TokenError> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        if header != URL_SAFE_NO_PAD.encode(HEADER) {
            return Err(TokenError::Malformed);
        }
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| TokenError::Malformed)?;
        let mut mac = self.mac();
        mac.update(header.as_bytes());
        mac.update(b".");
        mac.update(payload.as_bytes());
        mac.verify_slice(&signature)
            .map_err(|_| TokenError::BadSignature)?;
        let payload = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| TokenError::Malformed)?;
        let claims: Claims = serde_json::from_slice(&payload).map_err(|_| TokenError::Malformed)?;
        if claims.exp <= now.timestamp() {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use std::time::Duration;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 27, 8, 0, 0).unwrap()
    }

    #[test]
    fn issued_tokens_verify_until_they_expire() {
        let keys = TokenKeys::new("k");
        let user = Uuid::now_v7();
        let (token, expires_at) = keys.issue(user, now(), Duration::from_secs(3600));
        assert_eq!(expires_at, now() + chrono::Duration::hours(1));
        assert_eq!(keys.verify(&token, now()).unwrap().sub, user);
        assert_eq!(
            keys.verify(&token, now() + chrono::Duration::hours(1)),
            Err(TokenError::Expired)
        );
    }

    #[test]
    fn tampered_or_foreign_tokens_fail() {
        let keys = TokenKeys::new("k");
        let (token, _) = keys.issue(Uuid::now_v7(), now(), Duration::from_secs(3600));
        assert_eq!(
            TokenKeys::new("other").verify(&token, now()),
            Err(TokenError::BadSignature)
        );
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(format!(
            r#"{{"sub":"{}","iat":0,"exp":9999999999}}"#,
            Uuid::now_v7()
        ));
        parts[1] = &forged;
        assert_eq!(
            keys.verify(&parts.join("."), now()),
            Err(TokenError::BadSignature)
        );
        assert_eq!(keys.verify("a.b", now()), Err(TokenError::Malformed));
    }

    #[test]
    fn alg_none_is_refused() {
        let keys = TokenKeys::new("k");
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(format!(
            r#"{{"sub":"{}","iat":0,"exp":9999999999}}"#,
            Uuid::now_v7()
        ));
        assert_eq!(
            keys.verify(&format!("{header}.{payload}."), now()),
            Err(TokenError::Malformed)
        );
    }
}
