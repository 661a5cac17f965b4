use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use uuid::Uuid;
use validator::Validate;

use super::console_sign_in;
use super::dto::{
    ConsoleOptions, ConsoleTicketApproved, ConsoleTicketCreated, ConsoleTicketStatus,
    ConsoleTicketView, DevLoginRequest, LoginResponse, MeView, PhoneBindRequest, SetRolesRequest,
    WechatLoginRequest,
};
use super::extract::{AdminUser, AuthUser};
use super::service::{self, Identity};
use super::user_directory::{self, UserQuery};
use crate::error::{AppError, AppResult, ErrorBody, codes};
use crate::rate_limit::client_ip;
use crate::state::AppState;
use crate::validation::is_mainland_mobile;

async fn limit_logins(identity: &Identity, req: &HttpRequest) -> AppResult<()> {
    let ip = client_ip(req, identity.settings.trusted_proxy_hops);
    identity.login_limiter.hit(&ip).await
}

/// Logs in with a `wx.login` code, creating the user on first login.
#[utoipa::path(
    tag = "identity",
    request_body = WechatLoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 400, description = "malformed body", body = ErrorBody),
        (status = 401, description = "`wechat_code_invalid`", body = ErrorBody),
        (status = 403, description = "`wechat_user_blocked`", body = ErrorBody),
        (status = 422, description = "`validation_failed`", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
        (status = 502, description = "`upstream_unavailable` / `upstream_error`", body = ErrorBody),
        (status = 503, description = "`wechat_not_configured`", body = ErrorBody),
    )
)]
#[post("/auth/wechat/login")]
pub async fn wechat_login(
    state: web::Data<AppState>,
    identity: web::Data<Identity>,
    req: HttpRequest,
    body: web::Json<WechatLoginRequest>,
) -> AppResult<web::Json<LoginResponse>> {
    limit_logins(&identity, &req).await?;
    body.validate()?;
    let session = state.wechat.code_to_session(&body.code).await?;
    Ok(web::Json(
        service::login(&identity, &session.openid, session.unionid).await?,
    ))
}

/// Logs in as any openid without WeChat. Exists only when dev login is on.
#[utoipa::path(
    tag = "identity",
    request_body = DevLoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 404, description = "dev login is disabled", body = ErrorBody),
        (status = 429, body = ErrorBody),
    )
)]
#[post("/auth/dev/login")]
pub async fn dev_login(
    identity: web::Data<Identity>,
    req: HttpRequest,
    body: web::Json<DevLoginRequest>,
) -> AppResult<web::Json<LoginResponse>> {
    if !identity.settings.dev_login {
        return Err(AppError::not_found("请求的资源不存在"));
    }
    limit_logins(&identity, &req).await?;
    body.validate()?;
    Ok(web::Json(
        service::login(&identity, &body.openid, None).await?,
    ))
}

/// The caller's profile, roles, merchants and handler districts.
#[utoipa::path(
    tag = "identity",
    security(("bearer" = [])),
    responses((status = 200, body = MeView))
)]
#[get("/me")]
pub async fn me(identity: web::Data<Identity>, user: AuthUser) -> AppResult<web::Json<MeView>> {
    Ok(web::Json(service::me(&identity, user.user_id).await?))
}

/// Binds the phone number WeChat vouches for (`getPhoneNumber` button code).
#[utoipa::path(
    tag = "identity",
    security(("bearer" = [])),
    request_body = PhoneBindRequest,
    responses(
        (status = 200, body = MeView),
        (status = 422, description = "`validation_failed` or `wechat_code_invalid`", body = ErrorBody),
        (status = 502, body = ErrorBody),
        (status = 503, body = ErrorBody),
    )
)]
#[post("/me/phone")]
pub async fn bind_phone(
    state: web::Data<AppState>,
    identity: web::Data<Identity>,
    user: AuthUser,
    body: web::Json<PhoneBindRequest>,
) -> AppResult<web::Json<MeView>> {
    body.validate()?;
    let info = state.wechat.phone_number(&body.code).await.map_err(|e| {
        // A bad phone code is the client's input, not a failed login: 422, so
        // the app does not log the user out.
        if matches!(e.errcode(), Some(40029) | Some(40163)) {
            AppError::new(
                actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
                codes::WECHAT_CODE_INVALID,
                "手机号授权码无效或已使用",
            )
        } else {
            e.into()
        }
    })?;
    if info.country_code != "86" || !is_mainland_mobile(&info.pure_phone_number) {
        return Err(AppError::invalid_field("code", "not_a_mainland_mobile"));
    }
    Ok(web::Json(
        service::bind_phone(&identity, user.user_id, info.pure_phone_number).await?,
    ))
}

