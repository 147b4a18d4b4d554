//! The listing line's routes: merchant applications and product review.

pub mod applications;
pub mod product_review;
pub mod product_view;
pub mod products;
pub mod queues;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the documented routes of this group.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(applications::apply);
    cfg.service(applications::my_applications);
    cfg.service(products::submit_product);
    cfg.service(products::delist_product);
    cfg.service(applications::list_applications);
    cfg.service(applications::approve_application);
    cfg.service(applications::reject_application);
    cfg.service(product_review::list_products);
    cfg.service(product_review::approve_product);
    cfg.service(product_review::reject_product);
    cfg.service(product_review::delist_product);
}
