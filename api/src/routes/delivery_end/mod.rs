//! The delivery end's routes: rider registration, duty and location, the
//! rider review queue, the fleet registry and cold-chain policies.

pub mod cold_chain;
pub mod fleet;
pub mod rider_review;
pub mod riders;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the documented routes of this group.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(cold_chain::add_policy);
    cfg.service(cold_chain::policies);
    cfg.service(fleet::add_carrier);
    cfg.service(fleet::set_carrier_receiver);
    cfg.service(fleet::carriers);
    cfg.service(fleet::add_vehicle);
    cfg.service(fleet::vehicles);
    cfg.service(fleet::add_driver);
    cfg.service(fleet::add_keeper);
    cfg.service(riders::register);
    cfg.service(riders::me);
    cfg.service(riders::duty);
    cfg.service(riders::location);
    cfg.service(rider_review::queue);
    cfg.service(rider_review::review);
}
