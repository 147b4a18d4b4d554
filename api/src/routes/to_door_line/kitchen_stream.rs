//! The kitchen's new-order alert: a Server-Sent Events stream of the
//! store's new paid orders and cancellations.
//!
//! Each event's `id` is the order event's id. A client that reconnects with
//! `Last-Event-ID` (or `?last_event_id=`) receives everything after it, so
//! nothing is missed across reconnects; without one, the stream starts now.
//! The stream polls the order timeline (`stream_poll_ms`) and sends a
//! comment every `stream_heartbeat_secs` to keep proxies from closing it.

use std::time::{Duration, Instant};

use actix_web::{HttpRequest, HttpResponse, get, web};
use entity::order::OrderStatus;
use entity::{order, order_event};
use futures_util::stream;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, Query},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::routes::supply_end::store::my_store;
use crate::state::AppState;

/// Statuses the kitchen is alerted about.
const ALERTS: [OrderStatus; 3] = [
    OrderStatus::Paid,
    OrderStatus::Cancelled,
    OrderStatus::Refunding,
];

/// The data of one stream event.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderAlert {
    /// The order.
    pub order_id: i64,
    /// Its public number.
    pub order_no: String,
    /// The status it moved to (`paid` = new order).
    pub status: String,
    /// What the resident paid, in fen.
    pub payable_fen: i64,
    /// When.
    pub at: chrono::DateTime<chrono::Utc>,
}

/// `?last_event_id=` for clients that cannot set the header.
#[derive(Debug, Deserialize, IntoParams)]
pub struct StreamQuery {
    /// Resume after this event id.
    pub last_event_id: Option<i64>,
}

/// Where a polled stream is.
struct Cursor<F> {
    fetch: F,
    last: i64,
    poll: Duration,
    heartbeat: Duration,
    last_sent: Instant,
    first: bool,
}

async fn newer(
    db: &DatabaseConnection,
    store_id: i64,
    after: i64,
) -> Result<Vec<(order_event::Model, order::Model)>, sea_orm::DbErr> {
    use sea_orm::sea_query::ExprTrait;
    let of_store = Query::select()
        .column(order::Column::Id)
        .from(order::Entity)
        .and_where(Expr::col(order::Column::StoreId).eq(store_id))
        .to_owned();
    let events = order_event::Entity::find()
        .filter(order_event::Column::Id.gt(after))
        .filter(order_event::Column::ToStatus.is_in(ALERTS))
        .filter(Expr::col(order_event::Column::OrderId).in_subquery(of_store))
        .order_by_asc(order_event::Column::Id)
        .limit(100)
        .all(db)
        .await?;
    let ids: Vec<i64> = events.iter().map(|e| e.order_id).collect();
    let orders: std::collections::HashMap<i64, order::Model> = order::Entity::find()
        .filter(order::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    Ok(events
        .into_iter()
        .filter_map(|e| orders.get(&e.order_id).cloned().map(|o| (e, o)))
        .collect())
}

fn frame(e: &order_event::Model, o: &order::Model) -> String {
    let alert = OrderAlert {
        order_id: o.id,
        order_no: o.order_no.clone(),
        status: e.to_status.to_string(),
        payable_fen: o.payable_fen,
        at: e.created_at,
    };
    let data = serde_json::to_string(&alert).unwrap_or_else(|_| "{}".into());
    format!(
        "id: {}\nevent: order.{}\ndata: {data}\n\n",
        e.id, e.to_status
    )
}

/// Streams the store's new paid orders and cancellations (text/event-stream).
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff"])), params(StreamQuery,
    ("Last-Event-ID" = Option<i64>, Header, description = "Resume after this event")),
    responses(
        (status = 200, description = "`event: order.paid|order.cancelled|order.refunding`, `id`, JSON `data` (OrderAlert)", content_type = "text/event-stream", body = OrderAlert),
        (status = 403, description = "NOT_STORE_STAFF", body = ErrorBody),
    ))]
