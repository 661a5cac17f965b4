//! Logs and the request middleware: a request id on every log line, metrics
//! for every response, and the API error shape for every error response that
//! did not come from our handlers (unknown methods, framework rejections).

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError, web};
use tracing::Instrument;
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;
use crate::error::{AppError, codes};
use crate::state::AppState;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn"));
    // Colours only on a terminal: in a file they are escape codes, and
    // every request's span fields were styled as it began.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()));
    // A second initialisation (tests, embedding) keeps the first subscriber.
    let _ = match format {
        LogFormat::Json => builder.json().with_current_span(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let started = Instant::now();
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| is_acceptable_request_id(v))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let method = method_label(req.method());
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let span = tracing::info_span!("request", request_id = %request_id, method, path = %req.path());

    let result =
        crate::audit::in_request(request_id.clone(), next.call(req).instrument(span.clone())).await;
    let elapsed = started.elapsed();
    let mut response = match result {
        Ok(response) => response.map_into_boxed_body(),
        Err(err) => {
            if let Some(state) = &state {
                let status = err.as_response_error().status_code().as_u16();
                state
                    .metrics
                    .observe_request(method, "unmatched".into(), status, elapsed);
            }
            return Err(err);
        }
    };

    let status = response.status();
    if status.as_u16() >= 400 && !is_json(response.headers()) {
        let _entered = span.enter();
        response = in_error_shape(response);
    }
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    if let Some(state) = &state {
        let route = state.route_labels.label(response.request());
        state
            .metrics
            .observe_request(method, route, status.as_u16(), elapsed);
    }
    tracing::debug!(parent: &span, status = status.as_u16(), micros = elapsed.as_micros() as u64, "request finished");
    Ok(response)
}

/// The route pattern a request matched, for metrics labels. Asking actix
/// (`match_pattern`) runs the route table's regexes again, which cost a few
/// per cent of a flash sale's CPU; so patterns are remembered by the path's
/// shape, its UUID segments blanked. A UUID never decides which route a path
/// takes, so one shape has one pattern. Paths that match nothing are not
/// remembered, and at most `MAX_SHAPES` are, so random paths cannot grow it.
#[derive(Default)]
pub struct RouteLabels {
    by_shape: std::sync::RwLock<std::collections::HashMap<String, String>>,
}

impl RouteLabels {
    const MAX_SHAPES: usize = 1024;

    pub fn label(&self, req: &actix_web::HttpRequest) -> String {
        let shape = path_shape(req.path());
        let known = self
            .by_shape
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&shape)
            .cloned();
        if let Some(pattern) = known {
            return pattern;
        }
        let Some(pattern) = req.match_pattern() else {
            return "unmatched".to_owned();
        };
        let mut by_shape = self.by_shape.write().unwrap_or_else(|p| p.into_inner());
        if by_shape.len() < Self::MAX_SHAPES {
            by_shape.insert(shape, pattern.clone());
        }
        pattern
    }
}

/// The path with each segment that is a UUID replaced by `{}`.
fn path_shape(path: &str) -> String {
    let mut shape = String::with_capacity(path.len());
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            shape.push('/');
        }
        if segment.len() == 36 && uuid::Uuid::try_parse(segment).is_ok() {
            shape.push_str("{}");
        } else {
            shape.push_str(segment);
        }
    }
    shape
}

fn in_error_shape(response: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let status = response.status();
    let (code, message) = match status {
        StatusCode::BAD_REQUEST => (codes::BAD_REQUEST, "请求格式错误"),
        StatusCode::UNAUTHORIZED => (codes::UNAUTHORIZED, "未登录或登录已失效"),
        StatusCode::FORBIDDEN => (codes::FORBIDDEN, "无权执行此操作"),
        StatusCode::NOT_FOUND => (codes::NOT_FOUND, "请求的资源不存在"),
        StatusCode::METHOD_NOT_ALLOWED => (codes::METHOD_NOT_ALLOWED, "不支持该请求方法"),
        StatusCode::PAYLOAD_TOO_LARGE => (codes::PAYLOAD_TOO_LARGE, "请求内容过大"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (codes::UNSUPPORTED_MEDIA_TYPE, "不支持的内容类型"),
        StatusCode::TOO_MANY_REQUESTS => (codes::RATE_LIMITED, "请求过于频繁，请稍后再试"),
        s if s.is_server_error() => (codes::INTERNAL, "服务器内部错误"),
        _ => (codes::BAD_REQUEST, "请求无法处理"),
    };
    let allow = response.headers().get(header::ALLOW).cloned();
    let (request, _) = response.into_parts();
    let mut replacement = AppError::new(status, code, message).error_response();
    if let Some(allow) = allow {
        replacement.headers_mut().insert(header::ALLOW, allow);
    }
    ServiceResponse::new(request, replacement)
}

fn is_json(headers: &actix_web::http::header::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// Client-supplied ids are echoed in logs, so only short plain tokens pass.
fn is_acceptable_request_id(value: &str) -> bool {
    (8..=64).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

#[cfg(test)]
mod tests {
    use super::{is_acceptable_request_id, path_shape};

    #[test]
    fn uuid_segments_are_blanked_and_nothing_else() {
        assert_eq!(
            path_shape("/api/v1/voucher-campaigns/01936d4a-0000-7000-8000-000000000001/claims"),
            "/api/v1/voucher-campaigns/{}/claims"
        );
        assert_eq!(
            path_shape("/api/v1/admin/calendar/2027"),
            "/api/v1/admin/calendar/2027"
        );
        assert_eq!(
            path_shape("/api/v1/shops/not-a-uuid"),
            "/api/v1/shops/not-a-uuid"
        );
        assert_eq!(path_shape("/"), "/");
    }

    #[test]
    fn request_ids_from_clients_are_screened() {
        assert!(is_acceptable_request_id(
            "0f8fad5b-d9cb-469f-a165-70867728950e"
        ));
        assert!(!is_acceptable_request_id("short"));
        assert!(!is_acceptable_request_id("has spaces and\nnewlines in it"));
    }
}
