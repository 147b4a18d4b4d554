//! The supply end's routes: the kitchen's store and menu, images, staff
//! console accounts, supplier households, purchases and wages, production
//! batches and trace codes.

pub mod households;
pub mod images;
pub mod menu;
pub mod staff_accounts;
pub mod store;
pub mod trace;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the documented routes of this group.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(menu::import_menu);
    cfg.service(households::add_supplier);
    cfg.service(households::admin_suppliers);
    cfg.service(households::merchant_suppliers);
    cfg.service(households::add_purchase);
    cfg.service(households::purchases);
    cfg.service(households::staff);
    cfg.service(households::staff_household);
    cfg.service(households::add_wage);
    cfg.service(households::set_ingredients);
    cfg.service(households::ingredients);
    cfg.service(households::rider_household);
    cfg.service(households::household_report);
    cfg.service(trace::add_batch);
    cfg.service(trace::batches);
    cfg.service(trace::label);
    cfg.service(trace::trace_page);
    cfg.service(staff_accounts::create);
    cfg.service(store::get_store);
    cfg.service(store::patch_store);
    cfg.service(menu::list_categories);
    cfg.service(menu::create_category);
    cfg.service(menu::update_category);
    cfg.service(menu::delete_category);
    cfg.service(menu::list_products);
    cfg.service(menu::create_product);
    cfg.service(menu::get_product);
    cfg.service(menu::patch_product);
    cfg.service(menu::create_sku);
    cfg.service(menu::update_sku);
    cfg.service(images::upload);
}
