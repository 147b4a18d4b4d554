//! Residents' orders: quote, place, pay, cancel, read; and the demo
//! payment provider's confirmation.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use entity::delivery_job::DeliveryJobStatus;
use entity::order;
use entity::order::DeliveryKind;
use entity::order_event::ActorKind;
use entity::to_door_line::order_states::OrderEvent;
use entity::to_door_line::quote::{Quote, QuoteRequest};
use entity::to_door_line::transitions;
use entity::to_door_line::transitions::OrderActor;
use entity::trip_package::PackageStatus;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::extract::{ApiJson, OptionalJson};
use crate::rate_limit::Rule;
use crate::routes::to_door_line::order_view::{OrderPage, OrderView, order_view};
use crate::state::AppState;

/// The header that makes `POST /orders` safe to retry.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// Prices an order without creating it: lines, fees, payable total, and
/// the delivery plan (city ETA, or the next village departure).
#[utoipa::path(tag = "orders", security(("bearer" = [])), request_body = QuoteRequest, responses(
    (status = 200, body = Quote),
    (status = 404, description = "NOT_FOUND: store or address", body = ErrorBody),
    (status = 409, description = "INSUFFICIENT_STOCK", body = ErrorBody),
    (status = 422, description = "STORE_CLOSED, OUT_OF_DELIVERY_RANGE, BELOW_MINIMUM_ORDER, SKU_UNAVAILABLE, NO_DEPARTURE_AVAILABLE, VALIDATION_FAILED", body = ErrorBody),
))]
#[post("/orders/quote")]
pub async fn quote(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<QuoteRequest>,
) -> ApiResult<web::Json<Quote>> {
    Ok(web::Json(
        entity::to_door_line::quote::quote(
            &state.db,
            who.platform_id,
            who.user_id,
            &body,
            state.clock.now(),
        )
        .await?,
    ))
}

pub(crate) fn idempotency_key(req: &HttpRequest) -> ApiResult<Option<String>> {
    let Some(v) = req.headers().get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let key = v
        .to_str()
        .ok()
        .filter(|k| {
            !k.is_empty()
                && k.len() <= 64
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .ok_or_else(|| ApiError::field("Idempotency-Key", "1 to 64 letters, digits, - or _"))?;
    Ok(Some(key.to_owned()))
}

fn order_no(state: &AppState) -> String {
    public_no(state, "TC")
}

/// A public number: prefix, the local date (China time), 10 random hex digits.
pub(crate) fn public_no(state: &AppState, prefix: &str) -> String {
    let local = state.clock.now() + chrono::Duration::hours(8);
    format!(
        "{prefix}{}{}",
        local.format("%Y%m%d"),
        hex::encode_upper(entity::ids::random_bytes::<5>())
    )
}

/// Places an order: re-priced on the server, stock reserved, status
/// `pending_payment`. With an `Idempotency-Key` header, retrying the same
/// request returns the same order.
#[utoipa::path(tag = "orders", security(("bearer" = [])), request_body = QuoteRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 201, body = OrderView),
        (status = 200, description = "A retry with the same key and body", body = OrderView),
        (status = 409, description = "INSUFFICIENT_STOCK; IDEMPOTENCY_KEY_IN_USE (with Retry-After) while a simultaneous request with the key is in progress", body = ErrorBody),
        (status = 422, description = "IDEMPOTENCY_KEY_REUSED and every quote refusal", body = ErrorBody),
    (status = 429, description = "RATE_LIMITED: see Retry-After", body = ErrorBody),
))]
#[post("/orders")]
pub async fn place(
    state: web::Data<AppState>,
    who: Principal,
    req: HttpRequest,
    body: ApiJson<QuoteRequest>,
) -> ApiResult<HttpResponse> {
    state
        .rate_limits
        .check_on_platform(
            &state.db,
            Rule::PlaceOrder,
            who.platform_id,
            &who.user_id.to_string(),
        )
        .await?;
    let key = idempotency_key(&req)?;
    let hash = hex::encode(
        aws_lc_rs::digest::digest(
            &aws_lc_rs::digest::SHA256,
            serde_json::to_string(&*body)
                .map_err(ApiError::internal)?
                .as_bytes(),
        )
        .as_ref(),
    );
    let txn = entity::tx::begin_write(&state.writer).await?;
    let placed = entity::to_door_line::place::place(
        &txn,
        who.platform_id,
        who.user_id,
        &body,
        key.as_deref().map(|k| (k, hash.as_str())),
        &order_no(&state),
        state.clock.now(),
    )
    .await;
    let (o, created) = match placed {
        Ok(v) => v,
        Err(e) => {
            txn.rollback().await?;
            let (Some(key), true) = (
                key.as_deref(),
                entity::to_door_line::place::lost_key_race(&e),
            ) else {
                return Err(e.into());
            };
            // A simultaneous retry with this key committed first: answer its
            // order, or (if it rolled back meanwhile) ask for another retry.
            return match entity::to_door_line::place::prior(&state.db, who.user_id, key, &hash)
                .await?
            {
                Some(o) => Ok(HttpResponse::Ok().json(order_view(&state.db, o).await?)),
                None => Err(ApiError::new(
                    ErrorCode::IDEMPOTENCY_KEY_IN_USE,
                    "a request with this Idempotency-Key is in progress; retry",
                )
                .retry_after(1)),
            };
        }
    };
    let view = order_view(&txn, o).await?;
    txn.commit().await?;
    Ok(if created {
        HttpResponse::Created().json(view)
    } else {
        HttpResponse::Ok().json(view)
    })
}

