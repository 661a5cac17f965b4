use utoipa_actix_web::service_config::ServiceConfig;

use super::handlers;

pub fn routes(cfg: &mut ServiceConfig) {
    // `/shops/nearby` before `/shops/{id}`, which would take "nearby" as an id.
    cfg.service(handlers::categories)
        .service(handlers::nearby)
        .service(handlers::shop)
        .service(handlers::circle_report)
        .service(handlers::create_shop)
        .service(handlers::my_shops)
        .service(handlers::update_shop)
        .service(handlers::close_shop);
}
