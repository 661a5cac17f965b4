//! The route table: every documented route of the API. Adding a handler
//! here puts it in the OpenAPI document too; a handler that is not
//! `#[utoipa::path]`-annotated does not compile here.

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{
    account, audit, auth, complaints, credit, districts, merchants, ops, places, tourism, tradein,
    vouchers,
};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.configure(ops::routes).service(
        // Routes are tried in order and each with a path parameter is a
        // regex, so the flash-sale claim path goes first.
        scope::scope("/api/v1")
            .configure(vouchers::routes::routes)
            .configure(auth::routes::routes)
            .configure(account::routes::routes)
            .configure(districts::routes::routes)
            .configure(merchants::routes::routes)
            .configure(credit::routes::routes)
            .configure(places::routes::routes)
            .configure(complaints::routes::routes)
            .configure(tradein::routes::routes)
            .configure(tourism::routes::routes)
            .configure(audit::routes::routes),
    );
}

/// Answers a route gives because of what it does, beyond its handler's own
/// list and the framework's (`openapi::document` adds both): the limits and
/// the WeChat calls. Paths as in the document.
pub struct RouteAnswers {
    pub method: &'static str,
    pub path: &'static str,
    pub statuses: &'static [u16],
}

pub const ROUTE_ANSWERS: &[RouteAnswers] = &[
    // Login is limited per client address; WeChat login calls WeChat.
    RouteAnswers {
        method: "post",
        path: "/api/v1/auth/wechat/login",
        statuses: &[429, 502, 503],
    },
    RouteAnswers {
        method: "post",
        path: "/api/v1/auth/dev/login",
        statuses: &[429],
    },
    // Console tickets are limited like logins.
    RouteAnswers {
        method: "post",
        path: "/api/v1/auth/console/tickets",
        statuses: &[429],
    },
    // The phone number comes from WeChat.
    RouteAnswers {
        method: "post",
        path: "/api/v1/me/phone",
        statuses: &[502, 503],
    },
    // Filing is limited per user.
    RouteAnswers {
        method: "post",
        path: "/api/v1/complaints",
        statuses: &[429],
    },
];
