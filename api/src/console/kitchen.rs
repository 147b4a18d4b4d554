//! The kitchen's pages: the live order board, the menu editor,
//! production batches and the account.

use super::*;

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

#[derive(Template)]
#[template(path = "console/account.html")]
struct AccountPage {
    layout: Layout,
    csrf: String,
    /// The withdrawal form's idempotency key: a resubmitted form asks once.
    key: String,
    owner: bool,
    balance: String,
    available: String,
    statements: Vec<(String, String, String)>,
    payouts: Vec<(String, String, String)>,
}

/// An order on the kitchen's board.
struct Card {
    id: i64,
    order_no: String,
    status: String,
    time: String,
    items: String,
    amount: String,
    kind: String,
    note: String,
}

#[derive(Template)]
#[template(path = "console/board.html")]
struct Board {
    t: &'static Labels,
    csrf: String,
    total: usize,
    columns: Vec<(&'static str, &'static str, Vec<Card>)>,
}

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

#[derive(Template)]
#[template(path = "console/kitchen.html")]
struct KitchenPage {
    layout: Layout,
    board: String,
}

/// The kitchen's board: new, cooking and ready orders of its store.
pub(super) async fn board_html(
    state: &AppState,
    who: &ConsoleUser,
    t: &'static Labels,
) -> Result<String, ApiError> {
    let s = crate::routes::merchant::my_store(&state.db, &who.principal).await?;
    let p = entity::platform_end::platforms::platform_of(&state.db, s.platform_id).await?;
    let offset = Duration::minutes(i64::from(p.utc_offset_minutes));
    let orders = order::Entity::find()
        .filter(order::Column::StoreId.eq(s.id))
        .filter(order::Column::Status.is_in(["paid", "accepted", "rider_assigned", "ready"]))
        .order_by_asc(order::Column::Id)
        .limit(200)
        .all(&state.db)
        .await?;
    let ids: Vec<i64> = orders.iter().map(|o| o.id).collect();
    let mut lines: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for it in order_item::Entity::find()
        .filter(order_item::Column::OrderId.is_in(ids))
        .order_by_asc(order_item::Column::Id)
        .all(&state.db)
        .await?
    {
        lines
            .entry(it.order_id)
            .or_default()
            .push(format!("{} × {}", it.product_name, it.qty));
    }
    let mut columns = vec![
        (t.new_orders, "paid", Vec::new()),
        (t.accepted, "accepted", Vec::new()),
        (t.ready, "ready", Vec::new()),
    ];
    let total = orders.len();
    for o in orders {
        let col = match o.status.as_str() {
            "paid" => 0,
            "ready" => 2,
            _ => 1,
        };
        columns[col].2.push(Card {
            id: o.id,
            items: lines.remove(&o.id).unwrap_or_default().join("，"),
            time: (o.created_at + offset).format("%H:%M").to_string(),
            amount: crate::csv::yuan(o.payable_fen),
            kind: if o.delivery_kind == "village" {
                "到村"
            } else {
                "城区"
            }
            .into(),
            note: o.note,
            order_no: o.order_no,
            status: o.status,
        });
    }
    Board {
        t,
        csrf: who.csrf.clone(),
        total,
        columns,
    }
    .render()
    .map_err(|e| ApiError::internal(e.to_string()))
}

pub(super) async fn kitchen(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
) -> HttpResponse {
    page(req, who, |req, who| async move {
        let layout = Layout::of(&req, Some(&who), "kitchen");
        let board = board_html(&state, &who, layout.t).await?;
        Ok(html(StatusCode::OK, KitchenPage { layout, board }.render()))
    })
    .await
}

pub(super) async fn board(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
) -> HttpResponse {
    let Some(who) = who else {
        return HttpResponse::Unauthorized().finish();
    };
    match board_html(&state, &who, i18n::labels(&req)).await {
        Ok(b) => html(StatusCode::OK, Ok(b)),
        Err(e) => error_page(&req, Some(&who), e),
    }
}

