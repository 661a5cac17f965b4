use utoipa_actix_web::service_config::ServiceConfig;

use super::handlers;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(handlers::themes)
        .service(handlers::list_routes)
        .service(handlers::get_route)
        .service(handlers::admin_list_routes)
        .service(handlers::admin_get_route)
        .service(handlers::create_route)
        .service(handlers::update_route)
        // Before `/events/{id}`, which would take "categories" as an id.
        .service(handlers::event_categories)
        .service(handlers::list_events)
        .service(handlers::get_event)
        .service(handlers::admin_list_events)
        .service(handlers::create_event)
        .service(handlers::update_event);
}
