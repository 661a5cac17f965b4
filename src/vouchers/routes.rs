use utoipa_actix_web::service_config::ServiceConfig;

use super::handlers;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(handlers::claim)
        .service(handlers::create_campaign)
        .service(handlers::list_campaigns)
        .service(handlers::get_campaign)
        .service(handlers::mine)
        .service(handlers::redeem)
        .service(handlers::reverse)
        .service(handlers::stats)
        .service(handlers::expire_now);
}
