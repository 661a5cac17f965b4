//! Extractors that authenticate the caller and check a role before a handler
//! runs. Ownership (which merchant, which district) is checked in the
//! services with `Principal::require_staff_of` / `handles_district`.

use std::ops::Deref;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

use super::jwt::TokenError;
use super::principal::{Principal, Role};
use super::service::{self, Identity};
use crate::error::AppError;

/// Any logged-in user.
pub struct AuthUser(pub Arc<Principal>);

impl Deref for AuthUser {
    type Target = Principal;
    fn deref(&self) -> &Principal {
        &self.0
    }
}

fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
        .filter(|t| !t.is_empty())
}

impl FromRequest for AuthUser {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let identity = req.app_data::<web::Data<Identity>>().cloned();
        let token = bearer_token(req);
        Box::pin(async move {
            let identity =
                identity.ok_or_else(|| AppError::internal("identity state is missing"))?;
            let token = token.ok_or_else(|| AppError::unauthorized("缺少登录凭证"))?;
            let claims = identity
                .tokens
                .verify(&token, identity.clock.now())
                .map_err(|e| match e {
                    TokenError::Expired => AppError::unauthorized("登录已过期，请重新登录"),
                    _ => AppError::unauthorized("登录凭证无效"),
                })?;
            let principal = service::principal(&identity, claims.sub)
                .await?
                .ok_or_else(|| AppError::unauthorized("用户不存在"))?;
            Ok(AuthUser(principal))
        })
    }
}

/// A caller whose role the route requires acts as staff: what they change
/// is audited (`audit::middleware`).
macro_rules! role_extractor {
    ($(#[$doc:meta])* $name:ident, $role:expr, $capacity:literal) => {
        $(#[$doc])*
        pub struct $name(pub Arc<Principal>);

        impl Deref for $name {
            type Target = Principal;
            fn deref(&self) -> &Principal {
                &self.0
            }
        }

        impl FromRequest for $name {
            type Error = AppError;
            type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

            fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
                let user = AuthUser::from_request(req, payload);
                let req = req.clone();
                Box::pin(async move {
                    let user = user.await?;
                    user.require($role)?;
                    crate::audit::middleware::acting_as(&req, user.0.clone(), $capacity);
                    Ok($name(user.0))
                })
            }
        }
    };
}

role_extractor!(
    /// Staff of at least one approved merchant.
    MerchantUser,
    Role::Merchant,
    "merchant"
);
role_extractor!(
    /// A complaint handler (with at least one district).
    HandlerUser,
    Role::Handler,
    "handler"
);
role_extractor!(
    /// An administrator.
    AdminUser,
    Role::Admin,
    "admin"
);
