//! The platform end's pages: the operator's dashboard, ledger and service
//! area, and the kitchen's account.

pub mod dashboard;
pub mod kitchen_account;
pub mod ledger;
pub mod service_area;

use actix_web::web;

/// Registers the pages of this group (inside the `/console` scope).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/dashboard", web::get().to(dashboard::dashboard));
    cfg.route("/ledger", web::get().to(ledger::ledger));
    cfg.route("/exports/stats.csv", web::get().to(dashboard::export_stats));
    cfg.route(
        "/exports/households.csv",
        web::get().to(dashboard::export_households),
    );
    cfg.route("/kitchen/account", web::get().to(kitchen_account::account));
    cfg.route(
        "/kitchen/payouts",
        web::post().to(kitchen_account::withdraw),
    );
    cfg.route("/area", web::get().to(service_area::area));
    cfg.route("/area/{what}", web::post().to(service_area::add_area));
}
