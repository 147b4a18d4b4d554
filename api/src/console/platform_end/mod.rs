//! The platform end's pages: the operator's dashboard, ledger, service
//! area, settings and imports (a kitchen imports its menu there too), and
//! the kitchen's account.

pub mod dashboard;
pub mod imports;
pub mod kitchen_account;
pub mod ledger;
pub mod service_area;
pub mod settings;

use actix_web::web;

/// Registers the pages of this group (inside the `/console` scope).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/dashboard", web::get().to(dashboard::dashboard));
    cfg.route("/ledger", web::get().to(ledger::ledger));
    cfg.route("/refunds/{id}/retry", web::post().to(ledger::retry_refund));
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
    cfg.route("/settings", web::get().to(settings::settings_page));
    cfg.route("/settings/profile", web::post().to(settings::save_profile));
    cfg.route(
        "/settings/timeouts",
        web::post().to(settings::save_timeouts),
    );
    cfg.route(
        "/settings/fee-rules",
        web::post().to(settings::fee_rules_form),
    );
    cfg.route("/imports", web::get().to(imports::imports));
    cfg.route("/imports/preview", web::post().to(imports::preview));
    cfg.service(
        web::resource("/imports/commit")
            .app_data(imports::commit_limit())
            .route(web::post().to(imports::commit)),
    );
}
