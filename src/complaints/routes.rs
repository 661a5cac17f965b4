use utoipa_actix_web::service_config::ServiceConfig;

use super::handlers;

pub fn routes(cfg: &mut ServiceConfig) {
    // Fixed paths before `/complaints/{id}`.
    cfg.service(handlers::categories)
        .service(handlers::mine)
        .service(handlers::file)
        .service(handlers::queue)
        .service(handlers::disclosure_list)
        .service(handlers::get)
        .service(handlers::upload_attachment)
        .service(handlers::attachment)
        .service(handlers::accept)
        .service(handlers::reject)
        .service(handlers::transfer)
        .service(handlers::assign)
        .service(handlers::close)
        .service(handlers::notes)
        .service(handlers::pause)
        .service(handlers::resume)
        .service(handlers::withdraw)
        .service(handlers::merchant_response)
        .service(handlers::settlement)
        .service(handlers::rating)
        .service(handlers::load_calendar_year);
}
