//! Typed configuration from environment variables. The variable names are a
//! contract with deployment tooling; see README.md for the full list.

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;
use std::time::Duration;

/// A secret value: never printed, not even by `{:?}`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Debug)]
pub struct WechatConfig {
    pub appid: Option<String>,
    pub secret: Option<Secret>,
    pub api_base: String,
    pub timeout: Duration,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub bind: String,
    pub environment: Environment,
    pub dev_login: bool,
    pub jwt_secret: Secret,
    pub token_ttl: Duration,
    pub wechat: WechatConfig,
    /// Logins allowed per client IP per minute.
    pub login_rate_per_minute: u32,
    /// Take the client IP from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
    /// How many of our own proxies append to `X-Forwarded-For`.
    pub trusted_proxy_hops: u32,
    /// HTTP worker threads.
    pub workers: usize,
    pub db_max_connections: u32,
    /// SQLite `synchronous=FULL` (default) or `NORMAL`: both survive a process
    /// crash in WAL mode; FULL also survives a power loss.
    pub sqlite_synchronous_full: bool,
    pub seed_on_empty: bool,
    pub json_limit_bytes: usize,
    pub log_format: LogFormat,
    pub walking: crate::geo::walking::WalkingModel,
    /// Quality types within the walk needed for `enhanced` and `premium`.
    pub circle_enhanced_min_quality: usize,
    pub circle_premium_min_quality: usize,
    /// How often each instance pulls other instances' shop changes.
    pub index_poll_interval: Duration,
    /// How long `/ready` answers 503 after SIGTERM before the socket closes.
    pub drain: Duration,
    /// How often the outbox worker looks for due messages.
    pub outbox_poll_interval: Duration,
    /// First retry delay of a failed message; doubles each attempt.
    pub outbox_retry_base: Duration,
    /// How often each instance marks lapsed vouchers expired.
    pub voucher_expiry_interval: Duration,
    /// Subscribe-message template for complaint progress.
    pub complaint_template_id: String,
    /// Subscribe-message template for trade-in review results.
    pub trade_in_template_id: String,
    /// Complaints one user may file per hour (per instance).
    pub complaint_rate_per_hour: u32,
    /// Merchants with fewer complaints in the period stay out of rankings.
    pub disclosure_min_cases: u64,
    /// Where evidence photos are stored (by content hash).
    pub upload_dir: std::path::PathBuf,
    /// Redis for the login and filing limits shared by every instance;
    /// without it each instance counts on its own.
    pub redis_url: Option<String>,
    /// Namespace of this deployment's keys in Redis.
    pub redis_prefix: String,
    /// 一企一码 signing keys, `kid=SEED[@NOT_AFTER],…` newest last
    /// (required in production).
    pub credit_signing_keys: Option<Secret>,
    /// In development without keys: where the generated key is kept.
    pub credit_key_file: std::path::PathBuf,
    /// How long a merchant's printed code stays valid.
    pub credit_code_days: u32,
    /// How often each instance rescores merchants something happened to.
    pub credit_refresh_interval: Duration,
}

/// Development-only signing key, refused in production.
const DEV_JWT_SECRET: &str = "yuhui-development-secret-do-not-use-in-production";
const MIN_PRODUCTION_SECRET_LEN: usize = 32;

