//! The supply end's pages: the kitchen's menu editor and production batches.

pub mod batches;
pub mod menu;

use actix_web::web;

/// Registers the pages of this group (inside the `/console` scope).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/kitchen/batches", web::get().to(batches::batches));
    cfg.route("/kitchen/batches", web::post().to(batches::create_batch));
    cfg.route(
        "/kitchen/batches/{id}/label.png",
        web::get().to(batches::batch_label),
    );
    cfg.route("/kitchen/menu", web::get().to(menu::menu));
    cfg.route(
        "/kitchen/menu/products",
        web::post().to(menu::create_product),
    );
    cfg.route(
        "/kitchen/menu/categories",
        web::post().to(menu::create_category),
    );
    cfg.route(
        "/kitchen/menu/products/{id}/image",
        web::post().to(menu::upload_image),
    );
    cfg.route(
        "/kitchen/menu/products/{id}/skus",
        web::post().to(menu::save_sku),
    );
    cfg.route(
        "/kitchen/menu/products/{id}/skus/{sku}",
        web::post().to(menu::save_sku_by_id),
    );
    cfg.route(
        "/kitchen/menu/products/{id}/submit",
        web::post().to(menu::submit_product),
    );
}
