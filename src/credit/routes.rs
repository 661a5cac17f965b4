use utoipa_actix_web::service_config::ServiceConfig;

use super::handlers;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(handlers::profile)
        .service(handlers::history)
        .service(handlers::code)
        .service(handlers::keys)
        .service(handlers::verify)
        .service(handlers::set_override)
        .service(handlers::appeal)
        .service(handlers::appeal_queue)
        .service(handlers::answer_appeal);
}
