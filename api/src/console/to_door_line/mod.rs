//! The to-door line's pages: the kitchen's order board, the dispatch monitor
//! and the village trips.

pub mod dispatch;
pub mod kitchen_board;
pub mod trips;

use actix_web::web;

/// Registers the pages of this group (inside the `/console` scope).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/trips", web::get().to(trips::trips));
    cfg.route("/dispatch", web::get().to(dispatch::dispatch));
    cfg.route("/dispatch/board", web::get().to(dispatch::dispatch_board));
    cfg.route(
        "/dispatch/jobs/{id}/assign",
        web::post().to(dispatch::assign),
    );
    cfg.route("/kitchen", web::get().to(kitchen_board::kitchen));
    cfg.route("/kitchen/board", web::get().to(kitchen_board::board));
    cfg.route("/kitchen/stream", web::get().to(kitchen_board::stream));
    cfg.route(
        "/kitchen/orders/{id}/{action}",
        web::post().to(kitchen_board::kitchen_action),
    );
}
