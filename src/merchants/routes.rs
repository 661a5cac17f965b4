use utoipa_actix_web::service_config::ServiceConfig;

use super::handlers;

pub fn routes(cfg: &mut ServiceConfig) {
    // `/merchants/mine` before `/merchants/{id}`, which would take "mine" as an id.
    cfg.service(handlers::apply)
        .service(handlers::mine)
        .service(handlers::profile)
        .service(handlers::review_queue)
        .service(handlers::approve)
        .service(handlers::reject);
}