/// The store's new orders and cancellations as they happen (the same
/// events as the API's stream, with the console's session).
pub(super) async fn stream(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    q: web::Query<crate::routes::order_stream::StreamQuery>,
) -> HttpResponse {
    let Some(who) = who else {
        return HttpResponse::Unauthorized().finish();
    };
    match crate::routes::order_stream::store_stream(&state, &who.principal, &req, &q).await {
        Ok(r) => r,
        Err(e) => error_page(&req, Some(&who), e),
    }
}

pub(super) async fn kitchen_action(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    path: web::Path<(i64, String)>,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    page(req, who, |_, who| async move {
        who.check_csrf(&form.csrf)?;
        let (id, action) = path.into_inner();
        let (event, reason) = match action.as_str() {
            "accept" => (OrderEvent::MerchantAccept, None),
            "ready" => (OrderEvent::MarkReady, None),
            "reject" => (OrderEvent::MerchantReject, Some(form.reason.clone())),
            _ => return Err(ApiError::not_found("action")),
        };
        crate::routes::merchant_orders::step(
            &state,
            &who.principal,
            id,
            event,
            reason,
            BTreeMap::new(),
        )
        .await?;
        Ok(see_other("/console/kitchen"))
    })
    .await
}

pub(super) async fn batches(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
) -> HttpResponse {
    page(req, who, |req, who| async move {
        let s = crate::routes::merchant::my_store(&state.db, &who.principal).await?;
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
        let s = crate::routes::merchant::my_store(&state.db, &who.principal).await?;
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
        let code = entity::supply_end::trace::trace_code(worker::random_bytes::<12>());
        let txn = entity::tx::begin_write(&state.db).await?;
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
        let s = crate::routes::merchant::my_store(&state.db, &who.principal).await?;
        let b = entity::production_batch::Entity::find_by_id(*id)
            .one(&state.db)
            .await?
            .filter(|b| b.store_id == s.id)
            .ok_or_else(|| ApiError::not_found("batch"))?;
        let url = crate::routes::trace::trace_url(&req, &b.trace_code);
        let png = crate::routes::trace::qr_png(&url).map_err(ApiError::internal)?;
        Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "image/png"))
            .body(png))
    })
    .await
}

pub(super) async fn account(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
) -> HttpResponse {
    page(req, who, |req, who| async move {
        let s = crate::routes::merchant::my_store(&state.db, &who.principal).await?;
        let pid = who.principal.platform_id;
        let kind = entity::platform_end::ledger::AccountKind::MerchantPayable;
        let (balance, _) =
            entity::platform_end::ledger::payee_account(&state.db, pid, kind, s.merchant_id, 0)
                .await?;
        let payee = entity::platform_end::payouts::Payee {
            kind: "merchant",
            owner_id: s.merchant_id,
        };
        let available = entity::platform_end::payouts::available(&state.db, pid, payee).await?;
        let statements = entity::platform_end::settlement::statements_of(
            &state.db,
            pid,
            kind,
            s.merchant_id,
            31,
        )
        .await?
        .into_iter()
        .map(|st| {
            (
                st.business_date.to_string(),
                crate::csv::yuan(st.closing_fen),
                format!("{} entries", st.entries),
            )
        })
        .collect();
        let payouts = entity::platform_end::payouts::of_payee(&state.db, pid, payee)
            .await?
            .into_iter()
            .map(|p| (p.out_batch_no, crate::csv::yuan(p.amount_fen), p.status))
            .collect();
        let owner = crate::routes::merchant::owned_merchant(&state.db, &who.principal)
            .await
            .is_ok();
        let page = AccountPage {
            key: hex::encode(worker::random_bytes::<16>()),
            layout: Layout::of(&req, Some(&who), "account"),
            csrf: who.csrf.clone(),
            owner,
            balance: crate::csv::yuan(balance),
            available: crate::csv::yuan(available),
            statements,
            payouts,
        };
        Ok(html(StatusCode::OK, page.render()))
    })
    .await
}

