use utoipa_actix_web::service_config::ServiceConfig;

use super::{bureau_handlers, handlers};

pub fn routes(cfg: &mut ServiceConfig) {
    // Fixed paths before `/complaints/{id}`.
    cfg.service(handlers::categories)
        .service(handlers::mine)
        .service(handlers::file)
        .service(handlers::queue)
        .service(handlers::against_my_merchants)
        .service(handlers::dashboard)
        .service(handlers::disclosure_list)
        .service(handlers::get)
        .service(handlers::upload_attachment)
        .service(handlers::attachment)
        .service(handlers::share_attachment)
        .service(bureau_handlers::accept)
        .service(bureau_handlers::reject)
        .service(bureau_handlers::transfer)
        .service(bureau_handlers::assign)
        .service(bureau_handlers::close)
        .service(bureau_handlers::notes)
        .service(bureau_handlers::pause)
        .service(bureau_handlers::resume)
        .service(bureau_handlers::termination_notice)
        .service(handlers::escalate)
        .service(handlers::withdraw)
        .service(handlers::merchant_response)
        .service(handlers::settlement)
        .service(handlers::rating)
        .service(handlers::load_calendar_year);
}
