use utoipa_actix_web::service_config::ServiceConfig;

use super::handlers;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(handlers::categories)
        .service(handlers::quote)
        .service(handlers::list_rule_sets)
        .service(handlers::publish_rule_set)
        .service(handlers::end_rule_set)
        .service(handlers::create_offer)
        .service(handlers::my_offers)
        .service(handlers::withdraw_offer)
        .service(handlers::search_offers)
        .service(handlers::apply)
        // Before `/trade-in/applications/{id}`, which would take "mine" as an id.
        .service(handlers::my_applications)
        .service(handlers::get_application)
        .service(handlers::refund)
        .service(handlers::review_queue)
        .service(handlers::merchant_applications)
        .service(handlers::approve)
        .service(handlers::reject)
        .service(handlers::slots)
        .service(handlers::set_capacity)
        .service(handlers::book_pickup)
        .service(handlers::my_pickups)
        .service(handlers::cancel_pickup)
        .service(handlers::round)
        .service(handlers::collect)
        .service(handlers::miss);
}
