//! The kitchen's production batches with their QR labels.

use crate::console::*;

#[derive(Template)]
#[template(path = "console/batches.html")]
struct BatchesPage {
    layout: Layout,
    csrf: String,
    today: chrono::NaiveDate,
    /// The store's products: id, name.
    products: Vec<(i64, String)>,
    /// Batches: id, code, product, produced on, left/made.
    batches: Vec<(i64, String, String, String, String)>,
}

pub(super) async fn batches(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
) -> HttpResponse {
    page(req, who, |req, who| async move {
        let s = crate::routes::supply_end::store::my_store(&state.db, &who.principal).await?;
        let products: BTreeMap<i64, String> = product::Entity::find()
            .filter(product::Column::StoreId.eq(s.id))
            .order_by_asc(product::Column::Id)
            .all(&state.db)
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect();
        let batches = entity::supply_end::trace::batches_of(&state.db, s.id)
            .await?
            .into_iter()
            .map(|b| {
                (
                    b.id,
                    b.trace_code,
                    products.get(&b.product_id).cloned().unwrap_or_default(),
                    b.produced_on.to_string(),
                    format!("{}/{}", b.remaining, b.quantity),
                )
            })
            .collect();
        let today = crate::routes::local_today(&state, s.platform_id).await?;
        let page = BatchesPage {
            layout: Layout::of(&req, Some(&who), "batches"),
            csrf: who.csrf.clone(),
            today,
            products: products.into_iter().collect(),
            batches,
        };
        Ok(html(StatusCode::OK, page.render()))
    })
    .await
}

/// The new-batch form.
#[derive(Debug, Deserialize)]
pub struct BatchForm {
    #[serde(default)]
    csrf: String,
    product_id: i64,
    produced_on: String,
    quantity: String,
}

pub(super) async fn create_batch(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    form: web::Form<BatchForm>,
) -> HttpResponse {
    page(req, who, |_, who| async move {
        who.check_csrf(&form.csrf)?;
        let s = crate::routes::supply_end::store::my_store(&state.db, &who.principal).await?;
        let produced_on = form
            .produced_on
            .trim()
            .parse()
            .map_err(|_| ApiError::field("produced_on", "a date like 2026-11-23"))?;
        let quantity = form
            .quantity
            .trim()
            .parse()
            .map_err(|_| ApiError::field("quantity", "a whole number"))?;
        let nb = entity::supply_end::trace::NewBatch {
            product_id: form.product_id,
            produced_on,
            quantity,
            sources: Vec::new(),
        };
        let today = crate::routes::local_today(&state, s.platform_id).await?;
        let code = entity::supply_end::trace::trace_code(entity::ids::random_bytes::<12>());
        let txn = entity::tx::begin_write(&state.writer).await?;
        let res = entity::supply_end::trace::create_batch(
            &txn,
            &s,
            who.principal.user_id,
            &nb,
            code,
            today,
            state.clock.now(),
        )
        .await;
        crate::routes::finish(txn, res).await?;
        Ok(see_other("/console/kitchen/batches"))
    })
    .await
}

pub(super) async fn batch_label(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    id: web::Path<i64>,
) -> HttpResponse {
    page(req, who, |req, who| async move {
        let s = crate::routes::supply_end::store::my_store(&state.db, &who.principal).await?;
        let b = entity::production_batch::Entity::find_by_id(*id)
            .one(&state.db)
            .await?
            .filter(|b| b.store_id == s.id)
            .ok_or_else(|| ApiError::not_found("batch"))?;
        let url = crate::routes::supply_end::trace::trace_url(&req, &b.trace_code);
        let png = crate::routes::supply_end::trace::qr_png(&url).map_err(ApiError::internal)?;
        Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "image/png"))
            .body(png))
    })
    .await
}
