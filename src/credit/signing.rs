//! 一企一码: a merchant's code is `YHC1.<claims>.<signature>`, the claims
//! base64url JSON and the signature Ed25519 over `YHC1.<claims>` (the
//! ASCII bytes), so anyone holding the public keys (`GET /credit/keys`) can
//! check a code offline. Several keys at once for rotation: new codes are
//! signed with the newest, older ones verify while their key is listed.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

pub const PREFIX: &str = "YHC1";

/// What a code says. Nothing about anyone but the merchant.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct CodeClaims {
    pub merchant_id: Uuid,
    pub uscc: String,
    pub name: String,
    pub grade: String,
    pub score: i32,
    pub rules_version: String,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub kid: String,
}

/// Why a code does not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Invalid {
    Malformed,
    UnknownKey,
    BadSignature,
    Expired,
}

pub struct RingKey {
    pub kid: String,
    key: SigningKey,
    /// Codes signed with this key stop verifying after this.
    pub not_after: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicKey {
    pub kid: String,
    /// Always `EdDSA`.
    pub alg: String,
    /// Always `Ed25519`.
    pub crv: String,
    /// The 32-byte public key, base64url without padding.
    pub x: String,
    pub not_after: Option<DateTime<Utc>>,
}

/// The keys of this deployment, newest last.
pub struct KeyRing {
    keys: Vec<RingKey>,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct KeySpecError(pub String);

impl KeyRing {
    /// Parses `kid=SEED[@NOT_AFTER],…`: SEED the 32-byte Ed25519 secret
    /// seed in base64url, NOT_AFTER an RFC 3339 time; newest last.
    pub fn parse(spec: &str) -> Result<Self, KeySpecError> {
        let mut keys = Vec::new();
        for entry in spec.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (kid, rest) = entry
                .split_once('=')
                .ok_or_else(|| KeySpecError(format!("`{entry}` is not kid=SEED")))?;
            let (seed, not_after) = match rest.split_once('@') {
                Some((seed, at)) => {
                    let at = DateTime::parse_from_rfc3339(at)
                        .map_err(|e| KeySpecError(format!("key {kid}: not_after: {e}")))?;
                    (seed, Some(at.with_timezone(&Utc)))
                }
                None => (rest, None),
            };
            let kid = kid.trim();
            if kid.is_empty() || kid.len() > 40 || keys.iter().any(|k: &RingKey| k.kid == kid) {
                return Err(KeySpecError(format!(
                    "key id `{kid}` is empty, long or repeated"
                )));
            }
            let bytes: [u8; 32] = B64
                .decode(seed.trim())
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| {
                    KeySpecError(format!("key {kid}: the seed is not 32 bytes of base64url"))
                })?;
            keys.push(RingKey {
                kid: kid.to_owned(),
                key: SigningKey::from_bytes(&bytes),
                not_after,
            });
        }
        if keys.is_empty() {
            return Err(KeySpecError("no signing key".into()));
        }
        Ok(Self { keys })
    }

    /// A new key's spec entry, `kid=SEED`, from 32 random bytes.
    pub fn new_entry(kid: &str) -> Result<String, KeySpecError> {
        let mut seed = [0u8; 32];
        getrandom::getrandom(&mut seed).map_err(|e| KeySpecError(format!("no randomness: {e}")))?;
        Ok(format!("{kid}={}", B64.encode(seed)))
    }

    pub fn newest(&self) -> &RingKey {
        // `parse` refuses an empty ring.
        &self.keys[self.keys.len() - 1]
    }

    pub fn public_keys(&self) -> Vec<PublicKey> {
        self.keys
            .iter()
            .map(|k| PublicKey {
                kid: k.kid.clone(),
                alg: "EdDSA".into(),
                crv: "Ed25519".into(),
                x: B64.encode(k.key.verifying_key().as_bytes()),
                not_after: k.not_after,
            })
            .collect()
    }

    /// The code for `claims` (whose `kid` is set to the newest key's).
    pub fn sign(&self, mut claims: CodeClaims) -> String {
        let key = self.newest();
        claims.kid = key.kid.clone();
        // Claims always serialise (strings, numbers, times).
        let json = serde_json::to_vec(&claims).unwrap_or_default();
        let signed = format!("{PREFIX}.{}", B64.encode(json));
        let signature = key.key.sign(signed.as_bytes());
        format!("{signed}.{}", B64.encode(signature.to_bytes()))
    }