#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(pub String);

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Builds the configuration from any variable source (tests pass a map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let vars = Vars(|name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        });
        use Environment::{Development, Production};
        let environment = vars.choice(
            "YUHUI_ENV",
            Development,
            &[
                ("development", Development),
                ("dev", Development),
                ("production", Production),
                ("prod", Production),
            ],
        )?;
        let production = environment == Production;
        let (dev_login, jwt_secret) = login_and_secret(&vars, production)?;
        let default_log = if production {
            LogFormat::Json
        } else {
            LogFormat::Text
        };
        let log_format = vars.choice(
            "YUHUI_LOG_FORMAT",
            default_log,
            &[("text", LogFormat::Text), ("json", LogFormat::Json)],
        )?;
        let sqlite_synchronous_full = vars.choice(
            "YUHUI_SQLITE_SYNCHRONOUS",
            true,
            &[
                ("full", true),
                ("FULL", true),
                ("normal", false),
                ("NORMAL", false),
            ],
        )?;
        let database_url = vars.text("DATABASE_URL", "sqlite://data/yuhui.db?mode=rwc");
        // SQLite connections are threads reading one file: beyond a few, on
        // two cores they mostly wait on each other (a 16-connection pool
        // filed complaints at a third of the rate of a 4-connection one).
        let default_pool = if is_sqlite_url(&database_url) { 4 } else { 16 };
        let (circle_enhanced_min_quality, circle_premium_min_quality) = circle_thresholds(&vars)?;
        const HOUR_MS: u64 = 3_600_000;
        Ok(Self {
            database_url,
            bind: vars.text("YUHUI_BIND", "127.0.0.1:8080"),
            environment,
            dev_login,
            jwt_secret,
            token_ttl: Duration::from_secs(
                60 * vars.number_in("YUHUI_TOKEN_TTL_MINUTES", 24 * 60, 1..=366 * 24 * 60)?,
            ),
            wechat: WechatConfig {
                appid: vars.get("WECHAT_APPID"),
                secret: vars.get("WECHAT_SECRET").map(Secret::new),
                api_base: vars
                    .text("WECHAT_API_BASE", "https://api.weixin.qq.com")
                    .trim_end_matches('/')
                    .to_owned(),
                timeout: vars.millis("WECHAT_TIMEOUT_MS", 5_000, 100..=60_000)?,
            },
            login_rate_per_minute: vars.number_in("YUHUI_LOGIN_RATE_LIMIT", 30, 1..=u32::MAX)?,
            trust_forwarded_for: vars.flag("YUHUI_TRUST_FORWARDED_FOR", false)?,
            trusted_proxy_hops: vars.number_in("YUHUI_TRUSTED_PROXY_HOPS", 1, 1..=10)?,
            workers: vars.number_in("YUHUI_WORKERS", default_workers(), 1..=512)?,
            db_max_connections: vars.number_in(
                "YUHUI_DB_MAX_CONNECTIONS",
                default_pool,
                1..=1_000,
            )?,
            sqlite_synchronous_full,
            seed_on_empty: vars.flag("YUHUI_SEED_ON_START", true)?,
            json_limit_bytes: vars.number_in(
                "YUHUI_JSON_LIMIT_BYTES",
                64 * 1024,
                1_024..=16 << 20,
            )?,
            log_format,
            walking: crate::geo::walking::WalkingModel {
                detour_factor: vars.number_in("YUHUI_WALK_DETOUR_FACTOR", 1.36, 1.0..=3.0)?,
                standard_m_per_min: vars.number_in(
                    "YUHUI_WALK_SPEED_M_PER_MIN",
                    75.0,
                    10.0..=200.0,
                )?,
                elderly_m_per_min: vars.number_in(
                    "YUHUI_WALK_SPEED_ELDERLY_M_PER_MIN",
                    55.0,
                    10.0..=200.0,
                )?,
            },
            circle_enhanced_min_quality,
            circle_premium_min_quality,
            index_poll_interval: vars.millis("YUHUI_INDEX_POLL_MS", 1000, 10..=HOUR_MS)?,
            drain: vars.millis("YUHUI_DRAIN_MS", 2000, 0..=60_000)?,
            outbox_poll_interval: vars.millis("YUHUI_OUTBOX_POLL_MS", 1000, 10..=HOUR_MS)?,
            outbox_retry_base: vars.millis("YUHUI_OUTBOX_RETRY_BASE_MS", 2000, 10..=HOUR_MS)?,
            voucher_expiry_interval: Duration::from_secs(vars.number_in(
                "YUHUI_VOUCHER_EXPIRY_SECS",
                60,
                1..=86_400,
            )?),
            complaint_template_id: vars.text("WECHAT_TEMPLATE_COMPLAINT", "complaint-progress"),
            trade_in_template_id: vars.text("WECHAT_TEMPLATE_TRADE_IN", "trade-in-review"),
            complaint_rate_per_hour: vars.number_in(
                "YUHUI_COMPLAINT_RATE_PER_HOUR",
                20,
                1..=u32::MAX,
            )?,
            disclosure_min_cases: vars.number_in("YUHUI_DISCLOSURE_MIN_CASES", 3, 1..=1_000_000)?,
            upload_dir: vars.text("YUHUI_UPLOAD_DIR", "data/uploads").into(),
            redis_url: vars.get("REDIS_URL"),
            redis_prefix: vars.text("YUHUI_REDIS_PREFIX", "yuhui"),
            credit_signing_keys: credit_signing_keys(&vars, production)?,
            credit_key_file: vars
                .text("YUHUI_CREDIT_KEY_FILE", "data/credit-signing-key")
                .into(),
            credit_code_days: vars.number_in("YUHUI_CREDIT_CODE_DAYS", 30, 1..=366)?,
            credit_refresh_interval: Duration::from_secs(vars.number_in(
                "YUHUI_CREDIT_REFRESH_SECS",
                60,
                1..=86_400,
            )?),
        })
    }

    pub fn is_production(&self) -> bool {
        self.environment == Environment::Production
    }

    pub fn is_sqlite(&self) -> bool {
        is_sqlite_url(&self.database_url)
    }
}