/// Finds users to grant roles to: by id, phone number or part of a
/// nickname, and/or those holding a staff role; at most 20, phones masked.
#[utoipa::path(
    operation_id = "find_users",
    tag = "admin",
    security(("bearer" = [])),
    params(UserQuery),
    responses(
        (status = 200, body = Vec<MeView>),
        (status = 403, body = ErrorBody),
        (status = 422, description = "`validation_failed`: neither `q` nor `role`, or an unknown role", body = ErrorBody),
    )
)]
#[get("/admin/users")]
pub async fn find_users(
    identity: web::Data<Identity>,
    _admin: AdminUser,
    q: web::Query<UserQuery>,
) -> AppResult<web::Json<Vec<MeView>>> {
    Ok(web::Json(user_directory::find(&identity, &q).await?))
}

/// Sets a user's granted roles and handler districts.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "user id")),
    request_body = SetRolesRequest,
    responses(
        (status = 200, body = MeView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
#[put("/admin/users/{id}/roles")]
pub async fn set_roles(
    identity: web::Data<Identity>,
    admin: AdminUser,
    id: web::Path<Uuid>,
    body: web::Json<SetRolesRequest>,
) -> AppResult<web::Json<MeView>> {
    body.validate()?;
    let view = service::set_roles(
        &identity,
        admin.user_id,
        id.into_inner(),
        &body.roles,
        &body.handler_districts,
    )
    .await?;
    Ok(web::Json(view))
}

/// Starts a console sign-in: a ticket for the QR code and the secret to poll it with.
#[utoipa::path(
    tag = "identity",
    responses(
        (status = 201, body = ConsoleTicketCreated),
        (status = 429, body = ErrorBody),
    )
)]
#[post("/auth/console/tickets")]
pub async fn create_console_ticket(
    identity: web::Data<Identity>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    limit_logins(&identity, &req).await?;
    let created = console_sign_in::create(&identity).await?;
    Ok(HttpResponse::Created().json(created))
}

/// Approves a scanned console ticket for the logged-in staff member (from the mini-program).
#[utoipa::path(
    tag = "identity",
    security(("bearer" = [])),
    params(("ticket" = Uuid, Path, description = "the ticket from the QR code")),
    responses(
        (status = 200, body = ConsoleTicketApproved),
        (status = 403, description = "`not_staff`: only merchant staff, handlers and admins sign in to the console", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`ticket_used`", body = ErrorBody),
        (status = 410, description = "`ticket_expired`", body = ErrorBody),
    )
)]
#[post("/auth/console/tickets/{ticket}/approve")]
pub async fn approve_console_ticket(
    identity: web::Data<Identity>,
    user: AuthUser,
    ticket: web::Path<Uuid>,
) -> AppResult<web::Json<ConsoleTicketApproved>> {
    console_sign_in::approve(&identity, &user, ticket.into_inner()).await?;
    Ok(web::Json(ConsoleTicketApproved {
        status: ConsoleTicketStatus::Approved,
    }))
}

/// The console polls its ticket; the first read after approval carries the session.
#[utoipa::path(
    tag = "identity",
    params(
        ("ticket" = Uuid, Path, description = "the ticket"),
        ("X-Poll-Secret" = Option<String>, Header, description = "the `poll_secret` the ticket was created with"),
    ),
    responses(
        (status = 200, body = ConsoleTicketView),
        (status = 404, description = "no such ticket, or a wrong or missing secret", body = ErrorBody),
    )
)]
#[get("/auth/console/tickets/{ticket}")]
pub async fn poll_console_ticket(
    identity: web::Data<Identity>,
    req: HttpRequest,
    ticket: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let secret = req
        .headers()
        .get("x-poll-secret")
        .and_then(|v| v.to_str().ok());
    let view = console_sign_in::poll(&identity, ticket.into_inner(), secret).await?;
    // A session must not be kept by any cache on the way.
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(view))
}

/// What the console's sign-in page offers besides scanning.
#[utoipa::path(tag = "identity", responses((status = 200, body = ConsoleOptions)))]
#[get("/auth/console/options")]
pub async fn console_options(identity: web::Data<Identity>) -> web::Json<ConsoleOptions> {
    web::Json(ConsoleOptions {
        dev_login: identity.settings.dev_login,
    })
}
