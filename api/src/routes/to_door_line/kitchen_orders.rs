//! The kitchen's order board: list, accept, reject (refunded), ready.

use std::collections::BTreeMap;

use actix_web::{get, post, web};
use entity::order;
use entity::to_door_line::kitchen::{self, KitchenStep};
use sea_orm::ColumnTrait;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::routes::supply_end::store::my_store;
use crate::routes::to_door_line::order_view::{OrderPage, OrderView, order_view};
use crate::routes::to_door_line::orders::{PageQuery, page};
use crate::state::AppState;

/// The store's orders, newest first; `?status=paid` is the new-order queue.
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff"])), params(PageQuery), responses(
    (status = 200, body = OrderPage),
    (status = 403, description = "NOT_STORE_STAFF", body = ErrorBody),
))]
#[get("/merchant/orders")]
pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<PageQuery>,
) -> ApiResult<web::Json<OrderPage>> {
    let s = my_store(&state.db, &who).await?;
    let filter = sea_orm::Condition::all().add(order::Column::StoreId.eq(s.id));
    Ok(web::Json(page(&state.db, filter, &q).await?))
}

/// A reason for rejecting.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RejectOrder {
    /// Why; the resident sees it.
    pub reason: String,
}

/// One kitchen step on an order of the caller's store, answered with the
/// order as its page shows it.
pub(crate) async fn step(
    state: &AppState,
    who: &Principal,
    id: i64,
    step: KitchenStep,
) -> ApiResult<OrderView> {
    let txn = entity::tx::begin_write(&state.writer).await?;
    let s = my_store(&txn, who).await?;
    let o = kitchen::step(&txn, s.id, who.user_id, id, step, state.clock.now()).await?;
    let view = order_view(&txn, o).await?;
    txn.commit().await?;
    Ok(view)
}

/// Accepts a paid order.
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff"])), responses(
    (status = 200, body = OrderView),
    (status = 404, description = "NOT_FOUND (also another store's)", body = ErrorBody),
    (status = 409, description = "INVALID_ORDER_STATE", body = ErrorBody),
))]
#[post("/merchant/orders/{id}/accept")]
pub async fn accept(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> ApiResult<web::Json<OrderView>> {
    Ok(web::Json(
        step(&state, &who, *id, KitchenStep::Accept).await?,
    ))
}

/// Rejects a paid order; the resident is refunded in full.
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff"])), request_body = RejectOrder, responses(
    (status = 200, body = OrderView),
    (status = 404, description = "NOT_FOUND", body = ErrorBody),
    (status = 409, description = "INVALID_ORDER_STATE", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED: reason", body = ErrorBody),
))]
#[post("/merchant/orders/{id}/reject")]
pub async fn reject(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: ApiJson<RejectOrder>,
) -> ApiResult<web::Json<OrderView>> {
    let reason = crate::routes::required_text("reason", &body.reason, 200)?;
    Ok(web::Json(
        step(&state, &who, *id, KitchenStep::Reject { reason }).await?,
    ))
}

/// Marks an accepted order ready for pickup or the village trip, tying
/// each item to the production batch it came from (the body's picks, or
/// FIFO). The body may be empty.
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff"])), request_body(content = ReadyBody, description = "Optional"), responses(
    (status = 200, body = OrderView),
    (status = 404, description = "NOT_FOUND: order or batch", body = ErrorBody),
    (status = 409, description = "INVALID_ORDER_STATE", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED: a batch with too little left", body = ErrorBody),
))]
#[post("/merchant/orders/{id}/ready")]
pub async fn ready(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: web::Bytes,
) -> ApiResult<web::Json<OrderView>> {
    let picks: ReadyBody = if body.iter().all(u8::is_ascii_whitespace) {
        ReadyBody::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::field("batches", format!("not a ready body: {e}")))?
    };
    Ok(web::Json(
        step(
            &state,
            &who,
            *id,
            KitchenStep::Ready {
                batches: picks.batches,
            },
        )
        .await?,
    ))
}

/// Marking ready: optionally which production batch each item came from.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ReadyBody {
    /// Order item id → batch id; items left out take the oldest batch of
    /// their product with enough left (FIFO).
    #[serde(default)]
    pub batches: BTreeMap<i64, i64>,
}
