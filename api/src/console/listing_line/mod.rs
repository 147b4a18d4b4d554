//! The listing line's pages: the operators' review queues.

pub mod reviews;

use actix_web::web;

/// Registers the pages of this group (inside the `/console` scope).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/reviews", web::get().to(reviews::reviews));
    cfg.route(
        "/reviews/applications/{id}/{decision}",
        web::post().to(reviews::decide_application),
    );
    cfg.route(
        "/reviews/products/{id}/{decision}",
        web::post().to(reviews::decide_product),
    );
    cfg.route(
        "/reviews/riders/{id}/{decision}",
        web::post().to(reviews::decide_rider),
    );
}