/// `GET /orders` parameters.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PageQuery {
    /// Only this status (an unknown one is refused with 400).
    pub status: Option<order::OrderStatus>,
    /// From a previous page's `next_cursor`.
    pub cursor: Option<i64>,
    /// Page size, 1 to 50 (default 20).
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<u64>,
}

/// A page of orders matching `filter`, newest first.
pub async fn page(
    db: &impl ConnectionTrait,
    filter: sea_orm::Condition,
    q: &PageQuery,
) -> ApiResult<OrderPage> {
    let limit = q.limit.unwrap_or(20);
    if !(1..=50).contains(&limit) {
        return Err(ApiError::field("limit", "must be 1 to 50"));
    }
    let mut find = order::Entity::find().filter(filter);
    if let Some(s) = q.status {
        find = find.filter(order::Column::Status.eq(s));
    }
    if let Some(c) = q.cursor {
        find = find.filter(order::Column::Id.lt(c));
    }
    let mut items = find
        .order_by_desc(order::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await?;
    let next_cursor = if items.len() as u64 > limit {
        items.truncate(limit as usize);
        items.last().map(|o| o.id)
    } else {
        None
    };
    Ok(OrderPage { items, next_cursor })
}

/// The caller's orders, newest first.
#[utoipa::path(tag = "orders", security(("bearer" = [])), params(PageQuery), responses(
    (status = 200, body = OrderPage),
))]
#[get("/orders")]
pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<PageQuery>,
) -> ApiResult<web::Json<OrderPage>> {
    let filter = sea_orm::Condition::all()
        .add(order::Column::PlatformId.eq(who.platform_id))
        .add(order::Column::UserId.eq(who.user_id));
    Ok(web::Json(page(&state.db, filter, &q).await?))
}

/// The order if it is the caller's. Looked up by primary key and checked
/// here: with owner filters in SQL, PostgreSQL may pick the per-user index
/// and walk all of a resident's orders (measured at 25× slower).
pub(crate) async fn my_order(
    db: &impl ConnectionTrait,
    who: &Principal,
    id: i64,
) -> ApiResult<order::Model> {
    order::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|o| o.platform_id == who.platform_id && o.user_id == who.user_id)
        .ok_or_else(|| ApiError::not_found("order"))
}

/// One of the caller's orders with its timeline.
#[utoipa::path(tag = "orders", security(("bearer" = [])), responses(
    (status = 200, body = OrderView),
    (status = 404, description = "NOT_FOUND (also someone else's)", body = ErrorBody),
))]
#[get("/orders/{id}")]
pub async fn get_one(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> ApiResult<web::Json<OrderView>> {
    let o = my_order(&state.db, &who, *id).await?;
    let mut view = order_view(&state.db, o).await?;
    view.delivery_code = entity::delivery_job::Entity::find()
        .filter(entity::delivery_job::Column::OrderId.eq(view.id))
        .one(&state.db)
        .await?
        .filter(|j| j.status != DeliveryJobStatus::Delivered)
        .map(|j| j.code);
    view.pickup_code = entity::trip_package::Entity::find()
        .filter(entity::trip_package::Column::OrderId.eq(view.id))
        .filter(entity::trip_package::Column::Status.is_in([
            PackageStatus::Planned,
            PackageStatus::Loaded,
            PackageStatus::AtAgentPoint,
        ]))
        .one(&state.db)
        .await?
        .map(|p| p.pickup_code);
    if view.delivery_kind == DeliveryKind::Village {
        view.cold_chain =
            entity::to_door_line::village::batch_settlement::record_of_order(&state.db, view.id)
                .await?;
    }
    Ok(web::Json(view))
}

/// Where the rider is: only the order's resident, only while it is out
/// for delivery.
#[utoipa::path(tag = "orders", security(("bearer" = [])), responses(
    (status = 200, body = entity::to_door_line::city::tracking::Tracking),
    (status = 404, description = "NOT_FOUND (also someone else's order)", body = ErrorBody),
    (status = 409, description = "NOT_TRACKABLE", body = ErrorBody),
))]
#[get("/orders/{id}/tracking")]
pub async fn tracking(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> ApiResult<web::Json<entity::to_door_line::city::tracking::Tracking>> {
    let o = my_order(&state.db, &who, *id).await?;
    Ok(web::Json(
        entity::to_door_line::city::tracking::tracking(&state.db, &o, state.clock.now()).await?,
    ))
}

/// Why a resident cancels.
#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct CancelRequest {
    /// Optional reason.
    pub reason: Option<String>,
}

/// Cancels an order: before payment it is cancelled and its stock released;
/// paid but not yet accepted, it is refunded in full.
#[utoipa::path(tag = "orders", security(("bearer" = [])), request_body = CancelRequest, responses(
    (status = 200, body = OrderView),
    (status = 404, description = "NOT_FOUND", body = ErrorBody),
    (status = 409, description = "INVALID_ORDER_STATE: the kitchen accepted it already", body = ErrorBody),
))]
#[post("/orders/{id}/cancel")]
pub async fn cancel(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    body: OptionalJson<CancelRequest>,
) -> ApiResult<web::Json<OrderView>> {
    let reason = body
        .into_inner()
        .and_then(|b| b.reason)
        .map(|r| r.chars().take(200).collect());
    let txn = entity::tx::begin_write(&state.writer).await?;
    let o = my_order(&txn, &who, *id).await?;
    let now = state.clock.now();
    let actor = OrderActor {
        kind: ActorKind::Resident,
        user_id: Some(who.user_id),
    };
    let o = transitions::apply(&txn, o, OrderEvent::ResidentCancel, actor, reason, now).await?;
    let view = order_view(&txn, o).await?;
    txn.commit().await?;
    Ok(web::Json(view))
}