/// The withdrawal form: yuan with up to two decimals.
#[derive(Debug, Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    key: String,
    amount: String,
}

/// Parses `12`, `12.5` or `12.05` yuan into fen.
pub fn parse_yuan(s: &str) -> Option<i64> {
    let s = s.trim();
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() || frac.len() > 2 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = format!("{frac:0<2}").parse().ok()?;
    whole.checked_mul(100)?.checked_add(frac)
}

pub(super) async fn withdraw(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    form: web::Form<WithdrawForm>,
) -> HttpResponse {
    page(req, who, |_, who| async move {
        who.check_csrf(&form.csrf)?;
        let m = crate::routes::merchant::owned_merchant(&state.db, &who.principal).await?;
        let amount = parse_yuan(&form.amount)
            .ok_or_else(|| ApiError::field("amount", "yuan, e.g. 120.50"))?;
        let provider = if state.wechatpay.is_some() {
            "wechat"
        } else {
            "demo"
        };
        let payee = entity::platform_end::payouts::Payee {
            kind: "merchant",
            owner_id: m.id,
        };
        let txn = entity::tx::begin_write(&state.db).await?;
        let res = entity::platform_end::payouts::request(
            &txn,
            m.platform_id,
            payee,
            who.principal.user_id,
            amount,
            provider,
            (!form.key.is_empty()).then_some(form.key.as_str()),
            &crate::routes::orders::public_no(&state, "PO"),
            state.clock.now(),
        )
        .await;
        crate::routes::finish(txn, res).await?;
        Ok(see_other("/console/kitchen/account"))
    })
    .await
}

pub(super) async fn menu(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
) -> HttpResponse {
    page(req, who, |req, who| async move {
        let s = crate::routes::merchant::my_store(&state.db, &who.principal).await?;
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
                status: p.status,
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
        let s = crate::routes::merchant::my_store(&state.db, &who.principal).await?;
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
        let txn = entity::tx::begin_write(&state.db).await?;
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
    let txn = entity::tx::begin_write(&state.db).await?;
    let s = crate::routes::merchant::my_store(&txn, &who.principal).await?;
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
        crate::routes::merchant::step(
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
        let s = crate::routes::merchant::my_store(&state.db, &who.principal).await?;
        let input = entity::supply_end::menu::CategoryInput {
            name: form.name.clone(),
            position: 0,
        };
        let txn = entity::tx::begin_write(&state.db).await?;
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
                        &crate::routes::images::field_bytes(&mut field, 256).await?,
                    )
                    .into_owned()
                }
                Some("version") => {
                    version = String::from_utf8_lossy(
                        &crate::routes::images::field_bytes(&mut field, 32).await?,
                    )
                    .trim()
                    .parse::<i32>()
                    .ok();
                }
                Some("file") => {
                    // Nothing is stored before the form's token is checked.
                    who.check_csrf(&csrf)?;
                    file = Some(crate::routes::images::field_bytes(&mut field, max).await?);
                }
                _ => {}
            }
        }
        who.check_csrf(&csrf)?;
        let bytes = file.ok_or_else(|| ApiError::field("file", "choose an image"))?;
        let version = version.ok_or_else(|| ApiError::field("version", "reload the page"))?;
        let (name, _, _) = crate::routes::images::save_image(&state, &who.principal, bytes).await?;
        let txn = entity::tx::begin_write(&state.db).await?;
        let s = crate::routes::merchant::my_store(&txn, &who.principal).await?;
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

#[cfg(test)]
mod tests {
    use super::parse_yuan;

    #[test]
    fn yuan_amounts_parse_to_fen() {
        assert_eq!(parse_yuan("12"), Some(1_200));
        assert_eq!(parse_yuan("12.5"), Some(1_250));
        assert_eq!(parse_yuan(" 0.05 "), Some(5));
        assert_eq!(parse_yuan("12.345"), None);
        assert_eq!(parse_yuan("-1"), None);
        assert_eq!(parse_yuan("1e3"), None);
        assert_eq!(parse_yuan(""), None);
    }
}
