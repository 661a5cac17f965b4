//! The one error type of the API. Every failure a client can see leaves here as
//! `{"code", "message", "details"}` with a stable snake_case code; causes that
//! are ours (database down, a bug) are logged with their chain and shown only
//! as `internal_error`.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use sea_orm::{DbErr, SqlErr};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// Stable error codes. Clients branch on these, so they never change meaning.
pub mod codes {
    pub const BAD_REQUEST: &str = "bad_request";
    pub const VALIDATION_FAILED: &str = "validation_failed";
    pub const UNAUTHORIZED: &str = "unauthorized";
    pub const FORBIDDEN: &str = "forbidden";
    pub const CONFLICT_OF_INTEREST: &str = "conflict_of_interest";
    pub const NOT_FOUND: &str = "not_found";
    pub const METHOD_NOT_ALLOWED: &str = "method_not_allowed";
    pub const CONFLICT: &str = "conflict";
    pub const INVALID_TRANSITION: &str = "invalid_transition";
    pub const USCC_TAKEN: &str = "uscc_taken";
    pub const PAYLOAD_TOO_LARGE: &str = "payload_too_large";
    pub const UNSUPPORTED_MEDIA_TYPE: &str = "unsupported_media_type";
    pub const RATE_LIMITED: &str = "rate_limited";
    pub const WECHAT_CODE_INVALID: &str = "wechat_code_invalid";
    pub const WECHAT_USER_BLOCKED: &str = "wechat_user_blocked";
    pub const WECHAT_NOT_CONFIGURED: &str = "wechat_not_configured";
    pub const UPSTREAM_UNAVAILABLE: &str = "upstream_unavailable";
    pub const UPSTREAM_ERROR: &str = "upstream_error";
    pub const NOT_READY: &str = "not_ready";
    pub const DRAINING: &str = "draining";
    pub const INTERNAL: &str = "internal_error";
}

/// The error body every endpoint returns on failure.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable snake_case code, e.g. `validation_failed`.
    pub code: Cow<'static, str>,
    /// Human-readable text in zh-CN.
    pub message: Cow<'static, str>,
    /// Extra facts; for `validation_failed` it holds `fields: {name: [reason]}`.
    #[schema(value_type = Object)]
    pub details: Value,
}

/// Reasons per field, as `details.fields` of a 422.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

#[derive(Debug)]
pub struct AppError {
    status: StatusCode,
    code: &'static str,
    message: Cow<'static, str>,
    details: Value,
    retry_after_secs: Option<u64>,
    /// Our own failure behind a 5xx; logged, never sent.
    cause: Option<Box<dyn std::error::Error + Send + Sync>>,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: Value::Object(Default::default()),
            retry_after_secs: None,
            cause: None,
        }
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }

    pub fn bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, codes::BAD_REQUEST, message)
    }

    pub fn unauthorized(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, codes::UNAUTHORIZED, message)
    }

    pub fn forbidden(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::FORBIDDEN, codes::FORBIDDEN, message)
    }

    pub fn not_found(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::NOT_FOUND, codes::NOT_FOUND, message)
    }

    pub fn conflict(code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    pub fn invalid_transition(message: impl Into<Cow<'static, str>>) -> Self {
        Self::conflict(codes::INVALID_TRANSITION, message)
    }

    pub fn rate_limited(retry_after_secs: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            codes::RATE_LIMITED,
            "请求过于频繁，请稍后再试",
        );
        e.retry_after_secs = Some(retry_after_secs);
        e.details = serde_json::json!({ "retry_after_secs": retry_after_secs });
        e
    }

    /// 422 with reasons per field.
    pub fn validation(fields: FieldErrors) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::VALIDATION_FAILED,
            "提交的内容未通过校验",
        )
        .with_details(serde_json::json!({ "fields": fields }))
    }

    /// 422 for one field with one reason.
    pub fn invalid_field(field: &str, reason: &str) -> Self {
        let mut fields = FieldErrors::new();
        fields.insert(field.to_owned(), vec![reason.to_owned()]);
        Self::validation(fields)
    }

    /// A failure of ours: the client sees `internal_error`, the log sees the cause.
    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        let mut e = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::INTERNAL,
            "服务器内部错误",
        );
        e.cause = Some(cause.into());
        e
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The same answer for another waiting request (one failure answering a
    /// whole batch). The cause is not copied: it is logged with the first.
    pub fn clone_for_reply(&self) -> Self {
        let mut copy = Self::new(self.status, self.code, self.message.clone())
            .with_details(self.details.clone());
        copy.retry_after_secs = self.retry_after_secs;
        if let Some(cause) = &self.cause {
            copy.cause = Some(cause.to_string().into());
        }
        copy
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.status.as_u16(),
            self.code,
            self.message
        )?;
        if let Some(cause) = &self.cause {
            write!(f, ": {cause}")?;
            let mut source = cause.source();
            while let Some(s) = source {
                write!(f, ": {s}")?;
                source = s.source();
            }
        }
        Ok(())
    }
}

