//! Village delivery routes: trips and stops, handovers, temperatures, live
//! cold-chain alerts, settled batches and uncollected orders.

pub mod cold_alerts;
pub mod cold_settlements;
pub mod trips;
pub mod uncollected;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the documented routes of this group.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(cold_settlements::settlements);
    cfg.service(cold_settlements::trip_cold_chain);
    cfg.service(uncollected::uncollected);
    cfg.service(uncollected::return_order);
    cfg.service(uncollected::village_settings);
    cfg.service(trips::driver_trips);
    cfg.service(trips::admin_trips);
    cfg.service(trips::arrive);
    cfg.service(trips::depart);
    cfg.service(trips::complete);
    cfg.service(trips::merchant_handover);
    cfg.service(trips::labels);
    cfg.service(trips::keeper_handover);
    cfg.service(trips::collect);
    cfg.service(trips::keeper_packages);
    cfg.service(trips::unlock_pickup);
    cfg.service(trips::temperatures);
    cfg.service(cold_alerts::cold_alerts);
    cfg.service(cold_alerts::trip_alerts);
    cfg.service(cold_alerts::cold_alert_stream);
    cfg.service(cold_alerts::trip_alert_stream);
}
