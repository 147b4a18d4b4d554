//! The platform end's routes: sign-in and sessions, host administrators
//! opening counties, the platform, the service
//! area, the ledger (accounts, settlement, commission, reconciliation,
//! revenue), payouts and statistics.

pub mod accounts;
pub mod auth;
pub mod host;
pub mod host_wechatpay;
pub mod imports;
pub mod ledger;
pub mod me;
pub mod payouts;
pub mod platform;
pub mod reconciliation;
pub mod service_area;
pub mod settings;
pub mod sharing;
pub mod sharing_notify;
pub mod stats;
pub mod sub_merchants;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the documented routes of this group.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(auth::wechat_login);
    cfg.service(auth::password_login);
    cfg.service(auth::refresh);
    cfg.service(auth::logout);
    cfg.service(host::host_login);
    cfg.service(host::host_platforms);
    cfg.service(host::open_county);
    cfg.service(host::add_operator);
    cfg.service(host::reset_password);
    cfg.service(host::audit_log);
    cfg.service(host::set_mini_program);
    cfg.service(host::mini_program);
    cfg.service(host_wechatpay::set_payment_account);
    cfg.service(host_wechatpay::payment_account);
    cfg.service(sub_merchants::set_sub_merchant);
    cfg.service(me::me);
    cfg.service(platform::platform_overview);
    cfg.service(settings::fee_rule_versions);
    cfg.service(settings::add_fee_rules);
    cfg.service(settings::preview_fee_rules);
    cfg.service(settings::timeouts);
    cfg.service(settings::set_timeouts);
    cfg.service(settings::profile);
    cfg.service(settings::set_profile);
    cfg.service(settings::setting_changes);
    cfg.service(accounts::merchant_account);
    cfg.service(ledger::trial_balance);
    cfg.service(ledger::add_commission_rule);
    cfg.service(ledger::commission_rules);
    cfg.service(accounts::rider_account);
    cfg.service(ledger::settle);
    cfg.service(ledger::settlements);
    cfg.service(reconciliation::reconcile_upload);
    cfg.service(reconciliation::reconcile_fetch);
    cfg.service(reconciliation::reconciliation_report);
    cfg.service(ledger::revenue);
    cfg.service(accounts::carrier_account);
    cfg.service(accounts::keeper_account);
    cfg.service(accounts::admin_carrier_account);
    cfg.service(stats::admin_stats);
    cfg.service(stats::bureau_stats);
    cfg.service(payouts::merchant_request);
    cfg.service(payouts::merchant_list);
    cfg.service(payouts::rider_request);
    cfg.service(payouts::rider_list);
    cfg.service(payouts::carrier_request);
    cfg.service(payouts::carrier_list);
    cfg.service(payouts::keeper_request);
    cfg.service(payouts::keeper_list);
    cfg.service(payouts::admin_list);
    cfg.service(payouts::review);
    cfg.service(payouts::transfer_notify);
    cfg.service(payouts::transfer_notify_county);
    cfg.service(sharing_notify::sharing_notify);
    cfg.service(sharing::shares);
    cfg.service(sharing::retry);
    cfg.service(service_area::list_communities);
    cfg.service(service_area::create_community);
    cfg.service(service_area::update_community);
    cfg.service(service_area::list_villages);
    cfg.service(service_area::create_village);
    cfg.service(service_area::update_village);
    cfg.service(service_area::list_agent_points);
    cfg.service(service_area::create_agent_point);
    cfg.service(service_area::update_agent_point);
    cfg.service(service_area::list_routes);
    cfg.service(service_area::create_route);
    cfg.service(service_area::update_route);
    cfg.service(service_area::list_departures);
    cfg.service(service_area::create_departure);
    cfg.service(service_area::update_departure);
    cfg.service(service_area::delete_community);
    cfg.service(service_area::delete_village);
    cfg.service(service_area::delete_agent_point);
    cfg.service(service_area::delete_route);
    cfg.service(service_area::delete_departure);
    cfg.service(imports::import_file);
}