/// The environment's variables, trimmed, empty ones counted as unset.
struct Vars<F: Fn(&str) -> Option<String>>(F);

impl<F: Fn(&str) -> Option<String>> Vars<F> {
    fn get(&self, name: &str) -> Option<String> {
        (self.0)(name)
    }

    fn text(&self, name: &str, default: &str) -> String {
        self.get(name).unwrap_or_else(|| default.to_owned())
    }

    fn flag(&self, name: &str, default: bool) -> Result<bool, ConfigError> {
        let Some(value) = self.get(name) else {
            return Ok(default);
        };
        match value.to_ascii_lowercase().as_str() {
            "1" | "true" | "on" | "yes" => Ok(true),
            "0" | "false" | "off" | "no" => Ok(false),
            _ => Err(ConfigError(format!(
                "{name} must be true or false, not `{value}`"
            ))),
        }
    }

    /// A number within `range`; a value outside it stops the start with a
    /// message naming the variable (a zero interval would spin, a zero
    /// batch would never write, a negative rate makes no sense).
    fn number_in<T>(
        &self,
        name: &str,
        default: T,
        range: RangeInclusive<T>,
    ) -> Result<T, ConfigError>
    where
        T: FromStr + PartialOrd + fmt::Display,
    {
        let value = match self.get(name) {
            None => default,
            Some(v) => v
                .parse()
                .map_err(|_| ConfigError(format!("{name} must be a number, not `{v}`")))?,
        };
        if range.contains(&value) {
            Ok(value)
        } else {
            Err(ConfigError(format!(
                "{name} must be between {} and {}, not {value}",
                range.start(),
                range.end()
            )))
        }
    }

    fn millis(
        &self,
        name: &str,
        default: u64,
        range: RangeInclusive<u64>,
    ) -> Result<Duration, ConfigError> {
        Ok(Duration::from_millis(self.number_in(name, default, range)?))
    }

    /// One of a few words, each standing for a value.
    fn choice<T: Copy>(
        &self,
        name: &str,
        default: T,
        words: &[(&str, T)],
    ) -> Result<T, ConfigError> {
        let Some(given) = self.get(name) else {
            return Ok(default);
        };
        if let Some((_, value)) = words.iter().find(|(word, _)| *word == given) {
            return Ok(*value);
        }
        let mut allowed: Vec<String> = words.iter().map(|(w, _)| format!("`{w}`")).collect();
        allowed.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        Err(ConfigError(format!(
            "{name} must be {}, not `{given}`",
            allowed.join(" or ")
        )))
    }
}

