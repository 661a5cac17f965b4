use utoipa_actix_web::service_config::ServiceConfig;

use super::handlers;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(handlers::wechat_login)
        .service(handlers::dev_login)
        .service(handlers::me)
        .service(handlers::bind_phone)
        .service(handlers::find_users)
        .service(handlers::set_roles)
        .service(handlers::console_options)
        .service(handlers::create_console_ticket)
        .service(handlers::approve_console_ticket)
        .service(handlers::poll_console_ticket);
}
