//! The to-door line's routes: browse, addresses, orders and payments (and
//! the operator's queue of failed refunds), the
//! kitchen's orders and stream, the resident's stream; city jobs and dispatch
//! in [`city`], village trips and cold-chain exceptions in [`village`].

pub mod addresses;
pub mod browse;
pub mod city;
pub mod compensations;
pub mod kitchen_orders;
pub mod kitchen_stream;
pub mod order_view;
pub mod orders;
pub mod pay_notify;
pub mod payments;
pub mod refund_queue;
pub mod resident_stream;
pub mod village;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the documented routes of this group.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(orders::quote);
    cfg.service(orders::place);
    cfg.service(orders::list);
    cfg.service(orders::get_one);
    cfg.service(payments::pay);
    cfg.service(orders::cancel);
    cfg.service(payments::demo_confirm);
    cfg.service(pay_notify::notify);
    cfg.service(pay_notify::notify_county);
    cfg.service(pay_notify::refund_notify);
    cfg.service(pay_notify::refund_notify_county);
    cfg.service(refund_queue::failed);
    cfg.service(refund_queue::retry);
    cfg.service(compensations::compensate);
    cfg.service(kitchen_stream::stream_orders);
    cfg.service(kitchen_orders::list);
    cfg.service(kitchen_orders::accept);
    cfg.service(kitchen_orders::reject);
    cfg.service(kitchen_orders::ready);
    cfg.service(orders::tracking);
    cfg.service(resident_stream::stream_order);
    cfg.service(addresses::list_addresses);
    cfg.service(addresses::create_address);
    cfg.service(addresses::delete_address);
    cfg.service(browse::list_stores);
    cfg.service(browse::store_menu);
    cfg.service(browse::search_products);
    cfg.service(browse::village_directory);
    city::configure(cfg);
    village::configure(cfg);
}
