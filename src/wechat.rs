//! A thin client for the WeChat server APIs we use (FACTS.md §7). WeChat
//! reports errors as HTTP 200 with `errcode`; this client turns them into
//! `WechatError` so callers never parse that convention themselves.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::config::{Secret, WechatConfig};
use crate::error::{AppError, codes};

/// errcodes meaning the access token is invalid or expired: refresh once, retry once.
const TOKEN_ERRORS: [i64; 3] = [40001, 40014, 42001];
/// Refresh this long before WeChat says the token expires.
const TOKEN_MARGIN: Duration = Duration::from_secs(300);

#[derive(Debug, Clone, thiserror::Error)]
pub enum WechatError {
    #[error("WeChat credentials are not configured")]
    NotConfigured,
    #[error("WeChat answered errcode {errcode}: {errmsg}")]
    Api { errcode: i64, errmsg: String },
    #[error("WeChat unreachable: {0}")]
    Unavailable(String),
}

impl WechatError {
    pub fn errcode(&self) -> Option<i64> {
        match self {
            Self::Api { errcode, .. } => Some(*errcode),
            _ => None,
        }
    }
}

impl From<WechatError> for AppError {
    fn from(err: WechatError) -> Self {
        match &err {
            WechatError::NotConfigured => AppError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                codes::WECHAT_NOT_CONFIGURED,
                "微信接口未配置",
            ),
            WechatError::Unavailable(reason) => {
                tracing::warn!(%reason, "WeChat unavailable");
                AppError::new(
                    StatusCode::BAD_GATEWAY,
                    codes::UPSTREAM_UNAVAILABLE,
                    "微信服务暂时不可用，请稍后再试",
                )
            }
            WechatError::Api { errcode, errmsg } => match errcode {
                40029 | 40163 => AppError::new(
                    StatusCode::UNAUTHORIZED,
                    codes::WECHAT_CODE_INVALID,
                    "微信登录凭证无效或已使用，请重新获取",
                ),
                40226 => AppError::new(
                    StatusCode::FORBIDDEN,
                    codes::WECHAT_USER_BLOCKED,
                    "该微信用户已被限制登录",
                ),
                45011 => AppError::rate_limited(60),
                -1 => AppError::new(
                    StatusCode::BAD_GATEWAY,
                    codes::UPSTREAM_UNAVAILABLE,
                    "微信服务繁忙，请稍后再试",
                ),
                _ => {
                    tracing::warn!(errcode, %errmsg, "WeChat error");
                    AppError::new(
                        StatusCode::BAD_GATEWAY,
                        codes::UPSTREAM_ERROR,
                        "微信接口返回错误",
                    )
                    .with_details(json!({ "errcode": errcode }))
                }
            },
        }
    }
}

