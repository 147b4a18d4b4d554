//! The kitchen's menu editor: categories, products, photos, SKUs, and
//! submitting a product for review.

use crate::console::*;

/// A SKU in the menu editor.
struct SkuRow {
    id: i64,
    name: String,
    price: String,
    stock: String,
}

/// A product in the menu editor.
struct MenuProduct {
    images: Vec<String>,
    id: i64,
    name: String,
    status: String,
    reason: String,
    version: i32,
    skus: Vec<SkuRow>,
}

#[derive(Template)]
#[template(path = "console/menu.html")]
struct MenuPage {
    layout: Layout,
    csrf: String,
    /// The store's categories: id, name.
    categories: Vec<(i64, String)>,
    products: Vec<MenuProduct>,
}

pub(super) async fn menu(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
) -> HttpResponse {
    page(req, who, |req, who| async move {
        let s = crate::routes::supply_end::store::my_store(&state.db, &who.principal).await?;
        let mut products = Vec::new();
        for p in product::Entity::find()
            .filter(product::Column::StoreId.eq(s.id))
            .order_by_asc(product::Column::Id)
            .all(&state.db)
            .await?
        {
            let skus = entity::supply_end::menu::skus(&state.db, p.id)
                .await?
                .into_iter()
                .map(|k| SkuRow {
                    id: k.id,
                    name: k.name,
                    price: crate::csv::yuan(k.price_fen),
                    stock: k.stock.map(|n| n.to_string()).unwrap_or_default(),
                })
                .collect();
            products.push(MenuProduct {
                images: serde_json::from_str(&p.images).unwrap_or_default(),
                id: p.id,
                name: p.name,
                status: p.status.to_string(),
                reason: p.reject_reason.unwrap_or_default(),
                version: p.version,
                skus,
            });
        }
        let categories = entity::supply_end::menu::categories(&state.db, s.id)
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect();
        let page = MenuPage {
            categories,
            layout: Layout::of(&req, Some(&who), "menu"),
            csrf: who.csrf.clone(),
            products,
        };
        Ok(html(StatusCode::OK, page.render()))
    })
    .await
}

/// The new-product form.
#[derive(Debug, Deserialize)]
pub struct ProductForm {
    #[serde(default)]
    csrf: String,
    name: String,
    unit: String,
    cold_chain: String,
    weight_g: String,
    #[serde(default)]
    category_id: String,
}

pub(super) async fn create_product(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    form: web::Form<ProductForm>,
) -> HttpResponse {
    page(req, who, |_, who| async move {
        who.check_csrf(&form.csrf)?;
        let s = crate::routes::supply_end::store::my_store(&state.db, &who.principal).await?;
        let category_id = match form.category_id.trim() {
            "" => None,
            c => Some(
                c.parse()
                    .map_err(|_| ApiError::field("category_id", "a category of the store"))?,
            ),
        };
        let input = entity::supply_end::menu::ProductInput {
            category_id,
            name: form.name.clone(),
            description: String::new(),
            images: Vec::new(),
            unit: form.unit.clone(),
            cold_chain: form.cold_chain.clone(),
            weight_g: form
                .weight_g
                .trim()
                .parse()
                .map_err(|_| ApiError::field("weight_g", "grams, a whole number"))?,
            origin: String::new(),
        };
        let txn = entity::tx::begin_write(&state.writer).await?;
        let res = entity::supply_end::menu::create_product(
            &txn,
            s.id,
            s.platform_id,
            &input,
            state.clock.now(),
        )
        .await;
        crate::routes::finish(txn, res).await?;
        Ok(see_other("/console/kitchen/menu"))
    })
    .await
}

/// A SKU form: price in yuan, stock empty for unlimited.
#[derive(Debug, Deserialize)]
pub struct SkuForm {
    #[serde(default)]
    csrf: String,
    version: i32,
    name: String,
    price: String,
    #[serde(default)]
    stock: String,
}

pub(super) async fn sku_step(
    state: &AppState,
    who: &ConsoleUser,
    product_id: i64,
    sku: Option<i64>,
    form: &SkuForm,
) -> Result<(), ApiError> {
    who.check_csrf(&form.csrf)?;
    let price_fen =
        parse_yuan(&form.price).ok_or_else(|| ApiError::field("price", "yuan, e.g. 28.00"))?;
    let stock = match form.stock.trim() {
        "" => None,
        n => Some(
            n.parse()
                .map_err(|_| ApiError::field("stock", "a whole number, or empty for unlimited"))?,
        ),
    };
    let input = entity::supply_end::menu::SkuInput {
        version: form.version,
        name: form.name.clone(),
        price_fen,
        stock,
        on_shelf: true,
        position: 0,
        weight_g: None,
        volume_ml: None,
    };
    let txn = entity::tx::begin_write(&state.writer).await?;
    let s = crate::routes::supply_end::store::my_store(&txn, &who.principal).await?;
    let res = async {
        let p = entity::supply_end::menu::product_of(&txn, s.id, product_id).await?;
        entity::supply_end::menu::save_sku(&txn, p, sku, &input, state.clock.now()).await
    }
    .await;
    crate::routes::finish(txn, res).await?;
    Ok(())
}