/// The 一企一码 signing keys: checked here so a bad spec stops the start;
/// production must bring its own (a generated key would differ per
/// instance and vanish with the machine).
fn credit_signing_keys<F: Fn(&str) -> Option<String>>(
    vars: &Vars<F>,
    production: bool,
) -> Result<Option<Secret>, ConfigError> {
    match vars.get("YUHUI_CREDIT_SIGNING_KEYS") {
        Some(spec) => {
            crate::credit::signing::KeyRing::parse(&spec)
                .map_err(|e| ConfigError(format!("YUHUI_CREDIT_SIGNING_KEYS: {e}")))?;
            Ok(Some(Secret::new(spec)))
        }
        None if production => Err(ConfigError(
            "YUHUI_CREDIT_SIGNING_KEYS is required in production (kid=SEED, SEED 32 bytes of base64url)"
                .into(),
        )),
        None => Ok(None),
    }
}

/// Whether dev login is on, and the session signing key. Production
/// refuses dev login and needs a long secret of its own.
fn login_and_secret(
    vars: &Vars<impl Fn(&str) -> Option<String>>,
    production: bool,
) -> Result<(bool, Secret), ConfigError> {
    let dev_login = vars.flag("YUHUI_DEV_LOGIN", !production)?;
    if production && dev_login {
        return Err(ConfigError(
            "YUHUI_DEV_LOGIN is on in production: dev login lets anyone act as any user; \
             unset it or set it to false"
                .into(),
        ));
    }
    let secret = match vars.get("JWT_SECRET") {
        Some(s) if production && s.len() < MIN_PRODUCTION_SECRET_LEN => {
            return Err(ConfigError(format!(
                "JWT_SECRET must be at least {MIN_PRODUCTION_SECRET_LEN} characters in production"
            )));
        }
        Some(s) => Secret::new(s),
        None if production => {
            return Err(ConfigError(
                "JWT_SECRET is required in production (at least 32 random characters)".into(),
            ));
        }
        None => Secret::new(DEV_JWT_SECRET),
    };
    Ok((dev_login, secret))
}

/// Quality types needed for `enhanced` and `premium`; premium needs at least as many.
fn circle_thresholds(
    vars: &Vars<impl Fn(&str) -> Option<String>>,
) -> Result<(usize, usize), ConfigError> {
    let enhanced = vars.number_in("YUHUI_CIRCLE_ENHANCED_MIN_QUALITY", 5, 1..=100)?;
    let premium = vars.number_in("YUHUI_CIRCLE_PREMIUM_MIN_QUALITY", 9, 1..=100)?;
    if premium < enhanced {
        return Err(ConfigError(format!(
            "YUHUI_CIRCLE_PREMIUM_MIN_QUALITY ({premium}) must not be below \
             YUHUI_CIRCLE_ENHANCED_MIN_QUALITY ({enhanced})"
        )));
    }
    Ok((enhanced, premium))
}

/// One HTTP worker per core but one: the batch writers, the periodic jobs
/// and (on one machine) the database need a core too. On two cores one
/// worker took 15% more durable claims a second than two (bench/vouchers.sh).
fn default_workers() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get().saturating_sub(1))
        .unwrap_or(1)
        .max(1)
}