    /// The claims of a genuine, unexpired code.
    pub fn verify(&self, code: &str, now: DateTime<Utc>) -> Result<CodeClaims, Invalid> {
        let mut parts = code.trim().split('.');
        let (Some(PREFIX), Some(body), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Invalid::Malformed);
        };
        let claims: CodeClaims = B64
            .decode(body)
            .ok()
            .and_then(|json| serde_json::from_slice(&json).ok())
            .ok_or(Invalid::Malformed)?;
        let signature = B64
            .decode(signature)
            .ok()
            .and_then(|b| Signature::from_slice(&b).ok())
            .ok_or(Invalid::Malformed)?;
        let key = self
            .keys
            .iter()
            .find(|k| k.kid == claims.kid)
            .ok_or(Invalid::UnknownKey)?;
        let verifying: VerifyingKey = key.key.verifying_key();
        verifying
            .verify(format!("{PREFIX}.{body}").as_bytes(), &signature)
            .map_err(|_| Invalid::BadSignature)?;
        self.in_date(&claims, now)?;
        Ok(claims)
    }

    /// Whether genuine claims are still in date: the code's own expiry and
    /// its key's end.
    pub fn in_date(&self, claims: &CodeClaims, now: DateTime<Utc>) -> Result<(), Invalid> {
        let key = self
            .keys
            .iter()
            .find(|k| k.kid == claims.kid)
            .ok_or(Invalid::UnknownKey)?;
        if now >= claims.expires_at || key.not_after.is_some_and(|t| now >= t) {
            return Err(Invalid::Expired);
        }
        Ok(())
    }
}

/// This deployment's keys: the configured ones; in development without
/// any, one generated on first start and kept in `credit_key_file`, so codes
/// printed yesterday still verify today.
pub fn load_ring(config: &crate::config::Config) -> Result<KeyRing, KeySpecError> {
    if let Some(spec) = &config.credit_signing_keys {
        return KeyRing::parse(spec.expose());
    }
    let path = &config.credit_key_file;
    match std::fs::read_to_string(path) {
        Ok(spec) => KeyRing::parse(&spec),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // Dated, and distinct from other machines' development keys.
            let kid = format!(
                "dev-{}-{}",
                Utc::now().format("%Y%m%d"),
                &Uuid::new_v4().simple().to_string()[..6]
            );
            let entry = KeyRing::new_entry(&kid)?;
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| KeySpecError(format!("{}: {e}", dir.display())))?;
            }
            std::fs::write(path, format!("{entry}\n"))
                .map_err(|e| KeySpecError(format!("{}: {e}", path.display())))?;
            tracing::info!(file = %path.display(), "generated a development key for merchant codes");
            KeyRing::parse(&entry)
        }
        Err(e) => Err(KeySpecError(format!("{}: {e}", path.display()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap()
    }

    fn claims() -> CodeClaims {
        CodeClaims {
            merchant_id: Uuid::nil(),
            uscc: "91500000MA5U000000".into(),
            name: "测试商户".into(),
            grade: "A".into(),
            score: 880,
            rules_version: "shancheng-2026".into(),
            issued_at: now(),
            expires_at: now() + Duration::days(30),
            kid: String::new(),
        }
    }

    fn ring(spec: &str) -> KeyRing {
        KeyRing::parse(spec).unwrap()
    }

    #[test]
    fn a_signed_code_verifies_and_any_change_breaks_it() {
        let keys = ring(&KeyRing::new_entry("k1").unwrap());
        let code = keys.sign(claims());
        let got = keys.verify(&code, now()).unwrap();
        assert_eq!((got.kid.as_str(), got.grade.as_str()), ("k1", "A"));
        // A grade changed in the claims, the signature kept.
        let mut parts: Vec<String> = code.split('.').map(str::to_owned).collect();
        let mut forged = claims();
        forged.grade = "A".into();
        forged.score = 999;
        forged.kid = "k1".into();
        parts[1] = B64.encode(serde_json::to_vec(&forged).unwrap());
        assert_eq!(
            keys.verify(&parts.join("."), now()),
            Err(Invalid::BadSignature)
        );
        assert_eq!(
            keys.verify(&code, now() + Duration::days(30)),
            Err(Invalid::Expired)
        );
        for junk in ["", "YHC1", "YHC1.a.b", "YHC2.x.y", &format!("{code}.more")] {
            assert_eq!(keys.verify(junk, now()), Err(Invalid::Malformed), "{junk}");
        }
        let other = ring(&KeyRing::new_entry("k9").unwrap());
        assert_eq!(other.verify(&code, now()), Err(Invalid::UnknownKey));
    }

    #[test]
    fn after_a_rotation_old_codes_verify_and_new_ones_use_the_new_key() {
        let first = KeyRing::new_entry("k1").unwrap();
        let old = ring(&first).sign(claims());
        let rotated = ring(&format!("{first},{}", KeyRing::new_entry("k2").unwrap()));
        assert!(rotated.verify(&old, now()).is_ok());
        let new = rotated.sign(claims());
        assert_eq!(rotated.verify(&new, now()).unwrap().kid, "k2");
        assert_eq!(rotated.public_keys().len(), 2);
        // A retired key, listed with its end, stops its codes then.
        let retiring = ring(&format!(
            "{first}@2026-12-15T00:00:00Z,{}",
            KeyRing::new_entry("k2").unwrap()
        ));
        assert!(retiring.verify(&old, now()).is_ok());
        assert_eq!(
            retiring.verify(&old, now() + Duration::days(20)),
            Err(Invalid::Expired)
        );
    }

    #[test]
    fn key_specs_are_checked() {
        for bad in ["", "k1", "k1=short", "=AAAA", "k1=@x"] {
            assert!(KeyRing::parse(bad).is_err(), "{bad}");
        }
        let entry = KeyRing::new_entry("k1").unwrap();
        assert!(KeyRing::parse(&format!("{entry},{entry}")).is_err());
    }
}