#[get("/merchant/orders/stream")]
pub async fn stream_orders(
    state: web::Data<AppState>,
    who: Principal,
    req: HttpRequest,
    q: web::Query<StreamQuery>,
) -> ApiResult<HttpResponse> {
    store_stream(&state, &who, &req, &q).await
}

/// The stream of the caller's store (the API's and the console's).
pub(crate) async fn store_stream(
    state: &AppState,
    who: &Principal,
    req: &HttpRequest,
    q: &StreamQuery,
) -> ApiResult<HttpResponse> {
    let store = my_store(&state.db, who).await?;
    let last = match resume_point(req, q)? {
        Some(id) => id,
        // A fresh subscriber starts from now.
        None => order_event::Entity::find()
            .order_by_desc(order_event::Column::Id)
            .one(&state.db)
            .await?
            .map_or(0, |e| e.id),
    };
    let db = state.db.clone();
    let store_id = store.id;
    let body = polled(state, last, move |after| {
        let db = db.clone();
        async move {
            Ok(newer(&db, store_id, after)
                .await?
                .iter()
                .map(|(e, o)| (e.id, frame(e, o)))
                .collect())
        }
    });
    Ok(sse_response(body))
}

/// An event stream that polls `fetch(after)` for frames `(id, text)` newer
/// than the last sent (`stream_poll_ms`), with a retry hint first and a
/// keep-alive comment every `stream_heartbeat_secs` when nothing happens.
pub fn polled<F, Fut>(
    state: &AppState,
    last: i64,
    fetch: F,
) -> impl futures_util::Stream<Item = Result<web::Bytes, actix_web::Error>> + 'static
where
    F: Fn(i64) -> Fut + 'static,
    Fut: std::future::Future<Output = Result<Vec<(i64, String)>, sea_orm::DbErr>>,
{
    let http = &state.settings.http;
    let cursor = Cursor {
        fetch,
        last,
        poll: Duration::from_millis(http.stream_poll_ms.max(50)),
        heartbeat: Duration::from_secs(http.stream_heartbeat_secs.max(1)),
        last_sent: Instant::now(),
        first: true,
    };
    stream::unfold(cursor, |mut c| async move {
        if c.first {
            c.first = false;
            // Tell the client how long to wait before reconnecting.
            return Some((
                Ok::<_, actix_web::Error>(web::Bytes::from("retry: 3000\n\n")),
                c,
            ));
        }
        loop {
            match (c.fetch)(c.last).await {
                Ok(frames) if !frames.is_empty() => {
                    let mut out = String::new();
                    for (id, text) in &frames {
                        out.push_str(text);
                        c.last = *id;
                    }
                    c.last_sent = Instant::now();
                    return Some((Ok(web::Bytes::from(out)), c));
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "event stream poll failed"),
            }
            if c.last_sent.elapsed() >= c.heartbeat {
                c.last_sent = Instant::now();
                return Some((Ok(web::Bytes::from(": keep-alive\n\n")), c));
            }
            tokio::time::sleep(c.poll).await;
        }
    })
}

/// Where a client resumes: `Last-Event-ID`, else `?last_event_id=`.
pub fn resume_point(req: &HttpRequest, q: &StreamQuery) -> ApiResult<Option<i64>> {
    let header = req
        .headers()
        .get("last-event-id")
        .map(|v| v.to_str().ok().and_then(|s| s.trim().parse::<i64>().ok()))
        .map(|v| v.ok_or_else(|| ApiError::field("Last-Event-ID", "must be an event id")))
        .transpose()?;
    Ok(header.or(q.last_event_id))
}

/// A `text/event-stream` response that proxies neither cache nor buffer.
pub fn sse_response<S>(body: S) -> HttpResponse
where
    S: futures_util::Stream<Item = Result<web::Bytes, actix_web::Error>> + 'static,
{
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("cache-control", "no-cache"))
        .insert_header(("x-accel-buffering", "no"))
        .streaming(body)
}
