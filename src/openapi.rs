//! The OpenAPI document: the base here, every path collected from the
//! handlers registered in `routes::routes`.

use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use crate::error::ErrorBody;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Yuhui 渝惠 API",
        description = "Backend of the Yuhui mini-program: 15-minute convenience circle, \
                       consumption vouchers, trade-in subsidies, tourism and 12315 complaints. \
                       Errors are `{code, message, details}`; money is integer fen; times are RFC 3339."
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerAuth),
    tags(
        (name = "identity", description = "Login and the caller's profile"),
        (name = "merchants", description = "Merchant applications and profiles"),
        (name = "admin", description = "Administration"),
        (name = "places", description = "Shops, nearby search and the 15-minute circle"),
        (name = "merchant", description = "Merchant staff: their shops"),
        (name = "complaints", description = "12315 complaints: filing, triage, mediation, disclosure"),
        (name = "vouchers", description = "Consumption vouchers: campaigns, claims, redemption"),
        (name = "trade-in", description = "Old-for-new trade-in: rules, quotes, offers, subsidy applications"),
        (name = "recycling", description = "Old-appliance recycling pickups"),
        (name = "tourism", description = "Culture and tourism: routes with stops, the events calendar"),
        (name = "reference", description = "Reference data"),
        (name = "operations", description = "Health, readiness, metrics"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                "bearer",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .bearer_format("JWT")
                        .build(),
                ),
            );
    }
}

/// The whole document, built by registering the routes on a throwaway app.
pub fn document() -> OpenApiDoc {
    let (_, doc) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::routes::routes)
        .split_for_parts();
    doc
}