/// The result of `jscode2session`. Its `session_key` is not even read:
/// Yuhui decrypts nothing with it, and what is not kept cannot leak.
#[derive(Debug, Clone, Deserialize)]
pub struct WechatSession {
    pub openid: String,
    #[serde(default)]
    pub unionid: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PhoneInfo {
    #[serde(rename = "phoneNumber")]
    pub phone_number: String,
    #[serde(rename = "purePhoneNumber")]
    pub pure_phone_number: String,
    #[serde(rename = "countryCode")]
    pub country_code: String,
}

#[derive(Debug, Clone)]
struct CachedToken {
    value: Arc<str>,
    refresh_at: Instant,
}

#[derive(Clone)]
pub struct WechatClient {
    http: reqwest::Client,
    api_base: String,
    credentials: Option<(String, Secret)>,
    /// One entry: the access token, shared by every request of this process.
    token: moka::future::Cache<(), CachedToken>,
}

impl WechatClient {
    pub fn new(config: &WechatConfig) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(3)))
            .build()?;
        let credentials = match (&config.appid, &config.secret) {
            (Some(appid), Some(secret)) => Some((appid.clone(), secret.clone())),
            _ => None,
        };
        Ok(Self {
            http,
            api_base: config.api_base.clone(),
            credentials,
            token: moka::future::Cache::builder().max_capacity(1).build(),
        })
    }

    fn credentials(&self) -> Result<(&str, &Secret), WechatError> {
        self.credentials
            .as_ref()
            .map(|(a, s)| (a.as_str(), s))
            .ok_or(WechatError::NotConfigured)
    }

    /// `GET /sns/jscode2session`: exchanges a `wx.login` code for the openid.
    pub async fn code_to_session(&self, code: &str) -> Result<WechatSession, WechatError> {
        let (appid, secret) = self.credentials()?;
        let request = self
            .http
            .get(format!("{}/sns/jscode2session", self.api_base))
            .query(&[
                ("appid", appid),
                ("secret", secret.expose()),
                ("js_code", code),
                ("grant_type", "authorization_code"),
            ]);
        send(request).await
    }

    /// `POST /wxa/business/getuserphonenumber`: the phone bound to a phone code.
    pub async fn phone_number(&self, code: &str) -> Result<PhoneInfo, WechatError> {
        #[derive(Deserialize)]
        struct Answer {
            phone_info: PhoneInfo,
        }
        let answer: Answer = self
            .with_access_token(|token| {
                let request = self
                    .http
                    .post(format!("{}/wxa/business/getuserphonenumber", self.api_base))
                    .query(&[("access_token", token.as_ref())])
                    .json(&json!({ "code": code }));
                send(request)
            })
            .await?;
        Ok(answer.phone_info)
    }

    /// `POST /cgi-bin/message/subscribe/send`: a subscribe message to one user.
    pub async fn send_subscribe_message(&self, message: &Value) -> Result<(), WechatError> {
        let _: Value = self
            .with_access_token(|token| {
                let request = self
                    .http
                    .post(format!("{}/cgi-bin/message/subscribe/send", self.api_base))
                    .query(&[("access_token", token.as_ref())])
                    .json(message);
                send(request)
            })
            .await?;
        Ok(())
    }

    /// Runs a call with the cached access token; on a token error refreshes the
    /// token once and retries once.
    async fn with_access_token<T, F, Fut>(&self, call: F) -> Result<T, WechatError>
    where
        F: Fn(Arc<str>) -> Fut,
        Fut: Future<Output = Result<T, WechatError>>,
    {
        let token = self.access_token().await?;
        match call(token).await {
            Err(WechatError::Api { errcode, .. }) if TOKEN_ERRORS.contains(&errcode) => {
                self.token.invalidate(&()).await;
                let token = self.access_token().await?;
                call(token).await
            }
            other => other,
        }
    }

    async fn access_token(&self) -> Result<Arc<str>, WechatError> {
        if let Some(cached) = self.token.get(&()).await {
            if Instant::now() < cached.refresh_at {
                return Ok(cached.value);
            }
            self.token.invalidate(&()).await;
        }
        // Concurrent callers share one fetch.
        self.token
            .try_get_with((), self.fetch_token())
            .await
            .map(|t| t.value)
            .map_err(|e| (*e).clone())
    }

    async fn fetch_token(&self) -> Result<CachedToken, WechatError> {
        #[derive(Deserialize)]
        struct Answer {
            access_token: String,
            expires_in: u64,
        }
        let (appid, secret) = self.credentials()?;
        let request = self
            .http
            .post(format!("{}/cgi-bin/stable_token", self.api_base))
            .json(&json!({
                "grant_type": "client_credential",
                "appid": appid,
                "secret": secret.expose(),
                "force_refresh": false,
            }));
        let answer: Answer = send(request).await?;
        let lifetime = Duration::from_secs(answer.expires_in).saturating_sub(TOKEN_MARGIN);
        Ok(CachedToken {
            value: answer.access_token.into(),
            refresh_at: Instant::now() + lifetime,
        })
    }
}

async fn send<T: DeserializeOwned>(request: reqwest::RequestBuilder) -> Result<T, WechatError> {
    let response = request.send().await.map_err(|e| {
        // reqwest puts the URL (with the secret in the query) in its message.
        WechatError::Unavailable(
            if e.is_timeout() {
                "timeout"
            } else {
                "connection failed"
            }
            .into(),
        )
    })?;
    let status = response.status();
    if !status.is_success() {
        return Err(WechatError::Unavailable(format!("HTTP {status}")));
    }
    let body: Value = response
        .json()
        .await
        .map_err(|_| WechatError::Unavailable("unreadable answer".into()))?;
    parse_answer(body)
}

fn parse_answer<T: DeserializeOwned>(body: Value) -> Result<T, WechatError> {
    let errcode = body.get("errcode").and_then(Value::as_i64).unwrap_or(0);
    if errcode != 0 {
        let errmsg = body
            .get("errmsg")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        return Err(WechatError::Api { errcode, errmsg });
    }
    serde_json::from_value(body)
        .map_err(|e| WechatError::Unavailable(format!("unexpected answer: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errcode_zero_or_absent_is_success() {
        let s: WechatSession =
            parse_answer(json!({"openid": "o1", "session_key": "k", "errcode": 0})).unwrap();
        assert_eq!(s.openid, "o1");
        let s: WechatSession = parse_answer(json!({"openid": "o2", "session_key": "k"})).unwrap();
        assert_eq!(s.openid, "o2");
    }

    #[test]
    fn errcodes_become_api_errors() {
        let err =
            parse_answer::<WechatSession>(json!({"errcode": 40029, "errmsg": "invalid code"}))
                .unwrap_err();
        assert_eq!(err.errcode(), Some(40029));
        let app: AppError = err.into();
        assert_eq!(app.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(app.code(), codes::WECHAT_CODE_INVALID);
    }

    #[test]
    fn rate_limit_and_busy_map_to_429_and_502() {
        let rate: AppError = WechatError::Api {
            errcode: 45011,
            errmsg: String::new(),
        }
        .into();
        assert_eq!(rate.status(), StatusCode::TOO_MANY_REQUESTS);
        let busy: AppError = WechatError::Api {
            errcode: -1,
            errmsg: String::new(),
        }
        .into();
        assert_eq!(busy.code(), codes::UPSTREAM_UNAVAILABLE);
    }
}
