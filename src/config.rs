//! Typed configuration from environment variables. The variable names are a
//! contract with deployment tooling; see README.md for the full list.

use std::fmt;
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
    pub workers: Option<usize>,
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
    /// Mediation limit: 45 working days after acceptance (Order 20), or 60
    /// calendar days (Order 121) when `YUHUI_MEDIATION_RULE=order121`.
    pub mediation_calendar_days: Option<u32>,
    /// Merchants with fewer complaints in the period stay out of rankings.
    pub disclosure_min_cases: u64,
    /// Where evidence photos are stored (by content hash).
    pub upload_dir: std::path::PathBuf,
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
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };

        let environment = match get("YUHUI_ENV").as_deref() {
            None | Some("development") | Some("dev") => Environment::Development,
            Some("production") | Some("prod") => Environment::Production,
            Some(other) => {
                return Err(ConfigError(format!(
                    "YUHUI_ENV must be `development` or `production`, not `{other}`"
                )));
            }
        };
        let production = environment == Environment::Production;

        let dev_login = match get("YUHUI_DEV_LOGIN") {
            None => !production,
            Some(v) => parse_bool("YUHUI_DEV_LOGIN", &v)?,
        };
        if production && dev_login {
            return Err(ConfigError(
                "YUHUI_DEV_LOGIN is on in production: dev login lets anyone act as any user; \
                 unset it or set it to false"
                    .into(),
            ));
        }

        let jwt_secret = match get("JWT_SECRET") {
            Some(s) => {
                if production && s.len() < MIN_PRODUCTION_SECRET_LEN {
                    return Err(ConfigError(format!(
                        "JWT_SECRET must be at least {MIN_PRODUCTION_SECRET_LEN} characters in production"
                    )));
                }
                Secret::new(s)
            }
            None if production => {
                return Err(ConfigError(
                    "JWT_SECRET is required in production (at least 32 random characters)".into(),
                ));
            }
            None => Secret::new(DEV_JWT_SECRET),
        };

        let log_format = match get("YUHUI_LOG_FORMAT").as_deref() {
            None if production => LogFormat::Json,
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError(format!(
                    "YUHUI_LOG_FORMAT must be `text` or `json`, not `{other}`"
                )));
            }
        };

        let sqlite_synchronous_full = match get("YUHUI_SQLITE_SYNCHRONOUS").as_deref() {
            None | Some("full") | Some("FULL") => true,
            Some("normal") | Some("NORMAL") => false,
            Some(other) => {
                return Err(ConfigError(format!(
                    "YUHUI_SQLITE_SYNCHRONOUS must be `full` or `normal`, not `{other}`"
                )));
            }
        };

        let database_url =
            get("DATABASE_URL").unwrap_or_else(|| "sqlite://data/yuhui.db?mode=rwc".to_owned());
        // SQLite connections are threads reading one file: beyond a few, on
        // two cores they mostly wait on each other (a 16-connection pool
        // filed complaints at a third of the rate of a 4-connection one).
        let default_pool = if is_sqlite_url(&database_url) { 4 } else { 16 };
        let circle_enhanced_min_quality =
            parse_in(&get, "YUHUI_CIRCLE_ENHANCED_MIN_QUALITY", 5, 1..=100)?;
        let circle_premium_min_quality =
            parse_in(&get, "YUHUI_CIRCLE_PREMIUM_MIN_QUALITY", 9, 1..=100)?;
        if circle_premium_min_quality < circle_enhanced_min_quality {
            return Err(ConfigError(format!(
                "YUHUI_CIRCLE_PREMIUM_MIN_QUALITY ({circle_premium_min_quality}) must not be below \
                 YUHUI_CIRCLE_ENHANCED_MIN_QUALITY ({circle_enhanced_min_quality})"
            )));
        }
        Ok(Self {
            database_url,
            bind: get("YUHUI_BIND").unwrap_or_else(|| "127.0.0.1:8080".to_owned()),
            environment,
            dev_login,
            jwt_secret,
            token_ttl: Duration::from_secs(
                60 * parse_in::<u64>(&get, "YUHUI_TOKEN_TTL_MINUTES", 24 * 60, 1..=366 * 24 * 60)?,
            ),
            wechat: WechatConfig {
                appid: get("WECHAT_APPID"),
                secret: get("WECHAT_SECRET").map(Secret::new),
                api_base: get("WECHAT_API_BASE")
                    .unwrap_or_else(|| "https://api.weixin.qq.com".to_owned())
                    .trim_end_matches('/')
                    .to_owned(),
                timeout: Duration::from_millis(parse_in(
                    &get,
                    "WECHAT_TIMEOUT_MS",
                    5_000,
                    100..=60_000,
                )?),
            },
            login_rate_per_minute: parse_in(&get, "YUHUI_LOGIN_RATE_LIMIT", 30, 1..=u32::MAX)?,
            trust_forwarded_for: match get("YUHUI_TRUST_FORWARDED_FOR") {
                None => false,
                Some(v) => parse_bool("YUHUI_TRUST_FORWARDED_FOR", &v)?,
            },
            workers: match get("YUHUI_WORKERS") {
                None => None,
                Some(_) => Some(parse_in(&get, "YUHUI_WORKERS", 1, 1..=512)?),
            },
            db_max_connections: parse_in(
                &get,
                "YUHUI_DB_MAX_CONNECTIONS",
                default_pool,
                1..=1_000,
            )?,
            sqlite_synchronous_full,
            seed_on_empty: match get("YUHUI_SEED_ON_START") {
                None => true,
                Some(v) => parse_bool("YUHUI_SEED_ON_START", &v)?,
            },
            json_limit_bytes: parse_in(
                &get,
                "YUHUI_JSON_LIMIT_BYTES",
                64 * 1024,
                1_024..=16 * 1024 * 1024,
            )?,
            log_format,
            walking: crate::geo::walking::WalkingModel {
                detour_factor: parse_in(&get, "YUHUI_WALK_DETOUR_FACTOR", 1.36, 1.0..=3.0)?,
                standard_m_per_min: parse_in(
                    &get,
                    "YUHUI_WALK_SPEED_M_PER_MIN",
                    75.0,
                    10.0..=200.0,
                )?,
                elderly_m_per_min: parse_in(
                    &get,
                    "YUHUI_WALK_SPEED_ELDERLY_M_PER_MIN",
                    55.0,
                    10.0..=200.0,
                )?,
            },
            circle_enhanced_min_quality,
            circle_premium_min_quality,
            index_poll_interval: Duration::from_millis(parse_in(
                &get,
                "YUHUI_INDEX_POLL_MS",
                1000,
                10..=3_600_000,
            )?),
            outbox_poll_interval: Duration::from_millis(parse_in(
                &get,
                "YUHUI_OUTBOX_POLL_MS",
                1000,
                10..=3_600_000,
            )?),
            outbox_retry_base: Duration::from_millis(parse_in(
                &get,
                "YUHUI_OUTBOX_RETRY_BASE_MS",
                2000,
                10..=3_600_000,
            )?),
            voucher_expiry_interval: Duration::from_secs(parse_in(
                &get,
                "YUHUI_VOUCHER_EXPIRY_SECS",
                60,
                1..=86_400,
            )?),
            complaint_template_id: get("WECHAT_TEMPLATE_COMPLAINT")
                .unwrap_or_else(|| "complaint-progress".to_owned()),
            trade_in_template_id: get("WECHAT_TEMPLATE_TRADE_IN")
                .unwrap_or_else(|| "trade-in-review".to_owned()),
            complaint_rate_per_hour: parse_in(
                &get,
                "YUHUI_COMPLAINT_RATE_PER_HOUR",
                20,
                1..=u32::MAX,
            )?,
            mediation_calendar_days: match get("YUHUI_MEDIATION_RULE").as_deref() {
                None | Some("order20") => None,
                Some("order121") => Some(60),
                Some(other) => {
                    return Err(ConfigError(format!(
                        "YUHUI_MEDIATION_RULE must be `order20` or `order121`, not `{other}`"
                    )));
                }
            },
            disclosure_min_cases: parse_in(&get, "YUHUI_DISCLOSURE_MIN_CASES", 3, 1..=1_000_000)?,
            upload_dir: get("YUHUI_UPLOAD_DIR")
                .unwrap_or_else(|| "data/uploads".to_owned())
                .into(),
        })
    }

    pub fn is_production(&self) -> bool {
        self.environment == Environment::Production
    }

    pub fn is_sqlite(&self) -> bool {
        is_sqlite_url(&self.database_url)
    }
}

fn parse_bool(name: &str, value: &str) -> Result<bool, ConfigError> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "on" | "yes" => Ok(true),
        "0" | "false" | "off" | "no" => Ok(false),
        _ => Err(ConfigError(format!(
            "{name} must be true or false, not `{value}`"
        ))),
    }
}

fn parse_num<T: FromStr>(
    get: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: T,
) -> Result<T, ConfigError> {
    match get(name) {
        None => Ok(default),
        Some(v) => v
            .parse()
            .map_err(|_| ConfigError(format!("{name} must be a number, not `{v}`"))),
    }
}

/// A number within `range`; a value outside it stops the start with a
/// message naming the variable (a zero interval would spin, a zero batch
/// would never write, a negative rate makes no sense).
fn parse_in<T>(
    get: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<T, ConfigError>
where
    T: FromStr + PartialOrd + fmt::Display,
{
    let value = parse_num(get, name, default)?;
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
        ])
        .unwrap();
        assert!(!ok.dev_login);
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