pub(super) async fn save_sku(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    id: web::Path<i64>,
    form: web::Form<SkuForm>,
) -> HttpResponse {
    page(req, who, |_, who| async move {
        sku_step(&state, &who, *id, None, &form).await?;
        Ok(see_other("/console/kitchen/menu"))
    })
    .await
}

pub(super) async fn save_sku_by_id(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    path: web::Path<(i64, i64)>,
    form: web::Form<SkuForm>,
) -> HttpResponse {
    page(req, who, |_, who| async move {
        let (id, sku) = path.into_inner();
        sku_step(&state, &who, id, Some(sku), &form).await?;
        Ok(see_other("/console/kitchen/menu"))
    })
    .await
}

pub(super) async fn submit_product(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    page(req, who, |_, who| async move {
        who.check_csrf(&form.csrf)?;
        crate::routes::listing_line::products::step(
            &state,
            &who.principal,
            *id,
            entity::listing_line::product_states::ListingEvent::Submit,
            None,
        )
        .await?;
        Ok(see_other("/console/kitchen/menu"))
    })
    .await
}

/// The new-category form.
#[derive(Debug, Deserialize)]
pub struct CategoryForm {
    #[serde(default)]
    csrf: String,
    name: String,
}

pub(super) async fn create_category(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    form: web::Form<CategoryForm>,
) -> HttpResponse {
    page(req, who, |_, who| async move {
        who.check_csrf(&form.csrf)?;
        let s = crate::routes::supply_end::store::my_store(&state.db, &who.principal).await?;
        let input = entity::supply_end::menu::CategoryInput {
            name: form.name.clone(),
            position: 0,
        };
        let txn = entity::tx::begin_write(&state.writer).await?;
        let res = entity::supply_end::menu::save_category(
            &txn,
            s.id,
            s.platform_id,
            None,
            &input,
            state.clock.now(),
        )
        .await;
        crate::routes::finish(txn, res).await?;
        Ok(see_other("/console/kitchen/menu"))
    })
    .await
}

/// Uploads a product image (CSRF token first in the form, then the file)
/// and adds it to the product.
pub(super) async fn upload_image(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    id: web::Path<i64>,
    mut form: actix_multipart::Multipart,
) -> HttpResponse {
    page(req, who, |_, who| async move {
        use futures_util::StreamExt;
        let max = state.settings.media.max_bytes;
        let (mut csrf, mut version, mut file) = (String::new(), None, None);
        while let Some(field) = form.next().await {
            let mut field = field.map_err(|e| {
                ApiError::new(ErrorCode::BAD_REQUEST, format!("bad multipart body: {e}"))
            })?;
            match field.name() {
                Some("csrf") => {
                    csrf = String::from_utf8_lossy(
                        &crate::routes::supply_end::images::field_bytes(&mut field, 256).await?,
                    )
                    .into_owned()
                }
                Some("version") => {
                    version = String::from_utf8_lossy(
                        &crate::routes::supply_end::images::field_bytes(&mut field, 32).await?,
                    )
                    .trim()
                    .parse::<i32>()
                    .ok();
                }
                Some("file") => {
                    // Nothing is stored before the form's token is checked.
                    who.check_csrf(&csrf)?;
                    file = Some(
                        crate::routes::supply_end::images::field_bytes(&mut field, max).await?,
                    );
                }
                _ => {}
            }
        }
        who.check_csrf(&csrf)?;
        let bytes = file.ok_or_else(|| ApiError::field("file", "choose an image"))?;
        let version = version.ok_or_else(|| ApiError::field("version", "reload the page"))?;
        let (name, _, _) =
            crate::routes::supply_end::images::save_image(&state, &who.principal, bytes).await?;
        let txn = entity::tx::begin_write(&state.writer).await?;
        let s = crate::routes::supply_end::store::my_store(&txn, &who.principal).await?;
        let res = async {
            let p = entity::supply_end::menu::product_of(&txn, s.id, *id).await?;
            let mut images: Vec<String> = serde_json::from_str(&p.images).unwrap_or_default();
            images.push(format!("/media/{name}"));
            let patch = entity::supply_end::menu::ProductPatch {
                version,
                images: Some(images),
                ..Default::default()
            };
            entity::supply_end::menu::update_product(&txn, p, &patch, state.clock.now()).await
        }
        .await;
        crate::routes::finish(txn, res).await?;
        Ok(see_other("/console/kitchen/menu"))
    })
    .await
}
