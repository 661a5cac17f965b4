//! The route table: every documented route of the API. Adding a handler
//! here puts it in the OpenAPI document too; a handler that is not
//! `#[utoipa::path]`-annotated does not compile here.

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{
    account, audit, auth, complaints, districts, merchants, ops, places, tourism, tradein, vouchers,
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
            .configure(places::routes::routes)
            .configure(complaints::routes::routes)
            .configure(tradein::routes::routes)
            .configure(tourism::routes::routes)
            .configure(audit::routes::routes),
    );
}