fn is_sqlite_url(url: &str) -> bool {
    url.starts_with("sqlite:")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn development_defaults_need_no_configuration() {
        let c = config(&[]).unwrap();
        assert_eq!(c.bind, "127.0.0.1:8080");
        assert!(c.dev_login);
        assert!(c.is_sqlite());
        assert_eq!(c.wechat.api_base, "https://api.weixin.qq.com");
    }

    #[test]
    fn production_refuses_dev_login() {
        let err = config(&[
            ("YUHUI_ENV", "production"),
            ("YUHUI_DEV_LOGIN", "true"),
            ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
        ])
        .unwrap_err();
        assert!(err.0.contains("YUHUI_DEV_LOGIN"));
    }

    #[test]
    fn production_requires_a_long_jwt_secret() {
        let err = config(&[("YUHUI_ENV", "production")]).unwrap_err();
        assert!(err.0.contains("JWT_SECRET"));
        let err = config(&[("YUHUI_ENV", "production"), ("JWT_SECRET", "short")]).unwrap_err();
        assert!(err.0.contains("at least 32"));
        let ok = config(&[
            ("YUHUI_ENV", "production"),
            ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            (
                "YUHUI_CREDIT_SIGNING_KEYS",
                "k1=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            ),
        ])
        .unwrap();
        assert!(!ok.dev_login);
    }

    #[test]
    fn production_requires_its_own_code_signing_keys() {
        let secret = ("JWT_SECRET", "0123456789abcdef0123456789abcdef");
        let err = config(&[("YUHUI_ENV", "production"), secret]).unwrap_err();
        assert!(err.0.contains("YUHUI_CREDIT_SIGNING_KEYS"), "{}", err.0);
        let err = config(&[
            ("YUHUI_ENV", "production"),
            secret,
            ("YUHUI_CREDIT_SIGNING_KEYS", "k1=tooshort"),
        ])
        .unwrap_err();
        assert!(err.0.contains("32 bytes"), "{}", err.0);
        // Development generates one instead.
        assert!(config(&[]).unwrap().credit_signing_keys.is_none());
    }

    #[test]
    fn secrets_are_not_printed() {
        let c = config(&[
            ("JWT_SECRET", "super-secret-value"),
            ("WECHAT_SECRET", "wx-secret"),
        ])
        .unwrap();
        let printed = format!("{c:?}");
        assert!(!printed.contains("super-secret-value"));
        assert!(!printed.contains("wx-secret"));
    }

    #[test]
    fn numbers_out_of_range_are_refused_by_name() {
        for (name, value) in [
            ("YUHUI_INDEX_POLL_MS", "0"),
            ("YUHUI_OUTBOX_POLL_MS", "0"),
            ("YUHUI_VOUCHER_EXPIRY_SECS", "0"),
            ("YUHUI_DB_MAX_CONNECTIONS", "0"),
            ("YUHUI_WORKERS", "0"),
            ("YUHUI_LOGIN_RATE_LIMIT", "0"),
            ("YUHUI_COMPLAINT_RATE_PER_HOUR", "-5"),
            ("YUHUI_WALK_SPEED_M_PER_MIN", "-75"),
            ("YUHUI_WALK_DETOUR_FACTOR", "NaN"),
            ("YUHUI_JSON_LIMIT_BYTES", "10"),
            ("WECHAT_TIMEOUT_MS", "0"),
        ] {
            let err = config(&[(name, value)]).unwrap_err();
            assert!(err.0.contains(name), "{name}={value}: {}", err.0);
        }
        assert_eq!(
            config(&[("YUHUI_INDEX_POLL_MS", "0")]).unwrap_err().0,
            "YUHUI_INDEX_POLL_MS must be between 10 and 3600000, not 0"
        );
        let ok = config(&[("YUHUI_INDEX_POLL_MS", "10"), ("YUHUI_WORKERS", "1")]).unwrap();
        assert_eq!(ok.index_poll_interval, Duration::from_millis(10));
    }

    #[test]
    fn the_premium_circle_needs_at_least_the_enhanced_one() {
        let err = config(&[
            ("YUHUI_CIRCLE_ENHANCED_MIN_QUALITY", "9"),
            ("YUHUI_CIRCLE_PREMIUM_MIN_QUALITY", "5"),
        ])
        .unwrap_err();
        assert!(err.0.contains("YUHUI_CIRCLE_PREMIUM_MIN_QUALITY"));
    }

    #[test]
    fn bad_values_are_reported_by_name() {
        assert!(
            config(&[("YUHUI_ENV", "staging")])
                .unwrap_err()
                .0
                .contains("YUHUI_ENV")
        );
        assert!(
            config(&[("YUHUI_LOGIN_RATE_LIMIT", "many")])
                .unwrap_err()
                .0
                .contains("YUHUI_LOGIN_RATE_LIMIT")
        );
    }
}