impl std::error::Error for AppError {}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        if self.code == codes::DRAINING {
            // A stopping instance saying so to its load balancer: expected.
            tracing::info!("readiness answered: draining");
        } else if self.status.is_server_error() {
            // Runs inside the request span, so the log line carries the request id.
            tracing::error!(error = %self, "request failed");
        }
        let mut response = HttpResponse::build(self.status);
        if let Some(secs) = self.retry_after_secs
            && let Ok(value) = HeaderValue::from_str(&secs.to_string())
        {
            response.insert_header((header::RETRY_AFTER, value));
        }
        response.json(ErrorBody {
            code: Cow::Borrowed(self.code),
            message: self.message.clone(),
            details: self.details.clone(),
        })
    }
}

impl From<DbErr> for AppError {
    /// Constraint violations that a service did not map to a precise code
    /// still come out as 409 / 422, never 500.
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                Self::conflict(codes::CONFLICT, "记录已存在，与现有数据冲突")
            }
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                codes::VALIDATION_FAILED,
                "引用的对象不存在",
            ),
            _ => Self::internal(err),
        }
    }
}

impl From<validator::ValidationErrors> for AppError {
    fn from(errors: validator::ValidationErrors) -> Self {
        let mut fields = FieldErrors::new();
        collect_validation_errors(&errors, "", &mut fields);
        Self::validation(fields)
    }
}

fn collect_validation_errors(
    errors: &validator::ValidationErrors,
    prefix: &str,
    out: &mut FieldErrors,
) {
    use validator::ValidationErrorsKind;
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                let reasons = out.entry(path).or_default();
                for e in list {
                    reasons.push(e.code.to_string());
                }
            }
            ValidationErrorsKind::Struct(inner) => collect_validation_errors(inner, &path, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    collect_validation_errors(inner, &format!("{path}[{index}]"), out);
                }
            }
        }
    }
}

/// Whether a database error is the violation of the named unique index.
/// Both SQLite and PostgreSQL put the index (or its columns) in the message,
/// so services match on the index name or the column.
pub fn is_unique_violation(err: &DbErr, needle: &str) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(msg)) if msg.contains(needle))
}

#[cfg(test)]
mod tests {
    use super::*;
    use validator::Validate;

    #[derive(Validate)]
    struct Inner {
        #[validate(range(min = 1))]
        n: i32,
    }

    #[derive(Validate)]
    struct Outer {
        #[validate(length(min = 2))]
        name: String,
        #[validate(nested)]
        inner: Inner,
    }

    #[test]
    fn validation_errors_flatten_to_dotted_fields() {
        let value = Outer {
            name: "a".into(),
            inner: Inner { n: 0 },
        };
        let err: AppError = value.validate().unwrap_err().into();
        assert_eq!(err.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let fields = &err.details["fields"];
        assert_eq!(fields["name"][0], "length");
        assert_eq!(fields["inner.n"][0], "range");
    }

    #[test]
    fn internal_errors_hide_the_cause_from_the_body() {
        let err = AppError::internal(std::io::Error::other("disk on fire"));
        assert_eq!(err.code(), codes::INTERNAL);
        assert!(err.to_string().contains("disk on fire"));
        assert!(!err.message.contains("disk"));
    }
}
