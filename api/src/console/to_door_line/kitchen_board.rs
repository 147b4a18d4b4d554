//! The kitchen's live order board: accept, reject with a reason, ready.

use entity::order::DeliveryKind;
use entity::order::OrderStatus;
use entity::to_door_line::kitchen::KitchenStep;

use crate::console::*;

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
    let s = crate::routes::supply_end::store::my_store(&state.db, &who.principal).await?;
    let p = entity::platform_end::platforms::platform_of(&state.db, s.platform_id).await?;
    let offset = Duration::minutes(i64::from(p.utc_offset_minutes));
    let orders = order::Entity::find()
        .filter(order::Column::StoreId.eq(s.id))
        .filter(order::Column::Status.is_in([
            OrderStatus::Paid,
            OrderStatus::Accepted,
            OrderStatus::RiderAssigned,
            OrderStatus::Ready,
        ]))
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
        (t.new_orders, OrderStatus::Paid.as_str(), Vec::new()),
        (t.accepted, OrderStatus::Accepted.as_str(), Vec::new()),
        (t.ready, OrderStatus::Ready.as_str(), Vec::new()),
    ];
    let total = orders.len();
    for o in orders {
        let col = match o.status {
            OrderStatus::Paid => 0,
            OrderStatus::Ready => 2,
            _ => 1,
        };
        columns[col].2.push(Card {
            id: o.id,
            items: lines.remove(&o.id).unwrap_or_default().join("，"),
            time: (o.created_at + offset).format("%H:%M").to_string(),
            amount: crate::csv::yuan(o.payable_fen),
            kind: if o.delivery_kind == DeliveryKind::Village {
                "到村"
            } else {
                "城区"
            }
            .into(),
            note: o.note,
            order_no: o.order_no,
            status: o.status.to_string(),
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
    q: web::Query<crate::routes::to_door_line::kitchen_stream::StreamQuery>,
) -> HttpResponse {
    let Some(who) = who else {
        return HttpResponse::Unauthorized().finish();
    };
    match crate::routes::to_door_line::kitchen_stream::store_stream(
        &state,
        &who.principal,
        &req,
        &q,
    )
    .await
    {
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
        let step = match action.as_str() {
            "accept" => KitchenStep::Accept,
            "ready" => KitchenStep::Ready {
                batches: BTreeMap::new(),
            },
            "reject" => KitchenStep::Reject {
                reason: form.reason.clone(),
            },
            _ => return Err(ApiError::not_found("action")),
        };
        crate::routes::to_door_line::kitchen_orders::step(&state, &who.principal, id, step).await?;
        Ok(see_other("/console/kitchen"))
    })
    .await
}
